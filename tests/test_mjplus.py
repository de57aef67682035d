"""行政事務標準文字 (MJ+): the derived MJ data, the Python check and its RE2 twin (conformance/checks/mjplus.py)."""

from __future__ import annotations

import re
from itertools import pairwise

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks import mjplus

IVS_KATSU = "\u845b\U000e0103"  # 葛 + VS20: MJ022336, the 常用漢字 glyph (mj-sequences.txt: 845B E0103)
AJ1_KATSU = "\u845b\U000e0100"  # 葛 + VS17: an IVS of the Adobe-Japan1 collection, not of Moji_Joho
SVS_RAN = "\u6b04\ufe00"  # 欄 + VS1: the standardized variant for U+F91D (実装したSVS of MJ030183)


@pytest.mark.parametrize(
    "text",
    ["髙", "髙橋", "𠮷田", "\u9ad9\u6a4b", IVS_KATSU, IVS_KATSU + "飾", "\uf91d", SVS_RAN, "々", "〆", "〻", ""],
)
def test_mj_text_passes(text: str) -> None:
    assert mjplus.is_mjplus_text(text)
    assert mjplus.characters_outside_mjplus(text) == []


@pytest.mark.parametrize("code", [0x100000, 0x10DE92, 0x10FFFD])
def test_plane_16_passes(code: int) -> None:
    # The designated additions (GJ) live in plane 16; the suite accepts all of it (their list is in no package).
    assert mjplus.is_mjplus_text("田" + chr(code) + "中")


@pytest.mark.parametrize(
    ("text", "outside"),
    [
        ("田\ue000中", ["\ue000"]),  # a plane-0 PUA 外字
        ("\U000f0000", ["\U000f0000"]),  # plane 15 is private use too, but not the designated additions' plane
        ("\U0010fffe", ["\U0010fffe"]),  # a noncharacter, outside U+100000–U+10FFFD
        ("ｱｲｳ", ["ｱ", "ｲ", "ｳ"]),  # half-width katakana
        ("アいA1\u3000", ["ア", "い", "A", "1", "\u3000"]),  # MJ holds kanji only: no kana, Latin, digit or space
        ("\U000e0100", ["\U000e0100"]),  # a lone selector
        ("\ufe00田", ["\ufe00"]),
        (IVS_KATSU + "\U000e0103", ["\U000e0103"]),  # a selector after a sequence pairs with nothing
        (AJ1_KATSU, [AJ1_KATSU]),  # 葛 is MJ, but 葛 + VS17 is not an MJ sequence: the pair is named
        ("髙\ufe0f", ["髙\ufe0f"]),  # an unregistered selector after an MJ base
        ("a\U000e0101b", ["a\U000e0101", "b"]),  # a non-MJ base takes its selector with it
        ("\U00100000\U000e0100", ["\U00100000\U000e0100"]),  # no sequence is registered in plane 16
    ],
)
def test_units_outside_mjplus_are_named_in_order(text: str, outside: list[str]) -> None:
    assert mjplus.characters_outside_mjplus(text) == outside
    assert not mjplus.is_mjplus_text(text)


def test_the_sequences_of_the_examples_are_in_the_data() -> None:
    sequences = mjplus.mj_sequences()
    assert IVS_KATSU in sequences and SVS_RAN in sequences and AJ1_KATSU not in sequences
    assert sorted(s for s in sequences if s[0] == "葛") == ["葛" + chr(code) for code in range(0xE0102, 0xE0109)]


def test_mj_holds_no_kana_and_only_three_ideographic_marks_outside_the_ideograph_blocks() -> None:
    # What the data says (MJ文字情報一覧表 Ver.006.02): below U+3400 only 々 〆 〻; no half- or full-width forms.
    codes = {code for first, last in mjplus.mj_code_point_ranges() for code in range(first, last + 1)}
    assert sorted(code for code in codes if code < 0x3400) == [0x3005, 0x3006, 0x303B]
    assert not any(0xFF00 <= code <= 0xFFEF for code in codes)


def _readme_counts() -> dict[str, int]:
    text = (mjplus.characters_folder() / "README.md").read_text(encoding="utf-8")
    return {name: int(value) for name, value in re.findall(r"^\| ([^|]+?) \| ([0-9]+) \|$", text, flags=re.MULTILINE)}


def test_the_data_files_hold_the_counts_their_readme_documents() -> None:
    ranges = mjplus.mj_code_point_ranges()
    sequences = mjplus.mj_sequences()
    selectors = [ord(s[1]) for s in sequences]
    assert _readme_counts() == {
        "MJ characters": 58862,  # rows of MJ文字情報一覧表; only the README records it
        "MJ characters with no encoding of their own": 19,
        "code points": sum(last - first + 1 for first, last in ranges),
        "code point ranges": len(ranges),
        "sequences": len(sequences),
        "Moji_Joho IVS sequences": sum(code >= 0xE0100 for code in selectors),
        "SVS sequences": sum(code <= 0xFE0F for code in selectors),
        "sequence bases": len({s[0] for s in sequences}),
    }
    assert (_readme_counts()["code points"], len(sequences)) == (52607, 11473)


def test_the_ranges_are_ascending_disjoint_and_hold_no_selector() -> None:
    ranges = mjplus.mj_code_point_ranges()
    assert all(first <= last for first, last in ranges)
    assert all(last + 1 < following for (_, last), (following, _) in pairwise(ranges))  # merged: no two touch
    assert all(not (a <= last and first <= b) for first, last in ranges for a, b in mjplus.SELECTORS)
    singles = {chr(code) for first, last in ranges for code in range(first, last + 1)}
    assert all(s[0] in singles and len(s) == 2 for s in mjplus.mj_sequences())


# The RE2 twin, run where the compiled checks run it: DuckDB's regexp_full_match.
_SQL = duckdb.connect()
_PATTERN = mjplus.mjplus_pattern()


def _sql_answers(values: list[str]) -> list[bool]:
    query = f"SELECT regexp_full_match(v, '{_PATTERN}') FROM (SELECT unnest(?::VARCHAR[]) AS v)"
    return [row[0] for row in _SQL.execute(query, [values]).fetchall()]


def test_the_pattern_is_a_plain_sql_literal() -> None:
    assert "'" not in _PATTERN and "\\x{E0103}" in _PATTERN


def test_the_pattern_agrees_on_the_named_cases() -> None:
    values = ["髙橋", "𠮷田", IVS_KATSU, SVS_RAN, "\U0010de92", "", "田\ue000中", "ｱ", "\U000e0100", AJ1_KATSU,
              "髙\ufe0f", IVS_KATSU + "\U000e0103", "\U00100000\U000e0100", "a\U000e0101", "改行\n"]
    assert _sql_answers(values) == [mjplus.is_mjplus_text(value) for value in values]


_SINGLES = sorted({chr(code) for first, last in mjplus.mj_code_point_ranges() for code in range(first, last + 1)})
_SEQUENCES = sorted(mjplus.mj_sequences())
_SELECTORS = [chr(code) for code in (0xFE00, 0xFE01, 0xFE0F, 0xE0100, 0xE0101, 0xE0102, 0xE0103, 0xE0105, 0xE01EF)]
_PRIVATE = ["\ue000", "\uf8ff", "\U000f0000", "\U00100000", "\U0010de92", "\U0010fffd", "\U0010fffe", "\U0010ffff"]
_UNITS = st.one_of(
    st.sampled_from(_SINGLES),
    st.sampled_from(_SEQUENCES),
    st.sampled_from(_SEQUENCES).map(lambda s: s[0]),  # a base, which a drawn selector may follow
    st.tuples(st.sampled_from(_SEQUENCES).map(lambda s: s[0]), st.sampled_from(_SELECTORS)).map("".join),
    st.sampled_from(_SELECTORS),
    st.sampled_from(_PRIVATE),
    st.characters(blacklist_categories=("Cs",)),
)
_TEXTS = st.lists(_UNITS, max_size=8).map("".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=50))
def test_the_pattern_agrees_with_the_python_check(values: list[str]) -> None:
    assert _sql_answers(values) == [mjplus.is_mjplus_text(value) for value in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, min_size=1, max_size=5))
def test_items_joined_by_the_separator_pass_exactly_when_each_passes(values: list[str]) -> None:
    joined = mjplus.JOIN_SEPARATOR.join(values)
    assert mjplus.is_mjplus_text(joined) == all(mjplus.is_mjplus_text(value) for value in values)
