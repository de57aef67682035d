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
from typing import Any

import python_calamine

from conformance.readers.base import ParsedTable
from conformance.readers.workbook import EMPTY_ROW, rows_as_text


def _child(job: dict[str, Any]) -> dict[str, Any]:
    """One part: parsed by calamine, its rows turned into text as the whole sheet's are, staged; the issues
    of its rows, its numeric cells by column, and its last line holding a value go back to the parent.
    "fallback" when calamine raised, or a cell lies outside the part's lines: the parent reads the sheet whole."""
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
    end = stop - 1 if stop is not None else last

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


def main(data: bytes) -> int:
    """The child's entry: its job as JSON on stdin (empty when the parent gave up), the answer as JSON on stdout."""
    if not data:
        return 1
    job = json.loads(data)
    _die_with_parent(int(job["parent"]))
    sys.stdout.write(json.dumps(_child(job), ensure_ascii=False))
    return 0
