"""ECMA-262 regular expressions (JSON Schema `pattern`) translated exactly to RE2 (DuckDB) and Python `re`.

JSON Schema patterns are ECMA-262 with Unicode semantics (the `u` flag), unanchored, without other flags.
RE2 and Python `re` differ from it in ways that give silent wrong answers: `\\s` (RE2 misses U+3000 and the
other Unicode spaces; Python misses U+FEFF), `.` (RE2 and Python match `\\r`, U+2028 and U+2029), `$`
(Python also matches before a final newline), `\\d`, `\\w` and `\\b` (Unicode in Python, ASCII in ECMA-262),
and neither knows `\\cX` or `\\p{Letter}`. So every character class, escape and `.` is written out as the
explicit set of code points it stands for, the same set in both dialects; what has no exact counterpart
(look-around, back-references, scripts, binary properties beyond Any/ASCII/Assigned) raises
`UntranslatablePattern`, and so does any pattern that is not valid ECMA-262 under the `u` flag.
General categories (`\\p{L}`, `\\p{Letter}`, `\\p{digit}`) are taken from Python's `unicodedata` (the
Unicode version of the running Python), written out for RE2 too, so the two twins agree exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from conformance.spec.unicode_categories import GENERAL_CATEGORIES, category_ranges

Ranges = tuple[tuple[int, int], ...]
"""A set of code points as sorted, disjoint, non-adjacent inclusive ranges (surrogates left out)."""

_MAX = 0x10FFFF
_SURROGATES = (0xD800, 0xDFFF)
# ECMA-262 WhiteSpace and LineTerminator: what `\s` matches.
WHITE_SPACE: Ranges = ((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                       (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF))
LINE_TERMINATORS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
DIGITS: Ranges = ((0x30, 0x39),)
WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_RE2_REPEAT_LIMIT = 1000


class UntranslatablePattern(ValueError):
    """A pattern that is not valid ECMA-262 (`u` flag) or has no exact RE2 and Python translation."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"pattern {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Translation:
    """One ECMA-262 pattern as RE2 (for DuckDB's `regexp_matches`) and as Python `re` (for `search`)."""

    re2: str
    python: str


def normalized(ranges: list[tuple[int, int]] | Ranges) -> Ranges:
    """Sorted, merged, without surrogates (UTF-8 text never holds one; RE2 cannot name one)."""
    cut: list[tuple[int, int]] = []
    for low, high in ranges:
        if low <= _SURROGATES[1] and high >= _SURROGATES[0]:
            if low < _SURROGATES[0]:
                cut.append((low, _SURROGATES[0] - 1))
            if high > _SURROGATES[1]:
                cut.append((_SURROGATES[1] + 1, high))
        else:
            cut.append((low, high))
    merged: list[tuple[int, int]] = []
    for low, high in sorted(cut):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def complement(ranges: Ranges) -> Ranges:
    """Every code point (but surrogates) not in `ranges`."""
    gaps: list[tuple[int, int]] = []
    start = 0
    for low, high in normalized(ranges):
        if low > start:
            gaps.append((start, low - 1))
        start = high + 1
    if start <= _MAX:
        gaps.append((start, _MAX))
    return normalized(gaps)


def property_ranges(pattern: str, body: str) -> Ranges:
    """The code points of `\\p{body}` (UntranslatablePattern when there is no exact twin)."""
    name, _, value = body.partition("=")
    if value and name in ("General_Category", "gc"):
        name = value
    elif value:
        raise UntranslatablePattern(pattern, f"\\p{{{body}}}: only General_Category properties have an exact twin "
                                             "(Python has no script data)")
    if name == "Any":
        return ((0, _MAX),)
    if name == "ASCII":
        return ((0, 0x7F),)
    if name == "Assigned":
        return complement(category_ranges()["Cn"])
    members = GENERAL_CATEGORIES.get(name)
    if members is None:
        raise UntranslatablePattern(pattern, f"\\p{{{body}}}: not a General_Category value (or Any, ASCII, Assigned); "
                                             "scripts and other properties have no exact twin")
    table = category_ranges()
    return normalized([r for member in members for r in table.get(member, ())])


def _char(code: int, dialect: str) -> str:
    char = chr(code)
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    if char.isascii() and char.isprintable() and char != " ":
        return "\\" + char  # ASCII punctuation: an escaped one is itself in both dialects, in and out of classes
    if dialect == "re2":
        return f"\\x{{{code:X}}}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def render(ranges: Ranges, dialect: str) -> str:
    """A character class matching exactly `ranges`, in the dialect ("re2" or "python")."""
    if not ranges:
        return f"[^{_char(0, dialect)}-{_char(_MAX, dialect)}]"
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _char(ranges[0][0], dialect)
    parts = []
    for low, high in ranges:
        parts.append(_char(low, dialect) if low == high else f"{_char(low, dialect)}-{_char(high, dialect)}")
    return "[" + "".join(parts) + "]"


@cache
def translate(pattern: str) -> Translation:
    """The exact RE2 and Python twins of an ECMA-262 pattern, or UntranslatablePattern saying why not."""
    return _Parser(pattern).parse()


def translatable(pattern: object) -> bool:
    """Whether `pattern` is a string `translate` accepts."""
    if not isinstance(pattern, str):
        return False
    try:
        translate(pattern)
    except UntranslatablePattern:
        return False
    return True


class _Parser:
    """One pass over the pattern, writing both twins; groups by recursion."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.re2: list[str] = []
        self.python: list[str] = []

    def fail(self, reason: str) -> UntranslatablePattern:
        return UntranslatablePattern(self.pattern, f"{reason} (at {self.pos})")

    def peek(self, length: int = 1) -> str:
        return self.pattern[self.pos:self.pos + length]

    def emit(self, re2: str, python: str | None = None) -> None:
        self.re2.append(re2)
        self.python.append(re2 if python is None else python)

    def emit_set(self, ranges: Ranges) -> None:
        self.emit(render(ranges, "re2"), render(ranges, "python"))

    def parse(self) -> Translation:
        self.disjunction(depth=0)
        if self.pos < len(self.pattern):
            raise self.fail("unmatched ')'")
        return Translation("".join(self.re2), "".join(self.python))

    def disjunction(self, depth: int) -> None:
        while self.pos < len(self.pattern):
            char = self.peek()
            if char == ")":
                if depth == 0:
                    raise self.fail("unmatched ')'")
                return
            if char == "|":
                self.pos += 1
                self.emit("|")
                continue
            quantifiable = self.term(depth)
            self.quantifier(quantifiable)
        if depth:
            raise self.fail("unterminated group")

    def term(self, depth: int) -> bool:
        """Emit one atom or assertion; True when a quantifier may follow it."""
        char = self.peek()
        self.pos += 1
        if char == "^":
            self.emit("^")
            return False
        if char == "$":
            self.emit("$", r"\Z")  # Python's `$` also matches before a final newline
            return False
        if char == ".":
            self.emit_set(complement(LINE_TERMINATORS))
            return True
        if char == "(":
            self.group(depth)
            return True
        if char == "[":
            self.emit_set(self.character_class())
            return True
        if char == "\\":
            return self.atom_escape()
        if char in "*+?":
            raise self.fail(f"nothing to repeat before {char!r}")
        if char in "{}]":
            raise self.fail(f"a lone {char!r} is not valid ECMA-262 with the u flag; escape it")
        self.emit_set(((ord(char), ord(char)),))
        return True

    def group(self, depth: int) -> None:
        if self.peek(2) == "?:":
            self.pos += 2
            self.emit("(?:")
        elif self.peek(3) in ("?<=", "?<!") or self.peek(2) in ("?=", "?!"):
            raise self.fail("look-around has no RE2 equivalent")
        elif self.peek(2) == "?<":
            end = self.pattern.find(">", self.pos)
            name = self.pattern[self.pos + 2:end] if end > 0 else ""
            if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name):
                raise self.fail("invalid group name")
            self.pos = end + 1
            self.emit("(?:")  # a name only matters to back-references, which are refused
        elif self.peek() == "?":
            raise self.fail("'(?' begins no ECMA-262 group here (inline flags are not ECMA-262)")
        else:
            self.emit("(")
        self.disjunction(depth + 1)
        self.pos += 1  # the ')' disjunction stopped at
        self.emit(")")

    def quantifier(self, quantifiable: bool) -> None:
        char = self.peek()
        if char in ("*", "+", "?"):
            text = char
            self.pos += 1
        elif char == "{" and (match := re.compile(r"\{(\d+)(,(\d*))?\}").match(self.pattern, self.pos)):
            low, high = int(match.group(1)), match.group(3)
            if high and int(high) < low:
                raise self.fail("numbers out of order in {} quantifier")
            if max(low, int(high or 0)) > _RE2_REPEAT_LIMIT:
                raise self.fail(f"RE2 repeats at most {_RE2_REPEAT_LIMIT} times")
            text = match.group(0)
            self.pos = match.end()
        else:
            return
        if not quantifiable:
            raise self.fail("an assertion cannot be repeated")
        if self.peek() == "?":
            text += "?"
            self.pos += 1
        if self.peek() in ("*", "+", "?") or (self.peek() == "{" and re.compile(r"\{\d").match(self.pattern, self.pos)):
            raise self.fail("nothing to repeat (a quantifier after a quantifier)")
        self.emit(text)

    def atom_escape(self) -> bool:
        char = self.peek()
        if char in ("b", "B"):
            self.pos += 1
            # ECMA-262's word boundary is ASCII, like RE2's; Python's is Unicode unless ASCII is asked for.
            self.emit(f"\\{char}", f"(?a:\\{char})")
            return False
        if (char.isdigit() and char != "0") or char == "k":
            raise self.fail("back-references have no RE2 equivalent")
        self.emit_set(self.escape(in_class=False))
        return True

    def escape(self, in_class: bool) -> Ranges:
        """The code points of the escape after a backslash (the backslash already read)."""
        if self.pos >= len(self.pattern):
            raise self.fail("\\ at end of pattern")
        char = self.peek()
        self.pos += 1
        sets = {"d": DIGITS, "w": WORD, "s": WHITE_SPACE}
        if char.lower() in sets:
            ranges = normalized(sets[char.lower()])
            return complement(ranges) if char.isupper() else ranges
        if char in ("p", "P"):
            end = self.pattern.find("}", self.pos)
            if self.peek() != "{" or end < 0:
                raise self.fail(f"\\{char} needs {{…}}")
            body = self.pattern[self.pos + 1:end]
            self.pos = end + 1
            ranges = property_ranges(self.pattern, body)
            return complement(ranges) if char == "P" else ranges
        return ((code := self.escaped_char(char, in_class)), code),

    def escaped_char(self, char: str, in_class: bool) -> int:
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if char == "c":
            letter = self.peek()
            if not (letter.isascii() and letter.isalpha()):
                raise self.fail("\\c must be followed by a letter")
            self.pos += 1
            return ord(letter) % 32
        if char == "0" and not self.peek().isdigit():
            return 0
        if char == "x":
            digits = self.peek(2)
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise self.fail("\\x needs two hex digits")
            self.pos += 2
            return int(digits, 16)
        if char == "u":
            return self.unicode_escape()
        if char in _SYNTAX or (in_class and char == "-"):
            return ord(char)
        if in_class and char == "b":
            return 0x08
        if char.isdigit():
            raise self.fail("back-references and octal escapes have no RE2 equivalent")
        raise self.fail(f"\\{char} is not a valid ECMA-262 escape with the u flag")

    def unicode_escape(self) -> int:
        if self.peek() == "{":
            end = self.pattern.find("}", self.pos)
            digits = self.pattern[self.pos + 1:end] if end > 0 else ""
            if not re.fullmatch(r"[0-9A-Fa-f]+", digits) or int(digits, 16) > _MAX:
                raise self.fail("\\u{…} needs a code point in hex")
            self.pos = end + 1
            code = int(digits, 16)
        else:
            digits = self.peek(4)
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise self.fail("\\u needs four hex digits")
            self.pos += 4
            code = int(digits, 16)
            trail = re.compile(r"\\u(D[C-F][0-9A-F]{2})", re.IGNORECASE).match(self.pattern, self.pos)
            if 0xD800 <= code <= 0xDBFF and trail:
                self.pos = trail.end()
                return 0x10000 + ((code - 0xD800) << 10) + (int(trail.group(1), 16) - 0xDC00)
        if _SURROGATES[0] <= code <= _SURROGATES[1]:
            raise self.fail("a lone surrogate never occurs in UTF-8 text and has no RE2 form")
        return code

    def character_class(self) -> Ranges:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        collected: list[tuple[int, int]] = []
        while True:
            if self.pos >= len(self.pattern):
                raise self.fail("unterminated character class")
            if self.peek() == "]":
                self.pos += 1
                break
            low, low_is_char = self.class_atom()
            if self.peek() == "-" and self.peek(2) != "-]" and self.pos + 1 < len(self.pattern):
                self.pos += 1
                high, high_is_char = self.class_atom()
                if not (low_is_char and high_is_char):
                    raise self.fail("a class escape cannot bound a range")
                if high[0][0] < low[0][0]:
                    raise self.fail("range out of order in character class")
                collected.append((low[0][0], high[0][0]))
            else:
                collected.extend(low)
        ranges = normalized(collected)
        return complement(ranges) if negated else ranges

    def class_atom(self) -> tuple[Ranges, bool]:
        """The code points of one class atom, and whether it is one character (a range may start there)."""
        char = self.peek()
        self.pos += 1
        if char == "\\":
            is_char = self.peek() not in ("d", "D", "w", "W", "s", "S", "p", "P")
            return self.escape(in_class=True), is_char
        return ((ord(char), ord(char)),), True
