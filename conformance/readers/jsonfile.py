"""JSON (an array of objects) and NDJSON (one object per line), UTF-8, values as strings.

"Records in the file", which every element must end up as (read or rejected, never lost): for NDJSON
each non-blank line; for a JSON array each top-level element up to the first syntax error, plus one
for an unparsable remainder (after a syntax error the array's elements cannot be told apart).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.readers.base import ParsedTable, RawRecord, ReadIssue
from conformance.readers.encoding import decode_utf8
from conformance.results import codes
from conformance.results.masking import library_message, sanitised

_WHITESPACE = " \t\r\n"


class _DuplicatedKeys(dict[str, Any]):
    """An object that named a key twice: which value the vendor meant is unknown."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of duplicated keys without a word; a conformance check must not.
    result: dict[str, Any] = {}
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result.setdefault(key, value)
    if not duplicates:
        return result
    marked = _DuplicatedKeys(result)
    marked.duplicates = duplicates
    return marked


_DECODER = json.JSONDecoder(object_pairs_hook=_object)
# A `\ud800` escape is legal JSON text but no character: UTF-8 cannot encode it, so nothing downstream
# (staging, reports) could carry the value.
_SURROGATE = re.compile("[\ud800-\udfff]")


class _LoneSurrogate(dict[str, Any]):
    """An object whose keys or values hold a lone surrogate: `item` is the first such key."""

    item: str


def _flag_surrogates(element: Any) -> Any:
    """The element, marked when a key or a value (at any depth) holds a lone surrogate."""
    if not isinstance(element, dict) or isinstance(element, _DuplicatedKeys):
        return element
    for key, value in element.items():
        text = value if isinstance(value, str) else _text(value) if value is not None else None
        if _SURROGATE.search(key) or (text is not None and _SURROGATE.search(text)):
            marked = _LoneSurrogate(element)
            marked.item = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", key)  # the name must print
            return marked
    return element


class _Unparsable(Exception):
    """A JSON value that cannot be parsed: the reason in Japanese, and the line it was met on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _decode(text: str, position: int, first_line: int = 1) -> tuple[Any, int]:
    """One JSON value at `position`; _Unparsable when it cannot be parsed."""
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        raise _Unparsable(f"JSONとして解析できません: {sanitised(error.msg)}", first_line + error.lineno - 1) from None
    except RecursionError:
        raise _Unparsable("JSONの入れ子が深すぎて解析できません", first_line + _line_at(text, position) - 1) from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise _Unparsable(f"JSONの値を変換できません（{library_message(error, typed=False)}）", first_line + _line_at(text, position) - 1) from None


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _array_elements(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line, element, None) for each element of the top-level array, or (line, None, error)."""
    position = _skip_whitespace(text, 0)
    if not text.startswith("[", position):
        yield _line_at(text, position), None, "JSONの最上位が配列ではありません"
        return
    position = _skip_whitespace(text, position + 1)
    if text.startswith("]", position):
        return
    while True:
        try:
            element, end = _decode(text, position)
        except _Unparsable as error:
            yield error.line, None, str(error)
            return
        yield _line_at(text, position), element, None
        position = _skip_whitespace(text, end)
        if text.startswith(",", position):
            position = _skip_whitespace(text, position + 1)
        elif text.startswith("]", position):
            if _skip_whitespace(text, position + 1) != len(text):
                yield _line_at(text, position), None, "配列の後に余分なデータがあります"
            return
        else:
            yield _line_at(text, position), None, "配列の要素の区切り（, または ]）がありません"
            return


def _ndjson_elements(text: str) -> Iterator[tuple[int, Any, str | None]]:
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            element, end = _decode(line, _skip_whitespace(line, 0), line_number)
        except _Unparsable as error:
            yield line_number, None, str(error)
            continue
        if _skip_whitespace(line, end) != len(line):
            yield line_number, None, "1行に複数の値があります（NDJSONは1行に1つのオブジェクトです）"
            continue
        yield line_number, element, None


def read_json(path: Path, *, lines: bool) -> ParsedTable:
    """Open a JSON array (`lines=False`) or NDJSON file as a table; keys in first-seen order."""
    text, bom, issue = decode_utf8(path.read_bytes())
    if text is None:
        assert issue is not None
        return ParsedTable.unreadable(issue, bom=bom)
    elements = [(line, _flag_surrogates(element), error)
                for line, element, error in (_ndjson_elements(text) if lines else _array_elements(text))]
    del text  # the elements hold what is needed; a large file should not be kept twice
    header: list[str] = []
    seen: set[str] = set()
    for _, element, _error in elements:
        if isinstance(element, dict) and not isinstance(element, (_DuplicatedKeys, _LoneSurrogate)):
            for key in element:
                if key not in seen:
                    seen.add(key)
                    header.append(key)
    parsed = ParsedTable(header=header, records=iter(()), encoding="UTF-8", bom=bom)
    parsed.records = _records(parsed, elements)
    if not header:
        # Nothing of the file will be loaded, so its records are never iterated: judge them now, or
        # the reasons it could not be read (syntax errors, non-objects) would never be reported.
        for _record in parsed.records:
            pass
        if not parsed.issues:
            parsed.issues.append(ReadIssue("header", codes.NO_HEADER, "レコードがありません（項目を判定できません）。", line=1))
    return parsed


def _text(value: Any) -> str | None:
    """A non-string value as JSON text (None when even that fails: too deep to serialise)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return None


def _records(parsed: ParsedTable, elements: list[tuple[int, Any, str | None]]) -> Iterator[RawRecord]:
    for record, (line, element, error) in enumerate(elements, start=1):
        if error is not None:
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.MALFORMED_JSON, f"{error}（このレコードは検査していません）。", line))
            continue
        if not isinstance(element, dict):
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.NOT_AN_OBJECT, "レコードがJSONオブジェクトではありません。", line))
            continue
        if isinstance(element, _DuplicatedKeys):
            parsed.rejected += 1
            names = "、".join(f"「{key}」" for key in dict.fromkeys(element.duplicates))
            message = f"同じキー{names}が1つのオブジェクトに2回以上あります（どちらの値か判断できないため、このレコードは検査していません）。"
            parsed.issues.append(ReadIssue("syntax", codes.DUPLICATE_KEY, message, line, element.duplicates[0]))
            continue
        if isinstance(element, _LoneSurrogate):
            parsed.rejected += 1
            message = f"「{element.item}」に対になっていないサロゲート（\\ud800 など）があり、UTF-8の文字として表せません（このレコードは検査していません）。"
            parsed.issues.append(ReadIssue("encoding", codes.LONE_SURROGATE, message, line, element.item, record))
            continue
        values: dict[str, str] = {}
        for key, value in element.items():
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                parsed.issues.append(
                    ReadIssue("syntax", codes.NON_STRING_VALUE, f"「{key}」の値が文字列ではありません（{type(value).__name__}）。すべての値は文字列で出力してください。", line, key)
                )
                value = _text(value)
                if value is None:
                    continue
            values[key] = value
        yield RawRecord(record=record, line=line, values=values)
