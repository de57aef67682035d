"""Why a broken case fails: the finding codes and the first location its mutation must produce.

Derived from the mutation itself (what each change touched: a file, a record, an item and its new value)
and the requirement's check in the spec, never from a run: a file-level change gives its aspect's code,
a changed value of an item gives the code of each schema keyword of that requirement the value violates,
a changed record under a row or dataset rule gives `row-rule` / `dataset-rule` on that record. Where the
first finding is not on a changed record (a duplicate whose partner comes first, a rule judged on another
table), the case table states it (`expect`), as the author's claim. The test of the fixtures compares
both with the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from conformance import spec as spec_store
from conformance.results import codes
from conformance.spec.ecma_regex import translate
from conformance.spec.model import Requirement, Spec, Table

__all__ = ["CHANGE_CODES", "FORMAT_CODES", "KEYWORD_CODES", "KEYWORD_PRECEDENCE", "DerivationError", "Touch", "derive"]

# The finding codes a mutation must produce, in one place (the codes themselves are declared once, in the
# catalogue conformance/results/codes.py, which the engine uses too).
CHANGE_CODES: dict[str, tuple[str, str]] = {
    "encode": ("encoding", codes.NOT_UTF8),
    "extra-field": ("syntax", codes.FIELD_COUNT),
    "blank-line": ("syntax", codes.FIELD_COUNT),
    "drop-column": ("header", codes.MISSING_COLUMN),
    "remove-file": ("presence", codes.MISSING_FILE),
    "add-column": ("unknown-items", codes.UNKNOWN_ITEM),
}
"""A change of the file itself -> (the file aspect of the requirement it breaks, the code)."""

KEYWORD_CODES = {
    "required": codes.MISSING_ITEM,
    "pattern": codes.PATTERN_MISMATCH,
    "maxLength": codes.TOO_LONG,
    "minLength": codes.TOO_SHORT,
    "enum": codes.NOT_IN_CODE_TABLE,
    "const": codes.CONST_MISMATCH,
}
"""A schema keyword a value violates -> its code."""

KEYWORD_PRECEDENCE = {"required": 0, "enum": 20, "const": 20, "maxLength": 30, "minLength": 30, "pattern": 40}
"""The engine's precedence of these keywords (conformance/checks/keywords.py; every value format is
after them: VALUE_FORMATS' default): a value breaking several keywords of one requirement gets one
finding, the lowest's. The generator may not import the checks; tests/test_finding_codes.py holds the
two equal."""

FORMAT_CODES: dict[str, tuple[str, bool]] = {
    "date": (codes.INVALID_DATE, True),
    "date-period-start": (codes.INVALID_DATE, True),
    "date-period-end": (codes.INVALID_DATE, True),
    "jp-jisx0213": (codes.CHARACTER_OUTSIDE_REPERTOIRE, False),
    "jp-gyosei-moji": (codes.CHARACTER_OUTSIDE_REPERTOIRE, False),
}
"""A format -> (its code, whether it checks the value's shape too); any other format is a number with a
check digit: `check-digit`, shape included. A format's finding is given only when no other keyword of
its requirement is broken (its precedence is the lowest)."""
OTHER_FORMAT = (codes.CHECK_DIGIT, True)

RULE_CODES = {"row": codes.ROW_RULE, "dataset": codes.DATASET_RULE}


class DerivationError(ValueError):
    """The mutation does not tell why the requirement fails: the case table must state `expect`."""


@dataclass(frozen=True, slots=True)
class Touch:
    """What one change did: its kind, the file, and where: line, record (from 1), item, the record's values."""

    kind: str
    file: str
    record: int | None = None
    item: str | None = None
    line: int | None = None
    values: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class _Constraint:
    keyword: str
    value: Any


def _constraints(table: Table, item: str, requirement: str) -> list[_Constraint]:
    """The schema keywords of `item` whose innermost `x-requirement` is `requirement`."""
    properties = table.schema.get("properties", {})
    found: list[_Constraint] = []
    if item in table.schema.get("required", ()) and properties.get(item, {}).get("x-requirement") == requirement:
        found.append(_Constraint("required", True))

    def walk(node: Any, owner: str, resolver: Any) -> Iterator[_Constraint]:
        if not isinstance(node, dict):
            return
        owner = node.get("x-requirement", owner)
        for keyword, value in node.items():
            if keyword == "$ref":
                resolved = resolver.lookup(value)
                yield from walk(resolved.contents, owner, resolved.resolver)
            elif keyword == "allOf":
                for subschema in value:
                    yield from walk(subschema, owner, resolver)
            elif (keyword in KEYWORD_CODES or keyword == "format") and owner == requirement:
                yield _Constraint(keyword, value)

    if item in properties:
        found.extend(walk(properties[item], "", spec_store.registry().resolver(table.schema["$id"])))
    return found


def _violated(constraints: list[_Constraint], value: str, formats: Mapping[str, str | None]) -> list[str]:
    """The code of the finding `value` gives: one per record and item within a requirement, that of the
    most telling keyword it violates (KEYWORD_PRECEDENCE; an empty value violates only `required`; a
    format `formats` maps to None is not asserted: an undeclared check digit, results.check_digits)."""
    if value == "":
        return [KEYWORD_CODES["required"]] if any(c.keyword == "required" for c in constraints) else []
    broken: list[tuple[int, str]] = []
    for constraint in constraints:
        keyword, expected = constraint.keyword, constraint.value
        if (
            (keyword == "pattern" and re.search(translate(expected).python, value) is None)
            or (keyword == "maxLength" and len(value) > int(expected))
            or (keyword == "minLength" and len(value) < int(expected))
            or (keyword == "enum" and value not in expected)
            or (keyword == "const" and value != expected)
        ):
            broken.append((KEYWORD_PRECEDENCE[keyword], KEYWORD_CODES[keyword]))
    if broken:
        # min() keeps the first of equal precedence: schema order, as the engine breaks ties.
        return [min(broken, key=lambda found: found[0])[1]]
    # A format is checked by the engine's functions and is the least telling keyword: a value every
    # other keyword accepts was changed to break the format (the case must fail its requirement).
    for constraint in constraints:
        if constraint.keyword == "format" and formats.get(constraint.value, constraint.value) is not None:
            return [FORMAT_CODES.get(constraint.value, OTHER_FORMAT)[0]]
    return []


def _table_of(spec: Spec, file: str) -> Table | None:
    stem = PurePosixPath(file).stem
    return next((t for t in spec.tables if t.name == stem or file in t.file_names), None)


def _location(touch: Touch, keys: Iterable[str]) -> dict[str, Any]:
    return {key: getattr(touch, key) for key in keys if getattr(touch, key) is not None}


def _expected(spec: Spec, requirement: Requirement, touch: Touch,
              formats: Mapping[str, str | None]) -> list[tuple[list[str], dict[str, Any]]]:
    """(codes, location) of the findings this touch gives the requirement, if any."""
    check = requirement.check
    table = _table_of(spec, touch.file)
    if touch.kind in CHANGE_CODES:
        aspect, code = CHANGE_CODES[touch.kind]
        if aspect == "unknown-items":
            applies = table is not None and table.unknown_item_requirement == requirement.id
        else:
            applies = check.kind == "file" and check.aspect == aspect
        if not applies:
            return []
        keys = {"remove-file": (), "encode": ("file", "line"), "extra-field": ("file", "line"),
                "blank-line": ("file", "line")}.get(touch.kind, ("file", "line", "item"))
        return [([code], _location(touch, keys))]
    if touch.kind != "record" or table is None:
        return []
    if check.kind in RULE_CODES:
        if check.table != table.name:
            return []
        return [([RULE_CODES[check.kind]], _location(touch, ("file", "line", "record")))]
    if check.kind != "schema":
        return []
    items = table.requirement_items().get(requirement.id, set())
    names = [touch.item] if touch.item is not None else [name for name in touch.values if name in items]
    found = []
    for name in names:
        if name not in items:
            continue
        codes = _violated(_constraints(table, name, requirement.id), touch.values.get(name, ""), formats)
        if codes:
            found.append((codes, {**_location(touch, ("file", "line", "record")), "item": name}))
    return found


def derive(spec: Spec, requirement: Requirement, touched: Iterable[Touch], expect: Mapping[str, Any],
           formats: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """{codes, first} for the failing requirement; `expect` (the case table's claim) overrides either.

    `formats`: the formats the case's declaration leaves unasserted (None) or replaces, as a run does."""
    found = [finding for touch in touched for finding in _expected(spec, requirement, touch, formats or {})]
    codes = sorted({code for codes, _ in found for code in codes})
    # A run reads the tables in the spec's order, and each table's findings come in record order.
    order = {name: position for position, table in enumerate(spec.tables) for name in (f"{table.name}.csv", *table.file_names)}
    first = min((location for _, location in found), default=None, key=lambda location: (
        order.get(location.get("file", ""), len(order)), location.get("line") or 0, location.get("record") or 0))
    if requirement.check.kind in RULE_CODES:  # a rule has one code, whichever record it is judged on
        codes = [RULE_CODES[requirement.check.kind]]
    if "codes" in expect:
        codes = sorted(expect["codes"])
    if "first" in expect:
        first = dict(expect["first"])
    if not codes or first is None:
        raise DerivationError(f"the changes do not tell why {requirement.id} fails: state `expect: {{codes, first}}`")
    return {"codes": codes, "first": first}
