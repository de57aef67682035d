"""Property tests over the readers and the engine, on a fixed budget (derandomized, no deadline).

"Records in the file" is defined by construction: a reference writer (csv, json, openpyxl) writes N
records and K garbage rows that cannot be records (a line of the wrong field count, a JSON element that is
not an object, an empty worksheet row between records). The reader must then return exactly the N records
with their values and reject exactly K, each rejection reported as a finding: read + rejected = N + K, so
no record silently disappears. On arbitrary bytes the run must end, validate against report.schema.json,
and account for every record it did not load with a finding.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.pipeline import RunOptions, run
from conformance.readers import open_target, read_table
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT

HEADER = next(csv.reader((FIXTURES / "juki" / "valid" / "住民.csv").open(encoding="utf-8")))
SCHEMA = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
REJECTION_CODES = {"malformed-record", "field-count", "malformed-json", "not-an-object", "duplicate-key"}
# The CI budget is fixed and derandomized (the same examples every run); CONFORMANCE_FUZZ_SCALE=20 (and
# CONFORMANCE_FUZZ_RANDOM=1 for new examples each time) searches harder, locally.
_SCALE = int(os.environ.get("CONFORMANCE_FUZZ_SCALE", "1"))
_DERANDOMIZE = not os.environ.get("CONFORMANCE_FUZZ_RANDOM")


def _budget(examples: int) -> settings:
    return settings(max_examples=examples * _SCALE, deadline=None, derandomize=_DERANDOMIZE,
                    suppress_health_check=[HealthCheck.too_slow])


FAST = _budget(100)
ENGINE = _budget(20)

# Any text but NUL (a NUL makes the whole file unreadable, by design: tests/test_hostile.py) and lone
# surrogates (which no encoder writes).
values = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
records = st.lists(st.dictionaries(st.sampled_from(HEADER[:12]), values, max_size=6), max_size=8)
garbage_positions = st.lists(st.integers(min_value=0, max_value=8), max_size=3)


def _file(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-", dir=_TMP))
    path = folder / f"住民{suffix}"
    path.write_bytes(data)
    return path


# One folder for every example's file (hypothesis does not mix with function-scoped tmp_path), removed at exit.
_TMP = Path(tempfile.mkdtemp(prefix="fuzz-inputs-"))
atexit.register(shutil.rmtree, _TMP, True)


def _read(path: Path) -> tuple[Any, list[Any]]:
    with open_target(path) as target:
        [source] = target.files
        parsed = read_table(source)
        loaded = list(parsed.records)
    return parsed, loaded


def _expected_values(record: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in record.items() if value != ""}


def _assert_accounted(parsed: Any, loaded: list[Any], written: list[dict[str, str]], garbage: int) -> None:
    assert [record.values for record in loaded] == [_expected_values(r) for r in written]
    assert parsed.rejected == garbage
    assert len(loaded) + parsed.rejected == len(written) + garbage
    assert sum(issue.code in REJECTION_CODES for issue in parsed.issues) == garbage
    assert [record.record for record in loaded] == sorted({record.record for record in loaded})


def _with_garbage(rows: list[str], positions: list[int], junk: str) -> list[str]:
    for position in sorted(positions, reverse=True):
        rows.insert(min(position, len(rows)), junk)
    return rows


def _delimited(written: list[dict[str, str]], delimiter: str) -> list[str]:
    lines = []
    for record in written:
        buffer = io.StringIO()
        # CRLF: csv.writer quotes a value holding any character of its terminator (a bare CR included).
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow([record.get(name, "") for name in HEADER])
        lines.append(buffer.getvalue())
    return lines


@FAST
@given(records, garbage_positions, st.sampled_from([",", "\t"]))
def test_delimited_records_are_read_or_rejected_never_lost(written: list[dict[str, str]], positions: list[int], delimiter: str) -> None:
    header = delimiter.join(HEADER) + "\r\n"
    # A garbage line: one unquoted field where the header has 50.
    body = _with_garbage(_delimited(written, delimiter), positions, "GARBAGE\r\n")
    parsed, loaded = _read(_file((header + "".join(body)).encode("utf-8"), ".csv" if delimiter == "," else ".tsv"))
    _assert_accounted(parsed, loaded, written, len(positions))


@FAST
@given(records, garbage_positions, st.booleans())
def test_json_records_are_read_or_rejected_never_lost(written: list[dict[str, str]], positions: list[int], lines: bool) -> None:
    elements = _with_garbage([json.dumps(record, ensure_ascii=False) for record in written], positions, "[1, 2]")
    text = "\n".join(elements) + "\n" if lines else "[\n" + ",\n".join(elements) + "\n]"
    parsed, loaded = _read(_file(text.encode("utf-8"), ".ndjson" if lines else ".json"))
    if not any(written):  # no key at all: nothing names an item, the file is judged to have no header
        assert not loaded and parsed.rejected == len(positions)
        return
    _assert_accounted(parsed, loaded, written, len(positions))


# Worksheet text: XML 1.0 cannot carry most C0 controls, and XML parsing turns CR into LF.
sheet_values = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
sheet_records = st.lists(st.dictionaries(st.sampled_from(HEADER[:12]), sheet_values, max_size=6), max_size=6)


@_budget(30)
@given(sheet_records, st.lists(st.integers(min_value=1, max_value=5), max_size=2))
def test_sheet_records_are_read_or_rejected_never_lost(written: list[dict[str, str]], positions: list[int]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "住民"
    sheet.append(HEADER)
    rows: list[dict[str, str]] = list(written)
    for position in sorted(positions, reverse=True):
        rows.insert(min(position, len(rows)), {})  # an empty row between records
    # A worksheet ends at its last non-empty row: empty rows after it are not in the file at all.
    while rows and not _expected_values(rows[-1]):
        rows.pop()
    for number, row in enumerate(rows, start=2):
        for column, name in enumerate(HEADER, start=1):
            if row.get(name, "") != "":
                cell = sheet.cell(row=number, column=column)
                cell.value = row[name]
                cell.data_type = "s"  # text, even "=…": openpyxl would write a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed, loaded = _read(_file(buffer.getvalue(), ".xlsx"))
    # Every empty row within the sheet (a gap, or a record of empty values) is rejected, not lost.
    kept = [row for row in rows if _expected_values(row)]
    _assert_accounted(parsed, loaded, kept, len(rows) - len(kept))


# --- Arbitrary bytes through the whole engine -------------------------------------------------------

_VALID_XLSX: bytes | None = None


def _valid_workbook() -> bytes:
    global _VALID_XLSX
    if _VALID_XLSX is None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "住民"
        with (FIXTURES / "juki" / "valid" / "住民.csv").open(encoding="utf-8", newline="") as stream:
            for row in list(csv.reader(stream))[:4]:
                sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        _VALID_XLSX = buffer.getvalue()
    return _VALID_XLSX


@st.composite
def mutated_workbook(draw: st.DrawFn) -> bytes:
    data = bytearray(_valid_workbook())
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        data[draw(st.integers(min_value=0, max_value=len(data) - 1))] = draw(st.integers(min_value=0, max_value=255))
    return bytes(data[: draw(st.integers(min_value=len(data) // 2, max_value=len(data)))])


_CSV_SEED = (FIXTURES / "juki" / "valid" / "住民.csv").read_bytes()[:1500]
inputs = st.one_of(
    st.tuples(st.sampled_from([".csv", ".tsv", ".json", ".ndjson", ".xlsx"]), st.binary(max_size=300)),
    st.tuples(st.sampled_from([".csv", ".tsv"]), st.builds(lambda cut, tail: _CSV_SEED[:cut] + tail,
                                                          st.integers(0, len(_CSV_SEED)), st.binary(max_size=40))),
    st.tuples(st.just(".xlsx"), mutated_workbook()),
)


@ENGINE
@given(inputs)
def test_arbitrary_bytes_end_in_a_valid_result_that_accounts_for_every_record(case: tuple[str, bytes]) -> None:
    suffix, data = case
    path = _file(data, suffix)
    result = run(path, ["juki"], RunOptions(as_of=FIXTURE_AS_OF))
    jsonschema.validate(result.to_dict(), SCHEMA)
    assert not [r.id for r in result.requirements if r.verdict == "error"]
    [file] = result.files
    parsed, loaded = _read(path)
    assert (file.records or 0) == len(loaded)
    assert file.rejected == parsed.rejected == sum(issue.code in REJECTION_CODES for issue in parsed.issues)
    if not parsed.readable:
        # Nothing of the data was read, so nothing about the data passes.
        assert not [r.id for r in result.requirements if r.verdict == "pass" and not r.id.endswith("F-0005")]
