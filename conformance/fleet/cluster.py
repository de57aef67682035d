"""Execution of a batch on a Dask distributed scheduler (`--cluster tcp://HOST:PORT`; the `fleet` extra).

The same task as the local workers runs on the cluster's workers: targets are read where the worker runs
(a shared filesystem, or a URL), and each run's outcome comes back as its JSON document. A worker that
dies during a run is the scheduler's business: the run is rescheduled until the scheduler's
`distributed.scheduler.allowed-failures` is exceeded (1 means: retried once), then it is this run's error.
A running Dask task cannot be stopped, so the manifest's `timeout` is not enforced here (API runs keep
their own deadlines)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from conformance.fleet.pool import Finished, Job, Started, Task, failure


class ClusterError(Exception):
    """The scheduler cannot be reached or the fleet extra is not installed."""


def _allowed_failures(dask_scheduler: Any) -> int:
    return int(dask_scheduler.allowed_failures)


def run_cluster(jobs: Sequence[Job], task: Task, address: str, started: Started, finished: Finished,
                timeout: float = 30.0) -> int:
    """Run every job on the scheduler at `address`; returns the scheduler's allowed failures per task."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'jichitai-conformance[fleet]'") from None
    api: Any = distributed  # the library is not typed
    try:
        client = api.Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"{address}: スケジューラに接続できません / cannot reach the scheduler ({error})") from None
    try:
        allowed = int(client.run_on_scheduler(_allowed_failures))
        batch = secrets.token_hex(4)
        futures = {}
        for job in jobs:
            future = client.submit(task, job.payload, key=f"conformance-run-{batch}-{job.name}", pure=False)
            futures[future] = job.name
            started(job.name)
        for future in api.as_completed(list(futures)):
            name = futures[future]
            try:
                outcome = dict(future.result())
            except api.KilledWorker:
                outcome = failure(f"ワーカーが実行中に終了しました（{allowed + 1}回） / the worker died during the run "
                                  f"{allowed + 1} times (distributed.scheduler.allowed-failures = {allowed})")
            except Exception as error:  # the task reports its own failures; this is the transport's
                outcome = failure(f"{type(error).__name__}: {error}")
            finished(name, outcome)
        return allowed
    finally:
        client.close()
