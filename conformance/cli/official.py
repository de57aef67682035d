"""`conformance spec import` and `conformance spec export`: the official 基本データリスト layout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from conformance import spec as spec_store
from conformance.cli.usage import USAGE_ERROR, spec_folders, unwritable
from conformance.results import terminal_safe


def add_arguments(spec_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The import and export subcommands of `conformance spec`."""
    import_parser = spec_commands.add_parser("import", help="turn an official 基本データリスト workbook into a spec folder")
    import_parser.add_argument("workbook", type=Path, help="the official workbook (.xlsx), e.g. 001_住民基本台帳_基本データリスト【第2.1版】.xlsx")
    import_parser.add_argument("--id", required=True, dest="op_id", metavar="OP", help="the operation id of the spec (e.g. juki)")
    import_parser.add_argument("--version", metavar="V",
                               help="semver: the spec's version; otherwise the list's 版 (default: 第n版 from the file name)")
    import_parser.add_argument("--output", required=True, type=Path, metavar="DIR", help="writes DIR/OP/ (spec.yaml, schemas/)")
    export_parser = spec_commands.add_parser("export", help="write a spec in the official 基本データリスト layout")
    export_parser.add_argument("operation", metavar="OP", help="the operation id (e.g. juki)")
    export_parser.add_argument("--format", choices=("xlsx",), default="xlsx")
    export_parser.add_argument("--output", required=True, type=Path, metavar="FILE", help="the workbook to write (.xlsx)")
    spec_folders(export_parser)


def import_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.spec.official import LayoutError, import_workbook  # openpyxl: only when asked

    if not arguments.workbook.is_file():
        stderr.write(f"conformance: {arguments.workbook}: ファイルがありません\n")
        return USAGE_ERROR
    try:
        spec = import_workbook(arguments.workbook, op_id=arguments.op_id, version=arguments.version, output=arguments.output)
    except LayoutError as error:
        stderr.write(f"conformance: 取り込めません: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    items = sum(len(table.items) for table in spec.tables)
    pending = sum(1 for r in spec.requirements if r.check.kind == "pending")
    stdout.write(f"wrote {spec.path}: 表 {len(spec.tables)}、データ項目 {items}、要件 {len(spec.requirements)}"
                 f"（条件付き必須で規則のないもの {pending}）\n")
    return 0


def export_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.spec.official.export import export_workbook

    spec = spec_store.load(arguments.operation)  # SpecError → exit 2 in main
    try:
        written = export_workbook(spec, arguments.output)
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    stdout.write(f"wrote {written}\n")
    return 0
