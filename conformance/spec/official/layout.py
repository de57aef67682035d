"""Read an official 基本データリスト workbook (デジタル庁's layout) into plain values, by header labels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

# Header labels of an item sheet (row 1, or row 2 under a spanned label), as the legend names them.
_SUB_LABELS = {"グループ": ("名称", "主キー", "外部キー"), "クラス分類": ("LV1", "LV2", "LV3")}
REQUIRED_COLUMNS = (
    "基幹業務コード", "項目番号", "データ項目", "データ項目（ローマ字）", "グループ名称", "グループ主キー",
    "グループ外部キー", "データ型", "桁数", "コード", "繰り返し", "データ出力条件", "項目定義", "項目説明",
    "実装類型", "サンプル値",
)
OPTIONAL_COLUMNS = ("標準仕様書関連箇所", "備考", "要件ID（本スイート）")
DATA_TYPES = ("X", "N", "9", "9V", "S9", "BLOB", "YEAR", "DATE", "TIME")
OUTPUT_CONDITIONS = ("必須", "条件付き必須", "任意")
_MARKS = {"○", "〇", "◯"}
ANY_VALUE_CODE = "999"  # 自治体固有コード: any value the municipality defines
_HEADER_SCAN_ROWS = 40


class LayoutError(Exception):
    """The workbook is not in the official layout, or a cell cannot be interpreted (with its place)."""


def norm(value: Any) -> str:
    """A cell as text: numbers without '.0', NFKC (Ｎ → N, full-width digits), spaces and line ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def text(value: Any) -> str:
    """A cell as written (names keep their full-width parentheses), numbers without '.0', trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _label(value: Any) -> str:
    text = norm(value)
    text = re.sub(r"\s+", "", text)
    return text.replace("(", "（").replace(")", "）")


def is_mark(value: Any) -> bool:
    """○ in any of its spellings (○, 〇, ◯)."""
    return str(value or "").strip() in _MARKS


@dataclass(frozen=True, slots=True)
class OfficialItem:
    """One row of an item sheet."""

    sheet: str
    row: int
    item_id: str | None
    number: str
    name: str
    romaji: str
    group: str
    key: bool
    foreign_key: bool
    data_type: str
    width: int | str | None
    code: str
    repeat: int | None
    condition: str
    definition: str
    explanation: str
    section: str
    mandatory: bool
    sample: str
    note: str
    requirement: str


@dataclass(frozen=True, slots=True)
class CodeValue:
    """One value of a code list."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class OfficialList:
    """What one workbook holds: its title, items in list order, and code lists by ID."""

    file_name: str
    title: str
    items: tuple[OfficialItem, ...]
    codes: dict[str, tuple[str, tuple[CodeValue, ...]]]  # ID -> (name, values)


def _columns(row1: tuple[Any, ...], row2: tuple[Any, ...]) -> dict[str, int]:
    """Column name -> index, from a two-row header whose merged cells hold their value in the first cell."""
    found: dict[str, int] = {}
    parent = ""
    for index, top in enumerate(row1):
        label = _label(top)
        below = _label(row2[index]) if index < len(row2) else ""
        if label:
            parent = label
        if parent == "データ項目ID":
            found.setdefault("基幹業務コード" if label else "項目番号", index)
        elif parent in _SUB_LABELS and below in _SUB_LABELS[parent]:
            found.setdefault(parent + below, index)
        elif label:
            found.setdefault(label, index)
    return found


def _header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        labels = {_label(cell) for cell in row}
        if "データ項目" in labels and "データ型" in labels:
            below = rows[index + 1] if index + 1 < len(rows) else ()
            return index, _columns(row, below)
    return None


def _width(value: Any, where: str) -> int | str | None:
    if value is None or norm(value) == "":
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value)
    text = norm(value).replace("，", ",").replace(" ", "")
    if text.isdigit():
        return int(text)
    if re.fullmatch(r"[1-9][0-9]*,[0-9]+", text):
        return text
    raise LayoutError(f"{where}: 桁数 {text!r} を解釈できません（整数、または 9V の n,m）")


def _item(sheet: str, row_number: int, cells: dict[str, Any]) -> OfficialItem:
    where = f"{sheet}!{row_number}行"
    name = text(cells.get("データ項目"))
    data_type = norm(cells.get("データ型")).upper()
    if data_type not in DATA_TYPES:
        raise LayoutError(f"{where}（{name}）: データ型 {norm(cells.get('データ型'))!r} は基本データリストの型（{', '.join(DATA_TYPES)}）にありません")
    condition = norm(cells.get("データ出力条件"))
    if condition not in OUTPUT_CONDITIONS:
        raise LayoutError(f"{where}（{name}）: データ出力条件 {condition!r} は 必須・条件付き必須・任意 のいずれでもありません")
    code_group, number = norm(cells.get("基幹業務コード")), norm(cells.get("項目番号"))
    item_id = None
    if code_group.isdigit() and len(code_group) <= 3 and number.isdigit() and len(number) <= 5:
        item_id = code_group.zfill(3) + number.zfill(5)
    repeat_text = norm(cells.get("繰り返し"))
    if repeat_text and not repeat_text.isdigit():
        raise LayoutError(f"{where}（{name}）: 繰り返し {repeat_text!r} は整数ではありません")
    code = norm(cells.get("コード"))
    if code.isdigit():
        code = str(int(code))
    romaji = norm(cells.get("データ項目（ローマ字）"))
    if romaji and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", romaji):
        raise LayoutError(f"{where}（{name}）: データ項目（ローマ字） {romaji!r} は API の項目名にできません（英字で始まる英数字と _）")
    mandatory = norm(cells.get("実装類型"))
    if mandatory and not is_mark(cells.get("実装類型")):
        raise LayoutError(f"{where}（{name}）: 実装類型 {mandatory!r} は ○ でも空欄でもありません")
    return OfficialItem(
        sheet=sheet, row=row_number, item_id=item_id, number=number, name=name,
        romaji=romaji, group=text(cells.get("グループ名称")),
        key=is_mark(cells.get("グループ主キー")), foreign_key=is_mark(cells.get("グループ外部キー")),
        data_type=data_type, width=_width(cells.get("桁数"), f"{where}（{name}）"), code=code,
        repeat=int(repeat_text) if repeat_text else None, condition=condition,
        definition=text(cells.get("項目定義")), explanation=str(cells.get("項目説明") or "").strip(),
        section=text(cells.get("標準仕様書関連箇所")), mandatory=bool(mandatory),
        sample=str(cells.get("サンプル値") if cells.get("サンプル値") is not None else "").strip(),
        note=text(cells.get("備考")), requirement=norm(cells.get("要件ID（本スイート）")),
    )


def _code_lists(title: str, rows: list[tuple[Any, ...]], codes: dict[str, tuple[str, tuple[CodeValue, ...]]]) -> None:
    header = None
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        labels = [_label(cell) for cell in row]
        if "コードID" in labels and "コード値" in labels:
            header = index, {label: position for position, label in enumerate(labels) if label}
            break
    if header is None:
        raise LayoutError(f"{title}: コード一覧の見出し行（コードID, コード名, コード値, コード値の内容）がありません")
    start, columns = header
    current, name = "", ""
    values: dict[str, list[CodeValue]] = {}
    names: dict[str, str] = {}

    def cell(row: tuple[Any, ...], label: str) -> Any:
        position = columns.get(label)
        return row[position] if position is not None and position < len(row) else None

    for row in rows[start + 1:]:
        code_id = norm(cell(row, "コードID"))
        if code_id:
            current = str(int(code_id)) if code_id.isdigit() else code_id
            name = text(cell(row, "コード名"))
            names[current] = name
        value = norm(cell(row, "コード値"))
        if current and value:
            values.setdefault(current, []).append(CodeValue(value, text(cell(row, "コード値の内容"))))
    for code_id, listed in values.items():
        codes[code_id] = (names.get(code_id, ""), tuple(listed))


def read(path: Path) -> OfficialList:
    """The items and code lists of the workbook at `path` (opened read-only); LayoutError names what is wrong."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        raise LayoutError(f"{path.name}: Excel ブック（.xlsx）として開けません: {error}") from None
    try:
        items: list[OfficialItem] = []
        codes: dict[str, tuple[str, tuple[CodeValue, ...]]] = {}
        title = ""
        item_sheets = 0
        for sheet in workbook.worksheets:
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
            if sheet.title.startswith("凡例"):
                continue  # the legend sheets describe the columns; they hold no items
            if sheet.title.startswith("コード一覧"):
                _code_lists(sheet.title, rows, codes)
                continue
            found = _header(rows)
            if found is None:
                continue
            index, columns = found
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise LayoutError(f"{path.name} {sheet.title}!{index + 1}行: 見出しに {', '.join(missing)} がありません")
            item_sheets += 1
            if not title:
                title = next((norm(cell).lstrip("■") for row in rows[:index] for cell in row if norm(cell)), "")
            for number, row in enumerate(rows[index + 2:], start=index + 3):
                cells = {name: row[position] if position < len(row) else None for name, position in columns.items()}
                if text(cells.get("データ項目")):
                    items.append(_item(sheet.title, number, cells))
        if not item_sheets:
            raise LayoutError(f"{path.name}: 基本データリストの見出し行（データ項目ID, データ項目, データ型 …）があるシートがありません")
        if not items:
            raise LayoutError(f"{path.name}: データ項目の行がありません")
        return OfficialList(path.name, title, tuple(items), codes)
    finally:
        workbook.close()
