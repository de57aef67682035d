"""`conformance spec lint` covers the API contract, the API cases and their broken-server scenarios."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conformance import spec as spec_store
from conformance.api.contract import generic_cases
from conformance.lint import _api_fixture_problems, _api_problems, lint
from conformance.spec import load_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    for name in ("common", "juki"):
        shutil.copytree(ROOT / "specs" / name, folder / name)
    shutil.copytree(ROOT / "fixtures" / "api", tmp_path / "fixtures" / "api")
    generic_cases.cache_clear()
    return folder


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _problems(specs: Path) -> list[str]:
    generic_cases.cache_clear()
    spec = load_path(specs / "juki", specs)
    return [str(p) for p in _api_problems(spec, specs) + _api_fixture_problems(specs, specs.parent / "fixtures")]


def test_the_bundled_api_files_lint_clean(specs: Path) -> None:
    assert _problems(specs) == []
    assert not [p for p in lint() if "api" in str(p).lower() or "openapi" in str(p)]


def test_a_case_without_an_id_and_a_duplicate_id_are_problems(specs: Path) -> None:
    def change(data: dict[str, list[dict[str, str]]]) -> None:
        data["requirements"][1]["id"] = data["requirements"][0]["id"]
        data["requirements"].pop()

    _edit(specs / "juki" / "api-cases.yaml", change)
    problems = _problems(specs)
    assert len(problems) == 3, problems  # the duplicate (each of its two entries) and the case left without an ID
    assert sum("defined more than once" in p for p in problems) == 2
    assert [p.split(": ", 1)[1] for p in problems if "has no requirement ID" in p] == [
        "generic API case 'robustness' has no requirement ID in this operation"]


def test_an_id_outside_the_a_series_is_rejected_by_the_meta_schema(specs: Path) -> None:
    _edit(specs / "juki" / "api-cases.yaml", lambda d: d["requirements"][0].update(id="JUKI-D-0001"))
    problems = _problems(specs)
    assert len(problems) == 1 and "requirements/0/id" in problems[0]


def test_a_case_no_broken_server_fails_is_a_problem(specs: Path) -> None:
    path = specs.parent / "fixtures" / "api" / "broken-servers.yaml"
    _edit(path, lambda d: d.update(scenarios=[s for s in d["scenarios"] if "paging" not in s["fail"]]))
    assert _problems(specs) == [f"{path}: API case 'paging': no broken-server scenario fails it"]


def test_a_table_missing_from_the_contract_is_a_problem(specs: Path) -> None:
    path = specs / "juki" / "openapi.yaml"
    _edit(path, lambda d: d.update(paths={}))
    problems = _problems(specs)
    # Two problems per table: no list endpoint, no single endpoint by the primary key.
    tables = len(spec_store.load("juki").tables)
    assert len(problems) == 2 * tables and all(str(path) in p for p in problems), problems
