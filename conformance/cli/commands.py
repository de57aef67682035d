"""The `conformance` subcommands: each parses nothing, calls the library and renders."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TextIO

from conformance import spec as spec_store
from conformance.attest import AttestError, load_private_key
from conformance.cli.arguments import api_options
from conformance.cli.attestation import run_attestation
from conformance.cli.saved import ResultFileError as ResultFileError
from conformance.cli.saved import read_result_document
from conformance.cli.usage import USAGE_ERROR, unwritable
from conformance.pipeline import (
    DeclarationError,
    InputLimits,
    RunOptions,
    TargetError,
    is_url,
    load_declaration,
    load_mapping,
    run,
)
from conformance.progress import RunProgress
from conformance.report import REPORT_FORMATS, write_reports
from conformance.results import RunResult, terminal_safe
from conformance.results.diff import diff, render_text
from conformance.spec import SpecError


def run_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    formats = arguments.format or []
    if arguments.max_findings < 0:
        stderr.write("conformance: --max-findings must be 0 or more\n")
        return USAGE_ERROR
    attach = None
    if arguments.attest_key is not None:  # read before the run: a wrong key must not cost a whole run
        try:
            attach = run_attestation(load_private_key(arguments.attest_key))
        except AttestError as error:
            stderr.write(f"conformance: {terminal_safe(str(error))}\n")
            return USAGE_ERROR
        formats = [*formats, "json"]
    progress = RunProgress(stderr) if not arguments.quiet and stderr.isatty() else None
    try:
        declaration = load_declaration(arguments.declaration) if arguments.declaration else None
        limits = InputLimits(zip_max_total_bytes=arguments.zip_max_total, zip_max_ratio=arguments.zip_max_ratio,
                             zip_max_members=arguments.zip_max_members, max_file_bytes=arguments.max_file_size,
                             max_sheet_cells=arguments.max_sheet_cells)
        mapping = load_mapping(arguments.mapping, _operation(arguments.spec)) if arguments.mapping else None
        options = RunOptions(mapping=mapping, declaration=declaration, show_values=arguments.show_values,
                             max_findings=arguments.max_findings, as_of=arguments.as_of,
                             memory_limit=arguments.memory_limit, threads=arguments.threads, temp_dir=arguments.temp_dir,
                             progress=progress, limits=limits)
        if is_url(arguments.target) and mapping is not None:
            raise ValueError("--mapping はファイルの出力にだけ使えます（APIモードでは使えません）")
        if is_url(arguments.target):
            from conformance.pipeline import run_api  # API mode only: a file run never imports requests

            result = run_api(arguments.target, arguments.spec, options, api_options(arguments))
        else:
            result = run(Path(arguments.target), arguments.spec, options)
    except ValueError as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    except (TargetError, SpecError, DeclarationError) as error:
        stderr.write(f"conformance: {terminal_safe(str(error))}\n")
        return USAGE_ERROR
    finally:
        if progress is not None:
            progress.close()
    # The console detail is printed unless --quiet, whichever files --format asks for (README).
    if not arguments.quiet:
        stdout.write(str(REPORT_FORMATS["console"].render(result)))
    try:
        written = write_reports(result, [REPORT_FORMATS[name] for name in dict.fromkeys(formats) if name != "console"],
                                arguments.output, attach)
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    if not arguments.quiet:
        for path in written:
            stdout.write(f"wrote {path}\n")
    if arguments.strict_waivers and result.summary.verdict == "pass-with-waivers":
        return 1
    return result.exit_code


def _operation(specs: list[str] | None) -> str | None:
    """The one operation --spec names (a mapping is of one operation), else None."""
    return specs[0].partition("@")[0] if specs and len(specs) == 1 else None


def fixtures_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.generate import cases  # not needed by `run`: keep it light

    return cases.command(arguments.operations, arguments.check, arguments.fixtures, stdout, stderr)


def generate_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.generate import GenerateError, generate  # not needed by `run`: keep it light

    operations = [name.strip() for name in arguments.operations.split(",") if name.strip()]
    try:
        summary = generate(operations, arguments.residents, arguments.seed, arguments.output, arguments.defect_rate)
    except GenerateError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    for path, records in summary["files"].items():
        stdout.write(f"wrote {arguments.output / path} ({records} records)\n")
    stdout.write(f"expected findings: {summary['total']} ({arguments.output / 'expected.json'})\n")
    return 0


def _load_result(path: Path) -> RunResult:
    return RunResult.from_dict(read_result_document(path)[1])


load_result = _load_result  # `conformance grid` reads saved results the same way


def report_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        result = _load_result(arguments.result)
    except ResultFileError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    report_format = REPORT_FORMATS[arguments.format]
    if arguments.output is None:
        output = report_format.render(result)
        if isinstance(output, bytes):
            stderr.write(f"conformance: --format {arguments.format} is binary: give --output FILE\n")
            return USAGE_ERROR
        stdout.write(output)
        return 0
    try:
        report_format.write(result, arguments.output)
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    return 0


def diff_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        result_diff = diff(_load_result(arguments.old), _load_result(arguments.new))
    except ResultFileError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    if arguments.format == "json":
        stdout.write(json.dumps(result_diff.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(render_text(result_diff))
    return 1 if result_diff.regressions else 0


def serve_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    token = None
    if arguments.token_env:
        token = os.environ.get(arguments.token_env)
        if not token:
            stderr.write(f"conformance: 環境変数 {arguments.token_env} が設定されていないか空です（--token-env）\n")
            return USAGE_ERROR
    # The reference server and its store: `serve` only, so other commands never import them.
    from conformance.pipeline import ApiServer, export_store, read_export

    try:
        store = export_store(read_export(arguments.folder, arguments.spec))
    except (TargetError, SpecError) as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    if not store.tables:
        stderr.write(f"conformance: {arguments.folder}: 配信できる表がありません\n")
        return USAGE_ERROR
    try:
        server = ApiServer((arguments.host, arguments.port), store, token)
    except OSError as error:
        stderr.write(f"conformance: {arguments.host}:{arguments.port} で待ち受けできません ({error.strerror})\n")
        return USAGE_ERROR
    host, port = server.socket.getsockname()[:2]
    stdout.write(f"serving http://{host}:{port}\n")
    for path, table in store.tables.items():
        stdout.write(f"  GET {path}  {table.name} {len(table.records)}件\n")
    stdout.write("token: " + ("the value of " + arguments.token_env if token else "any bearer token") + " (Ctrl-C stops)\n")
    stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def spec_list_command(arguments: argparse.Namespace, stdout: TextIO) -> int:
    specs = [spec_store.load(operation) for operation in spec_store.available()]
    if arguments.format == "json":
        rows = [
            {"id": s.id, "name": s.name, "version": s.version, "tables": [t.name for t in s.tables],
             "requirements": len(s.requirements), "rules": s.rule_count}
            for s in specs
        ]
        stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        for s in specs:
            stdout.write(f"{s.id}\t{s.version}\t{s.name}\t{'・'.join(t.name for t in s.tables)}\t"
                         f"要件 {len(s.requirements)}\t規則 {s.rule_count}\n")
    return 0


def spec_lint_command(arguments: argparse.Namespace, stdout: TextIO) -> int:
    from conformance.lint import lint  # lint pulls in DuckDB; keep `spec list` light

    problems = lint(arguments.path)
    for problem in problems:
        stdout.write(f"{problem}\n")
    stdout.write(f"{len(problems)} problem(s)\n" if problems else "specs: OK\n")
    return 1 if problems else 0
