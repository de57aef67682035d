"""What every reader returns: a header, records with their line numbers, and the problems met."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

# "value": a property of an item's values that only the item's schema can judge (numeric-cell).
Aspect = Literal["encoding", "syntax", "header", "value"]


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """A problem with the file itself; the engine turns it into a finding of the matching requirement."""

    aspect: Aspect
    code: str
    message: str
    line: int | None = None
    item: str | None = None
    record: int | None = None
    """The record the issue is about, when it is about one record (a rejected JSON record)."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One data record as read: its number among the file's records, its first line, its values."""

    record: int
    line: int
    values: dict[str, str]


@dataclass
class ParsedTable:
    """A file opened as a table. `records` is consumed once; rejected records are counted, not kept."""

    header: list[str]
    records: Iterator[RawRecord]
    issues: list[ReadIssue] = field(default_factory=list)
    encoding: str | None = None
    bom: bool = False
    rejected: int = 0
    # The same records as (record, line, cells as text, one per header column),
    # for a reader that holds rows (workbooks): the database stages them without a dict per record.
    # `records` and `cells` are one pass: consume one of them.
    cells: Iterator[tuple[int, int, list[str]]] | None = None

    @classmethod
    def unreadable(cls, issue: ReadIssue, *, encoding: str | None = None, bom: bool = False) -> ParsedTable:
        """A file that could not be read at all."""
        return cls(header=[], records=iter(()), issues=[issue], encoding=encoding, bom=bom)

    @property
    def readable(self) -> bool:
        """False when the file yielded no header (nothing of it can be tested)."""
        return bool(self.header)


def row_values(header_positions: dict[str, int], cells: list[str]) -> dict[str, str]:
    """The non-empty values of a row by column name (a duplicated column keeps its first position)."""
    return {name: cells[i] for name, i in header_positions.items() if i < len(cells) and cells[i] != ""}


def header_positions(header: list[str]) -> dict[str, int]:
    """Column name -> its first position in the header."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name, index)
    return positions


@dataclass(frozen=True, slots=True)
class InputLimits:
    """How much a hostile target may make the suite read before it is refused.

    ZIP (decompression bombs): the total extracted bytes, the member count, and the expansion ratio
    of each member; the ratio is judged only on members larger than `zip_ratio_floor` bytes, since a
    small file compresses well without being a bomb and a bomb that stays small is no danger.
    `max_file_bytes` caps the formats read whole into memory (JSON, NDJSON, XLSX); `max_sheets` the
    sheets of a workbook (a standard export holds one table per sheet, a few dozen at most).
    `max_sheet_cells` caps a sheet's used range (its last row × its last column holding a value): a
    workbook reader builds that grid densely in memory, so one stray cell at XFD1048576 would ask for
    17 billion cells; the sheet's XML is scanned (streaming) before any grid is built.
    """

    zip_max_total_bytes: int = 4 * 1024**3
    zip_max_ratio: float = 200.0
    zip_max_members: int = 10_000
    zip_ratio_floor: int = 1024**2
    max_file_bytes: int = 1024**3
    max_sheets: int = 1_000
    max_sheet_cells: int = 20_000_000


class ReaderError(Exception):
    """The reader could not go on; carries the issue that says why."""

    def __init__(self, issue: ReadIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue
