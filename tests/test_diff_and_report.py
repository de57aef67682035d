"""`conformance diff` (regressions between two results) and `conformance report` (re-rendering)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.pipeline import run
from conformance.results.diff import diff
from tests.conftest import FIXTURES, cli

VALID = FIXTURES / "juki" / "valid"


def _save(tmp_path: Path, name: str, target: Path) -> Path:
    # One declaration for both runs (juki-d-0002's wrong check digit fails under its check_digits: all).
    declaration = FIXTURES / "juki" / "declaration.yaml"
    result = cli("run", "--quiet", "--format", "json", "--output", tmp_path / name, "--declaration", declaration, target)
    assert result.code in (0, 1), result.err
    return tmp_path / name / "conformance.json"


def test_diff_reports_a_regression_and_exits_1(tmp_path: Path) -> None:
    old = _save(tmp_path, "old", VALID)
    new = _save(tmp_path, "new", FIXTURES / "juki" / "invalid" / "juki-d-0002")
    result = cli("diff", old, new)
    assert result.code == 1
    assert "新たに不適合 / newly failing (1)" in result.out
    assert "JUKI-D-0002  pass → fail" in result.out
    assert "後退 regressions: 1" in result.out


def test_diff_the_other_way_is_progress_and_exits_0(tmp_path: Path) -> None:
    old = _save(tmp_path, "old", FIXTURES / "juki" / "invalid" / "juki-d-0002")
    new = _save(tmp_path, "new", VALID)
    result = cli("diff", "--format", "json", old, new)
    assert result.code == 0
    data = json.loads(result.out)
    assert data["regressions"] == 0
    assert [(c["id"], c["kind"]) for c in data["changes"]] == [("JUKI-D-0002", "newly-passing")]


def test_more_findings_and_lost_coverage_are_regressions() -> None:
    base = run(FIXTURES / "juki" / "invalid" / "juki-s-0001")
    same = diff(base, base)
    assert same.changes == ()
    header_only = run(FIXTURES / "juki" / "invalid" / "juki-f-0005", ["juki"])
    lost = diff(run(VALID), header_only)
    kinds = {change.id: (change.kind, change.regression) for change in lost.changes}
    assert kinds["JUKI-F-0005"] == ("newly-failing", True)
    assert kinds["JUKI-D-0004"] == ("verdict-changed", True)  # an item of 住民 alone: no longer tested


def test_diff_of_unreadable_or_foreign_json_is_a_usage_error(tmp_path: Path) -> None:
    good = _save(tmp_path, "good", VALID)
    (tmp_path / "bad.json").write_text('{"not": "a result"}', encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    for other in ("bad.json", "broken.json", "missing.json"):
        result = cli("diff", good, tmp_path / other)
        assert result.code == 2, other
        assert other in result.err


def test_report_re_renders_a_saved_result(tmp_path: Path) -> None:
    saved = _save(tmp_path, "run", FIXTURES / "juki" / "invalid" / "juki-c-0001")
    console = cli("report", "--format", "console", saved)
    assert console.code == 0
    assert "FAIL  JUKI-C-0001" in console.out
    junit = cli("report", "--format", "junit", "--output", tmp_path / "again.xml", saved)
    assert junit.code == 0
    assert "JUKI-C-0001" in (tmp_path / "again.xml").read_text(encoding="utf-8")
    again = cli("report", "--format", "json", saved)
    assert json.loads(again.out) == json.loads(saved.read_text(encoding="utf-8"))
