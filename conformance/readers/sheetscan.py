"""One streaming pass over a sheet's XML before any reader builds it: its used range and its formulas.

A workbook reader builds a sheet as a dense grid from A1 to its last row and column holding a value,
so the range is measured first (issue 23: one cell at XFD1048576 asked for 17 billion cells). The
pass reads the decompressed XML in chunks cut at row ends, proves with one regular expression per chunk
that every cell is written `<c r="…` and takes each row's last cell, searched backwards from the row's
end (cells are in column order, as ECMA-376 writes them; should a hostile sheet break that order,
calamine's allocation aborts the process and the run's watchdog still removes its folder); the cells
holding a value are counted with bytes.count only when the range exceeds the limit. A sheet written in
another shape (a namespace prefix, cells without `r` first) is scanned by ElementTree instead, slower
and equally bounded in memory."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from conformance.readers.base import ReadIssue
from conformance.readers.inflate import open_member
from conformance.readers.sparse import position
from conformance.results import codes

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ROW, _CELL, _FORMULA = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}f"
_VALUE_TAGS = frozenset({f"{_MAIN}v", f"{_MAIN}is", _FORMULA})
# One finding per row is enough to say where; a sheet of formulas must not cost a finding per cell.
_CELLS_NAMED_PER_ROW = 5
_CHUNK = 1 << 22
# A cell that is not self-closing holds something (<v>, <is> or <f>); a self-closing one is only styled.
_REFERENCE = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"')
# Elements with a namespace prefix (`<x:c>`) escape the byte patterns (one search for both marks).
_PREFIXED = re.compile(rb":(?:c |row)")
# A cell element not written `<c r="…` (`<c>`, `<c t="s" r=…`, `<c\nr=…`): the byte patterns would not see
# it, so the sheet is scanned by ElementTree. `<col>`, `<cfRule>`… are not cells (a letter follows `<c`).
_CELL_IN_OTHER_SHAPE = re.compile(rb'<c(?=[\s>/])(?! r=")')
_SLASH = ord("/")
_COLUMNS: dict[bytes, int] = {}  # column letters met → number (at most 16,384 entries)


@dataclass
class SheetScan:
    """What one streaming pass over a sheet's XML saw: its used range and its formulas."""

    last_row: int = 0
    last_column: int = 0
    cells: int = 0  # counted unless scan_sheet's `limit` made the count needless
    part: str | None = None  # the sheet's part in the package (None: not found)
    formulas: dict[int, list[str]] = field(default_factory=dict)

    @property
    def area(self) -> int:
        """The cells of the grid a dense reader builds: A1 to the last row and column holding a value."""
        return self.last_row * self.last_column

    def formula_issues(self) -> list[ReadIssue]:
        """Cells holding formulas: an export must hold values, and a formula without a cached value
        reads as an empty cell, which would pass for an absent item."""
        issues = []
        for row, references in sorted(self.formulas.items()):
            named = "、".join(references[:_CELLS_NAMED_PER_ROW]) + ("…" if len(references) > _CELLS_NAMED_PER_ROW else "")
            message = f"数式のセルがあります（{named}）。数式ではなく値を出力してください。"
            issues.append(ReadIssue("syntax", codes.FORMULA_CELL, message, row or None))
        return issues


def column_letters(index: int) -> str:
    """The letters of a 0-based column index: 0 → A, 16383 → XFD."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _sheet_part(bundle: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(bundle.read("xl/workbook.xml"))
    relation = next((element.get(f"{_OFFICE_REL}id") for element in workbook.iter(f"{_MAIN}sheet") if element.get("name") == sheet), None)
    relations = ElementTree.fromstring(bundle.read("xl/_rels/workbook.xml.rels"))
    for element in relations.iter(f"{_RELATIONSHIPS}Relationship"):
        if element.get("Id") == relation:
            target = element.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


class _OtherShape(Exception):
    """The sheet is not written the way the byte patterns expect: scan it with ElementTree."""


def _last_cell(chunk: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(row, column) of the last cell holding something in chunk[start:end], one row; cells are in column
    order (ECMA-376), so only the row's last cells are looked at (searched backwards, nothing copied)."""
    while (found := chunk.rfind(b'<c r="', start, end)) >= 0:
        close = chunk.find(b">", found, end)
        if close > 0 and chunk[close - 1] != _SLASH:
            reference = _REFERENCE.match(chunk, found + 3)
            if reference is None:
                raise _OtherShape
            letters = reference.group(1)
            column = _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, _column_number(letters))
            return int(reference.group(2)), column
        end = found
    return None


def has_mark(data: bytes, mark: bytes, stop: int | None = None) -> bool:
    """Whether `mark` (two bytes, the second rare in a sheet's XML: `<f`, `<!`) occurs in data[:stop], found
    through its second byte: a one-byte search runs at memchr speed, while a two-byte search starting with
    `<` stops at every tag (0.3 s for each such search over a 340 MB sheet). A sheet where the second byte is
    common after all (text full of `f`) costs a few tries more, then the plain search."""
    stop = len(data) if stop is None else stop
    first, second = mark[0], mark[1:]
    at = data.find(second, 1, stop)
    for _ in range(64):
        if at < 0:
            return False
        if data[at - 1] == first:
            return True
        at = data.find(second, at + 1, stop)
    return at >= 0 and data.find(mark, at - 1, stop) >= 0


def _prefixed(chunk: bytes, stop: int) -> bool:
    """Whether chunk[:stop] holds an element with a namespace prefix; searched from its first colon, found at
    memchr speed (a sheet's data seldom holds one): 0.08 s of CPU less than the pattern alone on 340 MB."""
    colon = chunk.find(b":", 0, stop)
    return colon >= 0 and _PREFIXED.search(chunk, colon, stop) is not None


def _row_ends(chunk: bytes, stop: int, scan: SheetScan) -> None:
    """The range from each row's last cell in chunk[:stop]: rows found by their ends, each touched once."""
    last_row, last_column = scan.last_row, scan.last_column
    start = 0
    while start <= stop:
        end = chunk.find(b"</row>", start, stop)
        if end < 0:
            end = stop  # what follows the last row end (a chunk is cut after one)
        last = _last_cell(chunk, start, end)
        if last is not None:
            last_row, last_column = max(last_row, last[0]), max(last_column, last[1])
        start = end + len(b"</row>")
    scan.last_row, scan.last_column = last_row, last_column


def _fast_scan(stream: IO[bytes], scan: SheetScan, count: bool = True, sink: Callable[[bytes], None] | None = None) -> None:
    """Row by row at C speed: the range by each row's last cell, the cells counted by their values (`<v>`,
    `<is>`) when `count`; Python only touches each row, not each cell. Each chunk is searched up to its
    cut after a row end, not copied. `sink` is given the XML as it is read, in pieces cut after a row end
    (the last piece: the rest), so that one pass both bounds a sheet and cuts it in parts (sheetsplit)."""
    carry = b""
    first = True
    while True:
        data = stream.read(_CHUNK)
        chunk = carry + data if carry else data
        if first:
            first = False
            if b"<worksheet" not in chunk[:4096]:
                raise _OtherShape
        cut = chunk.rfind(b"</row>") + len(b"</row>") if data else len(chunk)
        if cut < len(b"</row>"):
            carry = chunk
            continue
        carry = chunk[cut:]
        # Every cell a `<c r="` (the byte patterns see no other), no element with a namespace prefix.
        if _CELL_IN_OTHER_SHAPE.search(chunk, 0, cut) or _prefixed(chunk, cut):
            raise _OtherShape
        _row_ends(chunk, cut, scan)
        if sink is not None:
            sink(chunk[:cut] if cut < len(chunk) else chunk)
        if count:
            scan.cells += chunk.count(b"<v>", 0, cut) + chunk.count(b"<is>", 0, cut)
        if has_mark(chunk, b"<f", cut):
            for piece in chunk[:cut].split(b"<c ")[1:]:
                body = piece.split(b"</c>", 1)[0]
                reference = _REFERENCE.match(body)
                if reference and (b"<f>" in body or b"<f " in body or b"<f/" in body):
                    if count:
                        scan.cells += b"<v>" not in body  # a formula without a cached value holds a cell too
                    row_number = int(reference.group(2))
                    scan.formulas.setdefault(row_number, []).append((reference.group(1) + reference.group(2)).decode())
        if not data:
            return


def _tree_scan(stream: IO[bytes], scan: SheetScan) -> None:
    row = column = 0
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _ROW:
                number = element.get("r") or ""
                row, column = (int(number) if number.isdigit() else row + 1), 0
            elif tag == _CELL:
                row, column = position(element.get("r") or "") or (row, column + 1)
        elif tag == _FORMULA:
            scan.formulas.setdefault(row, []).append(f"{column_letters(column - 1)}{row}")
        elif tag == _CELL:
            if any(child.tag in _VALUE_TAGS for child in element):
                scan.cells += 1
                scan.last_row = max(scan.last_row, row)
                scan.last_column = max(scan.last_column, column)
            element.clear()
        elif tag == _ROW:
            element.clear()  # keeps memory flat on a large sheet


# Given the package, the sheet's member and the scan's running range before the pass: a sink for the sheet's XML, or None.
SinkFactory = Callable[[zipfile.ZipFile, zipfile.ZipInfo, SheetScan], Callable[[bytes], None] | None]


def scan_sheet(path: Path, sheet: str, limit: int | None = None, sink: SinkFactory | None = None) -> SheetScan:
    """The sheet's used range, its cells holding a value or a formula (a styled empty cell is no part of
    the grid a reader builds) and its formulas, in one streaming pass; memory stays flat.

    With `limit`, the cells are counted only when the used range exceeds it (a second pass, then): a
    sheet within the limit is built whole, and its count would cost two byte passes for nothing. `sink`:
    what is handed the XML during the first pass (a sheet not written in the byte patterns' shape is
    scanned again by ElementTree, and the sink has then seen part of it only: sheetsplit notices)."""
    scan = SheetScan()
    try:
        with zipfile.ZipFile(path) as bundle:
            part = scan.part = _sheet_part(bundle, sheet)
            if part is None:
                return scan
            try:
                with open_member(bundle, path, bundle.getinfo(part)) as stream:
                    _fast_scan(stream, scan, count=limit is None, sink=sink(bundle, bundle.getinfo(part), scan) if sink else None)
                if limit is not None and scan.area > limit:
                    scan = SheetScan(part=part)
                    with bundle.open(part) as stream:
                        _fast_scan(stream, scan)
            except _OtherShape:
                scan = SheetScan(part=part)
                with bundle.open(part) as stream:
                    _tree_scan(stream, scan)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        pass  # calamine opened the workbook; the scan is a second opinion, not a gate
    return scan
