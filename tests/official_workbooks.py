"""Workbooks in デジタル庁's 基本データリスト layout, built with openpyxl for the import tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

TOP = ["データ項目ID", None, "データ項目", "データ項目（ローマ字）", "グループ", None, None, "クラス分類", None, None,
       "データ型", "桁数", "コード", "繰り返し", "データ出力条件", "項目定義", "項目説明", "標準仕様書関連箇所", "実装類型",
       "サンプル値", "備考"]
SUB = [None, None, None, None, "名称", "主キー", "外部キー", "LV1", "LV2", "LV3"] + [None] * 11
# One row per item: (item number, name, romaji, group, key, fk, type, width, code, repeat, condition, definition,
# explanation, 実装類型, sample). Numbers are numbers (as Excel types them); type letters partly full-width.
ITEMS: list[tuple[Any, ...]] = [
    (1, "宛名番号", "atenabango", "住登外者宛名基本情報", "○", None, "X", 15, None, None, "必須", "宛名番号", "", "〇", "123456789123456"),
    (2, "氏名", "shimei", "住登外者宛名基本情報", None, None, "Ｎ", 100, None, None, "条件付き必須", "氏名",
     "※※氏名が判明している場合は必須", "○", "宛名　太郎"),
    (3, "性別", "seibetsu", "住登外者宛名基本情報", None, None, "X", 1, 1, None, "任意", "性別", "", None, "1"),
    (4, "生年月日", "seinengappi", "住登外者宛名基本情報", None, None, "DATE", None, None, None, "任意", "生年月日",
     "不詳日を許容する", None, "1980-02-30"),
    (5, "身長", "shincho", "住登外者宛名基本情報", None, None, "9V", "3,1", None, None, "任意", "身長", "", None, "170.5"),
    (6, "残高", "zandaka", "住登外者宛名基本情報", None, None, "S9", 9, None, None, "任意", "残高", "", None, "-1200"),
    (7, "区分", "kubun", "住登外者宛名基本情報", None, None, 9, 1, 2, None, "必須", "区分", "", "○", "0"),
    (8, "操作時刻", "sosajikoku", "住登外者宛名基本情報", None, None, "TIME", None, None, None, "必須", "操作時刻", "", "○", "10:15:00"),
    (9, "宛名番号", "atenabango", "住登外者連絡先", "○", "○", "X", 15, None, None, "必須", "宛名番号", "", "○", "123456789123456"),
    (10, "連絡先_開始年月日", "renrakusaki_kaishinengappi", "住登外者連絡先", "○", None, "DATE", None, None, None, "必須",
     "開始日", "開始日が不明な場合は0000-01-01", "○", "2020-04-01"),
    (11, "団体独自区分", "dantaidokujikubun", "住登外者連絡先", None, None, "X", 5, 999, None, "任意", "自治体固有", "", None, "A1"),
]
CODES = [("1", "性別", [("0", "不明（未記入）"), (1, "男"), (2, "女")]),
         ("002", "区分", [(0, "代表"), (1, "非代表")]),
         (999, "自治体固有コード", [("任意", "自治体が定める値")])]


def write_workbook(path: Path, items: list[tuple[Any, ...]] | None = None, *, top: list[Any] | None = None,
                   sub: list[Any] | None = None, codes: list[tuple[Any, str, list[tuple[Any, str]]]] | None = None,
                   order: list[int] | None = None) -> Path:
    """An official-layout workbook: title, notes, merged two-row header, items, one code sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "項目定義書（共通）宛名"
    sheet.append(["■地方公共団体情報システム-共通機能 基本データリスト"])
    sheet.append(["水色セルは主キー。※※は条件付き必須の条件。"])
    header_top, header_sub = list(top or TOP), list(sub or SUB)
    columns = order or list(range(len(header_top)))
    sheet.append([header_top[i] for i in columns])
    sheet.append([header_sub[i] for i in columns])
    if order is None:
        for first, last in (("A3", "B3"), ("E3", "G3"), ("H3", "J3")):
            sheet.merge_cells(f"{first}:{last}")
        for column in "CDKLMNOPQRSTU":
            sheet.merge_cells(f"{column}3:{column}4")
    for row in items if items is not None else ITEMS:
        number, name, romaji, group, key, fk, kind, width, code, repeat, condition, definition, explanation, mandatory, sample = row
        cells = ["031", number, name, romaji, group, key, fk, None, None, None, kind, width, code, repeat, condition,
                 definition, explanation, "0310002住登外者宛名情報管理機能", mandatory, sample, None]
        sheet.append([cells[i] for i in columns])
    code_sheet = book.create_sheet("コード一覧（個別）_共通")
    code_sheet.append(["コード一覧"])
    code_sheet.append(["コードID", "コード名", "コード値", "コード値の内容", "備考"])
    for code_id, name, values in codes if codes is not None else CODES:
        for index, (value, label) in enumerate(values):
            code_sheet.append([code_id if index == 0 else None, name if index == 0 else None, value, label, None])
    book.save(path)
    return path
