"""`conformance spec diff` as text for a terminal (the JSON form is SpecDiff.to_dict)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.catalogue.diff import SpecChange, SpecDiff
from conformance.catalogue.facts import visible

SCHEMA_PATH = Path(__file__).resolve().parent / "spec-diff.schema.json"


def diff_schema() -> dict[str, Any]:
    """The published JSON Schema of `spec diff --format json`."""
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _subject(change: SpecChange) -> str:
    if change.requirement and change.item is None:
        return change.requirement
    if change.item is not None:
        return f"{change.table}.{change.item}"
    return change.table or "(spec)"


def _line(change: SpecChange) -> str:
    mark = "!" if change.breaking else " "
    parts = [f"{mark} {change.kind:<26} {_subject(change)}"]
    if change.old is not None or change.new is not None:
        parts.append(f"{change.old if change.old is not None else '—'} → {change.new if change.new is not None else '—'}")
    if change.values and not change.kind.startswith("requirement"):
        parts.append("値: " + ", ".join(change.values))
    parts.append(change.detail)
    return "  ".join(parts)


def render_text(result: SpecDiff) -> str:
    """One line per change, `!` marking a breaking one, and a closing summary."""
    old, new = result.old.spec, result.new.spec
    lines = [f"spec diff: {result.old.label} ({old.id} {old.version}) → {result.new.label} ({new.id} {new.version})"]
    if old.id != new.id:
        lines.append(f"  注意: 業務IDが異なります ({old.id} / {new.id})")
    lines += [_line(change) for change in result.changes]
    breaking = len(result.breaking)
    if not result.changes:
        lines.append("変更なし / no changes")
    else:
        lines.append(f"{len(result.changes)} change(s), {breaking} breaking"
                     + ("（! 旧版に適合した出力が新版で不適合になり得る変更）" if breaking else ""))
    return visible("\n".join(lines)) + "\n"  # a spec's text never drives the terminal (escape sequences)
