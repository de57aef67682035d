"""The catalogue of finding codes: every code a finding (or a reader's issue) can carry, declared once.

Like frictionless's error classes, each code has a stable ASCII name, the part of a run it belongs to
and its meaning in Japanese and English. Findings and read issues take their codes from the constants
below (or from `finding_code`, which refuses an undeclared name); docs/FINDING-CODES.md is generated
from this catalogue (`python -m conformance.results.codes`) and a test keeps the two equal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

Group = Literal["file", "header", "presence", "schema", "rule", "api"]

GROUPS: dict[Group, str] = {
    "file": "ファイルの読み込み（文字コード・構文） / Reading a file (encoding, syntax)",
    "header": "ヘッダーと項目 / Header and items",
    "presence": "ファイルの有無 / Presence of files",
    "schema": "項目の値（スキーマ） / Values of items (schema)",
    "rule": "規則（レコード・データセット） / Rules (record, dataset)",
    "api": "API（応答・ページング・差分取得） / API (answers, paging, updates)",
}


@dataclass(frozen=True, slots=True)
class FindingCode:
    """One declared code with its meaning."""

    code: str
    group: Group
    ja: str
    en: str


CATALOGUE: dict[str, FindingCode] = {}
"""Every declared code, in declaration order."""


class UnknownFindingCode(KeyError):
    """A code that the catalogue does not declare."""


def declare(code: str, group: Group, ja: str, en: str) -> str:
    """Declare a code once, with its meaning; returns the code (to bind a constant)."""
    if code in CATALOGUE:
        raise ValueError(f"finding code {code!r} is declared twice")
    if not (code.isascii() and code == code.lower() and code.replace("-", "").isalnum()):
        raise ValueError(f"finding code {code!r} is not lower-case ASCII words joined by '-'")
    if not ja.strip() or not en.strip():
        raise ValueError(f"finding code {code!r} needs its meaning in Japanese and English")
    CATALOGUE[code] = FindingCode(code, group, ja, en)
    return code


def finding_code(code: str) -> str:
    """`code` itself when the catalogue declares it; UnknownFindingCode otherwise."""
    if code not in CATALOGUE:
        raise UnknownFindingCode(code)
    return code


# --- Reading a file ----------------------------------------------------------------------------------
NOT_UTF8 = declare("not-utf8", "file", "UTF-8として読めないバイト列がある（他の文字コード、BOMで判定した UTF-16 を含む）。API では応答本文。",
                   "Bytes that do not decode as UTF-8 (another encoding, UTF-16 told by its BOM); in API mode, the answer's body.")
NUL_BYTE = declare("nul-byte", "file", "NULバイト（U+0000）がある（UTF-16（BOMなし）やバイナリファイル）。",
                   "NUL bytes (U+0000): UTF-16 without a BOM, or a binary file.")
BOM_POLICY = declare("bom-policy", "file", "BOMの有無が仕様の定め（必須・禁止）に合わない。API では JSON の応答本文の先頭の BOM。",
                     "A byte order mark present or absent against the spec's policy; in API mode, a BOM at the start of a JSON answer.")
MALFORMED_HEADER = declare("malformed-header", "file", "ヘッダー行を解析できない。", "The header line cannot be parsed.")
MALFORMED_RECORD = declare("malformed-record", "file", "レコードを解析できない（引用符の不整合など）。",
                           "A record cannot be parsed (unbalanced quotes and the like).")
FIELD_COUNT = declare("field-count", "file", "レコードの列数がヘッダーと異なる、または空行（そのレコードは検査しない）。",
                      "A record with another number of fields than the header, or a blank row (the record is not checked).")
MALFORMED_JSON = declare("malformed-json", "file", "JSONとして解析できない（ファイルではそのレコードを検査しない）。API では応答本文（HTMLのエラーページなど）。",
                         "Text that does not parse as JSON (in a file, the record is not checked); in API mode, an answer's body (an HTML error page ...).")
NOT_AN_OBJECT = declare("not-an-object", "file", "レコードがJSONオブジェクトではない。", "A JSON record that is not an object.")
DUPLICATE_KEY = declare("duplicate-key", "file", "JSONオブジェクトに同じキーが2回以上ある。", "A JSON object with the same key more than once.")
LONE_SURROGATE = declare("lone-surrogate", "file", "JSONの文字列に対になっていないサロゲート（\\ud800 など）があり、文字として表せない（そのレコードは検査しない）。",
                         "A JSON string with a lone surrogate escape (\\ud800 …), which is no character (the record is not checked).")
NON_STRING_VALUE = declare("non-string-value", "file", "項目のJSONの値が文字列ではない（すべての値は文字列で出力する）。ファイルのレコードでも API の応答のレコードでも。",
                           "An item's JSON value that is not a string (every value must be a string), in a file's record or an API answer's.")
UNREADABLE_FILE = declare("unreadable-file", "file", "ファイルを読めない（権限、入出力エラーなど）。",
                          "The file cannot be read (permissions, I/O error ...).")
FILE_TOO_LARGE = declare("file-too-large", "file", "丸ごと読み込む形式のファイルが上限を超える。",
                         "A file of a format read whole is larger than the limit.")
TOO_MANY_SHEETS = declare("too-many-sheets", "file", "ブックのシート数が上限を超える。", "A workbook with more sheets than the limit.")
ENCRYPTED_WORKBOOK = declare("encrypted-workbook", "file", "ブックがパスワードで暗号化されている。", "A workbook encrypted with a password.")
UNREADABLE_WORKBOOK = declare("unreadable-workbook", "file", "ブックを開けない（壊れた、またはXLSXではないファイル）。",
                              "The workbook cannot be opened (damaged, or not an XLSX file).")
WORKBOOK_TOO_LARGE = declare("workbook-too-large", "file", "ブックの展開後の大きさが上限を超える（圧縮爆弾の疑い）。",
                             "A workbook whose unpacked size exceeds the limit (a suspected zip bomb).")
UNREADABLE_SHEET = declare("unreadable-sheet", "file", "シートを読めない。", "A sheet cannot be read.")
MERGED_CELLS = declare("merged-cells", "file", "セルが結合されている。", "Merged cells.")
FORMULA_CELL = declare("formula-cell", "file", "セルが値ではなく数式である。", "A cell holding a formula instead of a value.")
SHEET_TOO_LARGE = declare("sheet-too-large", "file", "シートの使用範囲（行数×列数）が上限を超える（読まない）。",
                          "A sheet whose used range (rows × columns) exceeds the limit (not read).")
NUMERIC_CELL = declare("numeric-cell", "file", "コード・番号の項目が数値のセルで保存されている（先頭の0が失われる）。",
                       "A code or identifier item stored as a numeric cell (leading zeros are lost).")

# --- Header and items --------------------------------------------------------------------------------
NO_HEADER = declare("no-header", "header", "ヘッダー行がない（空のファイル、空のシート、レコードのないJSON）。",
                    "No header line (an empty file or sheet, a JSON file without records).")
EMPTY_COLUMN_NAME = declare("empty-column-name", "header", "ヘッダーに空の項目名がある。", "An empty column name in the header.")
DUPLICATE_COLUMN = declare("duplicate-column", "header", "同じ項目名がヘッダーに2回以上ある。", "The same column name more than once in the header.")
MISSING_COLUMN = declare("missing-column", "header", "標準の項目の列がない。", "A standard item has no column.")
UNKNOWN_ITEM = declare("unknown-item", "header", "標準にない項目（ファイルの列、API のレコードのキー、スキーマの additionalProperties）。",
                       "An item the standard does not define (a file's column, a key of an API record, additionalProperties).")
HEADER_NOT_STANDARD = declare("header-not-standard", "header", "1行目の多くが標準の項目名ではない（ヘッダー行がない可能性。列名は表示しない）。",
                              "Most names of the first row are not standard items (probably no header line; the names are not shown).")

# --- Presence of files -------------------------------------------------------------------------------
MISSING_FILE = declare("missing-file", "presence", "テーブルのファイルがない。", "A table has no file.")
DUPLICATE_FILE = declare("duplicate-file", "presence", "テーブルのファイルが複数ある（最初のものだけを検査する）。",
                         "A table has several files (only the first is checked).")

# --- Values of items (the schema keywords and value formats of conformance/checks/registry.py) -------
MISSING_ITEM = declare("missing-item", "schema", "必須項目が空（required）。", "A required item is empty (required).")
PATTERN_MISMATCH = declare("pattern-mismatch", "schema", "値が形式（正規表現）に一致しない（pattern）。",
                           "A value does not match its regular expression (pattern).")
TOO_LONG = declare("too-long", "schema", "値が最大文字数を超える（maxLength）。", "A value longer than allowed (maxLength).")
TOO_SHORT = declare("too-short", "schema", "値が最小文字数に足りない（minLength）。", "A value shorter than allowed (minLength).")
NOT_IN_CODE_TABLE = declare("not-in-code-table", "schema", "値がコード表にない（enum）。", "A value not in the code table (enum).")
CONST_MISMATCH = declare("const-mismatch", "schema", "値が定められた値と異なる（const）。", "A value other than the one prescribed (const).")
INVALID_DATE = declare("invalid-date", "schema", "値が実在する日付（YYYY-MM-DD）ではない（format: date）。期間の開始・終了の項目では開始日不明 0000-01-01（format: date-period-start）・終了日なし 9999-12-31（format: date-period-end）も可。",
                       "A value that is not a real calendar date YYYY-MM-DD (format: date); an item starting or ending a period also takes 0000-01-01, unknown start (format: date-period-start), or 9999-12-31, open end (format: date-period-end).")
CHECK_DIGIT = declare("check-digit", "schema", "番号の桁数・検査数字が正しくない（format: jp-m11, jp-my-number など）。",
                      "A number with a wrong length or check digit (format: jp-m11, jp-my-number, ...).")
CHARACTER_OUTSIDE_REPERTOIRE = declare("character-outside-repertoire", "schema", "行政事務標準文字（format: jp-gyosei-moji）または宣言した JIS X 0213（format: jp-jisx0213）の範囲外の文字がある。",
                                       "A character outside 行政事務標準文字 (format: jp-gyosei-moji) or the declared JIS X 0213 (format: jp-jisx0213).")

# Keywords the SQL compiler does not translate: their tables are validated row by row (jsonschema), and
# a violation is named after the keyword. No spec of the suite uses them today.
TYPE = declare("type", "schema", "値の型が違う（type）。", "A value of another JSON type (type).")
MINIMUM = declare("minimum", "schema", "値が最小値より小さい（minimum）。", "A value below the minimum (minimum).")
MAXIMUM = declare("maximum", "schema", "値が最大値より大きい（maximum）。", "A value above the maximum (maximum).")
EXCLUSIVE_MINIMUM = declare("exclusive-minimum", "schema", "値が下限以下（exclusiveMinimum）。", "A value not above the bound (exclusiveMinimum).")
EXCLUSIVE_MAXIMUM = declare("exclusive-maximum", "schema", "値が上限以上（exclusiveMaximum）。", "A value not below the bound (exclusiveMaximum).")
MULTIPLE_OF = declare("multiple-of", "schema", "値が倍数ではない（multipleOf）。", "A value that is not a multiple (multipleOf).")
MIN_ITEMS = declare("min-items", "schema", "配列の要素が少なすぎる（minItems）。", "An array with too few elements (minItems).")
MAX_ITEMS = declare("max-items", "schema", "配列の要素が多すぎる（maxItems）。", "An array with too many elements (maxItems).")
UNIQUE_ITEMS = declare("unique-items", "schema", "配列の要素が重複している（uniqueItems）。", "An array with repeated elements (uniqueItems).")
ITEMS = declare("items", "schema", "配列の要素が条件を満たさない（items）。", "Array elements beyond those allowed (items).")
CONTAINS = declare("contains", "schema", "条件を満たす要素が配列にない（contains）。", "No array element matches (contains).")
MIN_CONTAINS = declare("min-contains", "schema", "条件を満たす要素が少なすぎる（minContains）。", "Too few array elements match (minContains).")
MAX_CONTAINS = declare("max-contains", "schema", "条件を満たす要素が多すぎる（maxContains）。", "Too many array elements match (maxContains).")
MIN_PROPERTIES = declare("min-properties", "schema", "項目が少なすぎる（minProperties）。", "Too few items (minProperties).")
MAX_PROPERTIES = declare("max-properties", "schema", "項目が多すぎる（maxProperties）。", "Too many items (maxProperties).")
DEPENDENT_REQUIRED = declare("dependent-required", "schema", "ある項目があるときに必要な項目がない（dependentRequired）。",
                             "An item required by the presence of another is absent (dependentRequired).")
ANY_OF = declare("any-of", "schema", "どの選択肢も満たさない（anyOf）。", "No alternative holds (anyOf).")
ONE_OF = declare("one-of", "schema", "ちょうど一つの選択肢を満たさない（oneOf）。", "Not exactly one alternative holds (oneOf).")
NOT = declare("not", "schema", "満たしてはならない条件を満たす（not）。", "A schema that must not hold holds (not).")
UNEVALUATED_ITEMS = declare("unevaluated-items", "schema", "評価されない配列要素がある（unevaluatedItems）。", "Unevaluated array elements (unevaluatedItems).")
UNEVALUATED_PROPERTIES = declare("unevaluated-properties", "schema", "評価されない項目がある（unevaluatedProperties）。",
                                 "Unevaluated items (unevaluatedProperties).")
SCHEMA_KEYWORD = declare("schema-keyword", "schema", "スキーマの他のキーワードの条件を満たさない。",
                         "A value violates another keyword of the schema.")
FALSE_SCHEMA = declare("false-schema", "schema", "常に偽のスキーマ（false）に当たる値がある。", "A value where the schema is `false`.")

# --- Rules -------------------------------------------------------------------------------------------
ROW_RULE = declare("row-rule", "rule", "レコードが規則（項目間の条件）を満たさない。", "A record violates a row rule (a condition between items).")
DATASET_RULE = declare("dataset-rule", "rule", "レコードがデータセットの規則（一意性・参照など）を満たさない。",
                       "A record violates a dataset rule (uniqueness, references ...).")

# --- API ---------------------------------------------------------------------------------------------
REDIRECT_OTHER_HOST = declare("redirect-other-host", "api", "別のホストへ転送された（トークンを送らないため追跡しない）。",
                              "Redirected to another host (not followed, so that the token is not sent there).")
UNEXPECTED_STATUS = declare("unexpected-status", "api", "期待と異なる HTTP ステータスが返った。", "An HTTP status other than the expected one.")
WRONG_CONTENT_TYPE = declare("wrong-content-type", "api", "Content-Type のメディアタイプが期待と異なる。", "A Content-Type with another media type than expected.")
WRONG_CHARSET = declare("wrong-charset", "api", "Content-Type の charset が期待と異なる。", "A Content-Type charset other than expected.")
MISSING_HEADER = declare("missing-header", "api", "応答ヘッダーがない、または形式に合わない。", "A response header that is absent or malformed.")
SCHEMA_VIOLATION = declare("schema-violation", "api", "応答の形（レコードの値を除く）がAPI契約のスキーマに反する。",
                           "An answer's shape (other than record values) against the contract's schema.")
WRONG_RECORD = declare("wrong-record", "api", "指定した主キーと異なるレコードが返った。", "A record other than the one asked for by its key.")
DUPLICATE_RECORD = declare("duplicate-record", "api", "ページングで同じレコードが重複して返った。", "Paging returned the same record twice.")
LOST_RECORD = declare("lost-record", "api", "ページングで返らないレコードがある。", "Paging lost a record.")
EXTRA_RECORD = declare("extra-record", "api", "ページングでだけ返るレコードがある。", "Paging returned a record the full list lacks.")
UNSTABLE_ORDER = declare("unstable-order", "api", "ページの大きさによってレコードの順序が変わる。", "The order of records changes with the page size.")
PAGE_FAILED = declare("page-failed", "api", "ページの取得に失敗した。", "A page could not be fetched.")
NOT_FILTERED = declare("not-filtered", "api", "updated_since より前に更新されたレコードが返った。", "Records updated before updated_since were returned.")
MISSING_UPDATED = declare("missing-updated", "api", "updated_since 以降に更新されたレコードが返らない。", "Records updated since updated_since were not returned.")
SERVER_ERROR = declare("server-error", "api", "生成した要求にサーバー内部エラー（5xx）が返った（--fuzz）。",
                       "A generated request got a server error, 5xx (--fuzz).")
CONTRACT_VIOLATION = declare("contract-violation", "api", "生成した要求に契約に反する応答が返った（--fuzz）。",
                             "A generated request got an answer against the contract (--fuzz).")


def markdown() -> str:
    """docs/FINDING-CODES.md: the catalogue as a document, group by group."""
    lines = [
        "# Finding codes",
        "",
        "Every code a finding can carry, with its meaning. Generated from `conformance/results/codes.py` by",
        "`python -m conformance.results.codes > docs/FINDING-CODES.md`; tests/test_finding_codes.py fails when",
        "this file is out of date or when a finding carries a code not declared there.",
        "",
        "The same problem has the same code in file mode and API mode (an item the standard does not define",
        "is `unknown-item` whether it is a file's column or a key of a gathered record).",
    ]
    for group, title in GROUPS.items():
        lines += ["", f"## {title}", "", "| code | 意味 | meaning |", "| --- | --- | --- |"]
        lines += [f"| `{c.code}` | {c.ja} | {c.en} |" for c in CATALOGUE.values() if c.group == group]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
