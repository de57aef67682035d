"""The fast path's proof: one streaming pass shows a delimited file *direct-readable* (valid UTF-8, no NUL,
one line-end style outside quotes, no bare CR outside quotes, double quotes only around whole fields,
every record with the header's field count), so DuckDB's own reader gives exactly what the strict
parser would. A quoted field may hold separators, doubled quotes and line breaks (LF, CRLF, CR): the
scan records, for each record holding quoted line breaks, how many extra lines it spans, so record r
(from 0) starts on line r + 2 + the extra lines of the records before it, as the strict parser counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.readers.encoding import OTHER_BOMS, UTF8_BOM, CleanText

if TYPE_CHECKING:
    import numpy

_CHUNK = 1 << 22
# Records holding quoted line breaks that a direct read numbers by its table of extra lines; a file with
# more goes to the strict parser: the line numbers' CASE (checks/sql.line_offset) is planned in every
# query naming the table, measured at ~0.06 ms of CPU per record it lists (128: ~7 ms per query).
MAX_BROKEN_RECORDS = 128

_QUOTE, _LF, _CR = 34, 10, 13


@dataclass(frozen=True, slots=True)
class DirectRead:
    """A delimited file that DuckDB may read itself; `breaks`: (record index from 0, extra lines) of each
    record whose quoted fields hold line breaks, in record order (empty for one record per line)."""

    path: Path
    delimiter: str
    width: int
    records: int
    breaks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PlainScan:
    """What the scan proved: the file's lines outside quotes, its BOM, its header, its records' extra lines."""

    lines: int
    bom: bool
    header: list[str]
    breaks: tuple[tuple[int, int], ...]


class _Quotes:
    """Proves, chunk by chunk, that every double quote of a file wraps one whole field or is doubled inside one.

    A quote that opens must follow a separator, a line start or (the second of a doubled quote) a quote;
    one that closes must precede a separator, a line end or (the first of a doubled quote) a quote; they
    alternate. A byte after an odd number of quotes is inside a quoted field: `inside` tells which.
    """

    def __init__(self, delimiter: int, start: int) -> None:
        # numpy imported on first use: a workbook's child process (readers/sheetpart.py) never needs it (~0.05 s)
        import numpy

        self.delimiter = delimiter
        self.start = start  # where the first line starts: after a UTF-8 BOM's bytes
        self.offset = 0  # of the current chunk in the file
        self.seen = 0
        self.previous = _LF  # the byte before the file: as after a line end
        self.closing_at_end = False  # the last chunk ended on a closing quote: its next byte is pending
        self.quotes = numpy.empty(0, dtype=numpy.intp)
        self.parity: numpy.ndarray | None = None  # the chunk's quotes counted up to each byte (mod 256)
        # The bytes that may come before an opening quote, and after a closing one.
        self.opens = numpy.zeros(256, dtype=bool)
        self.opens[[delimiter, _LF, _QUOTE]] = True
        self.closes = numpy.zeros(256, dtype=bool)
        self.closes[[delimiter, _CR, _LF, _QUOTE]] = True

    def feed(self, data: numpy.ndarray, any_quote: bool) -> bool:
        """Take the next chunk (`any_quote`: it holds a quote; a memchr-fast test spares the scan).

        The chunk's opening and closing quotes are every other one (slices, not a parity per quote), and
        the bytes around them are judged by a table lookup: a fully quoted export has a quote every few bytes."""
        import numpy

        if self.closing_at_end and not self.closes[int(data[0])]:
            return False
        is_quote = data == _QUOTE if any_quote else None
        quotes = numpy.flatnonzero(is_quote) if is_quote is not None else numpy.empty(0, dtype=numpy.intp)
        self.closing_at_end = False
        self.parity = None if is_quote is None else numpy.cumsum(is_quote, dtype=numpy.uint8)
        if len(quotes):
            first = self.seen % 2  # 0: the chunk's first quote opens a field
            opening, closing = quotes[first::2], quotes[1 - first :: 2]
            if len(opening):
                before = data[opening - 1]
                if opening[0] == 0:
                    before[0] = self.previous
                if self.start and int(opening[0]) + self.offset == self.start:
                    before[0] = _LF  # the first quote of a file with a BOM starts its first line
                if not bool(self.opens[before].all()):
                    return False
            if len(closing):
                at_end = int(closing[-1]) == len(data) - 1  # its next byte is the next chunk's first
                if not bool(self.closes[data[(closing[:-1] if at_end else closing) + 1]].all()):
                    return False
                self.closing_at_end = at_end
        self.quotes = quotes
        return True

    def inside(self, positions: numpy.ndarray) -> numpy.ndarray:
        """Which of the chunk's `positions` (of bytes that are not quotes) lie inside a quoted field."""
        import numpy

        if not (self.seen % 2 or len(self.quotes)):
            return numpy.zeros(len(positions), dtype=bool)
        if self.parity is None:  # no quote in the chunk: inside where the last chunk ended inside
            return numpy.full(len(positions), bool(self.seen % 2))
        # The quotes up to each byte, mod 256 (uint8 wraps, parity kept), plus those of earlier chunks.
        inside: numpy.ndarray = ((self.parity[positions] + (self.seen % 2)) & 1).astype(bool)
        return inside

    def advance(self, data: numpy.ndarray) -> None:
        """The chunk is done."""
        self.seen += len(self.quotes)
        self.previous = int(data[-1])
        self.offset += len(data)

    def finish(self) -> bool:
        """The file did not end inside a quoted field."""
        return self.seen % 2 == 0


def _unquoted(name: str) -> str:
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == '"' else name


class _Scan:
    """The state of the pass over a file's chunks (see `plain_lines`)."""

    def __init__(self, delimiter: str, bom: bool, separators: int) -> None:
        self.mark = ord(delimiter)
        self.separators = separators
        self.quotes = _Quotes(self.mark, len(UTF8_BOM) if bom else 0)
        self.lf = self.cr = self.crlf = 0  # line ends outside quotes
        self.carried = 0  # separators outside quotes seen since the last line end
        self.previous_cr = False  # the last chunk ended on a CR outside quotes
        self.breaks: dict[int, int] = {}  # line index from 0 (0 = the header) → extra lines inside quotes

    def feed(self, chunk: bytes) -> bool:
        import numpy

        data = numpy.frombuffer(chunk, dtype=numpy.uint8)
        if not self.quotes.feed(data, b'"' in chunk):
            return False
        marks = numpy.flatnonzero(data == self.mark)
        ends = numpy.flatnonzero(data == _LF)
        # Most exports hold no CR (a memchr-fast test).
        crs = numpy.flatnonzero(data == _CR) if b"\r" in chunk else numpy.empty(0, dtype=numpy.intp)
        quoted = bool(len(self.quotes.quotes)) or self.quotes.seen % 2 == 1
        if quoted:
            inner_marks, inner_ends, inner_crs = (self.quotes.inside(p) for p in (marks, ends, crs))
            marks, inner_ends_at, ends = marks[~inner_marks], ends[inner_ends], ends[~inner_ends]
            inner_crs_at, crs = crs[inner_crs], crs[~inner_crs]
        # A CRLF is a line end whose byte before is CR (both inside or both outside quotes: no quote between).
        after_cr = data[ends[ends > 0] - 1] == _CR
        crlf = int(numpy.count_nonzero(after_cr)) + (1 if self.previous_cr and len(ends) and ends[0] == 0 else 0)
        if self.previous_cr and not (len(ends) and ends[0] == 0):
            return False  # a bare CR outside quotes ended the last chunk
        self.previous_cr = bool(len(crs)) and int(crs[-1]) == len(data) - 1  # its LF comes first in the next chunk
        self.cr += len(crs)
        self.crlf += crlf
        if quoted and (len(inner_ends_at) or len(inner_crs_at)):
            self._note_breaks(data, ends, inner_ends_at, inner_crs_at)
        if len(ends):
            before = numpy.searchsorted(marks, ends)
            per_line = numpy.diff(before, prepend=0)
            per_line[0] += self.carried
            if not bool((per_line == self.separators).all()):
                return False
            self.carried = len(marks) - int(before[-1])
        else:
            self.carried += len(marks)
        self.lf += len(ends)
        self.quotes.advance(data)
        return len(self.breaks) <= MAX_BROKEN_RECORDS

    def _note_breaks(self, data: numpy.ndarray, ends: numpy.ndarray, inner_lf: numpy.ndarray, inner_cr: numpy.ndarray) -> None:
        """Count the line breaks inside quoted fields per line (outside quotes) that holds them, as the
        strict parser's lines split them: a CRLF is one break, a lone CR or LF one each."""
        import numpy

        previous = self.quotes.previous
        lone_lf = inner_lf[numpy.where(inner_lf > 0, data[inner_lf - 1] != _CR, previous != _CR)]
        at = numpy.concatenate((inner_cr, lone_lf))
        lines, counts = numpy.unique(self.lf + numpy.searchsorted(ends, at), return_counts=True)
        for line, count in zip(lines.tolist(), counts.tolist(), strict=True):
            self.breaks[line] = self.breaks.get(line, 0) + count

    def proved(self) -> bool:
        """Balanced quotes, one line-end style outside quotes, and no line break inside the header."""
        if self.previous_cr or not self.quotes.finish() or 0 in self.breaks:
            return False
        return not self.cr or self.cr == self.crlf == self.lf


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


def plain_lines(path: Path, delimiter: str) -> PlainScan | None:
    """What the scan proved when DuckDB may read the file itself (valid UTF-8 without NUL, quotes only
    around whole fields (`_Quotes`), one line-end style outside quotes, every record (the header's
    included) holding the header's number of fields, at most MAX_BROKEN_RECORDS records spanning
    lines), else None."""
    first = plain_header(path, delimiter)
    if first is None:
        return None
    bom, header = first
    if any('"' in name for name in header):
        return None  # a quoted separator, line break or doubled quote in the header: the strict parser reads it
    clean = CleanText()
    scan = _Scan(delimiter, bom, len(header) - 1)
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if not clean.feed(chunk) or not scan.feed(chunk):
                return None
    if not clean.finish() or not scan.proved():
        return None
    ends_with_newline = _ends_with_newline(path)
    if not ends_with_newline and scan.carried != scan.separators:
        return None  # the last line, without a line end, lacks or has extra fields
    lines = scan.lf + (0 if ends_with_newline else 1)
    return PlainScan(lines, bom, header, tuple((line - 1, extra) for line, extra in sorted(scan.breaks.items())))


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
