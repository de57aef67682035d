"""Check digits and the JIS X 0213 repertoire, on the vectors of ../shared/reference §6 and Appendix A."""

from __future__ import annotations

import pytest

from conformance.checks import formats


@pytest.mark.parametrize("code", ["011002", "131016", "012131", "012050", "130001", "271403", "141003"])
def test_lg_codes_with_their_check_digit_pass(code: str) -> None:
    assert formats.is_lg_code(code)


@pytest.mark.parametrize("code", ["011001", "012130", "012051", "13101", "１３１０１６", "13101a"])
def test_lg_codes_with_a_wrong_check_digit_or_shape_fail(code: str) -> None:
    assert not formats.is_lg_code(code)


@pytest.mark.parametrize("number", ["621498320257", "983205673214", "123456789018"])
def test_valid_my_numbers_pass(number: str) -> None:
    assert formats.is_my_number(number)


@pytest.mark.parametrize("number", ["507957100722", "123456789017", "12345678901", "１２３４５６７８９０１８"])
def test_invalid_my_numbers_fail(number: str) -> None:
    assert not formats.is_my_number(number)


def test_juminhyo_code_follows_the_reported_rule() -> None:
    assert formats.is_juminhyo_code("24727059608")
    assert formats.is_juminhyo_code("24846016224")
    assert not formats.is_juminhyo_code("25208017644")
    assert not formats.is_juminhyo_code("12345678901")


@pytest.mark.parametrize("number", ["7123456789012", "4011001098993", "2120901007402", "5835678256246", "7000012050002"])
def test_corporate_numbers_pass(number: str) -> None:
    assert formats.is_corporate_number(number)


def test_corporate_number_with_wrong_leading_check_digit_fails() -> None:
    assert not formats.is_corporate_number("8123456789012")


def test_m11_remainder_zero_and_one_give_zero() -> None:
    # 10: 1*2 = 2 -> 11-2 = 9; 60: 6*2 = 12 -> r=1 -> 0; 110: 1*3+1*2 = 5 -> 6.
    assert formats.is_m11_number("19")
    assert formats.is_m11_number("60")
    assert formats.is_m11_number("116")
    assert not formats.is_m11_number("61")
    # r = 0: 11*... "0" + check 0
    assert formats.is_m11_number("00")


def test_strict_date_rejects_non_calendar_and_full_width_dates() -> None:
    assert formats.is_strict_date("2024-02-29")
    assert not formats.is_strict_date("2023-02-29")
    assert not formats.is_strict_date("２０２４-０２-２９")
    assert not formats.is_strict_date("2024-2-29")
    assert not formats.is_strict_date("0000-01-01")


@pytest.mark.parametrize("text", ["高", "﨑", "邉", "㐂", "①", "俱", "剝", "𠮟", "噓", "か゚", "ABC abc 123", "―", "～", "〜"])
def test_jisx0213_members(text: str) -> None:
    assert formats.is_jisx0213_text(text)


@pytest.mark.parametrize(
    ("text", "outside"),
    [("髙橋", ["髙"]), ("𠮷田", ["𠮷"]), ("ｱｲｳ", ["ｱ", "ｲ", "ｳ"]), ("a\ue000b", ["\ue000"]), ("丄", ["丄"]),
     ("\u309a", ["\u309a"]), ("改行\n", ["\n"])],
)
def test_characters_outside_jisx0213_are_named(text: str, outside: list[str]) -> None:
    assert formats.characters_outside_jisx0213(text) == outside


def test_code_points_are_reported_in_u_plus_form() -> None:
    assert formats.code_points(["髙", "𠮷"]) == "U+9AD9 U+20BB7"


def test_repertoire_equals_what_the_codec_encodes() -> None:
    # The repertoire is built by decoding every position of the two planes; the slow definition it
    # stands for is "every character, and every base + U+309A, that iso2022_jp_2004 encodes".
    encodable: set[str] = {chr(code) for code in range(0x20, 0x7F)} | formats._ALTERNATIVE_MAPPINGS
    for code in list(range(0x80, 0xD800)) + list(range(0xE000, 0x30000)):
        try:
            chr(code).encode("iso2022_jp_2004")
        except UnicodeEncodeError:
            continue
        encodable.add(chr(code))
    sequences = set()
    for base in encodable:
        try:
            (base + "\u309a").encode("iso2022_jp_2004")
        except UnicodeEncodeError:
            continue
        sequences.add(base + "\u309a")
    assert formats.jisx0213_repertoire() == (frozenset(encodable), frozenset(sequences))
    assert len(encodable) == 11306 and len(sequences) == 14


def test_euc_jis_2004_extras_are_not_accepted() -> None:
    # euc_jis_2004 accepts JIS X 0212 kanji such as 丄丅丌丟; JIS X 0213 lacks them.
    assert not any(formats.is_jisx0213_text(char) for char in "丄丅丌丟")


# The SQL macros (compiled checks, rules) against the Python functions (jsonschema, jsonschema-rs).
import duckdb  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from conformance.checks.database import register_functions  # noqa: E402

_SQL = duckdb.connect()
register_functions(_SQL, __import__("datetime").date(2026, 1, 1))
_VALUES = st.one_of(
    st.text(alphabet="0123456789", min_size=0, max_size=16),
    st.text(alphabet="0123456789-", min_size=8, max_size=12),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.text(alphabet="0123456789０１ア髙高﨑𠮷か\u309aｱ \t\n\ue000abc葛\U000e0103\U000e0100\ufe00\U00100000", max_size=8),
    st.text(max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=60))
def test_sql_macros_agree_with_the_python_functions(values: list[str]) -> None:
    for name, fmt in formats.VALUE_FORMATS.items():
        rows = _SQL.execute(
            f"SELECT {fmt.function_name}(v) FROM (SELECT unnest(?::VARCHAR[]) AS v)", [values]
        ).fetchall()
        assert [row[0] for row in rows] == [fmt.check(value) for value in values], name


def test_sql_macros_pass_null_through() -> None:
    for fmt in formats.VALUE_FORMATS.values():
        assert _SQL.execute(f"SELECT {fmt.function_name}(NULL::VARCHAR)").fetchone() == (None,)


def test_m11_numbers_are_at_most_15_digits_in_both_implementations() -> None:
    for value in ("0000000000000000", "000000000000000"):
        [(sql,)] = _SQL.execute(f"SELECT {formats.VALUE_FORMATS['jp-m11'].function_name}(?)", [value]).fetchall()
        assert sql == formats.is_m11_number(value) == (len(value) == 15)


def test_period_formats_take_the_official_bounds_of_a_period_only_where_they_belong() -> None:
    # 基本データリスト 凡例「データ型」 DATE: in a period, unknown start 0000-01-01 and open end 9999-12-31.
    cases = {
        "date": {"0000-01-01": False, "9999-12-31": True, "2024-02-29": True, "2023-02-29": False},
        "date-period-start": {"0000-01-01": True, "9999-12-31": True, "2024-02-29": True, "0000-01-02": False, "2023-02-29": False},
        "date-period-end": {"0000-01-01": False, "9999-12-31": True, "2024-02-29": True, "2023-02-29": False},
    }
    for name, expected in cases.items():
        fmt = formats.VALUE_FORMATS[name]
        for value, valid in expected.items():
            [(sql,)] = _SQL.execute(f"SELECT {fmt.function_name}(?)", [value]).fetchall()
            assert (fmt.check(value), sql) == (valid, valid), (name, value)
    assert formats.VALUE_FORMATS["date-period-start"].open_bound == "0000-01-01"
    assert formats.VALUE_FORMATS["date-period-end"].open_bound == "9999-12-31"
    assert formats.VALUE_FORMATS["date"].open_bound is None
