"""What the design's fixed steps cost on their own, beside the floor (not part of the test suite).

    python bench/bounds.py --residents 1000000 [--repeat 3]

DESIGN.md fixes two steps of every run: the records are stored in DuckDB as text with their record
numbers (file order kept), and the schema checks are SQL predicates over that text. This measures
each step alone on the largest table (住民), on the data bench/run.py generated (same cache), each in
a fresh connection and the best of `--repeat` runs:
  floor        DuckDB reading every CSV of the export fully, every column as text (as in run.py)
  store        住民 stored as text, file order kept (what record numbers need)
  store_any    住民 stored as text in any order (no record numbers): what keeping the order costs
  predicates   住民's compiled schema predicates over the stored text, counting the candidate
               records (the engine's own SQL, large-table form): no lists, no findings
  fused        the same predicates straight over the CSV, nothing stored
A run's time is at least `store + predicates`; the ratios say how many floors each step costs.
Results: a table on stdout and one JSON file under bench/results/.
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
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402  (after the path set-up above)

from bench.run import CACHE, RESULTS  # noqa: E402
from conformance import spec as spec_store  # noqa: E402
from conformance.checks.compile import candidate_predicates, compile_constraints  # noqa: E402
from conformance.checks.database import literal, register_functions  # noqa: E402


def _csv(path: Path) -> str:
    return f"read_csv({literal(str(path))}, header = true, all_varchar = true)"


def _best(repeat: int, setup: list[str], query: str) -> float:
    times = []
    for _ in range(repeat):
        connection = duckdb.connect()
        register_functions(connection, datetime.date(2026, 4, 1))
        for statement in setup:
            connection.execute(statement)
        started = time.perf_counter()
        connection.execute(query).fetchall()
        times.append(time.perf_counter() - started)
        connection.close()
    return round(min(times), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defect-rate", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    folder = CACHE / f"juki-{arguments.residents}-s{arguments.seed}-d{arguments.defect_rate}"
    if not (folder / "expected.json").is_file():
        print(f"no data in {folder}: run bench/run.py --residents {arguments.residents} first", file=sys.stderr)
        return 2
    files = [path for path in sorted((folder / "data").rglob("*.csv")) if ".head" not in path.name]
    residents = folder / "data" / "juki" / "住民.csv"
    table = spec_store.load("juki").table("住民")
    assert table is not None
    constraints = compile_constraints(table, spec_store.registry())
    candidates = " OR ".join(candidate_predicates(constraints, [c.predicate(large=True) for c in constraints]))
    stored = f"CREATE TABLE t AS SELECT * FROM {_csv(residents)}"
    repeat = arguments.repeat
    steps: dict[str, float] = {}
    print("floor …", flush=True)
    steps["floor"] = round(sum(_best(repeat, [], f"SELECT count(*), count(COLUMNS(*)) FROM {_csv(path)}") for path in files), 3)
    print("store …", flush=True)
    steps["store"] = _best(repeat, [], stored)
    steps["store_any"] = _best(repeat, ["SET preserve_insertion_order = false"], stored)
    print("predicates …", flush=True)
    steps["predicates"] = _best(repeat, [stored], f"SELECT count(*) FROM t WHERE {candidates}")
    steps["fused"] = _best(repeat, [], f"SELECT count(*) FROM {_csv(residents)} WHERE {candidates}")
    floor = steps["floor"]
    ratios = {f"{name}_over_floor": round(seconds / floor, 2) for name, seconds in steps.items() if name != "floor"}
    ratios["store_plus_predicates_over_floor"] = round((steps["store"] + steps["predicates"]) / floor, 2)
    print(f"\n{'step':<11} {'best s':>8} {'× floor':>8}")
    for name, seconds in steps.items():
        print(f"{name:<11} {seconds:>8.2f} {seconds / floor:>8.2f}")
    print(f"store + predicates = {steps['store'] + steps['predicates']:.2f} s = {ratios['store_plus_predicates_over_floor']} floors "
          f"({len(constraints)} constraints on 住民)")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    summary: dict[str, Any] = {
        "benchmark": "bounds", "data": folder.name, "when": stamp, "residents": arguments.residents, "seed": arguments.seed, "defect_rate": arguments.defect_rate,
        "repeat": repeat, "constraints": len(constraints),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
                    "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
        "steps_s": steps, "ratios": ratios,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-bounds-juki-{arguments.residents}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
