"""Stage 1, discover: target × specs → each table's source files, computed once per run.

A workbook's sheet names are listed once, through the target's opened workbooks (`Target.workbooks`),
which the reader then reads its sheets from: a workbook is opened once per run, however many specs
(given or inferred) and tables look at it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from conformance import spec as spec_store
from conformance.readers import SourceFile, Target
from conformance.readers.base import ReaderError
from conformance.spec import Spec, SpecError
from conformance.spec.model import Table


@dataclass(frozen=True, slots=True)
class TableSource:
    """The file (and sheet) a table is read from.

    `sheet` is the sheet named after the table; None when the file itself is named after it, and then
    `first_sheet` is the workbook's first sheet as listed at discovery (None for other formats)."""

    file: SourceFile
    sheet: str | None = None
    first_sheet: str | None = None

    @property
    def display(self) -> str:
        """How reports name the table's source: `住民.csv`, `exports.xlsx#住民`."""
        return self.file.display + (f"#{self.sheet}" if self.sheet else "")

    @property
    def reads_sheet(self) -> str | None:
        """The sheet the reader opens (None: not a workbook, or its sheets could not be listed)."""
        return self.sheet or self.first_sheet


@dataclass(frozen=True, slots=True)
class Discovery:
    """Every table's sources, by (operation, table), in the target's file order."""

    target: Target
    sources: Mapping[tuple[str, str], tuple[TableSource, ...]]

    def of(self, operation: str, table: str) -> tuple[TableSource, ...]:
        """The sources of one table (empty when the target holds none)."""
        return self.sources.get((operation, table), ())


def _belongs(source: SourceFile, spec: Spec, operations: set[str]) -> bool:
    """A file in a folder named after an operation belongs to that operation only."""
    named = [folder for folder in source.folders if folder in operations]
    return not named or named[-1] == spec.id


def discover(target: Target, specs: Iterable[Spec]) -> Discovery:
    """The sources of every table of `specs` (the first spec given for an operation wins)."""
    operations = set(spec_store.available())
    listed: dict[str, tuple[str, ...]] = {}

    def sheets(source: SourceFile) -> tuple[str, ...]:
        if source.display not in listed:
            try:
                listed[source.display] = tuple(target.workbooks.sheet_names(source.path))
            except ReaderError:
                listed[source.display] = ()  # the reader says what is wrong when it reads the file
        return listed[source.display]

    found: dict[tuple[str, str], tuple[TableSource, ...]] = {}
    for spec in specs:
        for table in spec.tables:
            if (spec.id, table.name) in found:
                continue
            names = {table.name, *table.file_names}
            sources: list[TableSource] = []
            for source in target.files:
                if not _belongs(source, spec, operations):
                    continue
                if source.stem in names:
                    first = (sheets(source) or (None,))[0] if source.format == "xlsx" else None
                    sources.append(TableSource(source, None, first))
                elif source.format == "xlsx":
                    sources.extend(TableSource(source, sheet) for sheet in sheets(source) if sheet in names)
            found[(spec.id, table.name)] = tuple(sources)
    return Discovery(target, found)


def _inferred(discovery: Discovery, specs: Sequence[Spec]) -> list[Spec]:
    claims: dict[str, list[Spec]] = {}
    for spec in specs:
        for table in spec.tables:
            for source in discovery.of(spec.id, table.name):
                claims.setdefault(source.file.display, []).append(spec)
    chosen = {spec.id for claimants in claims.values() if len({s.id for s in claimants}) == 1 for spec in claimants}
    if not chosen and claims:
        ambiguous = "、".join(f"{name}（{'・'.join(sorted({s.id for s in claimants}))}）" for name, claimants in claims.items())
        raise SpecError(f"どの業務のファイルか判別できません: {ambiguous}。--spec で業務を指定するか、業務名のフォルダに置いてください。")
    return [spec for spec in specs if spec.id in chosen]


def _every_spec() -> list[Spec]:
    return [spec_store.load(operation) for operation in sorted(spec_store.available())]


def infer_specs(target: Target) -> list[Spec]:
    """The specs that some file of the target belongs to without doubt.

    Several specs may share a table name (住登外者 in every tax operation): a file that only such
    names match does not choose a spec by itself. It belongs to a spec chosen by another file, or to
    the operation its folder is named after; if no spec is chosen at all, SpecError asks for --spec.
    """
    specs = _every_spec()
    return _inferred(discover(target, specs), specs)


def referenced_specs(chosen: Sequence[Spec]) -> list[tuple[Spec, str]]:
    """The tables that rules reference but no chosen spec holds, with their specs: read, not evaluated."""
    wanted = {reference.key for spec in chosen for requirement in spec.requirements for reference in requirement.check.references}
    wanted -= {(spec.id, table.name) for spec in chosen for table in spec.tables}
    operations = set(spec_store.available())
    return [(spec_store.load(operation), table) for operation, table in sorted(wanted) if operation in operations]


def rule_items(chosen: Sequence[Spec]) -> dict[tuple[str, str], frozenset[str]]:
    """The items of each (operation, table) that the chosen specs' rules read: each rule's own items and
    those its references declare (`conformance spec lint` binds every rule and population with only these)."""
    read: dict[tuple[str, str], set[str]] = {}
    for spec in chosen:
        for requirement in spec.requirements:
            check = requirement.check
            if check.kind in ("row", "dataset") and check.table is not None:
                read.setdefault((spec.id, check.table), set()).update(check.items)
            for reference in check.references:
                read.setdefault(reference.key, set()).update(reference.items)
    return {key: frozenset(items) for key, items in read.items()}


def reference_only(table: Table, read: Mapping[tuple[str, str], frozenset[str]]) -> Table:
    """`table` of an operation not being checked, as the chosen specs' rules read it (`read`: `rule_items`):
    only the items their references to it declare. `conformance spec lint` binds every rule and population
    with only those items, so nothing else of it is read; storing the rest cost a fixture run more than its
    checks (住民, 115 items, referenced by most operations for its 宛名番号)."""
    declared = read.get((table.operation, table.name), frozenset())
    return replace(table, items=tuple(item for item in table.items if item.name in declared))


def resolve_specs(specs: Sequence[str | Spec] | None, target: Target) -> tuple[list[Spec], Discovery]:
    """The specs to run (given, or inferred from the files) and the discovery of their tables' sources,
    the tables their rules reference included."""
    if not specs:
        every = _every_spec()
        discovery = discover(target, every)
        inferred = _inferred(discovery, every)
        if not inferred:
            names = "、".join(f"{s.display}" for s in target.files) or "（対応形式のファイルなし）"
            # What was set aside (a nested ZIP, a symlink) is often the very reason nothing matched.
            ignored = "".join(f"（読まなかったもの: {name} … {reason}）" for name, reason in target.ignored[:5])
            # --spec does not help here: a file is read only when it is named after a table of the spec.
            raise SpecError(f"どの業務の仕様にも一致するファイルがありません: {names}{ignored}。"
                            "ファイル名を業務の表の名前にしてください（〈表の名前〉.csv など。業務と表の一覧は conformance spec list）。"
                            "表の名前でないファイルは --spec を指定しても検査しません。")
        return inferred, discovery
    chosen = load_specs(specs)
    return chosen, discover(target, [*chosen, *(spec for spec, _ in referenced_specs(chosen))])


def load_specs(specs: Sequence[str | Spec]) -> list[Spec]:
    """`juki`, `juki@0.1.0` or a Spec, each as a Spec."""
    resolved = []
    for entry in specs:
        if isinstance(entry, Spec):
            resolved.append(entry)
        else:
            operation, _, version = entry.partition("@")
            resolved.append(spec_store.load(operation, version or None))
    return resolved
