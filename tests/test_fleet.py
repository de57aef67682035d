"""`conformance batch` and `conformance grid`: 26 runs (fixtures, generated municipalities, broken and
unreadable targets, API targets against `conformance serve`, and one whose worker is killed) on local
worker processes, and one run of each kind on a Dask LocalCluster (real scheduler and workers over TCP on
127.0.0.1), giving the same result documents and the same grid; --resume; the grid in Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli.batch import _complete, _exit_code, _grid_run, write_grid
from conformance.fleet import load_manifest
from conformance.fleet.manifest import ManifestError
from conformance.generate import generate
from tests.conftest import FIXTURE_AS_OF, FIXTURES, cli
from tests.test_report_html import _personal_values, _require_chromium, offline_page

# One xdist worker for the module: its batches (module-scoped fixtures) run once, not once per worker.
pytestmark = pytest.mark.xdist_group("fleet")

TOKEN_VAR, TOKEN = "FLEET_TEST_TOKEN", "fleet-test-token-0c9f"
VALID = ("juki", "inkan", "senkyo", "koseki", "kokuho", "kaigo-hoken", "jido-teate", "shugaku")
BROKEN = ("juki/juki-d-0001", "juki/juki-d-0002", "juki/juki-c-0001", "inkan/inkan-d-0001", "senkyo/senkyo-d-0001",
          "senkyo/senkyo-c-0001", "koseki/koseki-c-0001", "kokuho/kokuho-c-0001", "kaigo-hoken/kaigo-hoken-d-0001")
ERRORS = ("missing", "not-a-zip", "killed")
# The Dask batch: each kind of run of the manifest once (a fixture with and without a declaration, broken
# ones, a relative target, a generated municipality of three operations, unreadable targets, API targets
# with the right and a wrong token), two of them side by side in one worker's threads at a time.
DASK_RUNS = ("juki-valid", "inkan-valid", "juki-d-0001", "juki-d-0002", "juki-c-0001", "juki-copy", "town-b",
             "missing", "not-a-zip", "api-juki", "api-wrong-token")


@dataclass
class Killer:
    """An HTTP server on 127.0.0.1 that kills the worker process connected to it (found by its socket)."""

    pids: list[int] = field(default_factory=list)

    def kill_client(self, port: int) -> None:
        import psutil

        for process in psutil.Process().children(recursive=True):
            try:
                if any(c.laddr and c.laddr.port == port for c in process.net_connections(kind="tcp")):
                    self.pids.append(process.pid)
                    os.kill(process.pid, signal.SIGKILL)
                    return
            except psutil.Error:
                continue


@pytest.fixture(scope="module")
def killer() -> Iterator[tuple[str, Killer]]:
    state = Killer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            state.kill_client(self.client_address[1])
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def reference_server() -> Iterator[str]:
    """`conformance serve` on 127.0.0.1, requiring the token."""
    env = {**os.environ, TOKEN_VAR: TOKEN}
    server = subprocess.Popen([sys.executable, "-m", "conformance.cli", "serve", str(FIXTURES / "juki" / "valid"),
                               "--port", "0", "--token-env", TOKEN_VAR],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line
        yield line.split()[1]
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _expected_fail(case: str) -> list[str]:
    return sorted(yaml.safe_load((FIXTURES / case.split("/")[0] / "invalid" / case.split("/")[1] / "expected.yaml")
                                 .read_text(encoding="utf-8"))["fail"])


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory, reference_server: str, killer: tuple[str, Killer]) -> Path:
    folder = tmp_path_factory.mktemp("fleet")
    runs: list[dict[str, Any]] = []
    vendors = ("A", "B", "C")
    for index, operation in enumerate(VALID):
        runs.append({"name": f"{operation}-valid", "target": str(FIXTURES / operation / "valid"), "specs": [operation],
                     "declaration": str(FIXTURES / operation / "declaration.yaml"),
                     "labels": {"vendor": vendors[index % 3], "operation": operation, "kind": "valid"}})
    for index, case in enumerate(BROKEN):
        operation, name = case.split("/")
        expected = yaml.safe_load((FIXTURES / operation / "invalid" / name / "expected.yaml").read_text(encoding="utf-8"))
        run: dict[str, Any] = {"name": name, "target": str(FIXTURES / operation / "invalid" / name), "specs": [operation],
                               "labels": {"vendor": vendors[index % 3], "operation": operation, "kind": "broken"}}
        if "declaration" in expected:
            run["declaration"] = str(FIXTURES / operation / "invalid" / name / expected["declaration"])
        runs.append(run)
    shutil.copytree(FIXTURES / "juki" / "valid", folder / "copy")  # --resume sees it change
    runs.append({"name": "juki-copy", "target": "copy", "specs": ["juki"],
                 "declaration": str(FIXTURES / "juki" / "declaration.yaml"), "labels": {"vendor": "A", "kind": "valid"}})
    for name, operations, defects in (("town-a", ["juki", "inkan", "senkyo"], 0.0), ("town-b", ["juki", "inkan", "senkyo"], 0.2),
                                      ("town-c", ["juki"], 0.0)):
        generate(operations, 40, 3, folder / name, defects)
        runs.append({"name": name, "target": f"{name}/data", "specs": operations, "declaration": f"{name}/declaration.yaml",
                     "labels": {"municipality": name, "vendor": "generated", "kind": "generated"}})
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 this is not a ZIP")
    runs.append({"name": "missing", "target": "no-such-export", "specs": ["juki"], "labels": {"kind": "unreadable"}})
    runs.append({"name": "not-a-zip", "target": "broken.zip", "specs": ["juki"], "labels": {"kind": "unreadable"}})
    runs.append({"name": "api-juki", "target": reference_server, "specs": ["juki"], "token_env": TOKEN_VAR,
                 "labels": {"vendor": "A", "kind": "api"}})
    runs.append({"name": "api-wrong-token", "target": reference_server, "specs": ["juki"], "token_env": "FLEET_WRONG_TOKEN",
                 "labels": {"vendor": "B", "kind": "api"}})
    runs.append({"name": "killed", "target": killer[0], "specs": ["juki"], "token_env": TOKEN_VAR, "labels": {"kind": "api"}})
    data = {"defaults": {"as_of": FIXTURE_AS_OF}, "runs": runs}
    (folder / "manifest.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder / "manifest.yaml"


@pytest.fixture(scope="module")
def tokens() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (TOKEN_VAR, "FLEET_WRONG_TOKEN")}
    os.environ[TOKEN_VAR], os.environ["FLEET_WRONG_TOKEN"] = TOKEN, "not-the-token"
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def local(manifest: Path, tokens: None, killer: tuple[str, Killer]) -> tuple[Path, Any, list[int]]:
    output = manifest.parent / "local"
    before = len(killer[1].pids)
    with _system_temp_dir(manifest.parent / "tmp"):  # what the batch, its workers and their runs leave in TMPDIR
        result = cli("batch", manifest, "--workers", "2", "--output", output)
    return output, result, killer[1].pids[before:]


@contextlib.contextmanager
def _system_temp_dir(folder: Path) -> Iterator[None]:
    """TMPDIR is `folder` for this process and the processes it starts, for the time of the block."""
    folder.mkdir()
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(folder), str(folder)
    try:
        yield
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]


@pytest.fixture(scope="module")
def on_dask(manifest: Path, tokens: None, killer: tuple[str, Killer]) -> tuple[Path, Any, list[int]]:
    import dask
    from distributed import LocalCluster

    output = manifest.parent / "dask"
    # One worker process running two runs at once in threads (as a Dask worker does by default): the runs
    # must not share anything. The killed run stays with the local test: killing this worker would kill
    # the run beside it too, and a worker restart costs seconds of test time. One run of each kind the
    # manifest holds (DASK_RUNS), not all 25: what the cluster path must keep is the same for each kind.
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["runs"] = [run for run in data["runs"] if run["name"] in DASK_RUNS]
    (manifest.parent / "dask.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None,
                         protocol="tcp") as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        result = cli("batch", manifest.parent / "dask.yaml", "--cluster", cluster.scheduler_address, "--output", output)
        return output, result, killer[1].pids


def _document(path: Path) -> dict[str, Any]:
    """A result without its times, and without the tags of masked values: each run draws a random key
    for them (results/masking.py), so that a tag never links a value across runs."""
    data: dict[str, Any] = json.loads(re.sub("…#[0-9a-f]+", "…#", path.read_text(encoding="utf-8")))
    del data["started"], data["finished"]
    return data


def test_local_batch_writes_every_result_and_exits_1(manifest: Path, local: tuple[Path, Any, list[int]]) -> None:
    output, result, _ = local
    assert result.code == 1, result.out + result.err
    runs = load_manifest(manifest)
    assert len(runs) == 26
    index = json.loads((output / "batch.json").read_text(encoding="utf-8"))
    status = {entry["name"]: entry["status"] for entry in index["runs"]}
    assert [entry["name"] for entry in index["runs"]] == [run.name for run in runs]
    assert {name for name, value in status.items() if value == "error"} == set(ERRORS)
    assert index["totals"] == {"pass": 10, "fail": 11, "incomplete": 2, "error": 3}
    for operation in VALID:
        assert status[f"{operation}-valid"] == "pass"
    assert status["juki-copy"] == status["api-juki"] == "pass"
    # 40 generated residents leave some conditional items without a record to judge: not-tested, honestly.
    assert status["town-a"] == status["town-c"] == "incomplete"
    assert status["town-b"] == status["api-wrong-token"] == "fail"
    for case in BROKEN:
        document = json.loads((output / case.split("/")[1] / "conformance.json").read_text(encoding="utf-8"))
        assert sorted(r["id"] for r in document["requirements"] if r["verdict"] == "fail") == _expected_fail(case)
    for name in ERRORS:
        assert not (output / name / "conformance.json").exists()
        assert json.loads((output / name / "run.json").read_text(encoding="utf-8"))["status"] == "error"
    assert "ありません" in next(e["error"] for e in index["runs"] if e["name"] == "missing")
    assert not list(output.rglob("*.tmp"))
    assert TOKEN not in "".join(p.read_text(encoding="utf-8") for p in output.rglob("*.json")) + result.out + result.err


def test_a_killed_worker_is_retried_once_then_error(local: tuple[Path, Any, list[int]]) -> None:
    output, _, pids = local
    assert len(pids) == 2 and pids[0] != pids[1]  # the run went to a fresh worker once, and no more
    record = json.loads((output / "killed" / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "error" and "ワーカー" in record["error"]


def test_no_temporary_folder_survives_the_batch(manifest: Path, local: tuple[Path, Any, list[int]]) -> None:
    """Issue 23 (README, Security): the batch's temporary folders, its killed workers' too, are all gone."""
    assert len(local[2]) == 2  # the killed run's worker was killed on both attempts
    assert sorted(path.name for path in (manifest.parent / "tmp").iterdir()) == []


def test_dask_cluster_gives_the_same_results_and_grid(local: tuple[Path, Any, list[int]],
                                                      on_dask: tuple[Path, Any, list[int]], tmp_path: Path) -> None:
    (local_out, local_result, _), (dask_out, dask_result, _) = local, on_dask
    assert dask_result.code == local_result.code == 1, dask_result.out + dask_result.err
    local_files = sorted(p.relative_to(local_out) for p in local_out.rglob("conformance.json") if p.parent.name in DASK_RUNS)
    assert local_files == sorted(p.relative_to(dask_out) for p in dask_out.rglob("conformance.json"))
    assert len(local_files) == len(DASK_RUNS) - 2  # the unreadable targets write none
    for relative in local_files:
        assert _document(local_out / relative) == _document(dask_out / relative), relative
    local_index = json.loads((local_out / "batch.json").read_text(encoding="utf-8"))
    dask_index = json.loads((dask_out / "batch.json").read_text(encoding="utf-8"))
    assert dask_index["runs"] == [entry for entry in local_index["runs"] if entry["name"] in DASK_RUNS]
    assert dask_index["totals"] == {"pass": 4, "fail": 5, "incomplete": 0, "error": 2}
    # The local grid of the same runs, from the files the local batch wrote: the same bytes.
    runs = load_manifest(dask_out.parent / "dask.yaml")
    records = [{**json.loads((local_out / run.name / "run.json").read_text(encoding="utf-8")),
                "document": _text_or_none(local_out / run.name / "conformance.json")} for run in runs]
    write_grid([_grid_run(run, record) for run, record in zip(runs, records, strict=True)], tmp_path)
    for name in ("grid.html", "grid.xlsx"):
        assert (tmp_path / name).read_bytes() == (dask_out / name).read_bytes(), name


def _text_or_none(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def test_grid_command_rebuilds_the_same_grid(local: tuple[Path, Any, list[int]], manifest: Path, tmp_path: Path) -> None:
    output = local[0]
    results = [output / run.name / "conformance.json" for run in load_manifest(manifest) if run.name not in ERRORS]
    rebuilt = cli("grid", *results, "--output", tmp_path)
    assert rebuilt.code == 0, rebuilt.err
    html = (tmp_path / "grid.html").read_text(encoding="utf-8")
    assert html.count('<tr class="run"') == 23 and 'data-label-0="A"' in html
    # Same results, same bytes: shown across processes by the local and the Dask batch's grids.
    assert cli("grid", manifest, "--output", tmp_path).code == 2


def test_grid_workbook(local: tuple[Path, Any, list[int]]) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(local[0] / "grid.xlsx")
    sheet = workbook["グリッド"]
    rows = list(sheet.iter_rows(values_only=True))
    heads = rows[1]
    assert heads[:6] == ("実行", "vendor", "operation", "kind", "municipality", "判定")
    column = heads.index("JUKI-D-0001")
    names = [row[0] for row in rows[2:28]]
    assert names[0] == "juki-valid" and names[-1] == "killed" and len(names) == 26
    by_name = {row[0]: row for row in rows[2:28]}
    assert by_name["juki-d-0001"][column].startswith("不適合 (")
    assert by_name["juki-valid"][column] == "適合"
    assert by_name["killed"][5] == "エラー（結果なし）"
    assert rows[28][0] == "不適合の実行数" and rows[28][column] == 1
    assert by_name["juki-valid"][heads.index("宣言した標準オプション")] == "JUKI-D-0050"
    assert [row[0] for row in workbook["業務別ヒートマップ"].iter_rows(values_only=True)][1:27] == names


def test_resume_skips_complete_runs_with_unchanged_inputs(manifest: Path, local: tuple[Path, Any, list[int]],
                                                          tmp_path: Path) -> None:
    output = local[0]
    runs = {run.name: run for run in load_manifest(manifest)}
    complete = [name for name in runs if _complete(runs[name], output / name) is not None]
    assert sorted(complete) == sorted(name for name in runs if name not in ERRORS and not name.startswith("api-"))
    # A manifest of complete runs only: --resume runs nothing and gives the exit code of what is there.
    passing = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    passing["runs"] = [run for run in passing["runs"] if run["name"] in ("juki-valid", "juki-copy")]
    (manifest.parent / "passing.yaml").write_text(yaml.safe_dump(passing, allow_unicode=True), encoding="utf-8")
    for name in ("juki-valid", "juki-copy"):
        shutil.copytree(output / name, tmp_path / name)
    resumed = cli("batch", manifest.parent / "passing.yaml", "--output", tmp_path, "--resume")
    assert resumed.code == 0, resumed.out + resumed.err
    assert resumed.out.count("(resumed: unchanged)") == 2
    # One byte of the copy changes: that run is no longer complete.
    resident = manifest.parent / "copy" / "住民.csv"
    original = resident.read_bytes()
    resident.write_bytes(original + b"\n")
    try:
        assert _complete(runs["juki-copy"], output / "juki-copy") is None
    finally:
        resident.write_bytes(original)
    assert _complete(runs["juki-copy"], output / "juki-copy") is not None


def test_exit_codes() -> None:
    assert _exit_code(["pass", "pass"]) == 0
    assert _exit_code(["pass", "incomplete"]) == 3
    assert _exit_code(["pass", "error"]) == 3
    assert _exit_code(["error", "fail", "incomplete"]) == 1


@pytest.mark.parametrize(("text", "where"), [
    ("runs: []", "runs"),
    ("runs: [{name: a, target: x}, {name: a, target: y}]", "runs/1/name"),
    ("runs: [{name: '../a', target: x}]", "runs/0/name"),
    ("runs: [{name: a, target: x}, {name: A, target: y}]", "runs/1/name"),
    ("runs: [{name: grid.html, target: x}]", "reserved"),
    ("runs: [{name: a, target: x, as_of: 2026-13-01}]", "日付"),
    ("runs: [{name: a, target: x, as_of: '2026-13-01'}]", "runs/0.*as_of"),
    ("runs: [{name: a, target: x, colour: red}]", "runs/0"),
    ("runs: [{name: a, target: x, labels: {vendor: [1]}}]", "runs/0/labels/vendor"),
    ("runs: [{name: a", "1行目"),
])
def test_a_bad_manifest_is_named_and_exits_2(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=where):
        load_manifest(path)
    result = cli("batch", path, "--output", tmp_path / "out")
    assert result.code == 2 and "m.yaml" in result.err and "Traceback" not in result.err


def test_grid_in_chromium(local: tuple[Path, Any, list[int]]) -> None:
    _require_chromium()

    page_path = local[0] / "grid.html"
    with offline_page(page_path) as (page, requests, problems):
        assert not problems  # no CSP violation: the style and the script both ran
        assert not [url for url in requests if url.split(":", 1)[0] not in ("file", "data", "about")]
        rows = page.locator("#grid tr.run:visible")
        assert rows.count() == 26
        assert page.locator("#shown").inner_text() == "26 / 26 件を表示"
        total = page.locator('#grid tfoot td.total[data-column="0"]')
        page.select_option("#filter-label-0", "B")  # vendor
        assert rows.count() == 7
        page.select_option("#filter-label-0", "")
        page.select_option("#filter-status", "error")
        assert rows.count() == 3
        page.select_option("#filter-status", "")
        page.locator('button.sort', has_text="JUKI-D-0001").click()
        assert rows.first.locator("th").inner_text() == "juki-d-0001"
        page.locator("#sort-status").click()
        assert rows.first.get_attribute("data-status") == "fail"
        page.locator("#sort-reset").click()
        assert rows.first.locator("th").inner_text() == "juki-valid"
        assert total.inner_text().isdigit()
        content = page.content()
        assert not [value for value in _personal_values() if value in content]


def test_pool_stops_a_run_over_its_timeout_and_retries_a_worker_that_exits_once() -> None:
    """The local pool alone, with library functions as tasks: `time.sleep` overruns its timeout;
    `os._exit` ends its worker process (as a native abort would) on each of its two attempts."""
    import time

    from conformance.fleet import Job, run_local

    started: list[str] = []
    outcomes: dict[str, dict[str, Any]] = {}

    def finished(name: str, outcome: dict[str, Any]) -> None:
        outcomes[name] = outcome

    run_local([Job("slow", 60, timeout=0.5)], time.sleep, 1, started.append, finished)  # type: ignore[arg-type]
    assert "時間切れ" in outcomes["slow"]["error"] and outcomes["slow"]["document"] is None
    run_local([Job("exits", 7)], os._exit, 1, started.append, finished)  # type: ignore[arg-type]
    assert "2回、終了コード 7" in outcomes["exits"]["error"]
    assert started == ["slow", "exits"]


def test_the_published_schema_and_the_readme_example(tmp_path: Path) -> None:
    import jsonschema

    from conformance.fleet.manifest import schema
    from tests.conftest import ROOT

    jsonschema.Draft202012Validator.check_schema(schema())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Many exports", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "manifest.yaml").write_text(example, encoding="utf-8")
    runs = load_manifest(tmp_path / "manifest.yaml")
    assert [run.name for run in runs] == ["tokyo-x-juki", "tokyo-x-api"]
    assert runs[0].target == str(tmp_path / "exports" / "x") and runs[0].as_of == "2026-04-01"
    assert runs[0].timeout == runs[1].timeout == 1800 and runs[1].is_api and runs[1].token_env == "X_TOKEN"
    assert runs[0].arguments() == ["run", str(tmp_path / "exports" / "x"), "--spec", "juki", "--declaration",
                                   str(tmp_path / "decl" / "x.yaml"), "--as-of", "2026-04-01"]


def test_progress_counts_runs() -> None:
    import io

    from conformance.fleet import BatchProgress

    stream = io.StringIO()
    progress = BatchProgress(3, stream)
    progress.started()
    progress.started()
    progress.finished(failed=False)
    progress.finished(failed=True)
    assert (progress.running, progress.done, progress.failed) == (0, 2, 1)
    assert progress.per_minute() > 0
    progress.close()
    assert BatchProgress(1, None).per_minute() == 0.0


def test_hostile_labels_stay_text() -> None:
    import io

    import openpyxl

    from conformance.report import grid_html, grid_xlsx
    from conformance.report.grid import GridRun, build
    from tests.test_report_html import HOSTILE

    grid = build([GridRun(name="x", labels=(("vendor", HOSTILE), ("product", "=HYPERLINK(\"http://e.example\")")),
                          status="error", result=None)])
    html = grid_html.render(grid)
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # ours, admitted by its hash
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(grid_xlsx.render(grid)))["グリッド"].iter_rows(values_only=True)
             for c in row]
    assert HOSTILE in cells and "'=HYPERLINK(\"http://e.example\")" in cells
