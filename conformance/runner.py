"""One run: open the target, load each spec's tables, evaluate every check, roll up the verdicts."""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import yaml

from conformance import __version__
from conformance import spec as spec_store
from conformance.api.cases import ApiEvaluation, Gathered, Outcome
from conformance.api.client import ApiClient, ClientOptions
from conformance.api.contract import ApiRequirement, load_api_requirements, load_contract
from conformance.api.server import Store
from conformance.checks.database import Database, LoadedTable
from conformance.checks.rules import run_row_rules, run_rule
from conformance.checks.schema import run_schema_checks
from conformance.readers import (
    InputLimits,
    ParsedTable,
    RawRecord,
    ReadIssue,
    SourceFile,
    Target,
    open_target,
    read_table,
    sheet_names,
)
from conformance.readers.base import ReaderError
from conformance.results import (
    Finding,
    FindingCollector,
    Location,
    RequirementResult,
    RunResult,
    SpecRef,
    TargetFile,
    Verdict,
    codes,
)
from conformance.spec import Spec, SpecError
from conformance.spec.model import Requirement, Table

__all__ = ["ApiOptions", "Declaration", "DeclarationError", "RunOptions", "export_store", "infer_specs", "is_url",
           "load_declaration", "run", "run_api"]


class DeclarationError(Exception):
    """The declaration file is unreadable or claims what the specs do not have (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """The vendor's statement: which system, which spec versions, which 標準オプション."""

    system: dict[str, str]
    specs: dict[str, str] = field(default_factory=dict)
    options: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the report records it."""
        return {"system": dict(self.system), "specs": dict(self.specs), "options": list(self.options)}


def load_declaration(path: Path) -> Declaration:
    """Read and validate a declaration file (YAML or JSON)."""
    # Messages name places and rules, never the content: a wrong file given by mistake (an export)
    # would otherwise be echoed into the terminal or a CI log.
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DeclarationError(f"{path}: 宣言ファイルを読めません（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise DeclarationError(f"{path}: 宣言ファイルがUTF-8ではありません") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark is not None else "位置不明"
        raise DeclarationError(f"{path}: 宣言ファイルがYAMLとして読めません（{where}）") from None
    problems = sorted(
        jsonschema.Draft202012Validator(spec_store.meta_schema("declaration")).iter_errors(raw),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    if problems:
        where = "/".join(str(p) for p in problems[0].absolute_path) or "(文書全体)"
        rule = f"{problems[0].validator}: {problems[0].validator_value}" if problems[0].validator != "additionalProperties" else "additionalProperties"
        raise DeclarationError(f"{path}: 宣言ファイルの形式が正しくありません（{where} が {rule} を満たしません）")
    return Declaration(
        system={k: str(v) for k, v in raw["system"].items()},
        specs={k: str(v) for k, v in raw.get("specs", {}).items()},
        options=tuple(raw.get("options", ())),
    )


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: the declaration, masking, and how many example findings to keep per requirement."""

    declaration: Declaration | None = None
    show_values: bool = False
    max_findings: int = 100
    memory_limit: str | None = None
    as_of: datetime.date | None = None
    temp_dir: Path | None = None
    # Called with (what is being done, steps done, steps in all); the CLI draws a bar with it.
    progress: Callable[[str, int, int], None] | None = None
    limits: InputLimits = field(default_factory=InputLimits)


def error_summary(error: BaseException) -> str:
    """An internal error as a reason a report may show: its first line, cut where it starts quoting.

    DuckDB's messages quote the data they choked on ("Original Line: …", "Could not convert string
    '…'"), and a reason must never carry a personal value, let alone a 個人番号."""
    first = (str(error).strip().splitlines() or [""])[0]
    cut = min((index for index in (first.find("'"), first.find('"'), first.find("Original Line")) if index >= 0), default=len(first))
    return f"{type(error).__name__}: {first[:cut].rstrip(' :')}" + ("…" if cut < len(first) else "")


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _belongs(source: SourceFile, spec: Spec, operations: set[str]) -> bool:
    """A file in a folder named after an operation belongs to that operation only."""
    named = [folder for folder in source.folders if folder in operations]
    return not named or named[-1] == spec.id


def _table_sources(target: Target, spec: Spec, table: Table, operations: set[str]) -> list[tuple[SourceFile, str | None]]:
    names = {table.name, *table.file_names}
    found: list[tuple[SourceFile, str | None]] = []
    for source in target.files:
        if not _belongs(source, spec, operations):
            continue
        if source.stem in names:
            found.append((source, None))
        elif source.format == "xlsx":
            try:
                sheets = sheet_names(source.path)
            except ReaderError:
                continue
            found.extend((source, sheet) for sheet in sheets if sheet in names)
    return found


def infer_specs(target: Target) -> list[Spec]:
    """The specs that some file of the target belongs to without doubt.

    Several specs may share a table name (住登外者 in every tax operation): a file that only such
    names match does not choose a spec by itself. It belongs to a spec chosen by another file, or to
    the operation its folder is named after; if no spec is chosen at all, SpecError asks for --spec.
    """
    operations = set(spec_store.available())
    specs = [spec_store.load(operation) for operation in sorted(operations)]
    claims: dict[str, list[Spec]] = {}
    for spec in specs:
        for table in spec.tables:
            for source, _sheet in _table_sources(target, spec, table, operations):
                claims.setdefault(source.display, []).append(spec)
    chosen = {spec.id for claimants in claims.values() if len({s.id for s in claimants}) == 1 for spec in claimants}
    if not chosen and claims:
        ambiguous = "、".join(f"{name}（{'・'.join(sorted({s.id for s in claimants}))}）" for name, claimants in claims.items())
        raise SpecError(f"どの業務のファイルか判別できません: {ambiguous}。--spec で業務を指定するか、業務名のフォルダに置いてください。")
    return [spec for spec in specs if spec.id in chosen]


def _header_looks_like_data(table: Table, header: list[str]) -> bool:
    """Most names of the first row are not items of the table: probably a record, not a header."""
    standard = {item.name for item in table.items}
    return sum(1 for name in header if name not in standard) > len(header) / 2


def _near_miss(unknown: str, missing: list[str]) -> str | None:
    folded = unicodedata.normalize("NFKC", unknown).replace(" ", "").replace("\u3000", "")
    return next((name for name in missing if unicodedata.normalize("NFKC", name) == folded), None)


class _SpecRun:
    """The state of one spec's evaluation: collected findings, reasons for not-tested and errors."""

    def __init__(
        self, spec: Spec, target: Target, options: RunOptions, database: Database,
        loaded: dict[tuple[str, str], LoadedTable],
    ) -> None:
        self.spec = spec
        self.target = target
        self.options = options
        self.database = database
        self.loaded = loaded
        self.step: Callable[[str], None] = lambda label: None
        self.displays: dict[str, str] = {}
        self.collector = FindingCollector(options.max_findings)
        self.not_tested: dict[str, str] = {}
        # A requirement checked on at least one table is tested, whatever other tables lacked.
        self.tested: set[str] = set()
        self.errors: dict[str, str] = {}
        self.files: list[TargetFile] = []
        self.registry = spec_store.registry()

    def _issue(self, issue: ReadIssue, file: str) -> None:
        requirement = self.spec.file_requirement(issue.aspect)
        if requirement is None:
            return
        location = Location(file, issue.line, None, issue.item)
        self.collector.add(Finding(requirement.id, issue.code, issue.message, location))

    def _issues(self, parsed: ParsedTable, table: Table, display: str) -> None:
        header_is_data = _header_looks_like_data(table, parsed.header)
        for issue in parsed.issues:
            # Duplicated "column names" in a first row of data are values: never quote them.
            if not (header_is_data and issue.code == codes.DUPLICATE_COLUMN):
                self._issue(issue, display)

    def _skip_table(self, table: Table, reason: str) -> None:
        for requirement in self.spec.requirements:
            if requirement.check.table == table.name or self._shared_schema_requirement(requirement):
                self.not_tested.setdefault(requirement.id, reason)

    @staticmethod
    def _shared_schema_requirement(requirement: Requirement) -> bool:
        """A schema requirement without a table applies to every table of the spec."""
        return requirement.check.kind == "schema" and requirement.check.table is None

    def load(self) -> None:
        """Phase 1: find, read and load every table; report the files' own problems.

        The next table's file is read (scanned, or parsed when it is not plain) in a thread while the
        database loads the current one: DuckDB releases the GIL, so on a multi-table export the
        Python scan and the load overlap instead of taking turns."""
        operations = set(spec_store.available())
        tables_read = 0
        chosen: list[tuple[Table, SourceFile, str | None]] = []
        presence = self.spec.file_requirement("presence")
        for table in self.spec.tables:
            sources = _table_sources(self.target, self.spec, table, operations)
            if not sources:
                if presence is not None:
                    message = f"「{table.name}」のファイル（{table.name}.csv など）がありません。"
                    self.collector.add(Finding(presence.id, codes.MISSING_FILE, message, Location()))
                self._skip_table(table, f"{table.name}のファイルがないため検査できません")
                continue
            if len(sources) > 1 and presence is not None:
                names = "、".join(source.display + (f"（{sheet}）" if sheet else "") for source, sheet in sources)
                message = f"「{table.name}」のファイルが複数あります（{names}）。最初のものだけを検査しました。"
                self.collector.add(Finding(presence.id, codes.DUPLICATE_FILE, message, Location(sources[1][0].display)))
            chosen.append((table, *sources[0]))
        limits = self.options.limits
        reader = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
        try:
            ahead = reader.submit(read_table, chosen[0][1], chosen[0][2], limits) if chosen else None
            for index, (table, source, sheet) in enumerate(chosen):
                assert ahead is not None
                parsed = ahead.result()
                if index + 1 < len(chosen):
                    ahead = reader.submit(read_table, chosen[index + 1][1], chosen[index + 1][2], limits)
                self.step(f"{self.spec.id} {table.name} 読込")
                if self._load_table(table, source, sheet, parsed):
                    tables_read += 1
        finally:
            # An interrupt or an error does not wait for the table being read ahead.
            reader.shutdown(wait=False, cancel_futures=True)
        if not tables_read:
            for aspect in ("encoding", "syntax", "header"):
                requirement = self.spec.file_requirement(aspect)
                if requirement is not None:
                    self.not_tested.setdefault(requirement.id, "読めたファイルがないため検査できません")

    def check(self) -> list[RequirementResult]:
        """Phase 2, once every table of the run is loaded: schema checks, rules, verdicts."""
        for table in self.spec.tables:
            loaded = self.loaded.get((self.spec.id, table.name))
            if loaded is not None and loaded.records:
                self._schema_checks(table, loaded, self.displays[table.name])
                self._rules(table, loaded, self.displays[table.name])
        return [self._verdict(requirement) for requirement in self.spec.requirements]

    def _load_table(self, table: Table, source: SourceFile, sheet: str | None, parsed: ParsedTable) -> bool:
        display = source.display + (f"#{sheet}" if sheet else "")
        text_file = source.format in ("csv", "tsv", "json", "ndjson") and parsed.encoding is not None
        if text_file and self.spec.bom_policy != "allowed" and parsed.bom != (self.spec.bom_policy == "required"):
            what = "BOMがあります" if parsed.bom else "BOMがありません"
            self._issue(ReadIssue("encoding", codes.BOM_POLICY, f"{what}（この仕様では BOM {self.spec.bom_policy}）。", 1), display)
        if not parsed.readable:
            self._issues(parsed, table, display)
            self._record_file(source, table, parsed, None, "読めませんでした")
            self._skip_table(table, f"{display} を読めないため検査できません")
            return False
        try:
            loaded = self.database.load(table, parsed)
        except duckdb.Error as error:
            self._issues(parsed, table, display)
            self._record_file(source, table, parsed, None, "読み込みに失敗しました")
            for requirement in self.spec.requirements:
                if requirement.check.table == table.name:
                    self.errors[requirement.id] = f"{display} をデータベースに読み込めません: {error_summary(error)}"
            return False
        self._issues(parsed, table, display)
        self._record_file(source, table, parsed, loaded.records, None)
        self._check_columns(table, parsed, display)
        self.loaded[(self.spec.id, table.name)] = loaded
        self.displays[table.name] = display
        if loaded.records == 0:
            self._skip_table(table, f"{display} にレコードがないため検査できません")
        return True

    def _record_file(self, source: SourceFile, table: Table, parsed: ParsedTable, records: int | None, note: str | None) -> None:
        self.files.append(
            TargetFile(
                path=source.display, sha256=source.sha256, size=source.size, format=source.format,
                table=table.name, operation=self.spec.id, encoding=parsed.encoding, bom=parsed.bom,
                records=records, rejected=parsed.rejected, note=note,
            )
        )

    def _check_columns(self, table: Table, parsed: ParsedTable, display: str) -> None:
        header_requirement = self.spec.file_requirement("header")
        self.tested.add(table.unknown_item_requirement)
        standard = [item.name for item in table.items]
        # Sets: a hostile header may hold a million columns.
        standard_set, header_set = set(standard), set(parsed.header)
        missing = [name for name in standard if name not in header_set]
        unknown = [name for name in dict.fromkeys(parsed.header) if name not in standard_set and name.strip()]
        if _header_looks_like_data(table, parsed.header):
            # The first row is probably data (no header line), and data must not be quoted in a
            # report, so the names are counted, not listed.
            message = (f"1行目の{len(parsed.header)}列のうち{len(unknown)}列が標準の項目名ではありません。"
                       "ヘッダー行がない可能性があります（値を含むおそれがあるため列名は表示しません）。")
            self.collector.add(Finding(table.unknown_item_requirement, codes.HEADER_NOT_STANDARD, message, Location(display, 1)))
            unknown = []
        if header_requirement is not None:
            for name in missing:
                message = f"標準の項目「{name}」の列がありません。"
                self.collector.add(Finding(header_requirement.id, codes.MISSING_COLUMN, message, Location(display, 1, None, name)))
        for name in unknown:
            hint = _near_miss(name, missing)
            message = f"「{name}」は標準にない項目です。" + (f"「{hint}」の表記揺れではありませんか。" if hint else "")
            self.collector.add(Finding(table.unknown_item_requirement, codes.UNKNOWN_ITEM, message, Location(display, 1, None, name)))

    def _schema_checks(self, table: Table, loaded: LoadedTable, display: str) -> None:
        self.step(f"{self.spec.id} {table.name} スキーマ検査")
        for requirement_id, items in table.requirement_items().items():
            if not items & loaded.present:
                self.not_tested.setdefault(requirement_id, f"{'・'.join(sorted(items))} の列がないため検査できません")
            else:
                self.tested.add(requirement_id)
        try:
            run_schema_checks(self.database, loaded, self.registry, self.collector, display, self.options.show_values)
        except (duckdb.Error, jsonschema.exceptions.SchemaError) as error:
            for requirement_id in table.requirement_items():
                self.errors[requirement_id] = f"スキーマ検査を実行できません: {error_summary(error)}"

    def _rules(self, table: Table, loaded: LoadedTable, display: str) -> None:
        runnable: list[Requirement] = []
        for requirement in self.spec.requirements:
            check = requirement.check
            if check.kind not in ("row", "dataset") or check.table != table.name:
                continue
            absent = [item for item in check.items if item not in loaded.present]
            for reference in check.references:
                other = self.loaded.get(reference.key)
                if other is None or not other.records:
                    absent.append(f"{reference.operation}.{reference.table}")
                else:
                    absent += [f"{reference.table}.{item}" for item in reference.items if item not in other.present]
            if absent:
                self.not_tested[requirement.id] = f"{'・'.join(absent)} がないため検査できません"
                continue
            runnable.append(requirement)
        row_rules = [r for r in runnable if r.check.kind == "row" and not r.check.references]
        if len(row_rules) > 1:
            self.step(f"{table.name} 行規則 {len(row_rules)}件")
            try:
                run_row_rules(self.database, row_rules, loaded, self.collector, display, self.options.show_values)
                runnable = [r for r in runnable if r not in row_rules]
            except duckdb.Error:
                pass  # one of them is broken: run each alone, so the error is that rule's only
        for requirement in runnable:
            self.step(f"{requirement.id} 規則")
            try:
                run_rule(self.database, requirement, loaded, self.collector, display, self.options.show_values)
            except duckdb.Error as error:
                self.errors[requirement.id] = f"規則を実行できません: {error_summary(error)}"

    def _verdict(self, requirement: Requirement) -> RequirementResult:
        declared = self.options.declaration.options if self.options.declaration else ()
        total = self.collector.totals.get(requirement.id, 0)
        reason: str | None = None
        verdict: Verdict
        if requirement.level == "標準オプション" and requirement.id not in declared:
            verdict, reason = "not-applicable", "宣言されていない標準オプションです"
        elif requirement.id in self.errors:
            verdict, reason = "error", self.errors[requirement.id]
        elif total:
            verdict = "fail"
        elif requirement.id in self.not_tested and requirement.id not in self.tested:
            verdict, reason = "not-tested", self.not_tested[requirement.id]
        else:
            verdict = "pass"
        applicable = verdict != "not-applicable"
        return RequirementResult(
            id=requirement.id, operation=self.spec.id, title=requirement.title, level=requirement.level,
            basis=requirement.source.basis, fix=requirement.fix, verdict=verdict,
            findings_total=total if applicable else 0,
            findings=tuple(self.collector.examples.get(requirement.id, ())) if applicable else (),
            reason=reason,
        )


def _load_references(
    chosen: list[Spec], target: Target, database: Database, loaded: dict[tuple[str, str], LoadedTable], limits: InputLimits
) -> list[TargetFile]:
    """Load the tables that rules reference but no chosen spec holds: read, not evaluated."""
    wanted = {
        reference.key
        for spec in chosen
        for requirement in spec.requirements
        for reference in requirement.check.references
    } - {(spec.id, table.name) for spec in chosen for table in spec.tables}
    operations = set(spec_store.available())
    files = []
    for operation, table_name in sorted(wanted):
        if operation not in operations:
            continue
        spec = spec_store.load(operation)
        table = spec.table(table_name)
        sources = _table_sources(target, spec, table, operations) if table else []
        if table is None or not sources:
            continue
        source, sheet = sources[0]
        parsed = read_table(source, sheet, limits)
        note = f"{spec.name}の仕様は検査せず、他業務の規則の参照にだけ使いました"
        if parsed.readable:
            try:
                loaded[(operation, table_name)] = database.load(table, parsed)
            except duckdb.Error:
                note = "参照用に読み込めませんでした"
        else:
            note = "参照用に読めませんでした"
        record = loaded.get((operation, table_name))
        files.append(TargetFile(source.display, source.sha256, source.size, source.format, table_name, operation,
                                parsed.encoding, parsed.bom, record.records if record else None, parsed.rejected, note))
    return files


def _resolve_specs(specs: Sequence[str | Spec] | None, target: Target) -> list[Spec]:
    if not specs:
        inferred = infer_specs(target)
        if not inferred:
            names = "、".join(f"{s.display}" for s in target.files) or "（対応形式のファイルなし）"
            # What was set aside (a nested ZIP, a symlink) is often the very reason nothing matched.
            ignored = "".join(f"（読まなかったもの: {name} … {reason}）" for name, reason in target.ignored[:5])
            raise SpecError(f"どの業務の仕様にも一致するファイルがありません: {names}{ignored}。--spec で業務を指定してください。")
        return inferred
    resolved = []
    for entry in specs:
        if isinstance(entry, Spec):
            resolved.append(entry)
        else:
            operation, _, version = entry.partition("@")
            resolved.append(spec_store.load(operation, version or None))
    return resolved


def _check_declaration(declaration: Declaration | None, specs: list[Spec]) -> None:
    if declaration is None:
        return
    options = {r.id for spec in specs for r in spec.requirements if r.level == "標準オプション"}
    unknown = [option for option in declaration.options if option not in options]
    if unknown:
        raise DeclarationError(f"宣言された標準オプション {', '.join(unknown)} は検査する仕様の標準オプションではありません")
    for spec in specs:
        claimed = declaration.specs.get(spec.id)
        if claimed is not None and claimed != spec.version:
            raise DeclarationError(f"宣言は {spec.id} {claimed} ですが、このスイートの仕様は {spec.version} です")


def _attach_progress(spec_runs: list[_SpecRun], report: Callable[[str, int, int], None]) -> None:
    """Each load, schema scan and rule is one step of the bar."""
    # The row rules of a table are one step when batched (more than one of them): an upper bound
    # otherwise, which only makes the bar end a little short of full.
    def rule_steps(spec: Spec, table: Table) -> int:
        rules = [q for q in spec.requirements if q.check.table == table.name and q.check.kind in ("row", "dataset")]
        row = sum(1 for q in rules if q.check.kind == "row" and not q.check.references)
        return len(rules) - row + (1 if row > 1 else row)

    total = sum(2 * len(r.spec.tables) + sum(rule_steps(r.spec, t) for t in r.spec.tables) for r in spec_runs)
    done = [0]

    def step(label: str) -> None:
        report(label, done[0], total)
        done[0] += 1

    for spec_run in spec_runs:
        spec_run.step = step


def run(target: str | Path, specs: Sequence[str | Spec] | None = None, options: RunOptions | None = None) -> RunResult:
    """Evaluate a target against specs (inferred from its files when not given).

    Raises TargetError, SpecError or DeclarationError for what makes a run impossible (exit code 2);
    anything wrong with the data itself becomes findings.
    """
    options = options or RunOptions()
    started = _now()
    path = Path(target)
    with _workspace(options.temp_dir) as workspace, open_target(path, options.limits, workspace / "zip") as opened:
        chosen = _resolve_specs(specs, opened)
        _check_declaration(options.declaration, chosen)
        as_of = options.as_of or datetime.date.today()
        database = Database(options.memory_limit, as_of, workspace / "db")
        try:
            loaded: dict[tuple[str, str], LoadedTable] = {}
            spec_runs = [_SpecRun(spec, opened, options, database, loaded) for spec in chosen]
            if options.progress is not None:
                _attach_progress(spec_runs, options.progress)
            for spec_run in spec_runs:
                spec_run.load()
            files = [file for spec_run in spec_runs for file in spec_run.files]
            files += _load_references(chosen, opened, database, loaded, options.limits)
            requirements = [result for spec_run in spec_runs for result in spec_run.check()]
        finally:
            database.close()
        used = {file.path.split("#")[0] for file in files}
        for source in opened.files:
            if source.display not in used:
                files.append(TargetFile(source.display, source.sha256, source.size, source.format, note="どの表にも該当しないため検査していません"))
        ignored = tuple(opened.ignored)
        changed = tuple(opened.changed_inputs())
    return RunResult(
        suite_version=__version__,
        specs=tuple(SpecRef(s.id, s.version, s.name, tuple(f"{d.title} {d.version}" for d in s.documents)) for s in chosen),
        target=str(path),
        files=tuple(files),
        started=started,
        finished=_now(),
        requirements=tuple(requirements),
        declaration=options.declaration.to_dict() if options.declaration else None,
        options={"show_values": options.show_values, "max_findings": options.max_findings, "as_of": as_of.isoformat()},
        ignored=ignored,
        changed=changed,
    )


@contextlib.contextmanager
def _workspace(parent: Path | None = None) -> Iterator[Path]:
    """ONE private folder (mode 0700, under --temp-dir or TMPDIR) for every temporary file of a run: the extracted
    ZIP, DuckDB's staging and spill files. Removed at the end, also on Ctrl-C (KeyboardInterrupt
    unwinds through here) and on any error."""
    folder = Path(tempfile.mkdtemp(prefix="conformance-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- API mode: a live system tested through its contract (conformance.api) -----------------------------


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """How to talk to the target. The token is held here only; it is never part of the result."""

    client: ClientOptions = field(default_factory=ClientOptions)
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None
    fuzz: bool = False
    fuzz_examples: int = 20


def is_url(target: str | Path) -> bool:
    """True for an http(s) base URL: the target of API mode."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))


class _ApiSpecRun(_SpecRun):
    """A spec's data requirements over the records gathered from its list endpoints, not from files."""

    def __init__(self, spec: Spec, gathered: dict[str, Gathered], options: RunOptions, database: Database,
                 loaded: dict[tuple[str, str], LoadedTable]) -> None:
        super().__init__(spec, Target(Path(".")), options, database, loaded)
        self.gathered = gathered

    def load(self) -> None:
        """Load each table's gathered records into the same DuckDB tables a file would fill."""
        for table in self.spec.tables:
            gathered = self.gathered.get(table.name)
            if gathered is None:
                self._skip_table(table, f"API契約に{table.name}の一覧がないため検査できません")
                continue
            if not gathered.complete:
                for requirement in self.spec.requirements:
                    if requirement.check.table == table.name or self._shared_schema_requirement(requirement):
                        self.errors.setdefault(requirement.id, f"{gathered.display}: {gathered.failure}")
                continue
            try:
                loaded = self.database.load(table, _parsed(gathered))
            except duckdb.Error as error:
                for requirement in self.spec.requirements:
                    if requirement.check.table == table.name:
                        self.errors[requirement.id] = f"{gathered.display} の応答をデータベースに読み込めません: {error}"
                continue
            self.tested.add(table.unknown_item_requirement)
            standard = {item.name for item in table.items}
            for name in (name for name in gathered.header if name not in standard):
                message = f"「{name}」は標準にない項目です。"
                self.collector.add(Finding(table.unknown_item_requirement, codes.UNKNOWN_ITEM, message, Location(gathered.display, item=name)))
            self.loaded[(self.spec.id, table.name)] = loaded
            self.displays[table.name] = gathered.display
            if loaded.records == 0:
                self._skip_table(table, f"{gathered.display} にレコードがないため検査できません")

    def results(self) -> list[RequirementResult]:
        """The data requirements (file-level ones do not apply to an API), located by request."""
        results = []
        for result in self.check():
            if self.spec.requirement(result.id).check.kind == "file":
                continue
            findings = tuple(
                replace(f, location=Location(record=f.location.record, item=f.location.item, method="GET", url=f.location.file))
                if f.location.file is not None else f
                for f in result.findings
            )
            results.append(replace(result, findings=findings))
        return results


def _parsed(gathered: Gathered) -> ParsedTable:
    """Gathered records as a reader's table: the record's position in the list is its number and line."""
    records = (RawRecord(entry.position, entry.position, entry.values) for entry in gathered.entries)
    return ParsedTable(header=gathered.header, records=records, encoding="UTF-8")


def _gather_references(chosen: list[Spec], client: ApiClient, database: Database, options: RunOptions,
                       loaded: dict[tuple[str, str], LoadedTable]) -> None:
    """Tables other operations' rules read, fetched from their own list endpoints for reference only."""
    wanted = {reference.key for spec in chosen for requirement in spec.requirements for reference in requirement.check.references}
    wanted -= {(spec.id, table.name) for spec in chosen for table in spec.tables}
    for operation, table_name in sorted(wanted):
        if operation not in spec_store.available():
            continue
        spec = spec_store.load(operation)
        table = spec.table(table_name)
        if table is None:
            continue
        evaluation = ApiEvaluation(spec, load_contract(spec), client, [], options.show_values, False)
        evaluation.gather({table_name})
        gathered = evaluation.gathered.get(table_name)
        if gathered is not None and gathered.complete:
            try:
                loaded[(operation, table_name)] = database.load(table, _parsed(gathered))
            except duckdb.Error:
                continue  # the rules that need it are then not-tested, never passed


def _api_result(requirement: ApiRequirement, outcome: Outcome, options: RunOptions) -> RequirementResult:
    declared = options.declaration.options if options.declaration else ()
    verdict: Verdict
    reason: str | None = None
    if requirement.level == "標準オプション" and requirement.id not in declared:
        verdict, reason = "not-applicable", "宣言されていない標準オプションです"
    elif outcome.findings:
        # A violation seen is certain even when other requests of the case could not be evaluated.
        verdict = "fail"
        if outcome.errors:
            reason = f"一部の要求は評価できませんでした: {outcome.errors[0]}"
    elif outcome.errors:
        more = f"（ほか{len(outcome.errors) - 1}件）" if len(outcome.errors) > 1 else ""
        verdict, reason = "error", outcome.errors[0] + more
    elif not outcome.tested:
        verdict, reason = "not-tested", outcome.not_tested or "検査できませんでした"
    else:
        verdict = "pass"
    applicable = verdict in ("fail",)
    return RequirementResult(
        id=requirement.id, operation=requirement.operation, title=requirement.title, level=requirement.level,
        basis=requirement.basis, fix=requirement.fix, verdict=verdict,
        findings_total=len(outcome.findings) if applicable else 0,
        findings=tuple(outcome.findings[: options.max_findings]) if applicable else (),
        reason=reason,
    )


def run_api(base_url: str, specs: Sequence[str | Spec] | None, options: RunOptions | None = None,
            api: ApiOptions | None = None) -> RunResult:
    """Evaluate a live system at `base_url` against the API cases and the data requirements of `specs`.

    Raises SpecError or DeclarationError for what makes a run impossible (exit code 2); anything the
    server does, including not answering, becomes findings or `error` verdicts with reasons.
    """
    options = options or RunOptions()
    api = api or ApiOptions()
    started = _now()
    if not specs:
        raise SpecError("APIモードでは --spec で業務を指定してください（例 --spec juki）")
    chosen = _resolve_specs(specs, Target(Path(".")))
    _check_declaration(options.declaration, chosen)
    as_of = options.as_of or datetime.date.today()
    client = ApiClient(base_url, api.token, api.client)
    requirements: list[RequirementResult] = []
    with contextlib.ExitStack() as stack:
        stack.callback(client.close)
        evaluations = []
        for spec in chosen:
            api_requirements = load_api_requirements(spec)
            evaluation = ApiEvaluation(spec, load_contract(spec), client, api_requirements, options.show_values,
                                       api.fuzz, api.fuzz_examples)
            evaluations.append((api_requirements, evaluation.evaluate(), evaluation.gathered))
        workspace = stack.enter_context(_workspace(options.temp_dir))
        database = Database(options.memory_limit, as_of, workspace / "db")
        try:
            loaded: dict[tuple[str, str], LoadedTable] = {}
            runs = [_ApiSpecRun(spec, gathered, options, database, loaded)
                    for spec, (_, _, gathered) in zip(chosen, evaluations, strict=True)]
            for spec_run in runs:
                spec_run.load()
            _gather_references(chosen, client, database, options, loaded)
            for spec_run, (api_requirements, outcomes, _) in zip(runs, evaluations, strict=True):
                requirements += [_api_result(r, outcomes[r.id], options) for r in api_requirements if r.id in outcomes]
                requirements += spec_run.results()
        finally:
            database.close()
    transport = {"base_url": base_url, **api.client.to_dict(), "token_env": api.token_env, "fuzz": api.fuzz,
                 "requests": client.requests_made}
    return RunResult(
        suite_version=__version__,
        specs=tuple(SpecRef(s.id, s.version, s.name, tuple(f"{d.title} {d.version}" for d in s.documents)) for s in chosen),
        target=base_url,
        files=(),
        started=started,
        finished=_now(),
        requirements=tuple(requirements),
        declaration=options.declaration.to_dict() if options.declaration else None,
        options={"show_values": options.show_values, "max_findings": options.max_findings, "as_of": as_of.isoformat(),
                 "api": transport},
    )


def export_store(target: str | Path, specs: Sequence[str | Spec] | None = None) -> Store:
    """Read an export (file, folder or ZIP) into the reference server's store, per its specs' contracts."""
    store = Store()
    operations = set(spec_store.available())
    with open_target(Path(target)) as opened:
        chosen = _resolve_specs(specs, opened)
        # The tables other operations' rules read are served too, as a system holding them would.
        served = {(spec.id, table.name) for spec in chosen for table in spec.tables}
        served |= {reference.key for spec in chosen for requirement in spec.requirements
                   for reference in requirement.check.references if reference.operation in operations}
        for operation in sorted({operation for operation, _ in served}):
            spec = spec_store.load(operation)
            contract = load_contract(spec)
            for table in spec.tables:
                if (operation, table.name) not in served:
                    continue
                sources = _table_sources(opened, spec, table, operations)
                if not sources:
                    continue
                source, sheet = sources[0]
                parsed = read_table(source, sheet)
                records = [dict(record.values) for record in parsed.records] if parsed.readable else []
                modified = datetime.datetime.fromtimestamp(source.path.stat().st_mtime, datetime.UTC)
                store.add(contract, table.name, table.primary_key, records, modified)
    return store
