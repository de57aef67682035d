"""Every input format reads the same records; broken inputs become findings or clear errors."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conformance.pipeline import run
from tests.conftest import FIXTURES, cli

VALID_CSV = FIXTURES / "juki" / "valid" / "住民.csv"
# The other tables of a 住民基本台帳 export, copied beside 住民 in whatever format it is written.
COMPANIONS = [FIXTURES / "juki" / "valid" / f"{table}.csv" for table in ("世帯", "異動履歴")]


def _companions(folder: Path) -> None:
    for path in COMPANIONS:
        (folder / path.name).write_bytes(path.read_bytes())


def _rows() -> tuple[list[str], list[list[str]]]:
    with VALID_CSV.open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    return header, rows


def _write_xlsx(path: Path, header: list[str], rows: list[list[str]], sheet: str = "住民") -> None:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append([value if value != "" else None for value in row])
    # Text cells throughout: a number format would turn 続柄コード "02" into 2.
    for column in worksheet.iter_cols():
        for cell in column:
            cell.number_format = "@"
    workbook.save(path)


def _records(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    return [{name: value for name, value in zip(header, row, strict=True) if value != ""} for row in rows]


@pytest.mark.parametrize("kind", ["tsv", "xlsx", "json", "ndjson", "zip", "xlsx-sheet"])
def test_every_format_of_the_valid_export_passes(tmp_path: Path, kind: str) -> None:
    header, rows = _rows()
    if kind != "zip":
        _companions(tmp_path)
    if kind == "tsv":
        with (tmp_path / "住民.tsv").open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, delimiter="\t", lineterminator="\n").writerows([header, *rows])
    elif kind == "xlsx":
        _write_xlsx(tmp_path / "住民.xlsx", header, rows)
    elif kind == "xlsx-sheet":
        _write_xlsx(tmp_path / "export.xlsx", header, rows, sheet="住民")
    elif kind == "json":
        (tmp_path / "住民.json").write_text(json.dumps(_records(header, rows), ensure_ascii=False, indent=1), encoding="utf-8")
    elif kind == "ndjson":
        lines = [json.dumps(record, ensure_ascii=False) for record in _records(header, rows)]
        (tmp_path / "住民.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        with zipfile.ZipFile(tmp_path / "export.zip", "w") as bundle:
            for path in (VALID_CSV, *COMPANIONS):
                bundle.write(path, f"juki/{path.name}")
    target = tmp_path / "export.zip" if kind == "zip" else tmp_path
    result = run(target, ["juki"])
    assert result.failed_ids() == []
    assert result.summary.verdict == "pass"
    assert [f.records for f in result.files if f.table == "住民"] == [len(rows)]


def test_json_line_numbers_point_at_the_record(tmp_path: Path) -> None:
    header, rows = _rows()
    records = _records(header, rows)
    records[2]["住民種別"] = "3"
    (tmp_path / "住民.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    _companions(tmp_path)
    result = run(tmp_path, ["juki"])
    assert result.failed_ids() == ["JUKI-D-0004"]
    text = (tmp_path / "住民.json").read_text(encoding="utf-8").splitlines()
    [(line, record)] = result.flatten("line", "record")
    assert record == 3 and text[line - 1].strip() == "{"


def test_csv_line_numbers_count_line_breaks_inside_quoted_values(tmp_path: Path) -> None:
    header, rows = _rows()
    rows[0][header.index("住所_方書")] = "架空\nハイツ"
    rows[3][header.index("住民種別")] = "3"
    with (tmp_path / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *rows])
    _companions(tmp_path)
    result = run(tmp_path, ["juki"])
    assert ("JUKI-D-0004", 6, 4, "住民種別") in result.flatten("requirement", "line", "record", "item")
    # the line break is not in JIS X 0213's graphic repertoire
    assert ("JUKI-C-0001", 2, 1, "住所_方書") in result.flatten("requirement", "line", "record", "item")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path.parent


def test_shift_jis_csv_is_a_finding_naming_file_and_line(tmp_path: Path) -> None:
    # The records CP932 can hold (not the residents written with 𠮷 or an IVS sequence).
    lines = VALID_CSV.read_text(encoding="utf-8").split("\n")
    text = "\n".join(line for line in lines if line.encode("cp932", errors="replace").decode("cp932") == line)
    target = _write(tmp_path / "住民.csv", text.encode("cp932"))
    result = cli("run", target)
    assert result.code == 1
    assert "JUKI-F-0001" in result.out
    assert "住民.csv 1行目" in result.out and "Shift_JIS" in result.out
    assert "Traceback" not in result.out + result.err


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_a_finding(tmp_path: Path, bom: bytes) -> None:
    codec = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
    target = _write(tmp_path / "住民.csv", bom + VALID_CSV.read_text(encoding="utf-8").encode(codec))
    _companions(target)
    result = run(target, ["juki"])
    assert result.failed_ids() == ["JUKI-F-0001"]
    assert "UTF-16" in result.requirement("JUKI-F-0001").findings[0].message


def test_utf8_bom_is_accepted_and_recorded(tmp_path: Path) -> None:
    target = _write(tmp_path / "住民.csv", b"\xef\xbb\xbf" + VALID_CSV.read_bytes())
    _companions(target)
    result = run(target)
    assert result.summary.verdict == "pass"
    assert result.files[0].bom is True


def test_truncated_xlsx_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    header, rows = _rows()
    _write_xlsx(tmp_path / "full.xlsx", header, rows)
    data = (tmp_path / "full.xlsx").read_bytes()
    (tmp_path / "full.xlsx").unlink()
    target = _write(tmp_path / "住民.xlsx", data[: len(data) // 2])
    result = cli("run", "--spec", "juki", target)
    assert result.code == 1
    assert "JUKI-F-0002" in result.out and "住民.xlsx" in result.out and "Excelファイルとして読めません" in result.out
    assert "Traceback" not in result.out + result.err


def test_empty_file_is_a_finding(tmp_path: Path) -> None:
    target = _write(tmp_path / "住民.csv", b"")
    result = cli("run", target)
    assert result.code == 1
    assert "住民.csv 1行目" in result.out and "ヘッダー行がありません" in result.out
    assert "Traceback" not in result.out + result.err


def test_header_only_file_is_not_a_pass(tmp_path: Path) -> None:
    target = _write(tmp_path / "住民.csv", VALID_CSV.read_bytes().split(b"\n")[0] + b"\n")
    _companions(target)
    result = run(target)
    assert result.summary.verdict == "incomplete"
    assert result.exit_code == 3
    assert result.requirement("JUKI-D-0004").verdict == "not-tested"  # an item of 住民 alone


def test_missing_column_is_a_finding_and_its_checks_are_not_tested(tmp_path: Path) -> None:
    header, rows = _rows()
    drop = header.index("宛名番号")
    with (tmp_path / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([[c for i, c in enumerate(r) if i != drop] for r in [header, *rows]])
    result = cli("run", tmp_path)
    assert result.code == 1
    assert "住民.csv 1行目 「宛名番号」: 標準の項目「宛名番号」の列がありません" in result.out
    assert "SKIP  JUKI-D-0002" in result.out and "SKIP  JUKI-S-0001" in result.out


def test_line_with_too_many_fields_is_a_finding_with_its_line(tmp_path: Path) -> None:
    lines = VALID_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + ",余分\n"
    target = _write(tmp_path / "住民.csv", "".join(lines).encode("utf-8"))
    result = cli("run", target)
    assert result.code == 1
    assert "住民.csv 5行目: 項目数が116でヘッダーの115と一致しません" in result.out
    assert "Traceback" not in result.out + result.err


def test_unbalanced_quote_costs_one_record(tmp_path: Path) -> None:
    lines = VALID_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = '"' + lines[2][:5] + '"x' + lines[2][5:]
    target = _write(tmp_path / "住民.csv", "".join(lines).encode("utf-8"))
    result = run(target)
    # 住民 alone (the lost record would break the links of 世帯 and 異動履歴): their absence is JUKI-F-0005.
    assert result.failed_ids() == ["JUKI-F-0002", "JUKI-F-0005"]
    assert result.files[0].rejected == 1
    assert result.files[0].records == len(lines) - 2


def test_unknown_file_is_listed_not_read(tmp_path: Path) -> None:
    (tmp_path / "住民.csv").write_bytes(VALID_CSV.read_bytes())
    _companions(tmp_path)
    (tmp_path / "メモ.txt").write_text("x", encoding="utf-8")
    result = run(tmp_path)
    assert result.summary.verdict == "pass"
    assert ("メモ.txt", "対応していない形式です") in result.ignored


def test_target_with_no_known_table_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli("run", tmp_path)
    assert result.code == 2
    assert "other.csv" in result.err and "--spec" in result.err


def test_inputs_are_not_modified(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in (FIXTURES / "juki").rglob("*") if p.is_file()}
    run(FIXTURES / "juki" / "valid")
    run(FIXTURES / "juki" / "invalid" / "juki-f-0002")
    assert before == {p: p.read_bytes() for p in (FIXTURES / "juki").rglob("*") if p.is_file()}


def test_duplicated_and_near_miss_columns_are_named(tmp_path: Path) -> None:
    header, rows = _rows()
    header = [*header, "宛名番号", "住民票コード "]
    rows = [[*row, "", ""] for row in rows]
    with (tmp_path / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *rows])
    _companions(tmp_path)
    result = run(tmp_path)
    assert result.failed_ids() == ["JUKI-F-0003", "JUKI-F-0004"]
    assert result.flatten("requirement", "code", "item") == [
        ("JUKI-F-0003", "duplicate-column", "宛名番号"),
        ("JUKI-F-0004", "unknown-item", "住民票コード "),  # the same code as in API mode
    ]


def test_two_files_for_one_table_are_a_finding(tmp_path: Path) -> None:
    (tmp_path / "住民.csv").write_bytes(VALID_CSV.read_bytes())
    (tmp_path / "juki").mkdir()
    (tmp_path / "juki" / "住民.csv").write_bytes(VALID_CSV.read_bytes())
    _companions(tmp_path)
    result = run(tmp_path)
    assert result.failed_ids() == ["JUKI-F-0005"]
    assert result.flatten("code") == [("duplicate-file",)]


def test_a_table_name_shared_by_several_specs_does_not_choose_a_spec(tmp_path: Path) -> None:
    from conformance.pipeline import infer_specs
    from conformance.readers import open_target

    shared = FIXTURES / "kojin-juminzei" / "valid" / "住登外者.csv"
    (tmp_path / "住登外者.csv").write_bytes(shared.read_bytes())
    result = cli("run", tmp_path)
    assert result.code == 2
    assert "判別できません" in result.err and "kojin-juminzei" in result.err and "--spec" in result.err
    (tmp_path / "課税対象者.csv").write_bytes((FIXTURES / "kojin-juminzei" / "valid" / "課税対象者.csv").read_bytes())
    with open_target(tmp_path) as target:
        assert [spec.id for spec in infer_specs(target)] == ["kojin-juminzei"]


@pytest.mark.parametrize("codec", ["utf-8", "cp932"])
def test_zip_member_names_without_the_utf8_flag_are_decoded(tmp_path: Path, codec: str) -> None:
    # Info-ZIP (Linux, macOS) writes UTF-8 names and Windows Explorer CP932 names, both without the
    # UTF-8 flag; zipfile then shows them as CP437 mojibake. zipfile itself always flags non-ASCII
    # names, so the archive is written with an ASCII name of the same length, then patched.
    raw_name = "juki/住民.csv".encode(codec)
    placeholder = b"x" * len(raw_name)
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as bundle:
        bundle.writestr(placeholder.decode("ascii"), VALID_CSV.read_bytes())
        for path in COMPANIONS:
            bundle.write(path, path.name)
    archive = (tmp_path / "export.zip").read_bytes()
    (tmp_path / "export.zip").write_bytes(archive.replace(placeholder, raw_name))
    with zipfile.ZipFile(tmp_path / "export.zip") as bundle:
        assert not bundle.infolist()[0].flag_bits & 0x800
    result = run(tmp_path / "export.zip")
    assert result.summary.verdict == "pass"
    assert [f.path for f in result.files if f.table == "住民"] == ["juki/住民.csv"]


def _juki_workbook(path: Path) -> int:
    """The juki export as one workbook of three sheets (住民, 世帯, 異動履歴), all text cells; its 住民 count."""
    header, rows = _rows()
    workbook = openpyxl.Workbook()
    tables = [("住民", header, rows)]
    for companion in COMPANIONS:
        with companion.open(encoding="utf-8", newline="") as stream:
            lines = list(csv.reader(stream))
        tables.append((companion.stem, lines[0], lines[1:]))
    for index, (name, names, records) in enumerate(tables):
        worksheet = workbook.active if index == 0 else workbook.create_sheet()
        assert worksheet is not None
        worksheet.title = name
        worksheet.append(names)
        for row in records:
            worksheet.append([value if value != "" else None for value in row])
        for column in worksheet.iter_cols():
            for cell in column:
                cell.number_format = "@"
    workbook.save(path)
    return len(rows)


@pytest.mark.parametrize(("name", "specs"), [("住民.xlsx", ["juki"]), ("住民.xlsx", None), ("export.xlsx", ["juki"]),
                                             ("export.xlsx", None), ("export.xlsx", ["juki", "inkan"])])
def test_a_workbook_is_opened_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                           specs: list[str] | None) -> None:
    """Discovery (with --spec, or inferring the spec from every spec's tables) and reading every sheet share one
    opened workbook: a 50,000-record workbook was opened 67 times, 100 s of a 137 s run (issue 23, item 10)."""
    from conformance.readers import workbook

    records = _juki_workbook(tmp_path / name) if name == "export.xlsx" else None
    if records is None:
        header, rows = _rows()
        _write_xlsx(tmp_path / name, header, rows)
        records = len(rows)
    opened: list[Path] = []
    original = workbook._open

    def counting(path: Path, *arguments: int) -> object:
        opened.append(path)
        return original(path, *arguments)

    monkeypatch.setattr(workbook, "_open", counting)
    result = run(tmp_path, specs)
    assert [f.records for f in result.files if f.table == "住民"] == [records]
    if name == "export.xlsx":
        assert sorted(f.table for f in result.files if f.operation == "juki") == ["世帯", "住民", "異動履歴"]
        assert result.summary.verdict == ("pass" if specs != ["juki", "inkan"] else "fail")  # no 印鑑登録 sheet
    assert opened == [tmp_path / name]


def test_workbook_rows_staged_whole_store_what_records_store(tmp_path: Path) -> None:
    """A workbook's rows are staged as cells in header order (DuckDB picks the items by position):
    the stored text and typed values are those of the per-record path, record and line numbers too."""
    from conformance import spec as spec_store
    from conformance.checks.database import Database, raw_name, typed_name
    from conformance.readers.workbook import read_sheet

    table = next(t for t in spec_store.load("juki").tables if t.name == "住民")
    typed = next(item.name for item in table.items if item.sql_type == "DATE")
    first, second = [item.name for item in table.items if item.name != typed][:2]
    header = [first, second, first, "未知の列", typed]
    rows = [["a,b", 'say "x"', "dup", "u", "2020-01-02"],
            ["line\r\nbreak", "", "", "", "not a date"],
            ["", "", "", "", ""],  # a blank row: rejected
            ["x", "y", "", "", "2021-12-31"]]
    path = tmp_path / "住民.xlsx"
    _write_xlsx(path, header, rows)
    workbook = openpyxl.load_workbook(path)
    workbook.active.cell(row=5, column=2, value=42)  # a numeric cell
    workbook.active.cell(row=6, column=7, value="past the header")  # row 6: rejected
    workbook.active.append(["z", "w"])  # row 7
    workbook.save(path)
    stored = []
    for staged_whole in (True, False):
        parsed = read_sheet(path, "住民")
        database = Database()
        try:
            loaded = database.load(table, parsed, None, parsed.cells if staged_whole else None)
            view = [database.connection.execute(f"SELECT * FROM {name} ORDER BY _record").fetchall()
                    for name in (raw_name(table), typed_name(table))]
        finally:
            database.close()
        stored.append((loaded.records, parsed.rejected, [issue.code for issue in parsed.issues], view))
    assert stored[0] == stored[1]
    records, rejected, codes, (raw, _typed) = stored[0]
    assert (records, rejected) == (4, 2)
    assert [(row[0], row[1]) for row in raw] == [(1, 2), (2, 3), (4, 5), (6, 7)]
    columns = ["_record", "_line", *(item.name for item in table.items)]
    texts = [{name: value for name, value in zip(columns, row, strict=True) if name in (first, second, typed)} for row in raw]
    assert texts == [{first: "a,b", second: 'say "x"', typed: "2020-01-02"},
                     {first: "line\nbreak", second: None, typed: "not a date"},  # XML reads CRLF as LF
                     {first: "x", second: "42", typed: "2021-12-31"},
                     {first: "z", second: "w", typed: None}]
    assert codes == ["duplicate-column", "field-count", "field-count", "numeric-cell"]
