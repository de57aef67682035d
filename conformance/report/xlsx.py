"""The Excel report (適合確認結果): a cover sheet, one row per requirement, one row per kept finding."""

from __future__ import annotations

import datetime
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped,unused-ignore]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

from conformance.report.labels import (
    BASIS_LABELS,
    CHECK_DIGITS_TITLE,
    VERDICT_LABELS,
    changed_warning,
    character_profile_label,
    check_digits_label,
    mapping_warnings,
    run_verdict_text,
    suite_label,
    waiver_counts,
)
from conformance.results import VERDICTS, Finding, RequirementResult, RunResult, TargetFile, name_invisible
from conformance.results.waivers import WAIVER_STATUS_LABELS

SHEET_COVER, SHEET_REQUIREMENTS, SHEET_FINDINGS, SHEET_WAIVERS = "表紙", "要件別結果", "指摘一覧", "免除"

_FILLS = {
    "pass": "C6EFCE",
    "pass-with-waivers": "EBF1C6",
    "waived": "EBF1C6",
    "fail": "FFC7CE",
    "incomplete": "FFEB9C",
    "not-tested": "FFEB9C",
    "error": "FFEB9C",
    "not-applicable": "E7E6E6",
}
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_WARNING_FILL = PatternFill("solid", fgColor="FFC7CE")
_BOLD = Font(bold=True)
_WARNING_FONT = Font(bold=True, color="9C0006")
_TOP = Alignment(vertical="top")
_LEFT = Alignment(horizontal="left", vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_LINE_HEIGHT = 16  # points per wrapped line: 11-point text with Japanese glyphs
_MAX_ROW_HEIGHT = 409  # Excel's limit

# Excel shows at most 32,767 characters of a cell and holds 1,048,576 rows; openpyxl would cut the text
# silently, and a longer sheet would not open, so both cuts are made here and said in the workbook.
_MAX_TEXT = 32_767
_MAX_DATA_ROWS = 1_048_575
# Characters XML 1.0 cannot carry (openpyxl refuses them; lone surrogates come from undecodable file names).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet (or a later CSV export of this sheet) may read text starting with these as a formula
# (CR too, but _writable has already made it LF).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t")


class _Column(NamedTuple):
    """A table column: long prose wraps within a capped width, codes stay on one line."""

    header: str
    max_width: int
    wrap: bool


_REQUIREMENT_COLUMNS = (
    _Column("要件ID", 16, False),
    _Column("業務", 12, False),
    _Column("要件", 50, True),
    _Column("水準", 16, False),
    _Column("根拠", 10, False),
    _Column("判定", 8, False),
    _Column("判定(英)", 16, False),
    _Column("指摘数", 10, False),
    _Column("検査レコード数", 14, False),
    _Column("理由", 40, True),
    _Column("対処方法", 60, True),
)
_FINDING_COLUMNS = (
    _Column("要件ID", 16, False),
    _Column("ファイル", 30, True),
    _Column("行", 8, False),
    _Column("レコード", 10, False),
    _Column("項目", 24, True),
    _Column("コード", 24, False),
    _Column("メッセージ", 60, True),
    _Column("値", 30, True),
)
_WAIVER_COLUMNS = (
    _Column("要件ID", 16, False),
    _Column("判定", 8, False),
    _Column("免除の状態", 14, False),
    _Column("状態(英)", 10, False),
    _Column("根拠", 24, True),
    _Column("理由", 50, True),
    _Column("期限", 12, False),
    _Column("承認", 24, True),
    _Column("範囲", 24, True),
    _Column("免除した指摘数", 14, False),
)
_FILE_HEADERS = ("ファイル", "形式", "表", "件数", "不正レコード", "BOM", "SHA-256", "備考")


def render(result: RunResult) -> bytes:
    """The workbook as .xlsx bytes."""
    workbook = Workbook()
    workbook.properties.title = "適合確認結果"
    workbook.properties.creator = f"jichitai-conformance {result.suite_version}"
    findings_shown = result.findings()[:_MAX_DATA_ROWS]
    _cover(workbook.active, result, len(findings_shown))
    _requirements(workbook.create_sheet(SHEET_REQUIREMENTS), result.requirements)
    _findings(workbook.create_sheet(SHEET_FINDINGS), findings_shown)
    if result.waivers:
        _waivers(workbook.create_sheet(SHEET_WAIVERS), result.requirements)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _put(ws: Any, row: int, column: int, value: object, *, font: Any = None, fill: Any = None,
         alignment: Any = None, number_format: str | None = None) -> Any:
    """Write one cell; text always as a string cell, never a formula or an error value."""
    cell = ws.cell(row=row, column=column)
    if value == "":
        value = None  # an empty cell, not an empty string cell
    if isinstance(value, str):
        text = _writable(value)
        cell.value = text
        # openpyxl turns "=…" into a formula and "#N/A" into an error value: vendor text must stay text.
        cell.data_type = "s"
        if text.startswith(_FORMULA_PREFIXES):
            # Also marks it as typed with a leading apostrophe, so editing the cell in Excel keeps it text.
            cell.quotePrefix = True
    else:
        cell.value = value
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _writable(text: str) -> str:
    """Text Excel can store: unwritable characters named by code point, overlong text cut visibly."""
    # XML turns a raw CR into LF on reading anyway: do it here, so the file holds what was written.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = name_invisible(_UNWRITABLE.sub(lambda match: f"<U+{ord(match.group()):04X}>", text))
    if len(text) > _MAX_TEXT:
        marker = "…（以下省略）"
        text = text[: _MAX_TEXT - len(marker)] + marker
    return text


def _fill(key: str) -> PatternFill:
    return PatternFill("solid", fgColor=_FILLS.get(key, "FFFFFF"))


def _display_width(value: object) -> int:
    """Width in Excel's character units of the longest line; full-width characters count 2."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 19
    lines = str(value).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line) for line in lines)


def _parse_time(text: str) -> tuple[datetime.datetime | str, str]:
    """A datetime cell value (wall-clock time; Excel has no time zones) and its UTC offset as text."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text, ""  # a hand-edited JSON result re-rendered: show what it says rather than fail
    offset = moment.utcoffset()
    if offset is None:
        return moment, ""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return moment.replace(tzinfo=None), f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _print_setup(ws: Any, *, title_row: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    if title_row:
        ws.print_title_rows = "1:1"


def _cover(ws: Any, result: RunResult, findings_shown: int) -> None:
    """表紙: the verdict, what was tested against what, when, how, and the input files."""
    ws.title = SHEET_COVER
    summary = result.summary
    _put(ws, 1, 1, "適合確認結果", font=Font(bold=True, size=16))
    row = 3

    def line(label: str, value: object, **style: Any) -> None:
        nonlocal row
        _put(ws, row, 1, label, font=_BOLD, alignment=_TOP)
        _put(ws, row, 2, value, alignment=_LEFT, **style)
        row += 1

    line("判定", f"{run_verdict_text(result)} ({summary.verdict})", font=_BOLD, fill=_fill(summary.verdict))
    line("対象", result.target)
    line("スイート", suite_label(result.suite_version, result.suite_digest, len(result.spec_files)))
    for spec in result.specs:
        line("仕様", f"{spec.id} {spec.version} {spec.name}")
        for number, document in enumerate(spec.documents):
            line("仕様の文書" if number == 0 else "", document)
    for label, text in (("開始", result.started), ("終了", result.finished)):
        moment, offset = _parse_time(text)
        line(label, moment, number_format=_DATETIME_FORMAT)
        if offset:
            _put(ws, row - 1, 3, offset, alignment=_LEFT)
    for path in result.changed:
        line("警告", changed_warning(path), font=_WARNING_FONT, fill=_WARNING_FILL)
    for warning in mapping_warnings(result):
        line("警告", warning, font=_WARNING_FONT, fill=_WARNING_FILL)
    for label, text in _declaration_lines(result.declaration):
        line(label, text)
    line("文字の判定", character_profile_label(result.character_profile))
    line(CHECK_DIGITS_TITLE, check_digits_label(result.check_digits))
    if result.options.get("show_values"):
        line("値の表示", "マスクなし（--show-values）: 個人情報がそのまま記載されています。外部に渡さず、用済み後は削除してください。"
             "（個人番号は常に表示しません）", font=_WARNING_FONT, fill=_WARNING_FILL)
    else:
        line("値の表示", "マスクあり（個人情報は先頭1文字と…・識別用の記号のみ。個人番号は表示しません）")
    max_findings = result.options.get("max_findings")
    if isinstance(max_findings, int):
        line("指摘の記載数", f"要件ごとに最初の{max_findings}件まで")
    capped = [r for r in result.requirements if r.findings_total > len(r.findings)]
    if capped:
        kept = max(len(r.findings) for r in capped)
        line("注記", f"指摘は要件ごとに最初の{kept}件のみ。総数は要件別結果の指摘数を参照。"
             f"（該当する要件: {len(capped)}件）")
    total_kept = len(result.findings())
    if findings_shown < total_kept:
        line("注記", f"指摘一覧はExcelの行数の上限のため最初の{findings_shown}件のみ（保持している指摘は{total_kept}件）。"
             "すべてはJSON形式の結果を参照。")

    row += 1
    _put(ws, row, 1, "判定別の要件数", font=_BOLD)
    row += 1
    for verdict in VERDICTS:
        line(f"{VERDICT_LABELS[verdict]} ({verdict})", summary.counts.get(verdict, 0))
    line("合計", len(result.requirements))
    if result.waivers:
        line("免除", f"{waiver_counts(result)}（基準日 {result.options.get('as_of', '')}。一覧は「{SHEET_WAIVERS}」シート）")

    row += 1
    _put(ws, row, 1, "入力ファイル", font=_BOLD)
    row += 1
    for column, header in enumerate(_FILE_HEADERS, start=1):
        _put(ws, row, column, header, font=_BOLD, fill=_HEADER_FILL)
    file_rows = _file_rows(result.files, result.ignored)

    # Values in column B are left unwrapped so long text reads on across the empty cells to its right:
    # widths come from the labels and the file table only.
    labels = [ws.cell(row=r, column=1).value for r in range(3, row)]
    widths = [_fit([*labels, *(values[0] for values in file_rows)], minimum=16, maximum=48)]
    for index, header in enumerate(_FILE_HEADERS[1:], start=1):
        minimum = 22 if index == 1 else 6  # column B also holds the verdict and the start/end times
        widths.append(_fit([header, *(values[index] for values in file_rows)], minimum=minimum, maximum=70))
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    wrapped = {0, len(_FILE_HEADERS) - 1}  # paths and notes: a deep path must not hide the format beside it
    for values in file_rows:
        row += 1
        for index, value in enumerate(values):
            _put(ws, row, index + 1, value, alignment=_WRAP if index in wrapped else _LEFT)
        _set_height(ws, row, [(values[index], widths[index]) for index in wrapped])
    _print_setup(ws, title_row=False)


def _declaration_lines(declaration: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not declaration:
        return [("宣言", "なし")]
    system = declaration.get("system") or {}
    name = " ".join(str(system[key]) for key in ("name", "version") if system.get(key))
    vendor = f"（{system['vendor']}）" if system.get("vendor") else ""
    specs = declaration.get("specs") or {}
    options = declaration.get("options") or []
    lines = [("宣言", f"{name}{vendor}" or "（システム名なし）")]
    if specs:
        lines.append(("宣言した仕様", "、".join(f"{key} {value}" for key, value in specs.items())))
    lines.append(("標準オプション", "、".join(str(option) for option in options) or "なし"))
    return lines


def _file_rows(files: Sequence[TargetFile], ignored: Iterable[tuple[str, str]]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (file.path, file.format, file.table, file.records, file.rejected, "あり" if file.bom else "なし",
         file.sha256, file.note)
        for file in files
    ]
    rows += [(path, None, None, None, None, None, None, f"読み込みません: {reason}") for path, reason in ignored]
    return rows


def _table(ws: Any, columns: Sequence[_Column], rows: Sequence[Sequence[object]]) -> None:
    """A filterable table: bold filled header, frozen, auto-filter, widths from content, A4 landscape."""
    widths = [
        _fit([values[index] for values in rows], minimum=_display_width(column.header) + 3,  # the filter button
             maximum=column.max_width)
        for index, column in enumerate(columns)
    ]
    for index, column in enumerate(columns):
        _put(ws, 1, index + 1, column.header, font=_BOLD, fill=_HEADER_FILL, alignment=_WRAP)
        ws.column_dimensions[get_column_letter(index + 1)].width = widths[index]
    for row, values in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            _put(ws, row, index + 1, value, alignment=_WRAP if column.wrap else _TOP)
        _set_height(ws, row, [(value, width) for column, value, width in zip(columns, values, widths, strict=True)
                              if column.wrap])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    ws.freeze_panes = "A2"
    _print_setup(ws, title_row=True)


def _fit(values: Iterable[object], *, minimum: int, maximum: int) -> int:
    """A column width that shows the longest value, within bounds."""
    return min(max([minimum, *(_display_width(value) + 2 for value in values)]), maximum)


def _set_height(ws: Any, row: int, wrapping: Iterable[tuple[object, int]]) -> None:
    """Make a row tall enough for its wrapping cells, given as (value, column width)."""
    lines = max([1, *(_wrapped_lines(value, width) for value, width in wrapping if isinstance(value, str))])
    if lines > 1:
        # Neither Excel nor LibreOffice reliably grows a row for wrapped text on opening a file.
        ws.row_dimensions[row].height = min(_LINE_HEIGHT * lines, _MAX_ROW_HEIGHT)


def _wrapped_lines(text: str, width: int) -> int:
    """How many lines `text` takes in a wrapping column of `width` (an estimate that errs long)."""
    usable = max(width - 2, 1)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in text.splitlines() or [""])


def _requirements(ws: Any, requirements: Sequence[RequirementResult]) -> None:
    """要件別結果: one row per requirement, in the result's order."""
    rows = [
        (r.id, r.operation, r.title, r.level, BASIS_LABELS.get(r.basis, r.basis), VERDICT_LABELS.get(r.verdict, r.verdict),
         r.verdict, r.findings_total, r.records_checked, r.reason, r.fix)
        for r in requirements
    ]
    _table(ws, _REQUIREMENT_COLUMNS, rows)
    verdict_column = 1 + [column.header for column in _REQUIREMENT_COLUMNS].index("判定")
    for row, requirement in enumerate(requirements, start=2):
        ws.cell(row=row, column=verdict_column).fill = _fill(requirement.verdict)


def _waivers(ws: Any, requirements: Sequence[RequirementResult]) -> None:
    """免除: one row per declared waiver, with what the run made of it."""
    rows = [
        (r.id, VERDICT_LABELS.get(r.verdict, r.verdict), WAIVER_STATUS_LABELS.get(w.status, w.status), w.status, w.basis,
         w.reason, w.until, w.approved_by, w.scope or "要件全体", w.findings_waived)
        for r in requirements for w in r.waivers
    ]
    _table(ws, _WAIVER_COLUMNS, rows)


def _findings(ws: Any, findings: Sequence[Finding]) -> None:
    """指摘一覧: one row per kept finding; values are the result's (masked unless --show-values)."""
    rows = [
        (f.requirement, f.location.where, f.location.line, f.location.record, f.location.item, f.code, f.message, f.value)
        for f in findings
    ]
    _table(ws, _FINDING_COLUMNS, rows)
