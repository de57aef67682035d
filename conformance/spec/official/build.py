"""An official list as a spec folder: spec.yaml and one self-contained record schema per group."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from conformance.spec.official.layout import ANY_VALUE_CODE, LayoutError, OfficialItem, OfficialList

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SCHEMA_BASE = "https://jichitai-conformance.invalid/specs/"
# Lines the suite's own export writes into 項目説明 so that a re-import gives back the exact check.
SUITE_PATTERN = "正規表現（本スイート）:"
SUITE_FORMAT = "書式（本スイート）:"
_NONE = "（なし）"
_HALF_WIDTH = "^[ -~]*$"  # X 半角文字列: printable ASCII (our reading of 半角; half-width kana are refused by the character rule)
_FULL_WIDTH = "^[^ -~｡-ﾟ]*$"  # Ｎ 全角文字列: no half-width ASCII or kana
_TIME = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# 不詳日: month 01-12 and day 01-31 without being a calendar date, never the year 0000 (the suite's common
# `date-lenient`, 住民記録システム標準仕様書 1.1.8).
_DATE_UNKNOWN_DAY = ("^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
                     "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
TYPE_NAMES = {"X": "半角文字列", "N": "全角文字列", "9": "整数", "9V": "小数点付き実数", "S9": "符号付き整数",
              "BLOB": "画像", "YEAR": "年（YYYY）", "DATE": "日付（YYYY-MM-DD）", "TIME": "時刻（HH:MM[:SS]）"}


def _suite_line(text: str, label: str) -> str | None:
    for line in text.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label):].strip()
    return None


def _value_schema(item: OfficialItem, where: str) -> dict[str, Any]:
    """The keywords checking one item's データ型 and 桁数 (and, from our own export, its exact pattern)."""
    width, kind = item.width, item.data_type
    whole, decimals = 0, 0
    if kind == "9V" and width is not None:
        if not isinstance(width, str):
            raise LayoutError(f"{where}: 9V の桁数は n,m で書きます（{width!r}）")
        whole, decimals = (int(part) for part in width.split(","))
    elif isinstance(width, str):
        raise LayoutError(f"{where}: 桁数 {width!r} は 9V の項目にだけ書けます")
    schema: dict[str, Any] = {"type": "string"}
    if kind in ("X", "N"):
        schema["pattern"] = _HALF_WIDTH if kind == "X" else _FULL_WIDTH
        if isinstance(width, int):
            schema["maxLength"] = width
    elif kind in ("9", "S9"):
        count = f"{{1,{width}}}" if isinstance(width, int) else "+"
        schema["pattern"] = ("^-?" if kind == "S9" else "^") + f"[0-9]{count}$"
        if not isinstance(width, int) or width <= 18:
            schema["x-sql-type"] = "BIGINT"
    elif kind == "9V":
        schema["pattern"] = f"^[0-9]{{1,{whole}}}(\\.[0-9]{{1,{decimals}}})?$" if whole else "^[0-9]+(\\.[0-9]+)?$"
        if whole <= 15 and decimals <= 3:
            schema["x-sql-type"] = "DECIMAL(18,3)"
    elif kind == "YEAR":
        schema["pattern"] = "^[0-9]{4}$"
    elif kind == "TIME":
        schema["pattern"] = _TIME
    elif kind == "DATE":
        explanation = item.explanation
        if "不詳日" in explanation and "許容" in explanation:
            schema.update({"pattern": _DATE_UNKNOWN_DAY, "x-sql-type": "DATE"})
        else:
            schema.update({"pattern": _DATE, "format": "date", "x-sql-type": "DATE"})
            if "9999-12-31" in explanation:
                schema["format"] = "date-period-end"
            elif "0000-01-01" in explanation:
                schema["format"] = "date-period-start"
    pattern, value_format = _suite_line(item.explanation, SUITE_PATTERN), _suite_line(item.explanation, SUITE_FORMAT)
    if pattern is not None:
        schema.pop("pattern", None)
        if pattern != _NONE:
            schema["pattern"] = pattern
    if value_format is not None:
        schema.pop("format", None)
        if value_format != _NONE:
            schema["format"] = value_format
    return schema


def _annotations(item: OfficialItem, document: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if item.item_id:
        found["x-item-id"] = item.item_id
    if item.romaji:
        found["x-romaji"] = item.romaji
    found["x-data-type"] = item.data_type
    if item.width is not None:
        found["x-width"] = item.width
    found["x-output-condition"] = item.condition
    if item.repeat:
        found["x-repeat"] = item.repeat
    if item.definition:
        found["x-definition"] = item.definition
    if item.code:
        found["x-code-list"] = item.code
    if item.foreign_key:
        found["x-foreign-key"] = True
    found["x-source"] = {"document": document, "sheet": item.sheet, "row": item.row}
    return found


def _condition(item: OfficialItem) -> str:
    """The condition of a 条件付き必須 item: what 項目説明 writes after ※※."""
    text = item.explanation
    if "※※" in text:
        return " ".join(text.split("※※", 1)[1].split())
    return "（項目説明に※※の条件の記載がありません）"


def _prefix(operation: str) -> str:
    return operation.upper()


def build(official: OfficialList, operation: str, version: str | None = None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """spec.yaml's contents and the schemas by file name (schemas/<name>), from `official`."""
    prefix, document = _prefix(operation), official.file_name
    groups: dict[str, list[OfficialItem]] = {}
    for item in official.items:
        where = f"{document} {item.sheet}!{item.row}行（{item.name}）"
        if not item.group:
            raise LayoutError(f"{where}: グループ 名称 が空です")
        if item.name in {other.name for other in groups.get(item.group, [])}:
            raise LayoutError(f"{where}: グループ {item.group} に同じデータ項目が2回あります")
        if item.romaji and item.romaji in {other.romaji for other in groups.get(item.group, [])}:
            raise LayoutError(f"{where}: グループ {item.group} に同じデータ項目（ローマ字） {item.romaji} が2回あります")
        groups.setdefault(item.group, []).append(item)
    file_requirements = [
        (f"{prefix}-F-0001", "ファイルの文字コードがUTF-8であること", "必須", {"kind": "file", "aspect": "encoding"},
         {"document": "文字環境導入実践ガイドブック (標準ガイドライン群 1014)", "section": "文字コード", "basis": "assumption",
          "note": "not in the 基本データリスト; the suite's default for every operation"},
         "ファイルをUTF-8（BOMの有無は問わない）で出力してください。"),
        (f"{prefix}-F-0002", "ファイルが形式どおりに読めること（CSV・TSVの構文と項目数、XLSX・JSONの構造）", "必須",
         {"kind": "file", "aspect": "syntax"},
         {"document": "RFC 4180", "section": "2. Definition of the CSV Format", "basis": "assumption",
          "note": "not in the 基本データリスト; RFC 4180 quoting is assumed"},
         "区切り文字・改行・ダブルクォートを含む値は全体をダブルクォートで囲んでください。"),
        (f"{prefix}-F-0003", "ヘッダー行にグループの全データ項目がちょうど1回ずつあること", "必須", {"kind": "file", "aspect": "header"},
         {"document": document, "section": "データ項目（グループの単位でファイル出力）", "basis": "official"},
         "1行目にデータ項目名を漏れなく、重複なく並べてください。"),
        (f"{prefix}-F-0004", "基本データリストにない項目を出力しないこと", "実装不可", {"kind": "schema"},
         {"document": document, "section": "データ項目", "basis": "official"},
         "基本データリストにない項目を削除してください。"),
        (f"{prefix}-F-0005", "グループごとのファイルがあること", "必須", {"kind": "file", "aspect": "presence"},
         {"document": document, "section": "グループ（ファイル出力時は1グループ＝1ファイル）", "basis": "official"},
         "グループ名をファイル名にして出力してください（〈グループ名〉.csv など）。"),
    ]
    requirements = [{"id": rid, "title": title, "level": level, "source": source, "fix": fix, "check": check}
                     for rid, title, level, check, source, fix in file_requirements]
    tables, schemas = [], {}
    data_number, rule_number = 0, 0
    used: set[str] = set()
    for group_number, (group, items) in enumerate(groups.items(), start=1):
        file_name = f"group-{group_number:02d}.schema.json"
        properties: dict[str, Any] = {}
        for item in items:
            where = f"{document} {item.sheet}!{item.row}行（{item.name}）"
            requirement_id = item.requirement if re.fullmatch(prefix + r"-D-[0-9]{4}", item.requirement) else ""
            while not requirement_id or requirement_id in used:
                data_number += 1
                requirement_id = f"{prefix}-D-{data_number:04d}"
            used.add(requirement_id)
            level = "必須" if item.mandatory else "標準オプション"
            value = _value_schema(item, where)
            title = f"{item.name}が{TYPE_NAMES[item.data_type]}" + (f"（桁数 {item.width}）" if item.width is not None else "")
            fix = f"{item.name}は{TYPE_NAMES[item.data_type]}"
            if item.code and item.code != ANY_VALUE_CODE:
                name, values = official.codes.get(item.code, ("", ()))
                if not values:
                    raise LayoutError(f"{where}: コード {item.code} の一覧がコード一覧シートにありません")
                if _suite_line(item.explanation, SUITE_PATTERN) is None:
                    value.pop("pattern", None)  # the code list decides the values
                value["enum"] = [entry.code for entry in values]
                value["x-codes"] = [{"code": entry.code, "label": entry.label} for entry in values]
                title += f"で、コード一覧 {item.code}（{name}）の値"
                fix += f"で、コード一覧 {item.code}（{name}）の値"
            title += "であること"
            fix += "で出力してください。" + (f"（桁数 {item.width}）" if item.width is not None else "")
            section = f"{item.sheet} {item.row}行 {item.name}" + (f"（{item.item_id}）" if item.item_id else "")
            requirements.append({"id": requirement_id, "title": title, "level": level,
                                 "source": {"document": document, "section": section, "basis": "official"},
                                 "fix": fix, "check": {"kind": "schema", "table": group}})
            properties[item.name] = {"title": item.name, "x-requirement": requirement_id, **value, **_annotations(item, document)}
            if item.condition == "条件付き必須":
                rule_number += 1
                condition = _condition(item)
                requirements.append({
                    "id": f"{prefix}-R-{rule_number:04d}", "title": f"条件に当てはまるとき{item.name}を出力すること（条件付き必須）",
                    "level": level, "source": {"document": document, "section": section, "basis": "official", "note": f"※※{condition}"},
                    "fix": f"次の条件に当てはまるレコードでは{item.name}を出力してください: {condition}",
                    "check": {"kind": "pending", "table": group, "items": [item.name],
                              "reason": f"条件付き必須の条件（{condition}）を判定する規則がまだありません"}})
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}{operation}/schemas/{file_name}",
            "title": group,
            "description": f"Imported from {document} (group {group}). Every value is text; an empty value is an absent item.",
            "type": "object",
            "x-requirement": f"{prefix}-F-0004",
            "properties": properties,
            "required": [item.name for item in items if item.condition == "必須"],
            "additionalProperties": False,
        }
        if not schema["required"]:
            del schema["required"]
        schemas[file_name] = schema
        table: dict[str, Any] = {"name": group, "schema": f"schemas/{file_name}"}
        keys = [item.name for item in items if item.key]
        if keys:
            table["primary_key"] = keys
        tables.append(table)
    semver = version if version and re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version) else "0.1.0"
    list_version = version if version and version != semver else _version_in(document)
    spec = {
        "id": operation,
        "name": official.title or operation,
        "version": semver,
        "ministry": "デジタル庁",
        "documents": [{"title": f"基本データリスト（{document}）", "version": list_version,
                       "note": "imported by `conformance spec import`; every data requirement cites its sheet and row"}],
        "files": {"encoding": "UTF-8", "bom": "allowed"},
        "tables": tables,
        "requirements": requirements,
    }
    return spec, schemas


def _version_in(file_name: str) -> str:
    found = re.search(r"第[0-9０-９.．]+版", file_name)
    return found.group(0) if found else "未確認"


def write(folder: Path, spec: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> Path:
    """Write spec.yaml and schemas/ into `folder` (created); the folder."""
    (folder / "schemas").mkdir(parents=True, exist_ok=True)
    header = "# Imported from an official 基本データリスト by `conformance spec import`: regenerate, do not edit.\n"
    (folder / "spec.yaml").write_text(header + yaml.dump(spec, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    for name, schema in schemas.items():
        (folder / "schemas" / name).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder
