"""A process keeps the DuckDB instances its runs used, each for at most MAX_RUNS_PER_INSTANCE runs."""

from __future__ import annotations

import datetime

import duckdb

from conformance.checks import instances
from conformance.checks.database import Database


def test_an_instance_is_kept_with_its_count_and_retired_after_its_last_run() -> None:
    first = Database(as_of=datetime.date(2026, 1, 1))
    instance, served = first._instance, first._served
    first.close()
    second = Database(as_of=datetime.date(2026, 1, 1))
    assert (second._instance, second._served) == (instance, served + 1)  # the kept one, one run more
    second._served = instances.MAX_RUNS_PER_INSTANCE
    second.close()  # its last run: closed, not kept
    third = Database(as_of=datetime.date(2026, 1, 1))
    assert third._instance is not instance and third._served == 1
    assert third.connection.execute("SELECT as_of_date()").fetchone() == (datetime.date(2026, 1, 1),)
    third.close()


def test_a_runs_memory_limit_is_not_left_to_the_next_run() -> None:
    """--memory-limit is instance-wide: the run that set it resets it when it gives its instance back."""
    default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchone()
    limited = Database(memory_limit="100MB")
    instance = limited._instance
    assert limited.connection.execute("SELECT current_setting('memory_limit')").fetchone() != default
    limited.close()
    following = Database()
    assert following._instance is instance
    assert following.connection.execute("SELECT current_setting('memory_limit')").fetchone() == default
    following.close()
