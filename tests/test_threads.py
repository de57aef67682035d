"""`conformance run --threads N` (issue 24, Cores): DuckDB's threads and our read-ahead bounded by N, the
same findings whatever N, and a wrong N is a usage error."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from conformance import spec as spec_store
from conformance.checks.database import SMALL_TABLE, Database
from conformance.generate import generate
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.readers import open_target, read_table
from conformance.readers.delimited import DelimitedTable
from tests.conftest import FIXTURES, cli

AS_OF = datetime.date(2026, 4, 1)


@pytest.fixture(scope="module")
def municipality(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough residents for a large 住民 (SMALL_TABLE records or more: DuckDB then runs on --threads),
    with counted defects in every table."""
    folder = tmp_path_factory.mktemp("threads")
    generate(["juki"], SMALL_TABLE + 100, 5, folder, 0.02)
    return folder


@pytest.mark.parametrize(("value", "message"), [
    ("0", "must be from 1 to 1024: '0'"),
    ("-2", "must be from 1 to 1024: '-2'"),
    ("1025", "must be from 1 to 1024: '1025'"),
    ("two", "not a whole number of threads: 'two'"),
    ("1.5", "not a whole number of threads: '1.5'"),
])
def test_a_wrong_thread_count_is_a_usage_error(value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("run", "--spec", "juki", f"--threads={value}", FIXTURES / "juki" / "valid")
    err = capsys.readouterr().err  # argparse writes usage errors to sys.stderr itself
    assert result.code == 2
    assert f"argument --threads: {message}" in err and "Traceback" not in err


def test_duckdb_runs_on_the_threads_asked_for_once_a_table_is_large(municipality: Path) -> None:
    table = spec_store.load("juki").table("住民")
    assert table is not None
    with open_target(municipality / "data") as target:
        file = next(f for f in target.files if f.stem == "住民")
        settings = []
        for threads in (1, 3, None):
            parsed = read_table(file)
            assert isinstance(parsed, DelimitedTable) and parsed.direct is not None  # DuckDB reads it itself
            database = Database(threads=threads)
            try:
                before = database.connection.execute("SELECT current_setting('threads')").fetchone()
                loaded = database.load(table, parsed, parsed.direct)
                after = database.connection.execute("SELECT current_setting('threads')").fetchone()
                default = duckdb_default()
            finally:
                database.close()
            assert loaded.records == SMALL_TABLE + 100
            settings.append((before, after))
    # Small mode (one thread) until the large table; then N, or DuckDB's default without --threads.
    assert settings == [((1,), (1,)), ((1,), (3,)), ((1,), (default,))]


def duckdb_default() -> int:
    import duckdb

    with duckdb.connect() as connection:
        row = connection.execute("SELECT current_setting('threads')").fetchone()
    assert row is not None
    return int(row[0])


def test_findings_are_the_same_whatever_the_thread_count(municipality: Path) -> None:
    """Every finding (requirement, file, record, line, item, code, message, value) and every count is the
    same on one thread (tables read in turn) as on two, and equals the generator's expected counts."""
    import json

    expected = json.loads((municipality / "expected.json").read_text(encoding="utf-8"))["expected"]
    declaration = load_declaration(municipality / "declaration.yaml")
    outcomes = []
    for threads in (1, 2):
        result = run(municipality / "data", ["juki"], RunOptions(declaration=declaration, as_of=AS_OF, threads=threads))
        found = {r.id: r.findings_total for r in result.requirements if r.findings_total}
        assert found == expected
        outcomes.append(([(r.id, r.verdict, r.records_checked, r.findings_total) for r in result.requirements],
                         result.flatten("requirement", "file", "record", "line", "item", "code", "message", "value")))
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][1]) == sum(min(count, 100) for count in expected.values())


@pytest.mark.parametrize("threads", [1, 2])
def test_a_file_changed_while_read_is_reported_on_one_thread_and_on_two(
        threads: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs are hashed again once the last table is read: beside the checks on two threads, after
    them on one; either way a file that changed while it was read is named."""
    import shutil

    from conformance.pipeline import load

    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "juki" / "valid", export)
    original = getattr(load, "store")  # noqa: B009 (the name the load stage calls)

    def store_then_modify(*arguments: object, **keywords: object) -> object:
        # After a table is stored, not when its reader returns: its records stream while they are stored.
        stored = original(*arguments, **keywords)
        with (export / "住民.csv").open("ab") as stream:
            stream.write(b"\n")
        return stored

    monkeypatch.setattr(load, "store", store_then_modify)
    result = run(export, ["juki"], RunOptions(as_of=AS_OF, threads=threads))
    assert result.changed == ("住民.csv",)
    assert result.exit_code == 3
