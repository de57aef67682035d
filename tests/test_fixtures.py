"""Every requirement has a conforming fixture that passes it and a broken one that fails exactly it, for
the reason its case table states: the finding codes and the first finding's location (expected.yaml
`findings`, derived from the mutation by conformance/generate/findings.py). The committed case folders
are exactly what `conformance fixtures build` makes of the case tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance import spec as spec_store
from conformance.generate import cases
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results.codes import CATALOGUE
from tests.conftest import FIXTURE_AS_OF, FIXTURES, fixture_run, load_yaml, same_run

OPERATIONS = spec_store.available()
CASES = sorted(path.parent for path in FIXTURES.glob("*/invalid/*/expected.yaml"))
LOCATION_KEYS = ("file", "line", "record", "item")


def test_case_folders_are_built_from_the_case_tables() -> None:
    assert cases.operations(FIXTURES) == OPERATIONS
    assert cases.check(FIXTURES) == []


@pytest.mark.parametrize("operation", [pytest.param(o, marks=same_run(FIXTURES / o / "valid")) for o in OPERATIONS])
def test_valid_fixture_passes_every_requirement_when_all_options_are_declared(operation: str) -> None:
    # The run tests/test_records_checked.py judges too (fixture_run: once per worker).
    result = fixture_run(FIXTURES / operation / "valid", operation, FIXTURES / operation / "declaration.yaml")
    assert result.summary.verdict == "pass"
    assert {r.verdict for r in result.requirements} == {"pass"}
    assert len(result.requirements) == len(spec_store.load(operation).requirements)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_valid_fixture_without_declaration_leaves_options_not_applicable(operation: str) -> None:
    result = run(FIXTURES / operation / "valid", [operation], RunOptions(as_of=FIXTURE_AS_OF))
    options = {r.id for r in spec_store.load(operation).requirements if r.level == "標準オプション"}
    assert result.summary.verdict == "pass"
    assert {r.id for r in result.requirements if r.verdict == "not-applicable"} == options
    assert result.exit_code == 0


@pytest.mark.parametrize("case", [pytest.param(c, marks=same_run(c), id=f"{c.parent.parent.name}/{c.name}") for c in CASES])
def test_invalid_case_fails_exactly_its_expected_requirements(case: Path) -> None:
    expected = load_yaml(case / "expected.yaml")
    declaration = case / expected["declaration"] if "declaration" in expected else None
    result = fixture_run(case, expected["spec"], declaration)
    assert result.failed_ids() == sorted(expected["fail"])
    assert result.summary.verdict == "fail"
    assert {finding.code for finding in result.findings()} - CATALOGUE.keys() == set()  # docs/FINDING-CODES.md
    assert result.exit_code == 1
    for requirement in result.requirements:
        if requirement.verdict == "fail":
            assert requirement.findings_total >= 1
            assert all(finding.requirement == requirement.id for finding in requirement.findings)
        assert requirement.verdict != "error", requirement.reason
    # Why each requirement fails: the codes of its findings and where the first one is.
    assert sorted(expected["findings"]) == sorted(expected["fail"])
    for requirement in result.requirements:
        if requirement.id in expected["findings"]:
            why = expected["findings"][requirement.id]
            assert sorted({finding.code for finding in requirement.findings}) == sorted(why["codes"])
            first = requirement.findings[0].location
            assert {key: getattr(first, key) for key in LOCATION_KEYS if getattr(first, key) is not None} == why["first"]


def test_every_requirement_has_a_failing_case() -> None:
    for operation in OPERATIONS:
        failing = set()
        for case in CASES:
            if case.parent.parent.name == operation:
                failing |= set(load_yaml(case / "expected.yaml")["fail"])
        assert failing == {r.id for r in spec_store.load(operation).requirements}


def _referenced(operation: str) -> set[tuple[str, str]]:
    """(operation, table) of the other operations' tables the spec's rules read."""
    return {reference.key for requirement in spec_store.load(operation).requirements
            for reference in requirement.check.references if reference.operation != operation}


LINKED = [operation for operation in OPERATIONS
          if {f"{table}.csv" for _, table in _referenced(operation)} & {p.name for p in (FIXTURES / operation / "valid").iterdir()}]


@pytest.mark.parametrize("operation", LINKED)
def test_valid_fixture_without_referenced_tables_leaves_their_rules_not_tested(operation: str, tmp_path: Path) -> None:
    """Without the other operations' tables it copies (住民.csv), exactly the rules reading them are
    not-tested, never passed, and nothing fails."""
    spec = spec_store.load(operation)
    referenced = _referenced(operation)
    removed = {f"{table}.csv" for _, table in referenced}
    for path in (FIXTURES / operation / "valid").iterdir():
        if path.name not in removed:
            shutil.copy(path, tmp_path)
    declaration = load_declaration(FIXTURES / operation / "declaration.yaml")
    result = run(tmp_path, [operation], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
    reading = {requirement.id for requirement in spec.requirements
               if any(reference.key in referenced for reference in requirement.check.references)}
    assert {r.id for r in result.requirements if r.verdict == "not-tested"} == reading
    assert result.failed_ids() == []
