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

from conformance.checks.ahead import AheadRead
from conformance.checks.database import Database
from conformance.checks.loaded import LoadedTable, error_summary
from conformance.pipeline.discover import TableSource
from conformance.pipeline.mapping import ExportMapping, MappedTable, MappingError
from conformance.readers import InputLimits, ParsedTable, ReadIssue, Workbooks, read_table
from conformance.readers.delimited import DelimitedTable
from conformance.readers.plain import DirectRead, plain_header
from conformance.spec.model import Table

_AHEAD = 2  # tables read ahead, each in its own thread
# A CSV/TSV of this size or more is read by DuckDB while its plain-file proof runs (`read_ahead`); below
# it the proof is quick (a few ms per 100 KB) and a file that is not plain costs no vain read.
AHEAD_BYTES = 1 << 20


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


def _direct(parsed: ParsedTable) -> tuple[DirectRead | None, dict[str, str] | None]:
    """The plain file DuckDB may read itself, and a --mapping's SQL per item (None: the file's columns)."""
    if isinstance(parsed, MappedTable):  # a mapped plain file: DuckDB reads it and runs the transforms
        return parsed.direct_read()
    return (parsed.direct if isinstance(parsed, DelimitedTable) else None), None


def read_ahead(table: Table, source: TableSource, database: Database, mapping: ExportMapping | None = None) -> AheadRead | None:
    """DuckDB reads a large CSV/TSV as if it were plain while its proof runs in a read-ahead thread (a run
    of large files otherwise waits for each proof: 1.2 s of 7.3 on a 200,000-resident compare, measured).

    The proof still decides: `store` keeps the table only when the file was proven plain with the header
    and transforms read here, and the proof's count of records; otherwise it is dropped and the file
    loaded as the proof decides (a large file that is not plain is read twice, once in vain)."""
    if source.file.format not in ("csv", "tsv") or source.file.size < AHEAD_BYTES:
        return None
    delimiter = "," if source.file.format == "csv" else "\t"
    try:
        first = plain_header(source.file.path, delimiter)
    except OSError:
        return None  # the reader says what is wrong with the file
    if first is None or len(first[1]) < 2:  # as `read_delimited` decides
        return None
    file = DirectRead(source.file.path, delimiter, len(first[1]), -1)
    guess = DelimitedTable(header=first[1], records=iter(()), direct=file)
    parsed: ParsedTable = guess
    if mapping is not None and (mapped := mapping.for_file(mapped_names(source))) is not None:
        try:
            parsed = mapped.apply(guess, source.display)
        except MappingError:
            return None  # the proof's header decides what is wrong with it
    _guess, expressions = _direct(parsed)
    return database.read_ahead(table, parsed.header, file, expressions)


def store(table: Table, source: TableSource, parsed: ParsedTable, database: Database, ahead: AheadRead | None = None) -> TableLoad:
    """Store a read table in the database; the issues are taken after the records were consumed.
    `ahead`: what `read_ahead` read of its file, kept only when the reader's proof agrees."""
    loaded: LoadedTable | None = None
    error: str | None = None
    if parsed.readable:
        direct, expressions = _direct(parsed)
        try:
            loaded = database.load(table, parsed, direct, parsed.cells, expressions, ahead)
        except duckdb.Error as failure:
            error = error_summary(failure)
    else:
        database.discard(ahead)
    return TableLoad(table, source, tuple(parsed.header), tuple(parsed.issues), parsed.encoding, parsed.bom,
                     parsed.rejected, parsed.readable, loaded, error)


def load_tables(chosen: Sequence[tuple[Table, TableSource]], database: Database, limits: InputLimits,
                step: Callable[[Table], None], workbooks: Workbooks | None = None,
                mapping: ExportMapping | None = None, threads: int | None = None) -> Iterator[TableLoad]:
    """Read and store each table, reading two ahead in two threads; the loads are given in `chosen`'s order.

    Two, not one: a workbook's sheet is built by calamine outside the GIL, so while the largest table
    is being parsed the next ones are read on the other core instead of waiting for its storage
    (measured on a 100,000-record export as workbooks: seconds less). A table is stored as soon as it
    is read, not in turn: the smaller tables are stored while the largest one is still being parsed
    (the order of storing changes no result: each table is stored under its own names, and the checks
    run once every table is stored). At most three tables are held: two being read, one being stored.
    While a large CSV/TSV is being proven plain, DuckDB reads it on this thread (`read_ahead`), every
    such table before it is stored, so the path does not depend on which thread is faster.
    `threads` (--threads) bounds the readers: with 1 each table is read in turn on the run's own thread."""
    ahead_count = _AHEAD if threads is None else min(_AHEAD, threads if threads > 1 else 0)
    if not ahead_count:
        for table, source in chosen:
            parsed = read(source, limits, workbooks, mapping)
            step(table)
            yield store(table, source, parsed, database)
        return
    reader = concurrent.futures.ThreadPoolExecutor(max_workers=ahead_count, thread_name_prefix="read-ahead")
    reading: dict[concurrent.futures.Future[ParsedTable], int] = {}
    speculated: dict[int, AheadRead | None] = {}
    stored: dict[int, TableLoad] = {}
    submitted = following = 0
    try:
        while following < len(chosen):
            while submitted < len(chosen) and len(reading) < ahead_count:
                reading[reader.submit(read, chosen[submitted][1], limits, workbooks, mapping)] = submitted
                submitted += 1
            unspeculated = [index for index in reading.values() if index not in speculated]
            if unspeculated:
                index = min(unspeculated)
                speculated[index] = read_ahead(*chosen[index], database, mapping)
                continue
            done, _running = concurrent.futures.wait(reading, return_when=concurrent.futures.FIRST_COMPLETED)
            first = min(done, key=reading.__getitem__)  # of two read at once, the earlier in `chosen`
            index = reading.pop(first)
            parsed = first.result()
            table, source = chosen[index]
            step(table)
            stored[index] = store(table, source, parsed, database, speculated.pop(index))
            while following in stored:
                yield stored.pop(following)
                following += 1
    except BaseException:
        for ahead in speculated.values():
            database.discard(ahead)
        raise
    finally:
        # An interrupt or an error does not wait for the tables being read ahead.
        reader.shutdown(wait=False, cancel_futures=True)
