"""`conformance compare OLD NEW --spec OP`: its arguments and its command (parse, call the pipeline, render)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from conformance.cli.usage import USAGE_ERROR, spec_folders, unwritable
from conformance.pipeline import MappingError, TargetError, load_mapping
from conformance.report.compare import COMPARE_FORMATS, render_console, write_compare
from conformance.results import terminal_safe
from conformance.spec import SpecError


def add_compare_parser(commands: Any) -> None:
    """The `compare` subcommand's arguments."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "compare", help="compare an old system's export with the standard export: lost records, lost or changed values, counts")
    parser.add_argument("old", type=Path, help="the old system's export (file, folder or ZIP; --mapping-old if laid out otherwise)")
    parser.add_argument("new", type=Path, help="the standard system's export (file, folder or ZIP)")
    parser.add_argument("--spec", required=True, metavar="OP", help="the operation both exports hold (e.g. juki)")
    spec_folders(parser)
    parser.add_argument("--mapping-old", type=Path, metavar="FILE", help="read OLD through this mapping (YAML, mapping.schema.json)")
    parser.add_argument("--mapping-new", type=Path, metavar="FILE", help="read NEW through this mapping")
    parser.add_argument("--key", action="append", default=[], metavar="[TABLE=]ITEM[,ITEM]",
                        help="the items records are matched by (default: each table's primary key); repeatable")
    parser.add_argument("--ignore", action="append", default=[], metavar="ITEM", help="an item whose differences are tolerated; repeatable")
    parser.add_argument("--allow-added", action="store_true", help="records and values only in NEW do not fail the comparison")
    parser.add_argument("--format", action="append", choices=list(COMPARE_FORMATS), metavar="FORMAT",
                        help=f"output format, repeatable: {', '.join(COMPARE_FORMATS)} (files compare.<ext> under --output)")
    parser.add_argument("--output", type=Path, default=Path("reports"), metavar="DIR", help="folder for compare.json/html/xlsx (default: reports)")
    parser.add_argument("--max-examples", type=int, default=20, metavar="N", help="examples kept per table: lost, appeared, and each differing item (totals stay exact; default 20)")
    parser.add_argument("--show-values", action="store_true", help="show personal values unmasked (local debugging; 個人番号 is never shown)")
    parser.add_argument("--quiet", action="store_true", help="no console output (the exit code still tells)")


def _keys(entries: list[str]) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        table, _, items = entry.rpartition("=")
        names = tuple(item.strip() for item in items.split(",") if item.strip())
        if not names:
            raise MappingError(f"--key {entry}: 項目がありません（--key 住民=宛名番号 など）")
        keys[table.strip()] = names
    return keys


def compare_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Compare, print the console summary, write the asked formats; exit 0 pass, 1 fail, 3 incomplete, 2 usage."""
    from conformance.pipeline.compare import CompareOptions, compare  # the engine only when comparing

    if arguments.max_examples < 0:
        stderr.write("conformance: --max-examples must be 0 or more\n")
        return USAGE_ERROR
    try:
        options = CompareOptions(
            mapping_old=load_mapping(arguments.mapping_old, arguments.spec) if arguments.mapping_old else None,
            mapping_new=load_mapping(arguments.mapping_new, arguments.spec) if arguments.mapping_new else None,
            keys=_keys(arguments.key), ignore=tuple(arguments.ignore), allow_added=arguments.allow_added,
            max_examples=arguments.max_examples, show_values=arguments.show_values)
        result = compare(arguments.old, arguments.new, arguments.spec, options)
    except (MappingError, TargetError, SpecError) as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    if not arguments.quiet:
        stdout.write(render_console(result))
    formats = [name for name in dict.fromkeys(arguments.format or []) if name != "console"]
    try:
        written = write_compare(result, formats, arguments.output) if formats else []
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    if not arguments.quiet:
        for path in written:
            stdout.write(f"wrote {path}\n")
    return result.exit_code
