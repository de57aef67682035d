"""`pattern` means what ECMA-262 says, in the compiled SQL (RE2) and in the row-wise Python twin alike:
the official JSON-Schema-Test-Suite's pattern files (draft 2020-12, tests/data/json-schema-test-suite/),
then the translation's sets checked code point by code point, and what it refuses."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest
from referencing import Registry

from conformance.checks.compile import Constraint, violation_query
from conformance.checks.validators import reference_validator
from conformance.spec.ecma_regex import UntranslatablePattern, translate
from tests.conftest import ROOT

SUITE = ROOT / "tests" / "data" / "json-schema-test-suite" / "draft2020-12"
FILES = ("pattern.json", "patternProperties.json", "optional/ecmascript-regex.json")

# Deliberate deviations of the compiled path from the suite's `valid`, by (file, group, test) description.
# - non-string instances: the compiled path judges text columns only (every value of a tabular record is text);
#   the Python twin still judges them, and agrees with the suite on every one.
# - object instances (patternProperties): likewise not a tabular value. Where the verdict depends only on
#   which names match (boolean subschemas, a closed object), each name goes through the compiled predicate.
# - empty = absent: an empty value is an absent item, which no `pattern` judges; the suite has no empty
#   string instance in these files, so no case is affected (asserted below; see test_empty_is_absent).
# - closed world: the engine's root object is closed (additionalProperties false); the suite's open objects
#   are only judged by the Python twin.
# - formats asserted: the engine asserts `format`; these files have no `format`, so no case is affected.
DEVIATIONS: dict[tuple[str, str, str], str] = {}
# Patterns the suite uses that the translator refuses (UntranslatablePattern): none.
EXPECTED_REJECTIONS: dict[str, str] = {}


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (name, group, test)
        for name in FILES
        for group in json.loads((SUITE / name).read_text(encoding="utf-8"))
        for test in group["tests"]
    ]


def _compiled_valid(pattern: str, values: list[str]) -> list[bool]:
    """Each value through the compiled path: the SQL the engine runs for one `pattern` constraint."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (_record BIGINT, _line BIGINT, v VARCHAR)")
    # Empty = absent: the loader stores an empty value as NULL.
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, i + 2, v or None) for i, v in enumerate(values)])
    violating = {row[0] for row in con.execute(violation_query([Constraint("v", "pattern", pattern, "R")], "t")).fetchall()}
    return [i not in violating for i in range(len(values))]


def _key_patterns_only(schema: dict[str, Any]) -> bool:
    subschemas = schema.get("patternProperties", {}).values()
    return bool(subschemas) and all(s is True for s in subschemas) and schema.get("additionalProperties") is False


def test_the_official_pattern_cases() -> None:
    judged: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    wrong: list[tuple[str, str, str, str]] = []
    rejected: dict[str, str] = {}
    for name, group, test in _cases():
        schema, data, where = group["schema"], test["data"], (name, group["description"], test["description"])
        patterns = [schema["pattern"]] if "pattern" in schema else list(schema.get("patternProperties", {}))
        try:
            for pattern in patterns:
                translate(pattern)
        except UntranslatablePattern as error:
            rejected[error.pattern] = error.reason
            continue
        # The Python twin (the row-wise fallback's validator) judges every instance.
        if reference_validator(schema, Registry()).is_valid(data) != test["valid"]:
            wrong.append((*where, "python"))
        judged["python"] += 1
        if "pattern" in schema and isinstance(data, str):
            strings = [data]
            compiled = _compiled_valid(schema["pattern"], strings)[0]
        elif _key_patterns_only(schema) and isinstance(data, dict):
            names = list(data)
            compiled = all(any(ok) for ok in zip(*(_compiled_valid(p, names) for p in patterns), strict=True)) if names else True
        else:
            skipped["object instance" if isinstance(data, dict) else "non-string instance"] += 1
            continue
        judged["compiled"] += 1
        if compiled != test["valid"] and where not in DEVIATIONS:
            wrong.append((*where, "compiled"))
    assert rejected == EXPECTED_REJECTIONS
    assert wrong == []
    assert judged == {"python": 111, "compiled": 80}
    assert skipped == {"non-string instance": 8, "object instance": 23}


def test_no_empty_string_instance_in_the_suite_files() -> None:
    """The empty = absent deviation affects no official case here (the list above stays honest)."""
    assert not [t for _, g, t in _cases() if "pattern" in g["schema"] and t["data"] == ""]


def test_empty_is_absent() -> None:
    """An empty value is an absent item: `^a+$` does not fail it (ECMA-262 alone would); `required` does."""
    assert _compiled_valid("^a+$", ["", "a", "b"]) == [True, True, False]


ALL = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
"""Every code point but the surrogates, which UTF-8 text never holds."""
ECMA_WHITE_SPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {chr(c) for c in range(0x2000, 0x200B)}
ECMA_LINE_TERMINATORS = set("\n\r\u2028\u2029")
ASCII_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\s", lambda c: c in ECMA_WHITE_SPACE),
    (r"\S", lambda c: c not in ECMA_WHITE_SPACE),
    (r"[^\s]", lambda c: c not in ECMA_WHITE_SPACE),
    (r"[\s\d]", lambda c: c in ECMA_WHITE_SPACE or c in "0123456789"),
    (r".", lambda c: c not in ECMA_LINE_TERMINATORS),
    (r"\d", lambda c: c in "0123456789"),
    (r"\D", lambda c: c not in "0123456789"),
    (r"\w", lambda c: c in ASCII_WORD),
    (r"[^\W]", lambda c: c in ASCII_WORD),
    (r"\p{Letter}", lambda c: unicodedata.category(c).startswith("L")),
    (r"\P{L}", lambda c: not unicodedata.category(c).startswith("L")),
    (r"\p{gc=Decimal_Number}", lambda c: unicodedata.category(c) == "Nd"),
])
def test_each_code_point_as_ecma_262_says(pattern: str, expected: Any) -> None:
    """Every code point, through RE2 and Python: what is left of all of them once the atom's matches are removed."""
    rest = "".join(c for c in ALL if not expected(c))
    translation = translate(pattern)
    assert re.sub(translation.python, "", ALL) == rest
    assert duckdb.execute("SELECT regexp_replace(?, ?, '', 'g')", [ALL, translation.re2]).fetchone() == (rest,)


def test_white_space_is_the_25_code_points_of_ecma_262() -> None:
    assert len(ECMA_WHITE_SPACE) == 25


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    (r"^abc$", "abc\n", False),  # Python's `$` alone would match before the final newline
    (r"^\cC$", "\u0003", True),
    (r"^\cc$", "\u0003", True),
    (r"^\t$", "\t", True),
    (r"\bfoo\b", "éfooé", True),  # ECMA-262's \b is ASCII: é is no word character
    (r"\Bfoo", "éfoo", False),
    (r"^\u{1F600}\uD83D\uDE00$", "\U0001f600\U0001f600", True),
    (r"^(?<year>[0-9]{4})-[0-9]{2}$", "2024-01", True),
    (r"^[\b]$", "\b", True),
    (r"^a{2,3}?$", "aaa", True),
    (r"^[\-a]+$", "-a-", True),
    (r"^\x41\0$", "A\0", True),
    (r"^[^]$", "\n", True),
    (r"^[]$", "", False),
])
def test_translations_match_in_both_dialects(pattern: str, text: str, matches: bool) -> None:
    translation = translate(pattern)
    assert bool(re.search(translation.python, text)) is matches
    assert duckdb.execute("SELECT regexp_matches(?, ?)", [text, translation.re2]).fetchone() == (matches,)


@pytest.mark.parametrize(("pattern", "reason"), [
    ("^(?=a)", "look-around has no RE2 equivalent (at 2)"),
    ("(?<!a)b", "look-around has no RE2 equivalent (at 1)"),
    (r"(a)\1", "back-references have no RE2 equivalent (at 4)"),
    (r"(?<n>a)\k<n>", "back-references have no RE2 equivalent (at 8)"),
    (r"\p{Script=Greek}", r"\p{Script=Greek}: only General_Category properties have an exact twin (Python has no script data)"),
    (r"\p{Greek}", r"\p{Greek}: not a General_Category value (or Any, ASCII, Assigned); scripts and other properties have no exact twin"),
    (r"\p{letter}", r"\p{letter}: not a General_Category value (or Any, ASCII, Assigned); scripts and other properties have no exact twin"),
    ("(?i)a", "'(?' begins no ECMA-262 group here (inline flags are not ECMA-262) (at 1)"),
    ("a{1001}", "RE2 repeats at most 1000 times (at 1)"),
    ("a{2,1}", "numbers out of order in {} quantifier (at 1)"),
    ("a**", "nothing to repeat (a quantifier after a quantifier) (at 2)"),
    ("^*", "an assertion cannot be repeated (at 2)"),
    ("{", "a lone '{' is not valid ECMA-262 with the u flag; escape it (at 1)"),
    (r"\-", r"\- is not a valid ECMA-262 escape with the u flag (at 2)"),
    (r"[\d-z]", "a class escape cannot bound a range (at 5)"),
    ("[z-a]", "range out of order in character class (at 4)"),
    (r"\ud800", "a lone surrogate never occurs in UTF-8 text and has no RE2 form (at 6)"),
    ("(a", "unterminated group (at 2)"),
    ("a)", "unmatched ')' (at 1)"),
    ("[a", "unterminated character class (at 2)"),
    ("\\", "\\ at end of pattern (at 1)"),
])
def test_what_cannot_be_translated_exactly_is_refused(pattern: str, reason: str) -> None:
    with pytest.raises(UntranslatablePattern) as raised:
        translate(pattern)
    assert raised.value.reason == reason


def test_every_spec_pattern_keeps_its_meaning() -> None:
    """The specs' patterns translate, and mean what they meant before, in RE2 as written and in Python's
    `re` with ECMA-262's `$` (the old twins), on samples of their own alphabet and of the classic mistakes."""
    patterns: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in sorted(Path(ROOT / "specs").rglob("*.schema.json")):
        collect(json.loads(path.read_text(encoding="utf-8")))
    assert patterns
    samples = ["", "0", "12", "2024-01", "AB12345678CD", "abc", "０", "1\n", "a-b", "999", "0123456789", "ｱ", "カ"]
    con = duckdb.connect()
    for pattern in sorted(patterns):
        translation = translate(pattern)
        for sample in samples:
            old = re.search(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern, sample) is not None
            assert (re.search(translation.python, sample) is not None) is old, (pattern, sample)
            assert con.execute("SELECT regexp_matches(?, ?), regexp_matches(?, ?)",
                               [sample, pattern, sample, translation.re2]).fetchone() == (old, old), (pattern, sample)
