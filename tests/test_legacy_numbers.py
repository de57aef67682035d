"""Check digits the standard does not require (issue 17 §2): 住民記録システム標準仕様書 1.1.13 gives
宛名番号・世帯番号 their modulus-11 check digit for new numbers only, so a number without one (digits,
within the width) is not a failure unless the vendor declares `check_digits: all`; no rule guards a
well-formed key with a check-digit test; the declaration is recorded in the result and every format."""

from __future__ import annotations

import datetime
import io
import json
import re
import shutil
from pathlib import Path

import jsonschema
import openpyxl  # type: ignore[import-untyped,unused-ignore]
import pytest
import yaml

from conformance import spec as spec_store
from conformance.checks.compile import compile_constraints
from conformance.checks.validators import reference_validator
from conformance.generate import cases
from conformance.generate.mutations import CaseError
from conformance.generate.transforms import apply
from conformance.lint import lint
from conformance.pipeline import Declaration, DeclarationError, RunOptions, load_declaration, run
from conformance.report import REPORT_FORMATS
from conformance.report.labels import CHECK_DIGITS_LABELS, CHECK_DIGITS_TITLE
from conformance.results import RunResult
from conformance.results.check_digits import CHECK_DIGIT_PROFILES, DEFAULT_CHECK_DIGITS
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT, fixture_run

LEGACY = FIXTURES / "juki" / "variants" / "legacy-numbers"
CHECK_DIGIT_REQUIREMENTS = ["JUKI-D-0002", "JUKI-D-0003", "JUKI-D-0090"]
VARIANTS = sorted(path.parent for path in FIXTURES.glob("*/variants/*/expected.yaml"))


def _juki_options(check_digits: str | None) -> RunOptions:
    """The juki fixture's declaration (its 標準オプション) with the given check_digits."""
    declared = load_declaration(FIXTURES / "juki" / "declaration.yaml")
    return RunOptions(declaration=Declaration(declared.system, declared.specs, declared.options, check_digits=check_digits),
                      as_of=FIXTURE_AS_OF)


@pytest.fixture(scope="module")
def legacy() -> RunResult:
    return run(LEGACY, ["juki"], _juki_options(None))


@pytest.fixture(scope="module")
def declared() -> RunResult:
    return run(LEGACY, ["juki"], _juki_options("all"))


def test_the_legacy_export_has_plain_sequential_numbers() -> None:
    text = (LEGACY / "住民.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1:3] for line in text[1:3]] == [["000001001", "000005001"], ["000001002", "000005001"]]


def test_legacy_numbers_pass_every_juki_requirement(legacy: RunResult) -> None:
    assert legacy.summary.verdict == "pass"
    assert {r.verdict for r in legacy.requirements} == {"pass"}
    assert len(legacy.requirements) == len(spec_store.load("juki").requirements)
    assert legacy.check_digits == "legacy"
    # the shape is still judged on every record that has the number
    assert [legacy.requirement(r).records_checked for r in CHECK_DIGIT_REQUIREMENTS] == [96, 110, 14]
    # Every requirement judged as many records as on the valid export (whose numbers carry check digits):
    # the rules guarded by the key's shape judge the legacy keys, where a check-digit guard skipped them all.
    valid = run(FIXTURES / "juki" / "valid", ["juki"], _juki_options("all"))
    assert {r.id: r.records_checked for r in legacy.requirements} == {r.id: r.records_checked for r in valid.requirements}
    assert [legacy.requirement(r).records_checked for r in ("JUKI-S-0004", "JUKI-S-0009", "JUKI-S-0013", "JUKI-S-0017")] == [38, 14, 53, 43]


def test_declared_check_digits_fail_exactly_the_check_digit_requirements(declared: RunResult) -> None:
    assert declared.failed_ids() == CHECK_DIGIT_REQUIREMENTS
    assert [declared.requirement(r).findings_total for r in CHECK_DIGIT_REQUIREMENTS] == [85, 96, 13]
    assert {f.code for f in declared.findings()} == {"check-digit"}
    assert declared.check_digits == "all"
    assert declared.to_dict()["declaration"]["check_digits"] == "all"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_every_variant_fails_exactly_its_expected_requirements(variant: Path) -> None:
    expected = yaml.safe_load((variant / "expected.yaml").read_text(encoding="utf-8"))
    declaration = load_declaration(variant / expected["declaration"]) if "declaration" in expected else None
    # The fixtures are judged as of one day (tests/conftest.py); a waiver variant names it, since its verdict hangs on it.
    assert datetime.date.fromisoformat(expected.get("as-of", FIXTURE_AS_OF.isoformat())) == FIXTURE_AS_OF
    if "declaration-error" in expected:  # a waiver the suite refuses (tests/test_waivers.py)
        with pytest.raises(DeclarationError, match=re.escape(expected["declaration-error"])):
            run(variant, [expected["spec"]], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
        return
    # Shared with tests/test_waivers.py, which renders the waiver variants' runs in every format.
    result = fixture_run(variant, expected["spec"], variant / expected["declaration"] if "declaration" in expected else None)
    assert result.failed_ids() == sorted(expected["fail"])
    assert result.waived_ids() == sorted(expected.get("waived", []))
    assert {r.verdict for r in result.requirements} <= {"pass", "fail", "waived", "not-applicable"}
    assert {w.requirement: w.status for w in result.waivers} == expected.get("waivers", {})
    assert result.summary.verdict == expected.get("verdict", "fail" if expected["fail"] else "pass")
    assert sorted(expected["findings"]) == sorted([*expected["fail"], *expected.get("waived", [])])
    for requirement_id, why in expected["findings"].items():
        requirement = result.requirement(requirement_id)
        assert sorted({f.code for f in requirement.findings}) == why["codes"]
        first = requirement.findings[0].location
        assert {k: getattr(first, k) for k in ("file", "line", "record", "item") if getattr(first, k) is not None} == why["first"]


def test_the_wrong_head_name_among_legacy_numbers_is_found() -> None:
    result = run(FIXTURES / "juki" / "variants" / "legacy-numbers-wrong-head-name", ["juki"], _juki_options(None))
    assert result.failed_ids() == ["JUKI-S-0004"]
    assert result.requirement("JUKI-S-0004").findings_total == 1
    assert result.flatten("requirement", "file", "record") == [("JUKI-S-0004", "住民.csv", 40)]


def test_the_declaration_is_shown_by_every_format(legacy: RunResult, declared: RunResult) -> None:
    for result in (legacy, declared):
        label = CHECK_DIGITS_LABELS[result.check_digits]
        data = json.loads(REPORT_FORMATS["json"].render(result))
        assert data["check_digits"] == result.check_digits
        jsonschema.Draft202012Validator(json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))).validate(data)
        assert RunResult.from_dict(data).check_digits == result.check_digits
        assert f"検査数字 check digits: {label}" in str(REPORT_FORMATS["console"].render(result))
        assert f"- **{CHECK_DIGITS_TITLE}**: {label}" in str(REPORT_FORMATS["markdown"].render(result))
        html = str(REPORT_FORMATS["html"].render(result))
        assert f"<dt>{CHECK_DIGITS_TITLE}</dt>" in html and label in html
        assert f'<property name="check_digits" value="{result.check_digits}" />' in str(REPORT_FORMATS["junit"].render(result))
        assert json.loads(REPORT_FORMATS["sarif"].render(result))["runs"][0]["properties"]["checkDigits"] == result.check_digits
        book = openpyxl.load_workbook(io.BytesIO(bytes(REPORT_FORMATS["xlsx"].render(result))))
        cells = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
        assert cells[cells.index(CHECK_DIGITS_TITLE) + 1] == label


def test_check_digit_profiles_are_one_list(tmp_path: Path) -> None:
    assert spec_store.meta_schema("declaration")["properties"]["check_digits"]["enum"] == list(CHECK_DIGIT_PROFILES)
    report = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    assert report["properties"]["check_digits"]["enum"] == list(CHECK_DIGIT_PROFILES)
    assert set(CHECK_DIGITS_LABELS) == set(CHECK_DIGIT_PROFILES)
    assert RunResult.__dataclass_fields__["check_digits"].default == DEFAULT_CHECK_DIGITS
    path = tmp_path / "declaration.yaml"
    path.write_text('system: {name: x, version: "1"}\ncheck_digits: true\n', encoding="utf-8")
    with pytest.raises(DeclarationError, match="check_digits"):
        load_declaration(path)


def test_without_the_declaration_jp_m11_is_not_asserted_by_either_engine() -> None:
    table = spec_store.load("juki").table("住民")
    assert table is not None
    registry = spec_store.registry()

    def formats_of(check_digits: str) -> list[tuple[str, str]]:
        return [(c.item, c.value) for c in compile_constraints(table, registry, CHECK_DIGIT_PROFILES[check_digits]) if c.keyword == "format"
                and c.item in ("宛名番号", "世帯番号", "住民票コード")]

    assert formats_of("legacy") == [("住民票コード", "jp-juminhyo-code")]
    assert formats_of("all") == [("宛名番号", "jp-m11"), ("世帯番号", "jp-m11"), ("住民票コード", "jp-juminhyo-code")]
    record = {"宛名番号": "1001", "世帯番号": "５001"}
    for check_digits, errors in (("legacy", {("世帯番号", "pattern")}), ("all", {("宛名番号", "format"), ("世帯番号", "pattern"), ("世帯番号", "format")})):
        validator = reference_validator(table.schema, registry, CHECK_DIGIT_PROFILES[check_digits])
        found = {(str(e.path[0]), str(e.validator)) for e in validator.iter_errors(record) if e.path and e.path[0] in record}
        assert found == errors


def test_no_rule_guards_a_key_with_a_check_digit() -> None:
    guarded = [(spec.id, r.id) for spec in (spec_store.load(op) for op in spec_store.available()) for r in spec.requirements
               if "fmt_jp_m11" in (r.check.sql or "") + (r.check.population or "")]
    assert guarded == []


def test_the_builder_words_for_legacy_numbers() -> None:
    assert apply("drop-check-digit", "0000010014") == "000001001"
    with pytest.raises(ValueError, match="3 digits"):
        apply("drop-check-digit", "１２３")
    variants = {"a": {"base": "b", "change": [1]}, "b": {"base": "a"}}
    with pytest.raises(CaseError, match="its own base"):
        cases.render_variant("juki", FIXTURES / "juki", "a", variants, {})


def test_spec_lint_rejects_a_check_digit_guard(tmp_path: Path) -> None:
    for folder in ("common", "juki"):  # the operation it breaks and what every spec shares: lint reads only these
        shutil.copytree(ROOT / "specs" / folder, tmp_path / "specs" / folder)
    spec_path = tmp_path / "specs" / "juki" / "spec.yaml"
    text = spec_path.read_text(encoding="utf-8")
    assert text.count("regexp_full_match(宛名番号, '[0-9]{2,15}')") == 2  # JUKI-S-0013's population, JUKI-S-0017's
    spec_path.write_text(text.replace("WHERE regexp_full_match(j.宛名番号, '[0-9]{2,15}') AND (h.宛名番号 IS NULL",
                                      "WHERE FMT_JP_M11(j.宛名番号) AND (h.宛名番号 IS NULL"), encoding="utf-8")
    problems = [str(problem) for problem in lint(tmp_path / "specs")]
    assert [p.split(": ", 1)[1] for p in problems] == [
        "JUKI-S-0017: fmt_jp_m11() tests a check digit that legacy numbers lack; guard the key with its shape "
        "(regexp_full_match(x, '[0-9]{2,15}'))"]
