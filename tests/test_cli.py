"""The command line: exit codes, output files, spec list and lint, in-process."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from conformance import spec as spec_store
from tests.conftest import FIXTURES, ROOT, SPECS, cli

VALID = FIXTURES / "juki" / "valid"
REPORT_SCHEMA = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))


def test_run_on_valid_prints_a_line_per_requirement_and_exits_0() -> None:
    result = cli("run", VALID)
    assert result.code == 0, result.err
    for requirement in spec_store.load("juki").requirements:
        assert requirement.id in result.out
    assert "適合 (pass)" in result.out


def test_json_and_junit_outputs_are_written_and_valid(tmp_path: Path) -> None:
    result = cli("run", "--format", "json", "--format", "junit", "--output", tmp_path, VALID)
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["summary"]["verdict"] == "pass"
    assert data["suite"]["version"]
    assert [s["id"] for s in data["specs"]] == ["juki"]
    assert all(len(f["sha256"]) == 64 for f in data["target"]["files"])
    suites = ET.parse(tmp_path / "conformance.xml").getroot()
    cases = suites.findall("testsuite/testcase")
    assert len(cases) == len(spec_store.load("juki").requirements)
    assert not suites.findall("testsuite/testcase/failure")


def test_failing_run_exits_1_and_junit_carries_the_failure(tmp_path: Path) -> None:
    case = FIXTURES / "juki" / "invalid" / "juki-d-0002"  # a wrong check digit: found under check_digits: all
    result = cli("run", "--format", "junit", "--format", "json", "--output", tmp_path, "--declaration", case / "declaration.yaml", case)
    assert result.code == 1
    failures = ET.parse(tmp_path / "conformance.xml").getroot().findall("testsuite/testcase/failure")
    assert len(failures) == 1
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(data)
    assert [r["id"] for r in data["requirements"] if r["verdict"] == "fail"] == ["JUKI-D-0002"]


def test_spec_version_pin_and_unknown_operation() -> None:
    assert cli("run", "--spec", "juki@" + spec_store.load("juki").version, VALID).code == 0
    wrong = cli("run", "--spec", "juki@9.9.9", VALID)
    assert wrong.code == 2 and "9.9.9" in wrong.err
    unknown = cli("run", "--spec", "nosuch", VALID)
    assert unknown.code == 2 and "nosuch" in unknown.err


def test_missing_target_is_a_usage_error() -> None:
    result = cli("run", FIXTURES / "does-not-exist")
    assert result.code == 2
    assert "does-not-exist" in result.err
    assert "Traceback" not in result.err + result.out


def test_declaration_with_an_unknown_option_is_rejected(tmp_path: Path) -> None:
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text("system: {name: X, version: '1'}\noptions: [JUKI-D-0001]\n", encoding="utf-8")
    result = cli("run", "--declaration", declaration, VALID)
    assert result.code == 2 and "JUKI-D-0001" in result.err


def test_declared_option_is_tested_and_recorded(tmp_path: Path) -> None:
    result = cli("run", "--declaration", FIXTURES / "juki" / "declaration.yaml", "--format", "json", "--output", tmp_path, VALID)
    assert result.code == 0
    data = json.loads((tmp_path / "conformance.json").read_text(encoding="utf-8"))
    assert data["declaration"]["options"] == ["JUKI-D-0050"]
    assert {r["verdict"] for r in data["requirements"]} == {"pass"}


def test_spec_list_json() -> None:
    result = cli("spec", "list", "--format", "json")
    assert result.code == 0
    rows = json.loads(result.out)
    juki = next(row for row in rows if row["id"] == "juki")
    spec = spec_store.load("juki")
    assert juki == {
        "id": "juki", "name": "住民基本台帳", "version": spec.version, "tables": ["住民", "世帯", "異動履歴"],
        "requirements": len(spec.requirements), "rules": spec.rule_count,
    }
    assert juki["rules"] == sum(r.check.kind in ("row", "dataset") for r in spec.requirements)


def test_spec_lint_passes_on_the_bundled_specs() -> None:
    result = cli("spec", "lint", SPECS)
    assert result.code == 0, result.out


def _broken_copy(tmp_path: Path, operation: str = "juki") -> Path:
    """A copy of specs/common/ and specs/<operation>/ beside the fixtures' skeleton that lint reads (valid/
    folder, expected.yaml): the tests below break one operation, so lint reads only what they need."""
    for folder in ("common", operation):
        shutil.copytree(SPECS / folder, tmp_path / "specs" / folder)
    (tmp_path / "fixtures" / operation / "valid").mkdir(parents=True)
    (tmp_path / "fixtures" / "api").mkdir()
    shutil.copyfile(FIXTURES / "api" / "broken-servers.yaml", tmp_path / "fixtures" / "api" / "broken-servers.yaml")
    for expected in FIXTURES.glob(f"{operation}/invalid/*/expected.yaml"):
        copy = tmp_path / "fixtures" / expected.relative_to(FIXTURES)
        copy.parent.mkdir(parents=True)
        shutil.copyfile(expected, copy)
    return tmp_path / "specs"


def test_spec_lint_passes_on_the_unbroken_copy(tmp_path: Path) -> None:
    """The copy the tests below break lints clean before they break it: each failure is their change's."""
    result = cli("spec", "lint", _broken_copy(tmp_path))
    assert result.code == 0, result.out


def test_spec_lint_fails_on_a_pattern_with_backslash_d(tmp_path: Path) -> None:
    specs = _broken_copy(tmp_path)
    schema_path = specs / "juki" / "schemas" / "jumin.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["異動事由"]["pattern"] = "^\\d{2}$"
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    result = cli("spec", "lint", specs)
    assert result.code == 1
    assert "jumin.schema.json" in result.out and "\\d" in result.out


def test_spec_lint_fails_on_a_requirement_without_check_and_a_rule_that_does_not_bind(tmp_path: Path) -> None:
    specs = _broken_copy(tmp_path)
    spec_path = specs / "juki" / "spec.yaml"
    text = spec_path.read_text(encoding="utf-8")
    text = text.replace("sql: 住民となった年月日 < 生年月日", "sql: 住民となった年月日 < 異動年月日")
    text = text.replace("  - id: JUKI-X-0001\n", "  - id: JUKI-D-0099\n    title: 検査のない要件\n    level: 必須\n"
                        "    source: {document: d, section: s, basis: assumption}\n    fix: f\n"
                        "    check: {kind: schema, table: 住民}\n  - id: JUKI-X-0001\n", 1)
    spec_path.write_text(text, encoding="utf-8")
    result = cli("spec", "lint", specs)
    assert result.code == 1
    assert "JUKI-D-0099: no item of 住民 names it" in result.out
    assert "JUKI-R-0001: the rule does not bind" in result.out
    assert "JUKI-D-0099: no invalid/ case fails it" in result.out


def test_spec_lint_fails_on_a_meta_schema_violation(tmp_path: Path) -> None:
    specs = _broken_copy(tmp_path)
    spec_path = specs / "juki" / "spec.yaml"
    spec_path.write_text(spec_path.read_text(encoding="utf-8").replace("level: 必須", "level: mandatory", 1), encoding="utf-8")
    result = cli("spec", "lint", specs)
    assert result.code == 1 and "mandatory" in result.out


def test_spec_lint_checks_the_references_of_dataset_rules(tmp_path: Path) -> None:
    specs = _broken_copy(tmp_path)
    spec_path = specs / "juki" / "spec.yaml"
    text = spec_path.read_text(encoding="utf-8")
    text = text.replace(
        "      items: [住民票コード]\n",
        "      items: [住民票コード]\n      references: [{operation: juki, table: 存在しない表, items: [宛名番号]}]\n", 1,
    )
    spec_path.write_text(text, encoding="utf-8")
    result = cli("spec", "lint", specs)
    assert result.code == 1
    assert "JUKI-S-0003: references unknown juki.存在しない表" in result.out


def test_spec_lint_refuses_a_rule_blaming_an_item_it_does_not_read(tmp_path: Path) -> None:
    specs = _broken_copy(tmp_path)
    spec_path = specs / "juki" / "spec.yaml"
    text = spec_path.read_text(encoding="utf-8")
    assert "      blame: [世帯主氏名]\n" in text
    spec_path.write_text(text.replace("      blame: [世帯主氏名]\n", "      blame: [世帯主氏名, 本籍]\n", 1), encoding="utf-8")
    result = cli("spec", "lint", specs)
    assert result.code == 1
    assert "JUKI-S-0004: blames items the rule does not read: 本籍" in result.out


def test_every_format_writes_its_file(tmp_path: Path) -> None:
    from conformance.report import REPORT_FORMATS

    formats = [name for name in REPORT_FORMATS if name != "console"]
    arguments = [part for name in formats for part in ("--format", name)]
    case = FIXTURES / "juki" / "invalid" / "juki-d-0002"
    result = cli("run", *arguments, "--output", tmp_path, "--declaration", case / "declaration.yaml", case)
    assert result.code == 1, result.err
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(f"conformance{REPORT_FORMATS[name].extension}" for name in formats)
    assert {".json", ".xml", ".html", ".xlsx", ".md", ".svg", ".sarif"} == {Path(name).suffix for name in written}
    for name in formats:
        again = cli("report", "--format", name, "--output", tmp_path / f"again{REPORT_FORMATS[name].extension}", tmp_path / "conformance.json")
        assert again.code == 0, again.err


def test_a_file_not_named_after_a_table_is_explained_with_and_without_spec(tmp_path: Path) -> None:
    shutil.copy(VALID / "住民.csv", tmp_path / "resident_table.csv")
    inferred = cli("run", tmp_path)
    assert inferred.code == 2
    assert "resident_table.csv" in inferred.err
    assert "ファイル名を業務の表の名前にしてください" in inferred.err
    assert "表の名前でないファイルは --spec を指定しても検査しません" in inferred.err
    given = cli("run", "--spec", "juki", tmp_path)
    assert given.code == 1  # JUKI-F-0005: no file of any table
    line = next(line for line in given.out.splitlines() if "resident_table.csv" in line)
    assert line.endswith("表の名前と一致しないため検査していません。ファイル名を表の名前にしてください（juki: 住民・世帯・異動履歴）")


def test_format_without_quiet_prints_the_console_detail_and_the_files_written(tmp_path: Path) -> None:
    result = cli("run", "--format", "json", "--format", "markdown", "--output", tmp_path, VALID)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    for requirement in spec_store.load("juki").requirements:
        assert any(requirement.id in line for line in lines)
    assert "判定 verdict: 適合 (pass)" in result.out
    assert lines[-2:] == [f"wrote {tmp_path / 'conformance.json'}", f"wrote {tmp_path / 'conformance.md'}"]
    with_console = cli("run", "--format", "console", "--format", "json", "--output", tmp_path, VALID)
    assert with_console.out.count("判定 verdict") == 1
    quiet = cli("run", "--format", "json", "--output", tmp_path, "--quiet", VALID)
    assert (quiet.code, quiet.out) == (0, "")
