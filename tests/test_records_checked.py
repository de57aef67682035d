"""records_checked: every schema check and rule says how many records it judged, and a requirement
that judged none is not-tested, never pass (issue 17 §3)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest

from conformance import spec as spec_store
from conformance.checks.database import raw_name
from conformance.checks.rules import population_query
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.pipeline.evaluate import SpecEvaluation
from conformance.pipeline.verdict import Evidence, Subject, judge
from conformance.report import REPORT_FORMATS
from conformance.results import RunResult
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT, fixture_run, same_run

REPORT_SCHEMA = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
ZERO = "検査対象のレコードが0件のため判定できません"
OPERATIONS = sorted(path.parent.name for path in FIXTURES.glob("*/cases.yaml"))


def _run(folder: Path, operation: str) -> RunResult:
    declaration = load_declaration(FIXTURES / operation / "declaration.yaml")
    return run(folder, [operation], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))


def _valid(operation: str) -> RunResult:
    """The valid export's run with every option declared, shared with tests/test_fixtures.py (fixture_run)."""
    return fixture_run(FIXTURES / operation / "valid", operation, FIXTURES / operation / "declaration.yaml")


def _valid_group(operation: str) -> pytest.MarkDecorator:
    return same_run(FIXTURES / operation / "valid")


def _by_id(result: RunResult) -> dict[str, object]:
    return {r.id: r for r in result.requirements}


def _juki_with_relation(tmp_path: Path, head_code: str, wrong_head_name: bool = False) -> Path:
    """The juki valid export with the 世帯主's 続柄コード1 written `head_code` (and one wrong 世帯主氏名)."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "juki" / "valid", folder)
    path = folder / "住民.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    relation, head_name, state = header.index("続柄コード1"), header.index("世帯主氏名"), header.index("住民状態")
    changed = [lines[0]]
    for line in lines[1:]:
        cells = line.rstrip("\r\n").split(",")
        ending = line[len(line.rstrip("\r\n")):]
        if wrong_head_name and cells[state] == "1" and cells[relation] != "02":
            cells[head_name], wrong_head_name = "誤り　太郎", False  # the first current member who is not the head
        if cells[relation] == "02":
            cells[relation] = head_code
        changed.append(",".join(cells) + ending)
    path.write_text("".join(changed), encoding="utf-8")
    return folder


@_valid_group("juki")
def test_valid_juki_household_rules_judge_the_members_of_households_with_a_head() -> None:
    results = _by_id(_valid("juki"))
    assert results["JUKI-S-0004"].verdict == "pass"
    assert results["JUKI-S-0004"].records_checked == 38  # current residents of households with one 世帯主
    assert results["JUKI-S-0005"].verdict == "pass"
    assert results["JUKI-S-0005"].records_checked == 13  # of them, chains of 子 or of 父・母
    # File requirements count no records; a schema check counts the records it judged.
    assert results["JUKI-F-0001"].records_checked is None
    assert results["JUKI-D-0002"].records_checked == 96  # 住民 43 + 異動履歴 53 (世帯 has no 宛名番号)


@pytest.mark.parametrize("operation", [pytest.param(o, marks=_valid_group(o)) for o in OPERATIONS])
def test_no_requirement_passes_without_saying_what_it_judged(operation: str) -> None:
    """A schema check or rule that passes on the valid export names how many records it judged (or,
    the unknown-item requirement, how many header columns): a pass with no count is a hidden pass."""
    spec = spec_store.load(operation)
    kinds = {r.id: r.check.kind for r in spec.requirements}
    result = _valid(operation)
    hidden = [r.id for r in result.requirements if r.verdict == "pass" and kinds[r.id] in ("schema", "row", "dataset")
              and r.records_checked is None and r.columns_checked is None]
    assert hidden == []
    headers = [r for r in result.requirements if r.columns_checked is not None]
    assert [r.id for r in headers] == sorted({table.unknown_item_requirement for table in spec.tables})
    assert all(r.verdict == "pass" and r.records_checked is None for r in headers)


@_valid_group("juki")
def test_the_unknown_item_requirement_counts_the_header_columns_it_judged() -> None:
    results = _by_id(_valid("juki"))
    columns = sum(len((FIXTURES / "juki" / "valid" / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(","))
                  for name in ("住民", "世帯", "異動履歴"))
    assert columns == 133
    assert results["JUKI-F-0004"].columns_checked == 133 and results["JUKI-F-0004"].verdict == "pass"


def test_a_counted_check_without_a_count_is_an_error_never_a_pass() -> None:
    subject = Subject("X-D-0001", "x", "t", "必須", "official", "fix")
    assert judge(subject, Evidence(counted=True), ()).verdict == "error"
    assert judge(subject, Evidence(counted=True, records_checked=3), ()).verdict == "pass"
    assert judge(subject, Evidence(counted=True, columns_checked=5), ()).verdict == "pass"
    empty = judge(subject, Evidence(counted=True, columns_checked=0), ())
    assert empty.verdict == "not-tested" and empty.reason is not None
    assert judge(subject, Evidence(), ()).verdict == "pass"  # file and API requirements count nothing


@pytest.fixture(scope="module")
def no_head(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The juki valid export with no 世帯主 recognised (続柄コード1 "2"), run once for the module."""
    return _run(_juki_with_relation(tmp_path_factory.mktemp("no-head"), "2"), "juki")


@pytest.mark.xdist_group("records_checked/no-head")
def test_no_recognised_head_makes_the_household_rules_not_tested(no_head: RunResult) -> None:
    result = no_head
    results = _by_id(result)
    for requirement_id in ("JUKI-S-0004", "JUKI-S-0005", "JUKI-S-0009"):
        requirement = results[requirement_id]
        assert requirement.verdict == "not-tested", requirement_id
        assert requirement.records_checked == 0
        assert requirement.reason is not None and requirement.reason.startswith(ZERO)
    assert results["JUKI-D-0022"].verdict == "fail"  # the code itself is reported
    data = json.loads(REPORT_FORMATS["json"].render(result))
    jsonschema.validate(data, REPORT_SCHEMA)
    entry = next(r for r in data["requirements"] if r["id"] == "JUKI-S-0004")
    assert entry["records_checked"] == 0 and entry["verdict"] == "not-tested"
    assert all("records_checked" not in r for r in data["requirements"] if r["id"].startswith("JUKI-F-"))


def test_a_wrong_head_name_is_not_passed_when_no_head_is_recognised(tmp_path: Path) -> None:
    results = _by_id(_run(_juki_with_relation(tmp_path, "2", wrong_head_name=True), "juki"))
    assert results["JUKI-S-0004"].verdict == "not-tested"
    found = _by_id(_run(_juki_with_relation(tmp_path / "again", "02", wrong_head_name=True), "juki"))
    assert found["JUKI-S-0004"].verdict == "fail" and found["JUKI-S-0004"].findings_total == 1


@pytest.mark.xdist_group("records_checked/no-head")
def test_records_checked_is_in_every_format(no_head: RunResult) -> None:
    result = no_head
    console = REPORT_FORMATS["console"].render(result)
    assert "SKIP  JUKI-S-0004" in console and f"理由: {ZERO}" in console
    assert "[検査レコード 0件]" in console and "[検査レコード 43件]" in console
    html = str(REPORT_FORMATS["html"].render(result))
    assert "検査レコード数" in html and ZERO in html
    markdown = str(REPORT_FORMATS["markdown"].render(result))
    assert ZERO in markdown and "（検査レコード 43件）" in markdown
    junit = str(REPORT_FORMATS["junit"].render(result))
    assert '<property name="JUKI-S-0004.records_checked" value="0" />' in junit
    sarif = json.loads(REPORT_FORMATS["sarif"].render(result))
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["JUKI-D-0022"]["properties"]["recordsChecked"] == 43
    workbook = REPORT_FORMATS["xlsx"].render(result)
    assert isinstance(workbook, bytes)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))
    assert "検査レコード数" in text


@_valid_group("juki")
def test_older_results_without_records_checked_still_load() -> None:
    data = json.loads(REPORT_FORMATS["json"].render(_valid("juki")))
    for requirement in data["requirements"]:
        requirement.pop("records_checked", None)
    data["report_version"] = "1.0"
    jsonschema.validate(data, REPORT_SCHEMA)
    assert all(r.records_checked is None for r in RunResult.from_dict(data).requirements)


# -- every rule of every operation: an export whose population for the rule is empty -----------------

@contextmanager
def _populations(found: dict[str, tuple[str, frozenset[int]]], only: set[str] | None = None) -> Iterator[None]:
    """While active, each run records the file lines of every rule's population (the engine's own query),
    or of the rules in `only`; one statement per run (one per rule cost twice the run's own CPU)."""
    original = SpecEvaluation.check

    def check(self: SpecEvaluation, loaded, database) -> None:  # type: ignore[no-untyped-def]
        original(self, loaded, database)
        queries, tables = [], {}
        for requirement in self.spec.requirements:
            table = loaded.get((self.spec.id, requirement.check.table or ""))
            if requirement.check.kind not in ("row", "dataset") or table is None or requirement.id not in self.records_checked:
                continue
            if only is not None and requirement.id not in only:
                continue
            tables[requirement.id] = table.table.name
            queries.append(f"SELECT DISTINCT {len(queries)} AS rule, r._line FROM ({population_query(requirement, table)}) AS p "
                           f"JOIN {raw_name(table.table)} AS r ON r._record = p._record")
        if not queries:
            return
        lines: dict[int, set[int]] = {}
        for rule, line in database.connection.execute(" UNION ALL ".join(queries)).fetchall():
            lines.setdefault(rule, set()).add(line)
        for number, requirement_id in enumerate(tables):
            found[requirement_id] = (tables[requirement_id], frozenset(lines.get(number, ())))

    SpecEvaluation.check = check  # type: ignore[method-assign]
    try:
        yield
    finally:
        SpecEvaluation.check = original  # type: ignore[method-assign]


def _without_lines(source: Path, target: Path, removed: dict[str, set[int]]) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    for table, lines in removed.items():
        path = target / f"{table}.csv"
        kept = [line for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(keepends=True), start=1)
                if number not in lines]
        path.write_text("".join(kept), encoding="utf-8")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_rule_with_an_empty_population_is_not_tested(operation: str, tmp_path: Path) -> None:
    valid = FIXTURES / operation / "valid"
    for path in valid.glob("*.csv"):  # one line per record, so a record's _line is its line
        assert "\n\"" not in path.read_text(encoding="utf-8").replace(",\"", "")
    populations: dict[str, tuple[str, frozenset[int]]] = {}
    with _populations(populations):
        _run(valid, operation)
    spec = spec_store.load(operation)
    rules = [r.id for r in spec.requirements if r.check.kind in ("row", "dataset")]
    assert sorted(populations) == sorted(rules)
    # Rules with the same population are emptied together: one export per distinct population.
    groups: dict[tuple[str, frozenset[int]], list[str]] = {}
    for requirement_id, key in populations.items():
        assert key[1], f"{requirement_id} judges no record of the valid export"
        groups.setdefault(key, []).append(requirement_id)
    for number, ((table, lines), members) in enumerate(sorted(groups.items(), key=lambda g: sorted(g[1]))):
        removed = {table: set(lines)}
        current = valid
        for round_ in range(4):  # removing a history's latest entry makes the one before it the latest
            folder = tmp_path / f"{number}-{round_}"
            _without_lines(current, folder, removed)
            again: dict[str, tuple[str, frozenset[int]]] = {}
            with _populations(again, set(members)):
                results = _by_id(_run(folder, operation))
            left = [m for m in members if results[m].verdict != "not-tested"]
            if not left:
                break
            current, removed = folder, {}
            for member in left:
                removed.setdefault(again[member][0], set()).update(again[member][1])
        for member in members:
            requirement = results[member]
            assert requirement.verdict == "not-tested", (member, requirement.verdict, requirement.records_checked)
            assert requirement.records_checked in (0, None), member
            if requirement.records_checked == 0:
                assert requirement.reason is not None and requirement.reason.startswith(ZERO)
