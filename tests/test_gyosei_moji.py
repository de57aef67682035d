"""行政事務標準文字 as the default character rule (format jp-gyosei-moji) and the declared JIS X 0213
profile with its MJ縮退マップ candidates (issue 17 §1)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import duckdb
import jsonschema
import pytest

from conformance import spec as spec_store
from conformance.checks import formats, mjplus
from conformance.checks.compile import compile_constraints, violation_query
from conformance.pipeline import DeclarationError, RunOptions, load_declaration, run
from conformance.report import console
from conformance.report.labels import CHARACTER_PROFILE_LABELS
from conformance.results import RunResult
from tests.conftest import FIXTURES, ROOT

IVS_KATSU = "\u845b\U000e0103"  # 葛 + VS20, a Moji_Joho IVS (mj-sequences.txt: 845B E0103)


@pytest.mark.parametrize(
    "text",
    ["髙橋　恵子", "𠮷田", IVS_KATSU + "子", "タカハシ　ケイコ", "たかはし", "ABC abc 012", "１番２号", "コーポ港２０２",
     "か\u309a", "NGUYEN VAN AN", "〒・ー〇", "\U00100000", ""],
)
def test_gyosei_moji_members(text: str) -> None:
    assert formats.is_gyosei_moji_text(text)


@pytest.mark.parametrize(
    ("text", "outside"),
    [("\ue000橋", ["\ue000"]), ("ｱｲ", ["ｱ", "ｲ"]), ("葛\U000e0100", ["葛\U000e0100"]), ("\U000e0103", ["\U000e0103"]),
     ("a\tb", ["\t"]), ("\u309a", ["\u309a"]), ("\U000f0000", ["\U000f0000"])],
)
def test_characters_outside_gyosei_moji_are_named(text: str, outside: list[str]) -> None:
    assert formats.characters_outside_gyosei_moji(text) == outside


def test_non_kanji_of_jisx0213_are_in_and_its_kanji_come_from_mj_only() -> None:
    singles, _ = formats.gyosei_moji_repertoire()
    jis_singles, _ = formats.jisx0213_repertoire()
    assert {"あ", "ア", "Ａ", "１", "　", ",", "〒"} <= singles
    # Every kanji accepted is an MJ code point: the JIS X 0213 part adds no kanji.
    assert all(char in mjplus.mj_singles() for char in jis_singles & singles if formats._is_kanji(char))
    assert "\u9ad9" in singles and "\u9ad9" not in jis_singles


def test_gyosei_moji_pattern_equals_the_python_check() -> None:
    singles, pairs = formats.gyosei_moji_repertoire()
    ordered = sorted(singles)
    rng = random.Random(17)
    sequences = sorted(mjplus.mj_sequences())
    pool = (ordered[:40] + ordered[-40:] + rng.sample(ordered, 300) + [p[0] for p in pairs] + rng.sample(sequences, 60)
            + ["\u309a", "\uff76", "\ue000", "\t", "\x7f", "\U00020bb7", "\U000e0100", "\U000e0103", "\ufe00",
               "\U00100000", "\U0010fffd", "\U0010fffe", "\U000f0000", ","])
    values = ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 7))) for _ in range(5000)]
    values += [*sorted(pairs), *sequences[:200], "\u309a", "か\u309a\u309a", "\u309aか", "葛\U000e0103\U000e0103"]
    rows = duckdb.connect().execute(
        f"SELECT v, regexp_full_match(v, '{formats.gyosei_moji_pattern()}') FROM unnest(?) AS t(v)", [values]
    ).fetchall()
    assert [(v, got) for v, got in rows if got != formats.is_gyosei_moji_text(v)] == []
    assert {got for _, got in rows} == {True, False}


def test_every_character_rule_of_the_specs_uses_the_new_format() -> None:
    defs = json.loads((ROOT / "specs" / "common" / "defs.schema.json").read_text(encoding="utf-8"))["$defs"]
    assert defs["gyosei-moji-text"]["format"] == "jp-gyosei-moji"
    assert not [name for name, schema in defs.items() if schema.get("format") == "jp-jisx0213"]


# -- the fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def valid() -> RunResult:
    return run(FIXTURES / "juki" / "valid", ["juki"])


@pytest.fixture(scope="module")
def declared_jisx0213(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    path = tmp_path_factory.mktemp("declaration") / "declaration.yaml"
    path.write_text('system: {name: 架空住記, version: "1.0"}\ncharacter_profile: jisx0213\n', encoding="utf-8")
    return run(FIXTURES / "juki" / "valid", ["juki"], RunOptions(declaration=load_declaration(path)))


def test_the_valid_export_holds_mj_characters_outside_jisx0213_and_passes(valid: RunResult) -> None:
    text = (FIXTURES / "juki" / "valid" / "住民.csv").read_text(encoding="utf-8")
    assert "髙橋" in text and "\U00020bb7田" in text and IVS_KATSU in text
    assert valid.requirement("JUKI-C-0001").verdict == "pass"
    assert valid.character_profile == "gyosei-moji"
    assert valid.to_dict()["character_profile"] == "gyosei-moji"
    assert "文字 characters: 行政事務標準文字（既定）" in console.render(valid)


def test_a_private_use_character_fails_with_its_code_point() -> None:
    result = run(FIXTURES / "juki" / "invalid" / "juki-c-0001", ["juki"])
    [finding] = result.requirement("JUKI-C-0001").findings
    assert finding.code == "character-outside-repertoire"
    assert finding.message == "「氏名」に行政事務標準文字の範囲外の文字があります: U+E000"


def test_under_the_jisx0213_profile_taka_fails_naming_its_candidate(declared_jisx0213: RunResult) -> None:
    requirement = declared_jisx0213.requirement("JUKI-C-0001")
    assert requirement.verdict == "fail"
    messages = {(f.location.record, f.location.item): f.message for f in requirement.findings if f.location.file == "住民.csv"}
    # 髙橋　葛+VS20子: 髙 names 高; JIS X 0213 has 葛 but no selector, so the selector is named on its own
    assert messages[42, "氏名"] == "「氏名」にJIS X 0213の範囲外の文字があります: U+9AD9（縮退候補: 高 U+9AD8） U+E0103（縮退候補: なし）"
    assert messages[42, "氏_日本人"] == "「氏_日本人」にJIS X 0213の範囲外の文字があります: U+9AD9（縮退候補: 高 U+9AD8）"
    assert messages[43, "氏_日本人"] == "「氏_日本人」にJIS X 0213の範囲外の文字があります: U+20BB7（縮退候補: 吉 U+5409）"
    assert {record for record, _ in messages} == {42, 43}
    assert {(f.location.file, f.location.record) for f in requirement.findings if f.location.file != "住民.csv"} == {
        ("世帯.csv", 13), ("世帯.csv", 14)}
    assert declared_jisx0213.character_profile == "jisx0213"
    data = declared_jisx0213.to_dict()
    assert data["character_profile"] == "jisx0213" and data["declaration"]["character_profile"] == "jisx0213"
    jsonschema.Draft202012Validator(
        json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    ).validate(data)
    assert RunResult.from_dict(data).character_profile == "jisx0213"
    assert "文字 characters: JIS X 0213（宣言による）" in console.render(declared_jisx0213)


def test_without_jntajis_the_finding_says_candidates_are_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jntajis", None)  # import jntajis now raises ImportError
    code, message = formats.VALUE_FORMATS["jp-jisx0213"].describe("氏名", "髙橋")
    assert (code, message) == (
        "character-outside-repertoire",
        "「氏名」にJIS X 0213の範囲外の文字があります: U+9AD9（縮退候補: 取得できません（jntajis-python がありません））",
    )


def test_a_character_without_candidates_says_so() -> None:
    assert formats.VALUE_FORMATS["jp-jisx0213"].describe("氏名", "\ue000")[1].endswith("U+E000（縮退候補: なし）")


def test_profiles_are_one_list(tmp_path: Path) -> None:
    schema = spec_store.meta_schema("declaration")
    assert schema["properties"]["character_profile"]["enum"] == list(formats.CHARACTER_PROFILES)
    report = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    assert report["properties"]["character_profile"]["enum"] == list(formats.CHARACTER_PROFILES)
    assert set(CHARACTER_PROFILE_LABELS) == set(formats.CHARACTER_PROFILES)
    assert RunResult.__dataclass_fields__["character_profile"].default == formats.DEFAULT_CHARACTER_PROFILE
    path = tmp_path / "declaration.yaml"
    path.write_text('system: {name: x, version: "1"}\ncharacter_profile: sjis\n', encoding="utf-8")
    with pytest.raises(DeclarationError, match="character_profile"):
        load_declaration(path)


def test_a_large_table_compiles_the_character_pattern_once() -> None:
    # One regex per record over the joined items picks the candidates; per item, the Python function
    # runs on those only (a regex per item would be compiled 38 times in 住民).
    table = spec_store.load("juki").table("住民")
    assert table is not None
    constraints = compile_constraints(table, spec_store.registry())
    query = violation_query(constraints, "source", large=True)
    assert query.count(formats.gyosei_moji_pattern()) == 1
    items = sum(1 for c in constraints if c.value == "jp-gyosei-moji")
    assert items == 38 and query.count("fmt_jp_gyosei_moji(") == items
