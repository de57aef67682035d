"""A schema keyword the compiler does not translate falls back to row-wise validation, never to silence."""

from __future__ import annotations

import copy
import dataclasses
import json

import jsonschema
import pytest

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
