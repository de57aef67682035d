"""bench/readme.py: the README's Performance section is what the result files say, a target over its limit is
"not met", a missing result file "not measured" (never met), and a wrong figure is an error, not a guess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import readme
from tests.conftest import ROOT

TEMPLATE = "{% for t in targets %}{{ t.id }}|{{ t.limit }}|{{ t.measured }}|{{ t.status }}|{{ t.files_text }}|{{ t.why }}\n{% endfor %}"


def test_the_committed_readme_is_what_the_result_files_say(capsys: pytest.CaptureFixture[str]) -> None:
    assert readme.main(["--check"]) == 0, capsys.readouterr().out


def test_every_target_of_the_issues_is_listed_once() -> None:
    section = readme.render()
    config = readme._config(readme.TARGETS)
    assert [t["id"] for t in config["targets"]] == [
        "api-100k", "api-1m", "files-1m-floor", "files-1m-peer", "files-1m-rss", "cliff-line-break",
        "cliff-fully-quoted", "cores", "scale-5m", "compare-1m", "xlsx-100k", "character-rule-1m"]
    assert section.count("| issue ") == 12
    # Every result file the targets name is there (a renamed file would silently turn a target "not measured").
    for name, entry in config["results"].items():
        assert entry["file"] is None or (ROOT / entry["file"]).is_file(), name


def _render(tmp_path: Path, results: dict[str, object], targets: list[dict[str, object]]) -> list[list[str]]:
    """Render `targets` over result files written under tmp_path/bench/results (None: the file is missing)."""
    (tmp_path / "bench" / "results").mkdir(parents=True)
    entries = {}
    for name, data in results.items():
        path = f"bench/results/{name}.json"
        if data is not None:
            (tmp_path / path).write_text(json.dumps(data), encoding="utf-8")
        entries[name] = {"file": path}
    (tmp_path / "targets.yaml").write_text(json.dumps({"results": entries, "targets": targets}), encoding="utf-8")
    (tmp_path / "section.md.j2").write_text(TEMPLATE, encoding="utf-8")
    text = readme.render(tmp_path / "targets.yaml", tmp_path / "section.md.j2", tmp_path)
    return [line.split("|") for line in text.splitlines()]


def _target(identifier: str, measured: str, limit: float, comparison: str = "<=", **more: object) -> dict[str, object]:
    return {"id": identifier, "issue": 24, "text": identifier, "measured": measured, "comparison": comparison,
            "limit": limit, "unit": "×", **more}


def test_met_not_met_and_not_measured(tmp_path: Path) -> None:
    run = {"residents": 2000, "approaches": {"api": {"wall_s": 33.4, "same": True}, "ours": {"wall_s": 5.6}, "floor": {"wall_s": 1.0}},
           "exact": False}
    rows = _render(tmp_path, {"run": run, "gone": None}, [
        _target("over", "run.approaches.api.wall_s / run.approaches.ours.wall_s", 5),
        _target("within", "run.approaches.ours.wall_s / run.approaches.floor.wall_s", 6),
        _target("faster", "run.approaches.api.wall_s / run.approaches.ours.wall_s", 15, ">="),
        _target("missing", "gone.approaches.api.wall_s / gone.approaches.ours.wall_s", 10),
        _target("condition", "run.approaches.ours.wall_s / run.approaches.floor.wall_s", 6,
                conditions=[{"holds": "run.exact", "means": "exact"}]),
        _target("mixed", "gone.x / run.approaches.floor.wall_s", 6),
        _target("size", "run.approaches.ours.wall_s / run.approaches.floor.wall_s", 6,
                applies=[{"holds": "run.residents == 1000000", "means": "a run of 1,000,000 residents"}]),
    ])
    assert [row[:4] for row in rows] == [
        ["over", "≤ 5×", "5.96×", "not met"],
        ["within", "≤ 6×", "5.60×", "met"],
        ["faster", "≥ 15×", "5.96×", "not met"],
        ["missing", "≤ 10×", "—", "not measured"],
        ["condition", "≤ 6×", "5.60×", "not met"],
        ["mixed", "≤ 6×", "—", "not measured"],
        ["size", "≤ 6×", "—", "not measured"],
    ]
    assert rows[0][4] == "[run.json](bench/results/run.json)"
    assert rows[3][4] == "gone.json (missing)"
    assert rows[4][5] == "not: exact"
    assert rows[6][5] == "needs a run of 1,000,000 residents"


def test_a_figure_missing_from_a_present_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(readme.ReadmeError, match=r"target peer: 'run\.approaches\.peer' is not in bench/results/run\.json"):
        _render(tmp_path, {"run": {"approaches": {}}}, [_target("peer", "run.approaches.peer.wall_s", 1)])


def test_only_figures_and_arithmetic_are_evaluated(tmp_path: Path) -> None:
    with pytest.raises(readme.ReadmeError, match="'__import__' is no result named"):
        _render(tmp_path, {"run": {}}, [_target("call", "__import__('os').getcwd()", 1)])


def test_a_lambda_is_not_a_figure(tmp_path: Path) -> None:
    with pytest.raises(readme.ReadmeError, match=r"'\(lambda: 1\)\(\)' is not allowed"):
        _render(tmp_path, {"run": {}}, [_target("call", "(lambda: 1)()", 1)])


def test_check_prints_the_difference_and_a_rewrite_fixes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n\n### Performance\n\n{readme.BEGIN}\nold figures\n{readme.END}\n\n## Next\n", encoding="utf-8")
    assert readme.main(["--check", "--readme", str(stale)]) == 1
    assert "-old figures" in capsys.readouterr().out
    assert readme.main(["--readme", str(stale)]) == 0
    assert readme.main(["--check", "--readme", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8").endswith(f"{readme.END}\n\n## Next\n")


def test_a_readme_without_markers_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = tmp_path / "README.md"
    bare.write_text("# x\n", encoding="utf-8")
    assert readme.main(["--check", "--readme", str(bare)]) == 2
    assert "needs one <!-- performance:begin --> line" in capsys.readouterr().err


def test_a_file_of_another_kind_of_benchmark_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "results" / "x.json").write_text('{"benchmark": "compare"}', encoding="utf-8")
    entries = {"x": {"file": "bench/results/x.json", "benchmark": "run"}}
    with pytest.raises(readme.ReadmeError, match=r"x\.json is a 'compare' result, not 'run'"):
        readme.load_results(entries, tmp_path)
