"""The HTML report: one self-contained page (no network fetch), in Japanese, for the screen and for print."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from conformance.report.labels import (
    BASIS_LABELS,
    CHECK_DIGITS_TITLE,
    RUN_VERDICT_LABELS,
    VERDICT_LABELS,
    changed_warning,
    character_profile_label,
    check_digits_label,
    mapping_warnings,
    run_verdict_text,
    suite_label,
    waiver_counts,
    waiver_label,
)
from conformance.report.pages import ENVIRONMENT, inline_asset
from conformance.results import VERDICTS, RequirementResult, RunResult
from conformance.results.waivers import WAIVER_STATUS_LABELS

_CHART_BAR_WIDTH = 300  # px of the longest bar in the verdict chart's viewBox
_UNSAFE_ANCHOR = re.compile(r"[^A-Za-z0-9_.-]")

@dataclass(frozen=True, slots=True)
class _Bar:
    """One bar of the verdict chart, in viewBox units."""

    verdict: str
    label: str
    count: int
    width: float
    y: int


def _time(value: str) -> str:
    """ISO 8601 as a Japanese reader expects it, keeping the offset; anything unparseable as given."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = moment.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y年%m月%d日 %H:%M:%S} {offset}".strip()


def _duration(started: str, finished: str) -> str | None:
    try:
        seconds = (datetime.datetime.fromisoformat(finished) - datetime.datetime.fromisoformat(started)).total_seconds()
    except (ValueError, TypeError):  # TypeError: one side has an offset, the other not
        return None
    if seconds < 0:
        return None
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}分{rest}秒" if minutes else f"{rest}秒"


def _anchors(requirements: tuple[RequirementResult, ...]) -> dict[str, str]:
    """A fragment id per requirement: readable (#req-JUKI-C-0001) and unique whatever the IDs hold."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for index, requirement in enumerate(requirements):
        anchor = "req-" + _UNSAFE_ANCHOR.sub("_", requirement.id)
        if anchor in used:
            anchor = f"{anchor}-{index}"
        used.add(anchor)
        anchors[requirement.id] = anchor
    return anchors


def _bars(counts: dict[str, int]) -> list[_Bar]:
    largest = max(counts.values(), default=0) or 1
    return [
        _Bar(verdict, VERDICT_LABELS[verdict], counts[verdict],
             round(counts[verdict] / largest * _CHART_BAR_WIDTH, 1), index * 28)
        for index, verdict in enumerate(VERDICTS)
    ]


def _operations(result: RunResult) -> list[dict[str, Any]]:
    """Each operation in the order of the specs (then any the specs do not name), with its verdict counts."""
    names = {spec.id: spec.name for spec in result.specs}
    order = [spec.id for spec in result.specs]
    order += sorted({r.operation for r in result.requirements} - set(order))
    rows = []
    for operation in order:
        counts = {verdict: 0 for verdict in VERDICTS}
        for requirement in result.requirements:
            if requirement.operation == operation:
                counts[requirement.verdict] += 1
        rows.append({"id": operation, "name": names.get(operation, ""), "counts": counts,
                     "total": sum(counts.values())})
    return rows


def render(result: RunResult) -> str:
    """The report as one HTML document (inline CSS and script, nothing fetched)."""
    summary = result.summary
    css, css_hash = inline_asset("report.css")
    script, script_hash = inline_asset("report.js")
    return ENVIRONMENT.get_template("report.html.j2").render(
        result=result,
        suite=suite_label(result.suite_version, result.suite_digest, len(result.spec_files)),
        summary=summary,
        total=len(result.requirements),
        show_values=bool(result.options.get("show_values")),
        max_findings=result.options.get("max_findings"),
        started=_time(result.started),
        finished=_time(result.finished),
        duration=_duration(result.started, result.finished),
        declaration=result.declaration or None,
        character_profile=character_profile_label(result.character_profile),
        check_digits_title=CHECK_DIGITS_TITLE,
        check_digits=check_digits_label(result.check_digits),
        operations=_operations(result),
        bars=_bars(summary.counts),
        chart_bar_width=_CHART_BAR_WIDTH,
        anchors=_anchors(result.requirements),
        # A waived requirement's findings are real: listed with the failures, marked as waived.
        failing=[r for r in result.requirements if r.verdict in ("fail", "waived")],
        changed_warnings=[changed_warning(path) for path in result.changed] + mapping_warnings(result),
        run_verdict_text=run_verdict_text(result),
        untested=[r for r in result.requirements if r.verdict in ("not-tested", "error")],
        waiver_label=waiver_label,
        waiver_counts=waiver_counts(result),
        waiver_status_labels=WAIVER_STATUS_LABELS,
        verdicts=VERDICTS,
        verdict_labels=VERDICT_LABELS,
        run_verdict_labels=RUN_VERDICT_LABELS,
        basis_labels=BASIS_LABELS,
        css=css,
        script=script,
        csp=f"default-src 'none'; style-src {css_hash}; script-src {script_hash}; img-src data:; "
            "base-uri 'none'; form-action 'none'",
    )
