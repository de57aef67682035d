"""`conformance compare` on two large exports against the floor (not part of the test suite; issue 22).

    python bench/compare.py --residents 1000000 [--repeat 3]

OLD is the export bench/run.py generates (same cache, no defects); NEW is OLD with counted damage written
by DuckDB (every 1000th 住民 record dropped, 氏名 changed in every 997th). Measured, each in a fresh
process, median of `--repeat` rounds taken alternately:
  floor  DuckDB reading every CSV of both exports fully, every column as text (bench/run.py's floor)
  ours   conformance compare OLD NEW --spec juki --format json
The target (issue 22): ours within 3 × floor. Results: a line on stdout and one JSON file under bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402  (after the path set-up above)

from bench.run import CACHE, FLOOR, RESULTS, _data, _measure, _median_of  # noqa: E402

DROP_EVERY, CHANGE_EVERY = 1000, 997


def _damaged(old: Path, new: Path) -> dict[str, int]:
    """NEW = OLD with counted damage; the counts the compare must find."""
    if (new / "damage.json").is_file():
        return dict(json.loads((new / "damage.json").read_text(encoding="utf-8")))
    new.mkdir(parents=True, exist_ok=True)
    for name in ("世帯.csv", "異動履歴.csv"):
        shutil.copyfile(old / name, new / name)
    con = duckdb.connect()
    source = f"read_csv('{old / '住民.csv'}', header = true, all_varchar = true)"
    con.execute(f"CREATE TABLE t AS SELECT row_number() OVER () AS n, * FROM {source}")
    records = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
    con.execute(f"COPY (SELECT * EXCLUDE (n) REPLACE (CASE WHEN n % {CHANGE_EVERY} = 0 THEN 氏名 || '子' ELSE 氏名 END AS 氏名) "
                f"FROM t WHERE n % {DROP_EVERY} <> 0 ORDER BY n) TO '{new / '住民.csv'}' (HEADER, DELIMITER ',')")
    lost = records // DROP_EVERY
    changed = sum(1 for n in range(1, records + 1) if n % CHANGE_EVERY == 0 and n % DROP_EVERY != 0)
    damage = {"records": records, "lost": lost, "differing_values": changed}
    (new / "damage.json").write_text(json.dumps(damage), encoding="utf-8")
    return damage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    generated = _data(arguments.residents, arguments.seed, 0.0, "juki")
    old = generated / "data" / "juki"
    new = CACHE / f"compare-new-{arguments.residents}-s{arguments.seed}"
    damage = _damaged(old, new)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = CACHE / "logs" / stamp
    logs.mkdir(parents=True, exist_ok=True)
    output = CACHE / "compare-output"
    files = [str(path) for folder in (old, new) for path in sorted(folder.glob("*.csv"))]
    commands = {
        # FLOOR takes a memory limit, then a quote flag ("" for plain files), then the files.
        "floor": [sys.executable, "-c", FLOOR, "", "", *files],
        "ours": [sys.executable, "-m", "conformance.cli", "compare", str(old), str(new), "--spec", "juki", "--quiet",
                 "--format", "json", "--output", str(output)],
    }
    rounds: dict[str, list[dict[str, object]]] = {name: [] for name in commands}
    for index in range(arguments.repeat):
        for name, command in commands.items():
            rounds[name].append(_measure(command, logs / f"{name}-{index}.log"))
    measured = {name: _median_of(found, (0,) if name == "floor" else (1,)) for name, found in rounds.items()}  # type: ignore[arg-type]
    result = json.loads((output / "compare.json").read_text(encoding="utf-8"))
    residents = next(t for t in result["tables"] if t["name"] == "住民")
    found = {"lost": residents["lost"], "differing_values": residents["differing_values"]}
    ratio = round(measured["ours"]["wall_s"] / measured["floor"]["wall_s"], 2)
    report = {
        "benchmark": "compare", "old": generated.name, "new": new.name,
        "when": stamp, "residents": arguments.residents, "seed": arguments.seed, "repeat": arguments.repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
                    "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
        "damage": damage, "found": found, "exact": found == {k: damage[k] for k in found},
        "floor": measured["floor"], "ours": measured["ours"], "ours_over_floor": ratio, "target": 3.0,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-compare-juki-{arguments.residents}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"floor {measured['floor']['wall_s']} s, compare {measured['ours']['wall_s']} s: {ratio} × floor "
          f"(target 3), damage found exactly: {report['exact']} → {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
