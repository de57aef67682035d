"""What changed between two runs: what a vendor checks between two releases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from conformance.results.model import RequirementResult, RunResult
from conformance.results.waivers import Waiver

ChangeKind = Literal["newly-failing", "newly-passing", "count-changed", "verdict-changed", "added", "removed"]
WaiverChangeKind = Literal["added", "removed", "expired"]
_LOST_COVERAGE = ("not-tested", "error")


@dataclass(frozen=True, slots=True)
class WaiverChange:
    """A waiver declared in one run and not the other, or one that expired since the old run."""

    kind: WaiverChangeKind
    waiver: Waiver
    """The new run's waiver (the old run's for `removed`)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the kind and the waiver as the result holds it."""
        return {"kind": self.kind, **self.waiver.to_dict()}


def _waiver_key(waiver: Waiver) -> tuple[str, str | None, str | None]:
    return waiver.requirement, waiver.table, waiver.item


def waiver_changes(old: RunResult, new: RunResult) -> tuple[WaiverChange, ...]:
    """Waivers added, removed, and expired (expired in the new run, not in the old) between two results."""
    old_by_key = {_waiver_key(w): w for w in old.waivers}
    new_by_key = {_waiver_key(w): w for w in new.waivers}
    changes = [WaiverChange("added", w) for key, w in new_by_key.items() if key not in old_by_key]
    changes += [WaiverChange("expired", w) for key, w in new_by_key.items()
                if w.status == "expired" and key in old_by_key and old_by_key[key].status != "expired"]
    changes += [WaiverChange("removed", w) for key, w in old_by_key.items() if key not in new_by_key]
    return tuple(changes)


@dataclass(frozen=True, slots=True)
class RequirementChange:
    """One requirement whose verdict or finding count differs between the two runs."""

    id: str
    title: str
    kind: ChangeKind
    old_verdict: str | None
    new_verdict: str | None
    old_findings: int
    new_findings: int
    regression: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict, "old_findings": self.old_findings,
            "new_findings": self.new_findings, "regression": self.regression,
        }


def _change(old: RequirementResult | None, new: RequirementResult | None) -> RequirementChange | None:
    either = new or old
    assert either is not None
    old_verdict = old.verdict if old else None
    new_verdict = new.verdict if new else None
    old_total = old.findings_total if old else 0
    new_total = new.findings_total if new else 0
    kind: ChangeKind
    if old is None:
        kind, regression = ("newly-failing", True) if new_verdict == "fail" else ("added", False)
    elif new is None:
        kind, regression = "removed", False
    elif new_verdict == "fail" and old_verdict != "fail":
        kind, regression = "newly-failing", True
    elif old_verdict == "fail" and new_verdict != "fail":
        kind, regression = ("newly-passing", False) if new_verdict == "pass" else ("verdict-changed", new_verdict in _LOST_COVERAGE)
    elif old_verdict != new_verdict:
        # pass -> not-tested/error: the requirement is no longer shown to hold; pass -> waived: it fails
        # again, only excused for a while.
        kind, regression = "verdict-changed", old_verdict == "pass" and new_verdict in (*_LOST_COVERAGE, "waived")
    elif old_total != new_total:
        kind, regression = "count-changed", new_total > old_total
    else:
        return None
    return RequirementChange(either.id, either.title, kind, old_verdict, new_verdict, old_total, new_total, regression)


@dataclass(frozen=True, slots=True)
class ResultDiff:
    """The changes from an old run to a new one, requirement by requirement."""

    old: RunResult
    new: RunResult
    changes: tuple[RequirementChange, ...]
    waivers: tuple[WaiverChange, ...] = ()

    @property
    def regressions(self) -> list[RequirementChange]:
        """Newly failing, more findings, or no longer shown to hold."""
        return [change for change in self.changes if change.regression]

    def of_kind(self, kind: ChangeKind) -> list[RequirementChange]:
        """The changes of one kind, in requirement order."""
        return [change for change in self.changes if change.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`conformance diff --format json`)."""
        def side(result: RunResult) -> dict[str, Any]:
            return {"verdict": result.summary.verdict, "suite": result.suite_version,
                    "specs": [f"{s.id}@{s.version}" for s in result.specs], "target": result.target,
                    "finished": result.finished}

        return {"old": side(self.old), "new": side(self.new), "regressions": len(self.regressions),
                "changes": [change.to_dict() for change in self.changes],
                "waivers": [change.to_dict() for change in self.waivers]}


def diff(old: RunResult, new: RunResult) -> ResultDiff:
    """Compare two results; requirements are matched by ID, in the new result's order."""
    old_by_id = {r.id: r for r in old.requirements}
    new_by_id = {r.id: r for r in new.requirements}
    order = [r.id for r in new.requirements] + [r.id for r in old.requirements if r.id not in new_by_id]
    changes = [_change(old_by_id.get(i), new_by_id.get(i)) for i in order]
    return ResultDiff(old, new, tuple(change for change in changes if change is not None), waiver_changes(old, new))


_HEADINGS: tuple[tuple[ChangeKind, str], ...] = (
    ("newly-failing", "新たに不適合 / newly failing"),
    ("count-changed", "指摘数の変化 / finding counts changed"),
    ("verdict-changed", "判定の変化 / other verdict changes"),
    ("newly-passing", "新たに適合 / newly passing"),
    ("added", "追加された要件 / added requirements"),
    ("removed", "なくなった要件 / removed requirements"),
)


_WAIVER_HEADINGS: tuple[tuple[WaiverChangeKind, str], ...] = (
    ("expired", "期限切れになった免除 / waivers expired"),
    ("added", "追加された免除 / waivers added"),
    ("removed", "なくなった免除 / waivers removed"),
)


def render_text(result_diff: ResultDiff) -> str:
    """The diff as plain text for a terminal or a CI log."""
    def side(result: RunResult) -> str:
        specs = ", ".join(f"{s.id} {s.version}" for s in result.specs)
        return f"{result.summary.verdict} (suite {result.suite_version}; {specs}; {result.finished})"

    lines = [f"旧 old: {side(result_diff.old)}", f"新 new: {side(result_diff.new)}", ""]
    for kind, heading in _HEADINGS:
        changes = result_diff.of_kind(kind)
        if not changes:
            continue
        lines.append(f"{heading} ({len(changes)}):")
        for change in changes:
            mark = "!" if change.regression else " "
            lines.append(
                f" {mark} {change.id}  {change.old_verdict or '-'} → {change.new_verdict or '-'}  "
                f"指摘 {change.old_findings} → {change.new_findings}  {change.title}"
            )
        lines.append("")
    for waiver_kind, waiver_heading in _WAIVER_HEADINGS:
        waivers = [change.waiver for change in result_diff.waivers if change.kind == waiver_kind]
        if waivers:
            lines.append(f"{waiver_heading} ({len(waivers)}):")
            lines += [f"   {w.requirement}  {w.describe()}" for w in waivers]
            lines.append("")
    if not result_diff.changes and not result_diff.waivers:
        lines += ["変化なし / no change", ""]
    lines.append(f"後退 regressions: {len(result_diff.regressions)}")
    return "\n".join(lines) + "\n"
