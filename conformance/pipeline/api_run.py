"""A run over a live system: the API cases, and the data checks over the records its lists return.

The gathered records are one more source of tables: loaded into the same DuckDB tables and checked
by the same checks as files, located by the request that listed them (method + URL) from the start."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Sequence

import duckdb

from conformance import __version__
from conformance.api.cases import ApiEvaluation
from conformance.api.client import ApiClient
from conformance.api.contract import ApiRequirement, load_api_requirements, load_contract
from conformance.api.gather import Gathered, Gatherer, Outcome
from conformance.checks.database import Database
from conformance.checks.files import unknown_item_findings
from conformance.checks.loaded import LoadedTable, error_summary
from conformance.checks.places import RequestPlace
from conformance.checks.staging import Staging
from conformance.pipeline.declaration import check_declaration
from conformance.pipeline.discover import load_specs, referenced_specs, rule_items
from conformance.pipeline.evaluate import SpecEvaluation
from conformance.pipeline.files import subject
from conformance.pipeline.identity import spec_identity
from conformance.pipeline.options import ApiOptions, RunOptions, now, spec_refs, workspace
from conformance.pipeline.verdict import Evidence, Subject, judge, not_judged
from conformance.pipeline.waivers import apply_waivers
from conformance.results import RequirementResult, RunResult
from conformance.results.masking import mask_my_numbers
from conformance.spec import Spec, SpecError

_FILE_ONLY = "ファイルの要件です。APIモードでは検査しません（宣言に免除があるため表示）"
_NOT_FUZZED = "--fuzz を指定した実行でのみ検査します（宣言に免除があるため表示）"


def _header(gathered: Gathered) -> list[str]:
    """The header a gathered table is loaded with.

    Over an API the contract decides which items exist: JSON leaves an empty item out, so an item of
    the contract that no record carries is an empty column (as in a file's header), not a missing one.
    The header the unknown-item check judges stays the keys the records carried."""
    return gathered.header + [item.name for item in gathered.table.items if item.name not in gathered.header]


def _load(database: Database, gathered: Gathered) -> LoadedTable:
    """The gathered records (staged as the pages arrived) as a DuckDB table: a record's number is its
    position in the list."""
    assert isinstance(gathered.sink, Staging), "gathered without the database's staging"
    return database.load_staging(gathered.table, gathered.sink, _header(gathered))


def _load_gathered(evaluation: SpecEvaluation, gathered: dict[str, Gathered], database: Database,
                   loaded: dict[tuple[str, str], LoadedTable]) -> None:
    """Load each table's gathered records into the same DuckDB tables a file would fill."""
    spec = evaluation.spec
    for table in spec.tables:
        listed = gathered.get(table.name)
        if listed is None:
            evaluation.skip_table(table, f"API契約に{table.name}の一覧がないため検査できません")
            continue
        if not listed.complete:
            evaluation.error_table(table, f"{listed.display}: {listed.failure}", shared=True)
            continue
        try:
            table_loaded = _load(database, listed)
        except duckdb.Error as error:
            evaluation.error_table(table, f"{listed.display} の応答をデータベースに読み込めません: {error_summary(error)}")
            continue
        place = RequestPlace(listed.display)
        evaluation.judged_header(table, listed.header)
        evaluation.add(unknown_item_findings(spec, table, listed.header, place))
        loaded[(spec.id, table.name)] = table_loaded
        evaluation.places[table.name] = place
        if table_loaded.records == 0:
            evaluation.skip_table(table, f"{listed.display} にレコードがないため検査できません")


def _gather_references(chosen: list[Spec], client: ApiClient, database: Database, options: RunOptions,
                       loaded: dict[tuple[str, str], LoadedTable]) -> None:
    """Tables other operations' rules read, fetched from their own list endpoints for reference only."""
    for spec, table_name in referenced_specs(chosen):
        table = spec.table(table_name)
        if table is None:
            continue
        gatherer = Gatherer(spec, load_contract(spec), client, options.show_values, database.staging)
        gatherer.gather({table_name})
        gathered = gatherer.gathered.get(table_name)
        if gathered is not None and gathered.complete:
            try:
                loaded[(spec.id, table_name)] = _load(database, gathered)
            except duckdb.Error:
                continue  # the rules that need it are then not-tested, never passed


def _api_evidence(outcome: Outcome, max_findings: int) -> Evidence:
    return Evidence(
        total=len(outcome.findings), examples=tuple(outcome.findings[:max_findings]), unevaluated=tuple(outcome.errors),
        untested=None if outcome.tested else (outcome.not_tested or "検査できませんでした"),
    )


def _api_subject(requirement: ApiRequirement) -> Subject:
    return Subject(requirement.id, requirement.operation, requirement.title, requirement.level, requirement.basis,
                   requirement.fix)


def run_api(base_url: str, specs: Sequence[str | Spec] | None, options: RunOptions | None = None,
            api: ApiOptions | None = None) -> RunResult:
    """Evaluate a live system at `base_url` against the API cases and the data requirements of `specs`.

    Raises SpecError or DeclarationError for what makes a run impossible (exit code 2); anything the
    server does, including not answering, becomes findings or `error` verdicts with reasons.
    """
    options = options or RunOptions()
    api = api or ApiOptions()
    started = now()
    if not specs:
        raise SpecError("APIモードでは --spec で業務を指定してください（例 --spec juki）")
    chosen = load_specs(specs)
    # A waiver may name an API case's requirement too: they are requirements of this run.
    check_declaration(options.declaration, chosen, {r.id: r.level for spec in chosen for r in load_api_requirements(spec)})
    as_of = options.as_of or datetime.date.today()
    client = ApiClient(base_url, api.token, api.client)
    requirements: list[RequirementResult] = []
    with contextlib.ExitStack() as stack:
        stack.callback(client.close)
        folder = stack.enter_context(workspace(options.temp_dir))
        database = Database(options.memory_limit, as_of, folder / "db", options.threads, rule_items(chosen))
        try:
            cases = []
            for spec in chosen:
                api_requirements = load_api_requirements(spec)
                # Each page's records are staged for DuckDB as the page arrives, never all held in memory.
                api_cases = ApiEvaluation(spec, load_contract(spec), client, api_requirements, options.show_values,
                                          api.fuzz, api.fuzz_examples, database.staging)
                cases.append((api_requirements, api_cases.evaluate(), api_cases.gathered))
            loaded: dict[tuple[str, str], LoadedTable] = {}
            evaluations = [SpecEvaluation(spec, options.max_findings, options.show_values, character_profile=options.character_profile,
                                          check_digits=options.check_digits)
                           for spec in chosen]
            for evaluation, (_, _, gathered) in zip(evaluations, cases, strict=True):
                _load_gathered(evaluation, gathered, database, loaded)
            _gather_references(chosen, client, database, options, loaded)
            waived = {waiver.requirement for waiver in options.waivers}
            for evaluation, (api_requirements, outcomes, _) in zip(evaluations, cases, strict=True):
                # The robustness case runs with --fuzz only; listed without it only when a waiver names it.
                requirements += [judge(_api_subject(r), _api_evidence(outcomes[r.id], options.max_findings), options.declared)
                                 if r.id in outcomes else not_judged(_api_subject(r), _NOT_FUZZED)
                                 for r in api_requirements if r.id in outcomes or r.id in waived]
                evaluation.check(loaded, database)
                # The file-level requirements do not apply to an API; listed only when a waiver names one.
                requirements += [judge(subject(evaluation.spec, r), evaluation.evidence(r), options.declared)
                                 if r.check.kind != "file" else not_judged(subject(evaluation.spec, r), _FILE_ONLY)
                                 for r in evaluation.spec.requirements if r.check.kind != "file" or r.id in waived]
        finally:
            database.close()
    # A data finding is located by the list request its record came from: that request is its table's, so
    # a waiver scoped to a table covers it as in file mode; an API case's findings lie in no table.
    request_tables = {mask_my_numbers(place.display): table for evaluation in evaluations
                      for table, place in evaluation.places.items() if isinstance(place, RequestPlace)}
    requirements = apply_waivers(requirements, options.waivers, as_of, request_tables)
    transport = {"base_url": base_url, **api.client.to_dict(), "token_env": api.token_env, "fuzz": api.fuzz,
                 "requests": client.requests_made}
    return RunResult(
        suite_version=__version__,
        specs=spec_refs(chosen),
        target=base_url,
        files=(),
        started=started,
        finished=now(),
        requirements=tuple(requirements),
        declaration=options.declaration.to_dict() if options.declaration else None,
        options={"show_values": options.show_values, "max_findings": options.max_findings, "as_of": as_of.isoformat(),
                 "api": transport},
        row_wise=tuple(display for evaluation in evaluations for display in evaluation.row_wise),
        character_profile=options.character_profile,
        check_digits=options.check_digits,
        spec_files=spec_identity(chosen, api=True, character_profile=options.character_profile),
    )
