"""Records written to a CSV file as they arrive, for DuckDB to read once they are all there.

A reader's records or an API's pages are staged row by row and never held in memory as a whole."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO, runtime_checkable


@runtime_checkable
class StagedRows(Protocol):
    """Rows a reader has staged already (a sheet parsed in parts by child processes): `files` in the
    format `Database._load_cells` writes (each row's cells in header order, then its line), `records` rows."""

    files: tuple[Path, ...]
    records: int


def staging_writer(stream: TextIO) -> Any:
    """CRLF: csv.writer quotes a value holding any character of the terminator, and a bare CR left
    unquoted would split the record for DuckDB. An empty value and an absent one are both an empty
    field, which DuckDB reads as NULL."""
    return csv.writer(stream, lineterminator="\r\n")


class Staging:
    """A staging file of `items` (columns `_record`, `_line`, then one per item), written record by record."""

    def __init__(self, path: Path, items: Sequence[str]) -> None:
        self.path = path
        self.items = list(items)
        self.records = 0
        self._stream = path.open("w", encoding="utf-8", newline="")
        self._writer = staging_writer(self._stream)
        self._writer.writerow(["_record", "_line", *self.items])

    def add(self, record: int, line: int, values: Mapping[str, str]) -> None:
        """One record: item name -> text (an item absent or empty is NULL)."""
        self.records += 1
        self._writer.writerow([record, line, *map(values.get, self.items)])

    def close(self) -> None:
        """Finish the file (idempotent)."""
        self._stream.close()
