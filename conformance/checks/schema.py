"""Running a table's schema checks: compiled to one SQL scan, or row by row where the compiler cannot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referencing import Registry
from referencing.exceptions import Unresolvable

from conformance.checks.compile import (
    Constraint,
    InvalidSchema,
    UnsupportedSchema,
    compile_constraints,
    violation_query,
)
from conformance.checks.database import Database, literal, quote, raw_name, violations_name
from conformance.checks.keywords import precedence
from conformance.checks.loaded import LoadedTable
from conformance.checks.messages import describe
from conformance.checks.places import Place
from conformance.checks.schema_python import PYTHON_TABLE, Evaluated, evaluate_in_python, records_checked_by
from conformance.checks.validators import classify, reference_validator
from conformance.results import Finding, FindingCollector, Location, shown_value
from conformance.spec.ecma_regex import UntranslatablePattern
from conformance.spec.model import Table

_BATCH = 10_000
# From this many records on, formats run as their SQL twins (ValueFormat.large_table_sql): measured, the
# JIS X 0213 regex costs ~40 ms per item to compile and then beats the Python function ~10 times over.
LARGE_TABLE = 10_000


def _finding(
    table: Table, requirement: str, item: str | None, keyword: str, value: Any, raw: str | None,
    location: Location, show_values: bool,
) -> Finding:
    code, message = describe(item, keyword, value, raw)
    spec_item = table.item(item) if item else None
    personal = spec_item.personal if spec_item else "mask"
    return Finding(requirement, code, message, location, shown_value(raw, personal, show_values))


@dataclass(frozen=True, slots=True)
class SchemaRun:
    """How a table's schema was checked ("compiled" or "row-wise"), and the records each of its schema
    requirements judged when that came from the same fetch (None: `schema_records_checked` counts them)."""

    how: str
    checked: dict[str, int] | None = None


class SchemaNotCheckable(Exception):
    """The table's schema cannot be checked as written (its reason names the spec's fault, never a value):
    the run gives its requirements an `error` verdict with the reason."""


def run_schema_checks(
    database: Database, loaded: LoadedTable, registry: Registry[Any], collector: FindingCollector,
    place: Place, show_values: bool, formats: Mapping[str, str | None] | None = None,
) -> SchemaRun:
    """Evaluate every schema keyword of the table; returns how: "compiled" or "row-wise" (SchemaNotCheckable
    when the schema cannot be checked as written: an untranslatable pattern, an unknown required item, a
    `$ref` that does not resolve).

    `formats` replaces format names (a declared character profile: see formats.CHARACTER_PROFILES), None
    leaving a format unasserted (check digits not declared: results.check_digits.CHECK_DIGIT_PROFILES).
    The compiled constraints of a table under `schema_python.PYTHON_TABLE` records are evaluated by their
    Python twins from one fetch of its rows (the same outcome, without planning the scan)."""
    try:
        try:
            constraints = compile_constraints(loaded.table, registry, formats)
        except UnsupportedSchema:
            _run_rowwise(database, loaded, registry, collector, place, show_values, formats or {})
            return SchemaRun("row-wise")
    except InvalidSchema as error:
        raise SchemaNotCheckable(str(error)) from error
    except UntranslatablePattern as error:
        raise SchemaNotCheckable(f"pattern {error.pattern} は ECMA-262 から RE2 と Python に正確に変換できません（{error.reason}）") from error
    except Unresolvable as error:
        raise SchemaNotCheckable(f"$ref {error.ref} を解決できません") from error
    constraints = [c for c in constraints if c.item in loaded.present]
    if not constraints or not loaded.records:
        return SchemaRun("compiled")
    requirement_names = _requirement_indexes(constraints)
    if loaded.records < PYTHON_TABLE:
        evaluated = evaluate_in_python(database, loaded, constraints, requirement_names, collector.limit)
    else:
        evaluated = _evaluate_in_sql(database, loaded, constraints, requirement_names, collector.limit)
    _collect(loaded, constraints, requirement_names, evaluated, collector, place, show_values)
    return SchemaRun("compiled", evaluated.checked)


def _evaluate_in_sql(
    database: Database, loaded: LoadedTable, constraints: list[Constraint], requirement_names: list[str], limit: int,
) -> Evaluated:
    """The one SQL scan of the table (schema_python.Evaluated; `checked` left to schema_records_checked)."""
    con = database.connection
    item_names = list(dict.fromkeys(c.item for c in constraints))
    mapping = ", ".join(
        f"({requirement_names.index(c.requirement)}, {i}, {precedence(c.keyword, c.value)}, {item_names.index(c.item)})"
        for i, c in enumerate(constraints)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE violation AS {violation_query(constraints, raw_name(loaded.table), loaded.records >= LARGE_TABLE)}")
    # One finding per record and item within a requirement: of the keywords one value breaks, the
    # most telling (the lowest declared precedence, then schema order).
    joined = (
        "SELECT _record, _line, i, r FROM (SELECT v._record, v._line, v.i, m.r, row_number() OVER "
        "(PARTITION BY v._record, m.r, m.item ORDER BY m.precedence, v.i) AS k "
        f"FROM violation AS v JOIN (VALUES {mapping}) AS m(r, i, precedence, item) ON m.i = v.i) WHERE k = 1"
    )
    totals = dict(con.execute(f"SELECT r, count(*) FROM ({joined}) GROUP BY r").fetchall())
    examples = con.execute(
        f"SELECT _record, _line, i FROM (SELECT *, row_number() OVER (PARTITION BY r ORDER BY _record, i) AS n "
        f"FROM ({joined})) WHERE n <= {int(limit)} ORDER BY _record, i"
    ).fetchall()
    items = ", ".join(f"({i}, {literal(c.item)})" for i, c in enumerate(constraints))
    con.execute(
        f"INSERT INTO {violations_name(loaded.table)} SELECT DISTINCT _record, m.item FROM violation "
        f"JOIN (VALUES {items}) AS m(i, item) USING (i)"
    )
    con.execute("DROP TABLE violation")
    present = [c.item for c in constraints]
    columns = list(dict.fromkeys(present))
    fetched = database.records(loaded.table, columns, sorted({record for record, _, _ in examples}))
    values = {record: dict(zip(columns, row, strict=True)) for record, row in fetched.items()}
    return Evaluated(totals, examples, values, None)


def _collect(
    loaded: LoadedTable, constraints: list[Constraint], requirement_names: list[str], evaluated: Evaluated,
    collector: FindingCollector, place: Place, show_values: bool,
) -> None:
    """The findings of the examples, and the totals, handed to the collector."""
    values = evaluated.values
    per_requirement: dict[str, list[Finding]] = {}
    for record, line, index in evaluated.examples:
        constraint = constraints[index]
        raw = values.get(record, {}).get(constraint.item)
        location = place.at(line, record, constraint.item)
        per_requirement.setdefault(constraint.requirement, []).append(
            _finding(loaded.table, constraint.requirement, constraint.item, constraint.keyword, constraint.value, raw, location, show_values)
        )
    for index, total in evaluated.totals.items():
        requirement = requirement_names[index]
        collector.add_counted(requirement, total, per_requirement.get(requirement, []))


def _requirement_indexes(constraints: list[Any]) -> list[str]:
    """Requirement IDs in first-seen order; a constraint's position in this list is its `r`."""
    return list(dict.fromkeys(c.requirement for c in constraints))


def _run_rowwise(
    database: Database, loaded: LoadedTable, registry: Registry[Any], collector: FindingCollector,
    place: Place, show_values: bool, formats: Mapping[str, str | None],
) -> None:
    table = loaded.table
    validator = reference_validator(table.schema, registry, formats)
    resolver = registry.resolver(table.schema.get("$id", ""))
    present = [item.name for item in table.items if item.name in loaded.present]
    cursor = database.cursor().execute(
        f"SELECT _record, _line, {', '.join(quote(c) for c in present)} FROM {raw_name(table)} ORDER BY _record"
    )
    flagged: list[tuple[int, str]] = []
    while batch := cursor.fetchmany(_BATCH):
        for record, line, *cells in batch:
            instance = {name: cell for name, cell in zip(present, cells, strict=True) if cell is not None}
            # One finding per record, item and requirement: the most telling keyword (lowest precedence).
            telling: dict[tuple[str, str | None], tuple[int, str, Any]] = {}
            for error in validator.iter_errors(instance):
                for violation in classify(error, table.schema, resolver):
                    if violation.item is not None and violation.item not in loaded.present:
                        continue
                    value = formats.get(violation.value) or violation.value if violation.keyword == "format" else violation.value
                    key = (violation.requirement, violation.item)
                    rank = precedence(violation.keyword, value)
                    if key not in telling or rank < telling[key][0]:
                        telling[key] = (rank, violation.keyword, value)
            for (requirement, item), (_, keyword, value) in telling.items():
                raw = instance.get(item) if item else None
                location = place.at(line, record, item)
                collector.add(_finding(table, requirement, item, keyword, value, raw, location, show_values))
                if item is not None:
                    flagged.append((record, item))
        if flagged:
            database.connection.executemany(f"INSERT INTO {violations_name(table)} VALUES (?, ?)", flagged)
            flagged.clear()


def schema_records_checked(database: Database, loaded: LoadedTable) -> dict[str, int]:
    """How many records each schema requirement of the table judged, in one count over the table:
    every record where one of its present items is `required`, else the records with one of its
    present items non-empty (an empty value is an absent one: the other keywords do not see it)."""
    checked, counted = records_checked_by(loaded)
    if counted and loaded.records:
        columns = ", ".join(
            "count(*) FILTER (WHERE " + " OR ".join(f"{quote(item)} IS NOT NULL" for item in present) + ")" for _, present in counted
        )
        row = database.connection.execute(f"SELECT {columns} FROM {raw_name(loaded.table)}").fetchone() or ()
        checked.update((requirement, int(count)) for (requirement, _), count in zip(counted, row, strict=True))
    return checked
