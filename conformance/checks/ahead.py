"""A delimited file DuckDB read before its reader proved it plain (`Database.read_ahead`): kept by
`Database.load` only when the proof then agrees, else dropped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from conformance.spec.model import Table


class PlainFile(Protocol):
    """A delimited file proven plain by its reader: DuckDB may read it itself. `breaks`: (record index, extra
    lines) of the few records whose quoted fields hold line breaks, in order."""

    @property
    def path(self) -> Path: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def records(self) -> int: ...
    @property
    def breaks(self) -> Sequence[tuple[int, int]]: ...


def frozen(expressions: Mapping[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if expressions is None else tuple(sorted(expressions.items()))


@dataclass(frozen=True, slots=True)
class AheadRead:
    """A delimited file DuckDB read before its reader proved it plain (`Database.read_ahead`)."""

    operation: str
    table: str
    path: Path
    delimiter: str
    width: int
    header: tuple[str, ...]
    expressions: tuple[tuple[str, str], ...] | None
    # DuckDB's count of the records it stored, or None when it refused the file (nothing stored).
    records: int | None

    def matches(self, table: Table, header: Sequence[str], direct: PlainFile, expressions: Mapping[str, str] | None) -> bool:
        """What was read is what reading the proven plain file `direct` would store."""
        return ((self.operation, self.table, self.path, self.delimiter, self.width, self.header, self.expressions)
                == (table.operation, table.name, direct.path, direct.delimiter, direct.width, tuple(header), frozen(expressions)))
