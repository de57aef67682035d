"""Findings quality (issue 17 §4). One finding per record and item within a requirement: a value that breaks several
keywords of its requirement gets the most telling one's finding, by the registry's declared precedence,
in the compiled checks, the row-wise fallback and API mode alike."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conformance import spec as spec_store
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.keywords import KEYWORDS, precedence
from conformance.generate.findings import KEYWORD_CODES, KEYWORD_PRECEDENCE
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results import RunResult
from tests.conftest import FIXTURE_AS_OF, FIXTURES
from tests.test_fallback import _with_unsupported_keyword

RESIDENTS = 8  # records of 住民 given the 宛名番号 `1`


def _juki_with_number_one(tmp_path: Path) -> Path:
    """The juki valid export with 宛名番号 `1` (too short for its pattern, no check digit) on the first
    RESIDENTS records of 住民 and nowhere else."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "juki" / "valid", folder)
    path = folder / "住民.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    column = lines[0].rstrip("\r\n").split(",").index("宛名番号")
    for number in range(1, RESIDENTS + 1):
        cells = lines[number].rstrip("\r\n").split(",")
        ending = lines[number][len(lines[number].rstrip("\r\n")):]
        cells[column] = "1"
        lines[number] = ",".join(cells) + ending
    path.write_text("".join(lines), encoding="utf-8")
    return folder


def _run(target: Path, specs: list[object]) -> RunResult:
    declaration = load_declaration(FIXTURES / "juki" / "declaration.yaml")
    return run(target, specs, RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))  # type: ignore[arg-type]


def _number_findings(result: RunResult) -> list[tuple[object, ...]]:
    return [row for row in result.flatten("requirement", "record", "item", "code") if row[0] == "JUKI-D-0002"]


def test_a_number_one_gives_one_finding_per_record(tmp_path: Path) -> None:
    """宛名番号 `1` breaks the pattern ^[0-9]{2,15}$ and the check-digit format: one pattern finding."""
    assert VALUE_FORMATS["jp-m11"].check("1") is False  # both keywords are broken
    result = _run(_juki_with_number_one(tmp_path), ["juki"])
    requirement = next(r for r in result.requirements if r.id == "JUKI-D-0002")
    assert requirement.verdict == "fail"
    assert requirement.findings_total == RESIDENTS
    assert _number_findings(result) == [("JUKI-D-0002", record, "宛名番号", "pattern-mismatch") for record in range(1, RESIDENTS + 1)]


def test_the_row_wise_fallback_gives_the_same_one_finding(tmp_path: Path) -> None:
    target = _juki_with_number_one(tmp_path)
    compiled = _run(target, ["juki"])
    fallback = _run(target, [_with_unsupported_keyword()])
    assert fallback.row_wise == ("住民.csv",)
    assert _number_findings(fallback) == _number_findings(compiled)
    total = next(r.findings_total for r in fallback.requirements if r.id == "JUKI-D-0002")
    assert total == RESIDENTS


def test_the_precedence_is_declared_in_the_registry() -> None:
    # type > code table > length > pattern > format: the most telling finding first.
    assert precedence("required", True) < precedence("type", "string") < precedence("enum", ["1"]) \
        < precedence("maxLength", 2) < precedence("pattern", "^[0-9]$") < precedence("format", "jp-m11")
    assert precedence("maxLength", 2) == precedence("minLength", 2)
    assert all(precedence("format", name) > precedence("pattern", "x") for name in VALUE_FORMATS)
    assert all(isinstance(entry.precedence, int) for entry in KEYWORDS.values())


def test_the_fixture_builder_derives_with_the_engine_precedence() -> None:
    """generate/ may not import the checks: its mirror of the precedence must equal the registry's."""
    assert {keyword: KEYWORDS[keyword].precedence for keyword in KEYWORD_CODES} == KEYWORD_PRECEDENCE
    assert all(fmt.precedence > max(KEYWORD_PRECEDENCE.values()) for fmt in VALUE_FORMATS.values())



def test_api_mode_gives_the_same_one_finding(tmp_path: Path) -> None:
    """Records gathered over HTTP go through the same schema checks: one finding per record."""
    from api_servers import api_server, store_of

    from conformance.api.client import ClientOptions
    from conformance.pipeline import ApiOptions, run_api

    client = ClientOptions(connect_timeout=1, read_timeout=2, deadline=5, retries=1, backoff=0.05)
    with api_server(store_of(_juki_with_number_one(tmp_path), "juki")) as url:
        result = run_api(url, ["juki"], RunOptions(as_of=FIXTURE_AS_OF), ApiOptions(client=client, token="tok-one-finding-7731"))
    requirement = next(r for r in result.requirements if r.id == "JUKI-D-0002")
    assert requirement.findings_total == RESIDENTS
    assert sorted({(f.code, f.location.item) for f in requirement.findings}) == [("pattern-mismatch", "宛名番号")]


# -- an unknown column that is an item of another table of the spec -------------------------------------

def test_an_unknown_column_of_another_table_names_that_table(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "juki" / "valid", folder)
    path = folder / "住民.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    ending = lines[0][len(lines[0].rstrip("\r\n")):]
    lines = [line.rstrip("\r\n") + ("," + ("最新フラグ" if n == 0 else "1")) + ("," + ("独自項目" if n == 0 else "x")) + ending
             for n, line in enumerate(lines)]
    path.write_text("".join(lines), encoding="utf-8")
    result = _run(folder, ["juki"])
    requirement = next(r for r in result.requirements if r.id == "JUKI-F-0004")
    assert requirement.verdict == "fail" and requirement.findings_total == 2
    assert [(f.code, f.location.item, f.message) for f in requirement.findings] == [
        ("unknown-item", "最新フラグ", "「最新フラグ」は住民にない項目です。最新フラグは異動履歴の項目です。"),
        ("unknown-item", "独自項目", "「独自項目」は標準にない項目です。"),
    ]


def test_api_mode_names_the_other_table_too() -> None:
    from conformance.checks.files import unknown_item_findings
    from conformance.checks.places import RequestPlace

    spec = spec_store.load("juki")
    table = next(t for t in spec.tables if t.name == "住民")
    findings = unknown_item_findings(spec, table, [item.name for item in table.items] + ["最新フラグ"], RequestPlace("GET /jumin"))
    assert [f.message for f in findings] == ["「最新フラグ」は住民にない項目です。最新フラグは異動履歴の項目です。"]


# -- a rule's finding names the items at fault --------------------------------------------------------

def test_a_rule_finding_names_the_blamed_items_only(tmp_path: Path) -> None:
    """JUKI-S-0004 reads 世帯番号, 住民状態, 続柄コード1, 氏名 and 世帯主氏名 but blames 世帯主氏名."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "juki" / "valid", folder)
    path = folder / "住民.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    state, relation, head_name = header.index("住民状態"), header.index("続柄コード1"), header.index("世帯主氏名")
    for number, line in enumerate(lines[1:], start=1):
        cells = line.rstrip("\r\n").split(",")
        if cells[state] == "1" and cells[relation] != "02":
            cells[head_name] = "誤り　太郎"
            lines[number] = ",".join(cells) + line[len(line.rstrip("\r\n")):]
            break
    path.write_text("".join(lines), encoding="utf-8")
    result = _run(folder, ["juki"])
    [finding] = next(r for r in result.requirements if r.id == "JUKI-S-0004").findings
    assert finding.message == "「住民の世帯主氏名が世帯主の氏名と一致すること」を満たしていません（「世帯主氏名」）。"
    assert finding.value is not None and re.fullmatch("世帯主氏名=誤…#[0-9a-f]{4,}", finding.value)


def test_the_blame_defaults_to_the_items_read_without_a_one_item_key_of_a_dataset_rule() -> None:
    spec = spec_store.load("juki")
    rules = {r.id: r.check for r in spec.requirements}
    households = next(t for t in spec.tables if t.name == "世帯")
    residents = next(t for t in spec.tables if t.name == "住民")
    history = next(t for t in spec.tables if t.name == "異動履歴")
    assert rules["JUKI-S-0010"].blame == () and rules["JUKI-S-0010"].blamed_items(households.primary_key) == ("世帯員数",)
    assert rules["JUKI-S-0001"].blamed_items(residents.primary_key) == ("宛名番号",)  # only the key: the key
    assert rules["JUKI-S-0013"].blamed_items(history.primary_key) == ("宛名番号",)  # composite key: kept
    assert rules["JUKI-R-0001"].blamed_items(residents.primary_key) == ("住民となった年月日", "生年月日")
    assert rules["JUKI-S-0004"].blamed_items(residents.primary_key) == ("世帯主氏名",)  # declared
