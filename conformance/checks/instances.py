"""The DuckDB instances of a process, kept for the next run: starting one costs more than a small run's queries."""

from __future__ import annotations

import atexit
import datetime
import os
import threading

import duckdb

from conformance.checks.formats import VALUE_FORMATS, sql_macros
from conformance.checks.sql import TYPED_DATE_FUNCTION, literal, typed_date

# Starting a DuckDB instance costs ~28 ms of CPU (measured; a fixture run costs ~300 ms in all), so a process keeps
# the instances its finished runs used and the next run takes one: each run gets a fresh in-memory catalog
# attached to it and a connection of its own (temporary tables and Python functions are per connection), and
# the instance-wide settings are set anew. One run uses an instance at a time. Keyed by process: a child
# forked from a process holding idle instances never touches them (DuckDB's threads do not survive a fork).
_IDLE: dict[int, list[tuple[duckdb.DuckDBPyConnection, int]]] = {}  # each idle instance with the runs it served
_IDLE_LOCK = threading.Lock()
# An instance serves at most this many runs, then is closed: a kept instance's statements grow dearer with
# the runs it served (measured on 100 fixture runs per pass, alternated: 160 → 206 ms of CPU per run over
# four passes on one instance, 144–160 ms when each instance is closed after 50 runs; the catalog it
# keeps does not grow, so the cost is inside DuckDB). A new instance costs ~30 ms, once per 50 runs.
MAX_RUNS_PER_INSTANCE = 50


@atexit.register
def _close_idle() -> None:
    """The idle instances closed before the interpreter tears down the Python functions they call."""
    with _IDLE_LOCK:
        idle = _IDLE.pop(os.getpid(), [])
    for instance, _served in idle:
        instance.close()


def take_instance() -> tuple[duckdb.DuckDBPyConnection, int]:
    """An idle instance of this process and the runs it served, or a new one (and 0)."""
    with _IDLE_LOCK:
        idle = _IDLE.get(os.getpid())
        if idle:
            return idle.pop()
    return new_instance(), 0


# The catalog of an instance's own connection (`duckdb.connect(":memory:")`): the format macros live there,
# created once per instance, and a run's connections find them through their search path (`search_path`).
FUNCTIONS_CATALOG = "memory"


def new_instance() -> duckdb.DuckDBPyConnection:
    """A new in-memory instance with the format functions: the Python ones registered, the SQL twins as macros
    in its own catalog (created once per instance: ~6 ms of CPU that every run paid when they lived in its catalog)."""
    instance = duckdb.connect(":memory:")
    try:
        register_python_functions(instance)
        instance.execute(format_macros())
    except BaseException:
        instance.close()
        raise
    return instance


def search_path(catalog: str) -> str:
    """A run's connection's search path: its catalog, then the instance's format macros."""
    return f"{catalog}.main,{FUNCTIONS_CATALOG}.main"


def give_back(instance: duckdb.DuckDBPyConnection, catalog: str, served: int, *, reset_memory_limit: bool = False) -> None:
    """The run's catalog detached (and, when the run set one, the memory limit back to DuckDB's default),
    `instance` (which served `served` runs, this one included) is idle again; closed if either fails or it
    served MAX_RUNS_PER_INSTANCE runs."""
    try:
        instance.execute(f"{'RESET memory_limit; ' if reset_memory_limit else ''}DETACH {catalog}")
    except duckdb.Error as error:
        instance.close()
        if isinstance(error, duckdb.InterruptException):  # a Ctrl-C stays an interrupt
            raise
        return
    if served >= MAX_RUNS_PER_INSTANCE:
        instance.close()
        return
    with _IDLE_LOCK:
        _IDLE.setdefault(os.getpid(), []).append((instance, served))


def register_python_functions(connection: duckdb.DuckDBPyConnection) -> None:
    """The formats without a SQL twin, as Python functions. They live as long as `connection` and are seen
    by every connection of its instance (a function registered through a closed cursor crashes DuckDB)."""
    for fmt in (fmt for fmt in VALUE_FORMATS.values() if fmt.sql is None):
        connection.create_function(fmt.function_name, fmt.check, ["VARCHAR"], "BOOLEAN", side_effects=False)
    # "special": it returns NULL for values that are no date (DuckDB's default expects a value for every one). The
    # string, as every DuckDB since 1.3 takes it: the stubs want an enum from a module DuckDB 2.0 moved.
    connection.create_function(TYPED_DATE_FUNCTION, typed_date, ["VARCHAR", "VARCHAR"], "DATE",  # type: ignore[call-overload]
                               null_handling="special", side_effects=False)


def register_functions(connection: duckdb.DuckDBPyConnection, as_of: datetime.date) -> None:
    """What rules may call besides SQL: every format (`fmt_jp_m11(x)`) and `as_of_date()`, the date the
    run judges "today" by (the run's date unless given, and recorded in the result)."""
    connection.execute(macros(as_of))
    register_python_functions(connection)


def macros(as_of: datetime.date) -> str:
    """Every format with a SQL twin and `as_of_date()`, as one statement (a connection of its own: lint)."""
    return f"{format_macros()};\n{as_of_macro(as_of)}"


def format_macros() -> str:
    """Every format with a SQL twin as a macro (`fmt_jp_m11(x)`), as one statement."""
    return ";\n".join(f"CREATE OR REPLACE MACRO {VALUE_FORMATS[name].function_name}(v) AS {body}" for name, body in sql_macros().items())


def as_of_macro(as_of: datetime.date) -> str:
    """`as_of_date()`: the run's own, so it lives in the run's catalog."""
    return f"CREATE OR REPLACE MACRO as_of_date() AS DATE {literal(as_of.isoformat())}"
