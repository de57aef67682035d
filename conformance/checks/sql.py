"""SQL text the database writes: identifiers and literals, the names of a table's stored forms, an
item's typed value, the items a header has and their columns in a plain file, and the line numbers of a plain file whose quoted fields hold line breaks."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping, Sequence

from conformance.checks.formats import VALUE_FORMATS
from conformance.spec.model import Item, Table


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


def data_name(table: Table) -> str:
    """The one stored table of `table`: every item's text and, beside it, each typed item's value."""
    return data_name_of(table.operation, table.name)


def data_name_of(operation: str, table: str) -> str:
    return f"{quote('raw.' + operation)}.{quote(table + '#data')}"


# A date the standard lets be non-calendar (2月29日 of a common year, 4月31日) is taken as the last day
# of its month, so that order rules still see it; a value of another shape is NULL (and reported by
# the schema checks); so is the year 0000, which no date format accepts (0000-01-01 is the unknown start
# of a period, and `typed_value` makes it NULL where a format allows it).
# A calendar date casts directly; a value of the shape that does not cast has a day past its month's end
# (the pattern bounds the month to 01-12 and the day to 01-31), so it is its month's last day. Written
# without make_date/least/day: binding those cost a small run ~0.6 ms per date item (18 in 住民), and
# tests/test_typed_dates.py holds it to the calendar on every month and day of leap and common years.
_DATE = (
    "CASE WHEN regexp_full_match({column}, '[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])') AND substr({column}, 1, 4) <> '0000' THEN "
    "coalesce(TRY_CAST({column} AS DATE), last_day(CAST(substr({column}, 1, 8) || '01' AS DATE))) END"
)
TYPED = {
    "DATE": _DATE,
    "BIGINT": "TRY_CAST({column} AS BIGINT)",
    "DECIMAL(18,3)": "TRY_CAST({column} AS DECIMAL(18,3))",
}


# _DATE's Python twin, as a DuckDB function of every instance (instances.register_python_functions).
TYPED_DATE_FUNCTION = "conformance_typed_date"
_DATE_SHAPE = re.compile("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def typed_date(value: str | None, open_bound: str) -> datetime.date | None:
    """A date item's typed value as `_DATE` and `typed_value` give it, `open_bound` its format's ('' for none):
    held equal to the SQL by tests/test_typed_dates.py."""
    if value is None or value == open_bound or not _DATE_SHAPE.fullmatch(value) or value.startswith("0000"):
        return None
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:])
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def typed_value(item: Item, column: str, small: bool = False) -> str:
    """The typed value of `item` held in `column`: NULL for the open bound of a period its format names
    (0000-01-01 unknown start, 9999-12-31 open end), so rules read it as they read an empty value.
    `small`: a table of a few hundred records, whose dates are typed by `typed_date` (binding `_DATE`'s
    twenty-odd nodes cost ~0.3 ms of CPU per item, more than calling Python on its values, ~0.08 ms)."""
    fmt = VALUE_FORMATS.get(item.format or "")
    bound = fmt.open_bound if fmt is not None else None
    if small and item.sql_type == "DATE":
        return f"{TYPED_DATE_FUNCTION}({column}, {literal(bound or '')})"
    expression = TYPED[item.sql_type].format(column=column)
    if bound is None:
        return expression
    return f"CASE WHEN {column} = {literal(bound)} THEN NULL ELSE {expression} END"


def line_offset(breaks: Sequence[tuple[int, int]]) -> str:
    """`+ <SQL>`: the extra lines before record `rowid` (from 0) of a directly read file whose records
    `breaks` (index, extra lines, in order) hold quoted line breaks; '' when none does. A balanced CASE
    over the records' indexes: a few comparisons per record, however many breaks the scan allowed."""
    if not breaks:
        return ""
    indexes = [index for index, _extra in breaks]
    before = [0]  # extra lines before a record that follows j of the breaking records
    for _index, extra in breaks:
        before.append(before[-1] + extra)

    def among(low: int, high: int) -> str:  # j, the number of breaking records before rowid, in [low, high]
        if low == high:
            return str(before[low])
        middle = (low + high + 1) // 2
        return f"CASE WHEN rowid > {indexes[middle - 1]} THEN {among(middle, high)} ELSE {among(low, middle - 1)} END"

    return f" + {among(0, len(breaks))}"


def first_positions(header: Sequence[str]) -> dict[str, int]:
    """Each column name's position in a header; a duplicated column keeps its first position, as readers do."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name, index)
    return positions


def present_items(table: Table, header: Sequence[str]) -> list[Item]:
    """The items of `table` the header has a column for, in the table's order."""
    names = set(header)
    return [item for item in table.items if item.name in names]


def item_columns(table: Table, header: Sequence[str], expressions: Mapping[str, str] | None) -> dict[str, str]:
    """Each present item's SQL over a plain file's columns `c0`, `c1` …: a --mapping's expression, else its column."""
    positions = first_positions(header)
    mapped = expressions or {}
    return {item.name: f"({mapped[item.name]})" if item.name in mapped else f"c{positions[item.name]}"
            for item in present_items(table, header)}
