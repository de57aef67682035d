"""Every requirement has a conforming fixture that passes it and a broken one that fails exactly it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance import spec as spec_store
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results.codes import CATALOGUE
from tests.conftest import FIXTURE_AS_OF, FIXTURES

OPERATIONS = spec_store.available()
CASES = sorted(path.parent for path in FIXTURES.glob("*/invalid/*/expected.yaml"))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_valid_fixture_passes_every_requirement_when_all_options_are_declared(operation: str) -> None:
    declaration = load_declaration(FIXTURES / operation / "declaration.yaml")
    result = run(FIXTURES / operation / "valid", [operation], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
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


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.parent.name}/{c.name}" for c in CASES])
def test_invalid_case_fails_exactly_its_expected_requirements(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    declaration = load_declaration(case / expected["declaration"]) if "declaration" in expected else None
    result = run(case, [expected["spec"]], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
    assert result.failed_ids() == sorted(expected["fail"])
    assert result.summary.verdict == "fail"
    assert {finding.code for finding in result.findings()} - CATALOGUE.keys() == set()  # docs/FINDING-CODES.md
    assert result.exit_code == 1
    for requirement in result.requirements:
        if requirement.verdict == "fail":
            assert requirement.findings_total >= 1
            assert all(finding.requirement == requirement.id for finding in requirement.findings)
        assert requirement.verdict != "error", requirement.reason


def test_every_requirement_has_a_failing_case() -> None:
    for operation in OPERATIONS:
        failing = set()
        for case in CASES:
            if case.parent.parent.name == operation:
                failing |= set(yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))["fail"])
        assert failing == {r.id for r in spec_store.load(operation).requirements}
