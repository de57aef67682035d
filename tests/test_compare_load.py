"""A compare loads its two exports at once (NEW over a cursor of its own), and DuckDB reads a large CSV while
its plain-file proof runs (`pipeline.load.read_ahead`): the proof still decides (issue 22, "Fast")."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.checks.database import Database
from conformance.generate import generate
from conformance.pipeline.compare import CompareOptions, compare
from conformance.pipeline.discover import discover
from conformance.pipeline.load import AHEAD_BYTES, load_tables
from conformance.pipeline.mapping import load_mapping
from conformance.readers import TargetError, open_target
from conformance.spec import load as load_spec


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A: 2,000 generated residents (住民.csv over AHEAD_BYTES: read ahead of its proof); B: A with a blank line
    in 住民.csv (not plain: the strict parser rejects it, DuckDB would skip it); C: A with 住民.csv in CP932
    (unreadable); R: A with 氏名 renamed SHIMEI, read with a mapping."""
    root = tmp_path_factory.mktemp("compare-load")
    generate(["juki"], 2000, 7, root / "gen")
    a = root / "gen" / "data" / "juki"
    lines = (a / "住民.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert (a / "住民.csv").stat().st_size >= AHEAD_BYTES and len(lines) == 2001
    folders = {"A": a}
    for name, residents in (("B", "".join([*lines[:101], "\n", *lines[101:]]).encode("utf-8")),
                            ("C", "".join(lines).encode("cp932", errors="replace")),
                            ("R", "".join([lines[0].replace("氏名,", "SHIMEI,", 1), *lines[1:]]).encode("utf-8"))):
        folder = root / name
        folder.mkdir()
        (folder / "住民.csv").write_bytes(residents)
        for other in ("世帯.csv", "異動履歴.csv"):
            (folder / other).write_bytes((a / other).read_bytes())
        folders[name] = folder
    assert "SHIMEI" in lines[0].replace("氏名,", "SHIMEI,", 1) and (folders["B"] / "住民.csv").stat().st_size >= AHEAD_BYTES
    (root / "mapping.yaml").write_text("operation: juki\nfiles:\n  住民.csv:\n    table: 住民\n    columns:\n"
                                       "      SHIMEI: {item: 氏名, transforms: [trim]}\n", encoding="utf-8")
    folders["mapping"] = root / "mapping.yaml"
    return folders


def _residents(old: Path, new: Path, options: CompareOptions | None = None) -> tuple[object, ...]:
    result = compare(old, new, "juki", options)
    table = result.table("住民")
    return (result.verdict, table.old_records, table.new_records, table.lost, table.appeared, table.in_both,
            table.differing_values, table.note)


def test_a_plain_pair_read_ahead_on_both_sides_and_a_mapped_side_compare_equal(exports: dict[str, Path]) -> None:
    assert _residents(exports["A"], exports["A"]) == ("pass", 2000, 2000, 0, 0, 2000, 0, None)
    # The mapping's transform runs in DuckDB's read ahead of the proof, on NEW's thread.
    mapped = CompareOptions(mapping_new=load_mapping(exports["mapping"], "juki"))
    assert _residents(exports["A"], exports["R"], mapped) == ("pass", 2000, 2000, 0, 0, 2000, 0, None)


def test_a_side_not_plain_is_loaded_as_its_proof_decides(exports: dict[str, Path]) -> None:
    """DuckDB read B's 住民 ahead and skipped the blank line: the proof failed, so that read was dropped and
    the strict parser's rejection of the blank line is noted; NEW, plain, is compared as read ahead."""
    note = "OLDの住民.csv: 読めないレコード 1件・ファイルの問題 1件。conformance run で確認してください"
    assert _residents(exports["B"], exports["A"]) == ("incomplete", 2000, 2000, 0, 0, 2000, 0, note)


def test_an_unreadable_side_read_ahead_is_dropped(exports: dict[str, Path]) -> None:
    # As when the sides were loaded in turn: the unreadable table is missing from OLD, NEW's records appeared.
    assert _residents(exports["C"], exports["A"]) == ("fail", 0, 2000, 0, 2000, 0, 0, "OLDに住民のファイルがないため比較できません")
    # At the load stage: nothing of what DuckDB read ahead of the failed proof stays in the database.
    spec = load_spec("juki")
    database = Database()
    try:
        with open_target(exports["C"], digests=False) as target:
            chosen = [(table, discover(target, [spec]).of("juki", table.name)[0]) for table in spec.tables]
            loads = list(load_tables(chosen, database, target.workbooks.limits, lambda _table: None, target.workbooks))
        assert [(load.table.name, load.loaded is not None) for load in loads] == [("住民", False), ("世帯", True), ("異動履歴", True)]
        stored = database.connection.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw.juki' "
                                             "AND table_name LIKE '%#data' ORDER BY table_name").fetchall()
        assert stored == [("世帯#data",), ("異動履歴#data",)]
    finally:
        database.close()


def test_an_error_of_either_side_is_raised_old_first(exports: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="old-missing"):
        compare(tmp_path / "old-missing", tmp_path / "new-missing", "juki")
    with pytest.raises(TargetError, match="new-missing"):
        compare(exports["A"], tmp_path / "new-missing", "juki")
    with pytest.raises(TargetError, match="old-missing"):
        compare(tmp_path / "old-missing", exports["A"], "juki")
