"""Local execution of a batch: N worker processes (spawned, never forked), each taking one run at a time.

A run that raises is reported by the task itself; a worker process that ends during a run (a native
abort, the OOM killer, `kill`) loses that run only: it is retried once in a fresh worker, then reported
as an error, and the other runs go on. A run over its timeout has its worker stopped and is an error."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

Task = Callable[[dict[str, Any]], dict[str, Any]]
Started = Callable[[str], None]
Finished = Callable[[str, dict[str, Any]], None]
ATTEMPTS = 2  # a run whose worker ended is retried once


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: the run's name, its payload for the task and its timeout (seconds)."""

    name: str
    payload: dict[str, Any]
    timeout: float | None = None


def failure(message: str) -> dict[str, Any]:
    """The outcome of a run that gave no result."""
    return {"exit_code": None, "document": None, "error": message, "inputs": None}


def _serve(connection: Connection, task: Task) -> None:
    """A worker: runs the jobs it is sent, one at a time, until told to stop or its parent goes away."""
    # Ctrl-C at the terminal reaches the whole process group: the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, payload = message
        try:
            outcome = task(payload)
        except Exception as error:  # the task reports its own failures; this is the last resort
            outcome = failure(f"{type(error).__name__}: {error}")
        connection.send((name, outcome))


class _Worker:
    def __init__(self, context: Any, task: Task) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.deadline: float | None = None

    def give(self, job: Job) -> None:
        self.job = job
        self.deadline = time.monotonic() + job.timeout if job.timeout else None
        self.connection.send((job.name, job.payload))

    def stop(self, *, now: bool) -> None:
        if not now and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: a run removes its temporary folder as it unwinds
            self.process.join(3)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def run_local(jobs: Sequence[Job], task: Task, workers: int, started: Started, finished: Finished) -> None:
    """Run every job on `workers` local processes; `finished` is called once per job, in the parent."""
    if not jobs:
        return
    context = multiprocessing.get_context("spawn")
    queue = deque(jobs)
    attempts = dict.fromkeys((job.name for job in jobs), 0)
    pool = [_Worker(context, task) for _ in range(max(1, min(workers, len(jobs))))]
    try:
        while queue or any(worker.job for worker in pool):
            for index, worker in enumerate(pool):
                if worker.job is None and queue:
                    if not worker.process.is_alive():
                        worker.stop(now=True)
                        pool[index] = worker = _Worker(context, task)
                    waiting = queue.popleft()
                    attempts[waiting.name] += 1
                    if attempts[waiting.name] == 1:
                        started(waiting.name)
                    worker.give(waiting)
            busy = [worker for worker in pool if worker.job is not None]
            deadlines = [worker.deadline for worker in busy if worker.deadline is not None]
            wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            wait([obj for worker in busy for obj in (worker.connection, worker.process.sentinel)], wait_for)
            for index, worker in enumerate(pool):
                if worker.job is None:
                    continue
                job = worker.job
                outcome = _collect(worker)
                if outcome is not None:
                    worker.job = None
                    finished(job.name, outcome)
                    continue
                if not worker.process.is_alive():
                    code = worker.process.exitcode
                    worker.stop(now=True)
                    pool[index] = _Worker(context, task)
                    if attempts[job.name] < ATTEMPTS:
                        queue.appendleft(job)
                    else:
                        finished(job.name, failure(f"ワーカーのプロセスが実行中に終了しました（{ATTEMPTS}回、終了コード {code}） / the worker process ended during the run, twice"))
                elif worker.deadline is not None and time.monotonic() >= worker.deadline:
                    worker.stop(now=True)
                    pool[index] = _Worker(context, task)
                    finished(job.name, failure(f"時間切れ（{job.timeout:g}秒） / timed out after {job.timeout:g} s"))
    finally:
        for worker in pool:
            worker.stop(now=bool(queue) or any(w.job for w in pool))


def _collect(worker: _Worker) -> dict[str, Any] | None:
    """The job's outcome if the worker has sent it."""
    try:
        if worker.connection.poll():
            _, outcome = worker.connection.recv()
            return dict(outcome)
    except (EOFError, OSError):
        return None
    return None
