"""A sheet parsed in parts by child processes reads exactly as the sheet read whole (issue 23, item 10).

Differential: each workbook is loaded twice, through the one-process path and forced through the parts
(`Workbooks.split_bytes` = 1), and the table's header, issues (messages and lines), rejected count and
stored records (every item's text, `_record`, `_line`) must be equal."""

from __future__ import annotations

import csv
import gc
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import psutil
import pytest

from bench.xlsx_vs_csv import write_package
from conformance.checks.database import Database
from conformance.pipeline.discover import discover
from conformance.pipeline.load import load_tables
from conformance.readers import InputLimits, Workbooks, open_target, read_sheet, sheetsplit
from conformance.readers.sheetscan import column_letters, has_mark
from conformance.readers.sheetsplit import StagedCells
from conformance.results import codes
from conformance.spec import load as load_spec
from tests.conftest import FIXTURES

HOSTILE = FIXTURES / "hostile"
WORKBOOKS = sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*.xlsx"))
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STYLES = (f'<styleSheet xmlns="{_MAIN}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
           "</cellXfs></styleSheet>")


def _load(folder: Path, split_bytes: int, parts: int) -> tuple[Any, ...]:
    """住民 of the folder as loaded: what the reader said and every stored record, ordered by record."""
    spec = load_spec("juki")
    database = Database()
    try:
        with open_target(folder, digests=False) as target:
            target.workbooks.split_bytes, target.workbooks.parts = split_bytes, parts
            table = next(table for table in spec.tables if table.name == "住民")
            chosen = [(table, discover(target, [spec]).of("juki", "住民")[0])]
            (load,) = load_tables(chosen, database, target.workbooks.limits, lambda _table: None, target.workbooks)
            stored = None
            if load.loaded is not None:
                stored = database.connection.execute('SELECT * FROM "raw.juki"."住民" ORDER BY _record').fetchall()
            made = target.workbooks.folder() if split_bytes == 1 else None
        assert made is None or not made.exists()  # the parts' folder went with the target
        return load.header, load.issues, load.rejected, load.readable, load.error, stored
    finally:
        database.close()


def _same_either_way(folder: Path, parts: int) -> tuple[Any, ...]:
    whole = _load(folder, 1 << 62, 1)
    assert _load(folder, 1, parts) == whole
    return whole


@pytest.mark.parametrize("workbook", ["hostile/xlsx-formulas/住民.xlsx", "hostile/xlsx-serial-dates/住民.xlsx"])
def test_a_fixture_workbook_is_read_in_parts_when_forced(workbook: str) -> None:
    """The differential tests above compare the parts with the whole, not a fallback with itself."""
    workbooks = Workbooks(split_bytes=1, parts=2)
    parsed = read_sheet(FIXTURES / workbook, "住民", workbooks.limits, workbooks)
    assert isinstance(parsed.cells, StagedCells) and len(parsed.cells.files) == 2
    folder = workbooks.folder()
    del workbooks  # a library call that closes nothing: the files stay while the table may be read
    assert sum(1 for _ in parsed.records) == parsed.cells.records > 0
    del parsed
    gc.collect()
    assert not folder.exists()


@pytest.mark.parametrize("workbook", WORKBOOKS)
def test_every_fixture_workbook_reads_the_same_in_parts(workbook: str, tmp_path: Path) -> None:
    (tmp_path / "住民.xlsx").write_bytes((FIXTURES / workbook).read_bytes())
    _same_either_way(tmp_path, 2)


def _sheet_xml(rows: list[tuple[int, list[tuple[int, str, str]]] | str]) -> bytes:
    """Rows as (row number, [(column, kind, value)]) with kind "s" inline text, "n" a number, "d" a date
    serial (style 1); a str is written as it is (a self-closing row, say)."""
    parts = [f'<worksheet xmlns="{_MAIN}"><dimension ref="A1"/><sheetData>']
    for row in rows:
        if isinstance(row, str):
            parts.append(row)
            continue
        number, cells = row
        written = []
        for column, kind, value in cells:
            reference = f"{column_letters(column)}{number}"
            if kind == "s":
                written.append(f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                style = ' s="1"' if kind == "d" else ""
                written.append(f'<c r="{reference}"{style}><v>{value}</v></c>')
        parts.append(f'<row r="{number}">{"".join(written)}</row>')
    parts.append('</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    return "".join(parts).encode()


def _write_workbook(path: Path, sheet_xml: bytes) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        write_package(bundle, "住民", _STYLES)
        bundle.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def _valid_rows() -> tuple[list[str], list[list[str]]]:
    with (FIXTURES / "juki" / "valid" / "住民.csv").open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    return header, rows


def _text(values: list[str], skip_first: bool = False) -> list[tuple[int, str, str]]:
    return [(index, "s", value) for index, value in enumerate(values) if value != "" and not (skip_first and index == 0)]


def test_a_sheet_of_every_row_shape_reads_the_same_in_parts(tmp_path: Path) -> None:
    """Empty rows (absent, self-closing, of empty strings), a run of absent rows, values past the header,
    numeric and date cells in several parts, parts without column A, trailing empty rows: cut in four and
    in five, wherever the cuts fall, the same records, lines and issues as the sheet read whole."""
    header, valid = _valid_rows()
    rows: list[tuple[int, list[tuple[int, str, str]]] | str] = [(1, _text(header))]
    for number in range(2, 400):
        values = valid[number % len(valid)]
        if number in (10, *range(150, 171)):
            continue  # absent rows
        if number == 20:
            rows.append('<row r="20"/>')
        elif number == 30:
            rows.append((30, [(0, "s", ""), (3, "s", "")]))
        elif number == 40:
            rows.append((40, [*_text(values), (len(header) + 4, "s", "past the header")]))
        elif number % 45 == 0:
            rows.append((number, [*_text(values)[2:], (1, "n", "10014"), (len(header) - 1, "d", "45000")]))
        else:
            rows.append((number, _text(values, skip_first=number > 250)))  # parts without column A
    rows += [(400, [(2, "s", "")]), (402, [(1, "s", "")])]  # trailing rows holding empty strings only
    folder = tmp_path / "shapes"
    folder.mkdir()
    _write_workbook(folder / "住民.xlsx", _sheet_xml(rows))
    header_read, issues, rejected, readable, error, stored = _same_either_way(folder, 4)
    assert _load(folder, 1, 5) == (header_read, issues, rejected, readable, error, stored)
    lines = [issue.line for issue in issues if issue.code == codes.FIELD_COUNT]
    assert lines == [10, 20, 30, 40, *range(150, 171)]  # the trailing rows are not in the grid
    assert [issue.code for issue in issues].count(codes.NUMERIC_CELL) == 1
    assert rejected == 25 and readable and error is None and stored is not None and len(stored) == 398 - 25


def test_a_generated_export_of_five_thousand_records_reads_the_same_in_three_parts(tmp_path: Path) -> None:
    header, valid = _valid_rows()
    rows: list[tuple[int, list[tuple[int, str, str]]] | str] = [(1, _text(header))]
    rows += [(number, _text(valid[number % len(valid)])) for number in range(2, 5_002)]
    _write_workbook(tmp_path / "住民.xlsx", _sheet_xml(rows))
    *_, stored = _same_either_way(tmp_path, 3)
    assert stored is not None and len(stored) == 5_000


def test_a_child_that_dies_is_the_unreadable_sheet_finding_and_leaves_nothing(tmp_path: Path) -> None:
    """One stray cell at XFD1048576 and the used-range limit lifted: calamine's grid of 17 billion cells
    aborts the child process (a Rust allocation failure), not the run; no part or staging file stays."""
    header, valid = _valid_rows()
    rows: list[tuple[int, list[tuple[int, str, str]]] | str] = [(1, _text(header))]
    rows += [(number, _text(valid[number % len(valid)])) for number in range(2, 50)]
    rows.append((1_048_576, [(16_383, "s", "stray")]))
    _write_workbook(tmp_path / "住民.xlsx", _sheet_xml(rows))
    folder = tmp_path / "sheets"
    workbooks = Workbooks(InputLimits(max_sheet_cells=1 << 40), folder, split_bytes=1, parts=2)
    parsed = read_sheet(tmp_path / "住民.xlsx", "住民", workbooks.limits, workbooks)
    assert [(issue.code, issue.message[:24]) for issue in parsed.issues] == [(codes.UNREADABLE_SHEET, "シート「住民」を読めません（読み取りの子プロセス")]
    assert not parsed.readable
    workbooks.close()
    assert not folder.exists() or not any(folder.iterdir())


def test_a_mark_is_found_through_its_second_byte_exactly_as_by_a_plain_search() -> None:
    samples = [b"", b"<", b"f", b"<f", b"f<f", b"ff<", b"<!--", b"a<b!c", b"f" * 200 + b"<f", b"!" * 100 + b"<x!" * 50 + b"<!"]
    for data in samples:
        for mark in (b"<f", b"<!"):
            for stop in range(len(data) + 1):
                assert has_mark(data, mark, stop) == (data.find(mark, 0, stop) >= 0), (data, mark, stop)


def _children_left() -> list[psutil.Process]:
    return [child for child in psutil.Process().children(recursive=True) if "sheetpart" in " ".join(child.cmdline())]


@pytest.mark.parametrize("late", ["<!-- a comment after the first part -->", "suffix"])
def test_a_part_started_early_whose_sheet_proves_unsplittable_reads_as_the_whole(
        late: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Part 0 is handed to its child while the scan is still reading (the sheet's XML spans two of the scan's
    chunks); then a comment among the rows, or a row after `</sheetData>` (which the early part's standard end
    left out), proves the parts could differ: the one-process result, no child left, no part left."""
    header, valid = _valid_rows()
    rows: list[tuple[int, list[tuple[int, str, str]]] | str] = [(1, _text(header))]
    rows += [(number, _text(valid[number % len(valid)])) for number in range(2, 1_400)]
    if late != "suffix":
        rows.insert(1_300, late)
    xml = _sheet_xml(rows)
    if late == "suffix":
        xml = xml.replace(b"</sheetData>", b'</sheetData><row r="5000"><c r="A5000" t="inlineStr"><is><t>x</t></is></c></row>')
    assert len(xml) > 1 << 22  # more than one chunk of the scan
    _write_workbook(tmp_path / "住民.xlsx", xml)
    sent: list[str] = []
    send = sheetsplit.Splitter.send

    def spy(self: sheetsplit.Splitter, index: int, stop: int | None) -> None:
        sent.append(self._state)
        send(self, index, stop)

    monkeypatch.setattr(sheetsplit.Splitter, "send", spy)
    whole = _load(tmp_path, 1 << 62, 1)
    assert _load(tmp_path, 1, 2) == whole
    assert sent == ["rows"]  # part 0 handed over during the scan, the last part never
    assert not _children_left()
    workbooks = Workbooks(split_bytes=1, parts=2)
    parsed = read_sheet(tmp_path / "住民.xlsx", "住民", workbooks.limits, workbooks)
    assert not isinstance(parsed.cells, StagedCells) and not _children_left()
    folder = workbooks.folder()
    workbooks.close()
    assert not folder.exists()
