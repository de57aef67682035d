"""XLSX (and XLS/ODS) through python-calamine: one sheet is one table, the first row its header."""

from __future__ import annotations

import datetime
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import python_calamine

from conformance.readers.base import (
    InputLimits,
    ParsedTable,
    RawRecord,
    ReaderError,
    ReadIssue,
    header_positions,
    row_values,
)
from conformance.readers.delimited import header_issues
from conformance.results import codes

DEFAULT_MAX_SHEETS = InputLimits().max_sheets
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# One finding per row is enough to say where; a sheet of formulas must not cost a finding per cell.
_CELLS_NAMED_PER_ROW = 5


def _open(path: Path, max_sheets: int = DEFAULT_MAX_SHEETS) -> python_calamine.CalamineWorkbook:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        message = "パスワードで保護されたブックは読めません。保護を外して出力してください。"
    except Exception as error:  # calamine raises several unrelated types for a broken file
        message = f"Excelファイルとして読めません（{type(error).__name__}: {error}）。"
    else:
        if len(workbook.sheet_names) <= max_sheets:
            return workbook
        message = f"シートが{len(workbook.sheet_names)}枚あり、上限（{max_sheets}枚）を超えるため読みません。表ごとに1シートで出力してください。"
        raise ReaderError(ReadIssue("syntax", codes.TOO_MANY_SHEETS, message))
    if _is_encrypted_package(path):
        message = "パスワードで保護（暗号化）されたブックは読めません。保護を外して出力してください。"
        raise ReaderError(ReadIssue("syntax", codes.ENCRYPTED_WORKBOOK, message))
    raise ReaderError(ReadIssue("syntax", codes.UNREADABLE_WORKBOOK, message))


def _is_encrypted_package(path: Path) -> bool:
    """An encrypted XLSX is an OLE compound file (not a ZIP) holding an EncryptedPackage stream."""
    try:
        with path.open("rb") as stream:
            head = stream.read(1 << 16)
    except OSError:
        return False
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and "EncryptedPackage".encode("utf-16-le") in head


def sheet_names(path: Path, max_sheets: int = DEFAULT_MAX_SHEETS) -> list[str]:
    """The names of the workbook's sheets (ReaderError when it cannot be opened)."""
    return list(_open(path, max_sheets).sheet_names)


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: dates as YYYY-MM-DD, whole numbers without `.0`."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _check_package(path: Path, limits: InputLimits) -> None:
    """An XLSX is a ZIP: refuse a decompression bomb before calamine expands it into memory."""
    try:
        with zipfile.ZipFile(path) as bundle:
            members = bundle.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a ZIP (an encrypted or broken workbook): _open says what it is
    total = sum(member.file_size for member in members)
    bomb = next((m for m in members if m.file_size > limits.zip_ratio_floor
                 and m.file_size > limits.zip_max_ratio * max(m.compress_size, 1)), None)
    if total > limits.zip_max_total_bytes or bomb is not None:
        what = f"「{bomb.filename}」の圧縮率が上限（{limits.zip_max_ratio:g}倍）を超えます" if bomb else \
            f"展開後のサイズが上限を超えます（{total:,} > {limits.zip_max_total_bytes:,} バイト）"
        raise ReaderError(ReadIssue("syntax", codes.WORKBOOK_TOO_LARGE, f"ブックの{what}（圧縮爆弾の疑い）。読みません。"))


def read_sheet(path: Path, sheet: str, limits: InputLimits | None = None) -> ParsedTable:
    """Open one sheet as a table; line numbers are the sheet's row numbers."""
    limits = limits or InputLimits()
    try:
        _check_package(path, limits)
        workbook = _open(path, limits.max_sheets)
        worksheet = workbook.get_sheet_by_name(sheet)
        rows = worksheet.to_python(skip_empty_area=False)
        merged = list(worksheet.merged_cell_ranges or ())
    except ReaderError as error:
        return ParsedTable.unreadable(error.issue)
    except Exception as error:  # a sheet can be broken inside a readable workbook
        issue = ReadIssue("syntax", codes.UNREADABLE_SHEET, f"シート「{sheet}」を読めません（{type(error).__name__}）。")
        return ParsedTable.unreadable(issue)
    while rows and all(cell == "" for cell in rows[-1]):
        rows.pop()
    if not rows:
        return ParsedTable.unreadable(ReadIssue("header", codes.NO_HEADER, f"シート「{sheet}」が空です。", line=1))
    header = [cell_text(cell) for cell in rows[0]]
    while header and header[-1] == "":
        header.pop()
    parsed = ParsedTable(header=header, records=iter(()), encoding=None)
    parsed.issues.extend(header_issues(header, 1))
    parsed.issues.extend(_merged_issues(merged))
    parsed.issues.extend(_formula_issues(path, sheet))
    parsed.records = _records(parsed, rows[1:])
    return parsed


def _records(parsed: ParsedTable, rows: list[list[Any]]) -> Iterator[RawRecord]:
    width = len(parsed.header)
    positions = header_positions(parsed.header)
    for record, row in enumerate(rows, start=1):
        line = record + 1
        cells = [cell_text(cell) for cell in row]
        if all(cell == "" for cell in cells):
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.FIELD_COUNT, "空行です（このレコードは検査していません）。", line))
            continue
        if any(cell != "" for cell in cells[width:]):
            parsed.rejected += 1
            parsed.issues.append(
                ReadIssue("syntax", codes.FIELD_COUNT, f"ヘッダーのない列（{width + 1}列目以降）に値があります（このレコードは検査していません）。", line)
            )
            continue
        yield RawRecord(
            record=record,
            line=line,
            values=row_values(positions, cells),
        )


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _merged_issues(merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[ReadIssue]:
    """A merged range holds its value in its first cell only: the other cells would read as empty."""
    issues = []
    for (top, left), (bottom, right) in merged:
        where = f"{_column_letters(left)}{top + 1}:{_column_letters(right)}{bottom + 1}"
        issues.append(ReadIssue("syntax", codes.MERGED_CELLS, f"セルが結合されています（{where}）。結合を解除し、各セルに値を出力してください。", top + 1))
    return issues


def _sheet_part(bundle: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(bundle.read("xl/workbook.xml"))
    relation = next((element.get(f"{_OFFICE_REL}id") for element in workbook.iter(f"{_MAIN}sheet") if element.get("name") == sheet), None)
    relations = ElementTree.fromstring(bundle.read("xl/_rels/workbook.xml.rels"))
    for element in relations.iter(f"{_RELATIONSHIPS}Relationship"):
        if element.get("Id") == relation:
            target = element.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _formula_issues(path: Path, sheet: str) -> list[ReadIssue]:
    """Cells holding formulas: an export must hold values, and a formula without a cached value
    reads as an empty cell, which would pass for an absent item."""
    rows: dict[int, list[str]] = {}
    try:
        with zipfile.ZipFile(path) as bundle:
            part = _sheet_part(bundle, sheet)
            if part is None:
                return []
            with bundle.open(part) as stream:
                reference = ""
                for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                    if event == "start" and element.tag == f"{_MAIN}c":
                        reference = element.get("r") or ""
                    elif event == "end" and element.tag == f"{_MAIN}f":
                        row = int("".join(char for char in reference if char.isdigit()) or 0)
                        rows.setdefault(row, []).append(reference)
                    elif event == "end" and element.tag == f"{_MAIN}row":
                        element.clear()  # keeps memory flat on a large sheet
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        pass  # calamine read the sheet; the formula scan is a second opinion, not a gate
    issues = []
    for row, references in sorted(rows.items()):
        named = "、".join(references[:_CELLS_NAMED_PER_ROW]) + ("…" if len(references) > _CELLS_NAMED_PER_ROW else "")
        message = f"数式のセルがあります（{named}）。数式ではなく値を出力してください。"
        issues.append(ReadIssue("syntax", codes.FORMULA_CELL, message, row or None))
    return issues
