"""A small table's compiled schema checks evaluated in Python, from one fetch of its rows.

Binding and planning the one SQL scan over a table's hundred-odd predicates costs DuckDB tens of ms
whatever the table holds; on a table of a few dozen records, calling each predicate's Python twin
(registry.KeywordCheck.python) per value costs a fraction of that. The outcome is exactly the SQL
path's (schema.py): the same violations, the same one finding per record, requirement and item (lowest
precedence, then schema order), the same totals and examples per requirement, the same rows in the
violations table, and the records each requirement judged counted from the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks.compile import Constraint
from conformance.checks.database import Database, LoadedTable, quote, raw_name, violations_name
from conformance.checks.keywords import precedence

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
    rows = database.connection.execute(
        f"SELECT _record, _line, {', '.join(quote(c) for c in columns)} FROM {raw_name(table)} ORDER BY _record"
    ).fetchall()
    items = list(dict.fromkeys(c.item for c in constraints))
    # (column, twin, keyword value, constraint index, requirement index, item index, precedence)
    checks = [
        (position[c.item], c.twin(), c.value, i, requirements.index(c.requirement), items.index(c.item), precedence(c.keyword, c.value))
        for i, c in enumerate(constraints)
    ]
    kept: list[tuple[int, int, int, int]] = []
    flagged: set[tuple[int, str]] = set()
    for row in rows:
        record = row[0]
        # One finding per record, requirement and item: the lowest precedence, then schema order.
        telling: dict[tuple[int, int], tuple[int, int]] = {}
        for column, twin, value, index, requirement, item, rank in checks:
            if twin(row[column], value):
                flagged.add((record, items[item]))
                best = telling.get((requirement, item))
                if best is None or (rank, index) < best:
                    telling[requirement, item] = (rank, index)
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
    return Evaluated(totals, examples, values, _records_checked(loaded, named, rows, position))


def _records_checked(loaded: LoadedTable, named: dict[str, set[str]], rows: list[tuple[object, ...]],
                     position: dict[str, int]) -> dict[str, int]:
    """schema.schema_records_checked counted on the fetched rows: every record where one of the
    requirement's present items is `required`, else the records with one of them non-empty."""
    required = set(loaded.table.schema.get("required", ()))
    checked: dict[str, int] = {}
    for requirement, items in named.items():
        present = sorted(items & loaded.present)
        if not present:
            continue
        if required & set(present):
            checked[requirement] = loaded.records
        else:
            columns = [position[item] for item in present]
            checked[requirement] = sum(1 for row in rows if any(row[column] is not None for column in columns))
    return checked
