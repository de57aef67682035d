"""Stage 2, load: each chosen table's file is read and stored in the run's database.

The next two tables' files are read (scanned, or parsed when they are not plain) in threads while
the database loads the current one: DuckDB releases the GIL, so on a multi-table export the Python scan
and the load overlap instead of taking turns. Each table comes out as a frozen `TableLoad` whose
issues are the reader's final ones, taken once the records were consumed."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import duckdb

from conformance.checks.database import Database, LoadedTable, error_summary
from conformance.pipeline.discover import TableSource
from conformance.pipeline.mapping import ExportMapping, MappedTable
from conformance.readers import InputLimits, ParsedTable, ReadIssue, Workbooks, read_table
from conformance.readers.delimited import DelimitedTable
from conformance.spec.model import Table

_AHEAD = 2  # tables read ahead, each in its own thread


@dataclass(frozen=True, slots=True)
class TableLoad:
    """One table's file as read and stored: the facts a report records and the checks need."""

    table: Table
    source: TableSource
    header: tuple[str, ...]
    issues: tuple[ReadIssue, ...]
    encoding: str | None
    bom: bool
    rejected: int
    readable: bool
    loaded: LoadedTable | None = None
    # The database could not store the records (a reason a report may show), or None.
    error: str | None = None

    @property
    def text_file(self) -> bool:
        """A text format whose encoding was determined: the BOM policy applies to it."""
        return self.source.file.format in ("csv", "tsv", "json", "ndjson") and self.encoding is not None


def read(source: TableSource, limits: InputLimits, workbooks: Workbooks | None = None,
         mapping: ExportMapping | None = None) -> ParsedTable:
    """The reader's table of a source (the sheet listed at discovery, read from the run's opened workbook),
    its columns mapped to items when a --mapping names its file."""
    parsed = read_table(source.file, source.reads_sheet, limits, workbooks)
    mapped = mapping.for_file(mapped_names(source)) if mapping is not None else None
    return mapped.apply(parsed, source.display) if mapped is not None else parsed


def mapped_names(source: TableSource) -> tuple[str, ...]:
    """The names a mapping may know a source by: its path in the target, its file name, its stem, its sheet."""
    display = source.file.display
    return (display, display.rsplit("/", 1)[-1], source.file.stem, *((source.sheet,) if source.sheet else ()))


def store(table: Table, source: TableSource, parsed: ParsedTable, database: Database) -> TableLoad:
    """Store a read table in the database; the issues are taken after the records were consumed."""
    loaded: LoadedTable | None = None
    error: str | None = None
    if parsed.readable:
        direct = parsed.direct if isinstance(parsed, DelimitedTable) else None
        expressions = None
        if isinstance(parsed, MappedTable):  # a mapped plain file: DuckDB reads it and runs the transforms
            direct, expressions = parsed.direct_read()
        try:
            loaded = database.load(table, parsed, direct, parsed.cells, expressions)
        except duckdb.Error as failure:
            error = error_summary(failure)
    return TableLoad(table, source, tuple(parsed.header), tuple(parsed.issues), parsed.encoding, parsed.bom,
                     parsed.rejected, parsed.readable, loaded, error)


def load_tables(chosen: Sequence[tuple[Table, TableSource]], database: Database, limits: InputLimits,
                step: Callable[[Table], None], workbooks: Workbooks | None = None,
                mapping: ExportMapping | None = None) -> Iterator[TableLoad]:
    """Read and store each table, reading two ahead in two threads; the loads are given in `chosen`'s order.

    Two, not one: a workbook's sheet is built by calamine outside the GIL, so while the largest table
    is being parsed the next ones are read on the other core instead of waiting for its storage
    (measured on a 100,000-record export as workbooks: seconds less). A table is stored as soon as it
    is read, not in turn: the smaller tables are stored while the largest one is still being parsed
    (the order of storing changes no result: each table is stored under its own names, and the checks
    run once every table is stored). At most three tables are held: two being read, one being stored."""
    reader = concurrent.futures.ThreadPoolExecutor(max_workers=_AHEAD, thread_name_prefix="read-ahead")
    reading: dict[concurrent.futures.Future[ParsedTable], int] = {}
    stored: dict[int, TableLoad] = {}
    submitted = following = 0
    try:
        while following < len(chosen):
            while submitted < len(chosen) and len(reading) < _AHEAD:
                reading[reader.submit(read, chosen[submitted][1], limits, workbooks, mapping)] = submitted
                submitted += 1
            done, _running = concurrent.futures.wait(reading, return_when=concurrent.futures.FIRST_COMPLETED)
            first = min(done, key=reading.__getitem__)  # of two read at once, the earlier in `chosen`
            index = reading.pop(first)
            parsed = first.result()
            table, source = chosen[index]
            step(table)
            stored[index] = store(table, source, parsed, database)
            while following in stored:
                yield stored.pop(following)
                following += 1
    finally:
        # An interrupt or an error does not wait for the tables being read ahead.
        reader.shutdown(wait=False, cancel_futures=True)
