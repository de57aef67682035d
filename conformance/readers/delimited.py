"""CSV and TSV: strict UTF-8, RFC 4180 quoting, exact line numbers.

Python's csv module is the parser of record rather than DuckDB's reader: measured with DuckDB 2.0, a
`store_rejects` scan mis-parses the rows that follow a quoted field holding a line break, and a
conformance report must never misplace a finding.

The fast path: a file that one streaming pass proves *plain* (valid UTF-8, no NUL, one line-end
style and no bare CR outside quotes, double quotes only around whole fields, which may hold separators,
doubled quotes and line breaks, every record with the header's field count) reads the same in DuckDB's
reader as in the strict parser, and record n is on line n + 1 + the line breaks inside quoted fields of
the records before it, which the scan counts (fully quoted exports, common from spreadsheet tools, and
an export with a line break in a 備考 take this path too). Such a file carries a
`DirectRead`, and the database reads it natively. Anything DuckDB then refuses (a wrong field count,
a blank line that makes the counts differ) sends the file back to the strict parser, which the
`records` iterator still runs on demand: the findings and line numbers stay those of the strict parser.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from conformance.readers.base import ParsedTable, RawRecord, ReadIssue, header_positions, row_values
from conformance.readers.encoding import UTF8_BOM, decode_utf8
from conformance.readers.plain import DirectRead, clean_utf8, plain_lines
from conformance.results import codes
from conformance.results.masking import library_message


class _Feed:
    """The lines one csv reader takes: first those given back by the previous reader, then the source's.
    Keeps the lines taken since the reader's last complete record, where a parse resumes after an error."""

    def __init__(self, replay: deque[str], source: Iterator[str]) -> None:
        self.replay = replay
        self.source = source
        self.taken: list[str] = []
        self.exhausted = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.replay:
            line = self.replay.popleft()
        else:
            try:
                line = next(self.source)
            except StopIteration:
                self.exhausted = True
                raise
        self.taken.append(line)
        return line


def _rows(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line, fields, None) per record, or (line, None, error) for a record that cannot be parsed.

    After a syntax error the parse resumes on the line after the broken record, so one bad quote
    costs one record, not the rest of the file. The lines stream: only the record being read is held
    (a million-record export with one quoted line break must not be read into memory whole).
    """
    source = iter(lines)
    start = 0  # lines before the current reader's first line
    replay: deque[str] = deque()
    while True:
        if not replay:
            first = next(source, None)
            if first is None:
                return
            replay.append(first)
        feed = _Feed(replay, source)
        reader = csv.reader(feed, delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for fields in reader:
                yield start + consumed + 1, fields, None
                consumed = reader.line_num
                feed.taken.clear()
            return
        except csv.Error as error:
            yield start + consumed + 1, None, library_message(error, typed=False)
            # An unbalanced quote runs the reader to the end of the data: resume on the line after
            # the broken record's first line, or the rest of the file would vanish into it.
            unterminated = feed.exhausted and "unexpected end of data" in str(error)
            resume = consumed + 1 if unterminated else max(reader.line_num, consumed + 1)
            # The lines from `resume` on that this reader took go back, before those it had not reached.
            replay.extendleft(reversed(feed.taken[resume - consumed :]))
            for _ in range(resume - reader.line_num):  # lines to skip that the reader never took
                if replay:
                    replay.popleft()
                elif next(source, None) is None:
                    break
            start += resume


@dataclass
class DelimitedTable(ParsedTable):
    """A parsed CSV/TSV; `direct` is set when the file is plain (see the module docstring)."""

    direct: DirectRead | None = None


def read_delimited(path: Path, delimiter: str) -> ParsedTable:
    """Open a CSV (`,`) or TSV (tab) file as a table."""
    plain = plain_lines(path, delimiter) if path.stat().st_size else None
    if plain is not None and len(plain.header) >= 2:
        parsed = DelimitedTable(header=plain.header, records=iter(()), encoding="UTF-8", bom=plain.bom)
        parsed.issues.extend(header_issues(parsed.header, 1))
        parsed.direct = DirectRead(path, delimiter, len(parsed.header), plain.lines - 1, plain.breaks)
        parsed.records = _deferred(parsed, path, delimiter)
        return parsed
    return _read_strict(path, delimiter)


def _deferred(parsed: ParsedTable, path: Path, delimiter: str) -> Iterator[RawRecord]:
    """The strict parser's records, run only when someone iterates (a consumer without the fast path)."""
    strict = _read_strict(path, delimiter)
    yield from strict.records
    parsed.issues[:] = strict.issues
    parsed.rejected = strict.rejected


def _streamed_lines(path: Path, bom: bool, parsed: ParsedTable) -> Iterator[str]:
    """The file's lines, split where csv splits them (LF, CRLF, CR; not at U+2028, VT or FF)."""
    binary = path.open("rb")
    binary.seek(len(UTF8_BOM) if bom else 0)
    with io.TextIOWrapper(binary, encoding="utf-8", errors="strict", newline="") as text:
        try:
            yield from text
        except UnicodeDecodeError:
            # Only a file changed since it was proved clean gets here; the integrity check names it too.
            parsed.issues.append(ReadIssue("encoding", codes.NOT_UTF8, "読み込み中にUTF-8として読めないバイト列が現れました（ファイルが変更された可能性があります）。"))


def _read_strict(path: Path, delimiter: str) -> ParsedTable:
    lines: Iterable[str]
    if clean_utf8(path):
        with path.open("rb") as stream:
            bom = stream.read(len(UTF8_BOM)) == UTF8_BOM
        parsed = ParsedTable(header=[], records=iter(()), encoding="UTF-8", bom=bom)
        lines = _streamed_lines(path, bom, parsed)
    else:
        text, bom, issue = decode_utf8(path.read_bytes())
        if text is None:
            assert issue is not None
            return ParsedTable.unreadable(issue, bom=bom)
        parsed = ParsedTable(header=[], records=iter(()), encoding="UTF-8", bom=bom)
        # splitlines also breaks at U+2028, VT, FF …; csv must see only real line ends, so re-join those.
        lines = _merge_non_newline_breaks(text.splitlines(keepends=True))
    rows = _rows(lines, delimiter)
    header_line = None
    for line, fields, error in rows:
        if error is not None:
            parsed.issues.append(ReadIssue("syntax", codes.MALFORMED_HEADER, f"ヘッダー行を解析できません: {error}", line))
            return parsed
        assert fields is not None
        header_line = line
        parsed.header = fields
        break
    if header_line is None:
        if not parsed.issues:  # an encoding issue met while streaming says more than "no header"
            parsed.issues.append(ReadIssue("header", codes.NO_HEADER, "ヘッダー行がありません（空のファイル）。", line=1))
        return parsed
    parsed.issues.extend(header_issues(parsed.header, header_line))
    parsed.records = _records(parsed, rows)
    return parsed


def _merge_non_newline_breaks(lines: list[str]) -> list[str]:
    merged: list[str] = []
    for line in lines:
        if merged and not merged[-1].endswith(("\n", "\r")):
            merged[-1] += line
        else:
            merged.append(line)
    return merged


def header_issues(header: list[str], line: int) -> list[ReadIssue]:
    """Empty and duplicated column names (missing and unknown ones need the spec: the engine checks)."""
    issues = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name.strip():
            issues.append(ReadIssue("header", codes.EMPTY_COLUMN_NAME, f"{position}列目の項目名が空です。", line))
        elif name in seen:
            issues.append(
                ReadIssue("header", codes.DUPLICATE_COLUMN, f"項目「{name}」がヘッダーに2回以上あります（{position}列目）。", line, name)
            )
        seen.add(name)
    return issues


def _records(parsed: ParsedTable, rows: Iterator[tuple[int, list[str] | None, str | None]]) -> Iterator[RawRecord]:
    width = len(parsed.header)
    positions = header_positions(parsed.header)
    record = 0
    for line, fields, error in rows:
        record += 1
        if error is not None:
            parsed.rejected += 1
            parsed.issues.append(ReadIssue("syntax", codes.MALFORMED_RECORD, f"レコードを解析できません: {error}", line))
            continue
        assert fields is not None
        if len(fields) != width:
            parsed.rejected += 1
            what = "空行です" if not fields else f"項目数が{len(fields)}でヘッダーの{width}と一致しません"
            parsed.issues.append(ReadIssue("syntax", codes.FIELD_COUNT, f"{what}（このレコードは検査していません）。", line))
            continue
        yield RawRecord(
            record=record,
            line=line,
            values=row_values(positions, fields),
        )
