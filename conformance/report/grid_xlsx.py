"""The grid as a workbook: the grid sheet (runs × requirements, totals, autofilter on the labels) and the
heat map by operation. The same grid gives the same bytes (fixed document times and ZIP member times)."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped,unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

from conformance.report.grid import HEAT_COLOURS, STATUS_LABELS, Grid, heat_level
from conformance.report.labels import VERDICT_LABELS

SHEET_GRID, SHEET_HEAT = "グリッド", "業務別ヒートマップ"
_FILLS = {"pass": "C6EFCE", "pass-with-waivers": "C6EFCE", "fail": "FFC7CE", "waived": "FCE4D6", "incomplete": "FFEB9C",
          "not-tested": "FFEB9C", "error": "FFEB9C", "not-applicable": "E7E6E6"}
_BOLD = Font(bold=True)
_CENTRE = Alignment(horizontal="center", vertical="top")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t")


def _text(value: str) -> str:
    """A label as text a spreadsheet will not read as a formula; characters XML cannot carry dropped."""
    value = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", value)
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


class _Styles:
    """Each distinct style is built once; later cells copy its style array (openpyxl hashes a fill, a font
    and an alignment on every assignment: thousands of cells would cost seconds)."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[str | None, bool, bool], Any] = {}

    def put(self, ws: Any, row: int, column: int, value: object, fill: str | None = None, bold: bool = False,
            centre: bool = False) -> None:
        cell = ws.cell(row=row, column=column, value=_text(value) if isinstance(value, str) else value)
        key = (fill, bold, centre)
        if key == (None, False, False):
            return
        if key in self._arrays:
            cell._style = copy.copy(self._arrays[key])
            return
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        if bold:
            cell.font = _BOLD
        if centre:
            cell.alignment = _CENTRE
        self._arrays[key] = copy.copy(cell._style)


def _grid_sheet(ws: Any, grid: Grid) -> None:
    put = _Styles().put
    heads = ["実行", *grid.label_keys, "判定", "宣言した標準オプション"]
    first = len(heads) + 1
    for index, head in enumerate(heads, start=1):
        put(ws, 2, index, head, "D9E1F2", bold=True)
        put(ws, 1, index, None, "D9E1F2")
    for index, column in enumerate(grid.columns):
        put(ws, 1, first + index, column.operation, "D9E1F2", bold=True)
        put(ws, 2, first + index, column.id, "D9E1F2", bold=True, centre=True)
    for offset, run in enumerate(grid.runs):
        row = 3 + offset
        put(ws, row, 1, run.name, bold=True)
        for index, key in enumerate(grid.label_keys, start=2):
            put(ws, row, index, grid.label(run, key))
        put(ws, row, len(heads) - 1, STATUS_LABELS.get(run.status, run.status), _FILLS.get(run.status, "FFEB9C"))
        put(ws, row, len(heads), "・".join(grid.options[offset]) or "なし")
        for index, cell in enumerate(grid.cells[offset]):
            if cell.verdict is None:
                put(ws, row, first + index, "—", centre=True)
                continue
            text = VERDICT_LABELS.get(cell.verdict, cell.verdict) + (f" ({cell.findings})" if cell.findings else "")
            put(ws, row, first + index, text, _FILLS.get(cell.verdict, "FFFFFF"), centre=True)
    totals = 3 + len(grid.runs)
    put(ws, totals, 1, "不適合の実行数", "F4F6FA", bold=True)
    put(ws, totals + 1, 1, "エラー・未検査の実行数", "F4F6FA", bold=True)
    fails, errors, untested = grid.totals("fail"), grid.totals("error"), grid.totals("not-tested")
    for index in range(len(grid.columns)):
        put(ws, totals, first + index, fails[index], "F4F6FA", bold=True, centre=True)
        put(ws, totals + 1, first + index, errors[index] + untested[index], "F4F6FA", centre=True)
    ws.freeze_panes = ws.cell(row=3, column=2)
    last = get_column_letter(max(first - 1 + len(grid.columns), len(heads)))
    ws.auto_filter.ref = f"A2:{last}{2 + len(grid.runs)}"
    ws.column_dimensions["A"].width = max([12, *(min(40, len(run.name) + 2) for run in grid.runs)])
    for index in range(len(grid.columns)):
        ws.column_dimensions[get_column_letter(first + index)].width = 14


def _heat_sheet(ws: Any, grid: Grid) -> None:
    put = _Styles().put
    put(ws, 1, 1, "実行", "D9E1F2", bold=True)
    for index, operation in enumerate(grid.operations, start=2):
        put(ws, 1, index, operation, "D9E1F2", bold=True)
    for offset, run in enumerate(grid.runs):
        put(ws, 2 + offset, 1, run.name, bold=True)
        for index, heat in enumerate(grid.heat[offset], start=2):
            text = f"{heat.failed} / {heat.judged}" if heat else "—"
            put(ws, 2 + offset, index, text, HEAT_COLOURS[heat_level(heat)], centre=True)
    note = 3 + len(grid.runs)
    put(ws, note, 1, "セルは不適合の要件数 / 判定した要件数（対象外を除く）")
    ws.column_dimensions["A"].width = 24


def render(grid: Grid) -> bytes:
    """The workbook as .xlsx bytes, identical for identical grids."""
    workbook = Workbook()
    workbook.properties.title = "適合確認グリッド"
    workbook.properties.creator = "jichitai-conformance"
    sheet: Any = workbook.active
    sheet.title = SHEET_GRID
    _grid_sheet(sheet, grid)
    _heat_sheet(workbook.create_sheet(SHEET_HEAT), grid)
    output = io.BytesIO()
    workbook.save(output)
    return _deterministic(output.getvalue())


def _deterministic(data: bytes) -> bytes:
    """The same workbook with fixed member times and document times (openpyxl stamps both with now)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIME.sub(rb"\g<1>2000-01-01T00:00:00Z\g<3>", content)
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, content)
    return output.getvalue()
