"""A small table's compiled schema checks evaluated in Python, from one fetch of its rows.

Binding and planning the one SQL scan over a table's hundred-odd predicates costs DuckDB tens of ms
whatever the table holds; on a table of a few dozen records, calling each predicate's Python twin
(registry.KeywordCheck.python) per value costs a fraction of that. The outcome is exactly the SQL
path's (schema.py): the same violations, the same one finding per record, requirement and item (lowest
precedence, then schema order), the same totals and examples per requirement, the same rows in the
violations table, and the records each requirement judged counted from the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from conformance.checks.compile import Constraint
from conformance.checks.database import Database, quote, raw_name, violations_name
from conformance.checks.keywords import precedence
from conformance.checks.loaded import LoadedTable

PYTHON_TABLE = 1_000
"""Below this many records a table's compiled checks run in Python (measured break-even: see
ARCHITECTURE.md, Scale); from it on, the one SQL scan."""


@dataclass(frozen=True, slots=True)
class Evaluated:
    """What the compiled checks found, as the SQL path hands it on.

    `totals`: findings per requirement index (one per record, requirement and item); `examples`: the
    first `limit` of each requirement as (record, line, constraint index), ordered by record, then
    constraint; `values`: the text of the examples' records by item; `checked`: the records each schema
    requirement of the table judged (schema.schema_records_checked's count; None: not counted here)."""

    totals: dict[int, int]
    examples: list[tuple[int, int, int]]
    values: dict[int, dict[str, str | None]]
    checked: dict[str, int] | None


def evaluate_in_python(
    database: Database, loaded: LoadedTable, constraints: list[Constraint], requirements: list[str], limit: int,
) -> Evaluated:
    """Evaluate `constraints` (all on present items) over `loaded`'s records; `requirements` gives each
    requirement ID its index. Records the violated (record, item) pairs in the violations table."""
    table = loaded.table
    named = table.requirement_items()
    wanted = {c.item for c in constraints} | {item for items in named.values() for item in items & loaded.present}
    columns = [item.name for item in table.items if item.name in wanted]
    position = {name: index + 2 for index, name in enumerate(columns)}
    # Sorted here: DuckDB's ORDER BY costs more than sorting a few hundred rows (measured).
    rows = sorted(database.connection.execute(
        f"SELECT _record, _line, {', '.join(quote(c) for c in columns)} FROM {raw_name(table)}"
    ).fetchall(), key=itemgetter(0))
    kept: list[tuple[int, int, int, int]] = []
    flagged: set[tuple[int, str]] = set()
    groups = _by_column(constraints, requirements, position)
    for row in rows:
        record = row[0]
        # One finding per record, requirement and item: the lowest precedence, then schema order.
        telling: dict[tuple[int, str], tuple[int, int]] = {}
        for column, item, present, absent, known in groups:
            raw = row[column]
            violated = known.get(raw)
            if violated is None:
                # The twins are pure: a value seen before in this item breaks the same checks.
                violated = known[raw] = [(index, requirement, rank) for twin, value, index, requirement, rank
                                         in (present if raw is not None else absent) if twin(raw, value)]
            if violated:
                flagged.add((record, item))
                for index, requirement, rank in violated:
                    best = telling.get((requirement, item))
                    if best is None or (rank, index) < best:
                        telling[requirement, item] = (rank, index)
        if telling:
            for (requirement, _), (_, index) in sorted(telling.items(), key=lambda entry: entry[1][1]):
                kept.append((record, row[1], index, requirement))
    totals: dict[int, int] = {}
    examples: list[tuple[int, int, int]] = []
    for record, line, index, requirement in kept:  # ordered by record, then constraint
        totals[requirement] = totals.get(requirement, 0) + 1
        if totals[requirement] <= limit:
            examples.append((record, line, index))
    if flagged:
        pairs = sorted(flagged)
        database.connection.execute(
            f"INSERT INTO {violations_name(table)} SELECT unnest($records), unnest($items)",
            {"records": [record for record, _ in pairs], "items": [item for _, item in pairs]},
        )
    shown = {record for record, _, _ in examples}
    values = {row[0]: dict(zip(columns, row[2:], strict=True)) for row in rows if row[0] in shown}
    return Evaluated(totals, examples, values, _records_checked(loaded, rows, position))


_Check = tuple[Callable[["str | None", Any], bool], Any, int, int, int]
"""(twin, keyword value, constraint index, requirement index, precedence)."""


_Violated = list[tuple[int, int, int]]
"""(constraint index, requirement index, precedence) of the checks one value breaks."""


def _by_column(
    constraints: list[Constraint], requirements: list[str], position: dict[str, int],
) -> list[tuple[int, str, list[_Check], list[_Check], dict[str | None, _Violated]]]:
    """Per item: its row position, the checks of a present value, and those an absent one (None) can violate
    (asked of each twin once: they are pure, and only `required` is violated by an absent value), and an
    empty memo of the checks each value of the item breaks."""
    grouped: dict[str, tuple[list[_Check], list[_Check]]] = {}
    for index, constraint in enumerate(constraints):
        twin = constraint.twin()
        check = (twin, constraint.value, index, requirements.index(constraint.requirement), precedence(constraint.keyword, constraint.value))
        present, absent = grouped.setdefault(constraint.item, ([], []))
        present.append(check)
        if twin(None, constraint.value):
            absent.append(check)
    return [(position[item], item, present, absent, {}) for item, (present, absent) in grouped.items()]


def records_checked_by(loaded: LoadedTable) -> tuple[dict[str, int], list[tuple[str, list[str]]]]:
    """What schema_records_checked counts, requirement by requirement: every record where one of the
    requirement's present items is `required` (known already: the first dict), else the records with one
    of its present items non-empty (the list: the requirement and those items, to be counted)."""
    required = set(loaded.table.schema.get("required", ()))
    checked: dict[str, int] = {}
    counted: list[tuple[str, list[str]]] = []
    for requirement, items in loaded.table.requirement_items().items():
        present = sorted(items & loaded.present)
        if not present:
            continue
        if required & set(present):
            checked[requirement] = loaded.records
        else:
            counted.append((requirement, present))
    return checked, counted


def _records_checked(loaded: LoadedTable, rows: list[tuple[object, ...]], position: dict[str, int]) -> dict[str, int]:
    """schema.schema_records_checked counted on the fetched rows."""
    checked, counted = records_checked_by(loaded)
    valued: dict[str, set[int]] = {}  # item -> the indexes of the rows where it has a value
    for requirement, present in counted:
        for item in present:
            if item not in valued:
                column = position[item]
                valued[item] = {index for index, row in enumerate(rows) if row[column] is not None}
        checked[requirement] = len(set().union(*(valued[item] for item in present)))
    return checked
