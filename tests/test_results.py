"""The result model: round trip, flatten, roll-up and exit codes."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.pipeline import run
from conformance.results import Finding, Location, RequirementResult, RunResult, Summary
from tests.conftest import FIXTURES


def _requirement(verdict: str, level: str = "必須", total: int = 0) -> RequirementResult:
    return RequirementResult("X-D-0001", "x", "t", level, "assumption", "f", verdict, total)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "not-applicable"], "pass"),
        (["pass", "fail", "not-tested"], "fail"),
        (["pass", "not-tested"], "incomplete"),
        (["pass", "error"], "incomplete"),
        (["not-tested"], "incomplete"),
    ],
)
def test_roll_up_never_counts_a_skipped_or_broken_check_as_a_pass(verdicts: list[str], expected: str) -> None:
    assert Summary.of([_requirement(v) for v in verdicts]).verdict == expected


def test_run_result_round_trips_through_json() -> None:
    result = run(FIXTURES / "juki" / "invalid" / "juki-s-0001")
    again = RunResult.from_dict(result.to_dict())
    assert again == result
    assert again.to_dict() == result.to_dict()


def test_flatten_gives_terse_rows_for_assertions() -> None:
    result = run(FIXTURES / "juki" / "invalid" / "juki-d-0004")
    assert result.flatten("requirement", "item") == [("JUKI-D-0004", "住民種別")]
    assert result.flatten("code") == [("not-in-code-table",)]


def test_results_are_frozen() -> None:
    finding = Finding("X-D-0001", "c", "m", Location("f.csv", 2, 1, "i"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]


def test_totals_stay_exact_when_examples_are_capped(tmp_path) -> None:
    import csv

    from conformance.pipeline import RunOptions

    source = FIXTURES / "juki" / "valid" / "住民.csv"
    with source.open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    for row in rows:
        row[header.index("住民種別")] = "7"
    with (tmp_path / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *rows])
    result = run(tmp_path, options=RunOptions(max_findings=5))
    requirement = result.requirement("JUKI-D-0004")
    assert requirement.findings_total == len(rows)
    assert len(requirement.findings) == 5
    assert [f.location.record for f in requirement.findings] == [1, 2, 3, 4, 5]


def test_zero_examples_still_count_every_finding() -> None:
    from conformance.pipeline import RunOptions

    result = run(FIXTURES / "juki" / "invalid" / "juki-s-0001", options=RunOptions(max_findings=0))
    requirement = result.requirement("JUKI-S-0001")
    assert requirement.verdict == "fail"
    assert requirement.findings_total == 2 and requirement.findings == ()
    schema_case = run(FIXTURES / "juki" / "invalid" / "juki-d-0004", options=RunOptions(max_findings=0))
    assert schema_case.requirement("JUKI-D-0004").findings_total == 1


def test_the_library_entry_point_is_lazy() -> None:
    """`conformance.run` is the pipeline's run, looked up on first use: the result model alone imports no engine."""
    import subprocess
    import sys

    code = ("import sys, conformance.results; print(sorted(m for m in ('conformance.pipeline', 'duckdb') if m in sys.modules)); "
            "import conformance, conformance.pipeline; print(conformance.run is conformance.pipeline.run, "
            "conformance.RunOptions is conformance.pipeline.RunOptions)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.splitlines() == ["[]", "True True"]
    with pytest.raises(AttributeError):
        __import__("conformance").no_such_name  # noqa: B018
