"""JSON Schema keywords compiled to SQL over the text columns of a table.

A record schema is flattened into constraints (item, keyword, value, requirement): `$ref` and
`allOf` are followed, and the innermost `x-requirement` on the way names the requirement. Each
constraint becomes a predicate that is TRUE for a violating record; one scan evaluates them all.
A keyword outside the supported set makes the whole table fall back to row-by-row validation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from referencing import Registry

from conformance.checks.database import literal, quote
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.keywords import KEYWORDS
from conformance.spec.model import Table

# Keywords that assert nothing about a value.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"})
_ROOT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties"})


class _Resolver(Protocol):
    """What `referencing.Registry.resolver()` returns, as far as the compiler uses it (its class is private)."""

    def lookup(self, ref: str) -> Any:
        """The resolved subschema: `.contents`, and `.resolver` for references inside it."""


class UnsupportedSchema(Exception):
    """The schema uses a keyword (or a form of one) that the compiler does not translate."""


class InvalidSchema(Exception):
    """The schema cannot be checked as written, compiled or row by row (a spec error `spec lint` reports)."""


@dataclass(frozen=True, slots=True)
class Constraint:
    """One keyword applied to one item, traced to its requirement."""

    item: str
    keyword: str
    value: Any
    requirement: str

    def predicate(self, large: bool = False) -> str:
        """SQL that is TRUE when the record violates this constraint (`large`: the table is big enough
        that a format's SQL twin, slow to compile but fast to run, beats calling Python per value)."""
        predicate = KEYWORDS[self.keyword].predicate
        if predicate is None:
            raise UnsupportedSchema(self.keyword)
        return predicate(quote(self.item), self.value, large)

    def twin(self) -> Callable[[str | None, Any], bool]:
        """The predicate's Python twin: (value, keyword value) -> violated (registry.KeywordCheck.python)."""
        python = KEYWORDS[self.keyword].python
        if python is None:
            raise UnsupportedSchema(self.keyword)
        return python


def _walk(schema: Any, resolver: _Resolver, item: str, requirement: str, formats: Mapping[str, str | None]) -> Iterator[Constraint]:
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"boolean subschema at {item}")
    requirement = schema.get("x-requirement", requirement)
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-"):
            continue
        if keyword == "$ref":
            resolved = resolver.lookup(value)
            yield from _walk(resolved.contents, resolved.resolver, item, requirement, formats)
        elif keyword == "allOf":
            for subschema in value:
                yield from _walk(subschema, resolver, item, requirement, formats)
        elif keyword == "type":
            # Every value of a tabular record is text, so only a type admitting strings is compiled.
            if value != "string":
                raise UnsupportedSchema(f"type {value!r} at {item}")
        else:
            if keyword == "format":
                value = formats.get(value, value)
                if value is None:  # not asserted (an undeclared check digit: results.check_digits.CHECK_DIGIT_PROFILES)
                    continue
            check = KEYWORDS.get(keyword)
            if check is None or check.predicate is None or not check.compiles(value):
                raise UnsupportedSchema(f"{keyword} {value!r} at {item}")
            yield Constraint(item, keyword, value, requirement)


_COMPILED: OrderedDict[tuple[int, int, tuple[tuple[str, str | None], ...]], tuple[Table, Registry[Any], list[Constraint]]] = OrderedDict()
_COMPILED_KEPT = 64


def compile_constraints(table: Table, registry: Registry[Any], formats: Mapping[str, str | None] | None = None) -> list[Constraint]:
    """Every constraint of the table's schema, in schema order (UnsupportedSchema if one cannot be).

    `formats` replaces format names (a declared character profile: see formats.CHARACTER_PROFILES), None
    leaving a format unasserted (check digits not declared: results.check_digits.CHECK_DIGIT_PROFILES).
    A process keeps the last tables' constraints (a spec's tables and registry are loaded once and never
    change): following the `$ref`s cost a few ms per table and run, as much as a small table's checks."""
    key = (id(table), id(registry), tuple(sorted((formats or {}).items())))
    kept = _COMPILED.get(key)
    if kept is not None and kept[0] is table and kept[1] is registry:
        _COMPILED.move_to_end(key)
        return list(kept[2])
    constraints = _compile(table, registry, formats)
    _COMPILED[key] = (table, registry, constraints)  # the table and registry held: their ids stay theirs
    if len(_COMPILED) > _COMPILED_KEPT:
        _COMPILED.popitem(last=False)
    return list(constraints)


def _compile(table: Table, registry: Registry[Any], formats: Mapping[str, str | None] | None) -> list[Constraint]:
    schema = table.schema
    for keyword in schema:
        if keyword not in _ANNOTATIONS | _ROOT_KEYWORDS and not keyword.startswith("x-"):
            raise UnsupportedSchema(f"root keyword {keyword}")
    if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
        raise UnsupportedSchema("root must be a closed object")
    resolver = registry.resolver(schema["$id"])
    constraints: list[Constraint] = []
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in properties:
            # Closed world: no record can hold an item the schema does not list.
            raise InvalidSchema(f"required の項目「{name}」が properties にありません")
        constraints.append(Constraint(name, "required", True, properties[name].get("x-requirement", schema.get("x-requirement", ""))))
    for name, subschema in properties.items():
        constraints.extend(_walk(subschema, resolver, name, subschema.get("x-requirement", ""), formats or {}))
    return constraints


def candidate_predicates(constraints: list[Constraint], predicates: list[str]) -> list[str]:
    """The predicates that pick the records worth listing, with every character check (a joinable
    format: 行政事務標準文字, or JIS X 0213 under its profile) folded into one per format.

    One regex over the items joined by ',' fails exactly when one of them fails: ',' is in both
    repertoires, pairs with nothing and is no base of a variation selector, so a stray U+309A or
    selector stays stray and no two items' characters combine; measured, one call per record costs half
    of one call per item (38 items in 住民)."""
    folded: list[str] = []
    joinable: dict[str, list[str]] = {}
    for constraint, predicate in zip(constraints, predicates, strict=True):
        if constraint.keyword == "format" and VALUE_FORMATS[constraint.value].joinable:
            joinable.setdefault(constraint.value, []).append(quote(constraint.item))
        else:
            folded.append(f"({predicate})")
    for name, columns in joinable.items():
        joined = "concat_ws(" + ", ".join([literal(","), *columns]) + ")"
        large_table_sql = VALUE_FORMATS[name].large_table_sql
        assert large_table_sql is not None  # ValueFormat: joinable needs it
        folded.append(f"NOT {large_table_sql(joined)}")
    return folded


def violation_query(constraints: list[Constraint], source: str, large: bool = False) -> str:
    """SELECT _record, _line, i: one row per violated constraint (i indexes `constraints`)."""
    predicates = [c.predicate(large) for c in constraints]
    cases = ", ".join(f"CASE WHEN {p} THEN {i} END" for i, p in enumerate(predicates))
    # Only the records violating something build the list of violated constraints: on a large,
    # mostly clean table that list is the costly part, not the predicates.
    # On a small table, binding the predicates twice costs more than the lists (per-query overhead).
    where = f"WHERE {' OR '.join(candidate_predicates(constraints, predicates))}" if large else ""
    return (
        f"SELECT _record, _line, i FROM (SELECT _record, _line, unnest([{cases}]) AS i FROM {source} {where}) "
        "WHERE i IS NOT NULL"
    )
