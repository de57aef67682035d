"""The typed value of a date item (checks/sql.py `_DATE`, and its Python twin `typed_date` that a small table's
store calls) against the calendar: a calendar date as it is, a non-calendar day of a well-formed date
(2月30日, 4月31日) as its month's last day, anything else NULL; the open bound of a period NULL."""

from __future__ import annotations

import calendar
import datetime

import duckdb

from conformance.checks.instances import new_instance
from conformance.checks.sql import TYPED, typed_value
from conformance.spec.model import Item

YEARS = (0, 1, 4, 1900, 1999, 2000, 2023, 2024, 2100, 9999)


def _expected(text: str) -> datetime.date | None:
    year, month, day = (int(part) for part in text.split("-"))
    if year == 0 or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def test_every_month_and_day_of_leap_and_common_years() -> None:
    values = [f"{year:04d}-{month:02d}-{day:02d}" for year in YEARS for month in range(14) for day in range(33)]
    values += ["2024-2-29", "2024-02-29 ", " 2024-02-29", "2024/02/29", "20240229", "2024-02-29T00:00", "", "abcd-ef-gh"]
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT v, {TYPED['DATE'].format(column='v')} FROM (SELECT unnest($values) AS v)", {"values": values}
    ).fetchall()
    con.close()
    got = dict(rows)
    expected = {value: _expected(value) if len(value) == 10 and value[4] == value[7] == "-" and value.replace("-", "").isdigit()
                else None for value in values}
    assert got == expected
    assert sum(date is not None for date in got.values()) == (len(YEARS) - 1) * 12 * 31  # the year 0000 is no date


def test_a_small_tables_python_typed_dates_are_the_sqls() -> None:
    """`typed_value` for a small table (the Python twin) and for a large one (SQL), with and without an open bound."""
    values = [f"{year:04d}-{month:02d}-{day:02d}" for year in YEARS for month in range(14) for day in range(33)]
    values += ["2024-2-29", "2024-02-29 ", " 2024-02-29", "2024/02/29", "20240229", "2024-02-29T00:00", "", "abcd-ef-gh",
               "０２０２-01-01", "2024-02-2９", "9999-12-31", "0000-01-01", None]
    con = new_instance()
    for fmt in (None, "date-period-start", "date-period-end"):
        item = Item("d", "X-D-0001", False, None, "DATE", format=fmt)
        rows = con.execute(f"SELECT {typed_value(item, 'v', True)}, {typed_value(item, 'v')} FROM (SELECT unnest($values) AS v)",
                           {"values": values}).fetchall()
        assert [python for python, _sql in rows] == [sql for _python, sql in rows]
        assert sum(python is not None for python, _sql in rows) > 0
    con.close()
