"""A large sheet parsed in parts, in parallel child processes (issue 23, item 10).

calamine builds a whole sheet before it returns (python-calamine 0.9.1 has no streaming reader), and
turning its cells into Python holds the GIL: on a 100,000-record sheet that was one core's serial chain
while the other idled. A sheet whose XML is `Workbooks.split_bytes` or more is therefore cut, during the
used-range scan's own pass over its XML, at row starts into part-workbooks (the package's other members
copied, ZIP_STORED, the other sheets left empty) held in memory (memfd; elsewhere files in the run's private
folder). Each part is parsed by calamine in a child process (a fresh interpreter started during the scan,
never a fork of a process holding DuckDB's threads) as soon as the scan has passed its rows and the range
seen so far (a bound of the part's own) is within the limit: the first parts are parsed while the scan reads
the next. A part closed before the scan reaches the sheet's end ends with a standard `</sheetData></worksheet>`;
the last part, written once the scan has ended, with the sheet's own end, and the sheet is read whole should
that end hold a cell, a row or a sheetData (the early parts' cells would then differ). Each child then
turns its rows into text as `workbook.rows_as_text` does, writes them to a staging file of its
own (each row's cells in header order, then its line: the database's staging format) and hands back its
issues. The parent joins them in line order: the same records, lines, issues and counts as the sheet read
whole. What the parts could not reproduce exactly (a sheet not written as the scan expects, a CDATA
section or comment, a cell outside its part's rows, an error raised by calamine) sends the sheet to the
one-process path, which says what is wrong exactly as before; a child that dies (a native abort, the
address-space limit) is the sheet's unreadable-sheet finding, and its files go with the folder.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from conformance.readers.sheetscan import SheetScan, has_mark

_ROW = re.compile(rb'<row\b[^>]*?\sr="([0-9]+)"')
_SHEET_DATA, _END_DATA = b"<sheetData>", b"</sheetData>"
_EMPTY_SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
_MAX_PREFIX = 1 << 24
# How a part closed before the scan has seen the sheet's end ends: its cells are the same whatever follows
# `</sheetData>`, provided that holds no cell, row or sheetData (checked in `finish`; else the sheet is read whole).
_CLOSING = b"</sheetData></worksheet>"
_CELL_LIKE = re.compile(rb"<(?:[\w.-]+:)?(?:c|row|sheetData)[\s>/]")  # a reader may match local names
# The last part's size against the others': it is parsed only once the scan has ended, the others during it
# (measured on the 100,000-record bench sheet with two parts, its child then ends with the first's).
_LAST_SHARE = 0.85
PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
# The child's program: started during the scan, it imports readers/sheetpart.py, then waits for its job.
_CHILD = "import sys; from conformance.readers.sheetpart import main; sys.exit(main(sys.stdin.buffer))"


class _Unsplittable(Exception):
    """The sheet's XML is not cut where a part must start (the one-process path reads it)."""


class Splitter:
    """The sink of the used-range scan: copies the sheet's XML into `parts` part-workbooks as it is read.

    `ok` once `finish` succeeded; `starts[k]` is the first line of part k (the header, row 1, is read
    apart: `header_book`)."""

    def __init__(self, source: zipfile.ZipFile, member: zipfile.ZipInfo, folder: Path, parts: int, sheet: str,
                 scan: SheetScan | None = None, limit: int | None = None) -> None:
        self.folder, self.member, self.parts = folder, member, parts
        # A part closed during the scan is parsed at once when the range the scan has seen so far (a bound of
        # the part's own) is within `limit`: its child works while the scan reads the next parts.
        self._scan, self._limit, self._sheet = scan, limit, sheet
        self._members = [(info, b"" if info.filename == member.filename else
                          _EMPTY_SHEET if _is_sheet(info.filename) else source.read(info)) for info in source.infolist()]
        share = member.file_size / (parts - 1 + _LAST_SHARE)
        self._bounds = [int(share * k) for k in range(1, parts)]
        self._pending = bytearray()
        self._offset = 0
        self._prefix = self._header = self._suffix = b""
        self._state = "prefix"
        self._books: list[zipfile.ZipFile] = []
        self._streams: list[IO[bytes]] = []
        self.starts: list[int] = []
        self.children: list[subprocess.Popen[bytes]] = []
        self.sent: list[bool] = []  # whether child k was given its part (to parse it)
        self.books: list[str] = []  # where each child opens its part-workbook
        self._handles: list[IO[bytes]] = []
        self.header_book = b""  # a workbook of the sheet's first row only (its header), with its other elements
        self.ok = False

    def __call__(self, piece: bytes) -> None:
        if self._state == "failed":
            return
        try:
            self._feed(piece)
        except Exception:  # the sink is never a gate: whatever fails here, the sheet is read whole, scanned as before
            self._fail()

    def _feed(self, piece: bytes) -> None:
        if has_mark(piece, b"<!"):  # a CDATA section or a comment: `<row` there would not start a row
            raise _Unsplittable
        if self._state == "prefix":
            self._pending += piece
            self._offset += len(piece)
            at = self._pending.find(_SHEET_DATA)
            if at < 0:
                if len(self._pending) > _MAX_PREFIX:
                    raise _Unsplittable
                return
            data = bytes(self._pending)
            self._pending = bytearray()
            at += len(_SHEET_DATA)
            begin = data.find(b"<row", at)
            end = data.find(b"</row>", begin)
            found = _ROW.match(data, begin) if begin >= 0 else None
            if found is None or found.group(1) != b"1" or end < 0 or data[at:begin].strip() or data.find(b"<row", begin + 4, end) >= 0:
                raise _Unsplittable  # the first row must be row 1, written out (the header)
            self._prefix, self._header = data[:at], data[begin:end + len(b"</row>")]
            self._offset -= len(data) - (end + len(b"</row>"))
            self._open(2)
            self._state = "rows"
            self._rows(data[end + len(b"</row>"):])
        elif self._state == "rows":
            self._rows(piece)
        else:
            self._suffix += piece

    def _rows(self, data: bytes) -> None:
        # A piece ends after a row's end, but for the last: only there can the rows' end be (one search fewer).
        end = -1 if data.endswith(b"</row>") else data.find(_END_DATA)
        if end >= 0:
            data, self._suffix = data[:end], data[end:]
        while data:
            index = len(self._streams)
            bound = self._bounds[index - 1] if index <= len(self._bounds) else None
            if bound is not None and self._offset + len(data) > bound:
                cut = data.find(b"<row", max(0, bound - self._offset))
                if cut >= 0:
                    found = _ROW.match(data, cut)
                    if found is None or int(found.group(1)) <= self.starts[-1]:
                        raise _Unsplittable
                    self._write(data[:cut])
                    self._close_early(int(found.group(1)))
                    self._open(int(found.group(1)))
                    data = data[cut:]
                    continue
            self._write(data)
            break
        if end >= 0:
            self._state = "suffix"

    def _write(self, data: bytes) -> None:
        self._streams[-1].write(data)
        self._offset += len(data)

    def _close_early(self, stop: int) -> None:
        """The current part is whole (the next starts at line `stop`): closed with a standard end and, when the
        range seen so far is within the limit, handed to its child, which parses it during the rest of the scan."""
        index = len(self._streams) - 1
        self._streams[index].write(_CLOSING)
        self._streams[index].close()
        self._books[index].close()
        self._handles[index].flush()
        scan = self._scan
        if scan is not None and self._limit is not None and scan.area <= self._limit:
            self.send(index, stop)

    def send(self, index: int, stop: int | None) -> None:
        """Child `index` given its part (lines `starts[index]` to `stop`, exclusive) to parse."""
        child = self.children[index]
        assert child.stdin is not None
        job = {"book": self.books[index], "sheet": self._sheet, "first": self.starts[index], "stop": stop, "parent": os.getpid()}
        with contextlib.suppress(OSError):  # a child already dead: said by its exit status once the parts are read
            child.stdin.write(json.dumps(job).encode() + b"\n")
            child.stdin.flush()
        self.sent[index] = True

    def _open(self, start: int) -> None:
        """The next part-workbook, written as the scan goes into an anonymous in-memory file (memfd, Linux; else a
        file in the folder: writing 340 MB of parts to the disk cost more CPU than the scan), and its child process,
        started now so that its start-up overlaps the scan: it waits for its part, sent once the scan has passed it
        and bounded the range so far (`_close_early`), so calamine builds nothing before its range is bounded."""
        index = len(self.starts)
        inherited: tuple[int, ...] = ()
        if hasattr(os, "memfd_create"):
            descriptor = os.memfd_create(f"sheet-part-{index}")
            handle, book, inherited = open(descriptor, "w+b"), f"/proc/self/fd/{descriptor}", (descriptor,)  # noqa: SIM115
        else:
            book = str(self.folder / f"part-{index}.xlsx")
            handle = open(book, "w+b")  # noqa: SIM115  (closed with the parts, in close)
        self._handles.append(handle)
        self.books.append(book)
        paths = [str(PACKAGE_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        self.children.append(subprocess.Popen(
            [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.folder, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)}, pass_fds=inherited))
        writer = zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED)
        self._books.append(writer)
        for info, content in self._members:
            if info.filename != self.member.filename:
                writer.writestr(info.filename, content)
        self._streams.append(writer.open(self.member.filename, "w", force_zip64=True))
        self._streams[-1].write(self._prefix)
        self.starts.append(start)
        self.sent.append(False)

    def finish(self) -> bool:
        """Close the last part (it ends with the sheet's elements after its rows; the others were closed during the
        scan with a standard end); False when unsplit."""
        if self._state != "suffix" or _CELL_LIKE.search(self._suffix, len(_END_DATA)):
            self._fail()
            return False
        try:
            self._streams[-1].write(self._suffix)
            self._streams[-1].close()
            self._books[-1].close()
            self._handles[-1].flush()
            header = io.BytesIO()
            with zipfile.ZipFile(header, "w", zipfile.ZIP_STORED) as book:
                for info, content in self._members:
                    book.writestr(info.filename, self._prefix + self._header + self._suffix if info.filename == self.member.filename else content)
            self.header_book = header.getvalue()
        except (OSError, ValueError):
            self._fail()
            return False
        self.ok = True
        return True

    def discard(self) -> None:
        """Not to be read in parts (the sheet is too large, or could not be cut): the children stopped."""
        if not self.ok:
            self._fail()

    def stop(self) -> None:
        """Kill every child not yet done (an error or an interrupt before its part was handed over)."""
        if any(child.returncode is None for child in self.children):
            self._fail()

    def _fail(self) -> None:
        self._state = "failed"
        for child in self.children:  # killed before their stdin closes: they never parse a part cut short
            child.kill()
        for stream in self._streams:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        for book in self._books:
            with contextlib.suppress(OSError, ValueError):
                book.close()
        for child in self.children:
            child.wait()
            if child.stdout is not None:
                child.stdout.close()
            if child.stdin is not None:
                with contextlib.suppress(OSError):
                    child.stdin.close()
        self._streams, self._books, self.children = [], [], []
        self.close()

    def close(self) -> None:
        """Let the parts go (a memfd's memory is freed with its last descriptor)."""
        for handle in self._handles:
            handle.close()
        self._handles = []


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def parse_parts(splitter: Splitter, width: int, staging: Path) -> list[dict[str, Any]] | str:
    """Each part parsed by its child process, writing `staging`-<k>.csv: the children's answers in line order,
    "fallback" when the one-process path must read the sheet, or the reason the sheet is unreadable."""
    jobs: list[dict[str, Any]] = [{"width": width, "staging": f"{staging}-{index}.csv"} for index in range(len(splitter.children))]
    answers: list[dict[str, Any]] = []
    died: str | None = None
    try:
        stops: list[int | None] = [*splitter.starts[1:], None]
        for index, (child, job) in enumerate(zip(splitter.children, jobs, strict=True)):
            assert child.stdin is not None
            if not splitter.sent[index]:  # the last part, or a part the scan could not bound early
                splitter.send(index, stops[index])
            with contextlib.suppress(OSError):  # a child already dead: said by its exit status below
                child.stdin.write(json.dumps(job).encode() + b"\n")
            with contextlib.suppress(OSError):
                child.stdin.close()
        for child, job in zip(splitter.children, jobs, strict=True):
            assert child.stdout is not None
            output = child.stdout.read()  # in turn: a child whose answer waits in its pipe only waits
            child.stdout.close()
            child.wait()
            try:
                answer = json.loads(output) if child.returncode == 0 else None
            except ValueError:
                answer = None
            if answer is None:
                died = died or _death(child.returncode)
            else:
                answers.append({**answer, "staging": job["staging"]})
    finally:
        for child in splitter.children:
            if child.poll() is None:
                child.kill()
                child.wait()
        splitter.close()
    if died is not None or any("fallback" in answer for answer in answers):
        for job in jobs:
            Path(job["staging"]).unlink(missing_ok=True)
        return died or "fallback"
    return answers


def _death(status: int | None) -> str:
    if status is not None and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        return f"読み取りの子プロセスがシグナル {name} で異常終了しました"
    return f"読み取りの子プロセスが異常終了しました（終了コード {status}）"


class StagedCells(Iterator[tuple[int, int, list[str]]]):
    """The records the children staged: the database reads `files` itself (no Python per row); any other
    consumer iterates them back from the files, as (record, line, cells)."""

    def __init__(self, files: tuple[Path, ...], records: int, width: int, owner: object) -> None:
        self.files, self.records, self.width = files, records, width
        self._owner = owner  # the Workbooks whose folder holds the files: kept while the rows may be read
        self._rows: Iterator[tuple[int, int, list[str]]] | None = None

    def __iter__(self) -> StagedCells:
        return self

    def __next__(self) -> tuple[int, int, list[str]]:
        if self._rows is None:
            self._rows = self._read()
        return next(self._rows)

    def _read(self) -> Iterator[tuple[int, int, list[str]]]:
        for file in self.files:
            with file.open(encoding="utf-8", newline="") as stream:
                for row in csv.reader(stream):
                    line = int(row[-1])
                    yield line - 1, line, row[:-1]
            file.unlink(missing_ok=True)


def new_folder(parent: Path | None) -> Path:
    """A folder for one sheet's parts (mode 0700), in the run's private folder when there is one."""
    if parent is not None:
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="sheet-", dir=parent))


def remove(folder: Path) -> None:
    """The parts go once the children are done (their staging files are elsewhere)."""
    shutil.rmtree(folder, ignore_errors=True)
