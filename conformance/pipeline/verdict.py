"""Stage 4, verdict: one function turns a requirement's evidence into its result, in file and API runs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from conformance.results import Finding, RequirementResult, Verdict


@dataclass(frozen=True, slots=True)
class Subject:
    """The requirement as a result names it."""

    id: str
    operation: str
    title: str
    level: str
    basis: str
    fix: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the checks of one requirement found, and what kept them from finding more."""

    total: int = 0
    examples: tuple[Finding, ...] = ()
    # The check could not run: its verdict is `error`, whatever it found.
    broken: str | None = None
    # Parts of the check that could not be evaluated (API requests): `error` only when nothing was found.
    unevaluated: tuple[str, ...] = ()
    # Why nothing of the requirement was tested; None when something was.
    untested: str | None = None
    # How many records the checks judged (schema checks and rules); None where records are not counted.
    records_checked: int | None = None
    # What the judged records are, named in the reason when there were none.
    population: str = "対象のレコード"
    # How many header columns a header-judged check judged (the unknown-item requirement); None elsewhere.
    columns_checked: int | None = None
    # The check must say how much it judged (schema checks and rules): without a count it cannot pass.
    counted: bool = False


def judge(subject: Subject, evidence: Evidence, declared: Collection[str]) -> RequirementResult:
    """`not-applicable` (an undeclared option), `error`, `fail`, `not-tested` or `pass`, with the reason."""
    verdict: Verdict
    reason: str | None = None
    if subject.level == "標準オプション" and subject.id not in declared:
        verdict, reason = "not-applicable", "宣言されていない標準オプションです"
    elif evidence.broken is not None:
        verdict, reason = "error", evidence.broken
    elif evidence.total:
        # A violation seen is certain even when other parts of the check could not be evaluated.
        verdict = "fail"
        if evidence.unevaluated:
            reason = f"一部の要求は評価できませんでした: {evidence.unevaluated[0]}"
    elif evidence.unevaluated:
        more = f"（ほか{len(evidence.unevaluated) - 1}件）" if len(evidence.unevaluated) > 1 else ""
        verdict, reason = "error", evidence.unevaluated[0] + more
    elif evidence.untested is not None:
        verdict, reason = "not-tested", evidence.untested
    elif evidence.records_checked == 0:
        # A check that judged no record proves nothing: never a pass.
        verdict, reason = "not-tested", f"検査対象のレコードが0件のため判定できません（{evidence.population}）"
    elif evidence.columns_checked == 0:
        verdict, reason = "not-tested", "検査対象の列が0件のため判定できません（ヘッダーの列）"
    elif evidence.counted and evidence.records_checked is None and evidence.columns_checked is None:
        # Nothing says what the check judged: the suite's own gap, never read as a pass.
        verdict, reason = "error", "検査したレコード数が記録されていないため判定できません（スイートの不具合です）"
    else:
        verdict = "pass"
    applicable = verdict != "not-applicable"
    return RequirementResult(
        id=subject.id, operation=subject.operation, title=subject.title, level=subject.level,
        basis=subject.basis, fix=subject.fix, verdict=verdict,
        findings_total=evidence.total if applicable else 0,
        findings=evidence.examples if applicable else (),
        reason=reason,
        records_checked=evidence.records_checked if applicable else None,
        columns_checked=evidence.columns_checked if applicable else None,
    )


def not_judged(subject: Subject, reason: str) -> RequirementResult:
    """A requirement this kind of run does not judge (a file requirement in API mode), listed only so that
    a waiver the declaration names for it is shown, `unused`, as in a run that judges it (never silent)."""
    return RequirementResult(id=subject.id, operation=subject.operation, title=subject.title, level=subject.level,
                             basis=subject.basis, fix=subject.fix, verdict="not-applicable", reason=reason)
