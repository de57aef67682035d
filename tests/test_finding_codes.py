"""The catalogue of finding codes (conformance/results/codes.py) and the registry of checks
(conformance/checks/keywords.py, formats.py): every code a finding can carry is declared once, the
document listing them is generated from the catalogue, and an entry without its code or message
cannot be registered. Codes produced at run time are checked where the fixtures already run
(test_fixtures, test_hostile, test_municipality, test_api): no run of its own here."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import formats, keywords
from conformance.checks.registry import KeywordCheck, RegistrationError, ValueFormat
from conformance.results import codes
from tests.conftest import ROOT

PACKAGE = ROOT / "conformance"
# Callables whose second argument is a finding code: Finding(requirement, code, ...),
# ReadIssue(aspect, code, ...), and the API cases' self._finding(requirement, code, ...).
_CODE_TAKERS = {"Finding": 1, "ReadIssue": 1, "_finding": 1}


def test_the_document_is_generated_from_the_catalogue() -> None:
    document = (ROOT / "docs" / "FINDING-CODES.md").read_text(encoding="utf-8")
    assert document == codes.markdown(), "run: python -m conformance.results.codes > docs/FINDING-CODES.md"


def test_the_readme_links_the_document() -> None:
    assert "docs/FINDING-CODES.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def _code_arguments(tree: ast.AST) -> list[ast.expr]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name not in _CODE_TAKERS:
            continue
        if name == "_finding" and not (isinstance(node.func, ast.Attribute) and len(node.args) > 1):
            continue  # checks/schema.py's _finding takes a keyword, not a code
        position = _CODE_TAKERS[name]
        code = next((k.value for k in node.keywords if k.arg == "code"), node.args[position] if len(node.args) > position else None)
        if code is not None:
            found.append(code)
    return found


def _literals(expression: ast.expr) -> list[str]:
    """The string literals a code argument can evaluate to (both arms of a conditional)."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _literals(expression.body) + _literals(expression.orelse)
    return []


def test_no_module_creates_a_finding_with_an_undeclared_code() -> None:
    scanned = 0
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for argument in _code_arguments(tree):
            scanned += 1
            for literal in _literals(argument):
                if literal not in codes.CATALOGUE:
                    problems.append(f"{path.relative_to(ROOT)}:{argument.lineno}: {literal!r}")
        for node in ast.walk(tree):
            # codes.NAME must name a declared constant (a typo would otherwise surface only when hit).
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "codes":
                value = getattr(codes, node.attr, None)
                if node.attr.isupper() and value not in codes.CATALOGUE:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: codes.{node.attr}")
    assert scanned > 50  # the scan sees the call sites (readers, runner, checks, api)
    assert problems == []


def test_finding_code_refuses_an_undeclared_code() -> None:
    assert codes.finding_code("row-rule") == codes.ROW_RULE
    with pytest.raises(codes.UnknownFindingCode):
        codes.finding_code("unknown-column")  # unified with API mode's unknown-item


def test_a_code_is_declared_once_with_both_meanings() -> None:
    with pytest.raises(ValueError, match="twice"):
        codes.declare("not-utf8", "file", "重複", "duplicate")
    with pytest.raises(ValueError, match="Japanese and English"):
        codes.declare("brand-new-code", "file", "", "no Japanese")
    with pytest.raises(ValueError, match="lower-case"):
        codes.declare("Brand_New", "file", "意味", "meaning")
    assert "brand-new-code" not in codes.CATALOGUE


def test_every_catalogued_schema_code_belongs_to_a_registered_check() -> None:
    produced = {entry.code for entry in keywords.KEYWORDS.values() if entry.code is not None}
    produced |= {entry.code for entry in formats.VALUE_FORMATS.values()}
    schema_codes = {c.code for c in codes.CATALOGUE.values() if c.group == "schema"}
    assert schema_codes - produced == {codes.SCHEMA_KEYWORD}  # the fallback of describe() alone
    assert produced - schema_codes == {codes.UNKNOWN_ITEM}  # additionalProperties: the header's code


def test_a_format_without_a_code_or_message_cannot_be_registered() -> None:
    before = dict(formats.VALUE_FORMATS)
    incomplete: list[dict[str, Any]] = [
        {"code": "", "message": "「{item}」が違います。"},
        {"code": "no-such-code", "message": "「{item}」が違います。"},
        {"code": codes.CHECK_DIGIT, "message": ""},
        {"code": codes.CHECK_DIGIT, "message": "項目を名指ししない"},
    ]
    for arguments in incomplete:
        with pytest.raises(RegistrationError):
            formats.value_format("jp-test", **arguments)(lambda value: True)
    with pytest.raises(TypeError):
        formats.value_format("jp-test")(lambda value: True)  # type: ignore[call-arg]
    with pytest.raises(RegistrationError, match="twice"):
        formats.value_format("date", code=codes.INVALID_DATE, message="「{item}」")(lambda value: True)
    with pytest.raises(RegistrationError):
        ValueFormat("jp-test", lambda value: True, codes.CHECK_DIGIT, "「{item}」", joinable=True)
    assert before == formats.VALUE_FORMATS


def test_a_keyword_without_a_code_or_message_cannot_be_registered() -> None:
    before = dict(keywords.KEYWORDS)
    with pytest.raises(RegistrationError):
        keywords.keyword("multipleOfTen", code="multiple-of-ten")(lambda name, value, raw: "")
    with pytest.raises(RegistrationError):
        KeywordCheck("multipleOfTen", codes.MULTIPLE_OF, None)
    with pytest.raises(RegistrationError, match="twice"):
        keywords.keyword("pattern", code=codes.PATTERN_MISMATCH)(lambda name, value, raw: "")
    assert before == keywords.KEYWORDS


def test_a_keyword_with_an_sql_predicate_and_no_python_twin_cannot_be_registered() -> None:
    before = dict(keywords.KEYWORDS)
    with pytest.raises(RegistrationError, match="Python twin"):
        keywords.keyword("multipleOfTen", code=codes.MULTIPLE_OF, sql=lambda column, value, large: f"{column} <> ''")(
            lambda name, value, raw: "")
    assert before == keywords.KEYWORDS
    assert all(entry.python is not None for entry in keywords.KEYWORDS.values() if entry.predicate is not None)


def test_every_keyword_jsonschema_can_report_has_an_entry() -> None:
    # The keywords of Draft 2020-12 that fail on their own (the others only descend into subschemas).
    from jsonschema import Draft202012Validator

    descending = {"$ref", "$dynamicRef", "allOf", "properties", "patternProperties", "prefixItems",
                  "propertyNames", "dependentSchemas", "if"}
    reported = set(Draft202012Validator.VALIDATORS) - descending | {"minContains", "maxContains", "false"}
    assert reported - set(keywords.KEYWORDS) == set()


def test_adding_a_format_is_one_entry(tmp_path: Path) -> None:
    # One decorated function: the compiler, the messages and the format checker all see it.
    from conformance.checks.messages import describe
    from conformance.checks.validators import _format_checker

    try:
        formats.value_format("jp-test-even", code=codes.CHECK_DIGIT, message="「{item}」が偶数ではありません。",
                             sql="(TRY_CAST(v AS BIGINT) % 2 = 0)")(lambda value: value.isdigit() and int(value) % 2 == 0)
        assert describe("番号", "format", "jp-test-even", "3") == (codes.CHECK_DIGIT, "「番号」が偶数ではありません。")
        assert keywords.KEYWORDS["format"].compiles("jp-test-even")
        assert "fmt_jp_test_even" in keywords.KEYWORDS["format"].predicate('"番号"', "jp-test-even", False)  # type: ignore[misc]
        assert not _format_checker().conforms("3", "jp-test-even")
        assert "jp-test-even" in formats.sql_macros()
    finally:
        del formats.VALUE_FORMATS["jp-test-even"]


def test_a_false_subschema_row_wise_has_a_declared_code() -> None:
    # jsonschema leaves `validator` None for a `false` subschema; main named the finding "none".
    from referencing import Registry

    from conformance.checks.messages import describe
    from conformance.checks.validators import classify, reference_validator

    schema = {"$id": "urn:test", "type": "object", "x-requirement": "T-1", "properties": {"項目": False}}
    [error] = reference_validator(schema, Registry()).iter_errors({"項目": "x"})
    [violation] = classify(error, schema)
    assert violation.keyword == "false"
    assert describe("項目", violation.keyword, violation.value, "x") == (codes.FALSE_SCHEMA, "「項目」が false の条件を満たしません。")
