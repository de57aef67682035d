"""Waivers that expire (issue 21): the declaration's dated exceptions, the verdict `waived`, the run verdict
`pass-with-waivers`, and what every format shows of them. The fixture variants (fixtures/juki/variants/waiver-*,
built from fixtures/juki/cases.yaml) are run once each and rendered in-process."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import openpyxl  # type: ignore[import-untyped,unused-ignore]
import pytest
import xmlschema
import yaml
from jsonschema.validators import validator_for

from conformance import spec as spec_store
from conformance.api.contract import load_api_requirements
from conformance.pipeline import DeclarationError, RunOptions, load_declaration, run
from conformance.pipeline.declaration import check_declaration
from conformance.pipeline.waivers import apply_waivers
from conformance.report import REPORT_FORMATS, badge, html, junit, markdown, sarif, xlsx
from conformance.results import RunResult, Waiver
from conformance.results.diff import diff, render_text
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT, cli, fixture_run
from tests.test_my_number_anywhere import leaks, my_number

VARIANTS = FIXTURES / "juki" / "variants"
RUNS = ("waiver-valid", "waiver-expired", "waiver-unused", "waiver-scoped")
REPORT_SCHEMA = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
VALID_WAIVER = ("JUKI-D-0004 免除【適用、指摘1件】移行困難システム: 旧システムの住民種別コードを移行中"
                "（期限 2027-03-31、承認 架空市 情報政策課）")
EXPIRED_WAIVER = ("JUKI-D-0004 免除【期限切れ】経過措置: 旧システムの住民種別コードを移行中（期限 2026-03-31、承認 架空市 情報政策課）")
UNUSED_WAIVER = "JUKI-D-0004 免除【未使用】vendor fix planned: 改修予定（期限 2027-03-31、承認 架空ベンダー 品質保証部）"


@pytest.fixture(scope="module")
def results() -> dict[str, RunResult]:
    """One run per waiver variant (shared with tests/test_legacy_numbers.py through fixture_run)."""
    return {name: fixture_run(VARIANTS / name, "juki", VARIANTS / name / "declaration.yaml") for name in RUNS}


# --- verdicts ---------------------------------------------------------------------------------------------

def test_a_valid_waiver_turns_the_failure_into_waived_and_the_run_into_pass_with_waivers(results: dict[str, RunResult]) -> None:
    result = results["waiver-valid"]
    requirement = result.requirement("JUKI-D-0004")
    assert (requirement.verdict, requirement.findings_total) == ("waived", 1)
    assert requirement.reason == "免除: 移行困難システム: 旧システムの住民種別コードを移行中（期限 2027-03-31、承認 架空市 情報政策課）"
    assert [(w.status, w.findings_waived) for w in requirement.waivers] == [("applied", 1)]
    assert result.failed_ids() == [] and result.waived_ids() == ["JUKI-D-0004"]
    assert result.summary.verdict == "pass-with-waivers"
    assert result.summary.counts == {"pass": 144, "fail": 0, "waived": 1, "not-applicable": 0, "not-tested": 0, "error": 0}
    assert result.exit_code == 0


def test_an_expired_waiver_fails_as_if_absent_and_is_named(results: dict[str, RunResult]) -> None:
    result = results["waiver-expired"]
    requirement = result.requirement("JUKI-D-0004")
    assert (requirement.verdict, requirement.findings_total) == ("fail", 1)
    assert requirement.reason == ("免除は期限切れです（2026-11-24 時点）: 経過措置: 旧システムの住民種別コードを移行中"
                                  "（期限 2026-03-31、承認 架空市 情報政策課）")
    assert [(w.status, w.findings_waived) for w in requirement.waivers] == [("expired", 0)]
    assert (result.summary.verdict, result.exit_code, result.summary.counts["waived"]) == ("fail", 1, 0)


def test_an_unused_waiver_leaves_a_pass_and_the_run_a_plain_pass(results: dict[str, RunResult]) -> None:
    result = results["waiver-unused"]
    requirement = result.requirement("JUKI-D-0004")
    assert (requirement.verdict, requirement.reason, requirement.findings_total) == ("pass", None, 0)
    assert [(w.status, w.findings_waived) for w in requirement.waivers] == [("unused", 0)]
    assert (result.summary.verdict, result.exit_code) == ("pass", 0)


def test_a_scoped_waiver_waives_only_the_findings_in_its_table_and_item(results: dict[str, RunResult]) -> None:
    result = results["waiver-scoped"]
    assert result.failed_ids() == ["JUKI-C-0001"] and result.waived_ids() == ["JUKI-D-0004"]
    characters = result.requirement("JUKI-C-0001")
    assert result.flatten("requirement", "record", "item")[:2] == [("JUKI-C-0001", 19, "氏名"), ("JUKI-C-0001", 39, "旧氏")]
    assert (characters.findings_total, characters.reason) == (2, "免除の範囲外の指摘があります（範囲内 1件 / 全 2件）")
    assert [(w.status, w.findings_waived, w.scope) for w in characters.waivers] == [("partial", 1, "住民「氏名」")]
    assert [(w.status, w.findings_waived, w.scope) for w in result.requirement("JUKI-D-0004").waivers] == [("applied", 1, "住民「住民種別」")]
    assert result.summary.verdict == "fail"


def test_a_scope_names_the_table_also_in_a_workbook_of_several_sheets(tmp_path: Path, results: dict[str, RunResult]) -> None:
    """Findings in `exports.xlsx#住民` belong to 住民, though the workbook holds 世帯 and 異動履歴 too."""
    folder = VARIANTS / "waiver-scoped"
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table in ("住民", "世帯", "異動履歴"):
        sheet = workbook.create_sheet(table)
        for line in (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines():
            sheet.append(line.split(","))  # the fixture's values hold no comma or quote
    workbook.save(tmp_path / "exports.xlsx")
    result = run(tmp_path, ["juki"], RunOptions(declaration=load_declaration(folder / "declaration.yaml"), as_of=FIXTURE_AS_OF))
    assert [(w.requirement, w.status, w.findings_waived) for w in result.waivers] == [
        (w.requirement, w.status, w.findings_waived) for w in results["waiver-scoped"].waivers]
    assert result.flatten("requirement", "file", "item") == [("JUKI-C-0001", "exports.xlsx#住民", "氏名"),
                                                               ("JUKI-C-0001", "exports.xlsx#住民", "旧氏"),
                                                               ("JUKI-D-0004", "exports.xlsx#住民", "住民種別")]


def test_in_api_mode_a_scoped_waiver_covers_its_tables_list_and_no_waiver_is_dropped(
        tmp_path: Path, results: dict[str, RunResult]) -> None:
    """The waiver-scoped export served as an API: its scoped waivers judge the records of the 住民 list as
    the file run judges 住民.csv. A waiver of a requirement an API run does not judge (a file requirement; the
    robustness case without --fuzz) is shown `unused` under its requirement, listed `not-applicable`."""
    from conformance.api.options import ClientOptions
    from conformance.pipeline.api_run import run_api
    from conformance.pipeline.options import ApiOptions
    from tests.api_servers import api_server, store_of

    folder = VARIANTS / "waiver-scoped"
    declared = yaml.safe_load((folder / "declaration.yaml").read_text(encoding="utf-8"))
    extra = {"reason": "移行中", "basis": "経過措置", "until": "2027-03-31", "approved_by": "架空市"}
    declared["waivers"] += [{"requirement": "JUKI-F-0001", **extra}, {"requirement": "JUKI-A-0009", **extra}]
    (tmp_path / "declaration.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True), encoding="utf-8")
    options = RunOptions(declaration=load_declaration(tmp_path / "declaration.yaml"), as_of=FIXTURE_AS_OF)
    fast = ClientOptions(connect_timeout=1, read_timeout=2, deadline=5, retries=1, backoff=0.05)
    with api_server(store_of(folder, "juki")) as url:
        result = run_api(url, ["juki"], options, ApiOptions(client=fast, token="t"))
    assert [(w.requirement, w.status, w.findings_waived) for w in result.waivers] == [
        ("JUKI-A-0009", "unused", 0), ("JUKI-F-0001", "unused", 0), ("JUKI-C-0001", "partial", 1), ("JUKI-D-0004", "applied", 1)]
    assert [(w.requirement, w.status, w.findings_waived) for w in results["waiver-scoped"].waivers] == [
        ("JUKI-C-0001", "partial", 1), ("JUKI-D-0004", "applied", 1)]  # the file run of the same export
    assert result.failed_ids() == ["JUKI-C-0001"] and result.waived_ids() == ["JUKI-D-0004"]
    assert result.flatten("requirement", "record", "item") == [("JUKI-C-0001", 19, "氏名"), ("JUKI-C-0001", 39, "旧氏"),
                                                               ("JUKI-D-0004", 26, "住民種別")]
    assert result.requirement("JUKI-C-0001").reason == "免除の範囲外の指摘があります（範囲内 1件 / 全 2件）"
    assert [(r.id, r.verdict, r.reason) for r in result.requirements if r.verdict == "not-applicable"] == [
        ("JUKI-A-0009", "not-applicable", "--fuzz を指定した実行でのみ検査します（宣言に免除があるため表示）"),
        ("JUKI-F-0001", "not-applicable", "ファイルの要件です。APIモードでは検査しません（宣言に免除があるため表示）")]
    assert result.summary.counts == {"pass": 147, "fail": 1, "waived": 1, "not-applicable": 2, "not-tested": 0, "error": 0}
    jsonschema.validate(result.to_dict(), REPORT_SCHEMA)


def test_a_waiver_holds_through_its_last_day_and_expires_the_day_after(results: dict[str, RunResult]) -> None:
    # The requirement as the verdict stage gives it, before any waiver.
    failing = dataclasses.replace(results["waiver-expired"].requirement("JUKI-D-0004"), reason=None, waivers=())
    waiver = Waiver("JUKI-D-0004", "r", "経過措置", "2026-11-24", "架空市")
    on_the_day = apply_waivers([failing], [waiver], datetime.date(2026, 11, 24), {})[0]
    day_after = apply_waivers([failing], [waiver], datetime.date(2026, 11, 25), {})[0]
    assert (on_the_day.verdict, on_the_day.waivers[0].status) == ("waived", "applied")
    assert (day_after.verdict, day_after.waivers[0].status) == ("fail", "expired")


def test_a_scoped_waiver_cannot_cover_findings_that_were_not_kept(results: dict[str, RunResult]) -> None:
    failing = dataclasses.replace(results["waiver-scoped"].requirement("JUKI-C-0001"), reason=None, waivers=())
    capped = dataclasses.replace(failing, findings=failing.findings[:1])  # 2 found, 1 kept (--max-findings 1)
    waiver = Waiver("JUKI-C-0001", "r", "経過措置", "2027-03-31", "架空市", table="住民")
    judged = apply_waivers([capped], [waiver], FIXTURE_AS_OF, {"住民.csv": "住民"})[0]
    assert judged.verdict == "fail"
    assert judged.reason == ("範囲付きの免除が全2件の指摘に及ぶか確かめられません（保存した指摘は1件: "
                             "--max-findings を指摘数以上にしてください）")
    whole = apply_waivers([failing], [waiver], FIXTURE_AS_OF, {"住民.csv": "住民"})[0]
    assert (whole.verdict, whole.waivers[0].findings_waived) == ("waived", 2)


def test_a_my_number_in_a_waiver_is_masked_everywhere(results: dict[str, RunResult]) -> None:
    planted = my_number(7)
    waiver = Waiver("JUKI-D-0004", f"{planted} の記録を移行中", "経過措置", "2027-03-31", f"担当 {planted}", table="住民")
    failing = dataclasses.replace(results["waiver-valid"].requirement("JUKI-D-0004"), reason=None, waivers=())
    judged = apply_waivers([failing], [waiver], FIXTURE_AS_OF, {"住民.csv": "住民"})[0]
    result = dataclasses.replace(results["waiver-valid"], requirements=(judged,),
                                 declaration={"system": {"name": "x", "version": "1"}, "specs": {}, "options": [],
                                              "waivers": [waiver.to_dict()]})
    assert judged.verdict == "waived"
    for name, reporter in REPORT_FORMATS.items():
        output = reporter.render(result)
        text = output.decode("latin-1") if isinstance(output, bytes) and name != "xlsx" else output
        if name == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(output))
            text = "\n".join(str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row if c is not None)
        assert leaks(str(text), {planted}) == set(), name


# --- the declaration ------------------------------------------------------------------------------------

def _declaration(tmp_path: Path, waiver: str) -> Path:
    path = tmp_path / "declaration.yaml"
    path.write_text(f"system: {{name: 架空住記システム, version: '1.0'}}\nwaivers:\n  - {waiver}\n", encoding="utf-8")
    return path


WAIVER = "{requirement: JUKI-D-0004, reason: 移行中, basis: 経過措置, until: 2027-03-31, approved_by: 架空市"


@pytest.mark.parametrize(("waiver", "message"), [
    (WAIVER.replace("JUKI-D-0004", "JUKI-D-9999") + "}", "宣言の免除 waivers/0（JUKI-D-9999） の要件は検査する仕様にありません"),
    ("{requirement: JUKI-X-0001, reason: x, basis: 経過措置, until: 2027-03-31, approved_by: 架空市}",
     "宣言の免除 waivers/0（JUKI-X-0001） は実装不可の要件です。実装不可の要件は免除できません"),
    (WAIVER + ", scope: {table: 戸籍}}", "宣言の免除 waivers/0（JUKI-D-0004） の範囲の表 戸籍 は検査する仕様にありません"),
    (WAIVER + ", scope: {table: 世帯, item: 住民種別}}", "宣言の免除 waivers/0（JUKI-D-0004） の範囲の項目 住民種別 は表 世帯 にありません"),
    (WAIVER + ", scope: {item: 住民区分}}", "宣言の免除 waivers/0（JUKI-D-0004） の範囲の項目 住民区分 は検査する仕様のどの表にもありません"),
    (WAIVER + "}\n  - " + WAIVER + "}", "宣言の免除 waivers/1（JUKI-D-0004） は同じ要件・同じ範囲の免除が重複しています"),
])
def test_a_waiver_the_specs_cannot_honour_is_a_declaration_error(tmp_path: Path, waiver: str, message: str) -> None:
    declaration = load_declaration(_declaration(tmp_path, waiver))
    with pytest.raises(DeclarationError, match=re.escape(message)):
        run(VARIANTS / "waiver-unused", ["juki"], RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))


def test_an_api_case_may_be_waived_in_api_mode_only(tmp_path: Path) -> None:
    declaration = load_declaration(_declaration(tmp_path, WAIVER.replace("JUKI-D-0004", "JUKI-A-0001") + "}"))
    juki = spec_store.load("juki")
    api_levels = {r.id: r.level for r in load_api_requirements(juki)}
    check_declaration(declaration, [juki], api_levels)  # as run_api checks it
    with pytest.raises(DeclarationError, match=re.escape("宣言の免除 waivers/0（JUKI-A-0001） の要件は検査する仕様にありません")):
        check_declaration(declaration, [juki])  # a file run has no API cases


@pytest.mark.parametrize(("waiver", "message"), [
    (WAIVER.replace("2027-03-31", "2027-02-30") + "}", "waivers/0/until が暦にない日付です"),
    (WAIVER.replace("2027-03-31", "2027/03/31") + "}", "waivers/0/until が pattern"),
    (WAIVER.replace(", approved_by: 架空市", "") + "}", "waivers/0 が required"),
    (WAIVER + ", scope: {}}", "waivers/0/scope が minProperties"),
])
def test_a_malformed_waiver_is_named_by_its_place(tmp_path: Path, waiver: str, message: str) -> None:
    with pytest.raises(DeclarationError, match=re.escape(message)):
        load_declaration(_declaration(tmp_path, waiver))


def test_the_cli_refuses_a_waiver_of_an_implementation_prohibited_requirement_with_exit_2() -> None:
    folder = VARIANTS / "waiver-not-implementable"
    outcome = cli("run", folder, "--spec", "juki", "--declaration", folder / "declaration.yaml", "--quiet", "--as-of", "2026-11-24")
    assert outcome.code == 2
    assert outcome.err == ("conformance: 宣言の免除 waivers/0（JUKI-X-0001） は実装不可の要件です。実装不可の要件は免除できません"
                           "（標準にない機能・項目は、期限付きでも認められません）\n")


def test_strict_waivers_makes_pass_with_waivers_exit_1(tmp_path: Path) -> None:
    # Without --strict-waivers the same run exits 0 (RunResult.exit_code, asserted above).
    folder = VARIANTS / "waiver-valid"
    strict = cli("run", folder, "--spec", "juki", "--declaration", folder / "declaration.yaml", "--as-of", "2026-11-24",
                 "--format", "json", "--output", tmp_path, "--strict-waivers")
    assert strict.code == 1
    assert "判定 verdict: 免除付き適合 (pass-with-waivers)" in strict.out
    assert "免除 waivers: 適用 1（基準日 2026-11-24）" in strict.out
    assert f"      {VALID_WAIVER}" in strict.out.splitlines()
    # The saved result re-renders (`conformance report` validates it against report.schema.json first).
    rendered = cli("report", tmp_path / "conformance.json", "--format", "markdown")
    assert rendered.code == 0 and rendered.out.startswith("## ☑️ 免除付き適合（pass-with-waivers）")


# --- every format ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", RUNS)
def test_json_is_valid_and_round_trips(results: dict[str, RunResult], name: str) -> None:
    data = results[name].to_dict()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(data)
    assert RunResult.from_dict(data).to_dict() == data
    assert data["report_version"] == "1.2"


def test_json_holds_the_verdict_the_waiver_and_its_status(results: dict[str, RunResult]) -> None:
    data = results["waiver-valid"].to_dict()
    assert data["summary"]["verdict"] == "pass-with-waivers" and data["summary"]["counts"]["waived"] == 1
    entry = next(r for r in data["requirements"] if r["id"] == "JUKI-D-0004")
    assert entry["verdict"] == "waived"
    assert entry["waivers"] == [{"requirement": "JUKI-D-0004", "reason": "旧システムの住民種別コードを移行中", "basis": "移行困難システム",
                                 "until": "2027-03-31", "approved_by": "架空市 情報政策課", "status": "applied", "findings_waived": 1}]
    assert data["declaration"]["waivers"] == [{key: value for key, value in entry["waivers"][0].items()
                                               if key not in ("status", "findings_waived")}]
    expired = next(r for r in results["waiver-expired"].to_dict()["requirements"] if r["id"] == "JUKI-D-0004")
    assert (expired["verdict"], expired["waivers"][0]["status"]) == ("fail", "expired")


def test_the_schema_refuses_a_waived_verdict_without_an_applied_waiver(results: dict[str, RunResult]) -> None:
    data = results["waiver-valid"].to_dict()
    entry = next(r for r in data["requirements"] if r["id"] == "JUKI-D-0004")
    entry["waivers"][0]["status"] = "unused"
    assert not jsonschema.Draft202012Validator(REPORT_SCHEMA).is_valid(data)


def test_html_shows_the_banner_and_every_waiver(results: dict[str, RunResult]) -> None:
    document = html.render(results["waiver-valid"])
    assert 'data-verdict="pass-with-waivers"' in document
    assert "不適合はありませんが、1件の要件は期限付きの免除によるものです" in document
    rows = re.findall(r'<tr class="waiver waiver-(\w+)" data-status="\w+"', document)
    assert rows == ["applied"]
    for text in ("移行困難システム", "旧システムの住民種別コードを移行中", "2027-03-31", "架空市 情報政策課", "要件全体"):
        assert f"<td>{text}</td>" in document or f">{text}</td>" in document
    statuses = [re.findall(r'<tr class="waiver waiver-(\w+)"', html.render(results[name])) for name in RUNS[1:]]
    assert statuses == [["expired"], ["unused"], ["partial", "applied"]]
    assert 'data-verdict="waived"' in document and 'data-verdict="fail"' not in document
    # The waived findings are still listed, marked as waived, where the requirement's row links to.
    assert re.findall(r'<details class="findings" id="([^"]+)" open>\s*<summary>\s*<h3>([^<]+)(<span class="badge v-waived">)?',
                      document) == [("req-JUKI-D-0004", "JUKI-D-0004　住民種別がコード表の値であること ", '<span class="badge v-waived">')]
    assert '<a href="#req-JUKI-D-0004">JUKI-D-0004</a>' in document


def test_xlsx_has_a_waiver_sheet_and_the_verdict_on_the_cover(results: dict[str, RunResult]) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.render(results["waiver-scoped"])))
    assert workbook.sheetnames == ["表紙", "要件別結果", "指摘一覧", "免除"]
    rows = [tuple(cell.value for cell in row) for row in workbook["免除"].iter_rows(values_only=False)]
    assert rows == [
        ("要件ID", "判定", "免除の状態", "状態(英)", "根拠", "理由", "期限", "承認", "範囲", "免除した指摘数"),
        ("JUKI-C-0001", "不適合", "一部のみ（範囲外の指摘あり）", "partial", "移行困難システム", "外字の同定作業中", "2027-03-31",
         "架空市 情報政策課", "住民「氏名」", 1),
        ("JUKI-D-0004", "免除", "適用", "applied", "移行困難システム", "旧システムの住民種別コードを移行中", "2027-03-31",
         "架空市 情報政策課", "住民「住民種別」", 1),
    ]
    cover = {row[0].value: row[1].value for row in workbook["表紙"].iter_rows(max_col=2) if row[0].value}
    assert cover["判定"] == "不適合 (fail)"
    assert cover["免除 (waived)"] == 1
    assert cover["免除"] == "一部のみ（範囲外の指摘あり） 1・適用 1（基準日 2026-11-24。一覧は「免除」シート）"
    valid = openpyxl.load_workbook(io.BytesIO(xlsx.render(results["waiver-valid"])))
    assert valid["表紙"]["B3"].value == "免除付き適合 (pass-with-waivers)"


def test_markdown_names_the_verdict_and_lists_the_waivers(results: dict[str, RunResult]) -> None:
    text = markdown.render(results["waiver-valid"])
    assert text.startswith("## ☑️ 免除付き適合（pass-with-waivers）: juki 0.1.0\n")
    assert "| 免除 (waived) | 1 |" in text
    assert "### 免除（適用 1、基準日 2026-11-24）" in text
    assert f"| JUKI-D-0004 | 免除 (waived) | {VALID_WAIVER} |" in text
    assert f"| JUKI-D-0004 | 不適合 (fail) | {EXPIRED_WAIVER} |" in markdown.render(results["waiver-expired"])
    assert f"| JUKI-D-0004 | 適合 (pass) | {UNUSED_WAIVER} |" in markdown.render(results["waiver-unused"])


def _testcase(document: str, requirement: str) -> ET.Element:
    return next(case for case in ET.fromstring(document).iter("testcase") if case.get("name", "").startswith(requirement))


def test_junit_skips_a_waived_requirement_and_fails_an_expired_one(results: dict[str, RunResult]) -> None:
    document = junit.render(results["waiver-valid"])
    suite = ET.fromstring(document).find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("skipped")) == ("0", "1")
    skipped = _testcase(document, "JUKI-D-0004").find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("waived: 免除: 移行困難システム")
    assert skipped.text is not None and skipped.text.endswith(VALID_WAIVER)
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["JUKI-D-0004.waiver.0.applied"] == VALID_WAIVER
    expired = junit.render(results["waiver-expired"])
    failure = _testcase(expired, "JUKI-D-0004").find("failure")
    assert failure is not None and failure.text is not None and failure.text.endswith(EXPIRED_WAIVER)
    # Ant's strict JUnit schema takes a skipped element with text (the waived findings).
    ant = xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "junit-windyroad.xsd"))
    assert [error.reason for error in ant.iter_errors(junit.render(results["waiver-scoped"]))] == []


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


def test_sarif_suppresses_the_waived_findings_only(results: dict[str, RunResult], sarif_validator: jsonschema.protocols.Validator) -> None:
    log = json.loads(sarif.render(results["waiver-scoped"]))
    sarif_validator.validate(log)
    run_ = log["runs"][0]
    outcome = [(r["ruleId"], r["properties"]["item"], [s["status"] for s in r.get("suppressions", [])]) for r in run_["results"]]
    assert outcome == [("JUKI-C-0001", "氏名", []), ("JUKI-C-0001", "旧氏", []), ("JUKI-D-0004", "住民種別", ["accepted"])]
    assert run_["results"][2]["suppressions"][0]["justification"] == (
        "JUKI-D-0004 免除【適用、指摘1件】移行困難システム: 旧システムの住民種別コードを移行中（期限 2027-03-31、承認 架空市 情報政策課、範囲 住民「住民種別」）")
    assert run_["properties"]["verdict"] == "fail"
    assert [(w["requirement"], w["status"]) for w in run_["properties"]["waivers"]] == [("JUKI-C-0001", "partial"), ("JUKI-D-0004", "applied")]
    assert json.loads(sarif.render(results["waiver-valid"]))["runs"][0]["properties"]["verdict"] == "pass-with-waivers"


def test_badge_and_console(results: dict[str, RunResult]) -> None:
    svg = badge.render(results["waiver-valid"])
    assert badge.message(results["waiver-valid"]) == "pass-with-waivers 144/145 (1 waived) · juki 0.1.0"
    assert 'fill="#a4a61d"' in svg and "（免除付き適合）" in svg
    console = REPORT_FORMATS["console"].render(results["waiver-expired"])
    assert f"      {EXPIRED_WAIVER}" in console.splitlines()
    assert "免除 waivers: 期限切れ 1（基準日 2026-11-24）" in console


def test_diff_reports_waivers_added_removed_and_expired(results: dict[str, RunResult]) -> None:
    expired = diff(results["waiver-valid"], results["waiver-expired"])
    assert [(c.kind, c.waiver.requirement, c.waiver.until) for c in expired.waivers] == [("expired", "JUKI-D-0004", "2026-03-31")]
    assert [(c.id, c.kind, c.regression) for c in expired.changes] == [("JUKI-D-0004", "newly-failing", True)]
    swapped = diff(results["waiver-scoped"], results["waiver-valid"])
    assert [(c.kind, c.waiver.requirement, c.waiver.scope) for c in swapped.waivers] == [
        ("added", "JUKI-D-0004", None), ("removed", "JUKI-C-0001", "住民「氏名」"), ("removed", "JUKI-D-0004", "住民「住民種別」")]
    assert swapped.to_dict()["waivers"][0] == {"kind": "added", **results["waiver-valid"].waivers[0].to_dict()}
    text = render_text(expired)
    assert ("期限切れになった免除 / waivers expired (1):\n   JUKI-D-0004  経過措置: 旧システムの住民種別コードを移行中"
            "（期限 2026-03-31、承認 架空市 情報政策課）\n") in text
    # pass -> waived is a regression: the requirement fails again, only excused for a while.
    newly_waived = diff(results["waiver-unused"], results["waiver-valid"])
    assert [(c.id, c.kind, c.old_verdict, c.new_verdict, c.regression) for c in newly_waived.changes] == [
        ("JUKI-D-0004", "verdict-changed", "pass", "waived", True)]


def test_the_expected_files_name_what_the_tests_assert() -> None:
    expected = {name: yaml.safe_load((VARIANTS / name / "expected.yaml").read_text(encoding="utf-8"))
                for name in (*RUNS, "waiver-not-implementable")}
    assert {name: (e.get("verdict"), e.get("waivers"), e["fail"], e.get("waived", [])) for name, e in expected.items()} == {
        "waiver-valid": ("pass-with-waivers", {"JUKI-D-0004": "applied"}, [], ["JUKI-D-0004"]),
        "waiver-expired": ("fail", {"JUKI-D-0004": "expired"}, ["JUKI-D-0004"], []),
        "waiver-unused": ("pass", {"JUKI-D-0004": "unused"}, [], []),
        "waiver-scoped": ("fail", {"JUKI-C-0001": "partial", "JUKI-D-0004": "applied"}, ["JUKI-C-0001"], ["JUKI-D-0004"]),
        "waiver-not-implementable": (None, None, [], []),
    }
    assert expected["waiver-not-implementable"]["declaration-error"] == "実装不可の要件は免除できません"
