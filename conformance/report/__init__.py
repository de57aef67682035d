"""Reporters: each a module with `render(result) -> str | bytes`, a function of a RunResult only.

Writing is shared: every file is written under a temporary name in its folder, then renamed over the
old one (a reader never sees half a report), and a run's set of files is written under an exclusive
lock on the folder itself (flock on the directory), so two runs into one `--output` never mix their sets."""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; each file is still replaced atomically
    fcntl = None  # type: ignore[assignment]

from conformance.results import RunResult


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """One output format: its module under conformance/report and the extension of its file."""

    name: str
    module: str
    extension: str

    @property
    def render(self) -> Callable[[RunResult], str | bytes]:
        """The format's render function (imported on first use: openpyxl is not needed for JSON)."""
        module = importlib.import_module(f"conformance.report.{self.module}")
        render: Callable[[RunResult], str | bytes] = module.render
        return render

    def write(self, result: RunResult, path: Path) -> None:
        """Render into `path` (UTF-8 for text formats), replacing it atomically."""
        write_atomically(path, _encoded(self.render(result)))


def _encoded(output: str | bytes) -> bytes:
    # A lone surrogate (an undecodable byte of a file name) is written as its \\udcXX escape.
    return output if isinstance(output, bytes) else output.encode("utf-8", errors="backslashreplace")


def write_atomically(path: Path, data: bytes) -> None:
    """`data` into `path` through a temporary file in the same folder and a rename: readers see the old
    file or the new one, never a mix; the temporary file is removed on any failure."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any file
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on `folder` (flock on the directory itself: no lock file is left
    behind), waited for; released when the block ends, also when the process dies."""
    if fcntl is None:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def write_reports(result: RunResult, formats: Sequence[ReportFormat], folder: Path,
                  attach: Callable[[dict[str, bytes]], list[tuple[str, bytes]]] | None = None) -> list[Path]:
    """Every format's file `conformance.<ext>` in `folder`, as one consistent set: rendered first, then
    written (each atomically) under the folder's lock, so a concurrent run's set is never mixed in.
    `attach` makes more files of the rendered ones (file name → bytes), written in the same set: the
    attestation of the JSON result signs exactly the bytes written."""
    rendered = [(folder / f"conformance{f.extension}", _encoded(f.render(result))) for f in formats]
    if attach is not None:
        rendered += [(folder / name, data) for name, data in attach({path.name: data for path, data in rendered})]
    if not rendered:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    with locked_folder(folder):
        for path, data in rendered:
            write_atomically(path, data)
    return [path for path, _ in rendered]


REPORT_FORMATS: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        ReportFormat("console", "console", ".txt"),
        ReportFormat("json", "json_report", ".json"),
        ReportFormat("junit", "junit", ".xml"),
        ReportFormat("html", "html", ".html"),
        ReportFormat("xlsx", "xlsx", ".xlsx"),
        ReportFormat("markdown", "markdown", ".md"),
        ReportFormat("badge", "badge", ".svg"),
        ReportFormat("sarif", "sarif", ".sarif"),
    )
}
"""Every format `conformance run --format` and `conformance report --format` accept."""

__all__ = ["REPORT_FORMATS", "ReportFormat", "locked_folder", "write_atomically", "write_reports"]
