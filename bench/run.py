"""Side-by-side benchmark on one generated municipality (not part of the test suite).

    python bench/run.py --residents 1000000 [--memory-limit 1GB] [--only floor,ours] [--cap N] [--repeat 3]
    python bench/run.py --residents 100000 --api --only ours [--repeat 3]
    python bench/run.py --residents 200000 --threads 1,2 [--repeat 3]   (floor and ours per thread count: bench/threads.py)
    python bench/run.py --residents 100000 --only floor,ours --variant quoted-line-break|fully-quoted

Generates the data once (cached under bench/.cache/, git-ignored, or the folder the environment
variable BENCH_CACHE names), derives the --variant's files from it once (bench/variants.py: plain, one
quoted line break in 住民, every field quoted), then runs, one after the other in child processes of
this one, on the same files:
  floor  DuckDB reading every CSV fully, every column as text
  ours   `conformance run` (every requirement of the generated operations), totals checked against
         the generator's expected.json
  peer   `frictionless validate` of a Data Package of the juki tables with equivalent Table Schemas
  naive  csv.DictReader + a compiled `jsonschema` validator per row
  api    (with --api) `conformance run URL` against `conformance serve` of the same files (started once,
         in a child process, before the rounds), its data verdicts compared with ours in every round
Wall time and peak RSS are measured per child (os.wait4). Floor and ours run `--repeat` rounds, one
after the other, and the median round is reported (every round's time is kept in the JSON): the machine's
speed drifts by tens of percent within an hour. `--cap N` runs peer and naive on the first
N records only and extrapolates linearly: such figures are labelled `extrapolated` everywhere.
Results: a table on stdout and one JSON file per run under bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = Path(os.environ["BENCH_CACHE"]).resolve() if os.environ.get("BENCH_CACHE") else HERE / ".cache"
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))

import variants  # noqa: E402  (bench/ is the script's folder)

from conformance import spec as spec_store  # noqa: E402  (after the path set-up above)


def _measure(command: list[str], log: Path) -> dict[str, Any]:
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return {"command": command, "wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit_status": os.waitstatus_to_exitcode(status), "log": os.path.relpath(log, ROOT)}


# `conformance run` exits 1 when it finds something, which a defect rate above 0 makes it do, and 3
# (incomplete) when some requirement judged no record: the generator leaves a few optional items empty,
# and a requirement that judged nothing is not-tested, never passed (issue 17).
ACCEPTED_EXIT = {"floor": (0,), "ours": (0, 1, 3), "api": (0, 1, 3)}
DESCRIPTIONS = {"floor": "DuckDB read_csv, every column as text", "ours": "conformance run",
                "api": "conformance run URL (API mode) against conformance serve"}


def _median_of(measured: list[dict[str, Any]], acceptable: tuple[int, ...]) -> dict[str, Any]:
    """The round of median wall time, with every round's wall time, the highest peak RSS and the first
    unacceptable exit status (if a round had one) beside it."""
    ordered = sorted(measured, key=lambda m: m["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["walls_s"] = [m["wall_s"] for m in measured]
    chosen["cpus_s"] = [m["cpu_s"] for m in measured]  # user + sys of the child, less distorted by a shared machine
    chosen["peak_rss_mb"] = max(m["peak_rss_mb"] for m in measured)
    chosen["exit_status"] = next((m["exit_status"] for m in measured if m["exit_status"] not in acceptable), chosen["exit_status"])
    return chosen


def _data(residents: int, seed: int, rate: float, operations: str) -> Path:
    folder = CACHE / f"{operations.replace(',', '+')}-{residents}-s{seed}-d{rate}"
    if not (folder / "expected.json").is_file():
        print(f"generating {residents:,} residents into {folder} …", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "conformance.cli", "generate", "--operations", operations,
                        "--residents", str(residents), "--seed", str(seed), "--defect-rate", str(rate),
                        "--output", str(folder)], check=True, cwd=ROOT)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def _head(source: Path, records: int) -> Path:
    """The header and first `records` lines of a generated file (no quoted line breaks in it)."""
    target = source.with_name(f"{source.stem}.head{records}.csv")
    if not target.is_file():
        with source.open("rb") as reader, target.open("wb") as writer:
            for index, line in enumerate(reader):
                if index > records:
                    break
                writer.write(line)
    return target


def table_schema(table_name: str) -> dict[str, Any]:
    """A frictionless Table Schema as close to our JSON Schema as Table Schema can say.

    Types, patterns, enums, lengths and required map one to one; the primary key gives `unique`.
    Check digits, JIS X 0213 and the row/dataset rules have no Table Schema form: the peer does less.
    """
    spec = spec_store.load("juki")
    table = spec.table(table_name)
    assert table is not None
    registry = spec_store.registry()
    resolver = registry.resolver(table.schema["$id"])
    required = set(table.schema.get("required", ()))

    def constraints(node: dict[str, Any], found: dict[str, Any]) -> None:
        for keyword, value in node.items():
            if keyword == "$ref":
                constraints(resolver.lookup(value).contents, found)
            elif keyword == "allOf":
                for sub in value:
                    constraints(sub, found)
            elif keyword == "pattern":
                # Table Schema patterns are implicitly anchored (XML Schema style).
                found["pattern"] = value.removeprefix("^").removesuffix("$")
            elif keyword == "enum":
                found["enum"] = value
            elif keyword in ("maxLength", "minLength"):
                found[keyword] = value

    fields = []
    for item in table.items:
        found: dict[str, Any] = {}
        constraints(table.schema["properties"][item.name], found)
        if item.name in required:
            found["required"] = True
        fields.append({"name": item.name, "type": "string", **({"constraints": found} if found else {})})
    return {"fields": fields, "primaryKey": list(table.primary_key)}


RESOURCES = {"住民": "jumin", "世帯": "setai", "異動履歴": "ido-rireki"}
"""Data Package resource names are lower-case ASCII: the juki tables by their schema files' names."""
FOREIGN_KEYS: dict[str, list[dict[str, Any]]] = {"異動履歴": [{"fields": ["宛名番号"], "reference": {"resource": "jumin", "fields": ["宛名番号"]}}]}
"""The one reference every record must meet (a removed 住民 has no 世帯 record, so 世帯番号 is no key)."""


def package(sources: dict[str, Path]) -> dict[str, Any]:
    """A Data Package of the juki tables with their Table Schemas and foreign keys, for frictionless."""
    resources = []
    for name, source in sources.items():
        schema = table_schema(name)
        if name in FOREIGN_KEYS and all(key["reference"]["resource"] in map(RESOURCES.get, sources) for key in FOREIGN_KEYS[name]):
            schema["foreignKeys"] = FOREIGN_KEYS[name]
        resources.append({"name": RESOURCES[name], "title": name, "path": os.path.relpath(source, ROOT), "schema": schema})
    return {"name": "juki", "resources": resources}


PEER = """
import json, sys
from frictionless import Package
# One package of the export's tables (foreign keys need the referenced resource); frictionless refuses
# absolute paths as unsafe, so the resources' paths are relative to the working folder.
report = Package(json.load(open(sys.argv[1], encoding='utf-8'))).validate(limit_errors=10**9)
rows = {task.name: task.stats.get("rows") for task in report.tasks}
if None in rows.values() or not rows:
    sys.exit(f"frictionless did not validate: {[(e.type, e.note) for e in report.errors][:5]}")
print(json.dumps({"rows": sum(rows.values()), "per_table": rows, "errors": report.stats.get("errors")}))
"""

NAIVE = """
import csv, json, sys
sys.path.insert(0, sys.argv[1])
from conformance import spec as spec_store
from conformance.checks.validators import reference_validator
rows = errors = 0
for pair in sys.argv[2:]:
    path, name = pair.split("=", 1)
    validator = reference_validator(spec_store.load('juki').table(name).schema, spec_store.registry())
    with open(path, encoding='utf-8', newline='') as stream:
        for row in csv.DictReader(stream):
            rows += 1
            errors += sum(1 for _ in validator.iter_errors({k: v for k, v in row.items() if v != ''}))
print(json.dumps({"rows": rows, "errors": errors}))
"""

FLOOR = """
import duckdb, sys, json
con = duckdb.connect()
if sys.argv[1]:
    con.execute(f"SET memory_limit = '{sys.argv[1]}'")
total = 0
# A variant's quotes are declared: DuckDB's sniffer, seeing none in its sample, would read a quoted line break as a line end.
quote = ", quote = " + repr(chr(34)) if sys.argv[2] else ""
for path in sys.argv[3:]:
    # count(COLUMNS(*)) makes every column be read and materialised, not just the line breaks.
    row = con.execute(f"SELECT count(*), count(COLUMNS(*)) FROM read_csv(?, header = true, all_varchar = true{quote})", [path]).fetchone()
    total += row[0]
print(json.dumps({"rows": total}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defect-rate", type=float, default=0.001)
    parser.add_argument("--operations", default="juki")
    parser.add_argument("--memory-limit", default=None, help="passed to ours (and the floor), e.g. 1GB")
    parser.add_argument("--only", default="floor,ours,peer,naive", help="which approaches to run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of floor and ours; the median is reported")
    parser.add_argument("--api", action="store_true", help="also run API mode against conformance serve of the data (rounds beside ours)")
    parser.add_argument("--threads", default=None, metavar="N,N", help="floor and ours at each thread count (e.g. 1,2), alternating; bench/threads.py")
    parser.add_argument("--variant", choices=variants.VARIANTS, default="plain",
                        help="the generated files as they are, with one quoted line break in 住民, or fully quoted")
    parser.add_argument("--cap", type=int, default=None, help="peer and naive on the first N records only (extrapolated)")
    arguments = parser.parse_args()
    which = arguments.only.split(",")
    if arguments.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if arguments.api and ("ours" not in which or arguments.operations != "juki"):
        parser.error("--api compares with ours on juki: keep ours in --only and --operations juki")
    if arguments.threads and (arguments.api or "ours" not in which or "floor" not in which):
        parser.error("--threads runs floor and ours at each thread count: keep both in --only, without --api")
    folder = variants.prepare(_data(arguments.residents, arguments.seed, arguments.defect_rate, arguments.operations),
                              arguments.variant, ROOT)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    files = sorted((folder / "data").rglob("*.csv"))
    files = [path for path in files if ".head" not in path.name]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = CACHE / "logs" / stamp
    logs.mkdir(parents=True, exist_ok=True)
    rows_total = sum(expected["files"].values())
    results: dict[str, Any] = {}

    commands: dict[str, list[str]] = {}
    if "floor" in which:
        commands["floor"] = [sys.executable, "-c", FLOOR, arguments.memory_limit or "",
                             "" if arguments.variant == "plain" else "quoted", *map(str, files)]
    out = logs / "ours"
    if "ours" in which:
        commands["ours"] = [sys.executable, "-m", "conformance.cli", "run", str(folder / "data"), "--declaration",
                            str(folder / "declaration.yaml"), "--as-of", "2026-04-01", "--format", "json", "--output", str(out), "--quiet"]
        if arguments.memory_limit:
            commands["ours"] += ["--memory-limit", arguments.memory_limit]
    if arguments.threads:
        return _threads(arguments, folder, files, commands["ours"], logs, stamp)
    server = None
    api_out = logs / "api"
    if arguments.api:
        import api_mode

        server, url = api_mode.serve(folder / "data", ROOT, logs / "serve.log")
        commands["api"] = api_mode.command(url, folder, api_out)
        comparisons: list[dict[str, Any]] = []
    # Rounds of floor then ours, so that a drift of the machine (measured: 20% within an hour) weighs on both.
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    matches: list[bool] = []
    for round_number in range(1, arguments.repeat + 1):
        for name, command in commands.items():
            print(f"{name} ({round_number}/{arguments.repeat}): {DESCRIPTIONS[name]} …", flush=True)
            rounds[name].append(_measure(command, logs / f"{name}-{round_number}.log"))
            if name == "ours":
                report = json.loads((out / "conformance.json").read_text(encoding="utf-8"))
                found = {r["id"]: r["findings_total"] for r in report["requirements"] if r["findings_total"]}
                matches.append(found == expected["expected"])
            if name == "api":
                api_report = json.loads((api_out / "conformance.json").read_text(encoding="utf-8"))
                comparisons.append(api_mode.compare(report, api_report))
    if server is not None:
        server.terminate()
        server.wait()
    for name, measured in rounds.items():
        results[name] = _median_of(measured, ACCEPTED_EXIT[name])
        results[name]["rows"] = rows_total
    if "ours" in results:
        results["ours"]["findings_match_expected"] = all(matches)
        results["ours"]["verdicts"] = {v: sum(1 for r in report["requirements"] if r["verdict"] == v)
                                       for v in sorted({r["verdict"] for r in report["requirements"]})}
    if "api" in results:
        results["api"]["compared_with_ours"] = comparisons[-1]
        results["api"]["verdicts_equal_every_round"] = all(c["verdicts_equal"] for c in comparisons)
    tables = {path.stem: path for path in files if path.parent.name == "juki"}
    counts = {name: expected["files"][f"data/juki/{name}.csv"] for name in tables}
    cap = arguments.cap if arguments.cap and any(n > arguments.cap for n in counts.values()) else None
    sources = {name: _head(path, cap) if cap else path for name, path in tables.items()}
    juki_rows = sum(counts.values())
    measured_rows = sum(min(cap, n) if cap else n for n in counts.values())
    scale = juki_rows / measured_rows
    if "peer" in which:
        print(f"peer: frictionless validate on {measured_rows:,} records of {', '.join(sources)} …", flush=True)
        package_path = logs / "datapackage.json"
        package_path.write_text(json.dumps(package(sources), ensure_ascii=False), encoding="utf-8")
        results["peer"] = _measure([sys.executable, "-c", PEER, str(package_path)], logs / "peer.log")
    if "naive" in which:
        print(f"naive: csv.DictReader + jsonschema per row on {measured_rows:,} records …", flush=True)
        pairs = [f"{source}={name}" for name, source in sources.items()]
        results["naive"] = _measure([sys.executable, "-c", NAIVE, str(ROOT), *pairs], logs / "naive.log")
    for name in ("peer", "naive"):
        if name in results:
            results[name]["rows"] = measured_rows
            results[name]["measured_rows"] = measured_rows
            if scale != 1:
                results[name]["measured_wall_s"] = results[name]["wall_s"]
                results[name]["wall_s"] = round(results[name]["wall_s"] * scale, 3)
                results[name]["extrapolated"] = True
                results[name]["rows"] = juki_rows
    failed = [name for name, result in results.items()
              if result["exit_status"] not in ACCEPTED_EXIT.get(name, (0,)) or result.get("findings_match_expected") is False
              or result.get("verdicts_equal_every_round") is False]
    if failed:
        print(f"FAILED: {', '.join(failed)} (see the logs under {logs})", file=sys.stderr)
    for result in results.values():
        result["rows_per_s"] = round(result["rows"] / result["wall_s"]) if result["wall_s"] else None

    def ratio(a: str, b: str) -> float | None:
        return round(results[a]["wall_s"] / results[b]["wall_s"], 2) if a in results and b in results else None

    summary = {
        # Self-describing (bench/readme.py renders the README from these files): the kind and the inputs.
        "benchmark": "run", "api": arguments.api, "data": folder.name,
        "records_per_table": {name.removeprefix("data/").removesuffix(".csv"): count for name, count in expected["files"].items()},
        "expected_findings": expected.get("total", sum(expected["expected"].values())),
        "when": stamp, "residents": arguments.residents, "seed": arguments.seed, "defect_rate": arguments.defect_rate,
        "operations": arguments.operations, "variant": arguments.variant, "memory_limit": arguments.memory_limit, "cap": arguments.cap, "repeat": arguments.repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
        "approaches": results,
        "ratios": {"ours_over_floor": ratio("ours", "floor"), "peer_over_ours": ratio("peer", "ours"),
                   "naive_over_ours": ratio("naive", "ours"), "api_over_ours": ratio("api", "ours")},
    }
    print(f"\n{'approach':<8} {'wall s':>9} {'peak RSS MB':>12} {'rows/s':>12}  note")
    for name, result in results.items():
        note = f"extrapolated from {measured_rows:,} records" if result.get("extrapolated") else ""
        if name == "ours":
            note = "findings = expected.json" if result["findings_match_expected"] else "FINDINGS DIFFER FROM expected.json"
        if name == "api":
            note = "data verdicts = ours" if result["verdicts_equal_every_round"] else "DATA VERDICTS DIFFER FROM ours"
        print(f"{name:<8} {result['wall_s']:>9.2f} {result['peak_rss_mb']:>12.1f} {result['rows_per_s'] or 0:>12,}  {note}")
    print("ratios:", json.dumps(summary["ratios"]))
    RESULTS.mkdir(exist_ok=True)
    variant = "" if arguments.variant == "plain" else f"-{arguments.variant}"
    path = RESULTS / f"{stamp}-{arguments.operations.replace(',', '+')}{'-api' if arguments.api else ''}-{arguments.residents}{variant}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return 1 if failed else 0


def _threads(arguments: argparse.Namespace, folder: Path, files: list[Path], ours: list[str], logs: Path, stamp: str) -> int:
    """`--threads 1,2`: bench/threads.py's rounds; one result file, "benchmark": "threads"."""
    import threads

    figures = threads.run_threads(threads.parse_counts(arguments.threads), arguments.repeat, folder, files, ours,
                                  arguments.memory_limit, logs, ROOT)
    summary = {"benchmark": "threads", "when": stamp, "residents": arguments.residents, "seed": arguments.seed,
               "defect_rate": arguments.defect_rate, "operations": arguments.operations, "memory_limit": arguments.memory_limit,
               "repeat": arguments.repeat, "rows": sum(json.loads((folder / "expected.json").read_text(encoding="utf-8"))["files"].values()),
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
               **figures}
    threads.print_table(summary)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-threads-{arguments.operations.replace(',', '+')}-{arguments.residents}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
