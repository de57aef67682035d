"""Issue 23 (round two), workbooks: what the corpus runner (tests/test_hostile.py) cannot say by the
expected outcome alone. A native abort leaves no temporary folder; the 個人番号 a library quotes is in
no output of any format; every library's error message goes through the one sanitiser; a sheet's used
range is bounded before any grid is built; a numeric cell is a finding only in a code or identifier."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
import python_calamine
import yaml

from conformance import spec as spec_store
from conformance.checks.files import issue_findings
from conformance.readers import InputLimits, ReadIssue, sheetscan
from conformance.readers.workbook import read_sheet, scan_sheet
from conformance.report import REPORT_FORMATS
from conformance.results import codes
from conformance.results.masking import LIBRARY_MESSAGE_LIMIT, library_message
from tests.conftest import FIXTURES, ROOT, cli
from tests.hostile_inputs_xlsx import MY_NUMBER

HOSTILE = FIXTURES / "hostile"
_LAUNCHER = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3)); "
             "from conformance.cli import main; sys.exit(main(sys.argv[1:]))")


def test_a_native_abort_leaves_no_temporary_folder(tmp_path: Path) -> None:
    """With the cell limit lifted, calamine really aborts the process on the sparse sheet (a Rust allocation
    failure, SIGABRT: no Python cleanup runs); the watchdog still removes the run's folder, with the export
    (and its 個人番号) extracted from the ZIP."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, "-c", _LAUNCHER, "run", "--spec", "juki", "--quiet", "--format", "json", "--output",
               str(tmp_path / "out"), "--max-sheet-cells", "100000000000", str(HOSTILE / "zip-sparse-xfd1048576" / "export.zip")]
    completed = subprocess.run(command, capture_output=True, timeout=120, cwd=ROOT,
                               env={"PATH": "/usr/bin:/bin", "TMPDIR": str(temporary), "LANG": "C.UTF-8"})
    assert completed.returncode == -signal.SIGABRT, completed.stderr[-2000:]
    deadline = time.monotonic() + 20
    while list(temporary.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(temporary.iterdir()) == []


def test_a_sparse_sheet_is_read_without_a_dense_grid() -> None:
    """17 billion cells in the used range, 2,628 holding a value: read cell by cell, in seconds."""
    started = time.monotonic()
    parsed = read_sheet(HOSTILE / "xlsx-sparse-xfd1048576" / "住民.xlsx", "住民")
    records = list(parsed.records)
    assert time.monotonic() - started < 20
    assert (len(records), parsed.rejected) == (41, 1_048_534)
    assert [(i.code, i.line, i.message) for i in parsed.issues] == [
        (codes.FIELD_COUNT, 43, "空行が1,048,533行続きます（43〜1048575行目。これらの行は検査していません）。"),
        (codes.FIELD_COUNT, 1_048_576, "ヘッダーのない列（116列目以降）に値があります（このレコードは検査していません）。")]
    scan = scan_sheet(HOSTILE / "xlsx-sparse-xfd5000" / "住民.xlsx", "住民")
    assert (scan.last_row, scan.last_column, scan.cells, scan.area) == (5000, 16384, 2628, 81_920_000)


@pytest.mark.parametrize("case", ["xlsx-numeric-identifiers", "xlsx-serial-dates", "xlsx-formulas", "xlsx-merged-header"])
def test_the_cell_by_cell_reader_reads_what_calamine_reads(case: str) -> None:
    """The same sheet through calamine's dense grid and through the sparse reader (forced by a limit
    between its cells holding a value and its used range): the same header, records, issues and counts."""
    workbook = HOSTILE / case / "住民.xlsx"
    scan = scan_sheet(workbook, "住民")
    assert scan.cells < scan.area
    dense = read_sheet(workbook, "住民")
    sparse = read_sheet(workbook, "住民", InputLimits(max_sheet_cells=scan.cells))
    assert (sparse.header, list(sparse.records), sparse.rejected) == (dense.header, list(dense.records), dense.rejected)
    assert sparse.issues == dense.issues


@pytest.mark.parametrize("case", ["xlsx-numeric-identifiers", "xlsx-formulas", "xlsx-merged-header", "xlsx-sparse-xfd1048576",
                                  "xlsx-sparse-xfd5000", "xlsx-serial-dates"])
def test_the_byte_level_scan_sees_what_the_xml_parser_sees(case: str) -> None:
    """The fast scan (byte patterns over chunks cut at row ends) against ElementTree on the same sheet."""
    workbook = HOSTILE / case / "住民.xlsx"
    fast = scan_sheet(workbook, "住民")
    assert fast.part is not None
    tree = sheetscan.SheetScan(part=fast.part)
    with zipfile.ZipFile(workbook) as bundle, bundle.open(fast.part) as stream:
        sheetscan._tree_scan(stream, tree)
    assert fast == tree


def test_a_sheet_with_prefixed_elements_is_scanned_by_the_xml_parser(tmp_path: Path) -> None:
    """`<x:c>` escapes the byte patterns: the scan falls back to ElementTree rather than see no cell."""
    source = HOSTILE / "xlsx-sparse-xfd5000" / "住民.xlsx"
    with zipfile.ZipFile(source) as bundle:
        members = [(info.filename, bundle.read(info)) for info in bundle.infolist()]
    target = tmp_path / "住民.xlsx"
    with zipfile.ZipFile(target, "w") as bundle:
        for name, data in members:
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=").replace(b"</worksheet>", b"</x:worksheet>")
                for tag in (b"sheetData", b"row", b"c", b"is", b"t", b"v", b"dimension", b"sheetViews", b"sheetView",
                            b"selection", b"sheetFormatPr", b"pageMargins", b"cols", b"col", b"sheetPr", b"outlinePr",
                            b"pageSetUpPr"):
                    data = data.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(b"<" + tag + b">", b"<x:" + tag + b">")
                    data = data.replace(b"<" + tag + b"/>", b"<x:" + tag + b"/>").replace(b"</" + tag + b">", b"</x:" + tag + b">")
            bundle.writestr(name, data)
    scan = scan_sheet(target, "住民")
    assert (scan.last_row, scan.last_column, scan.cells) == (5000, 16384, 2628)


def test_a_cell_written_in_another_shape_sends_the_sheet_to_the_xml_parser(tmp_path: Path) -> None:
    """`<c` followed by a line break before `r=` is an XML cell the byte patterns would not see: the stray
    cell at XFD5000 must still bound the range (the scan falls back to ElementTree)."""
    source = HOSTILE / "xlsx-sparse-xfd5000" / "住民.xlsx"
    target = tmp_path / "住民.xlsx"
    with zipfile.ZipFile(source) as bundle, zipfile.ZipFile(target, "w") as copy:
        for info in bundle.infolist():
            data = bundle.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b'<c r="XFD5000"') == 1
                data = data.replace(b'<c r="XFD5000"', b'<c\nr="XFD5000"')
            copy.writestr(info.filename, data)
    scan = scan_sheet(target, "住民")
    assert (scan.last_row, scan.last_column, scan.cells) == (5000, 16384, 2628)
    # With a limit the fast scan counts the cells only when the range exceeds it (then in a second pass).
    assert scan_sheet(source, "住民", limit=81_920_000).cells == 0
    assert scan_sheet(source, "住民", limit=1_000) == scan_sheet(source, "住民")


def test_a_sheet_whose_cells_exceed_the_limit_is_refused_naming_its_range(tmp_path: Path) -> None:
    parsed = read_sheet(HOSTILE / "xlsx-sparse-xfd1048576" / "住民.xlsx", "住民", InputLimits(max_sheet_cells=2_000))
    [issue] = parsed.issues
    assert issue.code == codes.SHEET_TOO_LARGE and issue.line == 1_048_576
    assert issue.message == (
        "シート「住民」の使用範囲 A1:XFD1048576（1,048,576行 × 16,384列 = 17,179,869,184セル、値のあるセル 2,628個）が"
        "上限（2,000セル）を超えるため読みません。表の外に残った値を削除して出力してください（上限は --max-sheet-cells で変更できます）。")
    workbook = HOSTILE / "xlsx-numeric-identifiers" / "住民.xlsx"
    lowered = cli("run", "--spec", "juki", "--max-sheet-cells", "100", "--format", "json", "--output", tmp_path, "--quiet", workbook)
    assert lowered.code == 1
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    assert [f["code"] for r in data["requirements"] for f in r["findings"] if r["id"] == "JUKI-F-0002"] == ["sheet-too-large"]


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_the_cell_limit_must_be_a_positive_whole_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("run", "--max-sheet-cells", value, HOSTILE / "xlsx-sparse-xfd5000" / "住民.xlsx")
    message = capsys.readouterr().err
    assert result.code == 2 and "--max-sheet-cells" in message and "Traceback" not in message


def test_the_my_number_in_calamines_message_is_in_no_output(tmp_path: Path) -> None:
    formats = [option for name in REPORT_FORMATS for option in ("--format", name)]
    result = cli("run", "--spec", "juki", *formats, "--output", tmp_path, HOSTILE / "xlsx-entity-my-number" / "住民.xlsx")
    assert result.code == 1
    written = sorted(path.name for path in tmp_path.iterdir())
    assert len(written) == len(REPORT_FORMATS) - 1  # every format but the console writes one file
    texts = [result.out, result.err]
    for path in tmp_path.iterdir():
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as bundle:
                texts += [bundle.read(member).decode("utf-8", "replace") for member in bundle.namelist()]
        else:
            texts.append(path.read_text(encoding="utf-8"))
    assert not [text for text in texts if MY_NUMBER in text]
    assert any("unrecognized entity `&［個人番号］;`" in text for text in texts)  # the message is still useful


def _raised(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as error:  # each library's own exception is what is tested
        return error
    raise AssertionError("no exception")


def _library_errors(tmp_path: Path) -> dict[str, BaseException]:
    """A real exception of each library, each quoting a 個人番号 (where the library quotes input at all)."""
    entity = HOSTILE / "xlsx-entity-my-number" / "住民.xlsx"
    not_a_workbook = tmp_path / f"{MY_NUMBER}.xlsx"
    not_a_workbook.write_bytes(b"\x1b[31m" + MY_NUMBER.encode() + b"\n" * 3 + b"x" * 1000)
    return {
        "calamine": _raised(lambda: python_calamine.CalamineWorkbook.from_path(str(entity))),
        "openpyxl": _raised(lambda: openpyxl.load_workbook(tmp_path / "absent" / f"{MY_NUMBER}.xlsx")),
        "json": _raised(lambda: json.loads('{"個人番号": ' + MY_NUMBER + "x}")),
        "csv": _raised(lambda: list(csv.reader(io.StringIO(f'"{MY_NUMBER}"x,1\n'), strict=True))),
        "zipfile": _raised(lambda: zipfile.ZipFile(not_a_workbook)),
        "yaml": _raised(lambda: yaml.safe_load(f"a: *{MY_NUMBER}\n")),
        "duckdb": _raised(lambda: duckdb.connect().execute(f"SELECT CAST('{MY_NUMBER}' || chr(27) AS INTEGER)")),
        "oserror": OSError(36, "File name too long", f"/tmp/{MY_NUMBER}" + "あ" * 300 + "\x1b]0;title\x07"),
    }


def test_every_librarys_message_goes_through_the_sanitiser(tmp_path: Path) -> None:
    errors = _library_errors(tmp_path)
    quoted = {name for name, error in errors.items() if MY_NUMBER in str(error)}
    assert quoted == {"calamine", "openpyxl", "yaml", "duckdb", "oserror"}  # the ones that quote their input
    for name, error in errors.items():
        message = library_message(error)
        assert MY_NUMBER not in message, name
        assert message.startswith(type(error).__name__ + ":"), name
        assert len(message) <= len(type(error).__name__) + 2 + LIBRARY_MESSAGE_LIMIT + 1, name
        assert "\n" not in message and "\x1b" not in message and "\x07" not in message, name


def test_a_cut_cannot_split_a_number_out_of_the_mask() -> None:
    error = ValueError("x" * (LIBRARY_MESSAGE_LIMIT - 6) + MY_NUMBER)
    assert "314159" not in library_message(error)


def test_a_numeric_cell_is_a_finding_only_in_a_code_or_identifier() -> None:
    """Driven by the schema: a text item whose every value is digits (pattern or enum) is a code or an
    identifier; an amount (x-sql-type BIGINT) or a date is not, and a number there loses nothing."""
    juki = spec_store.load("juki").table("住民")
    assert juki is not None
    digits = {item.name for item in juki.items if item.digits}
    assert {"宛名番号", "世帯番号", "個人番号", "性別", "市区町村コード", "住所_郵便番号"} <= digits
    assert not {"生年月日", "氏名", "住民となった年月日"} & digits
    tax = spec_store.load("kojin-juminzei")
    table = tax.table("税額")
    assert table is not None
    assert [item.name for item in table.items if item.digits] == ["宛名番号"]  # 年度 and the amounts are BIGINT
    issues = [ReadIssue("value", codes.NUMERIC_CELL, "数値のセル", 2, "年税額"),
              ReadIssue("value", codes.NUMERIC_CELL, "数値のセル", 2, "宛名番号")]
    findings = issue_findings(tax, table, [item.name for item in table.items], issues, "税額.xlsx")
    assert [(f.requirement, f.code, f.location.item) for f in findings] == [
        (table.item("宛名番号").requirement, "numeric-cell", "宛名番号")]  # type: ignore[union-attr]
