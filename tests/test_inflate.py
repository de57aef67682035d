"""A large sheet's XML inflated by ISA-L reads exactly as through zipfile: the same bytes per read, and on a
corrupt member the same error (type and message) raised by the same read; a sheet read either way gives
the same table (readers/inflate.py)."""

from __future__ import annotations

import random
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from conformance.readers import inflate, read_sheet
from conformance.readers.base import InputLimits
from tests.test_sheetsplit import _STYLES, _sheet_xml, _text, _valid_rows, write_package

_SHEET = "xl/worksheets/sheet1.xml"


def _workbook(path: Path, rows: int = 600) -> Path:
    header, valid = _valid_rows()
    lines: list[Any] = [(1, _text(header))]
    lines += [(number, _text(valid[number % len(valid)])) for number in range(2, rows)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        write_package(bundle, "住民", _STYLES)
        bundle.writestr(_SHEET, _sheet_xml(lines))
    return path


def _damaged(path: Path, where: float, mask: int) -> Path:
    with zipfile.ZipFile(path) as bundle:
        info = bundle.getinfo(_SHEET)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + int(info.compress_size * where)
    for at in range(start, start + 8):
        data[at] ^= mask
    path.write_bytes(bytes(data))
    return path


def _corrupt_stream(path: Path) -> Path:
    """A few bytes in the middle of the sheet's deflate stream changed: it inflates to other bytes (a bad CRC)."""
    return _damaged(path, 0.5, 0x5A)


def _invalid_stream(path: Path) -> Path:
    """The stream's first block an invalid one: inflate itself fails (zlib's error, with zlib's message)."""
    return _damaged(path, 0, 0xFF)


def _wrong_crc(path: Path) -> Path:
    """The central directory's CRC of the sheet changed (zipfile checks that one): a clean stream, a bad CRC."""
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(_SHEET.encode()))
    data[entry + 16] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _reads(path: Path, sizes: list[int], fast: bool) -> list[Any]:
    """What each read of `sizes` gave (bytes, or the error's type and message), through the fast path or zipfile."""
    got: list[Any] = []
    with zipfile.ZipFile(path) as bundle:
        info = bundle.getinfo(_SHEET)
        stream = inflate.open_member(bundle, path, info) if fast else bundle.open(info)
        assert fast is not isinstance(stream, zipfile.ZipExtFile)
        with stream:
            for size in sizes:
                try:
                    got.append(stream.read(size))
                except Exception as error:
                    got.append((type(error), str(error)))
                    break
    return got


@pytest.fixture
def small_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every member through the fast path, its deflate stream fed in many small pieces."""
    monkeypatch.setattr(inflate, "FAST_BYTES", 0)
    monkeypatch.setattr(inflate, "_INPUT", 97)


@pytest.mark.parametrize("damage", [None, _corrupt_stream, _invalid_stream, _wrong_crc])
def test_each_read_gives_what_zipfile_gives(damage: Any, tmp_path: Path, small_inputs: None) -> None:
    path = _workbook(tmp_path / "住民.xlsx")
    if damage is not None:
        damage(path)
    sizes = [random.Random(seed).choice([1, 100, 4096, 65536]) for seed in range(400)] + [1 << 22, 1 << 22, 1]
    fast = _reads(path, sizes, fast=True)
    assert fast == _reads(path, sizes, fast=False)
    if damage is None:
        assert fast[-2:] == [b"", b""] and sum(map(len, fast)) > 200_000
    else:
        assert isinstance(fast[-1], tuple)  # the error zipfile raises (a zlib error, or BadZipFile's CRC message)
    if damage in (_wrong_crc, _corrupt_stream):
        assert fast[-1] == (zipfile.BadZipFile, f"Bad CRC-32 for file '{_SHEET}'")
    if damage is _invalid_stream:
        assert fast[-1][0] is zlib.error


@pytest.mark.parametrize("damage", [None, _corrupt_stream, _invalid_stream, _wrong_crc])
def test_a_sheet_reads_the_same_with_or_without_the_library(damage: Any, tmp_path: Path, small_inputs: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The finding of a corrupt sheet is today's (zipfile's path) with ISA-L too, and without it (the library
    absent) every sheet is read as before."""
    path = _workbook(tmp_path / "住民.xlsx")
    if damage is not None:
        damage(path)

    def read() -> tuple[Any, ...]:
        parsed = read_sheet(path, "住民", InputLimits())
        return parsed.header, parsed.issues, parsed.rejected, [(r.record, r.line, r.values) for r in parsed.records]

    fast = read()
    monkeypatch.setattr(inflate, "isal_zlib", None)
    assert read() == fast
    assert damage is not None or len(fast[3]) == 598


def test_anything_unusual_is_read_by_zipfile(tmp_path: Path, small_inputs: None) -> None:
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr(_SHEET, b"<worksheet/>" * 100)
    with zipfile.ZipFile(stored) as bundle:
        assert isinstance(inflate.open_member(bundle, stored, bundle.getinfo(_SHEET)), zipfile.ZipExtFile)
