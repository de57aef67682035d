"""Fleet throughput: `conformance batch` over many generated exports, 1 local worker vs every core vs a
Dask LocalCluster of 2 workers (not part of the test suite).

    python bench/fleet.py --exports 200 --residents 5000 [--distinct 10] [--modes one,all,dask]

Generates `--distinct` municipalities (juki: 住民, 世帯, 異動履歴; seeds 1..N, cached under bench/.cache/)
and lays out `--exports` export folders whose files are hard links to them (every run reads its own
folder; the contents repeat every `--distinct` exports), writes one manifest, then runs
`conformance batch` once per mode in a child process and measures its wall time. Exports per minute,
the load average before and after (the machine may be shared) and the verdict counts go to stdout and
to bench/results/<time>-fleet-<exports>x<residents>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))


def municipality(seed: int, residents: int) -> Path:
    """A generated juki export (cached)."""
    folder = CACHE / f"fleet-juki-{residents}-seed{seed}"
    if not (folder / "expected.json").exists():
        subprocess.run([sys.executable, "-m", "conformance.cli", "generate", "--operations", "juki", "--residents",
                        str(residents), "--seed", str(seed), "--output", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def layout(exports: int, residents: int, distinct: int, work: Path) -> Path:
    """`exports` folders of hard links and the manifest listing them."""
    sources = [municipality(seed, residents) for seed in range(1, distinct + 1)]
    runs = []
    for index in range(exports):
        source = sources[index % distinct]
        target = work / "exports" / f"m{index:04d}"
        shutil.copytree(source / "data", target, copy_function=os.link)
        runs.append({"name": f"m{index:04d}", "target": str(target), "specs": ["juki"],
                     "declaration": str(source / "declaration.yaml"),
                     "labels": {"municipality": f"{index:04d}", "seed": str(index % distinct + 1)}})
    manifest = work / "manifest.json"  # JSON is YAML
    manifest.write_text(json.dumps({"defaults": {"as_of": "2026-11-24"}, "runs": runs}, ensure_ascii=False), encoding="utf-8")
    return manifest


def batch(manifest: Path, output: Path, extra: list[str]) -> dict[str, Any]:
    """One `conformance batch` in a child process: wall time and what it wrote."""
    load_before = os.getloadavg()
    began = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "conformance.cli", "batch", str(manifest), "--output", str(output),
                                "--quiet", *extra], check=False)
    wall = time.perf_counter() - began
    index = json.loads((output / "batch.json").read_text(encoding="utf-8"))
    runs = len(index["runs"])
    return {"arguments": extra, "exit_status": completed.returncode, "wall_s": round(wall, 2),
            "exports_per_minute": round(runs / wall * 60, 1), "totals": index["totals"],
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=200)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--distinct", type=int, default=10)
    parser.add_argument("--modes", default="one,all,dask")
    parser.add_argument("--work", type=Path, default=CACHE / "fleet-work")
    arguments = parser.parse_args()
    shutil.rmtree(arguments.work, ignore_errors=True)
    manifest = layout(arguments.exports, arguments.residents, arguments.distinct, arguments.work)
    cores = os.cpu_count() or 1
    measured: dict[str, Any] = {}
    for mode in arguments.modes.split(","):
        output = arguments.work / f"out-{mode}"
        if mode == "one":
            measured[mode] = batch(manifest, output, ["--workers", "1"])
        elif mode == "all":
            measured[mode] = batch(manifest, output, ["--workers", str(cores)])
        elif mode == "dask":
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster:
                measured[mode] = batch(manifest, output, ["--cluster", cluster.scheduler_address])
        print(f"{mode:5} {measured[mode]['wall_s']:8.1f} s  {measured[mode]['exports_per_minute']:7.1f} exports/min  "
              f"load {measured[mode]['load_before'][0]:.1f}→{measured[mode]['load_after'][0]:.1f}  {measured[mode]['totals']}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-fleet-{arguments.exports}x{arguments.residents}.json"
    path.write_text(json.dumps({"benchmark": "fleet", "when": stamp,
                                "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
                                "exports": arguments.exports, "residents": arguments.residents,
                                "distinct": arguments.distinct, "cores": cores, "modes": measured},
                               ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
