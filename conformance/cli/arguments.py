"""The arguments of the `conformance` command, and the options of a run they make."""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from conformance import __version__
from conformance.cli import catalogue
from conformance.cli.compare import add_compare_parser
from conformance.cli.official import add_arguments as official_arguments
from conformance.cli.usage import spec_folders
from conformance.pipeline import ApiOptions, ClientOptions, InputLimits
from conformance.report import REPORT_FORMATS

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def size(text: str) -> int:
    """A byte count: `500M`, `4G`, `1048576` (binary units); positive and finite."""
    number, unit = text.strip().upper().removesuffix("B").removesuffix("I"), ""
    if number and number[-1] in _SIZE_UNITS:
        number, unit = number[:-1], number[-1]
    try:
        value = float(number) * _SIZE_UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 500M, 4G)") from None
    # nan compares false with everything: without isfinite it would pass every check and disable a limit.
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive size: {text!r}")
    return int(value)


def _cell_count(text: str) -> int:
    """A positive whole number of cells: `20000000`, `20_000_000`, `20,000,000`."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _positive(text: str) -> float:
    """A positive, finite number (nan and inf would silently disable the limit they set)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _count(minimum: int) -> Callable[[str], int]:
    """An integer of at least `minimum`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more: {text!r}")
        return value
    return parse


def _finite(text: str) -> float:
    """A finite number (the API options judge the range themselves)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number: {text!r}")
    return value


# What DuckDB's memory_limit takes: a number and a unit (1GB, 512MiB, 2G).
_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:B|[KMGT]i?B?)?\s*", re.IGNORECASE)


def memory_limit(text: str) -> str:
    """A DuckDB memory limit such as `1GB` or `512MiB`."""
    match = _MEMORY.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a memory size: {text!r} (e.g. 1GB, 512MB)")
    return text.strip()


# More threads than this is a typo, not a machine: DuckDB spends seconds creating 100,000 threads and
# then dies, so the bound is checked here and said clearly (exit 2).
MAX_THREADS = 1024


def threads(text: str) -> int:
    """A thread count for --threads: a whole number from 1 to MAX_THREADS."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of threads: {text!r} (e.g. 1, 2, 8)") from None
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_THREADS}: {text!r}")
    return value


def temp_folder(text: str) -> Path:
    """An existing folder to put the run's private folder in (it is created there; the folder itself must exist)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"フォルダがありません / not a folder: {text!r}")
    return path


def parser() -> argparse.ArgumentParser:
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
    spec_folders(run_parser)
    run_parser.add_argument("--declaration", type=Path, metavar="FILE", help="the vendor's declaration (YAML)")
    run_parser.add_argument("--mapping", type=Path, metavar="FILE",
                            help="read an export laid out otherwise (file → table, column → item, value transforms; YAML, "
                                 "mapping.schema.json): the result is a reference result only (対応付けあり（参考結果）), never a conformance result")
    run_parser.add_argument("--format", action="append", choices=list(REPORT_FORMATS), metavar="FORMAT",
                            help=f"output format, repeatable: {', '.join(REPORT_FORMATS)} (default console)")
    run_parser.add_argument("--output", type=Path, metavar="DIR", default=Path("reports"),
                            help="folder for the files of non-console formats (default: reports)")
    run_parser.add_argument("--show-values", action="store_true",
                            help="show personal values unmasked (local debugging; recorded in the report; 個人番号 is never shown)")
    run_parser.add_argument("--max-findings", type=_count(0), default=100, metavar="N",
                            help="example findings kept per requirement (totals stay exact; default 100)")
    run_parser.add_argument("--quiet", action="store_true", help="no console output (the exit code still tells)")
    run_parser.add_argument("--strict-waivers", action="store_true",
                            help="exit 1 when the run passes only thanks to waivers (pass-with-waivers; default exit 0)")
    run_parser.add_argument("--as-of", type=datetime.date.fromisoformat, metavar="YYYY-MM-DD",
                            help='the date rules judge "today" by and waivers expire by (default: today; recorded in the result)')
    run_parser.add_argument("--memory-limit", type=memory_limit, metavar="SIZE",
                            help="DuckDB memory limit, e.g. 1GB; beyond it DuckDB spills to --temp-dir (default: DuckDB's, 80%% of RAM)")
    run_parser.add_argument("--threads", type=threads, metavar="N",
                            help="threads for DuckDB and the most of our own at work at once; 1 runs on one core "
                                 "(default: DuckDB's, one per core)")
    run_parser.add_argument("--temp-dir", type=temp_folder, metavar="DIR",
                            help="where the run's private temporary folder goes (extracted ZIP, staging, DuckDB spill; default: the system temp dir)")
    limits = InputLimits()
    run_parser.add_argument("--zip-max-total", type=size, default=limits.zip_max_total_bytes, metavar="SIZE",
                            help="refuse a ZIP that expands to more than this (default 4G)")
    run_parser.add_argument("--zip-max-ratio", type=_positive, default=limits.zip_max_ratio, metavar="N",
                            help=f"refuse a ZIP member expanding more than N times its compressed size (default {limits.zip_max_ratio:g})")
    run_parser.add_argument("--zip-max-members", type=_count(1), default=limits.zip_max_members, metavar="N",
                            help=f"refuse a ZIP of more than N members (default {limits.zip_max_members})")
    run_parser.add_argument("--max-file-size", type=size, default=limits.max_file_bytes, metavar="SIZE",
                            help="do not read a JSON, NDJSON or XLSX file larger than this (they are parsed in memory; default 1G)")
    run_parser.add_argument("--max-sheet-cells", type=_cell_count, default=limits.max_sheet_cells, metavar="N",
                            help=f"do not read a sheet whose used range (last row × last column) exceeds N cells (default {limits.max_sheet_cells:,})")

    generate_parser = commands.add_parser("generate", help="write a synthetic municipality's exports (deterministic; optional counted defects)")
    generate_parser.add_argument("--operations", required=True, metavar="OP[,OP...]", help="operations to generate: juki, inkan, senkyo (juki is required; the others link to its 住民)")
    generate_parser.add_argument("--residents", required=True, type=int, metavar="N", help="number of 住民 records")
    generate_parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (same seed, same files; default 1)")
    generate_parser.add_argument("--output", required=True, type=Path, metavar="DIR", help="folder to write data/, declaration.yaml, expected.json")
    generate_parser.add_argument("--defect-rate", type=_finite, default=0.0, metavar="R",
                                 help="share of records given one known defect (expected.json holds the exact counts; default 0)")

    _api_arguments(run_parser)
    run_parser.add_argument("--attest-key", type=Path, metavar="KEY.pem",
                            help="also write the JSON result and its signed attestation, conformance.intoto.jsonl, in --output")
    _attest_arguments(commands)

    fixtures_parser = commands.add_parser("fixtures", help="build the broken fixture cases from the case tables")
    fixtures_build = fixtures_parser.add_subparsers(dest="fixtures_command", required=True).add_parser(
        "build", help="write fixtures/<op>/invalid/ (and variants/) from fixtures/<op>/cases.yaml and the valid export")
    fixtures_build.add_argument("operations", nargs="*", metavar="OP", help="operations to build (default: all with a cases.yaml)")
    fixtures_build.add_argument("--check", action="store_true", help="build into a temporary folder; exit 1 listing the differences")
    fixtures_build.add_argument("--fixtures", type=Path, default=Path("fixtures"), metavar="DIR", help="the fixtures folder (default: fixtures)")

    serve_parser = commands.add_parser("serve", help="serve an export folder through the API contract (reference server)")
    serve_parser.add_argument("folder", type=Path, help="a conforming export: a file, a folder or a ZIP")
    serve_parser.add_argument("--spec", action="append", metavar="OP[@VERSION]", help="operation(s) to serve; inferred from file names when absent")
    spec_folders(serve_parser)
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one and prints it)")
    serve_parser.add_argument("--token-env", metavar="VAR",
                              help="require exactly the bearer token in environment variable VAR (default: any bearer token)")

    report_parser = commands.add_parser("report", help="re-render a saved JSON result into another format")
    report_parser.add_argument("result", type=Path, help="a JSON result written by `conformance run --format json`")
    report_parser.add_argument("--format", required=True, choices=list(REPORT_FORMATS), metavar="FORMAT",
                               help=f"one of {', '.join(REPORT_FORMATS)}")
    report_parser.add_argument("--output", type=Path, metavar="FILE", help="the file to write (default: standard output, text formats only)")

    diff_parser = commands.add_parser("diff", help="compare two JSON results; exit 1 on regressions")
    diff_parser.add_argument("old", type=Path, help="the earlier result (JSON)")
    diff_parser.add_argument("new", type=Path, help="the later result (JSON)")
    diff_parser.add_argument("--format", choices=("text", "json"), default="text")

    _fleet_arguments(commands)

    add_compare_parser(commands)

    spec_parser = commands.add_parser("spec", help="list, lint or compare the encoded specs")
    spec_commands = spec_parser.add_subparsers(dest="spec_command", required=True)
    list_parser = spec_commands.add_parser("list", help="list the encoded operations")
    list_parser.add_argument("--format", choices=("text", "json"), default="text")
    spec_folders(list_parser)
    lint_parser = spec_commands.add_parser("lint", help="validate specs against their meta-schemas and rules")
    lint_parser.add_argument("path", nargs="?", type=Path, help="a specs/ folder or one operation's folder (default: the bundled specs)")
    official_arguments(spec_commands)
    catalogue.add_arguments(commands, spec_commands)  # spec diff, docs
    return parser


def _attest_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keygen = commands.add_parser("keygen", help="make an Ed25519 key pair for attestations (PREFIX.key.pem, mode 0600, and PREFIX.pub.pem)")
    keygen.add_argument("--output", type=Path, required=True, metavar="PREFIX", help="the key files' path without suffix (never overwritten)")
    attest = commands.add_parser("attest", help="sign a JSON result: an in-toto Statement v1 in a DSSE envelope (Ed25519)")
    attest.add_argument("result", type=Path, help="a JSON result written by `conformance run --format json`")
    attest.add_argument("--key", type=Path, required=True, metavar="KEY.pem", help="the private key (from `conformance keygen`)")
    attest.add_argument("--output", type=Path, required=True, metavar="FILE", help="the attestation to write (e.g. conformance.intoto.jsonl)")
    verify = commands.add_parser("verify", help="check an attestation: signature, result, export and suite; exit 1 on any mismatch")
    verify.add_argument("attestation", type=Path, help="the attestation (DSSE envelope) to check")
    verify.add_argument("--pubkey", type=Path, required=True, metavar="PUB.pem", help="the signer's public key")
    verify.add_argument("--target", type=Path, metavar="EXPORT", help="the export that was tested (file, folder or ZIP): its files' SHA-256 are compared")
    verify.add_argument("--result", type=Path, metavar="RESULT.json", help="the JSON result: compared with what the attestation says")


def _fleet_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = commands.add_parser("batch", help="run many exports from a manifest (local processes or a Dask cluster) and write the grid")
    batch.add_argument("manifest", type=Path, help="the manifest (YAML; conformance/fleet/manifest.schema.json)")
    where = batch.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_count(1), metavar="N", help="local worker processes (default: the number of cores)")
    where.add_argument("--cluster", metavar="ADDRESS", help="a Dask distributed scheduler, tcp://HOST:PORT (needs the fleet extra)")
    batch.add_argument("--output", type=Path, default=Path("batch"), metavar="DIR",
                       help="DIR/<name>/conformance.json per run, DIR/batch.json, DIR/grid.html, DIR/grid.xlsx (default: batch)")
    batch.add_argument("--temp-dir", type=temp_folder, metavar="DIR",
                       help="where the batch's private temporary folder goes, holding every run's (default: the system temp dir)")
    batch.add_argument("--resume", action="store_true", help="skip runs whose result is complete and whose inputs' SHA-256 still match")
    batch.add_argument("--quiet", action="store_true", help="no console output (the exit code still tells)")
    grid = commands.add_parser("grid", help="the comparison grid (grid.html, grid.xlsx) of saved JSON results")
    grid.add_argument("results", nargs="+", type=Path, metavar="RESULT", help="JSON results (conformance.json), in the grid's row order")
    grid.add_argument("--output", type=Path, required=True, metavar="DIR", help="the folder to write grid.html and grid.xlsx in")


def _api_arguments(run_parser: argparse.ArgumentParser) -> None:
    group = run_parser.add_argument_group("API mode (TARGET is a base URL)")
    group.add_argument("--token-env", metavar="VAR", help="send the bearer token held in environment variable VAR (never printed or written)")
    group.add_argument("--ca-bundle", metavar="FILE", help="trust the certificate authorities in FILE (PEM) for TLS")
    group.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (recorded in the result)")
    group.add_argument("--rate-limit", type=_finite, metavar="N", help="at most N requests per second")
    group.add_argument("--connect-timeout", type=_finite, default=5.0, metavar="SEC", help="connect timeout (default 5)")
    group.add_argument("--read-timeout", type=_finite, default=10.0, metavar="SEC", help="longest wait for data (default 10)")
    group.add_argument("--deadline", type=_finite, default=30.0, metavar="SEC", help="longest time for one whole response (default 30)")
    group.add_argument("--max-response-bytes", type=int, default=64 * 1024**2, metavar="N", help="largest response body read (default 64 MiB)")
    group.add_argument("--retries", type=int, default=2, metavar="N", help="retries on 429 and 503, with backoff and Retry-After (default 2)")
    group.add_argument("--fuzz", action="store_true", help="also drive Schemathesis against the contract (needs the api-fuzz extra)")
    group.add_argument("--fuzz-examples", type=int, default=20, metavar="N", help="generated requests per endpoint with --fuzz (default 20)")


def api_options(arguments: argparse.Namespace) -> ApiOptions:
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
