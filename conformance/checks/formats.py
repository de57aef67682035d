"""Value formats the specs name with the JSON Schema `format` keyword: the registry `VALUE_FORMATS`.

Each format is one entry, registered with `@value_format` on its pure function ``str -> bool`` (which
serves the `jsonschema` and `jsonschema-rs` format checkers): the entry also carries a SQL macro of the
same meaning for the compiled checks and the rules (run inside DuckDB, not called back per value), its
finding code and its message. Tests hold the Python and SQL twins to the same answers, value by value.
Sources of the algorithms: ../shared/reference/jp-standardization.md §5 and §6.
"""

from __future__ import annotations

import datetime
import functools
import operator
import re
import unicodedata
from collections.abc import Callable
from functools import cache

from conformance.checks import mjplus
from conformance.checks.registry import ValueFormat, register
from conformance.results import codes
from conformance.results.check_digits import has_mod11_check_digit

VALUE_FORMATS: dict[str, ValueFormat] = {}
"""Every format a spec may use, in registration order; `conformance spec lint` rejects any other name."""


def value_format(
    name: str, *, code: str, message: str, sql: str | None = None,
    large_table_sql: Callable[[str], str] | None = None, joinable: bool = False,
    outside: Callable[[str], str] | None = None, open_bound: str | None = None, precedence: int = 60,
) -> Callable[[Callable[[str], bool]], Callable[[str], bool]]:
    """Register the decorated function as the Python twin of format `name` (see ValueFormat)."""

    def decorate(check: Callable[[str], bool]) -> Callable[[str], bool]:
        register(VALUE_FORMATS, name, ValueFormat(name, check, code, message, sql, large_table_sql, joinable, outside, open_bound, precedence))
        return check

    return decorate


# SQL twins are macros over a VARCHAR `v`: evaluated inside DuckDB's vectorised engine, not by calling
# back into Python for every value. tests/test_formats.py proves each equals its Python twin.
def _place(k: int) -> str:
    # The digit k places left of the last one of the number `n` (see _on_number).
    return f"((n // {10**k}) % 10)"


def _on_number(expression: str) -> str:
    # Digits by integer arithmetic on the value cast once (the lambda binds it): measured ~3 times
    # faster than a substr + cast per digit. Only reached behind a `[0-9]{n}` guard; TRY_CAST because
    # DuckDB evaluates both sides of AND, so a non-number must give NULL, not an error.
    return f"list_transform([TRY_CAST(v AS BIGINT)], lambda n: {expression})[1]"


def _mod11(places: int) -> str:
    # weights 2..7 cycling from the digit left of the check digit (leading zeros weigh nothing);
    # remainder r <= 1 gives 0, else 11 - r: that is (11 - r) % 11 % 10.
    total = " + ".join(f"{2 + (k - 1) % 6} * {_place(k)}" for k in range(1, places + 1))
    return _on_number(f"(11 - ({total}) % 11) % 11 % 10 = {_place(0)}")


_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")
_CHECK_DIGIT_MESSAGE = "「{item}」が番号の形式（桁数・検査数字）を満たしません。"


_DATE_SQL = (
    "(regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND substr(v, 1, 4) <> '0000' "
    "AND try_strptime(v, '%Y-%m-%d') IS NOT NULL)"
)


@value_format(
    "date", code=codes.INVALID_DATE, message="「{item}」が実在する日付（YYYY-MM-DD）ではありません。", sql=_DATE_SQL,
)
def is_strict_date(value: str) -> bool:
    """`YYYY-MM-DD`, half-width digits, a real calendar date (行政基本情報データ連携モデル 日付)."""
    if not _ASCII_DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# The official DATE type (基本データリスト 凡例「データ型」, from GIF コアデータパーツ 日付及び時刻) writes an
# unknown start of a period as 0000-01-01 and an open end as 9999-12-31. Only the items that start or end
# a period take these formats (never a birth date or another event). `open_bound`: the typed view that
# rules read shows the sentinel as NULL, as an empty value, so `終了日 IS NULL` still means "open" and a
# comparison with an unknown or open bound judges nothing.
PERIOD_START_UNKNOWN = "0000-01-01"
PERIOD_END_OPEN = "9999-12-31"


@value_format(
    "date-period-start", code=codes.INVALID_DATE,
    message="「{item}」が実在する日付（YYYY-MM-DD）でも開始日不明（0000-01-01）でもありません。",
    sql=f"(v = '{PERIOD_START_UNKNOWN}' OR {_DATE_SQL})", open_bound=PERIOD_START_UNKNOWN,
)
def is_period_start_date(value: str) -> bool:
    """The start of a period: a real date (format `date`), or 0000-01-01 for an unknown start."""
    return value == PERIOD_START_UNKNOWN or is_strict_date(value)


@value_format(
    "date-period-end", code=codes.INVALID_DATE,
    message="「{item}」が実在する日付（YYYY-MM-DD）でも終了日なし（9999-12-31）でもありません。",
    sql=f"(v = '{PERIOD_END_OPEN}' OR {_DATE_SQL})", open_bound=PERIOD_END_OPEN,
)
def is_period_end_date(value: str) -> bool:
    """The end of a period: a real date (format `date`), or 9999-12-31 for an open end (itself a real date)."""
    return value == PERIOD_END_OPEN or is_strict_date(value)


def _has_mod11_check_digit(value: str, length: int | None) -> bool:
    if not _DIGITS.fullmatch(value) or len(value) < 2:
        return False
    if length is not None and len(value) != length:
        return False
    return has_mod11_check_digit(value)


_LG_CODE_SUM = " + ".join(f"{weight} * {_place(5 - index)}" for index, weight in enumerate((6, 5, 4, 3, 2)))


@value_format(
    "jp-lg-code", code=codes.CHECK_DIGIT, message=_CHECK_DIGIT_MESSAGE,
    sql=f"(regexp_full_match(v, '[0-9]{{6}}') AND {_on_number(f'(11 - ({_LG_CODE_SUM}) % 11) % 10 = {_place(0)}')})",
)
def is_lg_code(value: str) -> bool:
    """全国地方公共団体コード (JIS X 0402): 6 digits, weights 6-5-4-3-2, cd = (11 - S mod 11) mod 10."""
    if not (len(value) == 6 and _DIGITS.fullmatch(value)):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:5], (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10 == int(value[5])


@value_format(
    "jp-my-number", code=codes.CHECK_DIGIT, message=_CHECK_DIGIT_MESSAGE,
    sql=f"(regexp_full_match(v, '[0-9]{{12}}') AND {_mod11(11)})",
)
def is_my_number(value: str) -> bool:
    """個人番号: 12 digits, check digit per 平成26年総務省令第85号 第5条."""
    return _has_mod11_check_digit(value, 12)


@value_format(
    "jp-juminhyo-code", code=codes.CHECK_DIGIT, message=_CHECK_DIGIT_MESSAGE,
    sql=f"(regexp_full_match(v, '[0-9]{{11}}') AND {_mod11(10)})",
)
def is_juminhyo_code(value: str) -> bool:
    """住民票コード: 11 digits, 10 digits plus a modulus-11 (weights 2-7) check digit."""
    return _has_mod11_check_digit(value, 11)


@value_format(
    "jp-m11", code=codes.CHECK_DIGIT, message=_CHECK_DIGIT_MESSAGE,
    # 2 to 15 digits: the places beyond the value's length are leading zeros of the number.
    sql=f"(regexp_full_match(v, '[0-9]{{2,15}}') AND {_mod11(14)})",
)
def is_m11_number(value: str) -> bool:
    """宛名番号・世帯番号: 2 to 15 digits ending in a modulus-11 (M11W2-7) check digit (remainder 1 gives 0).

    15 is the widest such number seen in practice (vendor DDL varchar(15)); the SQL twin is unrolled to it.
    """
    return len(value) <= 15 and _has_mod11_check_digit(value, None)


_CORPORATE_SUM = " + ".join(f"{1 if n % 2 else 2} * {_place(n - 1)}" for n in range(1, 13))


@value_format(
    "jp-corporate-number", code=codes.CHECK_DIGIT, message=_CHECK_DIGIT_MESSAGE,
    sql=f"(regexp_full_match(v, '[0-9]{{13}}') AND {_on_number(f'9 - ({_CORPORATE_SUM}) % 9 = {_place(12)}')})",
)
def is_corporate_number(value: str) -> bool:
    """法人番号: 13 digits, the check digit first; cd = 9 - (S mod 9) with weights 1,2 from the right."""
    if not (len(value) == 13 and _DIGITS.fullmatch(value)):
        return False
    base = value[1:]
    total = sum(int(digit) * (1 if position % 2 == 0 else 2) for position, digit in enumerate(reversed(base)))
    return 9 - total % 9 == int(value[0])


# U+309A (combining semi-voiced mark) is encoded only inside the sequences か゚ き゚ … ㇷ゚; the other
# combining marks of JIS X 0213 (U+0300, U+0301, U+02E5, U+02E9) are encodable on their own.
_SEMI_VOICED_MARK = "\u309a"
# Where iso2022_jp_2004 and glibc's EUC-JISX0213 charmap chose different code points for the same
# JIS X 0213 position (reference §5), accept both.
_ALTERNATIVE_MAPPINGS = frozenset("\u2014\uff5e\uff5f\uff60")


@cache
def jisx0213_repertoire() -> tuple[frozenset[str], frozenset[str]]:
    """The JIS X 0213:2004 repertoire: single characters, and the sequences with U+309A it encodes.

    Built from the `iso2022_jp_2004` codec (not `euc_jis_2004`, which accepts 3,161 JIS X 0212
    characters that JIS X 0213 lacks), plus printable ASCII; half-width katakana are not included.
    Every position of the two planes is decoded (17,672 of them): the same set as trying to encode
    every code point (tests/test_formats.py keeps the two equal), ten times quicker, and every run pays it.
    """
    singles: set[str] = {chr(code) for code in range(0x20, 0x7F)} | _ALTERNATIVE_MAPPINGS
    sequences: set[str] = set()
    for plane in (b"\x1b$(Q", b"\x1b$(P"):
        for row in range(0x21, 0x7F):
            for cell in range(0x21, 0x7F):
                try:
                    text = (plane + bytes((row, cell)) + b"\x1b(B").decode("iso2022_jp_2004")
                except UnicodeDecodeError:
                    continue
                if len(text) == 1:
                    singles.add(text)
                elif text[1] == _SEMI_VOICED_MARK:
                    sequences.add(text)
    return frozenset(singles), frozenset(sequences)


def characters_outside_jisx0213(value: str) -> list[str]:
    """The characters of `value` outside JIS X 0213, in order (a stray combining mark counts)."""
    singles, pairs = jisx0213_repertoire()
    outside: list[str] = []
    index = 0
    while index < len(value):
        pair = value[index : index + 2]
        if len(pair) == 2 and pair in pairs:
            index += 2
            continue
        if value[index] not in singles:
            outside.append(value[index])
        index += 1
    return outside


@cache
def jisx0213_pattern() -> str:
    """An RE2 pattern whose full match means `is_jisx0213_text` (singles, or a base + U+309A).

    Equivalent because U+309A is not a single: every U+309A must pair with the character before it,
    which is what the Python scan does greedily. Its 5,266 ranges cost ~40 ms to compile per use, so
    the compiled checks use it only on large tables, where it is far faster than calling Python.
    """
    singles, pairs = jisx0213_repertoire()
    assert _SEMI_VOICED_MARK not in singles
    codes_ = sorted(ord(char) for char in singles)
    ranges: list[tuple[int, int]] = []
    for code in codes_:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))

    def escape(code: int) -> str:
        return f"\\x{{{code:X}}}"

    single_class = "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)
    base_class = "".join(escape(ord(pair[0])) for pair in sorted(pairs))
    return f"(?:[{single_class}]|[{base_class}]{escape(ord(_SEMI_VOICED_MARK))})*"


def code_points(chars: list[str]) -> str:
    """`U+9AD9 U+20BB7 <U+845B U+E0100>`: how findings name characters (and a base with its variation
    selector, one unit) without quoting personal text."""
    return " ".join(_code_points(unit) if len(unit) > 1 else _code_points(unit).strip("<>") for unit in chars)


def _code_points(unit: str) -> str:
    return "<" + " ".join(f"U+{ord(char):04X}" for char in unit) + ">"


def shrink_candidates(char: str) -> str | None:
    """The MJ縮退マップ candidates of `char` that are in JIS X 0213 (`jntajis-python`, all four schemes),
    "" when there are none, None when the package cannot be imported or fails (never an error: the
    candidates only help a reader, and only the findings kept as examples ask for them)."""
    try:
        import jntajis  # optional at run time: only the JIS X 0213 profile's findings ask for it
        combo = functools.reduce(operator.or_, jntajis.MJShrinkSchemeCombo)
        found = jntajis.mj_shrink_candidates(char, combo)
    except Exception:
        return None
    return "".join(candidate for candidate in found if candidate != char and is_jisx0213_text(candidate)) or ""


def _with_candidates(raw: str) -> str:
    """`U+9AD9（縮退候補: 高 U+9AD8）`: each character outside JIS X 0213 and its MJ縮退マップ candidates."""
    named: list[str] = []
    for char in characters_outside_jisx0213(raw):
        candidates = shrink_candidates(char)
        if candidates is None:
            hint = "縮退候補: 取得できません（jntajis-python がありません）"
        elif not candidates:
            hint = "縮退候補: なし"
        else:
            hint = "縮退候補: " + "、".join(f"{c} {code_points([c])}" for c in candidates)
        named.append(f"{code_points([char])}（{hint}）")
    return " ".join(named)


# No SQL macro: as a regular expression its 5,266 code-point ranges cost ~15 ms to compile per use, paid
# once per item per query, so on small tables it stays a Python scalar function; on large ones the regex
# repays its cost (and one regex over the items joined by ',' checks them all: see compile.py).
@value_format(
    "jp-jisx0213", code=codes.CHARACTER_OUTSIDE_REPERTOIRE, message="「{item}」にJIS X 0213の範囲外の文字があります: {chars}",
    large_table_sql=lambda column: f"regexp_full_match({column}, '{jisx0213_pattern()}')", joinable=True,
    outside=_with_candidates,
)
def is_jisx0213_text(value: str) -> bool:
    """Every character is in JIS X 0213 (文字環境導入実践ガイドブック: JIS X 0213 repertoire)."""
    # A value of singles alone is in (U+309A, the only pairing character, is no single): one set test in C
    # answers most values; the scan names the characters of the others.
    return jisx0213_repertoire()[0].issuperset(value) or not characters_outside_jisx0213(value)


def _is_kanji(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


@cache
def gyosei_moji_repertoire() -> tuple[frozenset[str], frozenset[str]]:
    """行政事務標準文字 as this suite reads it: MJ+ and the non-kanji of JIS X 0213 (kana, Latin letters,
    digits, symbols, spaces, and the kana + U+309A sequences). (singles, pairs without a selector).

    ASSUMPTION: MJ holds kanji only, and no package gives the official list of the standard's non-kanji
    (a published summary says 行政事務標準文字 includes hiragana and katakana); the non-kanji of JIS X 0213
    stand in for it until the official list can be shipped (README, specs/common/characters/README.md).
    """
    singles, pairs = jisx0213_repertoire()
    return frozenset(c for c in singles if not _is_kanji(c)) | mjplus.mj_singles(), pairs


def characters_outside_gyosei_moji(value: str) -> list[str]:
    """The units of `value` outside 行政事務標準文字 (a character, or a base with its selector), in order."""
    singles, pairs = gyosei_moji_repertoire()
    return mjplus.characters_outside(value, singles, pairs)


@cache
def gyosei_moji_pattern() -> str:
    """An RE2 pattern whose full match means `is_gyosei_moji_text` (see `mjplus.mjplus_pattern`)."""
    singles, pairs = gyosei_moji_repertoire()
    return mjplus.mjplus_pattern(singles - mjplus.mj_singles(), pairs)


# Like jp-jisx0213: a Python scalar function on small tables, one regex per record (items joined by ',',
# which is in the repertoire, pairs with nothing and is no base of a selector) on large ones.
@value_format(
    "jp-gyosei-moji", code=codes.CHARACTER_OUTSIDE_REPERTOIRE,
    message="「{item}」に行政事務標準文字の範囲外の文字があります: {chars}",
    large_table_sql=lambda column: f"regexp_full_match({column}, '{gyosei_moji_pattern()}')", joinable=True,
    outside=lambda raw: code_points(characters_outside_gyosei_moji(raw)),
)
def is_gyosei_moji_text(value: str) -> bool:
    """Every unit is 行政事務標準文字 (データ要件・連携要件標準仕様書 総論 文字要件): MJ+ and JIS X 0213's non-kanji."""
    # As is_jisx0213_text: a value of singles that are no variation selector holds no sequence to look up.
    return _plain_gyosei_moji().issuperset(value) or not characters_outside_gyosei_moji(value)


@cache
def _plain_gyosei_moji() -> frozenset[str]:
    """The singles of 行政事務標準文字 that are no variation selector (U+309A is none of them either)."""
    singles, _ = gyosei_moji_repertoire()
    selectors = frozenset(chr(code) for first, last in mjplus.SELECTORS for code in range(first, last + 1))
    return singles if singles.isdisjoint(selectors) else singles - selectors


CHARACTER_PROFILES: dict[str, dict[str, str]] = {
    "gyosei-moji": {},
    "jisx0213": {"jp-gyosei-moji": "jp-jisx0213"},
}
"""The character profiles a declaration may name (`character_profile`), each as the formats it replaces.
The default judges 行政事務標準文字; `jisx0213` is for data handed to systems outside the standard."""
DEFAULT_CHARACTER_PROFILE = "gyosei-moji"


def sql_macros() -> dict[str, str]:
    """Format name -> the body of its DuckDB macro of one parameter `v`, for the formats with a SQL twin."""
    # NULL in, NULL out, like a scalar function: an absent value is `required`'s business.
    return {name: f"CASE WHEN v IS NULL THEN NULL ELSE {fmt.sql} END" for name, fmt in VALUE_FORMATS.items() if fmt.sql is not None}
