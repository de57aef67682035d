"""The standard as loaded from specs/: frozen values, no behaviour beyond look-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Level = Literal["必須", "標準オプション", "実装不可"]
Basis = Literal["official", "practice", "assumption"]
CheckKind = Literal["file", "schema", "row", "dataset", "pending"]
Personal = Literal["mask", "never"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a requirement comes from, and how sure we are of it."""

    document: str
    section: str
    basis: Basis
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """A table of another operation (or another table of the same one) that a dataset rule reads."""

    operation: str
    table: str
    items: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """(operation, table)."""
        return (self.operation, self.table)


@dataclass(frozen=True, slots=True)
class Check:
    """The executable form of a requirement."""

    kind: CheckKind
    table: str | None = None
    aspect: str | None = None
    items: tuple[str, ...] = ()
    sql: str | None = None
    references: tuple[Reference, ...] = ()
    # The records a rule judges: an SQL predicate over the table's typed view, or (dataset rules) a
    # query returning `_record` of the judged records; None: derived (docs/SPEC-AUTHORING.md).
    population: str | None = None
    # The items a rule's finding blames (names and shows): declared, or () to derive (blamed_items).
    blame: tuple[str, ...] = ()
    # A pending check (an official condition with no rule yet): why its requirement is not tested.
    reason: str | None = None

    def blamed_items(self, primary_key: tuple[str, ...]) -> tuple[str, ...]:
        """The items at fault in a rule's finding: the declared `blame`; else, for a dataset rule on a
        table with a one-item primary key, its items without that key (the rule groups or joins by the
        key, which only names the record), unless it reads nothing else (duplicates); else all its items
        (a composite key often holds a date the rule compares, and a row rule reads its own record only)."""
        if self.blame:
            return self.blame
        if self.kind == "dataset" and len(primary_key) == 1:
            return tuple(item for item in self.items if item not in primary_key) or self.items
        return self.items


@dataclass(frozen=True, slots=True)
class Requirement:
    """One testable statement of the standard."""

    id: str
    operation: str
    title: str
    level: Level
    source: Source
    fix: str
    check: Check


@dataclass(frozen=True, slots=True)
class Item:
    """One データ項目 of a table."""

    name: str
    requirement: str
    required: bool
    personal: Personal | None
    sql_type: str
    format: str | None = None  # the value format of its schema (`format`), which may give its typed value
    # A code or identifier: typed as a text string whose every allowed value is digits (its pattern, or
    # its enum); a number stored in its place has lost its leading zeros (a workbook's numeric cell).
    digits: bool = False
    # What an official 基本データリスト says of the item (`x-item-id`, `x-romaji`); None: not official or unknown.
    item_id: str | None = None
    romaji: str | None = None

    @property
    def field_name(self) -> str:
        """The item's name when it travels by API: its official romaji, else its Japanese name."""
        return self.romaji or self.name


# Table.requirement_items of the last tables asked, by id: each entry holds its table, so an id is not
# reused while its entry stands.
_REQUIREMENT_ITEMS: dict[int, tuple[Table, dict[str, set[str]]]] = {}
_REQUIREMENT_ITEMS_KEPT = 256


@dataclass(frozen=True, slots=True)
class Table:
    """One kind of record an operation exports: one JSON Schema, one file."""

    name: str
    operation: str
    schema: dict[str, Any] = field(repr=False, hash=False, compare=False)
    items: tuple[Item, ...]
    primary_key: tuple[str, ...]
    file_names: tuple[str, ...]

    def item(self, name: str) -> Item | None:
        """The item called `name`, if the table has one."""
        return next((item for item in self.items if item.name == name), None)

    def requirement_items(self) -> dict[str, set[str]]:
        """Requirement ID -> the items whose schema names it (directly or in a nested subschema).

        Walked once per table object (a run asks three times per table, ~1 ms for a hundred items each):
        a spec's schemas are not changed once loaded. The caller gets its own copy."""
        entry = _REQUIREMENT_ITEMS.get(id(self))
        if entry is None or entry[0] is not self:
            entry = (self, self._requirement_items())
            _REQUIREMENT_ITEMS[id(self)] = entry
            while len(_REQUIREMENT_ITEMS) > _REQUIREMENT_ITEMS_KEPT:  # the oldest first (dicts keep order)
                del _REQUIREMENT_ITEMS[next(iter(_REQUIREMENT_ITEMS))]
        return {requirement: set(items) for requirement, items in entry[1].items()}

    def _requirement_items(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}

        def visit(node: Any, item: str) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("x-requirement"), str):
                    found.setdefault(node["x-requirement"], set()).add(item)
                for value in node.values():
                    visit(value, item)
            elif isinstance(node, list):
                for value in node:
                    visit(value, item)

        for name, subschema in self.schema.get("properties", {}).items():
            visit(subschema, name)
        return found

    @property
    def unknown_item_requirement(self) -> str:
        """The requirement that an item outside the standard violates (the schema root's)."""
        return str(self.schema["x-requirement"])


@dataclass(frozen=True, slots=True)
class Document:
    """An official document a spec encodes."""

    title: str
    version: str
    date: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Spec:
    """One operation's standard at one version."""

    id: str
    name: str
    version: str
    ministry: str
    documents: tuple[Document, ...]
    bom_policy: Literal["allowed", "forbidden", "required"]
    tables: tuple[Table, ...]
    requirements: tuple[Requirement, ...]
    path: Path

    def requirement(self, requirement_id: str) -> Requirement:
        """The requirement with this ID (KeyError when the spec has none)."""
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(requirement_id)

    def table(self, name: str) -> Table | None:
        """The table called `name`, if the spec has one."""
        return next((table for table in self.tables if table.name == name), None)

    def file_requirement(self, aspect: str) -> Requirement | None:
        """The requirement checking one aspect of every file (encoding, syntax, header, presence)."""
        return next(
            (r for r in self.requirements if r.check.kind == "file" and r.check.aspect == aspect), None
        )

    @property
    def rule_count(self) -> int:
        """How many row and dataset rules the spec has."""
        return sum(1 for r in self.requirements if r.check.kind in ("row", "dataset"))
