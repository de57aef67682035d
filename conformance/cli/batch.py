"""`conformance batch` and `conformance grid`: many runs from a manifest, and the grid comparing them.

Each run is exactly `conformance run` (the task below calls that command in the worker, with
`--format json`), so a batch's result documents are the ones `run` writes. The parent process alone
writes the output folder, each file atomically (a temporary name, then a rename): Ctrl-C leaves every
run's files complete or absent."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from conformance.cli.usage import USAGE_ERROR, unwritable
from conformance.fleet import (
    BatchProgress,
    ClusterError,
    Job,
    ManifestError,
    RunSpec,
    input_hashes,
    load_manifest,
    run_cluster,
    run_local,
)
from conformance.pipeline import TargetError
from conformance.pipeline.options import workspace
from conformance.report import write_atomically
from conformance.report.grid import GRID_HTML, GRID_XLSX, GridRun, build
from conformance.report.labels import RUN_VERDICT_LABELS
from conformance.results import RunResult
from conformance.results.masking import renew_masking_key

RESULT_FILE, RECORD_FILE, INDEX_FILE = "conformance.json", "run.json", "batch.json"
_STATUS_OF_EXIT = {0: "pass", 1: "fail", 3: "incomplete"}


def execute_run(payload: dict[str, Any]) -> dict[str, Any]:
    """One run of a batch, in a worker: `conformance run … --format json` in a private folder; returns
    the exit code, the JSON document (None when the run gave none), the error text and the inputs' hashes."""
    from conformance.cli import main  # the command itself: a batch run is exactly `conformance run`

    global _active
    with _active_lock:
        if not _active:  # as a new process would: masked values' tags never link two runs
            renew_masking_key()
        _active += 1
    try:
        return _execute(main, payload)
    finally:
        with _active_lock:
            _active -= 1


_active_lock = threading.Lock()
_active = 0  # runs in progress in this process (a Dask worker may run several in threads)


def _execute(main: Any, payload: dict[str, Any]) -> dict[str, Any]:
    inputs = input_hashes(payload["target"], payload.get("declaration"))
    scratch = payload.get("scratch")
    errors = io.StringIO()
    try:
        # The run's folder (its result, and its own private folder: ZIP, DuckDB) lives in the batch's private
        # folder, which the parent removes after the batch; a worker killed mid-run leaves nothing behind it.
        # Its watchdog removes it when the worker dies (on a cluster the parent cannot reach the folder).
        with workspace(Path(scratch) if scratch else None) as folder:
            code = main([*payload["argv"], "--quiet", "--format", "json", "--output", str(folder),
                         "--temp-dir", str(folder)], stdout=io.StringIO(), stderr=errors)
            path = folder / RESULT_FILE
            document = path.read_text(encoding="utf-8") if code in _STATUS_OF_EXIT and path.is_file() else None
    except TargetError as problem:  # the temporary folder cannot be made (--temp-dir full, read-only, gone)
        code, document = USAGE_ERROR, None
        errors.write(f"conformance: {problem}\n")
    error = None if document is not None else (errors.getvalue().strip() or f"exit code {code}")
    return {"exit_code": code, "document": document, "error": error, "inputs": inputs}


def write_grid(runs: Sequence[GridRun], folder: Path) -> list[Path]:
    """`grid.html` and `grid.xlsx` in `folder`, each replaced atomically; returns their paths."""
    from conformance.report import grid_html, grid_xlsx  # openpyxl only when a grid is written

    grid = build(runs)
    written = []
    for name, data in ((GRID_HTML, grid_html.render(grid).encode("utf-8")), (GRID_XLSX, grid_xlsx.render(grid))):
        write_atomically(folder / name, data)
        written.append(folder / name)
    return written


def _status(outcome: dict[str, Any]) -> str:
    """The result's own verdict (summary.verdict), or `error` when the run gave no result."""
    document = outcome.get("document")
    if document is None or outcome.get("exit_code") not in _STATUS_OF_EXIT:
        return "error"
    try:
        return str(json.loads(document)["summary"]["verdict"])
    except (ValueError, KeyError, TypeError):
        return "error"


def _complete(run: RunSpec, folder: Path) -> dict[str, Any] | None:
    """The record of an earlier complete run of `run` whose inputs are unchanged (--resume), else None."""
    try:
        record: dict[str, Any] = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        result = (folder / RESULT_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    if (record.get("run") != run.to_dict() or record.get("status") == "error"
            or record.get("result_sha256") != hashlib.sha256(result).hexdigest()):
        return None
    inputs = input_hashes(run.target, run.declaration)
    if inputs is None or record.get("inputs") != inputs:
        return None
    return {**record, "document": result.decode("utf-8")}


class _Writer:
    """Writes each run's files as its outcome arrives (the parent only) and keeps the outcomes."""

    def __init__(self, runs: Sequence[RunSpec], output: Path, progress: BatchProgress) -> None:
        self.runs = {run.name: run for run in runs}
        self.output = output
        self.progress = progress
        self.records: dict[str, dict[str, Any]] = {}

    def started(self, name: str) -> None:
        self.progress.started()

    def finished(self, name: str, outcome: dict[str, Any]) -> None:
        run, folder = self.runs[name], self.output / name
        folder.mkdir(parents=True, exist_ok=True)
        status, document = _status(outcome), outcome.get("document")
        record = {"run": run.to_dict(), "status": status, "exit_code": outcome.get("exit_code"),
                  "error": outcome.get("error"), "inputs": outcome.get("inputs"), "result_sha256": None}
        if document is not None:
            data = document.encode("utf-8")
            write_atomically(folder / RESULT_FILE, data)
            record["result_sha256"] = hashlib.sha256(data).hexdigest()
        else:
            (folder / RESULT_FILE).unlink(missing_ok=True)  # an earlier run's result is not this run's
        write_atomically(folder / RECORD_FILE, _json_bytes(record))
        self.records[name] = {**record, "document": document}
        self.progress.finished(status != "pass")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def batch_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run every run of the manifest; write the results, batch.json, grid.html and grid.xlsx."""
    try:
        runs = load_manifest(arguments.manifest)
    except ManifestError as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    output: Path = arguments.output
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return unwritable(stderr, output, error)
    progress = BatchProgress(len(runs), stderr if not arguments.quiet and stderr.isatty() else None)
    writer = _Writer(runs, output, progress)
    jobs = []
    for run in runs:
        earlier = _complete(run, output / run.name) if arguments.resume else None
        if earlier is not None:
            writer.records[run.name] = {**earlier, "skipped": True}
            continue
        payload = {"argv": run.arguments(), "target": run.target, "declaration": run.declaration}
        jobs.append(Job(run.name, payload, run.timeout))
    try:
        _dispatch(arguments, jobs, writer, stderr)
    except (ClusterError, TargetError) as error:
        stderr.write(f"conformance: {error}\n")
        return USAGE_ERROR
    finally:
        progress.close()
    grid_runs = [_grid_run(run, writer.records[run.name]) for run in runs]
    index = {"runs": [_index_entry(run, writer.records[run.name]) for run in runs],
             "totals": {status: sum(entry.status == status for entry in grid_runs) for status in _totals(grid_runs)}}
    try:
        write_atomically(output / INDEX_FILE, _json_bytes(index))
        written = write_grid(grid_runs, output)
    except OSError as error:
        return unwritable(stderr, output, error)
    if not arguments.quiet:
        _print_summary(stdout, runs, writer.records, [output / INDEX_FILE, *written], progress.per_minute())
    return _exit_code(entry.status for entry in grid_runs)


def _dispatch(arguments: argparse.Namespace, jobs: list[Job], writer: _Writer, stderr: TextIO) -> None:
    """The jobs on the cluster, or on local workers whose temporary folders all live in the batch's own
    private folder (under --temp-dir), removed here after the batch whatever became of the workers."""
    temp_dir: Path | None = arguments.temp_dir
    if arguments.cluster:
        # A worker elsewhere cannot see this machine's folders: each run's folder goes under --temp-dir as
        # the workers see it (else their TMPDIR), removed by the run or, should its worker die, its watchdog.
        for job in jobs:
            job.payload["scratch"] = str(temp_dir) if temp_dir is not None else None
        allowed = run_cluster(jobs, execute_run, arguments.cluster, writer.started, writer.finished)
        if allowed != 1 and not arguments.quiet:
            stderr.write(f"conformance: note: the scheduler retries a run whose worker died {allowed} time(s) "
                         "(distributed.scheduler.allowed-failures)\n")
        return
    with workspace(temp_dir) as scratch:
        for job in jobs:
            job.payload["scratch"] = str(scratch)
        run_local(jobs, execute_run, arguments.workers or os.cpu_count() or 1, writer.started, writer.finished)


def _totals(grid_runs: Sequence[GridRun]) -> list[str]:
    """The statuses batch.json counts: the four of every batch, then any other verdict a result gave."""
    return list(dict.fromkeys(["pass", "fail", "incomplete", "error", *(entry.status for entry in grid_runs)]))


def _exit_code(statuses: Any) -> int:
    """1 when any run fails; else 3 when any is incomplete or gave no result; else 0 (as `run`: fail wins)."""
    seen = set(statuses)
    if "fail" in seen:
        return 1
    return 3 if seen & {"incomplete", "error"} else 0


def _grid_run(run: RunSpec, record: dict[str, Any]) -> GridRun:
    document = record.get("document")
    result = RunResult.from_dict(json.loads(document)) if document is not None else None
    return GridRun(name=run.name, labels=run.labels, status=record["status"], result=result)


def _index_entry(run: RunSpec, record: dict[str, Any]) -> dict[str, Any]:
    return {"name": run.name, "labels": dict(run.labels), "target": run.target, "status": record["status"],
            "exit_code": record.get("exit_code"), "error": record.get("error"),
            "result": f"{run.name}/{RESULT_FILE}" if record.get("document") is not None else None,
            "resumed": bool(record.get("skipped"))}


_WORDS = {**RUN_VERDICT_LABELS, "error": "エラー"}


def _print_summary(stdout: TextIO, runs: Sequence[RunSpec], records: dict[str, dict[str, Any]],
                   written: Sequence[Path], per_minute: float) -> None:
    for run in runs:
        record = records[run.name]
        line = f"{run.name}\t{_WORDS.get(record['status'], record['status'])} ({record['status']})"
        if record.get("skipped"):
            line += "\t(resumed: unchanged)"
        if record["status"] == "error":
            line += "\t" + " ".join(str(record.get("error") or "").split())[:300]
        stdout.write(line + "\n")
    counts = {status: sum(records[run.name]["status"] == status for run in runs) for status in _WORDS}
    stdout.write("runs: " + ", ".join(f"{counts[s]} {s}" for s in _WORDS) + f" ({per_minute:.1f} runs/min)\n")
    for path in written:
        stdout.write(f"wrote {path}\n")


def grid_command(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """The grid of saved results (each beside its batch run.json when there is one, for name and labels)."""
    from conformance.cli.commands import ResultFileError, load_result

    grid_runs = []
    for path in arguments.results:
        try:
            result = load_result(path)
        except ResultFileError as error:
            stderr.write(f"conformance: {error}\n")
            return USAGE_ERROR
        name = path.parent.name or path.stem
        labels: tuple[tuple[str, str], ...] = ()
        try:
            record = json.loads((path.parent / RECORD_FILE).read_text(encoding="utf-8"))["run"]
            name, labels = str(record["name"]), tuple((str(k), str(v)) for k, v in record["labels"].items())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # a result saved by `conformance run`: named by its folder, no labels
        grid_runs.append(GridRun(name=name, labels=labels, status=result.summary.verdict, result=result))
    try:
        arguments.output.mkdir(parents=True, exist_ok=True)
        written = write_grid(grid_runs, arguments.output)
    except OSError as error:
        return unwritable(stderr, arguments.output, error)
    for path in written:
        stdout.write(f"wrote {path}\n")
    return 0
