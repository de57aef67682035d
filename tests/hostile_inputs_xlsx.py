"""Hostile workbooks of issue 23 (round two): a sparse sheet, a 個人番号 in a library's error message,
identifiers stored as numbers. Registered in tests/hostile_inputs.py (BUILDERS), built the same way:
each derives from the conforming juki export written by `hostile_inputs._workbook`, then one part of
the package is rewritten, so every input stays byte-identical from run to run."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

_SHEET = "xl/worksheets/sheet1.xml"
# A fictional 12-digit number with a valid 個人番号 check digit (31415926535 and its check digit 2):
# what a leak would look like, masked by value wherever it appears.
MY_NUMBER = "314159265352"


def _through_file(write: Callable[[Path], None]) -> bytes:
    """The bytes a writer of files (openpyxl, `hostile_inputs._zip`) produces."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="hostile-")
    os.close(handle)
    try:
        write(Path(name))
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


def _juki_workbook(rows_as: Callable[[list[str], list[list[str]]], list[list[object]]] | None = None) -> bytes:
    """The conforming 住民 export as a workbook (all text cells, or the cells `rows_as` makes)."""
    from tests import hostile_inputs as base

    header, rows = base.juki_rows()
    cells = rows_as(header, rows) if rows_as else [list(row) for row in rows]
    return _through_file(lambda path: base._workbook(path, list(header), cells))


def _rewrite(package: bytes, part: str, change: Callable[[bytes], bytes], added: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """The package with one part changed and parts added (members in order, fixed timestamps)."""
    from tests import hostile_inputs as base

    with zipfile.ZipFile(io.BytesIO(package)) as bundle:
        members: list[tuple[zipfile.ZipInfo | str, bytes]] = [
            (info.filename, change(bundle.read(info)) if info.filename == part else bundle.read(info)) for info in bundle.infolist()]
    members += list(added)
    return _through_file(lambda path: base._zip(path, members))


def _stray_cell(reference: str) -> Callable[[bytes], bytes]:
    """One extra text cell far outside the table (a stray keystroke), the sheet's dimension widened to it."""
    row = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def change(xml: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        xml = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="A1:{reference}"'.encode(), xml, count=1)
        return xml.replace(b"</sheetData>", cell + b"</sheetData>", 1)

    return change


def _sparse(reference: str) -> bytes:
    return _rewrite(_juki_workbook(), _SHEET, _stray_cell(reference))


def xlsx_sparse_xfd1048576(folder: Path) -> None:
    """The 住民 workbook (about 26 KB) with one cell at XFD1048576, the last cell a sheet can have: a dense
    grid of 17 billion cells (calamine aborted the process with a Rust allocation failure)."""
    (folder / "住民.xlsx").write_bytes(_sparse("XFD1048576"))


def xlsx_sparse_xfd5000(folder: Path) -> None:
    """One cell at XFD5000: 82 million cells, 85 s and 3.3 GB before the limit."""
    (folder / "住民.xlsx").write_bytes(_sparse("XFD5000"))


def zip_sparse_xfd1048576(folder: Path) -> None:
    """The sparse workbook inside a ZIP with the conforming 世帯 and 異動履歴: the extracted export (with
    個人番号) must not outlive the run, however the run ends."""
    from tests import hostile_inputs as base

    base._zip(folder / "export.zip", [("住民.xlsx", _sparse("XFD1048576")), *base._companions()])


def xlsx_entity_my_number(folder: Path) -> None:
    """A shared string holding the undefined XML entity `&314159265352;`: calamine's XmlError quotes it,
    and the number has a valid 個人番号 check digit. It must appear in no output. (openpyxl writes inline
    strings: the sharedStrings part is added, with its content type and relationship.)"""
    from tests import hostile_inputs as base

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = f'<sst xmlns="{main}" count="1" uniqueCount="1"><si><t>&{MY_NUMBER};</t></si></sst>'.encode()

    def relate(xml: bytes) -> bytes:
        relation = (f'<Relationship Id="rIdStrings" Type="{base._RELATIONSHIP}/sharedStrings" '
                    'Target="sharedStrings.xml"/>').encode()
        return xml.replace(b"</Relationships>", relation + b"</Relationships>", 1)

    def declare(xml: bytes) -> bytes:
        override = (b'<Override PartName="/xl/sharedStrings.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        return xml.replace(b"</Types>", override + b"</Types>", 1)

    package = _rewrite(_juki_workbook(), "[Content_Types].xml", declare)
    package = _rewrite(package, "xl/_rels/workbook.xml.rels", relate, (("xl/sharedStrings.xml", strings),))
    (folder / "住民.xlsx").write_bytes(package)


def xlsx_numeric_identifiers(folder: Path) -> None:
    """宛名番号 and 世帯番号 stored as numbers (a General column: 0000010014 became 10014). The digits still
    match the pattern, so only the cell type tells that the leading zeros are gone."""

    def as_numbers(header: list[str], rows: list[list[str]]) -> list[list[object]]:
        columns = {header.index("宛名番号"), header.index("世帯番号")}
        return [[int(value) if index in columns and value.isdigit() else value for index, value in enumerate(row)]
                for row in rows]

    (folder / "住民.xlsx").write_bytes(_juki_workbook(as_numbers))


BUILDERS: dict[str, Callable[[Path], None]] = {
    function.__name__.replace("_", "-"): function
    for function in (xlsx_sparse_xfd1048576, xlsx_sparse_xfd5000, zip_sparse_xfd1048576, xlsx_entity_my_number,
                     xlsx_numeric_identifiers)
}
"""The cases this module adds to tests/hostile_inputs.BUILDERS."""
