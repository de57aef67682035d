"""Reporters: each a module with `render(result) -> str | bytes`, a function of a RunResult only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
        """Render into `path` (UTF-8 for text formats)."""
        output = self.render(result)
        if isinstance(output, bytes):
            path.write_bytes(output)
        else:
            # A lone surrogate (an undecodable byte of a file name) is written as its \\udcXX escape.
            path.write_text(output, encoding="utf-8", errors="backslashreplace")


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

__all__ = ["REPORT_FORMATS", "ReportFormat"]
