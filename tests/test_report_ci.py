"""CI reporters: the Markdown summary, the SVG badge and SARIF; and JUnit XML against common JUnit schemas."""

from __future__ import annotations

import dataclasses
import datetime
import html
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote

import pytest
import xmlschema
from jsonschema.validators import validator_for

from conformance.pipeline import Declaration, RunOptions, run
from conformance.report import badge, junit, markdown, sarif
from conformance.results import Finding, Location, RunResult, SpecRef
from tests.conftest import FIXTURES, ROOT

DATA = ROOT / "tests" / "data"
SVG = "{http://www.w3.org/2000/svg}"
CASES = ("valid", "juki-d-0002", "juki-f-0005", "juki-c-0001")


def _run(case: str) -> RunResult:
    path = FIXTURES / "juki" / ("valid" if case == "valid" else f"invalid/{case}")
    # juki-f-0005 names its file 住民一覧.csv, so the spec cannot be inferred from the file name.
    # juki-d-0002's wrong check digit fails only when the check digits are declared (no option is).
    declaration = Declaration({"name": "架空住記システム", "version": "1.0"}, check_digits="all") if case == "juki-d-0002" else None
    return run(path, specs=["juki"], options=RunOptions(declaration=declaration))


@pytest.fixture(scope="module")
def results() -> dict[str, RunResult]:
    """One run per fixture case, shared by the tests of this module."""
    return {case: _run(case) for case in CASES}


def _replace_requirement(result: RunResult, requirement_id: str, **changes: object) -> RunResult:
    requirements = tuple(dataclasses.replace(r, **changes) if r.id == requirement_id else r  # type: ignore[arg-type]
                         for r in result.requirements)
    return dataclasses.replace(result, requirements=requirements)


def _incomplete(result: RunResult) -> RunResult:
    """The valid run with one requirement not tested: nothing fails, so the run is incomplete."""
    return _replace_requirement(result, "JUKI-C-0001", verdict="not-tested", reason="住民のファイルがないため検査できません")


HOSTILE_MESSAGE = "a|b <script>alert(1)</script> `code` **bold** _it_ [link](https://example.com) ~~del~~ @team\n| forged | row |"
HOSTILE_FILE = "evil|<img src=x>_[x].csv"


def _hostile(result: RunResult) -> RunResult:
    """JUKI-D-0002 failing with a finding whose message, file name and value try to break out of Markdown."""
    finding = dataclasses.replace(result.requirement("JUKI-D-0002").findings[0], message=HOSTILE_MESSAGE,
                                  location=Location(HOSTILE_FILE, 3, 2, "宛名*番号"), value="`*|*`")
    return _replace_requirement(result, "JUKI-D-0002", findings=(finding,), findings_total=1)


# --- Markdown ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "heading"), [
    ("valid", "## ✅ 適合（pass）: juki 0.1.0"),
    ("juki-d-0002", "## ❌ 不適合（fail）: juki 0.1.0"),
    ("juki-f-0005", "## ❌ 不適合（fail）: juki 0.1.0"),
])
def test_markdown_heading_names_the_verdict_and_the_specs(results: dict[str, RunResult], case: str, heading: str) -> None:
    text = markdown.render(results[case])
    assert text.splitlines()[0] == heading
    assert f"- **対象**: {results[case].target}" in text
    assert "- **スイート**: jichitai-conformance 0.1.0" in text
    assert "- **仕様**: juki 0.1.0 住民基本台帳" in text


def test_markdown_heading_for_an_incomplete_run(results: dict[str, RunResult]) -> None:
    text = markdown.render(_incomplete(results["valid"]))
    assert text.startswith("## ⚠️ 判定不能（incomplete）: juki 0.1.0\n")
    assert "| JUKI-C-0001 | 文字が行政事務標準文字の範囲内であること | 未検査 (not-tested) | 住民のファイルがないため検査できません |" in text


def test_markdown_counts_table(results: dict[str, RunResult]) -> None:
    text = markdown.render(results["valid"])
    for row in ("| 適合 (pass) | 144 |", "| 不適合 (fail) | 0 |", "| 対象外 (not-applicable) | 1 |",
                "| 未検査 (not-tested) | 0 |", "| エラー (error) | 0 |"):
        assert row in text
    assert "不適合の要件" not in text and "未検査・エラーの要件" not in text


def test_markdown_lists_failing_requirements_with_their_first_finding(results: dict[str, RunResult]) -> None:
    text = markdown.render(results["juki-d-0002"])
    row = next(line for line in text.splitlines() if line.startswith("| JUKI-D-0002 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # the case breaks the number in 住民 and 異動履歴 alike: two findings, the first shown
    assert cells[:4] == ["JUKI-D-0002", "宛名番号が半角数字2〜15桁であり、検査数字付きと宣言した場合はモジュラス11の検査数字を持つこと", "2", "住民.csv 12行目 レコード11 「宛名番号」"]
    # masked: the first character, an ellipsis and this run's tag of the value (results/masking.py)
    assert re.fullmatch("「宛名番号」が番号の形式（桁数・検査数字）を満たしません。 値: 0…#[0-9a-f]{4,}（ほか1件）", html.unescape(cells[4]))
    assert cells[5].startswith("宛名番号は半角数字")
    assert "### ❌ 不適合の要件（1件）" in text

    c0001 = markdown.render(results["juki-c-0001"])
    assert "| JUKI-C-0001 | 文字が行政事務標準文字の範囲内であること | 1 | 住民.csv 20行目 レコード19 「氏名」 |" in c0001


def test_markdown_failing_finding_without_a_file_and_the_untested_requirements(results: dict[str, RunResult]) -> None:
    text = markdown.render(results["juki-f-0005"])
    assert "| JUKI-F-0005 | 住民・世帯・異動履歴のファイルがあること | 1 | — | 「住民」のファイル（住民.csv など）がありません。 |" in text
    assert "### ⚠️ 未検査・エラーの要件（119件）" in text
    assert "| JUKI-D-0004 | 住民種別がコード表の値であること | 未検査 (not-tested) | 住民のファイルがないため検査できません |" in text


def test_markdown_collapses_passing_requirements(results: dict[str, RunResult]) -> None:
    text = markdown.render(results["valid"])
    block = text[text.index("<details>"):text.index("</details>")]
    assert "<summary>✅ 適合した要件（144件）</summary>" in block
    assert "\n- JUKI-F-0001 ファイルの文字コードがUTF-8であること\n" in block
    assert len(re.findall(r"^- JUKI-", block, re.MULTILINE)) == 144
    assert "<summary>対象外の要件（1件）</summary>" in text
    assert "- JUKI-D-0050 " in text


def test_markdown_escapes_everything_that_comes_from_data(results: dict[str, RunResult]) -> None:
    text = markdown.render(_hostile(results["juki-d-0002"]))
    for raw in ("<script>", "<img", "`code`", "**bold**", "_it_", "[link]", "~~del~~", "@team", "https://example",
                "`*|*`", "| forged |"):
        assert raw not in text, raw
    row = next(line for line in text.splitlines() if line.startswith("| JUKI-D-0002 |"))
    # Six columns: seven unescaped pipes, and the newline in the message did not end the row.
    assert row.count("|") == 7
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert html.unescape(cells[3]) == f"{HOSTILE_FILE} 3行目 レコード2 「宛名*番号」"
    shown = html.unescape(cells[4].replace("<br>", "\n")).replace("\N{ZERO WIDTH SPACE}", "")
    assert shown == f"{HOSTILE_MESSAGE} 値: `*|*`"


def test_markdown_escape_is_inert_and_one_line() -> None:
    assert markdown.escape("a\r\nb\rc\nd") == "a<br>b<br>c<br>d"
    assert markdown.escape("&lt;") == "&#38;lt;"
    assert markdown.escape("\\|") == "&#92;&#124;"
    assert markdown.escape("\x00x") == "\N{REPLACEMENT CHARACTER}x"
    assert markdown.escape("x" * 1000).endswith("x…")
    # No notification and no live link from data: GitHub would act on them after decoding references.
    assert markdown.escape("@org/team https://x.example www.x.example") == (
        "@\N{ZERO WIDTH SPACE}org/team https://\N{ZERO WIDTH SPACE}x.example www.\N{ZERO WIDTH SPACE}x.example")


def _many_findings(result: RunResult, requirements: int, message: str) -> RunResult:
    template = result.requirement("JUKI-D-0002")
    finding = dataclasses.replace(template.findings[0], message=message)
    many = tuple(dataclasses.replace(template, id=f"JUKI-X-{n:04d}", findings=(finding,) * 100, findings_total=5000)
                 for n in range(requirements))
    return dataclasses.replace(result, requirements=result.requirements + many)


def test_markdown_stays_under_the_comment_limit_and_says_what_it_left_out(results: dict[str, RunResult]) -> None:
    big = _many_findings(results["juki-d-0002"], 3000, "「宛名番号」が番号の形式を満たしません。" * 20)
    text = markdown.render(big)
    assert markdown.utf16_length(text) <= markdown.COMMENT_LIMIT
    assert "### ❌ 不適合の要件（3001件）" in text
    left_out = re.search(r"…ほか(\d+)件の要件は省略しました", text)
    assert left_out is not None
    listed = len(re.findall(r"^\| JUKI-[DX]-\d{4} \|", text, re.MULTILINE))
    assert listed + int(left_out.group(1)) == 3001
    assert "（ほか4999件）" in text


def test_markdown_counts_characters_outside_the_bmp_twice(results: dict[str, RunResult]) -> None:
    # 𠮷 is one Python character but two UTF-16 code units, which is how GitHub counts.
    big = _many_findings(results["juki-d-0002"], 1000, "𠮷" * 290)
    text = markdown.render(big)
    assert markdown.utf16_length(text) <= markdown.COMMENT_LIMIT
    assert markdown.utf16_length("𠮷") == 2


# --- Badge ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "text", "color"), [
    ("valid", "pass 144/144 · juki 0.1.0", "#4c1"),
    ("juki-d-0002", "fail 143/144 · juki 0.1.0", "#e05d44"),
    ("juki-f-0005", "fail 24/144 · juki 0.1.0", "#e05d44"),  # 世帯 and 異動履歴 are there
    ("juki-c-0001", "fail 143/144 · juki 0.1.0", "#e05d44"),
])
def test_badge_is_svg_with_verdict_ratio_and_color(results: dict[str, RunResult], case: str, text: str, color: str) -> None:
    _check_badge(badge.render(results[case]), text, color)


def test_badge_for_an_incomplete_run_is_orange(results: dict[str, RunResult]) -> None:
    _check_badge(badge.render(_incomplete(results["valid"])), "incomplete 143/144 · juki 0.1.0", "#fe7d37")


def _check_badge(svg: str, text: str, color: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith(f"conformance: {text}")
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert texts.count("conformance") == 2 and texts.count(text) == 2
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert color in fills
    # Self-contained: no links, images or fonts; url() only to the badge's own gradient and clip path.
    assert "href" not in svg and "<image" not in svg and "@import" not in svg
    assert re.findall(r"https?://[^\"]*", svg) == ["http://www.w3.org/2000/svg"]
    assert all(reference.startswith("#") for reference in re.findall(r"url\(([^)]*)\)", svg))
    # The two halves add up to the whole.
    group = root.find(f"{SVG}g")
    assert group is not None
    halves = [int(rect.get("width", "0")) for rect in group.findall(f"{SVG}rect")[:2]]
    assert sum(halves) == int(root.get("width", "0"))


def test_badge_width_follows_the_text_and_counts_cjk_wider() -> None:
    assert badge.text_width("住民基本台帳") > badge.text_width("juki00") > badge.text_width("iiiiii")
    assert badge.text_width("住") == pytest.approx(11.0)


def test_badge_escapes_data_and_grows_with_it(results: dict[str, RunResult]) -> None:
    plain = badge.render(results["valid"])
    spec = SpecRef('ju<&>"ki', "0.1.0\x01", "住民基本台帳")
    hostile = badge.render(dataclasses.replace(results["valid"], specs=(spec, SpecRef("住民税", "2.0.0", "税"))))
    root = ET.fromstring(hostile)
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert 'pass 144/144 · ju<&>"ki 0.1.0\N{REPLACEMENT CHARACTER}, 住民税 2.0.0' in texts
    assert int(root.get("width", "0")) > int(ET.fromstring(plain).get("width", "0"))


# --- SARIF ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator() -> object:
    """A validator for the official SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json)."""
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("case", CASES)
def test_sarif_is_valid_against_the_official_schema(results: dict[str, RunResult], sarif_validator: object, case: str) -> None:
    log = json.loads(sarif.render(results[case]))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator.iter_errors(log)]  # type: ignore[attr-defined]
    assert errors == []
    # What the installed jsonschema cannot check (no uri / date-time format checkers): by hand.
    run_ = log["runs"][0]
    for uri in [a["location"]["uri"] for a in run_["artifacts"]] + [
            loc["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"] for loc in r.get("locations", [])]:
        assert uri.isascii() and " " not in uri and "#" not in uri and not uri.startswith("/")
    for key in ("startTimeUtc", "endTimeUtc"):
        stamp = run_["invocations"][0][key]
        assert stamp.endswith("Z")
        datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_sarif_catches_what_the_schema_forbids(results: dict[str, RunResult], sarif_validator: object) -> None:
    log = json.loads(sarif.render(results["juki-d-0002"]))
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(sarif_validator.iter_errors(log))) == 2  # type: ignore[attr-defined]


def test_sarif_structure_and_a_known_finding(results: dict[str, RunResult]) -> None:
    log = json.loads(sarif.render(results["juki-d-0002"]))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "jichitai-conformance" and driver["version"] == "0.1.0"
    assert "informationUri" not in driver
    assert [rule["id"] for rule in driver["rules"]] == ["JUKI-D-0002"]
    rule = driver["rules"][0]
    assert rule["shortDescription"]["text"] == "宛名番号が半角数字2〜15桁であり、検査数字付きと宣言した場合はモジュラス11の検査数字を持つこと"
    assert rule["fullDescription"]["text"].startswith("宛名番号は半角数字")
    assert rule["help"]["text"].startswith("対処方法: 宛名番号は半角数字")
    assert rule["properties"] == {"level": "必須", "basis": rule["properties"]["basis"], "operation": "juki",
                                  "verdict": "fail", "findingsTotal": 2, "recordsChecked": 96}
    # the case breaks the number in 住民 and 異動履歴 alike: the first result is 住民's
    assert len(run_["results"]) == 2
    result = run_["results"][0]
    assert result["ruleId"] == "JUKI-D-0002" and result["ruleIndex"] == 0 and result["level"] == "error"
    assert re.fullmatch("「宛名番号」が番号の形式（桁数・検査数字）を満たしません。 値: 0…#[0-9a-f]{4,}", result["message"]["text"])
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == quote("住民.csv") == "%E4%BD%8F%E6%B0%91.csv"
    assert unquote(physical["artifactLocation"]["uri"]) == "住民.csv"
    assert physical["region"] == {"startLine": 12}
    assert result["properties"] == {"code": "check-digit", "record": 11, "item": "宛名番号"}
    assert run_["invocations"][0]["executionSuccessful"] is True
    assert run_["properties"]["verdict"] == "fail"
    assert run_["properties"]["counts"] == {"pass": 143, "fail": 1, "waived": 0, "not-applicable": 1, "not-tested": 0, "error": 0}
    artifact = run_["artifacts"][0]
    assert artifact["hashes"]["sha-256"] == results["juki-d-0002"].files[0].sha256


def test_sarif_finding_without_a_file_has_no_location(results: dict[str, RunResult]) -> None:
    run_ = json.loads(sarif.render(results["juki-f-0005"]))["runs"][0]
    [result] = run_["results"]
    assert result["ruleId"] == "JUKI-F-0005"
    assert "locations" not in result
    assert result["message"]["text"] == "「住民」のファイル（住民.csv など）がありません。"
    assert run_["properties"]["verdict"] == "fail"


def test_sarif_passing_run_has_no_rules_or_results(results: dict[str, RunResult]) -> None:
    run_ = json.loads(sarif.render(results["valid"]))["runs"][0]
    assert run_["tool"]["driver"]["rules"] == [] and run_["results"] == []
    assert run_["properties"]["verdict"] == "pass"


def test_sarif_uris_sheets_and_missing_lines(results: dict[str, RunResult], sarif_validator: object) -> None:
    base = results["juki-d-0002"]
    findings = (
        Finding("JUKI-D-0002", "check-digit", "m1", Location("出力/住民 #1.csv", 4, 3, "宛名番号")),
        Finding("JUKI-D-0002", "check-digit", "m2", Location("book.xlsx#住民", 5, 4, "宛名番号")),
        Finding("JUKI-D-0002", "check-digit", "m3", Location("住民.csv")),
    )
    log = sarif.sarif_log(_replace_requirement(base, "JUKI-D-0002", findings=findings, findings_total=3))
    assert list(sarif_validator.iter_errors(log)) == []  # type: ignore[attr-defined]
    first, second, third = log["runs"][0]["results"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "%E5%87%BA%E5%8A%9B/%E4%BD%8F%E6%B0%91%20%231.csv"
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "book.xlsx"
    assert second["properties"]["sheet"] == "住民"
    assert "region" not in third["locations"][0]["physicalLocation"]


def test_sarif_keeps_a_rule_when_no_example_findings_were_kept(results: dict[str, RunResult]) -> None:
    capped = _replace_requirement(results["juki-d-0002"], "JUKI-D-0002", findings=(), findings_total=7)
    run_ = sarif.sarif_log(capped)["runs"][0]
    assert [rule["id"] for rule in run_["tool"]["driver"]["rules"]] == ["JUKI-D-0002"]
    assert run_["results"] == []
    assert run_["properties"]["findingsTotal"] == 7


def test_junit_and_sarif_carry_what_the_json_records_to_reproduce_the_run(results: dict[str, RunResult]) -> None:
    """Suite version and digest, spec version, the date judged by, the target and each input's SHA-256:
    in JUnit as suite properties, in SARIF as tool.driver.version, run properties and artifact hashes."""
    result = results["juki-d-0002"]
    document = result.to_dict()
    files = [(file["path"], file["sha256"]) for file in document["target"]["files"]]
    assert [path for path, _ in files] == ["住民.csv", "世帯.csv", "異動履歴.csv"]
    [suite] = ET.fromstring(junit.render(result)).iter("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["suite_version"] == document["suite"]["version"] == "0.1.0"
    assert properties["suite_digest"] == document["suite"]["digest"] and properties["suite_digest"].startswith("sha256:")
    assert properties["spec_version"] == document["specs"][0]["version"]
    assert properties["as_of"] == document["options"]["as_of"] == datetime.date.today().isoformat()
    assert properties["target"] == document["target"]["path"]
    assert [(properties[f"input.{i}.path"], properties[f"input.{i}.sha256"]) for i in range(3)] == files
    assert "input.3.path" not in properties
    run_ = sarif.sarif_log(result)["runs"][0]
    assert run_["tool"]["driver"]["version"] == document["suite"]["version"]
    assert run_["properties"]["suiteDigest"] == document["suite"]["digest"]
    assert run_["properties"]["asOf"] == document["options"]["as_of"]
    assert run_["properties"]["specs"] == document["specs"]
    assert [(unquote(a["location"]["uri"]), a["hashes"]["sha-256"]) for a in run_["artifacts"]] == files


# --- JUnit XML against the common schemas -----------------------------------------------------------------

@pytest.fixture(scope="module")
def jenkins_junit() -> xmlschema.XMLSchema:
    """Jenkins xUnit plugin's junit-10.xsd: what Jenkins, and the CI systems that copy it, accept."""
    return xmlschema.XMLSchema(str(DATA / "junit-jenkins-10.xsd"))


@pytest.fixture(scope="module")
def ant_junit() -> xmlschema.XMLSchema:
    """windyroad's JUnit.xsd: the strict schema of Apache Ant's JUnit report, the most cited one."""
    return xmlschema.XMLSchema(str(DATA / "junit-windyroad.xsd"))


@pytest.mark.parametrize("case", CASES)
def test_junit_validates_against_the_jenkins_schema(results: dict[str, RunResult], jenkins_junit: xmlschema.XMLSchema,
                                                    case: str) -> None:
    errors = [f"{error.path}: {error.reason}" for error in jenkins_junit.iter_errors(junit.render(results[case]))]
    assert errors == []


@pytest.mark.parametrize("case", CASES)
def test_junit_validates_against_the_ant_schema(results: dict[str, RunResult], ant_junit: xmlschema.XMLSchema,
                                                case: str) -> None:
    errors = [f"{error.path}: {error.reason}" for error in ant_junit.iter_errors(junit.render(results[case]))]
    assert errors == []


