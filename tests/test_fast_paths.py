"""The fast paths give exactly what the strict paths give: same findings, records, lines and verdicts."""

from __future__ import annotations

import csv
import datetime
import io
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conformance.checks import schema
from conformance.checks.formats import is_jisx0213_text, jisx0213_pattern, jisx0213_repertoire
from conformance.pipeline import RunOptions, run
from conformance.readers import delimited
from conformance.readers import plain as plain_scan
from conformance.readers.delimited import DelimitedTable, read_delimited
from tests.conftest import FIXTURE_AS_OF, FIXTURES

VALID = (FIXTURES / "juki" / "valid" / "住民.csv").read_bytes()
LINES = VALID.decode("utf-8").replace("\r\n", "\n").splitlines(keepends=True)


def _quoted_town(town: str) -> bytes:
    """The valid export with the 町字 of its second record quoted, written as `town` (本町 is valid)."""
    lines = list(LINES)
    lines[2] = lines[2].replace(",本町", ',"' + town, 1).replace("丁目,", '丁目",', 1)
    return "".join(lines).encode()


def _variant(name: str) -> bytes:
    """The valid juki export, changed in one way that matters to a CSV reader."""
    text = "".join(LINES)
    if name == "lf":
        return text.encode()
    if name == "crlf":
        return text.replace("\n", "\r\n").encode()
    if name == "bom":
        return b"\xef\xbb\xbf" + VALID
    if name == "no-final-newline":
        return text.rstrip("\n").encode()
    if name == "trailing-comma":
        lines = list(LINES)
        lines[5] = lines[5].rstrip("\n") + ",\n"
        return "".join(lines).encode()
    if name == "short-last-line":
        return (text.rstrip("\n").rsplit(",", 1)[0]).encode()
    if name == "blank-line":
        lines = list(LINES)
        lines.insert(7, "\n")
        return "".join(lines).encode()
    if name == "blank-lines-at-end":
        return (text + "\n\n").encode()
    if name == "mixed-newlines":
        lines = [line.replace("\n", "\r\n") for line in LINES]
        lines[3] = LINES[3]
        return "".join(lines).encode()
    if name == "bare-cr":
        lines = list(LINES)
        lines[4] = lines[4].replace("本町", "本\r町", 1)
        return "".join(lines).encode()
    if name == "quoted":
        return _quoted_town("本町")
    if name == "fully-quoted":
        rows = csv.reader(io.StringIO(text))
        out = io.StringIO()
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode()
    if name == "quoted-empty-and-header":
        lines = list(LINES)
        lines[0] = ",".join(f'"{name}"' for name in lines[0].rstrip("\n").split(",")) + "\n"
        lines[3] = lines[3].replace(",,", ',"",', 1)
        return "".join(lines).encode()
    if name == "quoted-at-chunk-edges":
        # Quotes right before and after the scanner's chunk boundaries (shrunk for the test).
        return "".join(line.replace(",", '","').replace("\n", '"\n').join(('"', "")) for line in LINES).encode()
    if name == "doubled-quote":
        return _quoted_town('本""町')
    if name == "quote-inside-unquoted":
        return text.replace("本町", '本"町', 1).encode()
    if name == "quote-closing-unquoted":
        lines = list(LINES)
        lines[2] = lines[2].replace("丁目,", '丁目",', 1)
        return "".join(lines).encode()
    if name == "quoted-separator":
        return _quoted_town("本,町")
    if name == "quoted-newline":
        return _quoted_town("本\n町")
    if name == "nul":
        return text.replace("本町", "本\x00町", 1).encode()
    if name == "line-separator-in-field":
        return text.replace("本町", "本\u2028町", 1).encode()
    if name == "not-utf8":
        return text.encode("cp932", errors="replace")
    if name == "duplicate-and-unknown-columns":
        lines = list(LINES)
        lines[0] = lines[0].replace("性別表記", "性別", 1).replace("地区管理コード1", "独自項目", 1)
        return "".join(lines).encode()
    if name == "header-only":
        return LINES[0].encode()
    raise AssertionError(name)


VARIANTS = ["lf", "crlf", "bom", "no-final-newline", "trailing-comma", "short-last-line", "blank-line",
            "blank-lines-at-end", "mixed-newlines", "bare-cr", "quoted", "fully-quoted", "quoted-empty-and-header",
            "quoted-at-chunk-edges", "doubled-quote", "quote-inside-unquoted", "quote-closing-unquoted",
            "quoted-separator", "quoted-newline", "nul", "line-separator-in-field", "not-utf8",
            "duplicate-and-unknown-columns", "header-only"]
# The variants the fast path may read itself; every other one must go to the strict parser.
PLAIN = {"lf", "crlf", "bom", "no-final-newline", "quoted", "fully-quoted", "quoted-empty-and-header", "quoted-at-chunk-edges",
         "doubled-quote", "quoted-separator", "quoted-newline", "line-separator-in-field", "duplicate-and-unknown-columns",
         "header-only"}


def _comparable(folder: Path) -> list[Any]:
    result = run(folder, ["juki"], RunOptions(as_of=FIXTURE_AS_OF, max_findings=1000))
    files = [(f.path, f.records, f.rejected, f.bom, f.encoding) for f in result.files]
    return [files, [(r.id, r.verdict, r.findings_total, [x.to_dict() for x in r.findings], r.reason) for r in result.requirements]]


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_path_gives_the_strict_result(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "住民.csv").write_bytes(_variant(name))
    if name == "quoted-at-chunk-edges":
        # Chunks of 7 bytes: quotes fall on both sides of many chunk boundaries.
        monkeypatch.setattr(plain_scan, "_CHUNK", 7)
    parsed = read_delimited(tmp_path / "住民.csv", ",")
    assert (isinstance(parsed, DelimitedTable) and parsed.direct is not None) == (name in PLAIN)
    fast = _comparable(tmp_path)
    monkeypatch.setattr(delimited, "plain_lines", lambda path, delimiter: None)
    assert read_delimited(tmp_path / "住民.csv", ",").__class__ is not DelimitedTable
    assert _comparable(tmp_path) == fast


def test_plain_file_still_yields_its_records_to_a_consumer_without_the_fast_path(tmp_path: Path) -> None:
    (tmp_path / "住民.csv").write_bytes(_variant("lf"))
    parsed = read_delimited(tmp_path / "住民.csv", ",")
    records = list(parsed.records)
    assert len(records) == len(LINES) - 1
    assert (records[0].record, records[0].line, records[-1].line) == (1, 2, len(LINES))


def test_large_table_form_of_the_schema_checks_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [FIXTURES / "juki" / "valid", FIXTURES / "juki" / "invalid" / "juki-c-0001"]
    small = [_comparable(case) for case in cases]
    monkeypatch.setattr(schema, "LARGE_TABLE", 1)
    assert [_comparable(case) for case in cases] == small


def test_jisx0213_pattern_equals_the_python_check() -> None:
    singles, pairs = jisx0213_repertoire()
    ordered = sorted(singles)
    pool = ordered[:40] + ordered[-40:] + random.Random(3).sample(ordered, 200) + [p[0] for p in pairs] + [
        "\u309a", "\uff76", "\u9ad9", "\ue000", "\t", "\x7f", "\U00020bb7", "\U0002a6b2", "\u3099"]
    rng = random.Random(5)
    values = ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 7))) for _ in range(5000)]
    values += [*sorted(pairs), "\u309a", "か\u309a\u309a", "\u309aか"]
    connection = duckdb.connect()
    rows = connection.execute(
        f"SELECT v, regexp_full_match(v, '{jisx0213_pattern()}') FROM unnest(?) AS t(v)", [values]
    ).fetchall()
    assert [(v, got) for v, got in rows if got != is_jisx0213_text(v)] == []
    assert {got for _, got in rows} == {True, False}


def test_fixture_date_keeps_the_generator_valid() -> None:
    # The generated municipality is dated 2026-04-01: nothing in it lies after the fixtures' day.
    assert datetime.date(2026, 4, 1) <= FIXTURE_AS_OF


@pytest.mark.parametrize(
    ("content", "plain"),
    [
        (b'"a","b"\r\n"1","2"\r\n', True),
        (b'a,b\n"1",""\n"",2\n', True),
        (b'\xef\xbb\xbf"a",b\n1,"2"\n', True),
        (b'a,b\n"1"x,2\n', False),        # text after a closing quote
        (b'a,b\n1,x"2"\n', False),        # a quote inside an unquoted field
        (b'a,b\n"1""",2\n', True),        # a doubled quote
        (b'a,b\n"1,2"\n', False),         # a quoted separator (the field count differs)
        (b'a,b\n"1,2",3\n', True),        # a quoted separator
        (b'a,b\n"1\n2",3\n', True),       # a quoted line break
        (b'a,b\r\n"1\r\n2",3\r\n', True),  # a quoted CRLF in a CRLF file
        (b'a,b\r\n"1\r",3\r\n', True),    # a quoted CR just before the closing quote
        (b'a,b\r\n1,3\r4,5\r\n', False),    # a bare CR outside quotes
        (b'a,b\n1,"\r"\r\n', False),      # a CRLF outside quotes in an LF file
        (b'"a\nb",c\n1,2\n', False),       # a quoted line break in the header
        (b'a,b\n1,2"\n', False),          # an odd quote at a line end
        (b'a,b\n1,"2', False),            # unclosed at the end of the file
    ],
)
def test_quotes_are_judged_the_same_at_every_chunk_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             content: bytes, plain: bool) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    for size in range(1, len(content) + 2):
        monkeypatch.setattr(plain_scan, "_CHUNK", size)
        assert (plain_scan.plain_lines(path, ",") is not None) == plain, size
