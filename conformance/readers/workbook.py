"""XLSX (and XLS/ODS) through python-calamine: one sheet is one table, the first row its header."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import threading
import weakref
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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
from conformance.readers.sheetscan import SheetScan, column_letters, scan_sheet
from conformance.readers.sheetsplit import Splitter, StagedCells, new_folder, parse_parts, remove
from conformance.readers.sparse import dense_rows, position, sparse_rows
from conformance.results import codes
from conformance.results.masking import library_message

DEFAULT_MAX_SHEETS = InputLimits().max_sheets
EMPTY_ROW = "空行です（このレコードは検査していません）。"
# A sheet whose XML is this large or more is parsed in parts by child processes (sheetsplit): about 40,000
# records of a hundred-odd text items. Below it a child's start (about 0.3 s of CPU) outweighs the gain.
SPLIT_BYTES = 128 << 20


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _open(path: Path, max_sheets: int = DEFAULT_MAX_SHEETS) -> python_calamine.CalamineWorkbook:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        message = "パスワードで保護されたブックは読めません。保護を外して出力してください。"
    except Exception as error:  # calamine raises several unrelated types for a broken file
        message = f"Excelファイルとして読めません（{library_message(error)}）。"
    else:
        if len(workbook.sheet_names) <= max_sheets:
            return workbook
        message = f"シートが{len(workbook.sheet_names)}枚あり、上限（{max_sheets}枚）を超えるため読みません。表ごとに1シートで出力してください。"
        raise ReaderError(ReadIssue("syntax", codes.TOO_MANY_SHEETS, message))
    if _is_encrypted_package(path):
        message = "パスワードで保護（暗号化）されたブックは読めません。保護を外して出力してください。"
        raise ReaderError(ReadIssue("syntax", codes.ENCRYPTED_WORKBOOK, message))
    raise ReaderError(ReadIssue("syntax", codes.UNREADABLE_WORKBOOK, message))


class Workbooks:
    """The workbooks of one run, each checked against the package limits and opened once.

    Discovery lists the sheets and the reader reads them through the same opened workbook: a workbook
    is parsed (shared strings, styles) once per run, however many specs and tables look at it.
    `opened` counts the workbooks really opened (a test holds it to one per file)."""

    def __init__(self, limits: InputLimits | None = None, folder: Path | None = None, split_bytes: int = SPLIT_BYTES,
                 parts: int | None = None) -> None:
        self.limits = limits or InputLimits()
        # A sheet of `split_bytes` of XML or more is parsed in `parts` (default: one more than the usable cores,
        # at most 4; none on one core) by child processes, its parts and their staging files kept in a folder made
        # in `folder` (the run's private folder; default the system's temp folder), removed by `close`. One more
        # than the cores: the last part is parsed only once the scan has ended, the others during it, so a
        # smaller last part shortens the run's critical path (2 cores, the 100,000-record bench sheet: the
        # children done at 5.38-5.60 s instead of 5.64-6.08 s, the run 7.6-7.9 s instead of 8.3-8.7 s).
        cores = usable_cores()
        self.split_bytes, self.parts = split_bytes, (min(cores + 1, 4) if cores > 1 else 1) if parts is None else parts
        self._parent: Path | None = folder
        self._folder: Path | None = None
        self._removal: weakref.finalize[Any, Any] | None = None
        self.opened = 0
        self._books: dict[Path, python_calamine.CalamineWorkbook | ReaderError] = {}
        self._lock = threading.Lock()
        self._sheet_locks: dict[Path, threading.Lock] = {}

    def sheet_lock(self, path: Path) -> threading.Lock:
        """Held while one sheet of the workbook is built: a calamine workbook reads one sheet at a time
        (the run reads tables ahead in two threads, and two sheets may share a workbook)."""
        with self._lock:
            return self._sheet_locks.setdefault(path, threading.Lock())

    def workbook(self, path: Path) -> python_calamine.CalamineWorkbook:
        """The opened workbook (ReaderError, the same each time, when it cannot be)."""
        with self._lock:
            if path not in self._books:
                try:
                    _check_package(path, self.limits)
                    self.opened += 1
                    self._books[path] = _open(path, self.limits.max_sheets)
                except ReaderError as error:
                    self._books[path] = error
            found = self._books[path]
        if isinstance(found, ReaderError):
            raise ReaderError(found.issue)
        return found

    def sheet_names(self, path: Path) -> list[str]:
        """The names of the workbook's sheets (ReaderError when it cannot be opened)."""
        return list(self.workbook(path).sheet_names)

    def folder(self) -> Path:
        """The folder of the parts of sheets parsed in parts (made on first use). Removed by `close`, or once
        neither these workbooks nor a table read in parts is left (a library call that closes nothing)."""
        with self._lock:
            if self._folder is None:
                self._folder = new_folder(self._parent)
                self._removal = weakref.finalize(self, shutil.rmtree, self._folder, True)
            return self._folder

    def splitter(self, sheet: str, source: zipfile.ZipFile, member: zipfile.ZipInfo, scan: SheetScan) -> Splitter | None:
        """The used-range scan's sink for a sheet parsed in parts, or None (the sheet is read whole)."""
        if self.parts < 2 or member.file_size < self.split_bytes:
            return None
        try:
            return Splitter(source, member, new_folder(self.folder()), self.parts, sheet, scan, self.limits.max_sheet_cells)
        except Exception:  # a member unreadable, no room for the parts: read whole, scanned as before
            return None

    def close(self) -> None:
        """Let every workbook go; remove the parts' folder."""
        if self._removal is not None:
            self._removal()
            self._folder = self._removal = None
        with self._lock:
            for book in self._books.values():
                if not isinstance(book, ReaderError):
                    book.close()
            self._books.clear()


def _is_encrypted_package(path: Path) -> bool:
    """An encrypted XLSX is an OLE compound file (not a ZIP) holding an EncryptedPackage stream."""
    try:
        with path.open("rb") as stream:
            head = stream.read(1 << 16)
    except OSError:
        return False
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and "EncryptedPackage".encode("utf-16-le") in head


def sheet_names(path: Path, max_sheets: int = DEFAULT_MAX_SHEETS) -> list[str]:
    """The names of the workbook's sheets, opening it for this question only (ReaderError when it cannot be)."""
    return Workbooks(InputLimits(max_sheets=max_sheets)).sheet_names(path)


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


def read_sheet(path: Path, sheet: str, limits: InputLimits | None = None, workbooks: Workbooks | None = None) -> ParsedTable:
    """Open one sheet as a table; line numbers are the sheet's row numbers.

    The sheet's XML is scanned first (streaming: its used range, its formulas). A sheet whose used range
    exceeds `max_sheet_cells` is not handed to calamine, which would build it densely: it is read cell by
    cell (readers/sparse.py) when its cells holding a value are within the limit, else refused."""
    limits = limits or InputLimits()
    workbooks = workbooks or Workbooks(limits)
    try:
        workbook = workbooks.workbook(path)
        splitters: list[Splitter] = []
        try:
            scan = scan_sheet(path, sheet, limits.max_sheet_cells, lambda *member: _keep(splitters, workbooks.splitter(sheet, *member)))
            in_parts = _read_in_parts(sheet, scan, splitters[0], workbooks) if splitters else None
        finally:
            for splitter in splitters:
                splitter.stop()
        if in_parts is not None:
            return in_parts
        if scan.area > limits.max_sheet_cells:
            if scan.cells > limits.max_sheet_cells or scan.part is None:
                return ParsedTable.unreadable(_too_large_issue(sheet, scan, limits))
            cells, references = sparse_rows(path, scan.part)
            rows = [[cells.get(1, {}).get(column, "") for column in range(1, max(cells.get(1, {}), default=0) + 1)]]
            numbered = dense_rows(cells, 2, max(1, len(rows[0])))
            merged = [_merged_range(reference) for reference in references if _merged_range(reference)]
        else:
            with workbooks.sheet_lock(path):
                worksheet = workbook.get_sheet_by_name(sheet)
                rows = worksheet.to_python(skip_empty_area=False)
                merged = list(worksheet.merged_cell_ranges or ())
            while rows and all(cell == "" for cell in rows[-1]):
                rows.pop()
            numbered = enumerate(rows[1:], start=2)
    except ReaderError as error:
        return ParsedTable.unreadable(error.issue)
    except Exception as error:  # a sheet can be broken inside a readable workbook
        issue = ReadIssue("syntax", codes.UNREADABLE_SHEET, f"シート「{sheet}」を読めません（{library_message(error)}）。")
        return ParsedTable.unreadable(issue)
    if not rows:
        return ParsedTable.unreadable(ReadIssue("header", codes.NO_HEADER, f"シート「{sheet}」が空です。", line=1))
    parsed = _sheet_table(_header_row(rows[0]), merged, scan)
    # One pass over the rows, taken either way: as records, or as cells by the database's staging.
    parsed.cells = rows_as_text(parsed, numbered)
    parsed.records = _records(parsed.header, parsed.cells)
    return parsed


def _header_row(cells: list[Any]) -> list[str]:
    """The sheet's first row as its header: each cell as text, the empty cells at its end dropped."""
    header = [cell_text(cell) for cell in cells]
    while header and header[-1] == "":
        header.pop()
    return header


def _sheet_table(header: list[str], merged: Iterable[Any], scan: SheetScan) -> ParsedTable:
    """The table of a sheet before its rows: its header and the issues of its header, merged ranges and formulas."""
    parsed = ParsedTable(header=header, records=iter(()), encoding=None)
    parsed.issues.extend(header_issues(header, 1))
    parsed.issues.extend(_merged_issues([m for m in merged if m is not None]))
    parsed.issues.extend(scan.formula_issues())
    return parsed


def _keep(kept: list[Splitter], splitter: Splitter | None) -> Splitter | None:
    if splitter is not None:
        kept.append(splitter)
    return splitter


def _read_in_parts(sheet: str, scan: SheetScan, splitter: Splitter, workbooks: Workbooks) -> ParsedTable | None:
    """The sheet read from its parts by child processes (sheetsplit), or None: the one-process path reads it.

    The header (row 1) is read here from a workbook of it alone, the rows by the children; their issues are
    joined in line order, empty rows after the last row holding a value dropped as the whole sheet's are
    (calamine's grid ends there), the numeric cells counted per column over every part."""
    try:
        if scan.area > workbooks.limits.max_sheet_cells or not splitter.finish():
            splitter.discard()
            return None
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(splitter.header_book)) as book:
            worksheet = book.get_sheet_by_name(sheet)
            rows = worksheet.to_python(skip_empty_area=False)
            merged = list(worksheet.merged_cell_ranges or ())
        header = _header_row(rows[0]) if len(rows) == 1 else []
        answers = parse_parts(splitter, len(header), Path(f"{splitter.folder}-rows")) if header else "fallback"
    except Exception:  # calamine refused a part: the one-process path says what it says
        return None
    finally:
        remove(splitter.folder)
    if answers == "fallback":
        return None
    if isinstance(answers, str):
        return ParsedTable.unreadable(ReadIssue("syntax", codes.UNREADABLE_SHEET, f"シート「{sheet}」を読めません（{answers}）。"))
    parsed = _sheet_table(header, merged, scan)
    last = max(answer["last"] for answer in answers)
    numeric: dict[int, list[int]] = {}
    for answer in answers:
        for aspect, code, message, line in answer["issues"]:
            if message == EMPTY_ROW and line > last:
                parsed.rejected -= 1  # a trailing empty row: not in calamine's grid of the whole sheet
            else:
                parsed.issues.append(ReadIssue(aspect, code, message, line))
        parsed.rejected += answer["rejected"]
        for column, (first, count) in answer["numeric"].items():
            numeric.setdefault(int(column), [first, 0])[1] += count
    parsed.issues.extend(numeric_issues(header, numeric))
    files = tuple(Path(answer["staging"]) for answer in answers)
    parsed.cells = StagedCells(files, sum(answer["records"] for answer in answers), len(header), workbooks)
    parsed.records = _records(parsed.header, parsed.cells)
    return parsed


def _merged_range(reference: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """`A1:B2` as calamine gives merged ranges: ((top, left), (bottom, right)), 0-based."""
    first, _, last = reference.partition(":")
    start, end = position(first), position(last or first)
    if start is None or end is None:
        return None
    return (start[0] - 1, start[1] - 1), (end[0] - 1, end[1] - 1)


def _too_large_issue(sheet: str, scan: SheetScan, limits: InputLimits) -> ReadIssue:
    where = f"A1:{column_letters(scan.last_column - 1)}{scan.last_row}"
    message = (f"シート「{sheet}」の使用範囲 {where}（{scan.last_row:,}行 × {scan.last_column:,}列 = {scan.area:,}セル、"
               f"値のあるセル {scan.cells:,}個）が上限（{limits.max_sheet_cells:,}セル）を超えるため読みません。"
               "表の外に残った値を削除して出力してください（上限は --max-sheet-cells で変更できます）。")
    return ReadIssue("syntax", codes.SHEET_TOO_LARGE, message, scan.last_row)


def rows_as_text(parsed: ParsedTable, rows: Iterable[tuple[int, list[Any]]], expected: int = 2,
                 numeric: dict[int, list[int]] | None = None) -> Iterator[tuple[int, int, list[str]]]:
    """The records of (line, cells) rows as (record, line, cells as text, one per header column);
    a line skipped between two rows (a sparse sheet's run of empty rows) is one issue for the whole run,
    each of its rows counted as rejected. Python touches each row, not each cell, when a row holds text
    only (an export of text cells): 6 million cells of a 100,000-record sheet cost seconds otherwise.
    `expected`: the first line; `numeric`: where a part of a sheet (sheetsplit) counts its numeric cells,
    whose issues its caller makes once for the whole sheet (else they are made here, at the end)."""
    width = len(parsed.header)
    own = numeric is None
    numeric = {} if numeric is None else numeric  # column -> [first line, cells]: a number where text may be meant
    for line, row in rows:
        if line > expected + 1:
            parsed.rejected += line - expected
            message = f"空行が{line - expected:,}行続きます（{expected}〜{line - 1}行目。これらの行は検査していません）。"
            parsed.issues.append(ReadIssue("syntax", codes.FIELD_COUNT, message, expected))
        elif line == expected + 1:
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.FIELD_COUNT, EMPTY_ROW, expected))
        expected = line + 1
        # One join both proves a row all text (it refuses anything else) and tells an empty one (a row of
        # empty strings): a third of the cost of a set of the cells' types and any() on a 115-cell row.
        try:
            text, filled = True, bool("".join(row))
        except TypeError:
            text = False
        cells: list[str] = row if text else [cell if type(cell) is str else cell_text(cell) for cell in row]
        if not (filled if text else any(cells)):
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.FIELD_COUNT, EMPTY_ROW, line))
            continue
        if any(cells[width:]):
            parsed.rejected += 1
            parsed.issues.append(
                ReadIssue("syntax", codes.FIELD_COUNT, f"ヘッダーのない列（{width + 1}列目以降）に値があります（このレコードは検査していません）。", line)
            )
            continue
        if not text:
            for column, cell in enumerate(row[:width]):
                if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                    numeric.setdefault(column, [line, 0])[1] += 1
        if len(cells) != width:  # cells past the header are empty (checked above)
            cells = cells[:width] if len(cells) > width else cells + [""] * (width - len(cells))
        yield line - 1, line, cells
    if own:
        parsed.issues.extend(numeric_issues(parsed.header, numeric))


def numeric_issues(header: list[str], numeric: dict[int, list[int]]) -> list[ReadIssue]:
    """The numeric-cell issues of a sheet, one per column, in column order."""
    return [_numeric_issue(header[column], first, count) for column, (first, count) in sorted(numeric.items())]


def _records(header: list[str], rows: Iterator[tuple[int, int, list[str]]]) -> Iterator[RawRecord]:
    """The rows as records: the non-empty values by column name."""
    positions = header_positions(header)
    for record, line, cells in rows:
        yield RawRecord(record=record, line=line, values=row_values(positions, cells))


def _numeric_issue(name: str, first: int, count: int) -> ReadIssue:
    """A column with numeric cells: the engine keeps it as a finding only for an item its schema types as
    a code or identifier (a string of digits), where a number has lost its leading zeros."""
    message = (f"「{name}」が数値のセルで保存されています（{count:,}件、最初は{first}行目）。先頭の0が失われるため、"
               "列の書式を文字列にして、値を文字として出力してください。")
    return ReadIssue("value", codes.NUMERIC_CELL, message, first, name)


def _merged_issues(merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[ReadIssue]:
    """A merged range holds its value in its first cell only: the other cells would read as empty."""
    issues = []
    for (top, left), (bottom, right) in merged:
        where = f"{column_letters(left)}{top + 1}:{column_letters(right)}{bottom + 1}"
        issues.append(ReadIssue("syntax", codes.MERGED_CELLS, f"セルが結合されています（{where}）。結合を解除し、各セルに値を出力してください。", top + 1))
    return issues
