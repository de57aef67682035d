"""A run over files: discover → load → evaluate → verdict → result."""

from __future__ import annotations

import concurrent.futures
import datetime
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from conformance import __version__
from conformance.checks.database import Database
from conformance.checks.files import presence_findings
from conformance.checks.loaded import LoadedTable
from conformance.checks.places import FilePlace
from conformance.pipeline.declaration import check_declaration
from conformance.pipeline.discover import (
    Discovery,
    TableSource,
    load_specs,
    reference_only,
    referenced_specs,
    resolve_specs,
    rule_items,
)
from conformance.pipeline.evaluate import SpecEvaluation
from conformance.pipeline.identity import spec_identity
from conformance.pipeline.load import TableLoad, load_tables, mapped_names, read, store
from conformance.pipeline.mapping import ExportMapping
from conformance.pipeline.options import RunOptions, now, spec_refs, workspace
from conformance.pipeline.verdict import Subject, judge
from conformance.pipeline.waivers import apply_waivers
from conformance.readers import open_target
from conformance.results import Location, RequirementResult, RunResult, TargetFile
from conformance.results.masking import mask_my_numbers
from conformance.spec import Spec
from conformance.spec.model import Requirement, Table


def subject(spec: Spec, requirement: Requirement) -> Subject:
    """A spec's requirement as a result names it."""
    return Subject(requirement.id, spec.id, requirement.title, requirement.level, requirement.source.basis, requirement.fix)


NFC_NOTE = "ファイル名がNFC（Unicode正規化形式C）ではないため、正規化して表名と照合しました（macOSで作ったZIPなど）"


def _target_file(load: TableLoad, operation: str, note: str | None) -> TargetFile:
    file = load.source.file
    if file.normalised:
        note = f"{note}。{NFC_NOTE}" if note else NFC_NOTE
    return TargetFile(
        path=file.display, sha256=file.sha256, size=file.size, format=file.format, table=load.table.name,
        operation=operation, encoding=load.encoding, bom=load.bom,
        records=load.loaded.records if load.loaded is not None else None, rejected=load.rejected, note=note,
    )


def _progress_steps(specs: Sequence[Spec], report: Callable[[str, int, int], None]) -> Callable[[str], None]:
    """Each load, schema scan and rule is one step of the bar."""
    # The row rules of a table are one step when batched (more than one of them): an upper bound
    # otherwise, which only makes the bar end a little short of full.
    def rule_steps(spec: Spec, table: Table) -> int:
        rules = [q for q in spec.requirements if q.check.table == table.name and q.check.kind in ("row", "dataset")]
        row = sum(1 for q in rules if q.check.kind == "row" and not q.check.references)
        return len(rules) - row + (1 if row > 1 else row)

    total = sum(2 * len(spec.tables) + sum(rule_steps(spec, t) for t in spec.tables) for spec in specs)
    done = [0]

    def step(label: str) -> None:
        report(label, done[0], total)
        done[0] += 1

    return step


def _load_spec(evaluation: SpecEvaluation, discovery: Discovery, database: Database,
               loaded: dict[tuple[str, str], LoadedTable], options: RunOptions) -> list[TargetFile]:
    """Find, read and load every table of the spec; the files' own checks; the files as the result lists them."""
    spec = evaluation.spec
    chosen: list[tuple[Table, TableSource]] = []
    for table in spec.tables:
        sources = discovery.of(spec.id, table.name)
        evaluation.add(presence_findings(spec, table, [(source.file.display, source.sheet) for source in sources]))
        if not sources:
            evaluation.skip_table(table, f"{table.name}のファイルがないため検査できません")
            continue
        chosen.append((table, sources[0]))
    files = []
    tables_read = 0
    for load in load_tables(chosen, database, options.limits, lambda table: evaluation.step(f"{spec.id} {table.name} 読込"),
                            discovery.target.workbooks, options.mapping, options.threads):
        stored = evaluation.file_checks(load)
        note = None if stored else ("読めませんでした" if not load.readable else "読み込みに失敗しました")
        files.append(_target_file(load, spec.id, note))
        if stored and load.loaded is not None:
            tables_read += 1
            loaded[(spec.id, load.table.name)] = load.loaded
            evaluation.places[load.table.name] = FilePlace(load.source.display)
    if not tables_read:
        evaluation.nothing_read()
    return files


def _load_references(chosen: list[Spec], discovery: Discovery, database: Database, loaded: dict[tuple[str, str], LoadedTable],
                     options: RunOptions, read_items: Mapping[tuple[str, str], frozenset[str]]) -> list[TargetFile]:
    """Load the tables that rules reference but no chosen spec holds, with only the items the rules read
    (`read_items`): read, not evaluated."""
    files = []
    for spec, table_name in referenced_specs(chosen):
        table = spec.table(table_name)
        sources = discovery.of(spec.id, table_name) if table else ()
        if table is None or not sources:
            continue
        load = store(reference_only(table, read_items), sources[0], read(sources[0], options.limits, discovery.target.workbooks), database)
        note = f"{spec.name}の仕様は検査せず、他業務の規則の参照にだけ使いました"
        if not load.readable:
            note = "参照用に読めませんでした"
        elif load.loaded is None:
            note = "参照用に読み込めませんでした"
        else:
            loaded[(spec.id, table_name)] = load.loaded
        files.append(_target_file(load, spec.id, note))
    return files


def _beside(work: Callable[[], list[str]]) -> concurrent.futures.Future[list[str]]:
    """`work` in a daemon thread (an interrupted run does not wait for it): hashing releases the GIL."""
    future: concurrent.futures.Future[list[str]] = concurrent.futures.Future()

    def target() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=target, name="rehash", daemon=True).start()
    return future


def run(target: str | Path, specs: Sequence[str | Spec] | None = None, options: RunOptions | None = None) -> RunResult:
    """Evaluate a target against specs (inferred from its files when not given).

    Raises TargetError, SpecError or DeclarationError for what makes a run impossible (exit code 2);
    anything wrong with the data itself becomes findings.
    """
    options = options or RunOptions()
    started = now()
    path = Path(target)
    if options.mapping is not None:
        specs = [options.mapping.spec(spec) for spec in load_specs(specs or [options.mapping.operation])]
    with workspace(options.temp_dir) as folder, open_target(path, options.limits, folder / "zip") as opened:
        if options.threads:  # a large sheet is parsed in parts by at most --threads processes
            opened.workbooks.parts = min(opened.workbooks.parts, options.threads)
        chosen, discovery = resolve_specs(specs, opened)
        check_declaration(options.declaration, chosen)
        as_of = options.as_of or datetime.date.today()
        read_items = rule_items(chosen)
        database = Database(options.memory_limit, as_of, folder / "db", options.threads, read_items)
        try:
            loaded: dict[tuple[str, str], LoadedTable] = {}
            step = _progress_steps(chosen, options.progress) if options.progress is not None else None
            evaluations = [SpecEvaluation(spec, options.max_findings, options.show_values, step, options.character_profile,
                                          options.check_digits)
                           for spec in chosen]
            files = [file for evaluation in evaluations for file in _load_spec(evaluation, discovery, database, loaded, options)]
            files += _load_references(chosen, discovery, database, loaded, options, read_items)
            # No input is read after this: each is hashed again now, beside the checks, unless on one thread.
            rehashed = _beside(opened.changed_inputs) if options.threads != 1 else None
            requirements: list[RequirementResult] = []
            for evaluation in evaluations:
                evaluation.check(loaded, database)
                requirements += [judge(subject(evaluation.spec, r), evaluation.evidence(r), options.declared)
                                 for r in evaluation.spec.requirements]
            if options.mapping is not None:
                requirements = _original_columns(requirements, options.mapping, discovery, chosen)
        finally:
            database.close()
        # Which table a finding's file is (as findings name it: `住民.csv`, `exports.xlsx#住民`), for scoped waivers.
        file_tables = {file.path: file.table for file in files if file.table}
        file_tables.update({mask_my_numbers(place.display): table for evaluation in evaluations
                       for table, place in evaluation.places.items() if isinstance(place, FilePlace)})
        requirements = apply_waivers(requirements, options.waivers, as_of, file_tables)
        used = {file.path.split("#")[0] for file in files}
        tables = "、".join(f"{spec.id}: {'・'.join(table.name for table in spec.tables)}" for spec in chosen)
        unused = f"表の名前と一致しないため検査していません。ファイル名を表の名前にしてください（{tables}）"
        for source in opened.files:
            if mask_my_numbers(source.display) not in used:  # TargetFile paths are masked (results/masking.py)
                files.append(TargetFile(source.display, source.sha256, source.size, source.format, note=unused))
        ignored = tuple(opened.ignored)
        changed = tuple(rehashed.result() if rehashed is not None else opened.changed_inputs())
    return RunResult(
        suite_version=__version__,
        specs=spec_refs(chosen),
        target=str(path),
        files=tuple(files),
        started=started,
        finished=now(),
        requirements=tuple(requirements),
        declaration=options.declaration.to_dict() if options.declaration else None,
        options={"show_values": options.show_values, "max_findings": options.max_findings, "as_of": as_of.isoformat()},
        ignored=ignored,
        changed=changed,
        row_wise=tuple(display for evaluation in evaluations for display in evaluation.row_wise),
        character_profile=options.character_profile,
        check_digits=options.check_digits,
        spec_files=spec_identity(chosen, api=False, character_profile=options.character_profile),
        mapping=options.mapping.to_dict() if options.mapping is not None else None,
    )


def _original_columns(requirements: list[RequirementResult], mapping: ExportMapping, discovery: Discovery,
                      chosen: Sequence[Spec]) -> list[RequirementResult]:
    """Each finding on a mapped file names the original column(s) its item was read from."""
    by_file = {}
    for spec in chosen:
        for table in spec.tables:
            for source in discovery.of(spec.id, table.name):
                table_mapping = mapping.for_file(mapped_names(source))
                if table_mapping is not None:
                    by_file[mask_my_numbers(source.display)] = table_mapping
    if not by_file:
        return requirements

    def located(location: Location) -> Location:
        table_mapping = by_file.get(location.file or "")
        column = table_mapping.columns_of(location.item) if table_mapping is not None and location.item else None
        return replace(location, column=column) if column else location

    return [replace(r, findings=tuple(replace(f, location=located(f.location)) for f in r.findings)) if r.findings else r
            for r in requirements]
