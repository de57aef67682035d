"""The strict CSV parser streams its lines: it must read exactly what reading the whole text did.

The oracle is the whole-text parse it replaced (kept here, not in the package): the text split with
`splitlines` and re-joined where a line did not end in CR or LF, and a csv reader restarted over the
list of remaining lines after each syntax error. Both are compared on generated texts, with the text
stream's buffer cut into pieces of a few characters so that CRLF and quotes fall on buffer edges.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.readers import delimited
from conformance.readers.delimited import _merge_non_newline_breaks, _rows, read_delimited

Row = tuple[int, list[str] | None, str | None]


def _oracle_rows(lines: list[str], delimiter: str) -> Iterator[Row]:
    start = 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for fields in reader:
                yield start + consumed + 1, fields, None
                consumed = reader.line_num
            return
        except csv.Error as error:
            yield start + consumed + 1, None, str(error)
            unterminated = reader.line_num >= len(lines) - start and "unexpected end of data" in str(error)
            start += consumed + 1 if unterminated else max(reader.line_num, consumed + 1)


def _oracle_lines(text: str) -> list[str]:
    return _merge_non_newline_breaks(text.splitlines(keepends=True))


def _streamed(text: str, chunk: int) -> list[str]:
    wrapper = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8", newline="")
    wrapper._CHUNK_SIZE = chunk  # type: ignore[attr-defined]  # small buffers: line ends fall on their edges
    return list(wrapper)


_PIECES = ["a", "あ", ",", '"', "\n", "\r", "\r\n", "\u2028", "\x0b", "\x85", '""', '"a,\n']
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_TEXT, st.integers(min_value=1, max_value=9))
def test_streamed_lines_split_where_the_whole_text_did(text: str, chunk: int) -> None:
    assert _streamed(text, chunk) == _oracle_lines(text)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_TEXT)
def test_streamed_parse_gives_the_whole_text_parse(text: str) -> None:
    lines = _oracle_lines(text)
    assert list(_rows(iter(lines), ",")) == list(_oracle_rows(lines, ","))


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"1,2\n3,4\n',  # an unbalanced quote: the parse resumes on the next line
        'a,b\n1,"x"y\n3,4\n',  # a character after a closing quote
        'a,b\n"x\ny",1\n"open\n',  # a good multi-line record, then an unterminated one at the end
        'a,b\n1,2\n"\n"\n"\n',  # quotes alternating over line ends
    ],
)
def test_syntax_errors_resume_as_before(text: str) -> None:
    lines = _oracle_lines(text)
    rows = list(_rows(iter(lines), ","))
    assert any(error for _, _, error in rows)
    assert rows == list(_oracle_rows(lines, ","))


def test_a_large_file_with_one_quoted_line_break_is_not_read_whole(tmp_path: Path) -> None:
    # The strict parser must not need the file's lines all at once: with the lines of a 200,000-record
    # file streamed, no more than a handful of lines are held at any time.
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("a,b\n")
        for number in range(200_000):
            stream.write(f'{number},"x\ny"\n' if number == 100_000 else f"{number},x\n")
    held: list[int] = []
    taken = 0
    original = delimited._Feed.__next__

    def counting(feed: delimited._Feed) -> str:
        nonlocal taken
        taken += 1
        held.append(len(feed.taken) + len(feed.replay))
        return original(feed)

    # DuckDB may read it (its one quoted line break noted); a consumer of its records gets the strict parse.
    parsed = read_delimited(path, ",")
    assert isinstance(parsed, delimited.DelimitedTable) and parsed.direct is not None
    assert parsed.direct.breaks == ((100_000, 1),)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited._Feed, "__next__", counting)
        records = list(parsed.records)
    assert len(records) == 200_000 and records[100_000].values["b"] == "x\ny"
    assert (records[100_001].record, records[100_001].line) == (100_002, 100_004)
    # The strict parse starts on demand, inside the patch: the header, 200,001 lines of records, the end.
    assert taken == 200_003 and max(held) <= 2


def test_bytes_that_stop_being_utf8_after_the_proof_become_an_encoding_issue(tmp_path: Path) -> None:
    # The file is proved clean, then read again as a stream: bytes changed in between must end the
    # records with an encoding issue, not with a traceback.
    path = tmp_path / "t.csv"
    good = b"".join(b"%d,x\n" % n for n in range(20_000))  # beyond the text stream's first buffer
    path.write_bytes(b'a,b\n"1\n2",x\n' + good + b"3,\xff\n4,y\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "clean_utf8", lambda path: True)
        parsed = read_delimited(path, ",")
        records = list(parsed.records)
    assert records[0].values == {"a": "1\n2", "b": "x"} and 1 < len(records) <= 20_001
    assert [(issue.aspect, issue.code) for issue in parsed.issues] == [("encoding", "not-utf8")]
    path.write_bytes(b"a,\xff\n")  # in the header itself: the encoding issue only, no "no header"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "clean_utf8", lambda path: True)
        parsed = read_delimited(path, ",")
    assert [(issue.aspect, issue.code) for issue in parsed.issues] == [("encoding", "not-utf8")]
