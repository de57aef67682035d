"""The reports of `conformance compare`: console, JSON (compare.json), HTML and XLSX, each a function of a CompareResult."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance.report import write_atomically
from conformance.results import terminal_safe
from conformance.results.compare import CompareResult, Example, TableComparison
from conformance.results.masking import EMPTY_VALUE

VERDICT_LABELS = {"pass": "欠落・差異なし", "fail": "欠落または差異あり", "incomplete": "比較できない表あり"}
KIND_LABELS = {"lost": "消失", "appeared": "新規", "differ": "値の差異", "lost-value": "値の消失", "added-value": "値の追加"}
SHEET_SUMMARY, SHEET_LOST, SHEET_DIFFERENCES, SHEET_COUNTS = "概要", "消失レコード", "差異", "件数比較"


def _table_line(table: TableComparison) -> str:
    if not table.compared:
        return f"{table.name}: {table.note}"
    note = f"  注: {table.note}" if table.note else ""
    return (f"{table.name}（キー {'・'.join(table.key)}）: OLD {table.old_records}件 / NEW {table.new_records}件  "
            f"消失 {table.lost} / 新規 {table.appeared} / 両方 {table.in_both} / 差異のあるレコード {table.differing_records} / "
            f"差異のある値 {table.differing_values}{note}")


def _example_line(example: Example) -> str:
    lines = f"OLD {example.old_line}行目" if example.old_line else ""
    lines += f"{' ' if lines else ''}NEW {example.new_line}行目" if example.new_line else ""
    values = f" 「{example.item}」 {example.old if example.old is not None else EMPTY_VALUE} → {example.new if example.new is not None else EMPTY_VALUE}" if example.item else ""
    return f"{KIND_LABELS[example.kind]} {example.key}（{lines}）{values}"


def render_console(result: CompareResult) -> str:
    """Plain text for a terminal or a CI log."""
    lines = [f"jichitai-conformance {result.suite_version}  移行の比較 / migration compare  {result.operation} {result.spec_version}",
             f"OLD: {result.old.get('path')}" + ("  （対応付けあり）" if result.old.get("mapping") else ""),
             f"NEW: {result.new.get('path')}" + ("  （対応付けあり）" if result.new.get("mapping") else "")]
    for table in result.tables:
        lines.append(_table_line(table))
        for item in table.items:
            if item.differ or item.lost or item.added:
                lines.append(f"    「{item.item}」 差異 {item.differ} / 消失 {item.lost} / 追加 {item.added}")
        lines += [f"    例: {_example_line(example)}" for example in table.examples[:5]]
        if table.duplicate_keys_old or table.duplicate_keys_new:
            lines.append(f"    注: キーの重複 OLD {table.duplicate_keys_old}件 / NEW {table.duplicate_keys_new}件")
    if result.counts:
        lines.append("件数比較 counts:")
        lines += [f"  {row.title} {row.group}: OLD {row.old} / NEW {row.new}" + (f"  （{row.new - row.old:+d}）" if row.new != row.old else "")
                  for row in result.counts]
    lines += ["", f"判定 verdict: {VERDICT_LABELS[result.verdict]} ({result.verdict})"]
    return "\n".join(terminal_safe(line).replace("\n", "\\n") for line in lines) + "\n"


def render_json(result: CompareResult) -> str:
    """compare.json (conformance/compare.schema.json)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _rows(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell) if cell is not None else '')}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_rows(result: CompareResult) -> list[tuple[object, ...]]:
    return [(t.name, "・".join(t.key), t.old_records, t.new_records, t.lost, t.appeared, t.in_both, t.differing_records,
             t.differing_values, t.note or "") for t in result.tables]


_SUMMARY_HEADERS = ("表", "キー", "OLD件数", "NEW件数", "消失", "新規", "両方", "差異のあるレコード", "差異のある値", "注")
_EXAMPLE_HEADERS = ("表", "種類", "キー", "OLD行", "NEW行", "項目", "OLDの値", "NEWの値")
_COUNT_HEADERS = ("区分", "表", "値", "OLD", "NEW", "差")


def _examples(result: CompareResult, kinds: Sequence[str]) -> list[tuple[object, ...]]:
    return [(t.name, KIND_LABELS[e.kind], e.key, e.old_line, e.new_line, e.item, e.old, e.new)
            for t in result.tables for e in t.examples if e.kind in kinds]


def render_html(result: CompareResult) -> str:
    """One self-contained page (no scripts, no external resources)."""
    title = f"移行の比較：{VERDICT_LABELS[result.verdict]} — {result.operation}"
    sides = _rows(("", "パス", "対応付け"), [(label, side.get("path"), (side.get("mapping") or {}).get("path", ""))
                                          for label, side in (("OLD", result.old), ("NEW", result.new))])
    items = _rows(("表", "項目", "差異", "消失", "追加"),
                  [(t.name, d.item, d.differ, d.lost, d.added) for t in result.tables for d in t.items if d.differ or d.lost or d.added])
    counts = _rows(_COUNT_HEADERS, [(r.title, r.table, r.group, r.old, r.new, r.new - r.old) for r in result.counts])
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #999;padding:.2em .5em}}
.pass{{color:#060}}.fail{{color:#a00}}.incomplete{{color:#a60}}</style></head>
<body><h1>移行の比較 <span class="{result.verdict}">{html.escape(VERDICT_LABELS[result.verdict])} ({result.verdict})</span></h1>
<p>{html.escape(result.operation)} {html.escape(result.spec_version)} · jichitai-conformance {html.escape(result.suite_version)} · {html.escape(result.started)}</p>
{sides}
<h2>{SHEET_SUMMARY}</h2>{_rows(_SUMMARY_HEADERS, _summary_rows(result))}
<h2>項目ごとの差異</h2>{items}
<h2>{SHEET_LOST}（例）</h2>{_rows(_EXAMPLE_HEADERS, _examples(result, ("lost", "appeared")))}
<h2>{SHEET_DIFFERENCES}（例）</h2>{_rows(_EXAMPLE_HEADERS, _examples(result, ("differ", "lost-value", "added-value")))}
<h2>{SHEET_COUNTS}</h2>{counts}
</body></html>
"""


def render_xlsx(result: CompareResult) -> bytes:
    """A workbook with the sheets 概要, 消失レコード, 差異, 件数比較."""
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

    from conformance.report.xlsx import _BOLD, _put

    workbook = Workbook()
    sheets: list[tuple[str, Sequence[str], Sequence[Sequence[object]]]] = [(SHEET_SUMMARY, _SUMMARY_HEADERS, _summary_rows(result)),
              (SHEET_LOST, _EXAMPLE_HEADERS, _examples(result, ("lost", "appeared"))),
              (SHEET_DIFFERENCES, _EXAMPLE_HEADERS, _examples(result, ("differ", "lost-value", "added-value"))),
              (SHEET_COUNTS, _COUNT_HEADERS, [(r.title, r.table, r.group, r.old, r.new, r.new - r.old) for r in result.counts])]
    for index, (name, headers, rows) in enumerate(sheets):
        ws: Any = workbook.active if index == 0 else workbook.create_sheet(name)
        ws.title = name
        start = 1
        if index == 0:
            _put(ws, 1, 1, "判定", font=_BOLD)
            _put(ws, 1, 2, f"{VERDICT_LABELS[result.verdict]} ({result.verdict})", font=_BOLD)
            _put(ws, 2, 1, "OLD")
            _put(ws, 2, 2, str(result.old.get("path")))
            _put(ws, 3, 1, "NEW")
            _put(ws, 3, 2, str(result.new.get("path")))
            start = 5
        for column, header in enumerate(headers, start=1):
            _put(ws, start, column, header, font=_BOLD)
        for offset, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                _put(ws, start + offset, column, value)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


COMPARE_FORMATS: dict[str, tuple[Callable[[CompareResult], str | bytes], str]] = {
    "console": (render_console, "txt"),
    "json": (render_json, "json"),
    "html": (render_html, "html"),
    "xlsx": (render_xlsx, "xlsx"),
}


def write_compare(result: CompareResult, formats: Sequence[str], output: Path) -> list[Path]:
    """Write `compare.<ext>` under `output` for each non-console format; the paths written."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        render, extension = COMPARE_FORMATS[name]
        rendered = render(result)
        path = output / f"compare.{extension}"
        write_atomically(path, rendered if isinstance(rendered, bytes) else rendered.encode("utf-8"))
        written.append(path)
    return written
