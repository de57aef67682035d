"""`conformance spec lint`: every spec file valid against its meta-schema, every requirement with a
check and every check with a requirement, patterns that translate exactly from ECMA-262, rules that bind,
and (in a source checkout) every requirement with a passing and a failing fixture."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import yaml

from conformance.checks.database import quote, register_functions
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.rules import population_is_query
from conformance.checks.schema_lint import keyword_problems
from conformance.results.check_digits import CHECK_DIGIT_PROFILES
from conformance.spec import SpecError, load_path, meta_schema, specs_root
from conformance.spec.compare import COMPARE_FILE, load_counts
from conformance.spec.model import Reference, Requirement, Spec, Table

_FILE_ASPECTS = ("encoding", "syntax", "header", "presence")
_FAST_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCHEMA_FORMATS = jsonschema.FormatChecker([f for f in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers if f != "regex"])


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a spec, and where."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _validate(instance: Any, schema: dict[str, Any], where: str) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema)
    return [
        Problem(where, f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}")
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _schema_files(root: Path) -> list[Problem]:
    problems = []
    for path in sorted(root.rglob("*.schema.json")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            problems.append(Problem(str(path), f"not valid JSON: {error}"))
            continue
        problems += [Problem(str(path), message) for message in _schema_file_problems(text, path.parent.name)]
    return problems


@cache
def _schema_file_problems(text: str, folder: str) -> tuple[str, ...]:
    """The problems of one schema file's text (in a codes/ or schemas/ folder or elsewhere): the same text
    has the same problems, so a process linting several copies of specs/ validates each schema once."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as error:
        return (f"not valid JSON: {error}",)
    try:
        # The meta-schema's `regex` format would be judged by Python's `re`, which knows no ECMA-262 `\p{L}`:
        # patterns are judged by keyword_problems (ecma_regex) instead.
        jsonschema.Draft202012Validator.check_schema(schema, format_checker=_SCHEMA_FORMATS)
    except jsonschema.SchemaError as error:
        return (f"not a valid Draft 2020-12 schema: {error.message}",)
    problems = []
    if folder == "codes":
        problems += _validate(schema, meta_schema("code-table"), "")
        codes = [entry.get("code") for entry in schema.get("x-codes", [])]
        if codes != schema.get("enum"):
            problems.append(Problem("", "x-codes must list exactly the enum values, in order"))
    elif folder == "schemas":
        problems += _validate(schema, meta_schema("record-schema"), "")
    return tuple(problem.message for problem in problems) + tuple(keyword_problems(schema))


def _requirement_problems(spec: Spec) -> list[Problem]:
    where = str(spec.path / "spec.yaml")
    problems = []
    prefix = spec.id.upper() + "-"
    ids = [r.id for r in spec.requirements]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(where, f"requirement {duplicate} is defined more than once"))
    for requirement in spec.requirements:
        if not requirement.id.startswith(prefix):
            problems.append(Problem(where, f"{requirement.id}: IDs of this spec start with {prefix}"))
        table_name = requirement.check.table
        if table_name is not None and spec.table(table_name) is None:
            problems.append(Problem(where, f"{requirement.id}: unknown table {table_name}"))
    for aspect in _FILE_ASPECTS:
        count = sum(1 for r in spec.requirements if r.check.kind == "file" and r.check.aspect == aspect)
        if count != 1:
            problems.append(Problem(where, f"exactly one requirement must check the file aspect {aspect!r} (found {count})"))
    for table in spec.tables:
        named = table.requirement_items()
        named.setdefault(table.unknown_item_requirement, set())
        for requirement_id in named:
            try:
                requirement = spec.requirement(requirement_id)
            except KeyError:
                problems.append(Problem(where, f"schema of {table.name} names {requirement_id}, which spec.yaml does not define"))
                continue
            if requirement.check.kind != "schema" or requirement.check.table not in (table.name, None):
                problems.append(Problem(where, f"{requirement_id} is named by the schema of {table.name} but its check is not kind schema on {table.name}"))
        for requirement in spec.requirements:
            if requirement.check.kind == "schema" and requirement.check.table == table.name and requirement.id not in named:
                problems.append(Problem(where, f"{requirement.id}: no item of {table.name} names it (x-requirement): it has no check"))
    named_anywhere = {rid for table in spec.tables for rid in [*table.requirement_items(), table.unknown_item_requirement]}
    for requirement in spec.requirements:
        if requirement.check.kind == "schema" and requirement.check.table is None and requirement.id not in named_anywhere:
            problems.append(Problem(where, f"{requirement.id}: no table's schema names it (x-requirement): it has no check"))
        for name in table.primary_key:
            if table.item(name) is None:
                problems.append(Problem(where, f"primary key item {name} is not in {table.name}"))
    return problems


@cache
def _other_spec(spec_dir: Path, specs_folder: Path) -> Spec | None:
    try:
        return load_path(spec_dir, specs_folder)
    except Exception:  # an unknown or broken operation: the caller reports the reference
        return None


def _referenced_table(spec: Spec, reference: Reference, specs_folder: Path) -> Table | None:
    if reference.operation == spec.id:
        return spec.table(reference.table)
    other = _other_spec(specs_folder / reference.operation, specs_folder)
    return other.table(reference.table) if other else None


def _create_table(con: duckdb.DuckDBPyConnection, operation: str, table: Table, items: tuple[str, ...]) -> None:
    columns = ", ".join(f"{quote(item)} {table.item(item).sql_type}" for item in items)  # type: ignore[union-attr]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(operation)}")
    con.execute(f"CREATE TABLE {quote(operation)}.{quote(table.name)} (_record BIGINT, _line BIGINT, {columns})")


@cache
def _binding_connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    register_functions(connection, datetime.date.today())  # rules may call them, as they can in a run
    return connection


def _rule_problems(spec: Spec, specs_folder: Path) -> list[Problem]:
    """Each rule must bind against a database holding only the items it declares (and references)."""
    where = str(spec.path / "spec.yaml")
    problems = []
    con = _binding_connection()
    for requirement in spec.requirements:
        check = requirement.check
        if check.kind not in ("row", "dataset") or check.table is None or check.sql is None:
            continue
        table = spec.table(check.table)
        if table is None:
            continue
        problems += _check_digit_guards(requirement, where)
        unknown = [item for item in check.items if table.item(item) is None]
        if unknown:
            problems.append(Problem(where, f"{requirement.id}: items not in {table.name}: {', '.join(unknown)}"))
            continue
        unread = [item for item in check.blame if item not in check.items]
        if unread:
            problems.append(Problem(where, f"{requirement.id}: blames items the rule does not read: {', '.join(unread)}"))
        referenced = []
        for reference in check.references:
            other = _referenced_table(spec, reference, specs_folder)
            missing = [item for item in reference.items if other is None or other.item(item) is None]
            if other is None or missing:
                what = f"{reference.operation}.{reference.table}" + (f" items {', '.join(missing)}" if other else "")
                problems.append(Problem(where, f"{requirement.id}: references unknown {what}"))
            else:
                referenced.append((reference, other))
        if len(referenced) != len(check.references):
            continue
        # One connection for every rule; each binds in a transaction rolled back afterwards, so it
        # sees only the tables and items it declares.
        con.execute("BEGIN TRANSACTION")
        try:
            _create_table(con, spec.id, table, check.items)
            for reference, other in referenced:
                _create_table(con, reference.operation, other, reference.items)
            if check.kind == "row":
                con.execute(f"SELECT _record FROM {quote(spec.id)}.{quote(table.name)} WHERE ({check.sql}) LIMIT 0")
            else:
                names = [d[0] for d in con.execute(f"SELECT * FROM ({check.sql}) LIMIT 0").description]
                if "_record" not in names:
                    problems.append(Problem(where, f"{requirement.id}: a dataset rule must return a _record column"))
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            problems.append(Problem(where, f"{requirement.id}: the rule does not bind using only its declared items: {message}"))
        else:
            problems += _population_problems(con, spec, table, requirement, where)
        finally:
            con.execute("ROLLBACK")
    return problems


# The rule functions of the formats a declaration may leave unasserted (a check digit not every number has).
_UNDECLARED = sorted({VALUE_FORMATS[name].function_name for profile in CHECK_DIGIT_PROFILES.values()
                      for name, replaced in profile.items() if replaced is None})


def _check_digit_guards(requirement: Requirement, where: str) -> list[Problem]:
    """No rule may recognise a well-formed key by a check digit: numbers assigned before 住民記録システム標準仕様書
    1.1.13 have none, and the rule would judge none of their records. Guard with the shape."""
    text = f"{requirement.check.sql or ''} {requirement.check.population or ''}".lower()
    return [Problem(where, f"{requirement.id}: {name}() tests a check digit that legacy numbers lack; guard the key with "
                           "its shape (regexp_full_match(x, '[0-9]{2,15}'))") for name in _UNDECLARED if f"{name}(" in text]


def _population_problems(con: duckdb.DuckDBPyConnection, spec: Spec, table: Table, requirement: Requirement,
                         where: str) -> list[Problem]:
    """A rule whose query derives its subjects (a WITH clause) must declare its population, and a
    declared population must bind with the rule's items: a predicate over the table (row and dataset
    rules) or, for a dataset rule, a query returning _record."""
    check = requirement.check
    population = check.population
    if population is None:
        if check.kind == "dataset" and check.sql is not None and check.sql.lstrip().upper().startswith("WITH"):
            return [Problem(where, f"{requirement.id}: a dataset rule with a WITH clause must declare its population "
                                   "(the records it judges; docs/SPEC-AUTHORING.md)")]
        return []
    try:
        if population_is_query(population):
            if check.kind == "row":
                return [Problem(where, f"{requirement.id}: a row rule's population is a predicate, not a query")]
            names = [d[0] for d in con.execute(f"SELECT * FROM ({population}) LIMIT 0").description]
            if "_record" not in names:
                return [Problem(where, f"{requirement.id}: a population query must return a _record column")]
        else:
            con.execute(f"SELECT _record FROM {quote(spec.id)}.{quote(table.name)} WHERE ({population}) LIMIT 0")
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        return [Problem(where, f"{requirement.id}: the population does not bind using only the rule's items: {message}")]
    return []


def _fixture_problems(spec: Spec, fixtures: Path) -> list[Problem]:
    where = str(fixtures / spec.id)
    problems = []
    if not (fixtures / spec.id / "valid").is_dir():
        return [Problem(where, "no valid/ fixture (a conforming export that passes every requirement)")]
    failing: set[str] = set()
    for expected in sorted((fixtures / spec.id / "invalid").glob("*/expected.yaml")):
        try:
            data = yaml.load(Loader=_FAST_YAML, stream=expected.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            problems.append(Problem(str(expected), f"not valid YAML: {error}"))
            continue
        failing.update(data.get("fail", []))
    ids = {r.id for r in spec.requirements}
    for requirement_id in sorted(ids - failing):
        problems.append(Problem(where, f"{requirement_id}: no invalid/ case fails it"))
    for requirement_id in sorted(failing - ids):
        problems.append(Problem(where, f"an invalid/ case expects {requirement_id}, which the spec does not define"))
    return problems


def _api_problems(spec: Spec, specs_folder: Path) -> list[Problem]:
    """The operation's API requirements and contract: valid, with IDs of its own, one per generic case."""
    from conformance.api.contract import generic_cases, load_api_requirements, load_contract

    cases_file = spec.path / "api-cases.yaml"
    where = str(cases_file)
    if not cases_file.is_file():
        return []
    try:
        raw = yaml.load(Loader=_FAST_YAML, stream=cases_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [Problem(where, f"not valid YAML: {error}")]
    meta = meta_schema("api-cases")
    problems = _validate(raw, {"$defs": meta["$defs"], "$ref": "#/$defs/operation"}, where)
    if problems:
        return problems
    # A folder of imported specs has no common/: its contracts use the bundled generic cases.
    cases_root = specs_folder if (specs_folder / "common" / "api-cases.yaml").is_file() else None
    try:
        generic = generic_cases(cases_root)
        requirements = load_api_requirements(spec, cases_root)
        contract = load_contract(spec)
    except Exception as error:  # SpecError and anything the contract's YAML throws
        return [Problem(where, f"cannot be loaded: {error}")]
    ids = [r.id for r in requirements]
    spec_ids = {r.id for r in spec.requirements}
    for requirement in requirements:
        if not requirement.id.startswith(spec.id.upper() + "-A-"):
            problems.append(Problem(where, f"{requirement.id}: API requirement IDs of this spec start with {spec.id.upper()}-A-"))
        if ids.count(requirement.id) > 1 or requirement.id in spec_ids:
            problems.append(Problem(where, f"{requirement.id} is defined more than once (here or in spec.yaml)"))
    for case in sorted(set(generic) - {r.case for r in requirements}):
        problems.append(Problem(where, f"generic API case {case!r} has no requirement ID in this operation"))
    contract_where = str(spec.path / "openapi.yaml")
    for table in spec.tables:
        listing = contract.endpoint(table.name, "list")
        single = contract.endpoint(table.name, "single")
        if listing is None:
            problems.append(Problem(contract_where, f"no list endpoint for table {table.name} (x-table, x-endpoint: list); rerun scripts/make_openapi.py"))
        if table.primary_key and (single is None or single.key_items != table.primary_key):
            problems.append(Problem(contract_where, f"the single endpoint of {table.name} must take its primary key {'・'.join(table.primary_key)}"))
        for endpoint in (listing, single):
            if endpoint is None:
                continue
            try:
                contract.validator(endpoint.schema_ref).is_valid({})
            except Exception as error:  # an unresolvable $ref
                problems.append(Problem(contract_where, f"{endpoint.path}: response schema does not resolve locally: {error}"))
    return problems


def _api_fixture_problems(specs_folder: Path, fixtures: Path) -> list[Problem]:
    """Every generic API case is failed by some broken-server scenario (fixtures/api/broken-servers.yaml)."""
    from conformance.api.contract import generic_cases

    path = fixtures / "api" / "broken-servers.yaml"
    try:
        cases = set(generic_cases(specs_folder))
    except Exception as error:
        return [Problem(str(specs_folder / "common" / "api-cases.yaml"), f"cannot be loaded: {error}")]
    if not path.is_file():
        return [Problem(str(path), "missing: the broken-server scenarios that fail the API cases")]
    data = yaml.load(Loader=_FAST_YAML, stream=path.read_text(encoding="utf-8")) or {}
    failing = {case for scenario in data.get("scenarios", []) for case in scenario.get("fail", [])}
    problems = [Problem(str(path), f"API case {case!r}: no broken-server scenario fails it") for case in sorted(cases - failing)]
    problems += [Problem(str(path), f"a scenario expects unknown API case {case!r}") for case in sorted(failing - cases)]
    return problems


def _compare_problems(spec: Spec, operation_dir: Path) -> list[Problem]:
    """compare.yaml (the categories `conformance compare` counts) against its meta-schema and the spec's items."""
    try:
        load_counts(spec, operation_dir)
    except SpecError as error:
        where = str(operation_dir / COMPARE_FILE)
        return [Problem(where, str(error).removeprefix(where + ": "))]
    return []


def lint(path: Path | None = None) -> list[Problem]:
    """Every problem found in the specs under `path` (a specs/ folder or one operation's folder)."""
    root = path or specs_root()
    operations = [root] if (root / "spec.yaml").is_file() else sorted(p.parent for p in root.glob("*/spec.yaml"))
    specs_folder = root.parent if (root / "spec.yaml").is_file() else root
    if not operations:
        return [Problem(str(root), "no */spec.yaml found")]
    problems = _schema_files(specs_folder)
    spec_meta = meta_schema("spec")
    # Fixtures are linted beside a specs/ tree (with its common/), not beside a folder of imported specs.
    fixtures = specs_folder.parent / "fixtures"
    with_fixtures = fixtures.is_dir() and (specs_folder / "common").is_dir()
    for operation_dir in operations:
        spec_file = operation_dir / "spec.yaml"
        try:
            raw = yaml.load(Loader=_FAST_YAML, stream=spec_file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            problems.append(Problem(str(spec_file), f"not valid YAML: {error}"))
            continue
        meta_problems = _validate(raw, spec_meta, str(spec_file))
        if meta_problems:
            problems += meta_problems
            continue
        if raw["id"] != operation_dir.name:
            problems.append(Problem(str(spec_file), f"id {raw['id']!r} differs from its folder name {operation_dir.name!r}"))
        try:
            spec = load_path(operation_dir, specs_folder)
        except Exception as error:
            problems.append(Problem(str(spec_file), f"cannot be loaded: {error}"))
            continue
        problems += _requirement_problems(spec)
        problems += _rule_problems(spec, specs_folder)
        problems += _api_problems(spec, specs_folder)
        problems += _compare_problems(spec, operation_dir)
        if with_fixtures:
            problems += _fixture_problems(spec, fixtures)
    if with_fixtures and (specs_folder / "common" / "api-cases.yaml").is_file():
        problems += _api_fixture_problems(specs_folder, fixtures)
    return problems
