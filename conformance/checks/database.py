"""The embedded DuckDB database a run evaluates its checks in.

Each table is seen twice over: `"raw.<operation>"."<table>"` holds every item as text (NULL when
empty) with `_record` and `_line`; `"<operation>"."<table>"` types dates and numbers for the row and
dataset rules (unparsable values are NULL there and already reported by the schema checks). Both are
views of one stored table (`"<table>#data"`) holding each item's text and, beside it, each typed item's
value: a table is stored once, whether DuckDB read the file itself or the strict parser's records were
staged for it. A small table (under SMALL_TABLE records) has its typed form stored as a table instead,
and a run of small tables only plans its queries without DuckDB's optimizer, on one thread.
"""

from __future__ import annotations

import datetime
import itertools
import shutil
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import duckdb

# DuckDB imports numpy lazily when a Python function is registered; a Ctrl-C landing in that import
# would surface as a DuckDB error instead of an interrupt, so import it up front.
import numpy  # noqa: F401

from conformance.checks.ahead import AheadRead, PlainFile, frozen
from conformance.checks.instances import as_of_macro, give_back, new_instance, search_path, take_instance
from conformance.checks.instances import register_functions as register_functions
from conformance.checks.loaded import LoadedTable, Rows
from conformance.checks.sql import (
    TYPED,
    data_name,
    data_name_of,
    first_positions,
    item_columns,
    line_offset,
    present_items,
    typed_value,
)
from conformance.checks.sql import literal as literal
from conformance.checks.sql import quote as quote
from conformance.checks.sql import raw_name as raw_name
from conformance.checks.sql import typed_name as typed_name
from conformance.checks.sql import violations_name as violations_name
from conformance.checks.staging import StagedRows, Staging, staging_writer
from conformance.spec.model import Item, Table

# Staging files' numbers, shared by every Database and branch of the process (next() is atomic under the GIL).
_STAGING_NUMBERS = itertools.count(1)

# read_csv plans every declared column even when few are selected: a million-column header made the fast path
# take a minute (the staged path needs a second). Far wider than any real export, so the staged path decides.
_DIRECT_MAX_COLUMNS = 4096
# A table of fewer records is small: its typed form is stored as a table (Database._views), and while
# every table of a run is small, DuckDB runs on one thread without its optimizer (Database.__init__).
SMALL_TABLE = 1_000


# Each run's catalog has a name of its own within the process.
_CATALOGS = itertools.count()


class Database:
    """One in-memory DuckDB catalog and connection of its own, with the format functions registered."""

    def __init__(self, memory_limit: str | None = None, as_of: datetime.date | None = None, scratch: Path | None = None,
                 threads: int | None = None, rule_items: Mapping[tuple[str, str], Collection[str]] | None = None) -> None:
        self._catalog = f"run{next(_CATALOGS)}"
        # The items of each (operation, table) its typed form holds: those the run's rules read (None: every
        # item). Typing the others cost a small run more than its rules (a date's typed value binds ~0.3 ms).
        self._rule_items = rule_items
        # --threads: DuckDB's threads once a large table is loaded (None: DuckDB's default, one per core).
        self.threads = threads
        # The run's private folder when given (one folder for every temporary file of a run).
        self._scratch = scratch or Path(tempfile.mkdtemp(prefix="conformance-db-"))
        self._scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
        instance, served = take_instance()
        try:
            self._instance = self._attach(instance)
        except duckdb.InterruptException:
            raise
        except duckdb.Error:
            if not served:
                raise
            # A kept instance that cannot take this run's settings (e.g. its spill folder still in use).
            self._instance, served = self._attach(new_instance()), 0
        self._served = served + 1  # the runs its instance served, this one included (give_back retires it)
        # A --memory-limit is instance-wide: set back to DuckDB's default when the run gives the instance back.
        self._memory_limit = bool(memory_limit)
        self.connection = self.cursor()
        if memory_limit:
            try:
                self.connection.execute(f"SET memory_limit = {literal(memory_limit)}")
            except duckdb.Error:
                self.close()
                raise ValueError(f"memory limit {memory_limit!r} is not a size DuckDB takes (e.g. 1GB, 512MB)") from None
        # as_of_date() lives in the run's catalog (it is the run's); the format functions in the instance.
        # Until a table of SMALL_TABLE records or more is loaded, the run is small: its queries plan
        # in more time than they run, so DuckDB runs them on one thread and unoptimised (measured on the
        # fixtures: ~15% less CPU per run, the same results). A large table restores both for the run.
        # DuckDB draws its own bar on stdout for long queries; the CLI owns the terminal.
        # One call: each costs a fixture run more than the statements' work.
        self.connection.execute(f"SET enable_progress_bar = false; {as_of_macro(as_of or datetime.date.today())}; "
                                "SET threads = 1; PRAGMA disable_optimizer")
        self._small = True
        # The stored table behind each table that DuckDB read directly: its rowid is _record - 1.
        self._stored: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        # What each text and typed form was created as (VIEW or TABLE), to replace it on a reload.
        self._forms: dict[str, str] = {}
        # The operations whose two schemas ("raw.<op>" and "<op>") this run's catalog holds.
        self._operations: set[str] = set()

    def branch(self) -> Database:
        """The same database over a cursor of its own, for loading tables in another thread (a DuckDB
        connection serves one thread); the format functions are not registered on it, and `join` hands
        its small or large mode back. Names: each thread loads tables of its own."""
        branch = object.__new__(type(self))  # a subclass's branch is of its class (compare's CompactDatabase)
        branch.connection = self.cursor()  # on this run's catalog (a new cursor starts on the instance's default)
        branch._instance, branch._catalog = self._instance, self._catalog
        branch._scratch, branch._stored, branch._forms, branch._small = self._scratch, self._stored, self._forms, self._small
        branch._operations, branch._rule_items = self._operations, self._rule_items
        branch.threads = self.threads
        if self._small:  # the optimizer is a cursor's own setting; threads are the database's
            branch.connection.execute("PRAGMA disable_optimizer")
        return branch

    @property
    def small(self) -> bool:
        """Every table stored so far is small (under SMALL_TABLE records): a run of small tables pays more
        for setting up a statement than for running it, so the checks batch their statements."""
        return self._small

    def join(self, branch: Database) -> None:
        """After a branch's thread ended: a large table it loaded ends this connection's small mode too."""
        branch.connection.close()
        if not branch._small:
            self._expect(SMALL_TABLE)

    def _expect(self, records: int) -> None:
        """A table of `records` records is about to be stored: a large one ends the small mode."""
        if self._small and records >= SMALL_TABLE:
            threads = f"SET threads = {int(self.threads)}" if self.threads else "RESET threads"
            self.connection.execute(f"{threads}; PRAGMA enable_optimizer")
            self._small = False

    def _attach(self, instance: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """This run's catalog attached to `instance`, with this run's spill folder."""
        # No RESET threads: every run sets its threads (to 1, __init__) before its first query; resetting
        # them first restarted DuckDB's pool of threads for nothing (~1 ms of CPU per run). No RESET
        # memory_limit: a run that sets one resets it when it gives the instance back (close), and
        # resetting it costs ~1.6 ms of CPU (DuckDB works out the default from the system's memory).
        try:
            instance.execute(f"SET temp_directory = {literal(str(self._scratch / 'spill'))}; ATTACH ':memory:' AS {self._catalog}")
        except duckdb.Error:
            instance.close()
            raise
        return instance

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Another connection to this run's catalog (e.g. to stream one query while others run)."""
        connection = self._instance.cursor()
        connection.execute(f"USE {self._catalog}; SET search_path = {literal(search_path(self._catalog))}")
        return connection

    def close(self) -> None:
        """Close the connection, give the DuckDB instance back for the next run and remove the scratch folder."""
        self.connection.close()
        give_back(self._instance, self._catalog, self._served, reset_memory_limit=self._memory_limit)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def records(self, table: Table, items: list[str], records: list[int]) -> dict[int, tuple[str | None, ...]]:
        """The text of `items` in the given records of `table`, by record number.

        On a directly read file the records are fetched by rowid, which DuckDB looks up instead of
        scanning the table (measured on the million-record 住民: 0.07 s instead of 0.4 s)."""
        if not records:
            return {}
        columns = ", ".join(quote(item) for item in items)
        stored, present = self._stored.get((table.operation, table.name), ("", frozenset()))
        if stored and present.issuperset(items):
            query = f"SELECT rowid + 1, {columns} FROM {stored} WHERE rowid IN (SELECT unnest(?) - 1)"
        else:
            query = f"SELECT _record, {columns} FROM {raw_name(table)} WHERE _record IN (SELECT unnest(?))"
        return {row[0]: tuple(row[1:]) for row in self.connection.execute(query, [records]).fetchall()}

    def text_rows(self, table: Table, records: str) -> str:
        """The text form of `table` limited to the record numbers the query `records` returns, as a subquery:
        on a file DuckDB read directly, looked up by rowid (measured on 200 of 200,000 records: a quarter of
        the CPU of joining the text form's view, which is read whole)."""
        stored, present = self._stored.get((table.operation, table.name), ("", frozenset()))
        if not stored:
            return f"(SELECT * FROM {raw_name(table)} WHERE _record IN ({records}))"
        values = ", ".join((quote(item.name) if item.name in present else "CAST(NULL AS VARCHAR)") + f" AS {quote(item.name)}"
                           for item in table.items)
        return f"(SELECT rowid + 1 AS _record, rowid + 2 AS _line, {values} FROM {stored} WHERE rowid IN (SELECT r - 1 FROM ({records}) q(r)))"

    def read_ahead(self, table: Table, header: Sequence[str], file: PlainFile,
                   expressions: Mapping[str, str] | None = None) -> AheadRead:
        """DuckDB reads a delimited file as `load` would read it once proven plain, before the proof ends.

        `header`: the names of its columns as the proof will give them (`readers.plain.plain_header`, then
        a --mapping's), `file`: the file with its width (its count of records is not known yet). `load`
        keeps what was read only when the proof then agrees (the same file, header and transforms, the
        proof's count of records); otherwise it is dropped and the file loaded as the proof decides. The
        file is taken as large (a speculation is only worth it on a large file)."""
        self._expect(SMALL_TABLE)
        self._schemas(table)
        ahead = AheadRead(table.operation, table.name, file.path, file.delimiter, file.width, tuple(header), frozen(expressions), None)
        if file.width > _DIRECT_MAX_COLUMNS:
            return ahead
        return replace(ahead, records=self._read_direct(table, header, file, expressions))

    def discard(self, ahead: AheadRead | None) -> None:
        """Drop what a read ahead stored that no load took."""
        if ahead is not None and ahead.records is not None:
            self.connection.execute(f"DROP TABLE IF EXISTS {data_name_of(ahead.operation, ahead.table)}")

    def _schemas(self, table: Table) -> None:
        if table.operation in self._operations:  # a catalog's schemas are never dropped: created once per run
            return
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote('raw.' + table.operation)}; "
                                f"CREATE SCHEMA IF NOT EXISTS {quote(table.operation)}")
        self._operations.add(table.operation)  # after: a branch's thread may not skip it before it exists

    def load(self, table: Table, parsed: Rows, direct: PlainFile | None = None,
             cells: Iterator[tuple[int, int, list[str]]] | None = None,
             expressions: Mapping[str, str] | None = None, ahead: AheadRead | None = None) -> LoadedTable:
        """Load the parsed records of `table`: every standard item becomes a column (NULL if absent).

        `direct`: the file when its reader proved it plain; DuckDB then reads it itself, unless it
        cannot prove the same result, and the records are staged from `parsed` instead. `cells`: the
        records as rows of cell text in header order, staged in their place when a reader has them. `expressions`: with `direct`,
        each header name's SQL over the file's columns `c0`, `c1` … (a --mapping's transforms, run by DuckDB).
        `ahead`: what `read_ahead` read of this table's file, kept only if it is what `direct` would read."""
        self._stored.pop((table.operation, table.name), None)
        self._schemas(table)
        if ahead is not None and (direct is None or not ahead.matches(table, parsed.header, direct, expressions)):
            self.discard(ahead)
            ahead = None
        if direct is not None:
            records = self._load_direct(table, parsed, direct, expressions, ahead)
            if records is not None:
                return self._loaded(table, parsed.header, records)
        if cells is not None and len(parsed.header) <= _DIRECT_MAX_COLUMNS:
            return self._loaded(table, parsed.header, self._load_cells(table, parsed, cells))
        records = self._load_staged(table, parsed)
        return self._loaded(table, parsed.header, records)

    def _load_direct(self, table: Table, parsed: Rows, direct: PlainFile, expressions: Mapping[str, str] | None = None,
                     ahead: AheadRead | None = None) -> int | None:
        """DuckDB reads a plain file itself; None (nothing created) when it cannot prove the same result.

        One table holds the text of every item and, beside it, the typed value of each typed item
        (`<item>#typed`): the raw and typed views are projections of it, so a million-record file is
        stored once, not twice (measured: the copy cost as much as reading the file). `ahead`: the same
        read, done already (`read_ahead`, matched by `load`)."""
        if direct.width > _DIRECT_MAX_COLUMNS:
            return None
        if ahead is None:
            self._expect(direct.records)
            records = self._read_direct(table, parsed.header, direct, expressions)
        else:
            records = ahead.records
        if records is None:
            return None
        data = data_name(table)
        if records != direct.records:
            # DuckDB skips blank lines the strict parser reports: let the strict parser decide.
            self.connection.execute(f"DROP TABLE {data}")
            return None
        # Insertion order is the file's order, so rowid numbers the records as the strict parser does.
        stored = frozenset(item.name for item in present_items(table, parsed.header))
        self._views(table, data, f"rowid + 1 AS _record, rowid + 2{line_offset(direct.breaks)} AS _line", stored, records)
        self._stored[(table.operation, table.name)] = (data, stored)
        return records

    def _typed(self, table: Table) -> list[Item]:
        """The items of `table`'s typed form: the run's rules read no other (`conformance spec lint` binds each
        rule and population with only the items it declares and references), so no other is typed."""
        if self._rule_items is None:
            return list(table.items)
        read = self._rule_items.get((table.operation, table.name), ())
        return [item for item in table.items if item.name in read]

    def _read_direct(self, table: Table, header: Sequence[str], file: PlainFile, expressions: Mapping[str, str] | None) -> int | None:
        """The stored table of a plain file as DuckDB reads it, and its count of records (None: refused)."""
        column = item_columns(table, header, expressions)
        present = [item for item in table.items if item.name in column]
        selected = [f"{column[item.name]} AS {quote(item.name)}" for item in present]
        small = 0 <= file.records < SMALL_TABLE  # a read ahead does not know its count: a large file
        selected += [typed_value(item, column[item.name], small) + f" AS {quote(item.name + '#typed')}"
                     for item in self._typed(table) if item.name in column and item.sql_type in TYPED]
        return self._store_plain(table, file, selected)

    def _store_plain(self, table: Table, file: PlainFile, selected: Sequence[str]) -> int | None:
        """Store `selected` (SQL over `c0`, `c1` …) of every record of a plain file as `table`'s data; the count
        of records stored, None (nothing left behind) when DuckDB refuses the file."""
        data = data_name(table)
        columns = "{" + ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(file.width)) + "}"
        try:
            # The scan proved every quote wraps a whole field (or is doubled inside one): DuckDB's quoting is csv's.
            # CREATE TABLE AS answers with the count of records it stored: no second statement to count them.
            counted = self.connection.execute(
                f"CREATE OR REPLACE TABLE {data} AS SELECT {', '.join(selected) or 'NULL AS _none'} FROM read_csv({literal(str(file.path))}, "
                f"header = false, skip = 1, delim = {literal(file.delimiter)}, quote = '\"', escape = '\"', "
                f"auto_detect = false, strict_mode = true, null_padding = false, columns = {columns})"
            ).fetchone()
        except duckdb.Error:
            self.connection.execute(f"DROP TABLE IF EXISTS {data}")
            return None
        return int(counted[0]) if counted else -1

    def _views(self, table: Table, data: str, numbered: str, stored: frozenset[str], records: int) -> None:
        """The text form and the typed form of `table`: projections of the one stored table `data`."""

        def view(item: Item, typed: bool) -> str:
            kind = item.sql_type if typed and item.sql_type in TYPED else "VARCHAR"
            column = item.name + "#typed" if kind != "VARCHAR" else item.name
            return (quote(column) if item.name in stored else f"CAST(NULL AS {kind})") + f" AS {quote(item.name)}"

        # A small table's typed form is stored as a table: DuckDB binds a view anew in every query that
        # names it (~2 ms for a hundred items, measured), and the rules name the typed form many times per
        # run; on a fixture that binding cost more than the copy. The text form is named a few times per
        # run and stays a view. A large table's forms stay views of the one stored table (stored once).
        # One call for both forms and the table's (empty) list of schema violations: each call to DuckDB
        # costs a fixture run more than the statements' work.
        statements = []
        for name, typed in ((raw_name(table), False), (typed_name(table), True)):
            values = "".join(", " + view(item, typed) for item in (self._typed(table) if typed else table.items))
            kind = "TABLE" if typed and records < SMALL_TABLE else "VIEW"
            if name in self._forms:  # the table is loaded again: replace what stands under its name
                statements.append(f"DROP {self._forms.pop(name)} {name}")
            statements.append(f"CREATE {kind} {name} AS SELECT {numbered}{values} FROM {data}")
            self._forms[name] = kind
        statements.append(f"CREATE OR REPLACE TABLE {violations_name(table)} (_record BIGINT, item VARCHAR)")
        self.connection.execute(";\n".join(statements))

    def _load_staged(self, table: Table, parsed: Rows) -> int:
        """The records written to a CSV file in the private temp folder, which DuckDB then reads."""
        staging = self.staging(table)
        for record in parsed.records:
            staging.add(record.record, record.line, record.values)
        return self._read_staging(table, staging)

    def staging(self, table: Table) -> Staging:
        """A staging file for the records of `table`, written as they arrive (API mode's pages)."""
        return Staging(self._staging(table), [item.name for item in table.items])

    def load_staging(self, table: Table, staging: Staging, header: Sequence[str]) -> LoadedTable:
        """Load the records written to `staging`, as `load` loads a reader's records with `header`."""
        self._stored.pop((table.operation, table.name), None)
        self._schemas(table)
        return self._loaded(table, header, self._read_staging(table, staging))

    def _read_staging(self, table: Table, staging: Staging) -> int:
        staging.close()
        self._expect(staging.records)
        columns = {"_record": "BIGINT", "_line": "BIGINT", **{name: "VARCHAR" for name in staging.items}}
        self._from_staging(table, staging.path, columns, {name: quote(name) for name in staging.items}, "_record, _line",
                           staging.records)
        return staging.records

    def _load_cells(self, table: Table, parsed: Rows, cells: Iterator[tuple[int, int, list[str]]]) -> int:
        """Rows of cell text in header order (a workbook reader's) written whole, each with its line, to a
        CSV file that DuckDB reads: no Python work per cell (100,000 records of 115 items: seconds less
        than a dict per record). DuckDB picks the items by position, as it does from a plain file."""
        width = len(parsed.header)
        positions = first_positions(parsed.header)
        if isinstance(cells, StagedRows):  # staged by the reader: every part's file read in one statement
            staged, records = list(cells.files), cells.records
        else:
            staged, records = [self._staging(table)], 0
            with staged[0].open("w", encoding="utf-8", newline="") as stream:
                writer = staging_writer(stream)
                for _record, line, row in cells:
                    records += 1
                    writer.writerow([*row, line])
        self._expect(records)
        columns = {**{f"c{index}": "VARCHAR" for index in range(width)}, "_line": "BIGINT"}
        present = {item.name: f"c{positions[item.name]}" for item in table.items if item.name in positions}
        self._from_staging(table, staged, columns, present, "_line - 1 AS _record, _line", records, header=False)
        return records

    def _staging(self, table: Table) -> Path:
        # Numbered by one counter of the process, not by the folder's count: several may be open at once
        # (API mode; compare's two branches, which load tables of their own in two threads).
        return self._scratch / f"{table.operation}-{table.name}-{next(_STAGING_NUMBERS)}.csv"

    def _from_staging(self, table: Table, staging: Path | list[Path], columns: dict[str, str], present: dict[str, str], numbered: str,
                      records: int, *, header: bool = True) -> None:
        """The stored table from a staging file (or several, read in one statement): `present` maps each item
        stored to its column there."""
        files = staging if isinstance(staging, list) else [staging]
        source = literal(str(files[0])) if len(files) == 1 else "[" + ", ".join(literal(str(file)) for file in files) + "]"
        column_spec = "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in columns.items()) + "}"
        # Text and typed values side by side in one table, as a plain file is stored (not two copies).
        selected = [numbered, *(f"{column} AS {quote(name)}" for name, column in present.items())]
        selected += [typed_value(item, present[item.name], records < SMALL_TABLE) + f" AS {quote(item.name + '#typed')}"
                     for item in self._typed(table) if item.sql_type in TYPED and item.name in present]
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {data_name(table)} AS SELECT {', '.join(selected)} FROM read_csv({source}, "
            f"header = {str(header).lower()}, delim = ',', quote = '\"', escape = '\"', auto_detect = false, columns = {column_spec})"
        )
        for file in files:
            file.unlink()
        self._views(table, data_name(table), "_record, _line", frozenset(present), records)

    def _loaded(self, table: Table, header: Sequence[str], records: int) -> LoadedTable:
        # Its forms and its empty table of schema violations were made by _views.
        return LoadedTable(table=table, records=records, present=frozenset({item.name for item in table.items} & set(header)))
