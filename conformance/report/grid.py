"""The grid of many runs (`conformance batch`, `conformance grid`): rows = runs with their labels,
columns = requirements grouped by operation, cells = verdict and finding count, totals per requirement,
a heat map by operation and each run's declared 標準オプション. Only IDs, verdicts, counts and labels:
never a value, a message or a file name of an export. Deterministic: runs in the order given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.report.labels import RUN_VERDICT_LABELS
from conformance.results import VERDICTS, RunResult

GRID_HTML, GRID_XLSX = "grid.html", "grid.xlsx"
STATUS_LABELS = {**RUN_VERDICT_LABELS, "error": "エラー（結果なし）"}
"""A run's status: its result's verdict, or `error` when it gave no result."""
RUN_STATUSES = tuple(STATUS_LABELS)
# The order "sort by verdict" puts cells in: what needs attention first (a verdict added later sorts last).
VERDICT_RANK = {"fail": 0, "error": 1, "not-tested": 2, "waived": 3, "pass": 4, "not-applicable": 5}
UNKNOWN_RANK = 8


@dataclass(frozen=True, slots=True)
class GridRun:
    """One row: the run's name, its labels, its status (a run verdict, or `error`: no result) and result."""

    name: str
    labels: tuple[tuple[str, str], ...]
    status: str
    result: RunResult | None


@dataclass(frozen=True, slots=True)
class Column:
    """One requirement column."""

    id: str
    operation: str
    title: str
    level: str


@dataclass(frozen=True, slots=True)
class Cell:
    """A run's verdict on one requirement (None: the run did not evaluate it) and its finding count."""

    verdict: str | None
    findings: int = 0


@dataclass(frozen=True, slots=True)
class Heat:
    """A run's failing requirements of one operation, out of the applicable ones it judged."""

    failed: int
    judged: int

    @property
    def share(self) -> float:
        """failed / judged (0 when nothing was judged)."""
        return self.failed / self.judged if self.judged else 0.0


@dataclass(frozen=True, slots=True)
class Grid:
    """Everything both grid files show, computed once."""

    runs: tuple[GridRun, ...]
    label_keys: tuple[str, ...]
    operations: tuple[str, ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[Cell, ...], ...]
    heat: tuple[tuple[Heat | None, ...], ...]
    options: tuple[tuple[str, ...], ...]

    def label(self, run: GridRun, key: str) -> str:
        """The run's value of one label ("" when it has none)."""
        return dict(run.labels).get(key, "")

    def totals(self, verdict: str) -> tuple[int, ...]:
        """Per column, how many runs gave it `verdict`."""
        return tuple(sum(row[index].verdict == verdict for row in self.cells) for index in range(len(self.columns)))


HEAT_LEVELS = ("none", "0", "1", "2", "3", "4", "5")
HEAT_COLOURS = {"none": "EEEEEE", "0": "E8F5E9", "1": "FFE5E5", "2": "FFC2C2", "3": "FF9999", "4": "F26B6B", "5": "D93636"}
"""The heat map's buckets and their colours (the page's CSS repeats them: its CSP admits no style attribute)."""


def heat_level(heat: Heat | None) -> str:
    """`none` when nothing was judged, `0` when nothing fails, else 1-5 by the share failing."""
    if heat is None or not heat.judged:
        return "none"
    if not heat.failed:
        return "0"
    return str(min(5, 1 + int(heat.share * 5)))


def build(runs: Sequence[GridRun]) -> Grid:
    """The grid of `runs`, in their order; requirement columns in the order the runs first name them."""
    label_keys = tuple(dict.fromkeys(key for run in runs for key, _ in run.labels))
    found: dict[str, Column] = {}
    for run in runs:
        for requirement in run.result.requirements if run.result else ():
            found.setdefault(requirement.id, Column(requirement.id, requirement.operation, requirement.title,
                                                    requirement.level))
    operations = tuple(dict.fromkeys(column.operation for column in found.values()))
    columns = tuple(column for operation in operations for column in found.values() if column.operation == operation)
    cells, heat, options = [], [], []
    for run in runs:
        by_id = {r.id: r for r in run.result.requirements} if run.result else {}
        cells.append(tuple(Cell(by_id[c.id].verdict, by_id[c.id].findings_total) if c.id in by_id else Cell(None)
                           for c in columns))
        row_heat: list[Heat | None] = []
        for operation in operations:
            verdicts = [r.verdict for r in by_id.values() if r.operation == operation]
            applicable = [v for v in verdicts if v != "not-applicable"]
            row_heat.append(Heat(applicable.count("fail"), len(applicable)) if verdicts else None)
        heat.append(tuple(row_heat))
        declared = (run.result.declaration or {}).get("options") if run.result else None
        options.append(tuple(str(option) for option in declared) if isinstance(declared, list) else ())
    return Grid(tuple(runs), label_keys, operations, columns, tuple(cells), tuple(heat), tuple(options))


__all__ = [
    "GRID_HTML", "GRID_XLSX", "HEAT_COLOURS", "HEAT_LEVELS", "RUN_STATUSES", "STATUS_LABELS", "UNKNOWN_RANK",
    "VERDICTS", "VERDICT_RANK", "Cell", "Column", "Grid", "GridRun", "Heat", "build", "heat_level",
]
