"""Why a broken case fails: the finding codes and first location a mutation must produce."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.spec.model import Requirement, Spec


@dataclass(frozen=True, slots=True)
class Touch:
    """What one change did: its kind, the file, and the record (from 1) and item where it applies."""

    kind: str
    file: str
    record: int | None = None
    item: str | None = None


def derive(spec: Spec, requirement: Requirement, touched: Iterable[Touch], expect: Mapping[str, Any]) -> dict[str, Any]:
    """{codes, first} for the failing requirement."""
    return {"codes": [], "first": {}}
