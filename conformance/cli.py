"""The `conformance` command: parses arguments, calls the library, renders. Nothing else."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import jsonschema

from conformance import __version__
from conformance import spec as spec_store
from conformance.api.client import ClientOptions
from conformance.api.server import ApiServer
from conformance.progress import RunProgress
from conformance.readers import InputLimits, TargetError
from conformance.report import FORMATS
from conformance.results import RunResult, terminal_safe
from conformance.results.diff import diff, render_text
from conformance.runner import (
    ApiOptions,
    DeclarationError,
    RunOptions,
    export_store,
    is_url,
    load_declaration,
    run,
    run_api,
)
from conformance.spec import SpecError

USAGE_ERROR = 2
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _size(text: str) -> int:
    """A byte count: `500M`, `4G`, `1048576` (binary units)."""
    number, unit = text.strip().upper().removesuffix("B").removesuffix("I"), ""
    if number and number[-1] in _SIZE_UNITS:
        number, unit = number[:-1], number[-1]
    try:
        value = float(number) * _SIZE_UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 500M, 4G)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return int(value)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="地方公共団体情報システム標準仕様の適合確認 / conformance tests for Japan's local-government standard systems",
    )
    parser.add_argument("--version", action="version", version=f"jichitai-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run_parser = commands.add_parser("run", help="run the conformance checks on an export (file, folder or ZIP)")
    run_parser.add_argument("target", help="the export (a file, a folder or a ZIP), or a system's base URL (http:// or https://: API mode)")
    run_parser.add_argument("--spec", action="append", metavar="OP[@VERSION]",
                            help="operation to check (e.g. juki or juki@0.1.0); repeatable; inferred from file names when absent")
    run_parser.add_argument("--declaration", type=Path, metavar="FILE", help="the vendor's declaration (YAML)")
    run_parser.add_argument("--format", action="append", choices=list(FORMATS), metavar="FORMAT",
                            help=f"output format, repeatable: {', '.join(FORMATS)} (default console)")
    run_parser.add_argument("--output", type=Path, metavar="DIR", default=Path("reports"),
                            help="folder for the files of non-console formats (default: reports)")
    run_parser.add_argument("--show-values", action="store_true",
                            help="show personal values unmasked (local debugging; recorded in the report; 個人番号 is never shown)")
    run_parser.add_argument("--max-findings", type=int, default=100, metavar="N",
                            help="example findings kept per requirement (totals stay exact; default 100)")
    run_parser.add_argument("--quiet", action="store_true", help="no console output (the exit code still tells)")
    run_parser.add_argument("--as-of", type=datetime.date.fromisoformat, metavar="YYYY-MM-DD",
                            help='the date rules judge "today" by (default: today; recorded in the result)')
    run_parser.add_argument("--memory-limit", metavar="SIZE",
                            help="DuckDB memory limit, e.g. 1GB; beyond it DuckDB spills to --temp-dir (default: DuckDB's, 80%% of RAM)")
    run_parser.add_argument("--temp-dir", type=Path, metavar="DIR",
                            help="where the run's private temporary folder goes (extracted ZIP, staging, DuckDB spill; default: the system temp dir)")
    limits = InputLimits()
    run_parser.add_argument("--zip-max-total", type=_size, default=limits.zip_max_total_bytes, metavar="SIZE",
                            help="refuse a ZIP that expands to more than this (default 4G)")
    run_parser.add_argument("--zip-max-ratio", type=_positive, default=limits.zip_max_ratio, metavar="N",
                            help=f"refuse a ZIP member expanding more than N times its compressed size (default {limits.zip_max_ratio:g})")
    run_parser.add_argument("--zip-max-members", type=int, default=limits.zip_max_members, metavar="N",
                            help=f"refuse a ZIP of more than N members (default {limits.zip_max_members})")
    run_parser.add_argument("--max-file-size", type=_size, default=limits.max_file_bytes, metavar="SIZE",
                            help="do not read a JSON, NDJSON or XLSX file larger than this (they are parsed in memory; default 1G)")

    generate_parser = commands.add_parser("generate", help="write a synthetic municipality's exports (deterministic; optional counted defects)")
    generate_parser.add_argument("--operations", required=True, metavar="OP[,OP...]", help="operations to generate: juki, inkan, senkyo (juki is required; the others link to its 住民)")
    generate_parser.add_argument("--residents", required=True, type=int, metavar="N", help="number of 住民 records")
    generate_parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (same seed, same files; default 1)")
    generate_parser.add_argument("--output", required=True, type=Path, metavar="DIR", help="folder to write data/, declaration.yaml, expected.json")
    generate_parser.add_argument("--defect-rate", type=float, default=0.0, metavar="R",
                                 help="share of records given one known defect (expected.json holds the exact counts; default 0)")

    _api_arguments(run_parser)

    fixtures_parser = commands.add_parser("fixtures", help="build the broken fixture cases from the case tables")
    fixtures_build = fixtures_parser.add_subparsers(dest="fixtures_command", required=True).add_parser(
        "build", help="write fixtures/<op>/invalid/ from fixtures/<op>/cases.yaml and the valid export")
    fixtures_build.add_argument("operations", nargs="*", metavar="OP", help="operations to build (default: all with a cases.yaml)")
    fixtures_build.add_argument("--check", action="store_true", help="build into a temporary folder; exit 1 listing the differences")
    fixtures_build.add_argument("--fixtures", type=Path, default=Path("fixtures"), metavar="DIR", help="the fixtures folder (default: fixtures)")

    serve_parser = commands.add_parser("serve", help="serve an export folder through the API contract (reference server)")
    serve_parser.add_argument("folder", type=Path, help="a conforming export: a file, a folder or a ZIP")
    serve_parser.add_argument("--spec", action="append", metavar="OP[@VERSION]", help="operation(s) to serve; inferred from file names when absent")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one and prints it)")
    serve_parser.add_argument("--token-env", metavar="VAR",
                              help="require exactly the bearer token in environment variable VAR (default: any bearer token)")

    report_parser = commands.add_parser("report", help="re-render a saved JSON result into another format")
    report_parser.add_argument("result", type=Path, help="a JSON result written by `conformance run --format json`")
    report_parser.add_argument("--format", required=True, choices=list(FORMATS), metavar="FORMAT",
                               help=f"one of {', '.join(FORMATS)}")
    report_parser.add_argument("--output", type=Path, metavar="FILE", help="the file to write (default: standard output, text formats only)")

    diff_parser = commands.add_parser("diff", help="compare two JSON results; exit 1 on regressions")
    diff_parser.add_argument("old", type=Path, help="the earlier result (JSON)")
    diff_parser.add_argument("new", type=Path, help="the later result (JSON)")
    diff_parser.add_argument("--format", choices=("text", "json"), default="text")

    spec_parser = commands.add_parser("spec", help="list or lint the encoded specs")
    spec_commands = spec_parser.add_subparsers(dest="spec_command", required=True)
    list_parser = spec_commands.add_parser("list", help="list the encoded operations")
    list_parser.add_argument("--format", choices=("text", "json"), default="text")
    lint_parser = spec_commands.add_parser("lint", help="validate specs against their meta-schemas and rules")
    lint_parser.add_argument("path", nargs="?", type=Path, help="a specs/ folder or one operation's folder (default: the bundled specs)")
    return parser


def _api_arguments(run_parser: argparse.ArgumentParser) -> None:
    group = run_parser.add_argument_group("API mode (TARGET is a base URL)")
    group.add_argument("--token-env", metavar="VAR", help="send the bearer token held in environment variable VAR (never printed or written)")
    group.add_argument("--ca-bundle", metavar="FILE", help="trust the certificate authorities in FILE (PEM) for TLS")
    group.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (recorded in the result)")
    group.add_argument("--rate-limit", type=float, metavar="N", help="at most N requests per second")
    group.add_argument("--connect-timeout", type=float, default=5.0, metavar="SEC", help="connect timeout (default 5)")
    group.add_argument("--read-timeout", type=float, default=10.0, metavar="SEC", help="longest wait for data (default 10)")
    group.add_argument("--deadline", type=float, default=30.0, metavar="SEC", help="longest time for one whole response (default 30)")
    group.add_argument("--max-response-bytes", type=int, default=64 * 1024**2, metavar="N", help="largest response body read (default 64 MiB)")
    group.add_argument("--retries", type=int, default=2, metavar="N", help="retries on 429 and 503, with backoff and Retry-After (default 2)")
    group.add_argument("--fuzz", action="store_true", help="also drive Schemathesis against the contract (needs the api-fuzz extra)")
    group.add_argument("--fuzz-examples", type=int, default=20, metavar="N", help="generated requests per endpoint with --fuzz (default 20)")


def _api_options(arguments: argparse.Namespace) -> ApiOptions:
    """The API mode options; ValueError names what is wrong (never the token)."""
    token = None
    if arguments.token_env:
        token = os.environ.get(arguments.token_env)
        if not token:
            raise ValueError(f"環境変数 {arguments.token_env} が設定されていないか空です（--token-env）")
    if arguments.ca_bundle and not Path(arguments.ca_bundle).is_file():
        raise ValueError(f"--ca-bundle {arguments.ca_bundle}: ファイルがありません")
    numbers = {"--connect-timeout": arguments.connect_timeout, "--read-timeout": arguments.read_timeout,
               "--deadline": arguments.deadline, "--max-response-bytes": arguments.max_response_bytes}
    for name, value in numbers.items():
        if value <= 0:
            raise ValueError(f"{name} must be more than 0")
    if arguments.retries < 0 or (arguments.rate_limit is not None and arguments.rate_limit <= 0):
        raise ValueError("--retries must be 0 or more and --rate-limit more than 0")
    client = ClientOptions(connect_timeout=arguments.connect_timeout, read_timeout=arguments.read_timeout,
                           deadline=arguments.deadline, max_bytes=arguments.max_response_bytes, retries=arguments.retries,
                           rate_limit=arguments.rate_limit, verify=not arguments.insecure, ca_bundle=arguments.ca_bundle)
    return ApiOptions(client=client, token=token, token_env=arguments.token_env, fuzz=arguments.fuzz,
                      fuzz_examples=arguments.fuzz_examples)


def _run(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    formats = arguments.format or ["console"]
    if arguments.max_findings < 0:
        stderr.write("conformance: --max-findings must be 0 or more\n")
        return USAGE_ERROR
    progress = RunProgress(stderr) if not arguments.quiet and stderr.isatty() else None
    try:
        declaration = load_declaration(arguments.declaration) if arguments.declaration else None
        limits = InputLimits(zip_max_total_bytes=arguments.zip_max_total, zip_max_ratio=arguments.zip_max_ratio,
                             zip_max_members=arguments.zip_max_members, max_file_bytes=arguments.max_file_size)
        options = RunOptions(declaration=declaration, show_values=arguments.show_values,
                             max_findings=arguments.max_findings, as_of=arguments.as_of,
                             memory_limit=arguments.memory_limit, temp_dir=arguments.temp_dir,
                             progress=progress, limits=limits)
        if is_url(arguments.target):
            result = run_api(arguments.target, arguments.spec, options, _api_options(arguments))
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
    written = []
    for name in dict.fromkeys(formats):
        report_format = FORMATS[name]
        if name == "console":
            if not arguments.quiet:
                stdout.write(str(report_format.render(result)))
            continue
        try:
            arguments.output.mkdir(parents=True, exist_ok=True)
            path = arguments.output / f"conformance{report_format.extension}"
            report_format.write(result, path)
        except OSError as error:
            stderr.write(f"conformance: {arguments.output}: 書き込めません ({error.strerror})\n")
            return USAGE_ERROR
        written.append(path)
    if not arguments.quiet:
        for path in written:
            stdout.write(f"wrote {path}\n")
        if "console" not in formats:
            summary = result.summary
            stdout.write(f"{summary.verdict}: " + ", ".join(f"{k} {v}" for k, v in summary.counts.items()) + "\n")
    return result.exit_code


def _generate(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from conformance.generate import GenerateError, generate  # not needed by `run`: keep it light

    operations = [name.strip() for name in arguments.operations.split(",") if name.strip()]
    try:
        summary = generate(operations, arguments.residents, arguments.seed, arguments.output, arguments.defect_rate)
    except GenerateError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    except OSError as error:
        stderr.write(f"conformance: {arguments.output}: 書き込めません ({error.strerror})\n")
        return USAGE_ERROR
    for path, records in summary["files"].items():
        stdout.write(f"wrote {arguments.output / path} ({records} records)\n")
    stdout.write(f"expected findings: {summary['total']} ({arguments.output / 'expected.json'})\n")
    return 0


class ResultFileError(Exception):
    """A saved result that cannot be read or is not a result of this suite."""


def _load_result(path: Path) -> RunResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultFileError(f"{path}: JSONの結果ファイルとして読めません ({error})") from None
    schema = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise ResultFileError(f"{path}: report.schema.json に合いません ({where}: {problem.message})")
    return RunResult.from_dict(data)


def _report(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        result = _load_result(arguments.result)
    except ResultFileError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    report_format = FORMATS[arguments.format]
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
        stderr.write(f"conformance: {arguments.output}: 書き込めません ({error.strerror})\n")
        return USAGE_ERROR
    return 0


def _diff(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
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


def _serve(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    token = None
    if arguments.token_env:
        token = os.environ.get(arguments.token_env)
        if not token:
            stderr.write(f"conformance: 環境変数 {arguments.token_env} が設定されていないか空です（--token-env）\n")
            return USAGE_ERROR
    try:
        store = export_store(arguments.folder, arguments.spec)
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


def _spec_list(arguments: argparse.Namespace, stdout: TextIO) -> int:
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


def _spec_lint(arguments: argparse.Namespace, stdout: TextIO) -> int:
    from conformance.spec.lint import lint  # lint pulls in DuckDB; keep `spec list` light

    problems = lint(arguments.path)
    for problem in problems:
        stdout.write(f"{problem}\n")
    stdout.write(f"{len(problems)} problem(s)\n" if problems else "specs: OK\n")
    return 1 if problems else 0


class _Interrupts:
    """Ctrl-C and SIGTERM (a cancelled CI job, `kill`) both unwind as KeyboardInterrupt, so the run's
    temporary folder is removed; `received` remembers the signal, because an interrupt that lands inside
    a DuckDB query comes back as a DuckDB error rather than as KeyboardInterrupt."""

    def __init__(self) -> None:
        self.received = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._raise)
        return self

    def _raise(self, number: int, frame: object) -> None:
        self.received = True
        raise KeyboardInterrupt

    def __exit__(self, *exception: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point; streams are injectable so tests call the CLI in-process."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    interrupts = _Interrupts()
    try:
        if arguments.command == "run":
            with interrupts:
                return _run(arguments, out, err)
        if arguments.command == "generate":
            return _generate(arguments, out, err)
        if arguments.command == "serve":
            return _serve(arguments, out, err)
        if arguments.command == "report":
            return _report(arguments, out, err)
        if arguments.command == "diff":
            return _diff(arguments, out, err)
        if arguments.command == "fixtures":
            from conformance.generate import cases

            return cases.command(arguments.operations, arguments.check, arguments.fixtures, out, err)
        if arguments.spec_command == "list":
            return _spec_list(arguments, out)
        return _spec_lint(arguments, out)
    except SpecError as error:
        err.write(f"conformance: {error}\n")
        return USAGE_ERROR
    except KeyboardInterrupt:
        err.write("conformance: interrupted\n")
        return 130
    except Exception as error:  # a bug of ours: say so plainly; the traceback only on request
        if interrupts.received:
            err.write("conformance: interrupted\n")
            return 130
        if os.environ.get("CONFORMANCE_DEBUG"):
            raise
        err.write(f"conformance: 内部エラー (internal error) {type(error).__name__}: {error}\n"
                  "  set CONFORMANCE_DEBUG=1 for the traceback, and please report it\n")
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
