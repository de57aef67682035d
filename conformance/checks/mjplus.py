"""行政事務標準文字 (MJ+): the 文字要件 of the standard systems, as a pure Python check and its RE2 twin.

MJ+ is the MJ characters of 文字情報基盤 (a code point, or a base and a Moji_Joho IVS) plus the characters
デジタル庁 designated, placed in plane 16 (U+100000–U+10FFFD). The list of those additions is in no
package, so the whole of plane 16 is accepted. The MJ data is specs/common/characters/ (derived from
MJ文字情報一覧表 by scripts/make_mj_table.py; CC BY-SA 2.1 JP, see the README beside it).

A value is read as units: a character and the variation selector after it (U+FE00–U+FE0F,
U+E0100–U+E01EF) are one unit, any other character is a unit of its own. A unit passes when it is an MJ
code point, a registered MJ sequence or a plane-16 character. So a selector with no base before it
fails, and so does a base with a selector that is not registered for it, even when the base alone is MJ.
MJ holds kanji only (and 々 〆 〻): kana, Latin letters, digits and spaces are outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_FOLDER = Path("common") / "characters"
CODE_POINTS_FILE = "mj-code-points.txt"
SEQUENCES_FILE = "mj-sequences.txt"

PLANE_16 = (0x100000, 0x10FFFD)
"""The designated additions' plane (its last two code points, U+10FFFE/F, are noncharacters)."""
SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
"""The variation selectors: VS1–VS16 and VS17–VS256."""
JOIN_SEPARATOR = "\U0010fffd"
"""Joins items into one text that is MJ+ exactly when each item is: it is in MJ+ (plane 16), and no
sequence has it as its base, so a selector at the start of an item still stands alone (a `,` would not
do: it is outside MJ+). Lets one pattern match per record check all its items, as for JIS X 0213."""


_SELECTOR_CHARS = frozenset(chr(code) for first, last in SELECTORS for code in range(first, last + 1))


def characters_folder() -> Path:
    """specs/common/characters/ as shipped in the wheel (conformance/_specs), or in a source checkout."""
    for specs in (_PACKAGE / "_specs", _PACKAGE.parent / "specs"):
        if (specs / _FOLDER).is_dir():
            return specs / _FOLDER
    raise FileNotFoundError("specs/common/characters/ not found: the package is installed without its specs")


def _data_lines(name: str) -> Iterable[str]:
    for line in (characters_folder() / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield line


@cache
def mj_code_point_ranges() -> tuple[tuple[int, int], ...]:
    """The MJ code points as ascending, disjoint ranges (first, last) from mj-code-points.txt."""
    ranges: list[tuple[int, int]] = []
    for line in _data_lines(CODE_POINTS_FILE):
        first, _, last = line.partition("..")
        ranges.append((int(first, 16), int(last or first, 16)))
    return tuple(ranges)


@cache
def mj_sequences() -> frozenset[str]:
    """The registered MJ sequences (a base and a variation selector) from mj-sequences.txt."""
    return frozenset("".join(chr(int(code, 16)) for code in line.split()) for line in _data_lines(SEQUENCES_FILE))


@cache
def mj_singles() -> frozenset[str]:
    """The MJ code points as characters."""
    return frozenset(chr(code) for first, last in mj_code_point_ranges() for code in range(first, last + 1))


def characters_outside_mjplus(value: str) -> list[str]:
    """The units of `value` outside MJ+, in order: a character, or a base with its selector."""
    return characters_outside(value, mj_singles())


def characters_outside(value: str, singles: frozenset[str], pairs: frozenset[str] = frozenset()) -> list[str]:
    """The units of `value` outside MJ+ widened by `singles` (which must hold the MJ code points) and by
    `pairs` (two-character sequences without a selector, e.g. JIS X 0213's kana + U+309A), in order."""
    sequences = mj_sequences()
    outside: list[str] = []
    index, end = 0, len(value)
    while index < end:
        char = value[index]
        if index + 1 < end and char not in _SELECTOR_CHARS and value[index + 1] in _SELECTOR_CHARS:
            unit = value[index : index + 2]
            if unit not in sequences:
                outside.append(unit)
            index += 2
            continue
        if pairs and value[index : index + 2] in pairs:
            index += 2
            continue
        if char not in singles and not PLANE_16[0] <= ord(char) <= PLANE_16[1]:
            outside.append(char)
        index += 1
    return outside


def is_mjplus_text(value: str) -> bool:
    """Every unit of `value` is in 行政事務標準文字 (MJ+)."""
    return not characters_outside_mjplus(value)


def _escape(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    return "[" + "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges) + "]"


def merged_ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    """The code points as ascending ranges (first, last), touching ones merged."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


@cache
def mjplus_pattern(extra_singles: frozenset[str] = frozenset(), extra_pairs: frozenset[str] = frozenset()) -> str:
    """An RE2 pattern whose full match means `is_mjplus_text` (for DuckDB's `regexp_full_match`).

    `(?:[singles]|[bases B1][selectors of B1]|[bases B2][selectors of B2]|…)*`: the bases are grouped by
    the set of selectors registered for them (81 groups), so a pair matches exactly when its selector is
    registered for its base. Equivalent to the Python scan because no selector is a single or a base:
    every selector must be consumed with the character before it, which is what the scan pairs greedily.
    The shape matters for speed: one branch per selector (a base with several selectors then sits in
    several branches) was measured 60 to 100 times slower in DuckDB (presumably RE2's DFA outgrows its
    memory budget and RE2 falls back to the NFA); grouped, it runs about as fast per value as
    `jisx0213_pattern()`. Compiling it costs about 2.5 times as much (~45 ms against ~17 ms per use,
    measured on one thread): most of it is the class of 8,710 ranges of single code points.
    `extra_singles` and `extra_pairs` (no selector in them) widen it as `characters_outside` does.
    """
    selectors_of: dict[str, set[int]] = {}
    for sequence in mj_sequences():
        selectors_of.setdefault(sequence[0], set()).add(ord(sequence[1]))
    groups: dict[tuple[int, ...], list[int]] = {}
    for base, selectors in selectors_of.items():
        groups.setdefault(tuple(sorted(selectors)), []).append(ord(base))
    singles = merged_ranges({code for first, last in mj_code_point_ranges() for code in range(first, last + 1)}
                            | {ord(char) for char in extra_singles})
    singles.append(PLANE_16)
    assert not any(a <= last and first <= b for first, last in singles for a, b in SELECTORS)
    branches = [_class(singles)]
    for group, bases in sorted(groups.items()):
        branches.append(_class(merged_ranges(bases)) + _class(merged_ranges(group)))
    marks: dict[str, list[int]] = {}
    for pair in extra_pairs:
        assert pair[1] not in _SELECTOR_CHARS and pair[1] not in extra_singles
        marks.setdefault(pair[1], []).append(ord(pair[0]))
    for mark, bases in sorted(marks.items()):
        branches.append(_class(merged_ranges(bases)) + _escape(ord(mark)))
    return "(?:" + "|".join(branches) + ")*"
