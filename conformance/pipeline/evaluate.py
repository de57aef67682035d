"""Stage 3, evaluate: one spec's checks over its loaded tables, gathered as evidence per requirement.

The checks themselves live in `conformance.checks`; this stage only decides which ones can run on
what was loaded, and remembers why a requirement was not tested or could not be checked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import duckdb
import jsonschema

from conformance import spec as spec_store
from conformance.checks.database import Database
from conformance.checks.files import bom_findings, column_findings, issue_findings
from conformance.checks.formats import CHARACTER_PROFILES, DEFAULT_CHARACTER_PROFILE
from conformance.checks.loaded import LoadedTable, error_summary
from conformance.checks.places import Place
from conformance.checks.rules import count_populations, run_row_rules, run_rule, run_rules
from conformance.checks.schema import SchemaNotCheckable, run_schema_checks, schema_records_checked
from conformance.pipeline.load import TableLoad
from conformance.pipeline.verdict import Evidence
from conformance.results import Finding, FindingCollector
from conformance.results.check_digits import CHECK_DIGIT_PROFILES, DEFAULT_CHECK_DIGITS
from conformance.spec import Spec
from conformance.spec.model import Requirement, Table

Step = Callable[[str], None]


def _no_step(label: str) -> None:
    """No progress is drawn."""


class SpecEvaluation:
    """What one spec's checks found so far: findings, and why requirements were not tested or erred."""

    def __init__(self, spec: Spec, max_findings: int, show_values: bool, step: Step | None = None,
                 character_profile: str = DEFAULT_CHARACTER_PROFILE, check_digits: str = DEFAULT_CHECK_DIGITS) -> None:
        self.spec = spec
        # The format names the declared character profile replaces (none for the default), and the
        # check-digit formats left unasserted unless the vendor declared its numbers carry them.
        self.formats: dict[str, str | None] = {**CHARACTER_PROFILES[character_profile], **CHECK_DIGIT_PROFILES[check_digits]}
        self.show_values = show_values
        self.step = step or _no_step
        self.collector = FindingCollector(max_findings)
        self.not_tested: dict[str, str] = {}
        # A requirement checked on at least one table is tested, whatever other tables lacked.
        self.tested: set[str] = set()
        self.errors: dict[str, str] = {}
        # How many records each schema check and rule judged (summed over the tables it ran on), and
        # what those records are, for the reason when there were none.
        self.records_checked: dict[str, int] = {}
        self.populations: dict[str, str] = {}
        # How many header columns the header-judged checks judged (the unknown-item requirement of each
        # table: the white list of items is checked on the header, whatever the records hold).
        self.columns_checked: dict[str, int] = {}
        # The places of the tables whose records are in the database, by table name.
        self.places: dict[str, Place] = {}
        # Tables whose schema went to row-wise validation (the compiler did not know a keyword).
        self.row_wise: list[str] = []

    def add(self, findings: Iterable[Finding]) -> None:
        """Keep findings (the collector counts them all and keeps the first examples)."""
        for finding in findings:
            self.collector.add(finding)

    def skip_table(self, table: Table, reason: str) -> None:
        """Nothing of `table` can be tested: its requirements are not-tested unless tested elsewhere."""
        for requirement in self.spec.requirements:
            if requirement.check.table == table.name or self._shared_schema_requirement(requirement):
                self.not_tested.setdefault(requirement.id, reason)

    def error_table(self, table: Table, reason: str, shared: bool = False) -> None:
        """The requirements of `table` (and with `shared` those of every table) could not be checked."""
        for requirement in self.spec.requirements:
            if requirement.check.table == table.name or (shared and self._shared_schema_requirement(requirement)):
                if shared:
                    self.errors.setdefault(requirement.id, reason)
                else:
                    self.errors[requirement.id] = reason

    @staticmethod
    def _shared_schema_requirement(requirement: Requirement) -> bool:
        """A schema requirement without a table applies to every table of the spec."""
        return requirement.check.kind == "schema" and requirement.check.table is None

    # -- files ---------------------------------------------------------------------------------------
    def file_checks(self, load: TableLoad) -> bool:
        """The file's own checks (BOM, the reader's issues, the header); True when its records are stored."""
        table, display = load.table, load.source.display
        if load.text_file:
            self.add(bom_findings(self.spec, load.bom, display))
        self.add(issue_findings(self.spec, table, load.header, load.issues, display))
        if not load.readable:
            self.skip_table(table, f"{display} を読めないため検査できません")
            return False
        if load.loaded is None:
            self.error_table(table, f"{display} をデータベースに読み込めません: {load.error}")
            return False
        self.judged_header(table, load.header)
        self.add(column_findings(self.spec, table, load.header, display))
        if load.loaded.records == 0:
            self.skip_table(table, f"{display} にレコードがないため検査できません")
        return True

    def judged_header(self, table: Table, header: Sequence[str]) -> None:
        """The table's unknown-item requirement judged the columns of `header` (a file's, or the items
        of gathered records)."""
        requirement = table.unknown_item_requirement
        self.tested.add(requirement)
        self.columns_checked[requirement] = self.columns_checked.get(requirement, 0) + len(header)

    def nothing_read(self) -> None:
        """No file of the spec could be read: its file requirements are not tested."""
        for aspect in ("encoding", "syntax", "header"):
            requirement = self.spec.file_requirement(aspect)
            if requirement is not None:
                self.not_tested.setdefault(requirement.id, "読めたファイルがないため検査できません")

    # -- records -------------------------------------------------------------------------------------
    def check(self, loaded: Mapping[tuple[str, str], LoadedTable], database: Database) -> None:
        """Once every table of the run is loaded: the schema checks and the rules of each table."""
        for table in self.spec.tables:
            table_loaded = loaded.get((self.spec.id, table.name))
            if table_loaded is not None and table_loaded.records:
                place = self.places[table.name]
                self._schema_checks(table, table_loaded, place, database)
                self._rules(table, table_loaded, place, loaded, database)

    def _schema_checks(self, table: Table, loaded: LoadedTable, place: Place, database: Database) -> None:
        self.step(f"{self.spec.id} {table.name} スキーマ検査")
        named = table.requirement_items()
        for requirement_id, items in named.items():
            if not items & loaded.present:
                self.not_tested.setdefault(requirement_id, f"{'・'.join(sorted(items))} の列がないため検査できません")
            else:
                self.tested.add(requirement_id)
        try:
            run = run_schema_checks(database, loaded, spec_store.registry(), self.collector, place, self.show_values, self.formats)
        except (duckdb.Error, jsonschema.exceptions.SchemaError, SchemaNotCheckable) as error:
            # SchemaNotCheckable's reason comes from the spec only; the others may quote data.
            reason = str(error) if isinstance(error, SchemaNotCheckable) else error_summary(error)
            for requirement_id in named:
                self.errors[requirement_id] = f"スキーマ検査を実行できません: {reason}"
            return
        if run.how == "row-wise":
            self.row_wise.append(place.display)
        try:
            # A small table's counts came from the rows its checks fetched (schema_python).
            checked = run.checked if run.checked is not None else schema_records_checked(database, loaded)
        except duckdb.Error as error:
            for requirement_id, items in named.items():
                if items & loaded.present:
                    self.errors[requirement_id] = f"検査したレコードを数えられません: {error_summary(error)}"
            return
        for requirement_id, count in checked.items():
            self._count(requirement_id, count, f"{table.name}の{'・'.join(sorted(named[requirement_id] & loaded.present))}に値のあるレコード")

    def _count(self, requirement_id: str, count: int, population: str) -> None:
        self.records_checked[requirement_id] = self.records_checked.get(requirement_id, 0) + count
        self.populations.setdefault(requirement_id, population)

    def _rules(self, table: Table, loaded: LoadedTable, place: Place, tables: Mapping[tuple[str, str], LoadedTable],
               database: Database) -> None:
        runnable: list[Requirement] = []
        for requirement in self.spec.requirements:
            check = requirement.check
            if check.kind not in ("row", "dataset") or check.table != table.name:
                continue
            absent = [item for item in check.items if item not in loaded.present]
            for reference in check.references:
                other = tables.get(reference.key)
                if other is None or not other.records:
                    absent.append(f"{reference.operation}.{reference.table}")
                else:
                    absent += [f"{reference.table}.{item}" for item in reference.items if item not in other.present]
            if absent:
                self.not_tested[requirement.id] = f"{'・'.join(absent)} がないため検査できません"
                continue
            runnable.append(requirement)
        counted = list(runnable)
        row_rules = [r for r in runnable if r.check.kind == "row" and not r.check.references]
        if len(row_rules) > 1:
            self.step(f"{table.name} 行規則 {len(row_rules)}件")
            try:
                run_row_rules(database, row_rules, loaded, self.collector, place, self.show_values)
                runnable = [r for r in runnable if r not in row_rules]
            except duckdb.Error:
                pass  # one of them is broken: run each alone, so the error is that rule's only
        if len(runnable) > 1 and database.small:
            # A small run: the other rules in one statement too (a large run keeps one query per rule).
            self.step(f"{table.name} 規則 {len(runnable)}件")
            try:
                run_rules(database, runnable, loaded, self.collector, place, self.show_values)
                runnable = []
            except duckdb.Error:
                pass  # one of them is broken: run each alone, so the error is that rule's only
        for requirement in runnable:
            self.step(f"{requirement.id} 規則")
            try:
                run_rule(database, requirement, loaded, self.collector, place, self.show_values)
            except duckdb.Error as error:
                self.errors[requirement.id] = f"規則を実行できません: {error_summary(error)}"
        self._populations([r for r in counted if r.id not in self.errors], loaded, database)

    def _populations(self, requirements: list[Requirement], loaded: LoadedTable, database: Database) -> None:
        """How many records each rule judged: all in one count, or rule by rule to place an error."""
        try:
            counts = count_populations(database, requirements, loaded)
        except duckdb.Error:
            counts = {}
            for requirement in requirements:
                try:
                    counts.update(count_populations(database, [requirement], loaded))
                except duckdb.Error as error:
                    self.errors[requirement.id] = f"規則の対象レコード（population）を数えられません: {error_summary(error)}"
        for requirement in requirements:
            if requirement.id in counts:
                declared = "仕様の population に当たるレコード" if requirement.check.population else "規則の項目に値のあるレコード"
                self._count(requirement.id, counts[requirement.id], f"{loaded.table.name}のうち{declared}")

    # -- evidence ------------------------------------------------------------------------------------
    def evidence(self, requirement: Requirement) -> Evidence:
        """What was found for one requirement, for the verdict.

        A schema check or rule is counted: it reports the records it judged, or (the unknown-item
        requirement) the header columns; with neither it cannot pass (verdict.judge)."""
        untested = requirement.id in self.not_tested and requirement.id not in self.tested
        if requirement.check.kind == "pending":  # an official condition with no rule yet: never passed
            return Evidence(untested=requirement.check.reason or "規則がまだありません")
        counted = requirement.check.kind in ("schema", "row", "dataset")
        columns = self.columns_checked.get(requirement.id) if counted else None
        return Evidence(
            total=self.collector.totals.get(requirement.id, 0),
            examples=tuple(self.collector.examples.get(requirement.id, ())),
            broken=self.errors.get(requirement.id),
            untested=self.not_tested[requirement.id] if untested else None,
            records_checked=self.records_checked.get(requirement.id) if counted and columns is None else None,
            population=self.populations.get(requirement.id, "対象のレコード"),
            columns_checked=columns,
            counted=counted,
        )
