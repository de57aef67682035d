"""Row rules (a predicate TRUE for a violating record) and dataset rules (a query of violating
records), both SQL over the typed views."""

from __future__ import annotations

from conformance.checks.database import (
    SMALL_TABLE,
    Database,
    literal,
    quote,
    typed_name,
    violations_name,
)
from conformance.checks.loaded import LoadedTable
from conformance.checks.places import Place
from conformance.checks.schema import LARGE_TABLE
from conformance.results import Finding, FindingCollector, shown_part
from conformance.results.codes import finding_code
from conformance.spec.model import Requirement

# The items of each record that failed a schema check, as a list column beside the typed form (see _source).
_VIOLATED = quote("#violated")
# The records a dataset rule returns, as a CTE of its own (rule_query).
_RULE = quote("#rule")


def _listed(loaded: LoadedTable) -> bool:
    """Below LARGE_TABLE records, the rules read each record's violated items from one list column
    joined to the typed form, instead of one NOT IN subquery per rule: measured on the juki fixture
    (28 row rules), the row-rule scan and the population count took 150 ms of CPU with the subqueries,
    30 ms with the list. A large table keeps the subqueries (anti-joins once optimised)."""
    return loaded.records < LARGE_TABLE


def _source(loaded: LoadedTable) -> str:
    """What the row rules of `loaded` scan: its typed form, on a small table with each record's violated items."""
    if not _listed(loaded):
        return typed_name(loaded.table)
    return (
        f"{typed_name(loaded.table)} LEFT JOIN (SELECT _record, list(item) AS {_VIOLATED} "
        f"FROM {violations_name(loaded.table)} GROUP BY _record) USING (_record)"
    )


def _not_violating(requirement: Requirement, loaded: LoadedTable) -> str:
    # A record whose items already failed their schema checks is not judged again on them:
    # their typed values are NULL or clamped, and the vendor has the schema finding to fix first.
    items = ", ".join(literal(item) for item in requirement.check.items)
    if _listed(loaded):
        return f"NOT coalesce(list_has_any({_VIOLATED}, [{items}]), false)"
    return f"_record NOT IN (SELECT _record FROM {violations_name(loaded.table)} WHERE item IN ({items}))"


def _row_condition(requirement: Requirement, loaded: LoadedTable) -> str:
    return f"({requirement.check.sql}) AND {_not_violating(requirement, loaded)}"


def population_is_query(population: str) -> bool:
    """A declared population that is a query (SELECT or WITH) rather than a predicate."""
    head = population.lstrip().split(None, 1)[0].upper() if population.strip() else ""
    return head in ("SELECT", "WITH")


def population_predicate(requirement: Requirement, loaded: LoadedTable) -> str | None:
    """The records a rule judges as a predicate over its typed view; None when declared as a query.

    Derived (nothing declared): the records with any of the rule's items non-empty; a row rule's
    population also leaves out the records it skips for their schema violations."""
    check = requirement.check
    if check.population is not None and population_is_query(check.population):
        return None
    base = check.population or " OR ".join(f"{quote(item)} IS NOT NULL" for item in check.items)
    if check.kind == "row":
        return f"({base}) AND {_not_violating(requirement, loaded)}"
    return f"({base})"


def population_query(requirement: Requirement, loaded: LoadedTable) -> str:
    """SELECT _record of the records a rule judges."""
    predicate = population_predicate(requirement, loaded)
    if predicate is None:
        return f"SELECT DISTINCT _record FROM ({requirement.check.population}) AS population"
    return f"SELECT _record FROM {_source(loaded)} WHERE {predicate}"


def count_populations(database: Database, requirements: list[Requirement], loaded: LoadedTable) -> dict[str, int]:
    """How many records each rule of one table judges: the predicates in one scan of the table, the
    declared queries one by one; on a small table the derived populations are counted in Python (below).
    A SQL error propagates (the caller counts rule by rule to place it)."""
    con = database.connection
    counts: dict[str, int] = {}
    predicates = [(requirement, population_predicate(requirement, loaded)) for requirement in requirements]
    derived = [requirement for requirement in requirements
               if requirement.check.population is None and requirement.check.items and _counted_in_python(loaded)]
    if derived:
        counts.update(_count_derived(database, derived, loaded))
    scanned = [(requirement, predicate) for requirement, predicate in predicates
               if predicate is not None and requirement not in derived]
    if scanned:
        columns = ", ".join(f"count(*) FILTER (WHERE {predicate})" for _, predicate in scanned)
        rows = any(requirement.check.kind == "row" for requirement, _ in scanned)
        source = _source(loaded) if rows else typed_name(loaded.table)
        row = con.execute(f"SELECT {columns} FROM {source}").fetchone() or ()
        counts.update((requirement.id, int(count)) for (requirement, _), count in zip(scanned, row, strict=True))
    for requirement, predicate in predicates:
        if predicate is None:
            counted = con.execute(f"SELECT count(*) FROM ({population_query(requirement, loaded)})").fetchone()
            counts[requirement.id] = int(counted[0]) if counted else 0
    return counts


def _counted_in_python(loaded: LoadedTable) -> bool:
    """A small table: planning a predicate costs DuckDB more than checking a few hundred rows in Python, so
    a derived population (nothing declared) is counted from one fetch of its items' typed values (the juki
    fixture's 住民: 34 predicates, ~9 ms of CPU to plan), the violated items a row rule skips are checked
    on the fetched rows, and the violating rows are counted here instead of by a window."""
    return loaded.records < SMALL_TABLE and _listed(loaded)


def _count_derived(database: Database, requirements: list[Requirement], loaded: LoadedTable) -> dict[str, int]:
    """population_predicate's counts of derived populations, in Python: the records with one of the rule's
    items non-empty in the typed form (and, for a row rule, none of them among the record's schema-violated items)."""
    items = list(dict.fromkeys(item for requirement in requirements for item in requirement.check.items))
    rows_needed = any(requirement.check.kind == "row" for requirement in requirements)
    violated = f", {_VIOLATED}" if rows_needed else ""
    source = _source(loaded) if rows_needed else typed_name(loaded.table)
    fetched = database.connection.execute(
        f"SELECT {', '.join(quote(item) for item in items)}{violated} FROM {source}"
    ).fetchall()
    position = {item: index for index, item in enumerate(items)}
    # Per row: a bit per item with a value, and the row's violated items (None: none).
    valued = [(sum(1 << index for index, value in enumerate(row[: len(items)]) if value is not None),
               row[-1] if rows_needed else None) for row in fetched]
    counts = {}
    for requirement in requirements:
        mask = 0
        for item in requirement.check.items:
            mask |= 1 << position[item]
        judged = set(requirement.check.items) if requirement.check.kind == "row" else None
        counts[requirement.id] = sum(
            1 for bits, violated in valued
            if bits & mask and not (judged is not None and violated is not None and judged.intersection(violated))
        )
    return counts


def rule_query(requirement: Requirement, loaded: LoadedTable, lines_by_semi_join: bool = False) -> str:
    """SELECT _record, _line of the records violating the rule, in record order.

    `lines_by_semi_join`: a dataset rule's lines are the typed form's rows whose record the rule returns,
    instead of a join of the two (the same rows: a record is one row there); cheaper to plan on a small
    run, where the join carries every column of the typed form (measured: the juki fixture's 住民 rules in
    one statement, 16.2 → 15.0 ms of CPU)."""
    check = requirement.check
    assert check.sql is not None
    if check.kind == "row":
        return f"SELECT _record, _line FROM {_source(loaded)} WHERE {_row_condition(requirement, loaded)}"
    # The line numbers come from the typed form: stored as a table on a small table (cheaper to bind).
    if lines_by_semi_join:
        # A CTE, not an IN subquery of the rule: a name the rule does not resolve must stay an error, not
        # bind to the typed form outside (a subquery may be correlated, a CTE's body may not).
        return f"WITH {_RULE} AS ({check.sql}) SELECT _record, _line FROM {typed_name(loaded.table)} WHERE _record IN (SELECT _record FROM {_RULE})"
    return (
        f"SELECT DISTINCT t._record, t._line FROM ({check.sql}) AS q "
        f"JOIN {typed_name(loaded.table)} AS t ON t._record = q._record"
    )


def run_row_rules(
    database: Database, requirements: list[Requirement], loaded: LoadedTable, collector: FindingCollector,
    place: Place, show_values: bool,
) -> None:
    """Evaluate several row rules of one table in a single scan (per-query overhead dominates small
    tables). A SQL error propagates before anything is collected: the caller then runs the rules one
    by one, so that the error is the failing rule's alone."""
    if _counted_in_python(loaded):
        # Each record's violated items fetched beside the rules' verdicts and checked here: no list_has_any
        # to plan per rule (the juki fixture's 28 row rules: ~3.5 ms of CPU). Each verdict is a column of its
        # own, TRUE where the record violates the rule (CAST: the condition as WHERE reads it): no CASE and
        # no list to bind per rule (the juki fixture's 住民: 7.7 → 4.1 ms of CPU).
        verdicts = ", ".join(f"CAST(({requirement.check.sql}) AS BOOLEAN)" for requirement in requirements)
        rows = database.connection.execute(f"SELECT _record, _line, {_VIOLATED}, {verdicts} FROM {_source(loaded)}").fetchall()
        judged = [set(requirement.check.items) for requirement in requirements]
        kept = [(index, record, line) for record, line, violated, *violates in rows
                for index, violating in enumerate(violates)
                if violating and (violated is None or not judged[index].intersection(violated))]
        _collect_rows(database, kept, requirements, loaded, collector, place, show_values)
        return
    conditions = [_row_condition(requirement, loaded) for requirement in requirements]
    cases = ", ".join(f"CASE WHEN {condition} THEN {i} END" for i, condition in enumerate(conditions))
    # Only candidate records build the list on a large table; a small one is cheaper without the
    # second copy of the predicates to bind.
    candidates = " OR ".join(f"({requirement.check.sql})" for requirement in requirements)
    where = f"WHERE {candidates}" if loaded.records >= LARGE_TABLE else ""
    violated = (
        f"SELECT _record, _line, i FROM (SELECT _record, _line, unnest([{cases}]) AS i "
        f"FROM {_source(loaded)} {where}) WHERE i IS NOT NULL"
    )
    _collect_indexed(database, violated, requirements, loaded, collector, place, show_values)


def _collect_indexed(
    database: Database, violated: str, requirements: list[Requirement], loaded: LoadedTable,
    collector: FindingCollector, place: Place, show_values: bool,
) -> None:
    """Count and collect the rows of `violated` (`i`, `_record`, `_line`; `i` indexes `requirements`).

    The window count is taken in the inner query, before the cut: exact totals and the first examples
    in one query (counted after the cut, a total would stop at the cap)."""
    if _counted_in_python(loaded):
        # A small table's violations are few: fetched whole and counted here, without the window to plan.
        fetched = database.connection.execute(f"SELECT i, _record, _line FROM ({violated})").fetchall()
        _collect_rows(database, fetched, requirements, loaded, collector, place, show_values)
        return
    rows = database.connection.execute(
        f"SELECT i, _record, _line, total FROM (SELECT *, row_number() OVER (PARTITION BY i ORDER BY _record) AS n, "
        f"count(*) OVER (PARTITION BY i) AS total FROM ({violated})) WHERE n <= {max(int(collector.limit), 1)} "
        "ORDER BY i, _record"
    ).fetchall()
    per_rule: dict[int, list[tuple[int, int]]] = {}
    totals: dict[int, int] = {}
    for index, record, line, total in rows:
        per_rule.setdefault(index, []).append((record, line))
        totals[index] = int(total)
    _collect(database, per_rule, totals, requirements, loaded, collector, place, show_values)


def _collect_rows(
    database: Database, rows: list[tuple[int, int, int]], requirements: list[Requirement], loaded: LoadedTable,
    collector: FindingCollector, place: Place, show_values: bool,
) -> None:
    """_collect_indexed's totals and first examples (by record) of every violating row (`i`, `_record`, `_line`)."""
    per_rule: dict[int, list[tuple[int, int]]] = {}
    for index, record, line in rows:
        per_rule.setdefault(index, []).append((record, line))
    totals = {index: len(found) for index, found in per_rule.items()}
    per_rule = {index: sorted(found)[: max(int(collector.limit), 1)] for index, found in per_rule.items()}
    _collect(database, per_rule, totals, requirements, loaded, collector, place, show_values)


def _collect(
    database: Database, per_rule: dict[int, list[tuple[int, int]]], totals: dict[int, int], requirements: list[Requirement],
    loaded: LoadedTable, collector: FindingCollector, place: Place, show_values: bool,
) -> None:
    collected = []
    for index, requirement in enumerate(requirements):
        examples = per_rule.get(index, [])[: int(collector.limit)]
        collected.append((requirement, totals.get(index, 0), _findings(database, requirement, loaded, examples, place, show_values)))
    for requirement, total, findings in collected:
        collector.add_counted(requirement.id, total, findings)


def _findings(
    database: Database, requirement: Requirement, loaded: LoadedTable, examples: list[tuple[int, int]],
    place: Place, show_values: bool,
) -> list[Finding]:
    """The example findings of a rule, naming the items it blames, with their (masked) values."""
    items = list(requirement.check.blamed_items(loaded.table.primary_key))
    values = database.records(loaded.table, items, [record for record, _ in examples])
    findings = []
    for record, line in examples:
        shown = []
        for item_name, raw in zip(items, values.get(record, ()), strict=False):
            item = loaded.table.item(item_name)
            shown.append(f"{item_name}={shown_part(raw, item.personal if item else 'mask', show_values)}")
        message = f"「{requirement.title}」を満たしていません（{'・'.join(f'「{i}」' for i in items)}）。"
        findings.append(
            Finding(requirement.id, finding_code(f"{requirement.check.kind}-rule"), message, place.at(line, record), "; ".join(shown))
        )
    return findings


def run_rules(
    database: Database, requirements: list[Requirement], loaded: LoadedTable, collector: FindingCollector,
    place: Place, show_values: bool,
) -> None:
    """Evaluate several rules of one table in ONE statement, a UNION ALL of their queries tagged with each
    rule's index: on a small run DuckDB spends more CPU setting up a statement than running it (the juki
    fixture: 17 rules, ~4 ms each alone). A SQL error propagates before anything is collected: the caller
    then runs each rule alone (`run_rule`), so that the error is the failing rule's only.
    Each rule's total is exact and its first examples are by record, as run_rule's."""
    if _counted_in_python(loaded):
        # The records each rule returns, and then the lines of those (few) records: no semi-join of the typed
        # form to plan per rule (the kotei-shisan-zei fixture's 納税義務者, 8 rules: ~2 ms of CPU of 9.5).
        found = database.connection.execute("SELECT i, _record FROM (" + " UNION ALL ".join(
            f"SELECT {index} AS i, _record FROM ({requirement.check.sql if requirement.check.kind == 'dataset' else rule_query(requirement, loaded)})"
            for index, requirement in enumerate(requirements)) + ")").fetchall()
        records = {record for _index, record in found if record is not None}
        # A record number as SQL compares it with the typed form's (a rule returning text or decimals: below).
        if all(type(record) is int for record in records):
            lines = dict(database.connection.execute(
                f"SELECT _record, _line FROM {typed_name(loaded.table)} WHERE _record IN (SELECT unnest(?))", [sorted(records)]
            ).fetchall()) if records else {}
            rows = sorted({(index, record, lines[record]) for index, record in found if record in lines})
            _collect_rows(database, rows, requirements, loaded, collector, place, show_values)
            return
    branches = " UNION ALL ".join(
        f"SELECT {index} AS i, _record, _line FROM ({rule_query(requirement, loaded, lines_by_semi_join=True)})"
        for index, requirement in enumerate(requirements)
    )
    _collect_indexed(database, branches, requirements, loaded, collector, place, show_values)


def run_rule(
    database: Database, requirement: Requirement, loaded: LoadedTable, collector: FindingCollector,
    place: Place, show_values: bool,
) -> None:
    """Evaluate one rule; a SQL error propagates (the caller records an `error` verdict)."""
    con = database.connection
    query = rule_query(requirement, loaded)
    # The window count is taken before LIMIT: the exact total and the first examples in one query.
    rows = con.execute(
        f"SELECT _record, _line, count(*) OVER () FROM ({query}) ORDER BY 1 LIMIT {int(collector.limit)}"
    ).fetchall()
    examples = [(record, line) for record, line, _ in rows]
    total = rows[0][2] if rows else 0
    findings = _findings(database, requirement, loaded, examples, place, show_values)
    if not rows and collector.limit == 0:
        # No example kept means no window count either: count on its own.
        counted = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
        total = int(counted[0]) if counted else 0
    collector.add_counted(requirement.id, int(total), findings)
