"""What a table's load hands on: the records as a reader gives them (`Rows`, which the database loads
whatever reader made them), the table as stored (`LoadedTable`), and the reason a store failed as a report
may show it (`error_summary`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from conformance.results.masking import sanitised
from conformance.spec.model import Table


class Row(Protocol):
    """One record as a reader gives it: its number, its first line, its non-empty values by item."""

    @property
    def record(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def values(self) -> Mapping[str, str]: ...


class Rows(Protocol):
    """A table as a reader gives it: the header and the records (consumed once)."""

    @property
    def header(self) -> Sequence[str]: ...
    @property
    def records(self) -> Iterator[Row]: ...


@dataclass(frozen=True, slots=True)
class LoadedTable:
    """A table in the database: how many records, and which standard items had a column."""

    table: Table
    records: int
    present: frozenset[str]


def error_summary(error: BaseException) -> str:
    """An internal error as a reason a report may show: its first line, cut where it starts quoting.

    DuckDB's messages quote the data they choked on ("Original Line: …", "Could not convert string
    '…'"), and a reason must never carry a personal value, let alone a 個人番号."""
    first = (str(error).strip().splitlines() or [""])[0]
    cut = min((index for index in (first.find("'"), first.find('"'), first.find("Original Line")) if index >= 0), default=len(first))
    return f"{type(error).__name__}: {sanitised(first[:cut].rstrip(' :'))}" + ("…" if cut < len(first) else "")

