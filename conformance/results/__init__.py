"""The result model: findings, verdicts and the run result, and how values are masked."""

from __future__ import annotations

from conformance.results.collect import FindingCollector
from conformance.results.masking import name_invisible, shown_part, shown_value, terminal_safe
from conformance.results.model import (
    EXIT_CODES,
    REFERENCE_LABEL,
    VERDICTS,
    Finding,
    Location,
    RequirementResult,
    RunResult,
    SpecRef,
    Summary,
    TargetFile,
    Verdict,
)
from conformance.results.waivers import Waiver

__all__ = [
    "EXIT_CODES",
    "REFERENCE_LABEL",
    "VERDICTS",
    "Finding",
    "FindingCollector",
    "Location",
    "RequirementResult",
    "RunResult",
    "SpecRef",
    "Summary",
    "TargetFile",
    "Verdict",
    "Waiver",
    "name_invisible",
    "shown_part",
    "shown_value",
    "terminal_safe",
]
