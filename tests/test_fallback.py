"""A schema keyword the compiler does not translate falls back to row-wise validation, never to silence."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from referencing import Resource

from conformance import spec as spec_store
from conformance.checks.compile import UnsupportedSchema, compile_constraints
from conformance.pipeline import RunOptions, load_declaration, run
from tests.conftest import FIXTURES, ROOT


def _with_unsupported_keyword() -> spec_store.Spec:
    spec = spec_store.load("juki")
    table = spec.tables[0]
    schema = copy.deepcopy(table.schema)
    # dependentRequired is not compiled: 生年月日_不詳表記 requires the flag (true in every fixture).
    schema["dependentRequired"] = {"生年月日_不詳表記": ["生年月日_不詳フラグ"]}
    return dataclasses.replace(spec, tables=(dataclasses.replace(table, schema=schema), *spec.tables[1:]))


def test_unsupported_keyword_is_detected() -> None:
    with pytest.raises(UnsupportedSchema):
        compile_constraints(_with_unsupported_keyword().tables[0], spec_store.registry())


@pytest.mark.parametrize("case", ["valid", "invalid/juki-d-0002", "invalid/juki-c-0001", "invalid/juki-d-0019", "invalid/juki-d-0035"])
def test_row_wise_fallback_finds_what_the_compiled_checks_find(case: str) -> None:
    target = FIXTURES / "juki" / case
    # juki-d-0002's wrong check digit is judged under its declaration (check_digits: all)
    options = RunOptions(declaration=load_declaration(target / "declaration.yaml")) if (target / "declaration.yaml").is_file() else None
    compiled = run(target, ["juki"], options)
    fallback = run(target, [_with_unsupported_keyword()], options)
    assert compiled.failed_ids() == ([] if case == "valid" else [f"JUKI-{case[-6:].upper()}"])
    assert fallback.flatten("requirement", "record", "item", "code", "value") == compiled.flatten(
        "requirement", "record", "item", "code", "value"
    )
    assert fallback.failed_ids() == compiled.failed_ids()


def test_the_fallback_is_named_in_the_result() -> None:
    """A table sent to row-wise validation is visible in the result and its JSON, never silent."""
    target = FIXTURES / "juki" / "valid"
    assert run(target, ["juki"]).row_wise == ()
    fallback = run(target, [_with_unsupported_keyword()])
    table = _with_unsupported_keyword().tables[0].name
    assert fallback.row_wise == (f"{table}.csv",)
    data = fallback.to_dict()
    assert data["target"]["row_wise"] == [f"{table}.csv"]
    schema = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert "row_wise" not in run(target, ["juki"]).to_dict()["target"]
    assert type(fallback).from_dict(data).row_wise == fallback.row_wise
    from conformance.report import REPORT_FORMATS

    console = str(REPORT_FORMATS["console"].render(fallback))
    assert f"注: {table}.csv のスキーマは1件ずつ検証しました" in console
    assert "1件ずつ検証" not in str(REPORT_FORMATS["console"].render(run(target, ["juki"])))


def _with_schema(change: Callable[[dict[str, Any]], None]) -> spec_store.Spec:
    spec = spec_store.load("juki")
    table = spec.tables[0]
    schema = copy.deepcopy(table.schema)
    change(schema)
    return dataclasses.replace(spec, tables=(dataclasses.replace(table, schema=schema), *spec.tables[1:]))


def _errors(result: Any) -> dict[str, str | None]:
    return {r.id: r.reason for r in result.requirements if r.verdict == "error"}


@pytest.mark.parametrize(("change", "reason"), [
    (lambda s: s["required"].append("存在しない項目"), "required の項目「存在しない項目」が properties にありません"),
    (lambda s: s["properties"]["異動事由"].update(pattern="^(?=[0-9])"),
     "pattern ^(?=[0-9]) は ECMA-262 から RE2 と Python に正確に変換できません（look-around has no RE2 equivalent (at 2)）"),
])
def test_a_schema_that_cannot_be_checked_is_an_error_not_a_crash(change: Callable[[dict[str, Any]], None], reason: str) -> None:
    """What lint rejects (an unknown required item, an untranslatable pattern) still gives verdicts at run
    time: every requirement of the table's schema an `error` with the reason, never a wrong answer."""
    spec = _with_schema(change)
    result = run(FIXTURES / "juki" / "valid", [spec])
    named = set(spec.tables[0].requirement_items())
    # JUKI-D-0050 is a standard option the run does not declare: not applicable, whatever its check does.
    assert result.requirement("JUKI-D-0050").verdict == "not-applicable"
    assert _errors(result) == dict.fromkeys(named - {"JUKI-D-0050"}, f"スキーマ検査を実行できません: {reason}")
    assert len(named) == 91


def test_a_ref_to_applicators_is_followed_row_wise(monkeypatch: pytest.MonkeyPatch) -> None:
    """jsonschema leaves `$ref` out of an error's schema path: a target holding allOf and if/then no
    longer crashes the row-wise fallback, and its findings go to the requirement the compiler would name."""
    uri = "https://jichitai-conformance.invalid/test/extra.schema.json"
    target = {"allOf": [{"pattern": "^[0-9]+$"}], "if": {"minLength": 1}, "then": {"maxLength": 2, "x-requirement": "JUKI-D-0002"}}
    extra = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": uri, "$defs": {"x": target}}
    registry = spec_store.registry().with_resource(uri, Resource.from_contents(extra))
    monkeypatch.setattr(spec_store, "registry", lambda root=None: registry)

    def change(schema: dict[str, Any]) -> None:
        schema["properties"]["世帯番号"] = {"title": "世帯番号", "x-requirement": "JUKI-D-0003", "x-personal": "mask", "$ref": f"{uri}#/$defs/x"}

    result = run(FIXTURES / "juki" / "valid", [_with_schema(change)])
    assert result.row_wise == (f"{spec_store.load('juki').tables[0].name}.csv",)
    assert _errors(result) == {}
    found = result.flatten("requirement", "item", "code")
    assert set(found) == {("JUKI-D-0002", "世帯番号", "too-long")}
    assert result.requirement("JUKI-D-0002").findings_total == 43  # every record with a 世帯番号 (10 digits)
