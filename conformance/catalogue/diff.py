"""What changed between two versions of one operation's spec, and whether an export that passed the old
one can fail the new one (a breaking change). The kinds and what makes each breaking are documented in
README ("Comparing two versions of a spec") and in BREAKING below."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from conformance.catalogue.facts import ItemFacts, pattern_text, spec_items
from conformance.catalogue.sources import SpecSource
from conformance.spec.model import Requirement, Spec

ChangeKind = Literal[
    "bom-policy-changed", "table-added", "table-removed", "primary-key-changed",
    "item-added", "item-removed", "item-renamed", "item-retyped", "item-widened", "item-narrowed",
    "item-pattern-changed", "item-newly-required", "item-no-longer-required",
    "code-values-added", "code-values-removed", "code-list-imposed", "code-list-lifted", "item-annotation-changed",
    "requirement-added", "requirement-removed", "requirement-changed",
]
SCHEMA_VERSION = 1
# Official データ型 a value of the key type always satisfies as well (9 ⊂ S9, 9 ⊂ 9V, everything half-width ⊂ X).
_WIDER_TYPES = {"9": {"S9", "9V", "X"}, "S9": {"X"}, "9V": {"X"}, "YEAR": {"9", "X"}, "DATE": {"X"}, "TIME": {"X"}}
_STRICT_LEVELS = ("必須", "実装不可")  # a requirement at these levels judges every export
_ANNOTATIONS = ("x-item-id", "x-romaji", "x-definition", "x-code-list", "x-output-condition", "requirement", "personal")


@dataclass(frozen=True, slots=True)
class SpecChange:
    """One difference between the old spec and the new one."""

    kind: ChangeKind
    table: str | None
    item: str | None
    requirement: str | None
    old: str | None
    new: str | None
    detail: str
    breaking: bool
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form (conformance/catalogue/spec-diff.schema.json)."""
        return {"kind": self.kind, "table": self.table, "item": self.item, "requirement": self.requirement,
                "old": self.old, "new": self.new, "values": list(self.values), "detail": self.detail,
                "breaking": self.breaking}


@dataclass(frozen=True, slots=True)
class SpecDiff:
    """The changes from an old spec to a new one, tables and items first, then requirements."""

    old: SpecSource
    new: SpecSource
    changes: tuple[SpecChange, ...]

    @property
    def breaking(self) -> list[SpecChange]:
        """The changes that can make an export that passed the old spec fail the new one."""
        return [change for change in self.changes if change.breaking]

    def of_kind(self, kind: ChangeKind) -> list[SpecChange]:
        """The changes of one kind, in diff order."""
        return [change for change in self.changes if change.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`conformance spec diff --format json`)."""
        kinds: dict[str, int] = {}
        for change in self.changes:
            kinds[change.kind] = kinds.get(change.kind, 0) + 1
        def side(source: SpecSource) -> dict[str, str]:
            return {"label": source.label, "id": source.spec.id, "name": source.spec.name, "version": source.spec.version}

        return {"schema_version": SCHEMA_VERSION, "old": side(self.old), "new": side(self.new),
                "breaking": bool(self.breaking), "summary": {"changes": len(self.changes),
                                                             "breaking": len(self.breaking), "kinds": kinds},
                "changes": [change.to_dict() for change in self.changes]}


def _file_level(spec: Spec, aspect: str) -> str | None:
    requirement = spec.file_requirement(aspect)
    return requirement.level if requirement is not None else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return "[" + ", ".join(pattern_text(str(v)) for v in value) + "]"
    return pattern_text(str(value))


def diff_specs(old: SpecSource, new: SpecSource) -> SpecDiff:
    """Every change from `old` to `new` (a spec against itself: none)."""
    changes: list[SpecChange] = []
    if old.spec.bom_policy != new.spec.bom_policy:
        changes.append(SpecChange("bom-policy-changed", None, None, None, old.spec.bom_policy, new.spec.bom_policy,
                                  "BOMの扱いが変わりました", new.spec.bom_policy != "allowed"))
    old_items, new_items = spec_items(old.spec, old.root), spec_items(new.spec, new.root)
    header_mandatory = _file_level(new.spec, "header") in _STRICT_LEVELS
    for table in old.spec.tables:
        if new.spec.table(table.name) is None:
            changes.append(SpecChange("table-removed", table.name, None, None, table.name, None,
                                      "表がなくなりました（そのファイルは読まれなくなります）", False))
    for table in new.spec.tables:
        before = old.spec.table(table.name)
        if before is None:
            presence = _file_level(new.spec, "presence") in _STRICT_LEVELS
            changes.append(SpecChange("table-added", table.name, None, None, None, table.name,
                                      "表が追加されました（そのファイルが必要になります）", presence))
            continue
        if before.primary_key != table.primary_key:
            changes.append(SpecChange("primary-key-changed", table.name, None, None, _text(before.primary_key),
                                      _text(table.primary_key), "主キーが変わりました", True))
        changes += _table_changes(table.name, old_items[table.name], new_items[table.name], header_mandatory)
    changes += _requirement_changes(old.spec, new.spec)
    return SpecDiff(old, new, tuple(changes))


def _table_changes(table: str, old: tuple[ItemFacts, ...], new: tuple[ItemFacts, ...],
                   header_mandatory: bool) -> list[SpecChange]:
    old_by_name, new_by_name = {i.name: i for i in old}, {i.name: i for i in new}
    removed = [i for i in old if i.name not in new_by_name]
    added = [i for i in new if i.name not in old_by_name]
    renamed: list[tuple[ItemFacts, ItemFacts]] = []
    for before in list(removed):
        item_id = before.official.get("x-item-id")
        after = next((i for i in added if item_id is not None and i.official.get("x-item-id") == item_id), None)
        if after is not None:
            renamed.append((before, after))
            removed.remove(before)
            added.remove(after)
    changes = [SpecChange("item-removed", table, i.name, i.requirement or None, i.name, None,
                          "項目がなくなりました（旧版どおりに出力した列は標準にない項目になります）", True) for i in removed]
    for before, after in renamed:
        changes.append(SpecChange("item-renamed", table, after.name, after.requirement or None, before.name, after.name,
                                  f"データ項目ID {after.official['x-item-id']} の項目名が変わりました", True))
    changes += [SpecChange("item-added", table, i.name, i.requirement or None, None, i.name,
                           "項目が追加されました" + ("（ヘッダーに必要になります）" if header_mandatory else ""),
                           header_mandatory) for i in added]
    pairs = [(old_by_name[i.name], i) for i in new if i.name in old_by_name] + renamed
    for before, after in sorted(pairs, key=lambda pair: pair[1].position):
        changes += _item_changes(table, before, after)
    return changes


def _change(kind: ChangeKind, item: ItemFacts, old: Any, new: Any, detail: str, breaking: bool,
            values: tuple[str, ...] = ()) -> SpecChange:
    return SpecChange(kind, item.table, item.name, item.requirement or None, _text(old), _text(new), detail, breaking, values)


def _item_changes(table: str, old: ItemFacts, new: ItemFacts) -> list[SpecChange]:
    changes = _type_changes(old, new) + _width_changes(old, new)
    old_required = old.required or old.official.get("x-output-condition") == "必須"
    new_required = new.required or new.official.get("x-output-condition") == "必須"
    if new_required and not old_required:
        changes.append(_change("item-newly-required", new, "任意", "必須", "値が必須になりました", True))
    elif old_required and not new_required:
        changes.append(_change("item-no-longer-required", new, "必須", "任意", "値が必須でなくなりました", False))
    old_codes, new_codes = old.code_values, new.code_values
    if old_codes is None and new_codes is not None:
        changes.append(_change("code-list-imposed", new, None, new.code_title, "コード表が設けられました", True,
                               tuple(v.code for v in new.codes or ())))
    elif old_codes is not None and new_codes is None:
        changes.append(_change("code-list-lifted", new, old.code_title, None, "コード表がなくなりました", False))
    elif old_codes is not None and new_codes is not None:
        gone = tuple(v.code for v in old.codes or () if v.code not in new_codes)
        came = tuple(v.code for v in new.codes or () if v.code not in old_codes)
        if came:
            changes.append(_change("code-values-added", new, None, None, "コード値が追加されました", False, came))
        if gone:
            changes.append(_change("code-values-removed", new, None, None, "コード値が削除されました", True, gone))
    for key in _ANNOTATIONS:
        before, after = _annotation(old, key), _annotation(new, key)
        if before != after and not (key == "x-output-condition" and "必須" in (before, after) and old_required != new_required):
            changes.append(_change("item-annotation-changed", new, before, after, f"{key} が変わりました", False))
    return changes


def _annotation(item: ItemFacts, key: str) -> Any:
    if key == "requirement":
        return item.requirement or None
    if key == "personal":
        return item.personal
    return item.official.get(key)


def _type_changes(old: ItemFacts, new: ItemFacts) -> list[SpecChange]:
    changes = []
    old_type, new_type = old.official.get("x-data-type"), new.official.get("x-data-type")
    if old_type != new_type:
        wider = old_type is None or (new_type is not None and new_type in _WIDER_TYPES.get(str(old_type), ()))
        changes.append(_change("item-retyped", new, old_type, new_type, "データ型が変わりました",
                               new_type is not None and not wider))
    if old.json_type != new.json_type:
        changes.append(_change("item-retyped", new, old.json_type, new.json_type, "JSON Schema の type が変わりました", True))
    added_formats = [f for f in new.formats if f not in old.formats]
    if added_formats or [f for f in old.formats if f not in new.formats]:
        changes.append(_change("item-retyped", new, old.formats, new.formats, "値の形式（format）が変わりました",
                               bool(added_formats)))
    if old.sql_type != new.sql_type:
        changes.append(_change("item-retyped", new, old.sql_type, new.sql_type, "規則が見る型（x-sql-type）が変わりました", False))
    return changes


def _bounds(item: ItemFacts) -> dict[str, tuple[int | None, int | None]]:
    """Each width the item has, as (lower, upper) characters; None: no bound on that side."""
    bounds: dict[str, tuple[int | None, int | None]] = {}
    if item.max_length is not None:
        bounds["maxLength"] = (None, item.max_length)
    if item.min_length is not None:
        bounds["minLength"] = (item.min_length, None)
    width = item.official.get("x-width")
    if isinstance(width, int):
        bounds["x-width"] = (None, width)
    elif isinstance(width, str) and "," in width:
        whole, _, decimals = width.partition(",")
        if whole.strip().isdigit() and decimals.strip().isdigit():
            bounds["x-width（整数部）"] = (None, int(whole))
            bounds["x-width（小数部）"] = (None, int(decimals))
    if item.pattern_width is not None and item.patterns:
        bounds["pattern"] = item.pattern_width
    if isinstance(item.official.get("x-repeat"), int):
        bounds["x-repeat"] = (None, item.official["x-repeat"])
    return bounds


def _width_text(bound: tuple[int | None, int | None] | None) -> str:
    if bound is None:
        return "制限なし"
    low, high = bound
    if low is None:
        return "制限なし" if high is None else str(high)
    return f"{low}〜{'' if high is None else high}"


def _width_changes(old: ItemFacts, new: ItemFacts) -> list[SpecChange]:
    changes = []
    same_shape = [_shape(p) for p in old.patterns] == [_shape(p) for p in new.patterns]
    if not same_shape:
        # Not a matter of widths only: we cannot prove the new pattern admits every old value.
        changes.append(_change("item-pattern-changed", new, old.patterns, new.patterns, "パターンが変わりました",
                               bool(new.patterns)))
    old_bounds, new_bounds = _bounds(old), _bounds(new)
    narrower, wider = [], []
    for name in dict.fromkeys([*old_bounds, *new_bounds]):
        if name == "pattern" and not same_shape:
            continue
        before, after = old_bounds.get(name), new_bounds.get(name)
        if before == after:
            continue
        (lo0, hi0), (lo1, hi1) = before or (None, None), after or (None, None)
        tighter = (hi1 is not None and (hi0 is None or hi1 < hi0)) or ((lo1 or 0) > (lo0 or 0))
        looser = (hi0 is not None and (hi1 is None or hi1 > hi0)) or ((lo1 or 0) < (lo0 or 0))
        text = f"{name} {_width_text(before)} → {_width_text(after)}"
        if tighter:
            narrower.append(text)
        elif looser:
            wider.append(text)
    if narrower:
        changes.append(_change("item-narrowed", new, None, None, "桁数が狭まりました: " + "; ".join(narrower + wider), True))
    elif wider:
        changes.append(_change("item-widened", new, None, None, "桁数が広がりました: " + "; ".join(wider), False))
    return changes


def _shape(pattern: str) -> str:
    """A pattern with its counted repetitions blanked: equal shapes differ in widths only."""
    out, at = [], 0
    while at < len(pattern):
        if pattern[at] == "\\":
            out.append(pattern[at:at + 2])
            at += 2
        elif pattern[at] == "{" and "}" in pattern[at:] and all(c.isdigit() or c == "," for c in pattern[at + 1:pattern.index("}", at)]):
            out.append("{}")
            at = pattern.index("}", at) + 1
        else:
            out.append(pattern[at])
            at += 1
    return "".join(out)


def _check_form(requirement: Requirement) -> tuple[Any, ...]:
    c = requirement.check
    return (c.kind, c.table, c.aspect, c.items, c.sql, c.population, c.blame, c.references)


def _requirement_changes(old: Spec, new: Spec) -> list[SpecChange]:
    old_ids = {r.id: r for r in old.requirements}
    new_ids = {r.id for r in new.requirements}
    changes = [SpecChange("requirement-removed", r.check.table, None, r.id, r.level, None,
                          f"要件がなくなりました: {r.title}", False) for r in old.requirements if r.id not in new_ids]
    for after in new.requirements:
        before = old_ids.get(after.id)
        if before is None:
            changes.append(SpecChange("requirement-added", after.check.table, None, after.id, None, after.level,
                                      f"要件が追加されました: {after.title}", after.level in _STRICT_LEVELS))
            continue
        fields = [name for name, a, b in (
            ("level", before.level, after.level), ("title", before.title, after.title),
            ("check", _check_form(before), _check_form(after)), ("source", before.source, after.source),
            ("fix", before.fix, after.fix)) if a != b]
        if not fields:
            continue
        raised = before.level != after.level and after.level in _STRICT_LEVELS
        # A rewritten check that judges every export may refuse what the old one admitted.
        rewritten = "check" in fields and after.level in _STRICT_LEVELS
        old_text = before.level if "level" in fields else None
        new_text = after.level if "level" in fields else None
        changes.append(SpecChange("requirement-changed", after.check.table, None, after.id, old_text, new_text,
                                  "変わったもの: " + ", ".join(fields), raised or rewritten, tuple(fields)))
    return changes
