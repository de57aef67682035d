"""CSV and TSV: strict UTF-8, RFC 4180 quoting, exact line numbers.

Python's csv module is the parser of record rather than DuckDB's reader: measured with DuckDB 2.0, a
`store_rejects` scan mis-parses the rows that follow a quoted field holding a line break, and a
conformance report must never misplace a finding.

The fast path: a file that one streaming pass proves *plain* (valid UTF-8, no NUL, one line-end
style, no bare CR, double quotes only around whole fields that hold no separator, quote or line break)
has one record per line and no quoting that matters, so DuckDB's own reader gives exactly what the
strict parser would, and record n is on line n + 1 (fully quoted exports, common from spreadsheet
tools, take this path too). Such a file carries a
`DirectRead`, and the database reads it natively. Anything DuckDB then refuses (a wrong field count,
a blank line that makes the counts differ) sends the file back to the strict parser, which the
`records` iterator still runs on demand: the findings and line numbers stay those of the strict parser.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy

from conformance.readers.base import ParsedTable, RawRecord, ReadIssue, header_positions, row_values
from conformance.results import codes

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = {
    b"\xff\xfe": "UTF-16LE",
    b"\xfe\xff": "UTF-16BE",
}


def _guess_encoding(data: bytes) -> str | None:
    for codec, label in (("cp932", "Shift_JIS (CP932)"), ("euc_jp", "EUC-JP")):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return label
    return None


def decode_utf8(data: bytes) -> tuple[str | None, bool, ReadIssue | None]:
    """The text, whether it had a BOM, and the encoding issue that stops reading (if any)."""
    for other_bom, label in _OTHER_BOMS.items():
        if data.startswith(other_bom):
            return None, False, ReadIssue(
                "encoding", codes.NOT_UTF8, f"文字コードが {label} です（BOMで判定）。UTF-8で出力してください。", line=1
            )
    bom = data.startswith(_UTF8_BOM)
    nul = _nul_issue(data)
    if nul is not None:
        return None, bom, nul
    body = data[len(_UTF8_BOM) :] if bom else data
    try:
        return body.decode("utf-8"), bom, None
    except UnicodeDecodeError as error:
        offset = error.start + (len(_UTF8_BOM) if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        guess = _guess_encoding(body)
        hint = f"（{guess} と思われます）" if guess else ""
        message = (
            f"UTF-8として読めないバイト列があります（{line}行目、先頭から{offset}バイト目）{hint}。"
            "ファイル全体をUTF-8で出力してください。"
        )
        return None, bom, ReadIssue("encoding", codes.NOT_UTF8, message, line=line)


def _nul_issue(data: bytes) -> ReadIssue | None:
    """NUL bytes: valid UTF-8, but no text export holds them; they mean UTF-16 without a BOM or a
    binary file, and csv and DuckDB would each read them differently."""
    first = data.find(b"\x00")
    if first < 0:
        return None
    line = data.count(b"\n", 0, first) + 1
    head = data[:4096]
    # UTF-16 puts a NUL beside every ASCII character (the commas and line ends at least).
    if head.count(b"\x00") * 4 >= len(head):
        message = f"NULバイトが多数あります（{line}行目から）。UTF-16（BOMなし）と思われます。UTF-8で出力してください。"
    else:
        message = f"NULバイト（U+0000）があります（{line}行目、先頭から{first}バイト目）。テキストとして読めません。"
    return ReadIssue("encoding", codes.NUL_BYTE, message, line=line)


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
            yield start + consumed + 1, None, str(error)
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


_CHUNK = 1 << 22


class _CleanText:
    """Proves, chunk by chunk, that a file is valid UTF-8 without NUL (the plain-file scan and the
    strict parser's streaming both need it)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def feed(self, chunk: bytes) -> bool:
        if b"\x00" in chunk:
            return False
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        return True

    def finish(self) -> bool:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class DirectRead:
    """A plain delimited file that DuckDB may read itself: one record per line after the header."""

    path: Path
    delimiter: str
    width: int
    records: int


@dataclass
class DelimitedTable(ParsedTable):
    """A parsed CSV/TSV; `direct` is set when the file is plain (see the module docstring)."""

    direct: DirectRead | None = None


class _Quotes:
    """Proves, chunk by chunk, that every double quote of a file wraps one whole field.

    A quote that opens must follow a separator or a line start, one that closes must precede a
    separator or a line end, they alternate, and no separator or line end lies between an opening and
    its closing quote (after an odd number of quotes). So no quoted field holds a separator, a line break
    or a quote (a doubled quote fails the closing test): such a field reads the same whether quotes are
    honoured or not, up to the quotes themselves, which DuckDB drops as csv does.
    """

    def __init__(self, delimiter: int, start: int) -> None:
        self.delimiter = delimiter
        self.start = start  # where the first line starts: after a UTF-8 BOM's bytes
        self.offset = 0  # of the current chunk in the file
        self.seen = 0
        self.previous = 10  # the byte before the file: as after a line end
        self.closing_at_end = False  # the last chunk ended on a closing quote: its next byte is pending

    def feed(self, data: numpy.ndarray, ends: numpy.ndarray, marks: numpy.ndarray, any_quote: bool) -> bool:
        """Take the next chunk (`any_quote`: it holds a quote; a memchr-fast test spares the scan)."""
        if self.closing_at_end and int(data[0]) not in (self.delimiter, 13, 10):
            return False
        quotes = numpy.flatnonzero(data == 34) if any_quote else numpy.empty(0, dtype=numpy.intp)
        self.closing_at_end = False
        if len(quotes):
            before = data[quotes - 1]
            before[quotes == 0] = self.previous
            if self.start:
                before[quotes + self.offset == self.start] = 10
            last = len(data) - 1
            after = data[numpy.minimum(quotes + 1, last)]
            opening = (self.seen + numpy.arange(len(quotes))) % 2 == 0
            opens = (before == self.delimiter) | (before == 10)
            closes = (after == self.delimiter) | (after == 13) | (after == 10) | (quotes == last)
            if not bool(numpy.where(opening, opens, closes).all()):
                return False
            self.closing_at_end = bool(quotes[-1] == last and not opening[-1])
        # A separator or a line end after an odd number of quotes is inside a quoted field.
        if self.seen % 2 or len(quotes):
            for positions in (marks, ends):
                if bool(((self.seen + numpy.searchsorted(quotes, positions)) % 2).any()):
                    return False
        self.seen += len(quotes)
        self.previous = int(data[-1])
        self.offset += len(data)
        return True

    def finish(self) -> bool:
        """The file did not end inside a quoted field."""
        return self.seen % 2 == 0


def _unquoted(name: str) -> str:
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == '"' else name


def _plain_lines(path: Path, delimiter: str) -> tuple[int, bool, list[str]] | None:
    """(lines, BOM, header) when the file is plain: valid UTF-8 without NUL, quotes only around whole
    fields (`_Quotes`), one line-end style, and every line (the header's included) holding the header's
    number of fields."""
    with path.open("rb") as stream:
        first_line = stream.readline()
    bom = first_line.startswith(_UTF8_BOM)
    try:
        header_text = first_line[len(_UTF8_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = [_unquoted(name) for name in header_text.rstrip("\r\n").split(delimiter)]
    separators = len(header) - 1
    clean = _CleanText()
    mark = ord(delimiter)
    quotes = _Quotes(mark, len(_UTF8_BOM) if bom else 0)
    lf = cr = crlf = 0
    carried = 0  # separators seen since the last line end
    previous_cr = False
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if not clean.feed(chunk):
                return None
            # Separators per line, vectorised: how many separators precede each line end, differenced.
            data = numpy.frombuffer(chunk, dtype=numpy.uint8)
            marks = numpy.flatnonzero(data == mark)
            ends = numpy.flatnonzero(data == 10)
            lf += len(ends)
            # Most exports hold no CR (a memchr-fast test); a CRLF is a line end whose byte before is CR.
            if b"\r" in chunk:
                cr += chunk.count(b"\r")
                crlf += int(numpy.count_nonzero(data[ends[ends > 0] - 1] == 13))
            crlf += 1 if previous_cr and chunk.startswith(b"\n") else 0
            previous_cr = chunk.endswith(b"\r")
            if not quotes.feed(data, ends, marks, b'"' in chunk):
                return None
            if len(ends):
                before = numpy.searchsorted(marks, ends)
                per_line = numpy.diff(before, prepend=0)
                per_line[0] += carried
                if not bool((per_line == separators).all()):
                    return None
                carried = len(marks) - int(before[-1])
            else:
                carried += len(marks)
    if not clean.finish():
        return None
    if (cr and not (cr == crlf == lf)) or not quotes.finish():
        return None
    ends_with_newline = _ends_with_newline(path)
    if not ends_with_newline and carried != separators:
        return None  # the last line, without a line end, lacks or has extra fields
    lines = lf + (0 if ends_with_newline else 1)
    return lines, bom, header


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as stream:
        stream.seek(-1, 2)
        return stream.read(1) == b"\n"


def read_delimited(path: Path, delimiter: str) -> ParsedTable:
    """Open a CSV (`,`) or TSV (tab) file as a table."""
    plain = _plain_lines(path, delimiter) if path.stat().st_size else None
    if plain is not None and len(plain[2]) >= 2:
        lines, bom, header = plain
        parsed = DelimitedTable(header=header, records=iter(()), encoding="UTF-8", bom=bom)
        parsed.issues.extend(header_issues(parsed.header, 1))
        parsed.direct = DirectRead(path, delimiter, len(parsed.header), lines - 1)
        parsed.records = _deferred(parsed, path, delimiter)
        return parsed
    return _read_strict(path, delimiter)


def _deferred(parsed: ParsedTable, path: Path, delimiter: str) -> Iterator[RawRecord]:
    """The strict parser's records, run only when someone iterates (a consumer without the fast path)."""
    strict = _read_strict(path, delimiter)
    yield from strict.records
    parsed.issues[:] = strict.issues
    parsed.rejected = strict.rejected


def _clean_utf8(path: Path) -> bool:
    """The file is UTF-8 without NUL and without a UTF-16 BOM: the strict parser may stream it (one
    pass, chunk by chunk); any other file is read whole, for `decode_utf8` to say what is wrong."""
    clean = _CleanText()
    with path.open("rb") as stream:
        if stream.read(2) in _OTHER_BOMS:
            return False
        stream.seek(0)
        while chunk := stream.read(_CHUNK):
            if not clean.feed(chunk):
                return False
    return clean.finish()


def _streamed_lines(path: Path, bom: bool, parsed: ParsedTable) -> Iterator[str]:
    """The file's lines, split where csv splits them (LF, CRLF, CR; not at U+2028, VT or FF)."""
    binary = path.open("rb")
    binary.seek(len(_UTF8_BOM) if bom else 0)
    with io.TextIOWrapper(binary, encoding="utf-8", errors="strict", newline="") as text:
        try:
            yield from text
        except UnicodeDecodeError:
            # Only a file changed since it was proved clean gets here; the integrity check names it too.
            parsed.issues.append(ReadIssue("encoding", codes.NOT_UTF8, "読み込み中にUTF-8として読めないバイト列が現れました（ファイルが変更された可能性があります）。"))


def _read_strict(path: Path, delimiter: str) -> ParsedTable:
    lines: Iterable[str]
    if _clean_utf8(path):
        with path.open("rb") as stream:
            bom = stream.read(len(_UTF8_BOM)) == _UTF8_BOM
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
