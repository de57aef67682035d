"""Compare's database: a plain file stored as keys, counted items and one fingerprint (issue 22, "Fast").

A compare needs every value of a record only when the record differs. So a file DuckDB reads itself
(proven plain, with or without a --mapping's transforms) is stored compactly: the key items, the items
compare.yaml counts by, and `_fingerprint`, one 64-bit hash of every compared item (after the declared
transforms) computed in the same read_csv scan. Storing every column of a 200,000-resident 住民 cost
2.6 s of CPU, then 0.45 s more to fingerprint it; the compact scan costs 1.65 s (measured, DuckDB 1.x).
The few records whose fingerprints differ are read again from the file by their line numbers
(`text_rows`), parsed as DuckDB parses a proven plain file, and the same SQL (the item's column or its
mapping's expression) gives their values. Files that are not plain (XLSX, staged records) are stored
whole as a run stores them; their fingerprint is computed over the same items in the same order, so the
two kinds of side compare exactly.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import mmap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy

from conformance.checks.ahead import PlainFile
from conformance.checks.database import Database, quote, raw_name
from conformance.checks.sql import item_columns, literal
from conformance.checks.staging import staging_writer
from conformance.readers import TargetError
from conformance.spec.model import Table

_CHUNK = 1 << 24


@dataclass(frozen=True, slots=True)
class Plan:
    """What compare keeps of one table: the items stored as text, the items fingerprinted (in order)."""

    kept: tuple[str, ...]
    compared: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Source:
    """A compactly stored file: where to read a record again and the SQL of each present item over `c0` …"""

    path: Path
    delimiter: str
    width: int
    columns: Mapping[str, str]


def fingerprint(values: Sequence[str]) -> str:
    """The one SQL expression both kinds of side hash their compared values with (text, NULL when absent)."""
    return f"hash({', '.join(f'CAST({value} AS VARCHAR)' for value in values)})" if values else "0"


class CompactDatabase(Database):
    """A Database whose plain files of the planned tables are stored as keys, kept items and a fingerprint."""

    def __init__(self, plans: Mapping[str, Plan], memory_limit: str | None = None, scratch: Path | None = None) -> None:
        self._plans = dict(plans)
        self._sources: dict[tuple[str, str], _Source] = {}
        # Records being read again in a thread (`prefetch`), by table: the two sides' files are read at once.
        self._reading: dict[tuple[str, str], tuple[list[tuple[int, int]], concurrent.futures.Future[list[list[str]]]]] = {}
        self._readers = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="compare-reread")
        super().__init__(memory_limit, None, scratch)  # which closes itself on a memory limit DuckDB refuses

    def branch(self) -> CompactDatabase:
        branch = super().branch()
        assert isinstance(branch, CompactDatabase)
        # Each thread loads tables of its own; only the main connection reads records again.
        branch._plans, branch._sources, branch._reading, branch._readers = self._plans, self._sources, self._reading, self._readers
        return branch

    def close(self) -> None:
        self._readers.shutdown(wait=True, cancel_futures=True)
        super().close()

    def prefetch(self, table: Table, records: str) -> None:
        """Start reading again the records `text_rows(table, records)` will give, in a thread of its own
        (mapped file and numpy's scan: the GIL is released), so that both sides' files are read at once."""
        source = self._sources.get((table.operation, table.name))
        if source is None:
            return
        wanted = self.connection.execute(
            f"SELECT _record, _line FROM {raw_name(table)} WHERE _record IN ({records}) ORDER BY _line").fetchall()
        lines = [line for _record, line in wanted]
        self._reading[(table.operation, table.name)] = (wanted, self._readers.submit(_records_at, source.path, source.delimiter, lines))

    def compact(self, table: Table) -> bool:
        """The table's raw form holds only the kept items and `_fingerprint` (its file is read again for values)."""
        return (table.operation, table.name) in self._sources

    def _read_direct(self, table: Table, header: Sequence[str], file: PlainFile, expressions: Mapping[str, str] | None) -> int | None:
        plan = self._plans.get(table.name)
        key = (table.operation, table.name)
        self._sources.pop(key, None)
        if plan is None:
            return super()._read_direct(table, header, file, expressions)
        columns = item_columns(table, header, expressions)
        selected = [f"{columns[name]} AS {quote(name)}" for name in plan.kept if name in columns]
        selected.append(fingerprint([columns.get(name, "NULL") for name in plan.compared]) + " AS _fingerprint")
        records = self._store_plain(table, file, selected)  # refused, as by the base class: the staged path decides
        if records is None:
            return None
        self._sources[key] = _Source(file.path, file.delimiter, file.width, columns)
        return records

    def _from_staging(self, table: Table, staging: Path | list[Path], columns: dict[str, str], present: dict[str, str], numbered: str,
                      records: int, *, header: bool = True) -> None:
        self._sources.pop((table.operation, table.name), None)  # a refused direct read: stored whole
        super()._from_staging(table, staging, columns, present, numbered, records, header=header)

    def _views(self, table: Table, data: str, numbered: str, stored: frozenset[str], records: int) -> None:
        source = self._sources.get((table.operation, table.name))
        plan = self._plans.get(table.name)
        if source is None or plan is None:
            super()._views(table, data, numbered, stored, records)
            return
        name = raw_name(table)
        values = ", ".join((quote(item) if item in source.columns else "CAST(NULL AS VARCHAR)") + f" AS {quote(item)}"
                           for item in plan.kept)
        if name in self._forms:
            self.connection.execute(f"DROP {self._forms.pop(name)} {name}")
        self.connection.execute(f"CREATE VIEW {name} AS SELECT {numbered}, {values}{', ' if values else ''}_fingerprint FROM {data}")
        self._forms[name] = "VIEW"

    def text_rows(self, table: Table, records: str) -> str:
        """As `Database.text_rows`; for a compact table the records are read again from its file by line."""
        source = self._sources.get((table.operation, table.name))
        if source is None:
            return super().text_rows(table, records)
        if (table.operation, table.name) not in self._reading:
            self.prefetch(table, records)
        wanted, reading = self._reading.pop((table.operation, table.name))
        staging = self._staging(table)
        with staging.open("w", encoding="utf-8", newline="") as stream:
            writer = staging_writer(stream)
            for (record, line), cells in zip(wanted, reading.result(), strict=True):
                if len(cells) != source.width:
                    raise TargetError(_changed(source.path, line))
                writer.writerow([record, line, *cells])
        name = quote(f"compare#reread#{table.operation}#{table.name}")
        spec = "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in
                               (("_record", "BIGINT"), ("_line", "BIGINT"), *((f"c{i}", "VARCHAR") for i in range(source.width)))) + "}"
        self.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_csv({literal(str(staging))}, header = false, delim = ',', "
            f"quote = '\"', escape = '\"', auto_detect = false, columns = {spec})")
        staging.unlink()
        # What was read again is what was fingerprinted: a file changed since its load is an error, not a wrong answer.
        plan = self._plans[table.name]
        again = fingerprint([source.columns.get(item, "NULL") for item in plan.compared])
        changed = self.connection.execute(f"SELECT min(r._line) FROM {name} r JOIN {raw_name(table)} t ON t._record = r._record "
                                          f"WHERE {again} <> t._fingerprint").fetchone()
        if changed and changed[0] is not None:
            raise TargetError(_changed(source.path, int(changed[0])))
        values = ", ".join(f"{source.columns.get(item.name, 'CAST(NULL AS VARCHAR)')} AS {quote(item.name)}" for item in table.items)
        return f"(SELECT _record, _line, {values} FROM {name})"


def _changed(path: Path, line: int) -> str:
    return f"{path}: 比較中にファイルが変わりました（{line}行目）。もう一度比較してください"


def _records_at(path: Path, delimiter: str, lines: Sequence[int]) -> list[list[str]]:
    """The cells of the records starting at the given physical lines (1 = the header; ascending) of a proven
    plain file: UTF-8, quotes only around whole fields or doubled within one, so a record ends at the first
    line end after an even count of quotes. An empty cell is an empty string (DuckDB's NULL, as a staged one).
    The file is mapped, not copied, and its line ends are found a window at a time by numpy (a scan in C:
    0.26 s of CPU for the million-resident 住民, 582 MB, measured; a find per line cost seconds)."""
    found: list[list[str]] = []
    if not lines:
        return found
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as view:
        newline, carriage = view.find(b"\n"), view.find(b"\r")
        end = b"\r" if carriage >= 0 and (newline < 0 or carriage < newline - 1) else b"\n"
        array = numpy.frombuffer(view, numpy.uint8)
        try:
            # `line`: the physical line starting at `start`; `ends[index:]`: the window's line ends from `start` on.
            line, start, high, index = 1, 0, 0, 0
            ends = numpy.empty(0, numpy.int64)
            for target in lines:
                needed = target - line
                while index + needed > len(ends):
                    if high >= len(view):
                        raise TargetError(_changed(path, target))
                    needed, line = needed - (len(ends) - index), line + len(ends) - index
                    ends, index, high = numpy.flatnonzero(array[high : high + _CHUNK] == end[0]) + high, 0, high + _CHUNK
                if needed:
                    start, index, line = int(ends[index + needed - 1]) + 1, index + needed, target
                record = _record(view, start, end)
                if record is None:
                    raise TargetError(_changed(path, target))
                text, start, spanned = record
                found.append(next(csv.reader(io.StringIO(text.decode("utf-8"), newline=""), delimiter=delimiter,
                                             quotechar='"', doublequote=True, strict=True), []))
                line += spanned
                if start >= high:  # the record ran past the window: the next one starts a window of its own
                    ends, index, high = numpy.empty(0, numpy.int64), 0, start
                else:
                    index = int(numpy.searchsorted(ends, start))
        finally:
            del array  # the map closes only once no array views it
    return found


def _record(view: mmap.mmap, start: int, end: bytes) -> tuple[bytes, int, int] | None:
    """The record at `start` without its line end: (bytes, offset after it, lines spanned); at the end of the
    file, the rest is the record; None when nothing is left."""
    position, spanned = start, 0
    while True:
        found = view.find(end, position)
        if found < 0:
            return (view[start:], len(view), spanned + 1) if len(view) > start else None
        spanned += 1
        text = view[start:found]
        if text.count(b'"') % 2 == 0:
            return (text[:-1] if end == b"\n" and text.endswith(b"\r") else text), found + 1, spanned
        position = found + 1
