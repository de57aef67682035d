"""Fleet runs: many `conformance run`s from a manifest, on local worker processes or a Dask cluster.

This layer knows how to hand work out and collect it; what a run is stays the CLI's (the task it is
given is `conformance.cli.batch.execute_run`, which calls the `conformance run` command itself)."""

from __future__ import annotations

from conformance.fleet.cluster import ClusterError, run_cluster
from conformance.fleet.display import BatchProgress
from conformance.fleet.inputs import input_hashes
from conformance.fleet.manifest import ManifestError, RunSpec, load_manifest
from conformance.fleet.pool import Job, failure, run_local

__all__ = [
    "BatchProgress",
    "ClusterError",
    "Job",
    "ManifestError",
    "RunSpec",
    "failure",
    "input_hashes",
    "load_manifest",
    "run_cluster",
    "run_local",
]
