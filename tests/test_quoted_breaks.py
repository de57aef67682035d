"""Quoted line breaks, separators and doubled quotes take the fast path: DuckDB reads the file and the
scan's table of extra lines numbers its records. Every finding, line, value and code must be the strict
parser's, which these tests force for the reference (issue 24, "no cliffs")."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.pipeline import RunOptions, run
from conformance.readers import delimited
from conformance.readers import plain as plain_scan
from conformance.readers.delimited import DelimitedTable, read_delimited
from tests.conftest import FIXTURE_AS_OF, FIXTURES

VALID = FIXTURES / "juki" / "valid"
with (VALID / "住民.csv").open(encoding="utf-8", newline="") as _stream:
    ROWS = list(csv.reader(_stream))
HEADER = ROWS[0]
KEY, TOWN, SEX, ROMAN = (HEADER.index(name) for name in ("宛名番号", "住所_町字", "性別", "氏名_外国人ローマ字"))

Rows = list[list[str]]


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


def _text(rows: Rows, end: str = "\n", final: bool = True) -> str:
    return end.join(",".join(_field(value) for value in row) for row in rows) + (end if final else "")


def _rows(changes: dict[tuple[int, int], str]) -> Rows:
    """The valid 住民 records with (record from 1, column) set, and the last record's 性別 broken, so that a
    finding lies after every quoted line break and its line number depends on them."""
    rows = [list(row) for row in ROWS]
    rows[-1][SEX] = "9"
    for (record, column), value in changes.items():
        rows[record][column] = value
    return rows


TOWN_2 = ROWS[2][TOWN]
LAST = len(ROWS) - 1

# name → the file's bytes: each a way a quoted line break may appear in a real export.
CASES: dict[str, Callable[[], bytes]] = {
    "lf": lambda: _text(_rows({(2, TOWN): "本\n" + TOWN_2})).encode(),
    "crlf-file-crlf-break": lambda: _text(_rows({(2, TOWN): "本\r\n" + TOWN_2}), "\r\n").encode(),
    "crlf-file-lf-break": lambda: _text(_rows({(2, TOWN): "本\n" + TOWN_2}), "\r\n").encode(),
    "cr-break": lambda: _text(_rows({(2, TOWN): "本\r" + TOWN_2, (4, TOWN): "\r"})).encode(),
    "first-record": lambda: _text(_rows({(1, TOWN): "一\n二"})).encode(),
    "last-record-no-final-newline": lambda: _text(_rows({(LAST, TOWN): "末\r\n尾\n"}), final=False).encode(),
    "several-in-one-record": lambda: _text(_rows({(3, TOWN): "a\n\nb\r\n\rc", (3, ROMAN): "\n", (3, 2): "x\ny"})).encode(),
    "key-column": lambda: _text(_rows({(5, KEY): ROWS[5][KEY][:3] + "\n" + ROWS[5][KEY][3:]})).encode(),
    "doubled-quote-and-separator": lambda: _text(_rows({(2, TOWN): '本"\n"町', (6, TOWN): "本,町"})).encode(),
    "next-to-empty-field": lambda: _text(_rows({(7, ROMAN - 1): "\n", (7, ROMAN): ""})).encode(),
    "bom": lambda: b"\xef\xbb\xbf" + _text(_rows({(2, TOWN): "本\n" + TOWN_2}), "\r\n").encode(),
    "many-records": lambda: _text(_rows({(record, TOWN): "\n" * (record % 3 + 1) for record in range(1, LAST + 1, 4)})).encode(),
    "fully-quoted": lambda: "".join(",".join(f'"{v}"' for v in row) + "\r\n" for row in _rows({(9, TOWN): "本\r\n町"})).encode(),
}

# Files the scan cannot prove safe: each must go to the strict parser.
REFUSED: dict[str, bytes] = {
    "stray-quote-after-break": _text(_rows({(2, TOWN): "本\n町"})).replace('町"', '町"x', 1).encode(),
    "field-count-with-break": _text(_rows({(2, TOWN): "本\n町"})).replace('"本\n町",', '"本\n町"', 1).encode(),
    "mixed-line-ends": _text(_rows({(2, TOWN): "本\n町"}), "\r\n").replace("\r\n", "\n", 3).encode(),
    "bare-cr-outside": _text(_rows({(2, TOWN): "本\n町"})).replace("\n", "\r", 3).encode(),
    "unclosed-at-end": (_text(_rows({})) + '"x\n').encode(),
    "break-in-header": ('"a\nb",' + _text(_rows({}))).encode(),
    "quote-opening-mid-field": _text(_rows({(2, TOWN): "本\n町"})).replace(',"本', ',x"本', 1).encode(),
}


def _comparable(folder: Path) -> list[Any]:
    result = run(folder, ["juki"], RunOptions(as_of=FIXTURE_AS_OF, max_findings=1000, show_values=True))
    files = [(f.path, f.records, f.rejected, f.bom, f.encoding) for f in result.files]
    return [files, [(r.id, r.verdict, r.findings_total, [x.to_dict() for x in r.findings], r.reason) for r in result.requirements]]


def _folder(tmp_path: Path, content: bytes, others: bool) -> Path:
    """住民 alone, or with the valid 世帯 and 異動履歴 (their references to 住民 are then judged too)."""
    for name in ("世帯.csv", "異動履歴.csv") if others else ():
        shutil.copyfile(VALID / name, tmp_path / name)
    (tmp_path / "住民.csv").write_bytes(content)
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_quoted_line_breaks_give_the_strict_parsers_findings(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path, CASES[name](), others=name in ("key-column", "many-records"))
    parsed = read_delimited(folder / "住民.csv", ",")
    assert isinstance(parsed, DelimitedTable) and parsed.direct is not None
    fast = _comparable(folder)
    monkeypatch.setattr(delimited, "plain_lines", lambda path, delimiter: None)
    assert _comparable(folder) == fast
    # The broken 性別 of the last record is found on the line the strict parser gives it, after every break.
    located = [(f["requirement"], f["location"]["record"], f["location"]["line"])
               for r in fast[1] for f in r[3] if f["location"].get("item") == "性別"]
    extra = sum(extra for record, extra in parsed.direct.breaks if record < LAST - 1)
    assert located == [("JUKI-D-0016", LAST, LAST + 1 + extra)]


def test_a_line_break_shifts_only_the_records_after_it(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\n1,2\n"x\r\ny\rz",3\n4,"\n"\n5,6\n')
    scan = plain_scan.plain_lines(path, ",")
    assert scan is not None and (scan.lines, scan.breaks) == (5, ((1, 2), (2, 1)))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_scan_cannot_prove_goes_to_the_strict_parser(name: str, tmp_path: Path) -> None:
    (tmp_path / "住民.csv").write_bytes(REFUSED[name])
    assert plain_scan.plain_lines(tmp_path / "住民.csv", ",") is None


def test_more_records_with_line_breaks_than_the_table_allows_go_to_the_strict_parser(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "住民.csv"
    path.write_bytes(CASES["many-records"]())
    monkeypatch.setattr(plain_scan, "MAX_BROKEN_RECORDS", 11)
    assert plain_scan.plain_lines(path, ",") is not None
    monkeypatch.setattr(plain_scan, "MAX_BROKEN_RECORDS", 10)
    assert plain_scan.plain_lines(path, ",") is None


@pytest.mark.parametrize("name", ["several-in-one-record", "crlf-file-crlf-break", "cr-break", "bom", "many-records"])
def test_the_breaks_are_counted_the_same_at_every_chunk_boundary(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "住民.csv"
    content = CASES[name]()
    path.write_bytes(content)
    whole = plain_scan.plain_lines(path, ",")
    assert whole is not None and whole.breaks
    for size in (7, 61, 1000):
        monkeypatch.setattr(plain_scan, "_CHUNK", size)
        assert plain_scan.plain_lines(path, ",") == whole, size


def test_a_small_file_is_counted_the_same_at_every_chunk_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    content = b'\xef\xbb\xbf"a",b\r\n"\r\n",""""\r\n"x\ry\n",",\r"\r\n"",""\r\n'
    path.write_bytes(content)
    for size in range(1, len(content) + 2):
        monkeypatch.setattr(plain_scan, "_CHUNK", size)
        scan = plain_scan.plain_lines(path, ",")
        assert scan is not None and (scan.lines, scan.breaks) == (4, ((0, 1), (1, 3))), size
