"""Compare stores a plain file as keys, counted items and one fingerprint, and reads the differing records
again from the file by line (`pipeline.compare_scan`; issue 22, "Fast"): its results are those of a side
stored whole, whichever side is plain."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conformance.generate import generate
from conformance.pipeline import compare_scan
from conformance.pipeline.compare import CompareOptions, _plans, compare
from conformance.pipeline.compare_scan import CompactDatabase, _records_at
from conformance.pipeline.discover import discover
from conformance.pipeline.load import load_tables
from conformance.pipeline.mapping import load_mapping
from conformance.readers import TargetError, open_target
from conformance.results.compare import CompareResult
from conformance.spec import load as load_spec

DROPPED = (5, 50)  # record numbers of A dropped in D
RENAMED = (10, 300)  # 氏名 + 子
BROKEN = 20  # 氏名 with a quoted line break
EMPTIED = 30  # 住所_郵便番号 emptied (a lost value)


def _write(path: Path, header: list[str], rows: list[list[str]], *, mixed: bool = False) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([header, *rows])
    text = out.getvalue()
    if mixed:  # one line end of another style: not plain, so the strict parser reads it and the side is stored whole
        text = text.replace("\r\n", "\n", 1)
    path.write_bytes(text.encode("utf-8"))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A: 600 generated residents; D: A with counted damage, CRLF line ends; Q: D with one LF line end (not
    plain); M: D with 住所_郵便番号 named ZIP in full-width digits, read with a mapping."""
    root = tmp_path_factory.mktemp("compare-scan")
    generate(["juki"], 600, 3, root / "gen")
    a = root / "gen" / "data" / "juki"
    with (a / "住民.csv").open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    name, postal = header.index("氏名"), header.index("住所_郵便番号")
    assert all(rows[n - 1][postal] for n in (EMPTIED,)) and len(rows) == 600
    damaged = []
    for number, row in enumerate(rows, start=1):
        row = list(row)
        if number in DROPPED:
            continue
        if number in RENAMED:
            row[name] += "子"
        if number == BROKEN:
            row[name] = row[name][:1] + "\n" + row[name][1:]
        if number == EMPTIED:
            row[postal] = ""
        damaged.append(row)
    digits = str.maketrans("0123456789", "０１２３４５６７８９")
    full_width = [[*row[:postal], row[postal].translate(digits), *row[postal + 1:]] for row in damaged]
    folders = {"A": a}
    for label, head, records, quoted in (("D", header, damaged, False), ("Q", header, damaged, True),
                                         ("M", [*header[:postal], "ZIP", *header[postal + 1:]], full_width, False)):
        folder = root / label
        folder.mkdir()
        _write(folder / "住民.csv", head, records, mixed=quoted)
        for other in ("世帯.csv", "異動履歴.csv"):
            (folder / other).write_bytes((a / other).read_bytes())
        folders[label] = folder
    (root / "mapping.yaml").write_text("operation: juki\nfiles:\n  住民.csv:\n    table: 住民\n    columns:\n"
                                       "      ZIP: {item: 住所_郵便番号, transforms: [fullwidth-digits]}\n", encoding="utf-8")
    folders["mapping"] = root / "mapping.yaml"
    return folders


def _compact(folder: Path) -> bool:
    """Whether compare's database stores the folder's 住民 compactly (its file was proven plain)."""
    spec = load_spec("juki")
    database = CompactDatabase(_plans(spec, CompareOptions()))
    try:
        with open_target(folder, digests=False) as target:
            chosen = [(table, discover(target, [spec]).of("juki", table.name)[0]) for table in spec.tables[:1]]
            loads = list(load_tables(chosen, database, target.workbooks.limits, lambda _table: None, target.workbooks))
        assert loads[0].loaded is not None
        columns = database.connection.execute('SELECT * FROM "raw.juki"."住民" LIMIT 0').description
        return database.compact(loads[0].table) and "_fingerprint" in [column[0] for column in columns]
    finally:
        database.close()


def _essence(result: CompareResult) -> tuple[object, ...]:
    return (result.verdict, result.counts, tuple((t.name, t.old_records, t.new_records, t.lost, t.appeared, t.in_both,
                                                  t.differing_records, t.differing_values, t.items, t.examples,
                                                  t.duplicate_keys_old, t.duplicate_keys_new, t.note) for t in result.tables))


def test_plain_and_not_plain_sides_and_a_mapped_side_compare_alike(exports: dict[str, Path]) -> None:
    assert (_compact(exports["A"]), _compact(exports["D"]), _compact(exports["Q"])) == (True, True, False)
    shown = CompareOptions(show_values=True)
    both_plain = compare(exports["A"], exports["D"], "juki", shown)
    residents = both_plain.table("住民")
    assert (residents.lost, residents.appeared, residents.in_both, residents.differing_records, residents.differing_values) == (2, 0, 598, 4, 4)
    differences = {d.item: (d.differ, d.lost, d.added) for d in residents.items if d.differ or d.lost or d.added}
    assert differences == {"氏名": (3, 0, 0), "住所_郵便番号": (0, 1, 0)}
    # The differing records' values were read again from D's file by line, the quoted line break included.
    found = {(e.item, e.new_line): e.new for e in residents.examples if e.kind != "lost"}
    assert len(found) == 4 and found[("住所_郵便番号", EMPTIED - 1 + 1 + 1)] is None
    assert [e.new_line for e in residents.examples if e.item == "氏名"] == [10 - 1 + 1, 20 - 1 + 1, 300 - 2 + 2]
    broken = next(e for e in residents.examples if e.item == "氏名" and e.new and "\n" in e.new)
    assert broken.old is not None and broken.new == broken.old[:1] + "\n" + broken.old[1:]
    # One side stored whole (Q is not plain), either way round, and a mapped side: the same comparison.
    assert _essence(compare(exports["A"], exports["Q"], "juki", shown)) == _essence(both_plain)
    mapped = CompareOptions(show_values=True, mapping_new=load_mapping(exports["mapping"], "juki"))
    assert _essence(compare(exports["A"], exports["M"], "juki", mapped)) == _essence(both_plain)
    reverse = compare(exports["Q"], exports["A"], "juki", shown).table("住民")
    assert (reverse.lost, reverse.appeared, reverse.differing_records, reverse.differing_values) == (0, 2, 4, 4)


@pytest.mark.parametrize("chunk", [5, 64, 1 << 24])
def test_records_are_read_again_by_line_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    rows = [["a", "b"], ["1", "x"], ["2", 'y "q" \r\nz'], ["3", ""], ["4", "w,v"], ["5", "last"]]
    for ending in ("\r\n", "\n"):
        path = tmp_path / "f.csv"
        out = io.StringIO()
        csv.writer(out, lineterminator=ending).writerows(rows)
        path.write_bytes(out.getvalue().encode("utf-8")[: -len(ending)])  # no line end after the last record
        monkeypatch.setattr(compare_scan, "_CHUNK", chunk)
        # Physical lines: the header 1, records on 2, 3 (two lines), 5, 6, 7.
        assert _records_at(path, ",", [2, 3, 5, 7]) == [rows[1], rows[2], rows[3], rows[5]]
        assert _records_at(path, ",", [6]) == [rows[4]]
        with pytest.raises(TargetError, match="8行目"):
            _records_at(path, ",", [8])
