"""`conformance spec diff` and `conformance docs`: their arguments and commands (the work is conformance.catalogue's)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any, TextIO

from conformance.cli.usage import USAGE_ERROR, unwritable
from conformance.spec import SpecError

_SPEC_ARGUMENT = "a spec id (juki, juki@0.1.0), a spec folder (spec.yaml and schemas/) or an official workbook (.xlsx)"


def add_arguments(commands: Any, spec_commands: Any) -> None:
    """Register `spec diff` under `spec` and `docs` as a command of its own."""
    diff_parser = spec_commands.add_parser(
        "diff", help="what changed between two versions of a spec; exit 1 when an export that passed OLD can fail NEW")
    diff_parser.add_argument("old", metavar="OLD", help=_SPEC_ARGUMENT)
    diff_parser.add_argument("new", metavar="NEW", help=_SPEC_ARGUMENT)
    diff_parser.add_argument("--format", choices=("text", "json"), default="text",
                             help="text (default) or JSON (conformance/catalogue/spec-diff.schema.json)")
    docs_parser = commands.add_parser(
        "docs", help="write the requirement catalogue: static HTML (offline, with search) and Markdown")
    docs_parser.add_argument("specs", nargs="*", metavar="SPEC",
                             help="spec ids or spec folders to include (default: every bundled spec)")
    docs_parser.add_argument("--output", required=True, type=Path, metavar="DIR", help="folder to write into")


def spec_diff_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.catalogue import diff_specs, load_source, render_text  # not needed by `run`

    try:
        with tempfile.TemporaryDirectory(prefix="conformance-spec-diff-") as workdir:
            # A workbook side is imported under the other side's operation id, so that the two specs compare.
            if _is_workbook(arguments.old) and not _is_workbook(arguments.new):
                new = load_source(arguments.new, Path(workdir) / "new")
                old = load_source(arguments.old, Path(workdir) / "old", new.spec.id)
            else:
                old = load_source(arguments.old, Path(workdir) / "old")
                new = load_source(arguments.new, Path(workdir) / "new", old.spec.id)
            result = diff_specs(old, new)
    except SpecError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    if arguments.format == "json":
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(render_text(result))
    return 1 if result.breaking else 0


def _is_workbook(argument: str) -> bool:
    return Path(argument).suffix.lower() in (".xlsx", ".xlsm")


def docs_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.catalogue import bundled, load_source, write_catalogue  # not needed by `run`

    try:
        sources = [load_source(name) for name in arguments.specs] if arguments.specs else bundled()
        written = write_catalogue(sources, arguments.output)
    except SpecError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    stdout.write(f"wrote {len(written)} files to {arguments.output} (open {arguments.output / 'index.html'})\n")
    return 0
