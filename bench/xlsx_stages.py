"""Where one run's time goes, stage by stage and thread by thread (not part of the test suite).

    python bench/xlsx_stages.py FOLDER [--spec juki]

Runs `conformance run` in this process on FOLDER (e.g. the XLSX folder bench/xlsx_vs_csv.py builds) with
the reader's and the database's stages wrapped: each stage's thread, its start and end (wall seconds
from the start of the run) and the CPU time of its own thread (`time.thread_time`: calamine's parse is
counted, DuckDB's worker threads are not; a sheet parsed in parts by child processes shows as one stage of
the reading thread, and the children's CPU is given in total). The timeline shows which stages overlap and when a core
waits. On a shared machine the wall figures stretch with the load; the CPU figures much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.checks import database  # noqa: E402  (after the path set-up above)
from conformance.cli import main as cli_main  # noqa: E402
from conformance.pipeline import load  # noqa: E402
from conformance.readers import workbook  # noqa: E402

_START = time.perf_counter()
_LOG: list[tuple[str, str, float, float, float]] = []


def _wrap(owner: Any, name: str, label: str, named: bool = False) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*arguments: Any, **keywords: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*arguments, **keywords)
        finally:
            what = arguments[1] if named and len(arguments) > 1 and isinstance(arguments[1], str) else ""
            _LOG.append((f"{label} {what}".strip(), threading.current_thread().name, wall - _START,
                         time.perf_counter() - _START, time.thread_time() - cpu))

    setattr(owner, name, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--spec", default="juki")
    arguments = parser.parse_args(argv)
    _wrap(workbook, "scan_sheet", "used-range scan", named=True)
    _wrap(load, "read", "read (scan + parse + conversion)")
    _wrap(load, "store", "store")
    _wrap(database.Database, "_load_cells", "staging (rows → CSV → DuckDB)")
    _wrap(database.Database, "_from_staging", "DuckDB reads the staging file")
    _wrap(workbook, "parse_parts", "child processes parse the parts")
    started_cpu = time.process_time()
    with tempfile.TemporaryDirectory() as output:
        cli_main(["run", "--spec", arguments.spec, "--quiet", "--format", "json", "--output", output, str(arguments.folder)])
    total = time.perf_counter() - _START
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"run: wall {total:.2f} s, CPU {time.process_time() - started_cpu:.2f} s (all threads), child processes' CPU "
          f"{children.ru_utime + children.ru_stime:.2f} s (a sheet parsed in parts), load average {os.getloadavg()[0]:.2f}")
    print("| stage | thread | from s | to s | wall s | thread CPU s |\n| --- | --- | ---: | ---: | ---: | ---: |")
    for label, thread, begin, end, cpu in sorted(_LOG, key=lambda entry: entry[2]):
        print(f"| {label} | {thread} | {begin:.2f} | {end:.2f} | {end - begin:.2f} | {cpu:.2f} |")
    stored = max((end for _l, _t, _b, end, _c in _LOG), default=0.0)
    print(f"| checks and report (after the last store) | MainThread | {stored:.2f} | {total:.2f} | {total - stored:.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
