"""The fast path's proof: one streaming pass shows a delimited file *plain* (valid UTF-8, no NUL, one
line-end style, no bare CR, double quotes only around whole fields that hold no separator, quote or
line break, every line with the header's field count), so DuckDB's own reader gives exactly what the
strict parser would, and record n is on line n + 1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy

from conformance.readers.encoding import OTHER_BOMS, UTF8_BOM, CleanText

_CHUNK = 1 << 22


@dataclass(frozen=True, slots=True)
class DirectRead:
    """A plain delimited file that DuckDB may read itself: one record per line after the header."""

    path: Path
    delimiter: str
    width: int
    records: int


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


def plain_header(path: Path, delimiter: str) -> tuple[bool, list[str]] | None:
    """(BOM, header) as the file's first line gives them if the file is plain (None: not UTF-8). The
    header `plain_lines` proves, read alone: a load may start on it before the proof ends."""
    with path.open("rb") as stream:
        first_line = stream.readline()
    bom = first_line.startswith(UTF8_BOM)
    try:
        header_text = first_line[len(UTF8_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return bom, [_unquoted(name) for name in header_text.rstrip("\r\n").split(delimiter)]


def plain_lines(path: Path, delimiter: str) -> tuple[int, bool, list[str]] | None:
    """(lines, BOM, header) when the file is plain: valid UTF-8 without NUL, quotes only around whole
    fields (`_Quotes`), one line-end style, and every line (the header's included) holding the header's
    number of fields."""
    first = plain_header(path, delimiter)
    if first is None:
        return None
    bom, header = first
    separators = len(header) - 1
    clean = CleanText()
    mark = ord(delimiter)
    quotes = _Quotes(mark, len(UTF8_BOM) if bom else 0)
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


def clean_utf8(path: Path) -> bool:
    """The file is UTF-8 without NUL and without a UTF-16 BOM: the strict parser may stream it (one
    pass, chunk by chunk); any other file is read whole, for `decode_utf8` to say what is wrong."""
    clean = CleanText()
    with path.open("rb") as stream:
        if stream.read(2) in OTHER_BOMS:
            return False
        stream.seek(0)
        while chunk := stream.read(_CHUNK):
            if not clean.feed(chunk):
                return False
    return clean.finish()
