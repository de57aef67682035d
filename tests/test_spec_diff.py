"""`conformance spec diff`: every kind of change listed exactly, breaking ones marked, exit codes, JSON schema."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conformance.catalogue import diff_schema, diff_specs, load_folder, load_source
from conformance.catalogue.facts import pattern_width
from conformance.cli import main
from tests.conftest import ROOT

# Test data only: データ項目IDs under the code 999, which is no 基幹業務コード.
OLD_ANNOTATIONS = {
    "名_日本人": {"x-item-id": "99900010"},
    "宛名番号": {"x-item-id": "99900002", "x-data-type": "9"},
    "氏名_フリガナ": {"x-item-id": "99900012", "x-data-type": "N", "x-romaji": "shimei_furigana"},
}


def _edit_schema(folder: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
    path = folder / name
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def _edit_spec(folder: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "juki" / "spec.yaml"
    spec = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    edit(spec)
    path.write_text(yaml.dump(spec, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def _copy(base: Path) -> Path:
    shutil.copytree(ROOT / "specs" / "juki", base / "juki")
    shutil.copytree(ROOT / "specs" / "common", base / "common", ignore=shutil.ignore_patterns("characters"))
    return base


def _annotate(schema: dict[str, Any], annotations: dict[str, dict[str, Any]]) -> None:
    for item, values in annotations.items():
        schema["properties"][item].update(values)


def _minor(folder: Path) -> None:
    """Changes an export that passed the old spec passes too."""
    def jumin(schema: dict[str, Any]) -> None:
        props = schema["properties"]
        props["氏_日本人"]["maxLength"] = 60
        props["記載順位"]["pattern"] = "^[0-9]{1,4}$"
        props["宛名番号"]["x-data-type"] = "S9"
        props["氏名_フリガナ"]["x-romaji"] = "shimei_furigana_2"
    _edit_schema(folder / "juki", "schemas/jumin.schema.json", jumin)
    _edit_schema(folder / "common", "codes/jumin-shubetsu.schema.json",
                 lambda s: (s["enum"].append("3"), s["x-codes"].append({"code": "3", "label": "試験"})))

    def spec(raw: dict[str, Any]) -> None:
        raw["requirements"][[r["id"] for r in raw["requirements"]].index("JUKI-D-0002")]["title"] = "宛名番号が数字であること"
        raw["requirements"].append({"id": "JUKI-D-9001", "title": "試験の要件", "level": "標準オプション",
                                    "source": {"document": "test", "section": "test", "basis": "assumption"},
                                    "fix": "試験", "check": {"kind": "schema", "table": "住民"}})
    _edit_spec(folder, spec)


def _major(folder: Path) -> None:
    """The minor changes plus one of each breaking kind."""
    _minor(folder)

    def jumin(schema: dict[str, Any]) -> None:
        props = schema["properties"]
        props["氏名"]["maxLength"] = 80
        props["名_日本人_新"] = props.pop("名_日本人")
        del props["氏名_外国人ローマ字"]
        props["備考"] = {"title": "備考", "x-requirement": "JUKI-D-0008", "type": "string", "maxLength": 200}
        props["在留カード等番号"]["pattern"] = "^[A-Z0-9]{12}$"
        props["氏名_フリガナ"]["x-data-type"] = "X"
        schema["required"].append("続柄コード2")
    _edit_schema(folder / "juki", "schemas/jumin.schema.json", jumin)
    _edit_schema(folder / "common", "codes/gengo.schema.json", lambda s: s["enum"].remove("5"))

    def spec(raw: dict[str, Any]) -> None:
        requirements = raw["requirements"]
        requirements[[r["id"] for r in requirements].index("JUKI-D-0050")]["level"] = "必須"
        del requirements[[r["id"] for r in requirements].index("JUKI-R-0025")]
        requirements.append({"id": "JUKI-R-9999", "title": "試験の規則", "level": "必須",
                             "source": {"document": "test", "section": "test", "basis": "assumption"}, "fix": "試験",
                             "check": {"kind": "row", "table": "住民", "items": ["氏名"], "sql": "氏名 = ''"}})
    _edit_spec(folder, spec)


def _structure(folder: Path) -> None:
    """Files, tables, keys, code tables and types."""
    def ido(schema: dict[str, Any]) -> None:
        props = schema["properties"]
        del props["個人履歴番号"]["x-sql-type"]
        props["異動事由"]["enum"] = ["01", "02"]
        props["住民状態"] = {"title": "住民状態", "x-requirement": "JUKI-D-0005", "type": "string"}
        schema["required"].remove("住所_町字コード")
        props["最新フラグ"]["format"] = "jp-m11"
    _edit_schema(folder / "juki", "schemas/ido-rireki.schema.json", ido)

    def spec(raw: dict[str, Any]) -> None:
        raw["files"]["bom"] = "forbidden"
        tables = raw["tables"]
        setai = tables.pop([t["name"] for t in tables].index("世帯"))
        tables.append({**setai, "name": "世帯旧"})
        tables[[t["name"] for t in tables].index("異動履歴")]["primary_key"] = ["宛名番号", "個人履歴番号", "異動年月日"]
    _edit_spec(folder, spec)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("spec-diff")
    found = {}
    for name, change in (("old", None), ("minor", _minor), ("major", _major), ("structure", _structure)):
        folder = _copy(base / name)
        _edit_schema(folder / "juki", "schemas/jumin.schema.json", lambda s: _annotate(s, OLD_ANNOTATIONS))
        if change is not None:
            change(folder)
        found[name] = folder / "juki"
    return found


def _rows(old: Path, new: Path) -> list[tuple[Any, ...]]:
    result = diff_specs(load_folder(old), load_folder(new))
    return [(c.kind, c.table, c.item, c.requirement, c.breaking) for c in result.changes]


MINOR = [
    ("item-retyped", "住民", "宛名番号", "JUKI-D-0002", False),
    ("code-values-added", "住民", "住民種別", "JUKI-D-0004", False),
    ("item-widened", "住民", "氏_日本人", "JUKI-D-0009", False),
    ("item-annotation-changed", "住民", "氏名_フリガナ", "JUKI-D-0012", False),
    ("item-widened", "住民", "記載順位", "JUKI-D-0043", False),
    ("requirement-changed", None, None, "JUKI-D-0002", False),
    ("requirement-added", "住民", None, "JUKI-D-9001", False),
]


def test_a_spec_against_itself_is_empty_and_exit_0() -> None:
    out = io.StringIO()
    assert main(["spec", "diff", "juki", str(ROOT / "specs" / "juki")], out, io.StringIO()) == 0
    assert out.getvalue().splitlines()[-1] == "変更なし / no changes"
    assert diff_specs(load_source("senkyo"), load_source("senkyo")).changes == ()


def test_changes_that_break_nothing(folders: dict[str, Path]) -> None:
    assert _rows(folders["old"], folders["minor"]) == MINOR


def test_every_breaking_kind_is_listed_exactly(folders: dict[str, Path]) -> None:
    rows = _rows(folders["old"], folders["major"])
    expected_items = [
        ("item-removed", "住民", "氏名_外国人ローマ字", "JUKI-D-0011", True),
        ("item-renamed", "住民", "名_日本人_新", "JUKI-D-0010", True),
        ("item-added", "住民", "備考", "JUKI-D-0008", True),
        ("item-retyped", "住民", "宛名番号", "JUKI-D-0002", False),
        ("code-values-added", "住民", "住民種別", "JUKI-D-0004", False),
        ("item-narrowed", "住民", "氏名", "JUKI-D-0008", True),
        ("item-widened", "住民", "氏_日本人", "JUKI-D-0009", False),
        ("item-retyped", "住民", "氏名_フリガナ", "JUKI-D-0012", True),
        ("item-annotation-changed", "住民", "氏名_フリガナ", "JUKI-D-0012", False),
        ("code-values-removed", "住民", "生年月日_元号", "JUKI-D-0018", True),
        ("item-newly-required", "住民", "続柄コード2", "JUKI-D-0023", True),
        ("item-widened", "住民", "記載順位", "JUKI-D-0043", False),
        ("item-pattern-changed", "住民", "在留カード等番号", "JUKI-D-0074", True),
        ("requirement-removed", "住民", None, "JUKI-R-0025", False),
        ("requirement-changed", None, None, "JUKI-D-0002", False),
        ("requirement-changed", "住民", None, "JUKI-D-0050", True),
        ("requirement-added", "住民", None, "JUKI-D-9001", False),
        ("requirement-added", "住民", None, "JUKI-R-9999", True),
    ]
    assert rows == expected_items


def test_files_tables_keys_code_tables_and_types(folders: dict[str, Path]) -> None:
    assert _rows(folders["old"], folders["structure"]) == [
        ("bom-policy-changed", None, None, None, True),
        ("table-removed", "世帯", None, None, False),
        ("primary-key-changed", "異動履歴", None, None, True),
        ("item-retyped", "異動履歴", "個人履歴番号", "JUKI-D-0092", False),
        ("code-list-imposed", "異動履歴", "異動事由", "JUKI-D-0042", True),
        ("code-list-lifted", "異動履歴", "住民状態", "JUKI-D-0005", False),
        ("item-no-longer-required", "異動履歴", "住所_町字コード", "JUKI-D-0029", False),
        ("item-retyped", "異動履歴", "最新フラグ", "JUKI-D-0093", True),
        ("table-added", "世帯旧", None, None, True),
    ]


def test_every_kind_of_the_schema_is_exercised(folders: dict[str, Path]) -> None:
    seen = {row[0] for name in ("minor", "major", "structure") for row in _rows(folders["old"], folders[name])}
    assert seen == set(diff_schema()["$defs"]["kind"]["enum"])


def test_a_cyclic_or_broken_ref_is_a_clear_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_schema(folder / "juki", "schemas/setai.schema.json",
                 lambda s: s["properties"]["世帯員数"].update({"$ref": "#/properties/世帯員数"}))
    err = io.StringIO()
    assert main(["spec", "diff", "juki", str(folder / "juki")], io.StringIO(), err) == 2
    assert "setai.schema.json: $ref の連鎖が 32 段を超えます（循環参照）" in err.getvalue()


def test_the_details_name_old_and_new(folders: dict[str, Path]) -> None:
    result = diff_specs(load_folder(folders["old"]), load_folder(folders["major"]))
    by_kind = {change.kind: change for change in result.changes}
    assert (by_kind["item-renamed"].old, by_kind["item-renamed"].new) == ("名_日本人", "名_日本人_新")
    assert by_kind["item-narrowed"].detail == "桁数が狭まりました: maxLength 100 → 80"
    assert by_kind["code-values-removed"].values == ("5",)
    assert by_kind["code-values-added"].values == ("3",)
    raised = result.of_kind("requirement-changed")[1]
    assert (raised.old, raised.new, raised.values) == ("標準オプション", "必須", ("level",))
    assert [(c.old, c.new) for c in result.of_kind("item-retyped")] == [("9", "S9"), ("N", "X")]


def test_cli_exit_codes_text_and_json(folders: dict[str, Path]) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["spec", "diff", str(folders["old"]), str(folders["major"])], out, err) == 1
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("18 change(s), 10 breaking")
    assert sum(line.startswith("! ") for line in lines) == 10
    out = io.StringIO()
    assert main(["spec", "diff", str(folders["old"]), str(folders["minor"]), "--format", "json"], out, err) == 0
    document = json.loads(out.getvalue())
    jsonschema.Draft202012Validator(diff_schema()).validate(document)
    assert (document["breaking"], document["summary"]["changes"], document["summary"]["breaking"]) == (False, 7, 0)
    assert document["summary"]["kinds"]["item-widened"] == 2
    assert err.getvalue() == ""


def test_a_workbook_goes_through_the_importer_hook(tmp_path: Path) -> None:
    workbook = tmp_path / "001_住民基本台帳_基本データリスト.xlsx"
    workbook.write_bytes(b"not a workbook")
    err = io.StringIO()
    assert main(["spec", "diff", "juki", str(workbook)], io.StringIO(), err) == 2
    assert str(workbook) in err.getvalue() and "Traceback" not in err.getvalue()


@pytest.mark.parametrize(("argument", "message"), [
    ("nope", "仕様のID・フォルダ・ワークブックのいずれでもありません"),
    ("missing.xlsx", "ファイルがありません"),
    ("juki@9.9.9", "version 9.9.9 requested"),
])
def test_a_bad_argument_is_a_usage_error(argument: str, message: str) -> None:
    err = io.StringIO()
    assert main(["spec", "diff", "juki", argument], io.StringIO(), err) == 2
    assert message in err.getvalue() and "Traceback" not in err.getvalue()


def test_a_folder_without_spec_yaml_is_a_usage_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["spec", "diff", "juki", str(tmp_path)], io.StringIO(), err) == 2
    assert "spec.yaml がありません" in err.getvalue()


@pytest.mark.parametrize(("pattern", "width"), [
    ("^[0-9]{6}$", (6, 6)), ("^[0-9]{2,15}$", (2, 15)), ("^[ァ-ヺー・\u3000]+$", (1, None)),
    ("^(0[1-9]|1[0-2])$", (2, 2)), ("^[0-9]{1,2}([.][0-9]{1,3})?$", (1, 6)), ("[0-9]{3}", (3, None)),
    ("^(?=a)$", None),
])
def test_pattern_width(pattern: str, width: tuple[int, int | None] | None) -> None:
    assert pattern_width(pattern) == width
