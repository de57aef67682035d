"""The requirement catalogue as values: what `conformance docs` shows of each spec, rendered by
`catalogue.html` and `catalogue.markdown` (same content, two formats)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from conformance.catalogue.facts import ItemFacts, pattern_text, table_items
from conformance.catalogue.sources import SpecSource
from conformance.spec import SpecError

ABSENT = "未収録"  # the official list's value is not in our material (no x-… annotation)
BASIS_LABELS = {"official": "公式", "practice": "公開事例", "assumption": "前提（当スイートの仮定）"}
CHECK_LABELS = {"file": "ファイル", "schema": "項目（スキーマ）", "row": "レコード規則", "dataset": "データセット規則"}
ASPECT_LABELS = {"encoding": "文字コード", "syntax": "構文", "header": "ヘッダー", "presence": "ファイルの有無"}
BOM_LABELS = {"allowed": "BOMあり・なしとも可", "forbidden": "BOM不可", "required": "BOM必須"}
# A note of a spec file that says what the spec does not encode (or is not sure of).
_GAP = re.compile(r"NOT FOUND|not (?:yet )?(?:modelled|modeled|checked|judged|public|encoded|found|retrieved)|"
                  r"left for a later|未収録|未確認|is not in our material", re.IGNORECASE)
_OPERATION_ID = re.compile(r"[a-z]+(?:-[a-z]+)*")
_FILES_BLOCK = re.compile(r"^files:[ \t]*\n(?:(?:[ \t]+.*|[ \t]*#.*)?\n)*", re.MULTILINE)
_UNSAFE_ANCHOR = re.compile(r"[^A-Za-z0-9_.-]")


def fragment(requirement_id: str) -> str:
    """A requirement's fragment id: the ID itself (`#JUKI-D-0001`), any other character made `_`."""
    return _UNSAFE_ANCHOR.sub("_", requirement_id) or "_"


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item as the catalogue lists it; None where the official list's value is not recorded."""

    anchor: str
    name: str
    item_id: str | None
    romaji: str | None
    data_type: str | None
    width: str | None
    output_condition: str | None
    requirement: str
    requirement_anchor: str
    level: str | None
    code_list: str | None
    codes: tuple[str, ...]
    code_basis: str | None
    checks: tuple[str, ...]  # what our schema checks (where no official value exists: our assumption)


@dataclass(frozen=True, slots=True)
class TableView:
    """One table (one file) with its items."""

    anchor: str
    name: str
    file_names: tuple[str, ...]
    primary_key: tuple[str, ...]
    items: tuple[ItemRow, ...]


@dataclass(frozen=True, slots=True)
class RequirementRow:
    """One requirement with its level, basis, source and 対処方法."""

    id: str
    anchor: str
    title: str
    level: str
    check: str
    basis: str
    basis_label: str
    source: str
    note: str | None
    fix: str


@dataclass(frozen=True, slots=True)
class OperationPage:
    """Everything one operation's page shows."""

    id: str
    name: str
    version: str
    ministry: str
    documents: tuple[tuple[str, str | None], ...]  # (title 版 date, note)
    files: str
    tables: tuple[TableView, ...]
    requirements: tuple[RequirementRow, ...]
    gaps: tuple[str, ...]  # what is not encoded, from the spec file's own notes
    notes: tuple[str, ...]  # the spec file's leading comment, paragraph by paragraph
    levels: dict[str, int]
    bases: dict[str, int]
    items_total: int
    items_official: int  # items with a データ項目ID


def _header_notes(text: str) -> tuple[str, ...]:
    """The leading `#` comment of spec.yaml, as paragraphs (blank `#` lines separate them)."""
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body:
            paragraphs[-1].append(body)
        elif paragraphs[-1]:
            paragraphs.append([])
    return tuple(" ".join(lines) for lines in paragraphs if lines)


def _width(item: ItemFacts) -> str | None:
    value = item.official.get("x-width")
    return None if value is None else str(value)


def _checks(item: ItemFacts) -> tuple[str, ...]:
    checks = [f"出典: {item.provenance}"] if item.provenance else []
    if item.required:
        checks.append("値は必須")
    if item.max_length is not None:
        checks.append(f"最大{item.max_length}文字")
    if item.min_length is not None:
        checks.append(f"最小{item.min_length}文字")
    checks += [f"パターン {pattern_text(pattern)}" for pattern in item.patterns]
    checks += [f"形式 {name}" for name in item.formats]
    if item.codes is not None:
        checks.append(f"コード表 {item.code_title or ''}".rstrip())
    if item.personal:
        checks.append("個人番号（表示しない）" if item.personal == "never" else "個人情報（マスク表示）")
    return tuple(checks)


def _item_row(item: ItemFacts, anchor: str, levels: Mapping[str, str]) -> ItemRow:
    def text(key: str) -> str | None:
        return None if item.official.get(key) is None else str(item.official[key])

    codes = tuple(f"{v.code} {v.label}" if v.label else v.code for v in item.codes or ())
    return ItemRow(anchor=anchor, name=item.name, item_id=text("x-item-id"), romaji=text("x-romaji"),
                   data_type=text("x-data-type"), width=_width(item), output_condition=text("x-output-condition"),
                   requirement=item.requirement, requirement_anchor=fragment(item.requirement), level=levels.get(item.requirement), code_list=text("x-code-list"),
                   codes=codes, code_basis=BASIS_LABELS.get(item.code_basis or "", item.code_basis),
                   checks=_checks(item))


def _check_text(kind: str, table: str | None, aspect: str | None) -> str:
    label = CHECK_LABELS.get(kind, kind)
    if aspect:
        label += f"（{ASPECT_LABELS.get(aspect, aspect)}）"
    return f"{label}: {table}" if table else label


def operation_page(source: SpecSource) -> OperationPage:
    """One spec as its catalogue page."""
    spec = source.spec
    if not _OPERATION_ID.fullmatch(spec.id):
        raise SpecError(f"{source.label}: 業務ID {spec.id!r} はファイル名に使えません / not an operation id")
    spec_file = spec.path / "spec.yaml"
    try:
        text = spec_file.read_text(encoding="utf-8")
        # Only the `files:` block (bom_note is not in the Spec model): parsing all of spec.yaml again costs 0.1 s a spec.
        block = _FILES_BLOCK.search(text)
        raw = yaml.load(block.group(0) if block else "{}", Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SpecError(f"{spec_file}: {error}") from None
    files: dict[str, Any] = raw.get("files", {}) if isinstance(raw, dict) else {}
    levels = {r.id: r.level for r in spec.requirements}
    tables = []
    for number, table in enumerate(spec.tables, 1):
        items = table_items(table, source.root)
        rows = tuple(_item_row(item, f"item-{number}-{item.position}", levels) for item in items)
        tables.append(TableView(f"table-{number}", table.name, (table.name, *table.file_names), table.primary_key, rows))
    requirements = tuple(
        RequirementRow(id=r.id, anchor=fragment(r.id), title=r.title, level=r.level, check=_check_text(r.check.kind, r.check.table, r.check.aspect),
                       basis=r.source.basis, basis_label=BASIS_LABELS.get(r.source.basis, r.source.basis),
                       source=f"{r.source.document} — {r.source.section}", note=r.source.note, fix=r.fix)
        for r in spec.requirements)
    notes = _header_notes(text)
    documents = tuple((" ".join(p for p in (d.title, d.version, d.date) if p), d.note) for d in spec.documents)
    gaps = [note for note in notes if _GAP.search(note)]
    gaps += [f"{title}: {note}" for title, note in documents if note and _GAP.search(note)]
    bom_note = files.get("bom_note")
    if isinstance(bom_note, str) and _GAP.search(bom_note):
        gaps.append(f"ファイルの規則: {bom_note}")
    all_items = [item for table in tables for item in table.items]

    def count(values: list[str]) -> dict[str, int]:
        return {value: values.count(value) for value in dict.fromkeys(values)}

    return OperationPage(
        id=spec.id, name=spec.name, version=spec.version, ministry=spec.ministry, documents=documents,
        files=f"{files.get('encoding', 'UTF-8')}、{BOM_LABELS.get(spec.bom_policy, spec.bom_policy)}"
              + (f"（{bom_note}）" if isinstance(bom_note, str) else ""),
        tables=tuple(tables), requirements=requirements, gaps=tuple(gaps), notes=notes,
        levels=count([r.level for r in requirements]), bases=count([r.basis_label for r in requirements]),
        items_total=len(all_items), items_official=sum(1 for item in all_items if item.item_id),
    )


def catalogue(sources: list[SpecSource]) -> list[OperationPage]:
    """Every spec's page, in the given order; two specs of one id are refused (their pages would collide)."""
    seen: set[str] = set()
    pages = []
    for source in sources:
        if source.spec.id in seen:
            raise SpecError(f"{source.label}: 業務ID {source.spec.id} が重複しています / duplicate operation id")
        seen.add(source.spec.id)
        pages.append(operation_page(source))
    return pages
