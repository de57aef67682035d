"""One part of a sheet, in a child process of sheetsplit: parsed by calamine, its rows turned into text as
the whole sheet's are (`workbook.rows_as_text`), written to a staging file; the answer, JSON on stdout."""

from __future__ import annotations

import csv
import ctypes
import json
import os
import signal
import sys
from collections.abc import Iterator
from typing import IO, Any

import python_calamine

from conformance.readers.base import ParsedTable
from conformance.readers.workbook import EMPTY_ROW, rows_as_text


def _parse(job: dict[str, Any]) -> tuple[list[list[Any]], int, int] | dict[str, Any]:
    """One part parsed by calamine, as soon as the parent has bounded it (the scan may still be running):
    its grid, top line and left column, or "fallback" when calamine raised or a cell lies outside the
    part's lines (the parent reads the sheet whole)."""
    first, stop = int(job["first"]), job["stop"]
    try:
        with python_calamine.CalamineWorkbook.from_path(job["book"]) as book:
            worksheet = book.get_sheet_by_name(job["sheet"])
            grid = worksheet.to_python(skip_empty_area=True)
            start = worksheet.start
    except Exception as error:  # the one-process path says what calamine says, as before
        return {"fallback": type(error).__name__}
    top, left = start if start is not None and grid else (first - 1, 0)
    last = top + len(grid)  # the part's last line holding a cell (its grid's end)
    if top + 1 < first or (stop is not None and last >= stop):
        return {"fallback": "range"}
    return grid, top, left


def _stage(job: dict[str, Any], grid: list[list[Any]], top: int, left: int) -> dict[str, Any]:
    """The part's rows turned into text as the whole sheet's are, staged; the issues of its rows, its numeric
    cells by column, and its last line holding a value go back to the parent."""
    first, stop = int(job["first"]), job["stop"]
    end = stop - 1 if stop is not None else top + len(grid)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        pad = [""] * left
        for line in range(first, end + 1):
            index = line - 1 - top
            row = grid[index] if 0 <= index < len(grid) else []
            yield line, (pad + row if left and row else row)

    parsed = ParsedTable(header=[""] * int(job["width"]), records=iter(()))
    numeric: dict[int, list[int]] = {}
    records = filled = 0
    with open(job["staging"], "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")  # as checks/staging.py's staging_writer writes
        for _record, line, cells in rows_as_text(parsed, numbered(), first, numeric):
            records += 1
            filled = line
            writer.writerow([*cells, line])
    filled = max([filled, *(issue.line or 0 for issue in parsed.issues if issue.message != EMPTY_ROW)])
    return {"records": records, "rejected": parsed.rejected, "last": filled, "numeric": numeric,
            "issues": [[issue.aspect, issue.code, issue.message, issue.line] for issue in parsed.issues]}


def _die_with_parent(parent: int) -> None:
    """Linux: killed with the process that started it (SIGKILL, a native abort), so that no staging file is
    written after the run's watchdog removed the run's folder."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
    if os.getppid() != parent:  # gone already, before the signal was asked for
        sys.exit(1)


def main(stream: IO[bytes]) -> int:
    """The child's entry. Its part as a JSON line on stdin, sent once the scan has bounded the part (parsed at
    once); then its width and staging file as a second line, sent once the whole sheet is known (empty, or the
    end of the stream: the parent gave up). The answer, JSON on stdout."""
    line = stream.readline()
    if not line:
        return 1
    job = json.loads(line)
    _die_with_parent(int(job["parent"]))
    parsed = _parse(job)
    more = stream.readline().strip()
    if not more:
        return 1
    job.update(json.loads(more))
    answer = parsed if isinstance(parsed, dict) else _stage(job, *parsed)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    sys.stdout.flush()
    # Ended without freeing the grid's millions of strings (a tenth of a second the parent would wait for)
    os._exit(0)
