"""`spec lint` rejects what the checks cannot do exactly: a pattern that does not translate from ECMA-262
to RE2 and Python, and a `required` name a closed object does not list (at run time: an `error`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.checks.schema_lint import keyword_problems
from conformance.lint import lint
from tests.conftest import ROOT


@pytest.fixture
def juki(tmp_path: Path) -> Path:
    """A copy of the juki spec (and the common schemas) in tmp_path: specs/juki, no fixtures."""
    for name in ("juki", "common"):
        shutil.copytree(ROOT / "specs" / name, tmp_path / "specs" / name)
    return tmp_path / "specs" / "juki"


def _schema_file(juki: Path) -> Path:
    return juki / "schemas" / "jumin.schema.json"  # 住民


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_copy_lints_clean(juki: Path) -> None:
    assert [str(p) for p in lint(juki)] == []


def test_an_untranslatable_pattern_and_an_unknown_required_item_are_rejected(juki: Path) -> None:
    path = _schema_file(juki)

    def change(schema: dict[str, Any]) -> None:
        schema["properties"]["異動事由"]["pattern"] = "^(?=[0-9])[0-9]{2}$"
        schema["properties"]["記載順位"]["pattern"] = r"^\p{Script=Han}+$"
        schema["required"].append("存在しない項目")

    _edit(path, change)
    assert [str(p) for p in lint(juki)] == [
        f"{path}: /required: '存在しない項目' is not among properties of this closed object",
        f"{path}: /properties/異動事由/pattern: pattern '^(?=[0-9])[0-9]{{2}}$': look-around has no RE2 equivalent (at 2): "
        "the checks cannot translate it exactly to RE2 and Python",
        f"{path}: /properties/記載順位/pattern: pattern '^\\\\p{{Script=Han}}+$': \\p{{Script=Han}}: only General_Category "
        "properties have an exact twin (Python has no script data): the checks cannot translate it exactly to RE2 and Python",
    ]


def test_patterns_that_translate_exactly_pass_but_the_house_style_holds(juki: Path) -> None:
    """`$` inside a pattern and `\\p{L}` now mean exactly what ECMA-262 says; `\\d` is still written [0-9]."""
    path = _schema_file(juki)

    def change(schema: dict[str, Any]) -> None:
        schema["properties"]["異動事由"]["pattern"] = "^([0-9]{2}$|[0-9]{3}$)"
        schema["properties"]["記載順位"]["pattern"] = r"^\p{L}+$"
        schema["properties"]["消除の事由"]["pattern"] = r"^\d{2}$"

    _edit(path, change)
    assert [str(p) for p in lint(juki)] == [
        f"{path}: /properties/消除の事由/pattern: pattern '^\\\\d{{2}}$': house style: write classes out ([0-9], [A-Za-z]), no \\d \\w \\s \\b",
    ]


def test_pattern_properties_are_linted_with_their_pointer() -> None:
    schema = {
        "type": "object", "additionalProperties": False, "required": ["ab", "x1", "zz"],
        "properties": {"ab": {}}, "patternProperties": {"^x[0-9]$": True, "(?<=a)b": True},
    }
    assert keyword_problems(schema) == [
        "/patternProperties/(?<=a)b: pattern '(?<=a)b': look-around has no RE2 equivalent (at 1): "
        "the checks cannot translate it exactly to RE2 and Python",
        "/required: 'zz' is not among properties of this closed object",
    ]
    # An open object may require what it does not list (JSON Schema allows it; the engine's roots are closed).
    assert keyword_problems({"type": "object", "required": ["zz"], "properties": {}}) == []


def test_a_compare_file_naming_an_unknown_item_is_rejected(juki: Path) -> None:
    """compare.yaml (the categories `conformance compare` counts) is linted with its spec (issue 22)."""
    path = juki / "compare.yaml"
    path.write_text("counts:\n  - title: 住民数\n    table: 住民\n    by: [無い項目]\n", encoding="utf-8")
    assert [str(p) for p in lint(juki)] == [f"{path}: 住民数: 表または項目がありません（住民 無い項目）"]
