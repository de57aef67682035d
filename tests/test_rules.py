"""Row rules over the typed view: non-calendar dates the standard allows still count as present and
ordered, and a value already failing its schema check is not judged again by a rule."""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

from conformance import spec as spec_store
from conformance.pipeline import RunOptions, run
from tests.conftest import FIXTURE_AS_OF, FIXTURES

VALID_CSV = FIXTURES / "juki" / "valid" / "住民.csv"


def _export(tmp_path: Path, change) -> Path:
    with VALID_CSV.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    with (tmp_path / "住民.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for table in ("世帯", "異動履歴"):  # the rest of the 住民基本台帳 export, unchanged
        (tmp_path / f"{table}.csv").write_bytes((VALID_CSV.parent / f"{table}.csv").read_bytes())
    return tmp_path


def _first(rows: list[dict[str, str]], **conditions: str) -> dict[str, str]:
    return next(row for row in rows if all(row[k] == v for k, v in conditions.items()))


def test_non_calendar_removal_date_is_present_for_the_rules(tmp_path: Path) -> None:
    def change(rows: list[dict[str, str]]) -> None:
        _first(rows, 住民状態="3")["消除の異動年月日"] = "2023-02-29"
        _first(rows, 住民種別="2")["外国人住民となった年月日"] = "2018-04-31"

    result = run(_export(tmp_path, change))
    assert result.failed_ids() == []


def test_non_calendar_dates_are_ordered_as_the_last_day_of_their_month(tmp_path: Path) -> None:
    def change(rows: list[dict[str, str]]) -> None:
        # A 同居人 (no 続柄 to the 世帯主's age, no 資格 by age) whose latest 異動 is later anyway.
        person = _first(rows, 住民状態="1", 生年月日_不詳フラグ="0", 続柄コード1="99")
        person["生年月日"] = "2001-02-29"
        person["住民となった年月日"] = "2001-02-27"
        person["住所を定めた年月日"] = "2001-03-01"

    result = run(_export(tmp_path, change))
    assert result.failed_ids() == ["JUKI-R-0001"]


def test_a_malformed_date_is_reported_once_not_again_by_a_rule(tmp_path: Path) -> None:
    def change(rows: list[dict[str, str]]) -> None:
        _first(rows, 住民状態="2")["消除の異動年月日"] = "2014-13-28"

    result = run(_export(tmp_path, change))
    assert result.failed_ids() == ["JUKI-D-0046"]


def test_rule_findings_show_masked_values_of_their_items(tmp_path: Path) -> None:
    def change(rows: list[dict[str, str]]) -> None:
        person = _first(rows, 住民状態="1", 生年月日_不詳フラグ="0")
        person["住民となった年月日"] = "1900-01-01"

    result = run(_export(tmp_path, change))
    [finding] = result.requirement("JUKI-R-0001").findings
    assert finding.value is not None and finding.value.startswith("住民となった年月日=1900-01-01; 生年月日=")
    assert re.search("=.…#[0-9a-f]{4,}$", finding.value)
    assert finding.location.line == finding.location.record + 1


def test_rules_judge_today_by_the_as_of_date() -> None:
    import dataclasses
    import datetime

    from conformance import spec as spec_store
    from conformance.pipeline import RunOptions
    from conformance.spec.model import Check, Requirement, Source

    spec = spec_store.load("juki")
    future = Requirement(
        "JUKI-R-0999", "juki", "異動年月日が基準日より後でないこと", "必須", Source("test", "test", "assumption"), "fix",
        Check("row", "住民", items=("異動年月日",), sql="異動年月日 > as_of_date()"),
    )
    spec = dataclasses.replace(spec, requirements=(*spec.requirements, future))
    early = run(FIXTURES / "juki" / "valid", [spec], RunOptions(as_of=datetime.date(2000, 1, 1)))
    # JUKI-R-0024 judges by the as-of date too: on 2000-01-01 the registered voters born after 1982 were minors.
    assert early.failed_ids() == ["JUKI-R-0024", "JUKI-R-0999"]
    assert early.options["as_of"] == "2000-01-01"
    late = run(FIXTURES / "juki" / "valid", [spec], RunOptions(as_of=datetime.date(2100, 1, 1)))
    assert late.failed_ids() == []


def test_birth_era_is_judged_at_its_boundaries(tmp_path: Path) -> None:
    # 平成 begins 1989-01-08; 大正元年7月30日 is also 明治45年7月30日, so either era passes on that day.
    def change(rows: list[dict[str, str]]) -> None:
        rows[6].update(生年月日="1989-01-07", 生年月日_元号="4")  # the last day of 昭和 written as 平成
        rows[8].update(生年月日_元号="1")  # 1974 as 明治
        for row, era in ((rows[2], "1"), (rows[4], "2")):
            row.update(生年月日="1912-07-30", 生年月日_元号=era)

    result = run(_export(tmp_path, change))
    assert [(f.requirement, f.location.record) for f in result.requirement("JUKI-R-0025").findings] == [("JUKI-R-0025", 7), ("JUKI-R-0025", 9)]


def test_period_bounds_are_read_as_absent_by_the_rules(tmp_path: Path) -> None:
    # 9999-12-31 is an open end and 0000-01-01 an unknown start (date-period-end / -start): valid values
    # that rules read like an empty one, so an open 資格 past the 75th birthday still fails KOKUHO-S-0007.
    import shutil

    shutil.copytree(FIXTURES / "kokuho" / "valid", tmp_path, dirs_exist_ok=True)
    insured = tmp_path / "国保被保険者.csv"
    lines = insured.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[15].startswith("999997,300005,0000010375,") and lines[15].endswith(",2019-03-15,04\n")
    lines[15] = lines[15].replace(",2004-03-15,02,2019-03-15,04", ",0000-01-01,02,9999-12-31,")
    insured.write_text("".join(lines), encoding="utf-8")
    from conformance.pipeline import RunOptions
    from tests.conftest import FIXTURE_AS_OF

    result = run(tmp_path, ["kokuho"], RunOptions(as_of=FIXTURE_AS_OF))
    assert result.failed_ids() == ["KOKUHO-S-0007"]
    [finding] = result.requirement("KOKUHO-S-0007").findings
    assert finding.location.record == 15


def test_a_broken_rule_among_those_run_together_errs_alone() -> None:
    # A small run evaluates a table's dataset rules in one statement (rules.run_rules); when it fails,
    # each rule runs alone: the broken rule is `error`, every other one keeps its verdict.
    spec = spec_store.load("juki")
    dataset = [r for r in spec.requirements if r.check.kind == "dataset" and r.check.table == "住民"]
    assert len(dataset) > 2
    broken = dataset[1]
    bad_check = dataclasses.replace(broken.check, sql="SELECT no_such_item AS _record FROM juki.住民")
    changed = dataclasses.replace(spec, requirements=tuple(
        dataclasses.replace(r, check=bad_check) if r.id == broken.id else r for r in spec.requirements))
    result = run(FIXTURES / "juki" / "valid", [changed], RunOptions(as_of=FIXTURE_AS_OF))
    verdicts = {r.id: r for r in result.requirements}
    assert verdicts[broken.id].verdict == "error"
    assert (verdicts[broken.id].reason or "").startswith("規則を実行できません: ")
    others = [r.id for r in dataset if r.id != broken.id]
    assert {verdicts[i].verdict for i in others} == {"pass"}
    assert [r.id for r in result.requirements if r.verdict == "error"] == [broken.id]


def test_a_dataset_rule_returning_record_numbers_of_another_type_finds_the_same_records() -> None:
    # A small run takes the lines of the records its rules return by their numbers: a rule returning them
    # as decimals or text is matched with the typed form as SQL compares them, as before.
    spec = spec_store.load("juki")
    rule = next(r for r in spec.requirements if r.check.kind == "dataset" and r.check.table == "住民")
    case = next(path.parent for path in sorted((FIXTURES / "juki" / "invalid").glob("*/expected.yaml"))
                if rule.id in path.read_text(encoding="utf-8"))
    expected = run(case, [spec], RunOptions(as_of=FIXTURE_AS_OF)).requirement(rule.id)
    assert expected.verdict == "fail"
    for kind in ("DOUBLE", "DECIMAL(18,3)", "VARCHAR"):
        check = dataclasses.replace(rule.check, sql=f"SELECT CAST(_record AS {kind}) AS _record FROM ({rule.check.sql})")
        # Beside an unchanged copy of the rule: both return their numbers in one statement (as one type).
        copy = dataclasses.replace(rule, id=rule.id + "-COPY")
        changed = dataclasses.replace(spec, requirements=(*(
            dataclasses.replace(r, check=check) if r.id == rule.id else r for r in spec.requirements), copy))
        result = run(case, [changed], RunOptions(as_of=FIXTURE_AS_OF))
        for found in (result.requirement(rule.id), result.requirement(copy.id)):
            assert (found.verdict, found.findings_total, [(f.code, f.location, f.value) for f in found.findings]) == (
                expected.verdict, expected.findings_total, [(f.code, f.location, f.value) for f in expected.findings])
