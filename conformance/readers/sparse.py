"""A sheet read from its XML, cell by cell, without a dense grid (issue 23).

calamine builds a sheet as one grid from A1 to its last row and column holding a value: a stray cell at
XFD1048576 asks for 17 billion cells. When the used range exceeds `InputLimits.max_sheet_cells` but the
cells holding a value do not, the sheet is read here instead: only the cells that exist are kept, typed
as calamine types them (shared and inline strings, numbers, booleans, dates by their number format), and
runs of empty rows are reported once per run, not once per row."""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
# Built-in number formats that show a date or a time (ECMA-376 Part 1, 18.8.30, and the CJK ids).
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
# In a custom format, quoted text, escaped characters, [colour]/[$-411] sections and elapsed-time brackets
# are not date codes; what is left is a date format when it holds y, m, d, h or s.
_NOT_CODES = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_CODES = re.compile(r"[ymdhsYMDHSge]")
_EPOCH = datetime.datetime(1899, 12, 30)


def position(reference: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell reference such as `XFD1048576`."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        return None
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), number


def _text(element: ElementTree.Element) -> str:
    """The text of a string item (`<si>` or `<is>`): its `<t>` and its runs' `<t>`, not the phonetic runs."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    return "".join(parts)


def _shared_strings(bundle: zipfile.ZipFile) -> list[str]:
    try:
        stream = bundle.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings = []
    with stream:
        for _event, element in ElementTree.iterparse(stream):
            if element.tag == f"{_MAIN}si":
                strings.append(_text(element))
                element.clear()
    return strings


def _date_styles(bundle: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell formats (`s` of a cell) that show numbers as dates."""
    try:
        styles = ElementTree.fromstring(bundle.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {int(f.get("numFmtId") or -1): f.get("formatCode") or "" for f in styles.iter(f"{_MAIN}numFmt")}
    formats = styles.find(f"{_MAIN}cellXfs")
    dates = set()
    for index, xf in enumerate(formats if formats is not None else ()):
        number_format = int(xf.get("numFmtId") or 0)
        code = custom.get(number_format)
        if number_format in _BUILTIN_DATE_FORMATS if code is None else _DATE_CODES.search(_NOT_CODES.sub("", code)):
            dates.add(index)
    return dates


def _date(serial: float) -> datetime.datetime:
    # Excel's 1900 system counts a 29 February 1900 that never was: serials before it are one day off.
    return _EPOCH + datetime.timedelta(days=serial + (1 if serial < 60 else 0))


def _value(cell: ElementTree.Element, strings: list[str], dates: set[int]) -> Any:
    kind = cell.get("t") or "n"
    if kind == "inlineStr":
        inline = cell.find(f"{_MAIN}is")
        return _text(inline) if inline is not None else ""
    raw = cell.find(f"{_MAIN}v")
    text = raw.text if raw is not None and raw.text is not None else ""
    if text == "":
        return ""
    if kind == "s":
        index = int(text)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind == "b":
        return text == "1"
    if kind != "n":
        return text  # str (a formula's text), e (an error such as #N/A), d (an ISO date) as written
    number = float(text)
    if int(cell.get("s") or 0) in dates:
        return _date(number)
    return number


def sparse_rows(path: Any, part: str) -> tuple[dict[int, dict[int, Any]], list[str]]:
    """The sheet's cells holding a value, by row and column (1-based), and its merged ranges (`A1:B2`)."""
    rows: dict[int, dict[int, Any]] = {}
    merged: list[str] = []
    with zipfile.ZipFile(path) as bundle:
        strings, dates = _shared_strings(bundle), _date_styles(bundle)
        with bundle.open(part) as stream:
            row = column = 0
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                if event == "start":
                    if element.tag == f"{_MAIN}row":
                        number = element.get("r") or ""
                        row, column = (int(number) if number.isdigit() else row + 1), 0
                    elif element.tag == f"{_MAIN}c":
                        found = position(element.get("r") or "")
                        row, column = found if found else (row, column + 1)
                elif element.tag == f"{_MAIN}c":
                    value = _value(element, strings, dates)
                    if value != "":
                        rows.setdefault(row, {})[column] = value
                    element.clear()
                elif element.tag == f"{_MAIN}mergeCell":
                    merged.append(element.get("ref") or "")
                elif element.tag == f"{_MAIN}row":
                    element.clear()
    return rows, merged


def dense_rows(rows: dict[int, dict[int, Any]], first: int, width: int) -> Iterator[tuple[int, list[Any]]]:
    """Each present row from `first` on as (row number, its first `width` cells and, beyond them, a marker
    cell when the row holds a value past `width`); absent rows are not produced."""
    for number in sorted(number for number in rows if number >= first):
        cells = rows[number]
        row: list[Any] = [cells.get(column, "") for column in range(1, width + 1)]
        if any(column > width for column in cells):
            row.append(next(cells[column] for column in sorted(cells) if column > width))
        yield number, row
