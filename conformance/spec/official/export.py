"""A spec in the official 基本データリスト layout, and the summary by which two specs are compared."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill

from conformance.spec import Spec, annotation, resolve
from conformance.spec.model import Table
from conformance.spec.official.build import SUITE_FORMAT, SUITE_PATTERN

OURS = "独自"  # written where an official データ項目ID would be: cannot be read as the 3-digit 基幹業務コード
_TOP = ["データ項目ID", None, "データ項目", "データ項目（ローマ字）", "グループ", None, None, "クラス分類", None, None,
        "データ型", "桁数", "コード", "繰り返し", "データ出力条件", "項目定義", "項目説明", "標準仕様書関連箇所", "実装類型",
        "サンプル値", "備考", "要件ID（本スイート）"]
_SUB = [None, None, None, None, "名称", "主キー", "外部キー", "LV1", "LV2", "LV3"] + [None] * 12
_KEY_FILL = PatternFill("solid", fgColor="CCEEFF")  # 水色: the group's key items, as the official sheets mark them
_WIDTH = re.compile(r"\{(?:[0-9]+,)?([0-9]+)\}")


def _derived_type(chain: list[dict[str, Any]]) -> str:
    """Our item's official-style データ型, from its keywords (x-data-type where the spec states one)."""
    stated = annotation(chain, "x-data-type")
    if stated:
        return str(stated)
    sql_type = annotation(chain, "x-sql-type") or ""
    pattern = annotation(chain, "pattern") or ""
    if sql_type == "DATE" or str(annotation(chain, "format") or "").startswith("date"):
        return "DATE"
    if sql_type == "BIGINT":
        return "S9" if "-" in pattern else "9"
    if sql_type.startswith("DECIMAL"):
        return "9V"
    if annotation(chain, "enum") is not None or (pattern and pattern.isascii()):
        return "X"
    return "N"


def _derived_width(chain: list[dict[str, Any]], data_type: str) -> int | str | None:
    stated = annotation(chain, "x-width")
    if stated is not None:
        return stated  # type: ignore[no-any-return]
    if data_type in ("DATE", "TIME", "YEAR", "BLOB"):
        return None
    length = annotation(chain, "maxLength")
    if isinstance(length, int):
        return length
    enum = annotation(chain, "enum")
    if isinstance(enum, list) and enum:
        return max(len(str(value)) for value in enum)
    widths = [int(found) for found in _WIDTH.findall(str(annotation(chain, "pattern") or ""))]
    if data_type == "9V":  # n,m only where the pattern states both; else no width is claimed
        return f"{widths[0]},{widths[1]}" if len(widths) >= 2 else None
    return max(widths) if widths else None


def item_summary(spec: Spec, table: Table) -> list[tuple[Any, ...]]:
    """Per item, what an official list states and the checks keep: name, type, width, pattern, format,
    codes, required, primary key, level. Two specs with equal summaries check the same items alike."""
    rows = []
    base = str(table.schema["$id"])
    for item in table.items:
        chain = resolve(table.schema["properties"][item.name], base, spec.path.parent)
        data_type = _derived_type(chain)
        try:
            level = spec.requirement(item.requirement).level
        except KeyError:
            level = None
        enum = annotation(chain, "enum")
        rows.append((item.name, data_type, _derived_width(chain, data_type), annotation(chain, "pattern"),
                     annotation(chain, "format"), tuple(enum) if isinstance(enum, list) else None, item.required,
                     item.name in table.primary_key, level))
    return rows


def export_workbook(spec: Spec, output: Path) -> Path:
    """Write `spec` as an official-layout workbook: one item sheet per table, one code sheet."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    codes: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    number = 0
    for table in spec.tables:
        sheet = book.create_sheet(_sheet_title(f"項目定義書（{spec.name}）{table.name}", book))
        sheet.append([f"■{spec.name} 基本データリストの形式による jichitai-conformance の符号化（{spec.id} {spec.version}）"])
        sheet.append([f"データ項目IDが「{OURS}」の項目は本スイートの番号で、公式のデータ項目IDではありません。"
                      "水色セルは主キー。項目説明の「（本スイート）」の行は本スイートの検査の書式です。"])
        sheet.append(_TOP)
        sheet.append(_SUB)
        for first_cell, last_cell in (("A3", "B3"), ("E3", "G3"), ("H3", "J3")):
            sheet.merge_cells(f"{first_cell}:{last_cell}")
        for column in "CDKLMNOPQRSTUV":
            sheet.merge_cells(f"{column}3:{column}4")
        for cell in (*sheet[3], *sheet[4]):
            cell.font = Font(bold=True)
        base = str(table.schema["$id"])
        for item in table.items:
            number += 1
            item_schema = table.schema["properties"][item.name]
            chain = resolve(item_schema, base, spec.path.parent)
            data_type = _derived_type(chain)
            try:
                requirement = spec.requirement(item.requirement)
                level, section = requirement.level, f"{requirement.source.document} {requirement.source.section}"
            except KeyError:
                level, section = "標準オプション", ""
            code = ""
            enum = annotation(chain, "enum")
            if isinstance(enum, list):
                code = str(annotation(chain, "x-code-list") or f"{OURS}{len(codes) + 1:03d}")
                labels = {str(entry.get("code")): str(entry.get("label", "")) for entry in annotation(chain, "x-codes") or []}
                codes.setdefault(code, (str(annotation(chain, "title") or item.name), [(str(v), labels.get(str(v), "")) for v in enum]))
            explanation = [str(item_schema.get("description") or "")] if item_schema.get("description") else []
            explanation.append(f"{SUITE_PATTERN} {annotation(chain, 'pattern') or '（なし）'}")
            explanation.append(f"{SUITE_FORMAT} {annotation(chain, 'format') or '（なし）'}")
            official_id = item.item_id or ""
            width = _derived_width(chain, data_type)
            row = [official_id[:3] if official_id else OURS, int(official_id[3:]) if official_id else number, item.name,
                   item.romaji or "", table.name, "○" if item.name in table.primary_key else None,
                   "○" if item_schema.get("x-foreign-key") else None, None, None, None,
                   "Ｎ" if data_type == "N" else (int(data_type) if data_type == "9" else data_type), width, code or None,
                   item_schema.get("x-repeat"), item_schema.get("x-output-condition") or ("必須" if item.required else "任意"),
                   item_schema.get("x-definition") or item.name, "\n".join(explanation), section,
                   "○" if level == "必須" else None, None,
                   None if official_id else "本スイートの符号化（公式の基本データリストではありません）", item.requirement]
            sheet.append(row)
            if item.name in table.primary_key:
                for cell in sheet[sheet.max_row][2:5]:
                    cell.fill = _KEY_FILL
            sheet[sheet.max_row][16].alignment = Alignment(wrap_text=True, vertical="top")
        for column, width_chars in (("C", 28), ("D", 24), ("E", 16), ("P", 24), ("Q", 48), ("R", 32), ("V", 16)):
            sheet.column_dimensions[column].width = width_chars
        sheet.freeze_panes = "C5"
    code_sheet = book.create_sheet(_sheet_title(f"コード一覧（個別）_{spec.name}", book))
    code_sheet.append([f"コード一覧（{spec.name}）: コードIDが「{OURS}」で始まる一覧は本スイートの番号です"])
    code_sheet.append(["コードID", "コード名", "コード値", "コード値の内容", "備考"])
    for code_id, (name, values) in codes.items():
        for index, (value, label) in enumerate(values):
            code_sheet.append([code_id if index == 0 else None, name if index == 0 else None, value, label, None])
    output.parent.mkdir(parents=True, exist_ok=True)
    book.save(output)
    return output


def _sheet_title(title: str, book: openpyxl.Workbook) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    clean = re.sub(r"[\[\]:*?/\\]", "_", title)[:31]
    candidate, counter = clean, 1
    while candidate in book.sheetnames:
        counter += 1
        candidate = f"{clean[:28]}_{counter}"
    return candidate
