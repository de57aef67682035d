"""A small table's compiled schema checks evaluated by the predicates' Python twins (schema_python) give
exactly what the one SQL scan gives: the same totals and examples per requirement (the same order, the
same cap, one finding per record, requirement and item by precedence), the same rows in the violations
table, and the same count of records each requirement judged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance import spec as spec_store
from conformance.checks import schema
from conformance.checks.database import Database, violations_name
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.places import FilePlace
from conformance.checks.schema import run_schema_checks, schema_records_checked
from conformance.readers import ParsedTable, RawRecord, SourceFile, read_table
from conformance.results import FindingCollector
from tests.conftest import FIXTURES

TABLE = spec_store.load("juki").tables[0]
ITEMS = [item.name for item in TABLE.items]
VALID = [{k: v for k, v in r.values.items() if k in set(ITEMS)}
         for r in read_table(SourceFile("住民.csv", FIXTURES / "juki" / "valid" / "住民.csv", "csv", 0, "")).records]
# Values that break one keyword, several keywords of one item (precedence decides), or none.
BREAKING = ["", "x", "１", "9" * 130, "2023-02-29", "0000-01-01", "髙\U000e0103", "\ue000", "か\u309a", "ｱ", "A01", "12\n"]


def _records() -> list[dict[str, str]]:
    records = [dict(record) for record in VALID]
    changes = [(item, value) for position, item in enumerate(ITEMS) for value in BREAKING[position % 5 :: 5]]
    for number, (item, value) in enumerate(changes):
        records.append({**VALID[number % len(VALID)], item: value})
    return [{k: v for k, v in record.items() if v != ""} for record in records]


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    assert len(_records()) < schema.PYTHON_TABLE
    database = Database()
    yield database
    database.close()


def _run(database: Database, threshold: int, limit: int, formats: dict[str, str | None]) -> tuple[object, ...]:
    loaded = database.load(TABLE, ParsedTable(header=ITEMS, records=iter(RawRecord(n, n + 1, r) for n, r in enumerate(_records(), 1))))
    collector = FindingCollector(limit)
    original = schema.PYTHON_TABLE
    schema.PYTHON_TABLE = threshold
    try:
        run = run_schema_checks(database, loaded, spec_store.registry(), collector, FilePlace("住民.csv"), True, formats)
    finally:
        schema.PYTHON_TABLE = original
    checked = run.checked if run.checked is not None else schema_records_checked(database, loaded)
    violations = sorted(database.connection.execute(f"SELECT * FROM {violations_name(TABLE)}").fetchall())
    return run.how, dict(collector.totals), dict(collector.examples), violations, checked


@pytest.mark.parametrize(("limit", "formats"), [(3, {}), (1000, {"jp-gyosei-moji": "jp-jisx0213", "jp-m11": None})])
def test_python_twins_give_what_the_sql_scan_gives(database: Database, limit: int, formats: dict[str, str | None]) -> None:
    in_sql = _run(database, 0, limit, formats)
    in_python = _run(database, schema.PYTHON_TABLE, limit, formats)
    assert in_python == in_sql
    how, totals, examples, violations, checked = in_python
    assert how == "compiled"
    assert sum(totals.values()) >= 100 and len(violations) >= 100
    assert all(len(kept) <= limit for kept in examples.values())
    assert {finding.code for kept in examples.values() for finding in kept} >= {
        "missing-item", "pattern-mismatch", "too-long", "invalid-date", "character-outside-repertoire"}
    assert set(checked) == {r for r, items in TABLE.requirement_items().items() if items & set(ITEMS)}


def test_a_variation_sequence_outside_the_repertoire_is_named_by_its_code_points() -> None:
    # It raised a TypeError in the message (ord() of two characters) before: a crash, not a finding.
    code, message = VALUE_FORMATS["jp-gyosei-moji"].describe("氏名", "葛\U000e0100")
    assert code == "character-outside-repertoire"
    assert message.endswith("範囲外の文字があります: <U+845B U+E0100>")
