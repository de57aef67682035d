"""The compiled SQL checks, `jsonschema` and `jsonschema-rs` must report the same violations.

Compared as sets of (record, item, keyword), on every fixture and on Hypothesis-generated records. Each
compiled predicate's Python twin (registry.KeywordCheck.python, which checks small tables) is held to the
predicate itself on every value of the same records.
`additionalProperties` is left out on purpose: the engine checks it once per file on the header
(a column is unknown even when all its values are empty), not per record.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import spec as spec_store
from conformance.checks.compile import Constraint, compile_constraints, violation_query
from conformance.checks.database import Database, quote, raw_name
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.validators import classify, reference_validator
from conformance.readers import ParsedTable, RawRecord, SourceFile, read_table
from conformance.spec.model import Table
from tests.conftest import FIXTURES

Violation = tuple[int, str, str]
SPEC = spec_store.load("juki")
TABLE = SPEC.tables[0]
ITEMS = [item.name for item in TABLE.items]
_RS_KEYWORDS = {
    "Required": "required", "Pattern": "pattern", "MaxLength": "maxLength", "MinLength": "minLength",
    "Enum": "enum", "Constant": "const", "Format": "format", "Type": "type",
}


def _compiled(table: Table, records: list[dict[str, str]], large: bool = False) -> set[Violation]:
    database = Database()
    try:
        items = [item.name for item in table.items]
        parsed = ParsedTable(header=items, records=iter(RawRecord(n, n + 1, r) for n, r in enumerate(records, 1)))
        loaded = database.load(table, parsed)
        constraints = compile_constraints(loaded.table, spec_store.registry())
        rows = database.connection.execute(violation_query(constraints, raw_name(table), large)).fetchall()
        found = {(record, constraints[i].item, constraints[i].keyword) for record, _, i in rows}
        assert found == _twins(database, table, constraints), "SQL predicates and their Python twins disagree"
        return found
    finally:
        database.close()


def _twins(database: Database, table: Table, constraints: list[Constraint]) -> set[Violation]:
    """What the Python twins of the constraints find on the loaded records' values."""
    items = [item.name for item in table.items]
    found = set()
    for record, *values in database.connection.execute(
            f"SELECT _record, {', '.join(quote(item) for item in items)} FROM {raw_name(table)}").fetchall():
        row = dict(zip(items, values, strict=True))
        found |= {(record, c.item, c.keyword) for c in constraints if c.twin()(row[c.item], c.value)}
    return found


def _reference(table: Table, records: list[dict[str, str]]) -> set[Violation]:
    validator = reference_validator(table.schema, spec_store.registry())
    found = set()
    for number, record in enumerate(records, 1):
        for error in validator.iter_errors(record):
            for violation in classify(error, table.schema):
                if violation.keyword != "additionalProperties":
                    found.add((number, str(violation.item), violation.keyword))
    return found


@cache
def _rust_validator(table: Table) -> Any:
    resources = [(uri, resource.contents) for uri, resource in spec_store.registry().items()]
    return jsonschema_rs.validator_for(
        table.schema, registry=jsonschema_rs.Registry(resources), formats={name: fmt.check for name, fmt in VALUE_FORMATS.items()}, validate_formats=True
    )


def _rust(table: Table, records: list[dict[str, str]]) -> set[Violation]:
    found = set()
    for number, record in enumerate(records, 1):
        for error in _rust_validator(table).iter_errors(record):
            keyword = _RS_KEYWORDS.get(type(error.kind).__name__)
            if keyword is None:
                continue
            item = error.kind.property if keyword == "required" else str(error.instance_path[0])
            found.add((number, item, keyword))
    return found


def _assert_agree(records: list[dict[str, str]], table: Table = TABLE) -> set[Violation]:
    compiled = _compiled(table, records)
    assert compiled == _reference(table, records), "compiled SQL and jsonschema disagree"
    assert compiled == _rust(table, records), "compiled SQL and jsonschema-rs disagree"
    return compiled


def _tables_with_fixtures() -> list[tuple[str, Table]]:
    """Every table of every operation that some fixture file holds, named `operation/table`.

    Only the files are listed here: their records are read when a table's test runs (_fixture_records),
    since reading every fixture at collection cost each pytest worker seconds of CPU."""
    cases = []
    for operation in spec_store.available():
        files: dict[str, list[Path]] = {}
        for path in sorted((FIXTURES / operation).glob("**/*.csv")):
            files.setdefault(path.stem, []).append(path)
        cases += [(f"{operation}/{table.name}", table) for table in spec_store.load(operation).tables if table.name in files]
    return cases


@cache
def _fixture_records(table: Table) -> tuple[list[dict[str, str]], list[str]]:
    """Every distinct record of every fixture file of the table (none when no file is readable).

    The engines judge record by record over the same columns (every item of the table), so a record
    is compared once, whichever files hold it: broken cases copy the records they do not break, and
    comparing each file whole would judge the same records hundreds of times. Each record keeps the
    first file it was found in, to name it when the engines disagree.
    """
    items = {item.name for item in table.items}
    distinct: dict[tuple[tuple[str, str], ...], str] = {}
    for path in sorted((FIXTURES / table.operation).glob(f"**/{table.name}.csv")):
        source = SourceFile(path.name, path, "csv", path.stat().st_size, "")
        parsed = read_table(source)
        if not parsed.readable:
            continue
        for raw in parsed.records:
            key = tuple(sorted((k, v) for k, v in raw.values.items() if k in items))
            distinct.setdefault(key, f"{path.relative_to(FIXTURES)}:{raw.line}")
    return [dict(key) for key in distinct], list(distinct.values())


FIXTURE_TABLES = _tables_with_fixtures()
_JUKI_VALID_FILE = read_table(SourceFile("住民.csv", FIXTURES / "juki" / "valid" / "住民.csv", "csv", 0, ""))
JUKI_VALID = [{k: v for k, v in r.values.items() if k in set(ITEMS)} for r in _JUKI_VALID_FILE.records]


def test_fixtures_were_found() -> None:
    read = [table for _, table in FIXTURE_TABLES if _fixture_records(table)[0]]
    assert sum(len(_fixture_records(table)[0]) for table in read) >= 1000
    assert {table.operation for table in read} == set(spec_store.available())
    assert {(table.operation, table.name) for table in read} == {
        (operation, table.name) for operation in spec_store.available() for table in spec_store.load(operation).tables
    }


@pytest.mark.parametrize(("name", "table"), FIXTURE_TABLES, ids=[name for name, _ in FIXTURE_TABLES])
def test_engines_agree_on_every_fixture_record(name: str, table: Table) -> None:
    records, origins = _fixture_records(table)
    assert records, f"no readable fixture file holds {name}"
    compiled = _compiled(table, records)
    for other, engine in ((_reference(table, records), "jsonschema"), (_rust(table, records), "jsonschema-rs")):
        disagreement = sorted(compiled ^ other)
        assert not disagreement, f"compiled SQL and {engine} disagree: " + ", ".join(
            f"{origins[record - 1]} {item} {keyword}" for record, item, keyword in disagreement[:10])


def test_engines_agree_on_the_python_dollar_trap() -> None:
    # Python's `$` matches before a final newline; ECMA-262 and RE2 do not: all three must flag it.
    record = {**JUKI_VALID[0], "住所_郵便番号": "9990001\n"}
    assert (1, "住所_郵便番号", "pattern") in _assert_agree([record])


_NASTY = [
    "", "0", "1", "2", "02", "9", "99", "x", "12\n", "\n", "１", "９９９０００１", "9990001", "999997", "999998",
    "2024-02-29", "2023-02-29", "1959-02-29", "2021-13-01", "2021-1-01", "0000-01-01", "２０２０-０１-０１",
    "カクウ　タロウ", "かくう", "ｶｸｳ", "架空　太郎", "髙橋", "𠮷田", "﨑", "か゚", "\ue000", "a" * 121, "ア" * 51,
    "0000000019", "24727059608", "621498320257", "123456789018", "A01", "a-1",
]


def _value_for(item: str) -> st.SearchStrategy[str]:
    seen = sorted({r[item] for r in JUKI_VALID if item in r})
    pools = [st.sampled_from(_NASTY), st.text(alphabet="0123456789-０１ア あ髙ｱ\n", max_size=14)]
    if seen:
        pools.insert(0, st.sampled_from(seen))
    return st.one_of(pools)


_RECORD = st.fixed_dictionaries({}, optional={item: _value_for(item) for item in ITEMS})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_RECORD, min_size=1, max_size=12))
def test_engines_agree_on_generated_records(records: list[dict[str, str]]) -> None:
    _assert_agree([{k: v for k, v in record.items() if v != ""} for record in records])


def test_large_table_form_finds_the_same_violations() -> None:
    # The large form picks candidate records with one 行政事務標準文字 regex over the items joined by ','
    # (a stray U+309A or selector at an item's start or end must stay stray): it must flag the same records.
    jis_items = [c.item for c in compile_constraints(TABLE, spec_store.registry()) if c.value == "jp-gyosei-moji"]
    marks = ["\u309a", "か\u309a", "\u309aか", "\u9ad9", "架空", ",", "か\u309a\u309a", "𠮷", "\ue000",
             "葛\U000e0103", "\U000e0103", "葛\U000e0100", "ｱ"]
    records = [dict(record) for record in _fixture_records(TABLE)[0]]
    for index, (item, mark) in enumerate((item, mark) for item in jis_items[:6] for mark in marks):
        records.append({**JUKI_VALID[index % len(JUKI_VALID)], item: mark})
    for first, second in itertools.pairwise(jis_items):
        records.append({**JUKI_VALID[0], first: "か", second: "\u309a"})
        records.append({**JUKI_VALID[1], first: "葛", second: "\U000e0103"})
    required = next(c.item for c in compile_constraints(TABLE, spec_store.registry()) if c.keyword == "required")
    records.append({k: v for k, v in JUKI_VALID[0].items() if k != required})
    small = _compiled(TABLE, records)
    assert {keyword for _, _, keyword in small} >= {"format", "pattern", "required"}
    assert sum(1 for _, item, keyword in small if keyword == "format" and item in jis_items) >= 6 * 7
    assert _compiled(TABLE, records, large=True) == small
