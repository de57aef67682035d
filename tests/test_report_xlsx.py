"""The Excel report: sheets, rows, cell types, table and print settings, formula safety, privacy, PDF."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conformance.pipeline import RunOptions, load_declaration, run
from conformance.report import xlsx
from conformance.results import RunResult
from tests.conftest import FIXTURES

VALID = FIXTURES / "juki" / "valid"
BROKEN = FIXTURES / "juki" / "invalid" / "juki-d-0002"
TABLE_SHEETS = ("要件別結果", "指摘一覧")


@pytest.fixture(scope="module")
def capped_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid export with every 住民種別 out of its code table: one finding per record."""
    folder = tmp_path_factory.mktemp("capped")
    with (VALID / "住民.csv").open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        fields, rows = list(reader.fieldnames or ()), list(reader)
    with (folder / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "住民種別": "7"} for row in rows)
    for table in ("世帯", "異動履歴"):
        (folder / f"{table}.csv").write_bytes((VALID / f"{table}.csv").read_bytes())
    return folder


@pytest.fixture(scope="module")
def results(capped_target: Path) -> dict[str, RunResult]:
    """One run per case, shared by the tests of this module."""
    declaration = load_declaration(FIXTURES / "juki" / "declaration.yaml")
    return {
        "valid": run(VALID),
        "broken": run(BROKEN, options=RunOptions(declaration=declaration)),
        "capped": run(capped_target, options=RunOptions(max_findings=5)),
    }


CASES = ("valid", "broken", "capped")


def _load(result: RunResult) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx.render(result)))


def _table(workbook: openpyxl.Workbook, sheet: str) -> list[dict[str, Any]]:
    """The data rows of a table sheet as dicts keyed by the header."""
    rows = list(workbook[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _cover(workbook: openpyxl.Workbook) -> dict[str, list[Any]]:
    """表紙 label → the values in column B of the rows with that label."""
    found: dict[str, list[Any]] = {}
    for label, value, *_ in workbook["表紙"].iter_rows(values_only=True):
        if isinstance(label, str):
            found.setdefault(label, []).append(value)
    return found


def test_three_sheets_in_order(results: dict[str, RunResult]) -> None:
    assert _load(results["valid"]).sheetnames == ["表紙", "要件別結果", "指摘一覧"]


@pytest.mark.parametrize("case", CASES)
def test_one_row_per_requirement_and_per_kept_finding(results: dict[str, RunResult], case: str) -> None:
    result = results[case]
    workbook = _load(result)
    requirements = _table(workbook, "要件別結果")
    assert [row["要件ID"] for row in requirements] == [r.id for r in result.requirements]
    assert len(_table(workbook, "指摘一覧")) == len(result.findings())


def test_requirement_rows_say_it_in_japanese_and_in_english(results: dict[str, RunResult]) -> None:
    result = results["broken"]
    rows = {row["要件ID"]: row for row in _table(_load(result), "要件別結果")}
    failed = result.requirement("JUKI-D-0002")
    row = rows["JUKI-D-0002"]
    assert (row["業務"], row["要件"], row["水準"], row["対処方法"]) == (failed.operation, failed.title, failed.level, failed.fix)
    assert (row["判定"], row["判定(英)"], row["指摘数"]) == ("不適合", "fail", 2)  # in 住民 and 異動履歴
    assert {row["根拠"] for row in rows.values()} == {"公式文書", "公開事例", "仮定"}
    assert rows["JUKI-D-0050"]["判定"] in ("適合", "対象外")


def test_numbers_and_times_are_typed_cells(results: dict[str, RunResult]) -> None:
    result = results["broken"]
    workbook = _load(result)
    assert all(type(row["指摘数"]) is int for row in _table(workbook, "要件別結果"))
    findings = _table(workbook, "指摘一覧")
    finding = result.findings()[0]
    assert (findings[0]["行"], findings[0]["レコード"]) == (finding.location.line, finding.location.record)
    assert type(findings[0]["行"]) is int and type(findings[0]["レコード"]) is int
    cover = _cover(workbook)
    started = datetime.datetime.fromisoformat(result.started)
    assert cover["開始"] == [started.replace(tzinfo=None)]
    assert isinstance(cover["終了"][0], datetime.datetime)
    assert workbook["表紙"].cell(row=_row_of(workbook, "開始"), column=2).is_date
    assert cover["不適合 (fail)"] == [1] and cover["合計"] == [len(result.requirements)]
    assert cover["判定"] == ["不適合 (fail)"]
    files = _cover_files(workbook)
    assert files[0]["ファイル"] == "住民.csv" and files[0]["件数"] == 43 and files[0]["不正レコード"] == 0
    assert files[0]["SHA-256"] == result.files[0].sha256


def _row_of(workbook: openpyxl.Workbook, label: str) -> int:
    return next(cell.row for cell in workbook["表紙"]["A"] if cell.value == label)


def _cover_files(workbook: openpyxl.Workbook) -> list[dict[str, Any]]:
    """The rows of the input-file table on 表紙."""
    rows = list(workbook["表紙"].iter_rows(min_row=_row_of(workbook, "ファイル"), values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_cover_names_the_target_specs_declaration_and_masking(results: dict[str, RunResult]) -> None:
    cover = _cover(_load(results["broken"]))
    assert cover["対象"] == [results["broken"].target]
    assert cover["仕様"] == ["juki 0.1.0 住民基本台帳"]
    assert cover["宣言"] == ["架空住記システム 1.0（架空ベンダー）"]
    assert cover["標準オプション"] == ["JUKI-D-0050"]
    assert cover["値の表示"][0].startswith("マスクあり")
    assert _cover(_load(results["valid"]))["宣言"] == ["なし"]


def test_unmasked_values_carry_a_visible_warning() -> None:
    declaration = load_declaration(BROKEN / "declaration.yaml")
    workbook = _load(run(BROKEN, options=RunOptions(declaration=declaration, show_values=True)))
    cell = workbook["表紙"].cell(row=_row_of(workbook, "値の表示"), column=2)
    assert cell.value.startswith("マスクなし") and cell.font.bold and cell.fill.fgColor.rgb.endswith("FFC7CE")


def test_capped_findings_are_explained_on_the_cover_not_in_the_table(results: dict[str, RunResult]) -> None:
    result = results["capped"]
    workbook = _load(result)
    requirement = result.requirement("JUKI-D-0004")
    assert requirement.findings_total == 43 and len(requirement.findings) == 5
    assert [row["要件ID"] for row in _table(workbook, "指摘一覧")] == ["JUKI-D-0004"] * 5
    rows = {row["要件ID"]: row for row in _table(workbook, "要件別結果")}
    assert rows["JUKI-D-0004"]["指摘数"] == 43
    assert any("最初の5件のみ" in note for note in _cover(workbook)["注記"])
    assert "注記" not in _cover(_load(results["broken"]))


@pytest.mark.parametrize("sheet", TABLE_SHEETS)
def test_table_sheets_filter_freeze_and_print_on_a4_landscape(results: dict[str, RunResult], sheet: str) -> None:
    ws = _load(results["broken"])[sheet]
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == int(ws.PAPERSIZE_A4)
    assert ws.print_title_rows in ("1:1", "$1:$1")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    header = ws[1]
    assert all(cell.font.bold and cell.fill.fill_type == "solid" for cell in header)
    assert all(ws.column_dimensions[cell.column_letter].width >= 4 for cell in header)


def test_an_empty_findings_table_still_has_its_header_and_filter(results: dict[str, RunResult]) -> None:
    ws = _load(results["valid"])["指摘一覧"]
    assert [cell.value for cell in ws[1]] == ["要件ID", "ファイル", "行", "レコード", "項目", "コード", "メッセージ", "値"]
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:H1"


HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "#N/A", "=1"]


def _hostile(result: RunResult) -> RunResult:
    """The broken run with vendor-controlled text that a spreadsheet could take for a formula."""
    requirement = result.requirement("JUKI-D-0002")
    finding = requirement.findings[0]
    findings = tuple(
        dataclasses.replace(finding, message=text, value=text,
                            location=dataclasses.replace(finding.location, file=text, item=text))
        for text in HOSTILE
    )
    replaced = dataclasses.replace(requirement, findings=findings, findings_total=len(findings), reason=HOSTILE[0])
    requirements = tuple(replaced if r.id == requirement.id else r for r in result.requirements)
    return dataclasses.replace(result, target=HOSTILE[0], requirements=requirements)


def test_vendor_text_never_becomes_a_formula(results: dict[str, RunResult]) -> None:
    data = xlsx.render(_hostile(results["broken"]))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(workbook["指摘一覧"].iter_rows(min_row=2))
    assert len(rows) == len(HOSTILE)
    for text, row in zip(HOSTILE, rows, strict=True):
        for cell in row[1], row[4], row[6], row[7]:  # ファイル, 項目, メッセージ, 値
            assert (cell.value, cell.data_type) == (text.replace("\r", "\n"), "s")  # XML keeps no bare CR
    target = workbook["表紙"].cell(row=_row_of(workbook, "対象"), column=2)
    assert (target.value, target.data_type) == (HOSTILE[0], "s")
    assert target.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        sheets = [bundle.read(name).decode() for name in bundle.namelist() if name.startswith("xl/worksheets/")]
    assert not [sheet for sheet in sheets if re.search(r"<(\w+:)?f[ >]", sheet)]
    assert not [sheet for sheet in sheets if 't="e"' in sheet]


def test_characters_xml_cannot_hold_are_named_and_overlong_text_is_cut(results: dict[str, RunResult]) -> None:
    result = results["broken"]
    requirement = result.requirement("JUKI-D-0002")
    finding = dataclasses.replace(requirement.findings[0], message="ベル\x07と" + "長" * 40_000,
                                  location=dataclasses.replace(requirement.findings[0].location, file="名\udcff.csv"))
    replaced = dataclasses.replace(requirement, findings=(finding,))
    changed = dataclasses.replace(result, requirements=tuple(replaced if r is requirement else r for r in result.requirements))
    row = _table(_load(changed), "指摘一覧")[0]
    assert row["ファイル"] == "名<U+DCFF>.csv"
    assert row["メッセージ"].startswith("ベル<U+0007>と長") and len(row["メッセージ"]) == 32_767
    assert row["メッセージ"].endswith("（以下省略）")


def test_findings_beyond_the_sheet_limit_are_said_on_the_cover(results: dict[str, RunResult],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "_MAX_DATA_ROWS", 2)
    workbook = _load(results["capped"])
    assert len(_table(workbook, "指摘一覧")) == 2
    assert any("行数の上限" in note for note in _cover(workbook)["注記"])


def _my_numbers() -> set[str]:
    numbers = set()
    for path in (FIXTURES / "juki").rglob("住民.csv"):
        try:
            with path.open(encoding="utf-8", newline="") as stream:
                numbers |= {row["個人番号"] for row in csv.DictReader(stream) if row.get("個人番号")}
        except (UnicodeDecodeError, csv.Error, KeyError):
            continue  # the fixtures that break the encoding or the header on purpose
    return numbers


def test_no_my_number_in_any_member_of_the_workbook(results: dict[str, RunResult]) -> None:
    numbers = _my_numbers()
    assert len(numbers) >= 20
    unmasked = run(FIXTURES / "juki" / "invalid" / "juki-d-0007", options=RunOptions(show_values=True))
    assert unmasked.failed_ids() == ["JUKI-D-0007"]  # a broken 個人番号 the report must still not show
    for result in (*results.values(), unmasked):
        with zipfile.ZipFile(io.BytesIO(xlsx.render(result))) as bundle:
            text = "\n".join(bundle.read(name).decode("utf-8") for name in bundle.namelist())
        assert not [number for number in numbers if number in text]


def test_libreoffice_prints_it_to_pdf(results: dict[str, RunResult], tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    workbook = tmp_path / "conformance.xlsx"
    workbook.write_bytes(xlsx.render(results["capped"]))
    # A private profile: a second LibreOffice running on the machine would otherwise hold the lock.
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(workbook)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "conformance.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")
