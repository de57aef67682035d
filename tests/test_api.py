"""API mode against real servers on 127.0.0.1: the reference server passes every API requirement, each
broken mode fails exactly its declared requirements, and records gathered over HTTP go through the
same data checks as files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from api_servers import MODES, ROOT, api_server, store_of

from conformance import spec as spec_store
from conformance.api.client import ClientOptions
from conformance.api.contract import load_api_requirements, load_contract
from conformance.cli import main
from conformance.pipeline import ApiOptions, RunOptions, run_api
from conformance.results.codes import CATALOGUE
from tests.conftest import load_yaml

TOKEN = "tok-Zq8vX3-distinctive-9931"
FAST = ClientOptions(connect_timeout=1, read_timeout=2, deadline=5, retries=1, backoff=0.05)
SCENARIOS = yaml.safe_load((ROOT / "fixtures/api/broken-servers.yaml").read_text(encoding="utf-8"))["scenarios"]
# juki and two more operations: one with a composite primary key, one with several tables.
OPERATIONS = ["juki", "inkan", "senkyo"]


def api_ids(operation: str, cases: list[str]) -> list[str]:
    """The requirement IDs an operation gives to generic cases (derived, never written out)."""
    spec = spec_store.load(operation)
    return sorted(r.id for r in load_api_requirements(spec) if r.case in cases)


def run(url: str, operation: str, **api: object) -> object:
    return run_api(url, [operation], RunOptions(as_of=None), ApiOptions(client=FAST, token=TOKEN, **api))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stores() -> dict[str, object]:
    return {op: store_of(ROOT / "fixtures" / op / "valid", op) for op in OPERATIONS}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_reference_server_passes_every_api_requirement(operation: str, stores: dict[str, object]) -> None:
    with api_server(stores[operation]) as url:  # type: ignore[arg-type]
        result = run(url, operation)
    spec = spec_store.load(operation)
    api = [r for r in result.requirements if r.id in {a.id for a in load_api_requirements(spec)}]  # type: ignore[attr-defined]
    # Robustness is left out without --fuzz; every other API case is evaluated and passes.
    assert sorted(r.id for r in api) == api_ids(operation, [c for c in _cases() if c != "robustness"])
    assert {r.id: r.verdict for r in api if r.verdict != "pass"} == {}
    data = [r for r in result.requirements if r not in api]  # type: ignore[attr-defined]
    # The data requirements ran on the gathered records exactly as on the files (options stay N/A).
    assert {r.verdict for r in data} <= {"pass", "not-applicable", "not-tested"}
    assert result.failed_ids() == []  # type: ignore[attr-defined]
    file_mode = {r.id: r.verdict for r in __import__("conformance.pipeline", fromlist=["run"]).run(ROOT / "fixtures" / operation / "valid", [operation]).requirements}
    assert {r.id: r.verdict for r in data} == {k: v for k, v in file_mode.items() if k in {r.id for r in data}}
    assert not [r.id for r in spec.requirements if r.check.kind == "file" and r.id in {d.id for d in data}]


def _cases() -> list[str]:
    from conformance.api.contract import generic_cases

    return list(generic_cases())


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if not s.get("fuzz")], ids=lambda s: s["mode"])
def test_broken_server_fails_exactly_its_requirements(scenario: dict[str, object], stores: dict[str, object]) -> None:
    with api_server(stores["juki"], MODES[str(scenario["mode"])]) as url:  # type: ignore[arg-type]
        result = run(url, "juki")
    assert result.failed_ids() == api_ids("juki", scenario["fail"])  # type: ignore[arg-type, attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert {f.code for f in result.findings()} - CATALOGUE.keys() == set()  # type: ignore[attr-defined]
    if scenario["mode"] == "lost-records":
        # One record lost at each page boundary of limit=7: exactly (pages - 1) findings per table.
        tables = stores["juki"].tables.values()  # type: ignore[attr-defined]
        boundaries = sum(-(-len(table.records) // 7) - 1 for table in tables)
        assert result.requirement(api_ids("juki", ["paging"])[0]).findings_total == boundaries  # type: ignore[attr-defined]
        assert {f.code for f in result.findings()} == {"lost-record"}  # type: ignore[attr-defined]
    for finding in result.findings():  # type: ignore[attr-defined]
        assert finding.location.method == "GET" and finding.location.url.startswith(url)
        assert finding.location.file is None


@pytest.mark.parametrize("operation", ["inkan", "senkyo"])
def test_broken_modes_name_each_operations_own_ids(operation: str, stores: dict[str, object]) -> None:
    scenario = next(s for s in SCENARIOS if s["mode"] == "lost-records")
    with api_server(stores[operation], MODES["lost-records"]) as url:  # type: ignore[arg-type]
        result = run(url, operation)
    assert result.failed_ids() == api_ids(operation, scenario["fail"])  # type: ignore[attr-defined]


def _data_cases() -> list[Path]:
    """Broken juki exports whose failures are data requirements (file-level ones do not apply to an API)."""
    spec = spec_store.load("juki")
    kinds = {r.id: r.check.kind for r in spec.requirements}
    picked = []
    for expected in sorted((ROOT / "fixtures/juki/invalid").glob("*/expected.yaml")):
        data = load_yaml(expected)
        ids = data["fail"]
        if data.get("declaration") or any(kinds[i] == "file" or "-X-" in i or "-F-" in i for i in ids):
            continue
        letters = {i.split("-")[1] for i in ids}
        if not any(p.parent.name.split("-")[1] == next(iter(letters)).lower() for p in picked):
            picked.append(expected)
    return picked


@pytest.mark.parametrize("expected", _data_cases(), ids=lambda p: p.parent.name)
def test_gathered_records_fail_the_same_data_requirements_as_the_files(expected: Path) -> None:
    wanted = sorted(yaml.safe_load(expected.read_text(encoding="utf-8"))["fail"])
    with api_server(store_of(expected.parent, "juki")) as url:
        result = run(url, "juki")
    assert result.failed_ids() == wanted  # type: ignore[attr-defined]
    assert {f.code for f in result.findings()} - CATALOGUE.keys() == set()  # type: ignore[attr-defined]
    # Located by the request that returned the record, with the record's position in the list.
    finding = result.requirement(wanted[0]).findings[0]  # type: ignore[attr-defined]
    assert finding.location.method == "GET" and finding.location.record >= 1 and finding.location.line is None


def test_result_validates_and_renders_request_locations(stores: dict[str, object], tmp_path: Path) -> None:
    from conformance.report import REPORT_FORMATS

    with api_server(stores["juki"], MODES["lost-records"]) as url:  # type: ignore[arg-type]
        result = run(url, "juki")
    schema = json.loads((ROOT / "conformance/report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(result.to_dict())  # type: ignore[attr-defined]
    assert result.to_dict()["options"]["api"]["insecure"] is False  # type: ignore[attr-defined]
    for name, report in REPORT_FORMATS.items():
        output = report.render(result)
        if isinstance(output, str) and name != "badge":
            # Markdown breaks autolinks with a zero-width space; every format names the request.
            assert "/juki/jumin?limit=7" in output.replace("\u200b", ""), name
    from conformance.results import RunResult

    assert RunResult.from_dict(result.to_dict()) == result  # `conformance report` re-renders it unchanged
    sarif_schema = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(sarif_schema)
    validator(sarif_schema, format_checker=validator.FORMAT_CHECKER).validate(json.loads(REPORT_FORMATS["sarif"].render(result)))  # type: ignore[arg-type]
    import openpyxl

    REPORT_FORMATS["xlsx"].write(result, tmp_path / "r.xlsx")
    cells = [c for row in openpyxl.load_workbook(tmp_path / "r.xlsx")["指摘一覧"].iter_rows(values_only=True) for c in row]
    assert f"GET {url}/juki/jumin?limit=7" in cells


def test_cli_serve_and_run_exit_0_and_1(tmp_path: Path) -> None:
    """The acceptance: `conformance serve FOLDER --port 0` + `conformance run URL --spec juki --token-env VAR`."""
    env = {**os.environ, "SERVE_TOKEN": TOKEN}
    server = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "serve", str(ROOT / "fixtures/juki/valid"), "--port", "0", "--token-env", "SERVE_TOKEN"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line
        url = line.split()[1]
        out, err = io.StringIO(), io.StringIO()
        os.environ["TOKEN_VAR"] = TOKEN
        try:
            code = main(["run", url, "--spec", "juki", "--token-env", "TOKEN_VAR", "--read-timeout", "3"], out, err)
            assert code == 0, out.getvalue() + err.getvalue()
            assert "適合 (pass)" in out.getvalue()
            os.environ["TOKEN_VAR"] = "wrong-token"
            assert main(["run", url, "--spec", "juki", "--token-env", "TOKEN_VAR", "--quiet"], out, err) == 1
        finally:
            del os.environ["TOKEN_VAR"]
    finally:
        server.terminate()
        output, errors = server.communicate(timeout=5)
    assert TOKEN not in output + errors and "Traceback" not in errors


def test_cli_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.delenv("NO_SUCH_TOKEN_VAR", raising=False)
    assert main(["run", "http://127.0.0.1:9", "--spec", "juki", "--token-env", "NO_SUCH_TOKEN_VAR"], out, err) == 2
    assert "NO_SUCH_TOKEN_VAR" in err.getvalue()
    assert main(["run", "http://127.0.0.1:9"], out, err) == 2
    assert "--spec" in err.getvalue()
    assert main(["run", "http://127.0.0.1:9", "--spec", "juki", "--ca-bundle", "/nonexistent.pem"], out, err) == 2


def test_retries_honour_retry_after_within_the_cap(stores: dict[str, object]) -> None:
    from conformance.api.server import ReferenceHandler

    calls: list[float] = []

    class BusyOnce(ReferenceHandler):
        def do_GET(self) -> None:
            calls.append(time.monotonic())
            if len(calls) == 1:
                self.problem(503, "Service Unavailable", "busy", {"Retry-After": "120"})
                return
            super().do_GET()

    from conformance.api.client import ApiClient

    with api_server(stores["juki"], BusyOnce) as url:  # type: ignore[arg-type]
        client = ApiClient(url, TOKEN, ClientOptions(retries=2, retry_after_cap=0.3))
        exchange = client.get("/juki/jumin", {"limit": "1"})
        client.close()
    assert exchange.status == 200 and exchange.attempts == 2
    assert 0.25 <= calls[1] - calls[0] < 5  # Retry-After 120 s was honoured only up to the 0.3 s cap


def test_rate_limit_spaces_requests(stores: dict[str, object]) -> None:
    from conformance.api.client import ApiClient

    with api_server(stores["juki"]) as url:  # type: ignore[arg-type]
        client = ApiClient(url, TOKEN, ClientOptions(rate_limit=20))
        started = time.monotonic()
        for _ in range(5):
            client.get("/juki/jumin", {"limit": "1"})
        client.close()
    assert time.monotonic() - started >= 4 / 20


def test_every_operation_has_a_contract_for_every_table() -> None:
    for operation in spec_store.available():
        spec = spec_store.load(operation)
        contract = load_contract(spec)
        for table in spec.tables:
            assert contract.endpoint(table.name, "list") is not None, (operation, table.name)
            assert (contract.endpoint(table.name, "single") is not None) == bool(table.primary_key)
        # The contract's schemas resolve locally, the record schema included.
        contract.validator(contract.endpoint(spec.tables[0].name, "list").schema_ref).validate({"items": [], "next_cursor": None})  # type: ignore[union-attr]


def test_fuzz_passes_the_reference_server_and_fails_the_broken_one(stores: dict[str, object]) -> None:
    """--fuzz (Schemathesis, a tiny budget): the robustness requirement passes and fails for real."""
    from conformance.api.server import ReferenceHandler

    robustness = api_ids("juki", ["robustness"])
    with api_server(stores["juki"], ReferenceHandler) as url:  # type: ignore[arg-type]
        result = run(url, "juki", fuzz=True, fuzz_examples=5)
    assert [result.requirement(i).verdict for i in robustness] == ["pass"]  # type: ignore[attr-defined]
    scenario = next(s for s in SCENARIOS if s.get("fuzz"))
    with api_server(stores["juki"], MODES[scenario["mode"]]) as url:  # type: ignore[arg-type]
        result = run(url, "juki", fuzz=True, fuzz_examples=5)
    assert result.failed_ids() == api_ids("juki", scenario["fail"])  # type: ignore[attr-defined]
    finding = result.requirement(robustness[0]).findings[0]  # type: ignore[attr-defined]
    assert finding.code == "server-error" and finding.location.url == f"{url}/juki/jumin"
