"""What a spec says of each item, flattened from its record schema: the checks in force (type, widths,
patterns, formats, code values) and the official list's annotations (x-item-id, x-romaji, …) when present."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from referencing.exceptions import Unresolvable

from conformance import spec as spec_store
from conformance.spec import SpecError
from conformance.spec.model import Spec, Table

# The official list's annotations of an item (issue 18); each may be absent (= not official / unknown).
OFFICIAL_KEYS = ("x-item-id", "x-romaji", "x-data-type", "x-width", "x-output-condition", "x-repeat",
                 "x-definition", "x-code-list")


@dataclass(frozen=True, slots=True)
class CodeValue:
    """One value of an item's code table, with its label when the table gives one."""

    code: str
    label: str | None


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One item as its schema constrains it (every `$ref` and `allOf` followed)."""

    table: str
    name: str
    position: int
    requirement: str
    required: bool
    personal: str | None
    json_type: str | None
    sql_type: str
    formats: tuple[str, ...]
    patterns: tuple[str, ...]
    max_length: int | None  # the smallest maxLength in force
    min_length: int | None
    pattern_width: tuple[int, int | None] | None  # (min, max) characters the patterns admit; None: unknown
    codes: tuple[CodeValue, ...] | None  # None: no code table (any value of the type)
    code_title: str | None
    code_basis: str | None
    official: dict[str, Any] = field(default_factory=dict)
    provenance: str | None = None  # an imported item's x-source: the workbook, sheet and row it came from

    @property
    def code_values(self) -> frozenset[str] | None:
        """The admitted code values, or None when the item has no code table."""
        return None if self.codes is None else frozenset(value.code for value in self.codes)

    @property
    def key(self) -> str:
        """`table.item`, how the diff and the catalogue name an item."""
        return f"{self.table}.{self.name}"


_MAX_DEPTH = 32  # a cycle of `$ref`s in a hand-made folder must end in a message, not a RecursionError


def _walk(node: dict[str, Any], resolver: Any, seen: list[dict[str, Any]], depth: int = 0) -> None:
    """Every subschema whose keywords apply to the item: the node, its `$ref` targets, its `allOf` members."""
    if depth > _MAX_DEPTH:
        raise SpecError(f"$ref / allOf が {_MAX_DEPTH} 段を超えます（循環参照?）")
    seen.append(node)
    if isinstance(node.get("$ref"), str):
        try:
            resolved = resolver.lookup(node["$ref"])
        except Unresolvable:
            raise SpecError(f"$ref を解決できません: {node['$ref']}") from None
        if isinstance(resolved.contents, dict):
            _walk(resolved.contents, resolved.resolver, seen, depth + 1)
    for member in node.get("allOf", ()):
        if isinstance(member, dict):
            _walk(member, resolver, seen, depth + 1)


def _item(table: Table, position: int, name: str, prop: dict[str, Any], root: Path) -> ItemFacts:
    nodes: list[dict[str, Any]] = []
    try:
        _walk(prop, spec_store.registry(root).resolver(str(table.schema.get("$id", ""))), nodes)
    except SpecError as error:
        raise SpecError(f"{table.operation} {table.name}.{name}: {error}; run `conformance spec lint`") from None

    def first(key: str) -> Any:
        return next((node[key] for node in nodes if key in node), None)

    max_lengths = [n["maxLength"] for n in nodes if isinstance(n.get("maxLength"), int)]
    min_lengths = [n["minLength"] for n in nodes if isinstance(n.get("minLength"), int)]
    patterns = tuple(dict.fromkeys(n["pattern"] for n in nodes if isinstance(n.get("pattern"), str)))
    widths = [pattern_width(pattern) for pattern in patterns]
    width: tuple[int, int | None] | None = None
    if widths and all(w is not None for w in widths):
        known = [w for w in widths if w is not None]
        uppers = [w[1] for w in known if w[1] is not None]
        width = (max(w[0] for w in known), min(uppers) if uppers else None)
    enums = [n for n in nodes if isinstance(n.get("enum"), list)]
    codes: tuple[CodeValue, ...] | None = None
    code_node = enums[0] if enums else None
    if code_node is not None:
        allowed = [str(v) for v in code_node["enum"]]
        for other in enums[1:]:
            allowed = [v for v in allowed if v in {str(o) for o in other["enum"]}]
        labels = {str(c.get("code")): str(c.get("label")) for c in code_node.get("x-codes", ()) if isinstance(c, dict)}
        codes = tuple(CodeValue(value, labels.get(value)) for value in allowed)
    source = code_node.get("x-source") if code_node is not None else None
    return ItemFacts(
        table=table.name, name=name, position=position, requirement=str(prop.get("x-requirement", "")),
        required=name in set(table.schema.get("required", ())), personal=first("x-personal"),
        json_type=first("type"), sql_type=str(first("x-sql-type") or "VARCHAR"),
        formats=tuple(dict.fromkeys(str(n["format"]) for n in nodes if isinstance(n.get("format"), str))),
        patterns=patterns, max_length=min(max_lengths) if max_lengths else None,
        min_length=max(min_lengths) if min_lengths else None, pattern_width=width, codes=codes,
        code_title=str(code_node["title"]) if code_node is not None and "title" in code_node else None,
        code_basis=str(source["basis"]) if isinstance(source, dict) and "basis" in source else None,
        official={key: value for key in OFFICIAL_KEYS if (value := first(key)) is not None},
        provenance=_provenance(prop.get("x-source")),
    )


def _provenance(source: Any) -> str | None:
    if not isinstance(source, dict):
        return None
    parts = [str(source[key]) for key in ("document", "sheet") if source.get(key) is not None]
    if source.get("row") is not None:
        parts.append(f"{source['row']}行")
    return " ".join(parts) or None


def table_items(table: Table, root: Path) -> tuple[ItemFacts, ...]:
    """The facts of every item of `table`, in schema order."""
    properties = table.schema.get("properties", {})
    return tuple(_item(table, n, name, prop, root) for n, (name, prop) in enumerate(properties.items(), 1)
                 if isinstance(prop, dict))


def spec_items(spec: Spec, root: Path) -> dict[str, tuple[ItemFacts, ...]]:
    """Table name -> its items' facts."""
    return {table.name: table_items(table, root) for table in spec.tables}


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def pattern_text(pattern: str) -> str:
    """A pattern as a reader can see it: control, format and unassigned characters as ECMA-262 escapes."""
    return "".join((f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\u{{{ord(c):X}}}") if _hidden(c) else c
                   for c in pattern)


def visible(text: str) -> str:
    """Text with its invisible characters (controls other than line breaks and tabs, BOM, zero-width) as <U+XXXX>."""
    return "".join(f"<U+{ord(c):04X}>" if _hidden(c) and c not in "\n\t" else c for c in text)


# --- how many characters a pattern admits ------------------------------------------------------------

class _Unknown(Exception):
    """A construct the width reader does not know: the width is unknown, never guessed."""


def pattern_width(pattern: str) -> tuple[int, int | None] | None:
    """(min, max) characters a full match of `pattern` has (max None: unbounded); None when unknown."""
    try:
        width, end = _alternatives(pattern, 0)
    except (_Unknown, IndexError, ValueError):
        return None
    if end != len(pattern):
        return None
    # JSON Schema's pattern is a search: without both anchors, any text may surround the match.
    anchored = pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    return width if anchored else (width[0], None)


def _alternatives(text: str, at: int) -> tuple[tuple[int, int | None], int]:
    options = []
    while True:
        width, at = _sequence(text, at)
        options.append(width)
        if at < len(text) and text[at] == "|":
            at += 1
            continue
        uppers = [o[1] for o in options]
        return (min(o[0] for o in options), None if None in uppers else max(u for u in uppers if u is not None)), at


def _sequence(text: str, at: int) -> tuple[tuple[int, int | None], int]:
    low, high = 0, 0
    unbounded = False
    while at < len(text) and text[at] not in "|)":
        char = text[at]
        if char in "^$":
            at += 1
            continue
        if char == "(":
            at += 3 if text.startswith("(?:", at) else 1
            if text[at] == "?":
                raise _Unknown(text)  # look-around: not in the specs' subset
            (a, b), at = _alternatives(text, at)
            if text[at] != ")":
                raise _Unknown(text)
            at += 1
        elif char == "[":
            at = _class_end(text, at + 1)
            a, b = 1, 1
        elif char == "\\":
            if text[at + 1] in "bB":
                raise _Unknown(text)
            at = _escape_end(text, at + 1)
            a, b = 1, 1
        elif char in "*+?{":
            raise _Unknown(text)
        else:
            at += 1
            a, b = 1, 1
        (lo, hi), at = _quantifier(text, at)
        low += a * lo
        if b == 0 or hi == 0:
            continue
        if b is None or hi is None:
            unbounded = True
        else:
            high += b * hi
    return (low, None if unbounded else high), at


def _class_end(text: str, at: int) -> int:
    if text[at] == "^":
        at += 1
    if text[at] == "]":
        at += 1
    while text[at] != "]":
        at = _escape_end(text, at + 1) if text[at] == "\\" else at + 1
    return at + 1


def _escape_end(text: str, at: int) -> int:
    """The index after an escape whose letter is at `at` (`\\u{…}`, `\\uXXXX`, `\\p{…}`, `\\xXX`, `\\d`)."""
    letter = text[at]
    if letter in "upP" and text[at + 1] == "{":
        return text.index("}", at) + 1
    if letter == "u":
        return at + 5
    if letter == "x":
        return at + 3
    return at + 1


def _quantifier(text: str, at: int) -> tuple[tuple[int, int | None], int]:
    if at >= len(text):
        return (1, 1), at
    char = text[at]
    if char in "*+?":
        bounds: tuple[int, int | None] = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        at += 1
    elif char == "{":
        end = text.index("}", at)
        low, comma, high = text[at + 1:end].partition(",")
        bounds = (int(low), int(high) if high else (None if comma else int(low)))
        at = end + 1
    else:
        return (1, 1), at
    if at < len(text) and text[at] == "?":
        at += 1  # lazy: the same widths
    return bounds, at
