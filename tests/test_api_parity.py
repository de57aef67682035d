"""API mode judges the same data as file mode: `conformance serve` of every operation's valid fixture
(the reference server on 127.0.0.1, in a thread) and an API run give each data requirement the verdict,
the finding count and the records judged that the file run gives.

Left out on each side, by kind, and nothing else: the file requirements (check kind `file`: encoding,
BOM, syntax, header; an API has no files) only in file mode, and the API cases (specs/common/api-cases.yaml:
status codes, paging, updated_since, authentication …) only in API mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_servers import ROOT, api_server, store_of

from conformance import spec as spec_store
from conformance.api.client import ClientOptions
from conformance.api.contract import load_api_requirements
from conformance.pipeline import ApiOptions, RunOptions, run, run_api

OPERATIONS = sorted(path.parent.name for path in (ROOT / "fixtures").glob("*/cases.yaml"))
FAST = ClientOptions(connect_timeout=1, read_timeout=5, deadline=10, retries=1, backoff=0.05)


def _judged(result: object, ids: set[str]) -> dict[str, tuple[str, int, int | None]]:
    return {r.id: (r.verdict, r.findings_total, r.records_checked) for r in result.requirements if r.id in ids}  # type: ignore[attr-defined]


def test_twenty_operations() -> None:
    assert len(OPERATIONS) == 20


@pytest.mark.parametrize("operation", OPERATIONS)
def test_api_run_gives_the_file_runs_data_verdicts(operation: str) -> None:
    folder: Path = ROOT / "fixtures" / operation / "valid"
    spec = spec_store.load(operation)
    options = RunOptions(as_of=None)
    files = run(folder, [operation], options)
    with api_server(store_of(folder, operation)) as url:
        api = run_api(url, [operation], options, ApiOptions(client=FAST, token="t"))
    api_only = {r.id for r in load_api_requirements(spec)}
    file_only = {r.id for r in spec.requirements if r.check.kind == "file"}
    data = {r.id for r in spec.requirements} - file_only
    assert {r.id for r in files.requirements} == data | file_only
    assert {r.id for r in api.requirements} - api_only == data
    assert _judged(api, data) == _judged(files, data)
