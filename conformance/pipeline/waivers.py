"""After the verdict stage: the declaration's waivers turn a failure into `waived`, or are reported unused,
partial or expired (README, Waivers). One function for file and API runs."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import replace

from conformance.results import Finding, RequirementResult, Waiver


def apply_waivers(requirements: Sequence[RequirementResult], waivers: Sequence[Waiver], as_of: datetime.date,
                  tables: Mapping[str, str]) -> list[RequirementResult]:
    """Each requirement with its waivers judged; `tables` maps a finding's file, or in API mode the list
    request its record came from (as located), to its table."""
    by_requirement: dict[str, list[Waiver]] = {}
    for waiver in waivers:
        by_requirement.setdefault(waiver.requirement, []).append(waiver)
    return [_apply(requirement, by_requirement[requirement.id], as_of, tables) if requirement.id in by_requirement
            else requirement for requirement in requirements]


def _covers(waiver: Waiver, finding: Finding, tables: Mapping[str, str]) -> bool:
    """Whether a finding lies in the waiver's scope: its table (by the file it is in, or the list request
    its record came from; an API case's request is no table's) and item."""
    where = finding.location.file if finding.location.file is not None else finding.location.url
    if waiver.table is not None and (where is None or tables.get(where) != waiver.table):
        return False
    return waiver.item is None or finding.location.item == waiver.item


def _reason(*parts: str | None) -> str | None:
    joined = "。".join(part for part in parts if part)
    return joined or None


def _apply(requirement: RequirementResult, waivers: list[Waiver], as_of: datetime.date,
           tables: Mapping[str, str]) -> RequirementResult:
    expired = [w for w in waivers if w.expired(as_of)]
    valid = [w for w in waivers if not w.expired(as_of)]
    expired_note = _reason(*(f"免除は期限切れです（{as_of.isoformat()} 時点）: {w.describe()}" for w in expired))
    judged: dict[int, Waiver] = {id(w): w.judged("expired") for w in expired}
    verdict, reason = requirement.verdict, requirement.reason
    if requirement.verdict != "fail" or not valid:
        # Nothing failed (or only expired waivers): the verdict stands; an expired waiver of a failure is named.
        judged.update({id(w): w.judged("unused") for w in valid})
        if requirement.verdict == "fail":
            reason = _reason(expired_note, requirement.reason)
    else:
        total, kept = requirement.findings_total, requirement.findings
        counts = {id(w): total if w.scope is None else sum(_covers(w, f, tables) for f in kept) for w in valid}
        everything = any(w.scope is None for w in valid) or (
            len(kept) == total and all(any(_covers(w, f, tables) for w in valid) for f in kept))
        if everything:
            verdict = "waived"
            judged.update({id(w): w.judged("applied" if counts[id(w)] else "unused", counts[id(w)]) for w in valid})
            applied = [judged[id(w)] for w in valid if counts[id(w)]]
            reason = _reason(*(f"免除: {w.describe()}" for w in applied), requirement.reason)
        else:
            judged.update({id(w): w.judged("partial" if counts[id(w)] else "unused", counts[id(w)]) for w in valid})
            if len(kept) < total:
                why = (f"範囲付きの免除が全{total}件の指摘に及ぶか確かめられません（保存した指摘は{len(kept)}件: "
                       "--max-findings を指摘数以上にしてください）")
            else:
                inside = sum(any(_covers(w, f, tables) for w in valid) for f in kept)
                why = f"免除の範囲外の指摘があります（範囲内 {inside}件 / 全 {total}件）"
            reason = _reason(why, expired_note, requirement.reason)
    return replace(requirement, verdict=verdict, reason=reason, waivers=tuple(judged[id(w)] for w in waivers))
