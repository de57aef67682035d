"""Waivers: a declared, dated exception for one requirement, and what a run made of it (issue 21)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any, Literal

from conformance.results.masking import mask_my_numbers

WaiverStatus = Literal["declared", "applied", "partial", "unused", "expired"]
WAIVER_STATUSES: tuple[WaiverStatus, ...] = ("declared", "applied", "partial", "unused", "expired")
"""declared: as read from the declaration, before a run; applied: it turned the requirement's failure into
`waived`; partial: its scope covered some findings but others remain, so the requirement still fails;
unused: the requirement had no finding in its scope (or was not judged: the waiver changed nothing);
expired: its `until` is before the run's as-of date, so the requirement is judged as if it were absent."""

WAIVER_STATUS_LABELS: dict[str, str] = {
    "declared": "宣言", "applied": "適用", "partial": "一部のみ（範囲外の指摘あり）", "unused": "未使用", "expired": "期限切れ",
}


@dataclass(frozen=True, slots=True)
class Waiver:
    """One waiver of the declaration: requirement, why, on what basis, until when, approved by whom, and
    optionally the table (and item) it is limited to; with its status once a run applied it."""

    requirement: str
    reason: str
    basis: str
    until: str
    """The last day the waiver holds (YYYY-MM-DD, inclusive): it expires when the run's as-of date is later."""
    approved_by: str
    table: str | None = None
    item: str | None = None
    status: WaiverStatus = "declared"
    findings_waived: int = 0
    """How many of the requirement's findings fell within the waiver's scope (all of them when unscoped)."""

    def __post_init__(self) -> None:
        for name in ("reason", "basis", "approved_by", "table", "item"):
            value = getattr(self, name)
            if value is not None and (masked := mask_my_numbers(value)) != value:
                object.__setattr__(self, name, masked)

    @property
    def until_date(self) -> datetime.date:
        """`until` as a date (validated when the declaration was read)."""
        return datetime.date.fromisoformat(self.until)

    def expired(self, as_of: datetime.date) -> bool:
        """True when the run's as-of date is after the last day of the waiver."""
        return self.until_date < as_of

    @property
    def scope(self) -> str | None:
        """The scope as a person reads it (`住民` or `住民「氏名」`), None when the whole requirement is waived."""
        if self.table is None and self.item is None:
            return None
        return f"{self.table or '全表'}" + (f"「{self.item}」" if self.item is not None else "")

    def judged(self, status: WaiverStatus, findings_waived: int = 0) -> Waiver:
        """This waiver as a run applied it."""
        return replace(self, status=status, findings_waived=findings_waived)

    def describe(self) -> str:
        """One line naming the waiver: basis, reason, until, approver, scope (every format shows these)."""
        scope = f"、範囲 {self.scope}" if self.scope else ""
        return f"{self.basis}: {self.reason}（期限 {self.until}、承認 {self.approved_by}{scope}）"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report.schema.json#/$defs/waiver; the declaration's form without status and count)."""
        data: dict[str, Any] = {"requirement": self.requirement, "reason": self.reason, "basis": self.basis,
                                "until": self.until, "approved_by": self.approved_by}
        scope = {key: value for key, value in (("table", self.table), ("item", self.item)) if value is not None}
        if scope:
            data["scope"] = scope
        if self.status != "declared":
            data["status"] = self.status
            data["findings_waived"] = self.findings_waived
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Waiver:
        """Inverse of to_dict (also reads a declaration's entry)."""
        scope = data.get("scope") or {}
        return cls(requirement=data["requirement"], reason=data["reason"], basis=data["basis"], until=str(data["until"]),
                   approved_by=data["approved_by"], table=scope.get("table"), item=scope.get("item"),
                   status=data.get("status", "declared"), findings_waived=data.get("findings_waived", 0))
