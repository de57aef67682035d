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

import csv
import datetime
import itertools
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import duckdb

# DuckDB imports numpy lazily when a Python function is registered; a Ctrl-C landing in that import
# would surface as a DuckDB error instead of an interrupt, so import it up front.
import numpy  # noqa: F401

from conformance.checks.formats import VALUE_FORMATS, sql_macros
from conformance.checks.instances import give_back, new_instance, register_python_functions, take_instance
from conformance.results.masking import sanitised
from conformance.spec.model import Item, Table


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


class PlainFile(Protocol):
    """A delimited file proven plain by its reader: DuckDB may read it itself (one record per line)."""

    @property
    def path(self) -> Path: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def records(self) -> int: ...


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (item names are Japanese and may hold anything)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def raw_name(table: Table) -> str:
    """The text table of `table`."""
    return f"{quote('raw.' + table.operation)}.{quote(table.name)}"


def typed_name(table: Table) -> str:
    """The typed view of `table`, as rules address it (`juki.住民`)."""
    return f"{quote(table.operation)}.{quote(table.name)}"


def violations_name(table: Table) -> str:
    """(_record, item) of every schema violation of `table`: row rules skip those records' items."""
    return f"{quote('raw.' + table.operation)}.{quote(table.name + '#schema-violations')}"


# A date the standard lets be non-calendar (2月29日 of a common year, 4月31日) is taken as the last day
# of its month, so that order rules still see it; a value of another shape is NULL (and reported by
# the schema checks); so is the year 0000, which no date format accepts (0000-01-01 is the unknown start
# of a period, and `_typed` makes it NULL where a format allows it).
# A calendar date casts directly (measured ~5 times cheaper); only the others are clamped.
_DATE = (
    "CASE WHEN regexp_full_match({column}, '[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])') AND substr({column}, 1, 4) <> '0000' THEN "
    "coalesce(TRY_CAST({column} AS DATE), make_date(CAST(substr({column}, 1, 4) AS INTEGER), CAST(substr({column}, 6, 2) AS INTEGER), "
    "least(CAST(substr({column}, 9, 2) AS INTEGER), "
    "day(last_day(make_date(CAST(substr({column}, 1, 4) AS INTEGER), CAST(substr({column}, 6, 2) AS INTEGER), 1)))))) END"
)
_TYPED = {
    "DATE": _DATE,
    "BIGINT": "TRY_CAST({column} AS BIGINT)",
    "DECIMAL(18,3)": "TRY_CAST({column} AS DECIMAL(18,3))",
}


def _typed(item: Item, column: str) -> str:
    """The typed value of `item` held in `column`: NULL for the open bound of a period its format names
    (0000-01-01 unknown start, 9999-12-31 open end), so rules read it as they read an empty value."""
    expression = _TYPED[item.sql_type].format(column=column)
    fmt = VALUE_FORMATS.get(item.format or "")
    if fmt is None or fmt.open_bound is None:
        return expression
    return f"CASE WHEN {column} = {literal(fmt.open_bound)} THEN NULL ELSE {expression} END"


# read_csv plans every declared column even when few are selected: a million-column header made the fast path
# take a minute (the staged path needs a second). Far wider than any real export, so the staged path decides.
_DIRECT_MAX_COLUMNS = 4096
# A table of fewer records is small: its typed form is stored as a table (Database._views), and while
# every table of a run is small, DuckDB runs on one thread without its optimizer (Database.__init__).
SMALL_TABLE = 1_000


@dataclass(frozen=True, slots=True)
class LoadedTable:
    """A table in the database: how many records, and which standard items had a column."""

    table: Table
    records: int
    present: frozenset[str]


def register_functions(connection: duckdb.DuckDBPyConnection, as_of: datetime.date) -> None:
    """What rules may call besides SQL: every format (`fmt_jp_m11(x)`) and `as_of_date()`, the date the
    run judges "today" by (the run's date unless given, and recorded in the result)."""
    connection.execute(_macros(as_of))
    register_python_functions(connection)


def _macros(as_of: datetime.date) -> str:
    """Every format with a SQL twin and `as_of_date()`, as one statement: the setup is paid by every run,
    and fixture runs are many."""
    statements = [f"CREATE OR REPLACE MACRO {VALUE_FORMATS[name].function_name}(v) AS {body}" for name, body in sql_macros().items()]
    statements.append(f"CREATE OR REPLACE MACRO as_of_date() AS DATE {literal(as_of.isoformat())}")
    return ";\n".join(statements)


# Each run's catalog has a name of its own within the process.
_CATALOGS = itertools.count()


class Database:
    """One in-memory DuckDB catalog and connection of its own, with the format functions registered."""

    def __init__(self, memory_limit: str | None = None, as_of: datetime.date | None = None, scratch: Path | None = None) -> None:
        self._catalog = f"run{next(_CATALOGS)}"
        # The run's private folder when given (one folder for every temporary file of a run).
        self._scratch = scratch or Path(tempfile.mkdtemp(prefix="conformance-db-"))
        self._scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
        instance, kept = take_instance()
        try:
            self._instance = self._attach(instance)
        except duckdb.InterruptException:
            raise
        except duckdb.Error:
            if not kept:
                raise
            # A kept instance that cannot take this run's settings (e.g. its spill folder still in use).
            self._instance = self._attach(new_instance())
        self.connection = self.cursor()
        # DuckDB draws its own bar on stdout for long queries; the CLI owns the terminal.
        self.connection.execute("SET enable_progress_bar = false")
        if memory_limit:
            try:
                self.connection.execute(f"SET memory_limit = {literal(memory_limit)}")
            except duckdb.Error:
                self.close()
                raise ValueError(f"memory limit {memory_limit!r} is not a size DuckDB takes (e.g. 1GB, 512MB)") from None
        # The macros live in the run's catalog (as_of_date() is the run's); the Python functions in the instance.
        self.connection.execute(_macros(as_of or datetime.date.today()))
        # Until a table of SMALL_TABLE records or more is loaded, the run is small: its queries plan
        # in more time than they run, so DuckDB runs them on one thread and unoptimised (measured on the
        # fixtures: ~15% less CPU per run, the same results). A large table restores both for the run.
        self.connection.execute("SET threads = 1; PRAGMA disable_optimizer")
        self._small = True
        # The stored table behind each table that DuckDB read directly: its rowid is _record - 1.
        self._stored: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        # What each text and typed form was created as (VIEW or TABLE), to replace it on a reload.
        self._forms: dict[str, str] = {}

    def _expect(self, records: int) -> None:
        """A table of `records` records is about to be stored: a large one ends the small mode."""
        if self._small and records >= SMALL_TABLE:
            self.connection.execute("RESET threads; PRAGMA enable_optimizer")
            self._small = False

    def _attach(self, instance: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """This run's catalog attached to `instance`, whose instance-wide settings a run before may have
        changed: back to DuckDB's defaults, with this run's spill folder."""
        try:
            instance.execute(f"RESET threads; RESET memory_limit; SET temp_directory = {literal(str(self._scratch / 'spill'))}; "
                             f"ATTACH ':memory:' AS {self._catalog}")
        except duckdb.Error:
            instance.close()
            raise
        return instance

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Another connection to this run's catalog (e.g. to stream one query while others run)."""
        connection = self._instance.cursor()
        connection.execute(f"USE {self._catalog}")
        return connection

    def close(self) -> None:
        """Close the connection, give the DuckDB instance back for the next run and remove the scratch folder."""
        self.connection.close()
        give_back(self._instance, self._catalog)
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

    def load(self, table: Table, parsed: Rows, direct: PlainFile | None = None,
             cells: Iterator[tuple[int, int, list[str]]] | None = None,
             expressions: Mapping[str, str] | None = None) -> LoadedTable:
        """Load the parsed records of `table`: every standard item becomes a column (NULL if absent).

        `direct`: the file when its reader proved it plain; DuckDB then reads it itself, unless it
        cannot prove the same result, and the records are staged from `parsed` instead. `cells`: the
        records as rows of cell text in header order, staged in their place when a reader has them. `expressions`: with `direct`,
        each header name's SQL over the file's columns `c0`, `c1` … (a --mapping's transforms, run by DuckDB)."""
        con = self.connection
        self._stored.pop((table.operation, table.name), None)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote('raw.' + table.operation)}")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(table.operation)}")
        if direct is not None:
            records = self._load_direct(table, parsed, direct, expressions)
            if records is not None:
                return self._loaded(table, parsed, records)
        if cells is not None and len(parsed.header) <= _DIRECT_MAX_COLUMNS:
            return self._loaded(table, parsed, self._load_cells(table, parsed, cells))
        records = self._load_staged(table, parsed)
        return self._loaded(table, parsed, records)

    def _load_direct(self, table: Table, parsed: Rows, direct: PlainFile, expressions: Mapping[str, str] | None = None) -> int | None:
        """DuckDB reads a plain file itself; None (nothing created) when it cannot prove the same result.

        One table holds the text of every item and, beside it, the typed value of each typed item
        (`<item>#typed`): the raw and typed views are projections of it, so a million-record file is
        stored once, not twice (measured: the copy cost as much as reading the file)."""
        if direct.width > _DIRECT_MAX_COLUMNS:
            return None
        self._expect(direct.records)
        con = self.connection
        data = _data_name(table)
        positions: dict[str, int] = {}
        for index, name in enumerate(parsed.header):
            positions.setdefault(name, index)  # a duplicated column keeps its first position, as readers do
        present = [item for item in table.items if item.name in positions]
        columns = "{" + ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(direct.width)) + "}"
        mapped = expressions or {}  # a --mapping's SQL per item, else the file's column itself
        column = {item.name: f"({mapped[item.name]})" if item.name in mapped else f"c{positions[item.name]}" for item in present}
        selected = [f"{column[item.name]} AS {quote(item.name)}" for item in present]
        selected += [_typed(item, column[item.name]) + f" AS {quote(item.name + '#typed')}"
                     for item in present if item.sql_type in _TYPED]
        try:
            # Plain files hold no quote character, so quoting cannot change how a line is split.
            con.execute(
                f"CREATE OR REPLACE TABLE {data} AS SELECT {', '.join(selected) or 'NULL AS _none'} FROM read_csv({literal(str(direct.path))}, "
                f"header = false, skip = 1, delim = {literal(direct.delimiter)}, quote = '\"', escape = '\"', "
                f"auto_detect = false, strict_mode = true, null_padding = false, columns = {columns})"
            )
            counted = con.execute(f"SELECT count(*) FROM {data}").fetchone()
        except duckdb.Error:
            con.execute(f"DROP TABLE IF EXISTS {data}")
            return None
        records = int(counted[0]) if counted else -1
        if records != direct.records:
            # DuckDB skips blank lines the strict parser reports: let the strict parser decide.
            con.execute(f"DROP TABLE {data}")
            return None
        # Insertion order is the file's order, so rowid numbers the records as the strict parser does.
        stored = frozenset(item.name for item in present)
        self._views(table, data, "rowid + 1 AS _record, rowid + 2 AS _line", stored, records)
        self._stored[(table.operation, table.name)] = (data, stored)
        return records

    def _views(self, table: Table, data: str, numbered: str, stored: frozenset[str], records: int) -> None:
        """The text form and the typed form of `table`: projections of the one stored table `data`."""

        def view(item: Item, typed: bool) -> str:
            kind = item.sql_type if typed and item.sql_type in _TYPED else "VARCHAR"
            column = item.name + "#typed" if kind != "VARCHAR" else item.name
            return (quote(column) if item.name in stored else f"CAST(NULL AS {kind})") + f" AS {quote(item.name)}"

        # A small table's typed form is stored as a table: DuckDB binds a view anew in every query that
        # names it (~2 ms for a hundred items, measured), and the rules name the typed form many times per
        # run; on a fixture that binding cost more than the copy. The text form is named a few times per
        # run and stays a view. A large table's forms stay views of the one stored table (stored once).
        for name, typed in ((raw_name(table), False), (typed_name(table), True)):
            values = ", ".join(view(item, typed) for item in table.items)
            kind = "TABLE" if typed and records < SMALL_TABLE else "VIEW"
            if name in self._forms:  # the table is loaded again: replace what stands under its name
                self.connection.execute(f"DROP {self._forms.pop(name)} {name}")
            self.connection.execute(f"CREATE {kind} {name} AS SELECT {numbered}, {values} FROM {data}")
            self._forms[name] = kind

    def _load_staged(self, table: Table, parsed: Rows) -> int:
        """The records written to a CSV file in the private temp folder, which DuckDB then reads."""
        items = [item.name for item in table.items]
        staging = self._staging(table)
        records = 0
        with staging.open("w", encoding="utf-8", newline="") as stream:
            writer = _staging_writer(stream)
            writer.writerow(["_record", "_line", *items])
            for record in parsed.records:
                records += 1
                writer.writerow([record.record, record.line, *map(record.values.get, items)])
        self._expect(records)
        columns = {"_record": "BIGINT", "_line": "BIGINT", **{name: "VARCHAR" for name in items}}
        self._from_staging(table, staging, columns, {name: quote(name) for name in items}, "_record, _line", records)
        return records

    def _load_cells(self, table: Table, parsed: Rows, cells: Iterator[tuple[int, int, list[str]]]) -> int:
        """Rows of cell text in header order (a workbook reader's) written whole, each with its line, to a
        CSV file that DuckDB reads: no Python work per cell (100,000 records of 115 items: seconds less
        than a dict per record). DuckDB picks the items by position, as it does from a plain file."""
        width = len(parsed.header)
        positions: dict[str, int] = {}
        for index, name in enumerate(parsed.header):
            positions.setdefault(name, index)  # a duplicated column keeps its first position, as readers do
        staging = self._staging(table)
        records = 0
        with staging.open("w", encoding="utf-8", newline="") as stream:
            writer = _staging_writer(stream)
            for _record, line, row in cells:
                records += 1
                writer.writerow([*row, line])
        self._expect(records)
        columns = {**{f"c{index}": "VARCHAR" for index in range(width)}, "_line": "BIGINT"}
        present = {item.name: f"c{positions[item.name]}" for item in table.items if item.name in positions}
        self._from_staging(table, staging, columns, present, "_line - 1 AS _record, _line", records, header=False)
        return records

    def _staging(self, table: Table) -> Path:
        return self._scratch / f"{table.operation}-{len(list(self._scratch.iterdir()))}.csv"

    def _from_staging(self, table: Table, staging: Path, columns: dict[str, str], present: dict[str, str], numbered: str,
                      records: int, *, header: bool = True) -> None:
        """The stored table from a staging file: `present` maps each item stored to its column there."""
        column_spec = "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in columns.items()) + "}"
        # Text and typed values side by side in one table, as a plain file is stored (not two copies).
        selected = [numbered, *(f"{column} AS {quote(name)}" for name, column in present.items())]
        selected += [_typed(item, present[item.name]) + f" AS {quote(item.name + '#typed')}"
                     for item in table.items if item.sql_type in _TYPED and item.name in present]
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {_data_name(table)} AS SELECT {', '.join(selected)} FROM read_csv({literal(str(staging))}, "
            f"header = {str(header).lower()}, delim = ',', quote = '\"', escape = '\"', auto_detect = false, columns = {column_spec})"
        )
        staging.unlink()
        self._views(table, _data_name(table), "_record, _line", frozenset(present), records)

    def _loaded(self, table: Table, parsed: Rows, records: int) -> LoadedTable:
        self.connection.execute(f"CREATE OR REPLACE TABLE {violations_name(table)} (_record BIGINT, item VARCHAR)")
        return LoadedTable(table=table, records=records, present=frozenset({item.name for item in table.items} & set(parsed.header)))


def _staging_writer(stream: TextIO) -> Any:
    """CRLF: csv.writer quotes a value holding any character of the terminator, and a bare CR left
    unquoted would split the record for DuckDB. An empty value and an absent one are both an empty
    field, which DuckDB reads as NULL."""
    return csv.writer(stream, lineterminator="\r\n")


def _data_name(table: Table) -> str:
    """The one stored table of `table`: every item's text and, beside it, each typed item's value."""
    return f"{quote('raw.' + table.operation)}.{quote(table.name + '#data')}"


def error_summary(error: BaseException) -> str:
    """An internal error as a reason a report may show: its first line, cut where it starts quoting.

    DuckDB's messages quote the data they choked on ("Original Line: …", "Could not convert string
    '…'"), and a reason must never carry a personal value, let alone a 個人番号."""
    first = (str(error).strip().splitlines() or [""])[0]
    cut = min((index for index in (first.find("'"), first.find('"'), first.find("Original Line")) if index >= 0), default=len(first))
    return f"{type(error).__name__}: {sanitised(first[:cut].rstrip(' :'))}" + ("…" if cut < len(first) else "")

