"""The result of `conformance compare`: did the migration lose records, values or people? (issue 22)

Frozen values with one JSON serialisation (`conformance/compare.schema.json`) every compare reporter
starts from. Totals are exact; examples are capped and their values masked as a run masks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.results.masking import mask_my_numbers_in

CompareVerdict = Literal["pass", "fail", "incomplete"]
COMPARE_VERSION = "1.0"
COMPARE_EXIT_CODES: dict[CompareVerdict, int] = {"pass": 0, "fail": 1, "incomplete": 3}


@dataclass(frozen=True, slots=True)
class ItemDifference:
    """One item over the records in both exports: values that differ, were lost (empty in NEW) or were added."""

    item: str
    differ: int = 0
    lost: int = 0
    added: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"item": self.item, "differ": self.differ, "lost": self.lost, "added": self.added}


@dataclass(frozen=True, slots=True)
class Example:
    """One example: a record (by its key) lost, appeared, or with one item differing. Values already masked."""

    kind: Literal["lost", "appeared", "differ", "lost-value", "added-value"]
    key: str
    old_line: int | None = None
    new_line: int | None = None
    item: str | None = None
    old: str | None = None
    new: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form; unknown parts left out."""
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name) is not None}


@dataclass(frozen=True, slots=True)
class TableComparison:
    """One table of the operation compared between OLD and NEW, keyed by its primary key (or --key)."""

    name: str
    key: tuple[str, ...]
    old_file: str | None
    new_file: str | None
    old_records: int = 0
    new_records: int = 0
    lost: int = 0
    appeared: int = 0
    in_both: int = 0
    differing_records: int = 0
    differing_values: int = 0
    items: tuple[ItemDifference, ...] = ()
    examples: tuple[Example, ...] = ()
    duplicate_keys_old: int = 0
    duplicate_keys_new: int = 0
    note: str | None = None

    @property
    def compared(self) -> bool:
        """Both exports hold the table (else nothing about it is proven)."""
        return self.old_file is not None and self.new_file is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (compare.schema.json#/$defs/table)."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data["key"] = list(self.key)
        data["items"] = [item.to_dict() for item in self.items if item.differ or item.lost or item.added]
        data["examples"] = [example.to_dict() for example in self.examples]
        return {name: value for name, value in data.items() if value is not None}


@dataclass(frozen=True, slots=True)
class CountRow:
    """One category an officer checks, counted in both exports (from specs/<op>/compare.yaml)."""

    title: str
    table: str
    group: str
    old: int
    new: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"title": self.title, "table": self.table, "group": self.group, "old": self.old, "new": self.new,
                "difference": self.new - self.old}


@dataclass(frozen=True, slots=True)
class CompareResult:
    """Everything a compare reporter needs."""

    suite_version: str
    operation: str
    spec_version: str
    old: dict[str, Any] = field(hash=False)
    new: dict[str, Any] = field(hash=False)
    started: str = ""
    finished: str = ""
    tables: tuple[TableComparison, ...] = ()
    counts: tuple[CountRow, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def verdict(self) -> CompareVerdict:
        """pass: nothing lost, nothing differs beyond the declared tolerances (--ignore, --allow-added);
        incomplete: nothing failed but something was not proven — a table not in both exports, a table with
        records or files a reader could not read (its note), or no record at all in either export; else fail."""
        if any(t.lost or t.differing_values or (t.appeared and not self.options.get("allow_added")) for t in self.tables):
            return "fail"
        if (not self.tables or any(not t.compared or t.note for t in self.tables)
                or not any(t.old_records or t.new_records for t in self.tables)):
            return "incomplete"
        return "pass"

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 3 incomplete (2: usage error, before any result)."""
        return COMPARE_EXIT_CODES[self.verdict]

    def table(self, name: str) -> TableComparison:
        """The comparison of one table (KeyError if none)."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (compare.json), valid against conformance/compare.schema.json."""
        data: dict[str, Any] = mask_my_numbers_in({
            "compare_version": COMPARE_VERSION,
            "suite": {"name": "jichitai-conformance", "version": self.suite_version},
            "spec": {"id": self.operation, "version": self.spec_version},
            "old": self.old,
            "new": self.new,
            "started": self.started,
            "finished": self.finished,
            "options": self.options,
            "verdict": self.verdict,
            "tables": [table.to_dict() for table in self.tables],
            "counts": [row.to_dict() for row in self.counts],
        })
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompareResult:
        """Inverse of to_dict (the verdict is derived, not read)."""
        tables = []
        for raw in data["tables"]:
            table = dict(raw)
            table["key"] = tuple(table["key"])
            table["items"] = tuple(ItemDifference(**item) for item in table.get("items", ()))
            table["examples"] = tuple(Example(**example) for example in table.get("examples", ()))
            tables.append(TableComparison(**table))
        counts = tuple(CountRow(row["title"], row["table"], row["group"], row["old"], row["new"]) for row in data["counts"])
        return cls(data["suite"]["version"], data["spec"]["id"], data["spec"]["version"], data["old"], data["new"],
                   data["started"], data["finished"], tuple(tables), counts, data.get("options", {}))
