"""The checks of a table's file itself: presence, BOM policy, the reader's issues, the header's columns.

Pure functions of the spec, the table and what the reader said; each returns the findings in the
order a report lists them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

from conformance.checks.places import Place
from conformance.results import Finding, Location, codes
from conformance.results.masking import INVISIBLE
from conformance.spec.model import Spec, Table


class Issue(Protocol):
    """A reader's problem with a file (the readers' ReadIssue)."""

    @property
    def aspect(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def record(self) -> int | None: ...
    @property
    def item(self) -> str | None: ...


def presence_findings(spec: Spec, table: Table, sources: Sequence[tuple[str, str | None]]) -> list[Finding]:
    """No file for the table, or more than one (`sources`: each file's name and sheet, first one read)."""
    presence = spec.file_requirement("presence")
    if presence is None:
        return []
    if not sources:
        message = f"「{table.name}」のファイル（{table.name}.csv など）がありません。"
        return [Finding(presence.id, codes.MISSING_FILE, message, Location())]
    if len(sources) > 1:
        names = "、".join(file + (f"（{sheet}）" if sheet else "") for file, sheet in sources)
        message = f"「{table.name}」のファイルが複数あります（{names}）。最初のものだけを検査しました。"
        return [Finding(presence.id, codes.DUPLICATE_FILE, message, Location(sources[1][0]))]
    return []


def bom_findings(spec: Spec, bom: bool, display: str) -> list[Finding]:
    """A text file whose byte order mark the spec's policy forbids or requires."""
    if spec.bom_policy == "allowed" or bom == (spec.bom_policy == "required"):
        return []
    what = "BOMがあります" if bom else "BOMがありません"
    return _issue_finding(spec, "encoding", codes.BOM_POLICY, f"{what}（この仕様では BOM {spec.bom_policy}）。", display, 1)


def header_looks_like_data(table: Table, header: Sequence[str]) -> bool:
    """Most names of the first row are not items of the table: probably a record, not a header."""
    standard = {item.name for item in table.items}
    return sum(1 for name in header if name not in standard) > len(header) / 2


def issue_findings(spec: Spec, table: Table, header: Sequence[str], issues: Iterable[Issue], display: str) -> list[Finding]:
    """The reader's issues as findings of the spec's file requirement of each issue's aspect."""
    header_is_data = header_looks_like_data(table, header)
    findings = []
    for issue in issues:
        if issue.aspect == "value":
            findings += _value_finding(table, issue, display)
            continue
        # Duplicated "column names" in a first row of data are values: never quote them.
        if not (header_is_data and issue.code == codes.DUPLICATE_COLUMN):
            findings += _issue_finding(spec, issue.aspect, issue.code, issue.message, display, issue.line, issue.item,
                                       issue.record)
    return findings


def _value_finding(table: Table, issue: Issue, display: str) -> list[Finding]:
    """A reader's remark on an item's values, judged by the item's schema: a numeric cell is a finding of
    the item's own requirement only where the schema types the item as a code or identifier (digits kept
    as text), since a number there has lost its leading zeros; elsewhere (an amount) it is no problem."""
    item = table.item(issue.item) if issue.item else None
    if item is None or not item.requirement or not (issue.code != codes.NUMERIC_CELL or item.digits):
        return []
    return [Finding(item.requirement, issue.code, issue.message, Location(display, issue.line, None, issue.item))]


def _issue_finding(spec: Spec, aspect: str, code: str, message: str, display: str, line: int | None,
                   item: str | None = None, record: int | None = None) -> list[Finding]:
    requirement = spec.file_requirement(aspect)
    return [] if requirement is None else [Finding(requirement.id, code, message, Location(display, line, record, item))]


_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def _near_miss(unknown: str, missing: list[str]) -> str | None:
    # Spaces and invisible characters (a BOM or zero-width space inside the name) do not make another item.
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", unknown)).replace(" ", "").replace("\u3000", "")
    return next((name for name in missing if unicodedata.normalize("NFKC", name) == folded), None)


def column_findings(spec: Spec, table: Table, header: Sequence[str], display: str) -> list[Finding]:
    """Standard items without a column, and columns that are not standard items (with a near-miss hint)."""
    header_requirement = spec.file_requirement("header")
    standard = [item.name for item in table.items]
    # Sets: a hostile header may hold a million columns.
    standard_set, header_set = set(standard), set(header)
    missing = [name for name in standard if name not in header_set]
    unknown = [name for name in dict.fromkeys(header) if name not in standard_set and name.strip()]
    findings = []
    if header_looks_like_data(table, header):
        # The first row is probably data (no header line), and data must not be quoted in a
        # report, so the names are counted, not listed.
        message = (f"1行目の{len(header)}列のうち{len(unknown)}列が標準の項目名ではありません。"
                   "ヘッダー行がない可能性があります（値を含むおそれがあるため列名は表示しません）。")
        findings.append(Finding(table.unknown_item_requirement, codes.HEADER_NOT_STANDARD, message, Location(display, 1)))
        unknown = []
    if header_requirement is not None:
        for name in missing:
            message = f"標準の項目「{name}」の列がありません。"
            findings.append(Finding(header_requirement.id, codes.MISSING_COLUMN, message, Location(display, 1, None, name)))
    elsewhere = _items_of_other_tables(spec, table)
    for name in unknown:
        hint = _near_miss(name, missing)
        message = _unknown_message(table, name, elsewhere) + (f"「{hint}」の表記揺れではありませんか。" if hint else "")
        findings.append(Finding(table.unknown_item_requirement, codes.UNKNOWN_ITEM, message, Location(display, 1, None, name)))
    return findings


def _items_of_other_tables(spec: Spec, table: Table) -> dict[str, list[str]]:
    """Item name -> the other tables of the spec that have it (in the spec's order)."""
    found: dict[str, list[str]] = {}
    for other in spec.tables:
        if other.name != table.name:
            for item in other.items:
                found.setdefault(item.name, []).append(other.name)
    return found


def _unknown_message(table: Table, name: str, elsewhere: dict[str, list[str]]) -> str:
    """「X」は標準にない項目です, and where X is an item of another table of the spec, which one: the
    column is standard, only in the wrong file (「最新フラグ」は異動履歴の項目です)."""
    others = elsewhere.get(name)
    if not others:
        return f"「{name}」は標準にない項目です。"
    return f"「{name}」は{table.name}にない項目です。{name}は{'・'.join(others)}の項目です。"


def unknown_item_findings(spec: Spec, table: Table, header: Sequence[str], place: Place) -> list[Finding]:
    """Items of gathered records that are not standard items (API mode: no header line, no near-miss hints)."""
    standard = {item.name for item in table.items}
    elsewhere = _items_of_other_tables(spec, table)
    return [Finding(table.unknown_item_requirement, codes.UNKNOWN_ITEM, _unknown_message(table, name, elsewhere), place.at(item=name))
            for name in header if name not in standard]

