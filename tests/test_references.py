"""Dataset rules that read another operation's table: loaded for reference when present, not-tested
(never passed) when absent."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from conformance.pipeline import run
from conformance.spec.model import Check, Item, Reference, Requirement, Source, Spec, Table
from tests.conftest import FIXTURES

VALID_CSV = FIXTURES / "juki" / "valid" / "住民.csv"
SOURCE = Source("test", "test", "assumption")


def _requirement(requirement_id: str, check: Check) -> Requirement:
    return Requirement(requirement_id, "fake", requirement_id, "必須", SOURCE, "fix", check)


def _fake_spec() -> Spec:
    schema = {
        "$id": "https://jichitai-conformance.invalid/specs/fake/schemas/toroku.schema.json",
        "type": "object", "x-requirement": "FAKE-F-0004", "additionalProperties": False,
        "required": ["宛名番号"],
        "properties": {"宛名番号": {"title": "宛名番号", "x-requirement": "FAKE-D-0001", "type": "string", "pattern": "^[0-9]+$"}},
    }
    table = Table("登録", "fake", schema, (Item("宛名番号", "FAKE-D-0001", True, None, "VARCHAR"),), ("宛名番号",), ())
    rule = Check(
        "dataset", "登録", items=("宛名番号",),
        sql="SELECT _record FROM fake.登録 WHERE 宛名番号 NOT IN (SELECT 宛名番号 FROM juki.住民 WHERE 宛名番号 IS NOT NULL)",
        references=(Reference("juki", "住民", ("宛名番号",)),),
    )
    requirements = (
        *(_requirement(f"FAKE-F-000{i}", Check("file", aspect=a)) for i, a in ((1, "encoding"), (2, "syntax"), (3, "header"), (5, "presence"))),
        _requirement("FAKE-F-0004", Check("schema", "登録")),
        _requirement("FAKE-D-0001", Check("schema", "登録")),
        _requirement("FAKE-S-0001", rule),
    )
    return Spec("fake", "テスト業務", "0.0.1", "test", (), "allowed", (table,), requirements, Path("."))


def _atena_numbers() -> list[str]:
    with VALID_CSV.open(encoding="utf-8", newline="") as stream:
        return [row["宛名番号"] for row in csv.DictReader(stream)]


def _target(tmp_path: Path, numbers: list[str], with_juki: bool = True) -> Path:
    (tmp_path / "登録.csv").write_text("宛名番号\n" + "".join(f"{n}\n" for n in numbers), encoding="utf-8")
    if with_juki:  # the whole 住民基本台帳 export, so that juki itself passes when it is chosen too
        for table in ("住民", "世帯", "異動履歴"):
            (tmp_path / f"{table}.csv").write_bytes((VALID_CSV.parent / f"{table}.csv").read_bytes())
    return tmp_path


def test_reference_to_known_residents_passes(tmp_path: Path) -> None:
    result = run(_target(tmp_path, _atena_numbers()[:5]), [_fake_spec()])
    assert result.summary.verdict == "pass"
    reference_file = next(f for f in result.files if f.table == "住民")
    assert reference_file.operation == "juki" and reference_file.note and "参照" in reference_file.note
    assert [s.id for s in result.specs] == ["fake"]


def test_unknown_reference_fails_exactly_the_reference_rule(tmp_path: Path) -> None:
    result = run(_target(tmp_path, [*_atena_numbers()[:3], "99999999999"]), [_fake_spec()])
    assert result.failed_ids() == ["FAKE-S-0001"]
    assert result.flatten("requirement", "line", "record") == [("FAKE-S-0001", 5, 4)]


def test_absent_referenced_table_is_not_tested_never_passed(tmp_path: Path) -> None:
    result = run(_target(tmp_path, _atena_numbers()[:3], with_juki=False), [_fake_spec()])
    rule = result.requirement("FAKE-S-0001")
    assert rule.verdict == "not-tested"
    assert rule.reason is not None and "juki.住民" in rule.reason
    assert result.summary.verdict == "incomplete"


def test_referenced_operation_evaluated_too_when_chosen(tmp_path: Path) -> None:
    result = run(_target(tmp_path, _atena_numbers()[:3]), [_fake_spec(), "juki"])
    assert result.summary.verdict == "pass"
    assert {r.operation for r in result.requirements} == {"fake", "juki"}
    assert [f.note for f in result.files if f.table == "住民"] == [None]


def test_rule_reading_an_undeclared_item_errs_never_reads_nulls(tmp_path: Path) -> None:
    """The typed forms hold only the items the run's rules declare (and a reference-only table only the
    items referenced): a rule reading another item is an `error`, as `conformance spec lint` reports it,
    never judged on values that were not loaded."""
    spec = _fake_spec()
    undeclared = replace(spec.requirements[-1].check, sql="SELECT _record FROM fake.登録 WHERE 宛名番号 NOT IN "
                         "(SELECT 宛名番号 FROM juki.住民 WHERE 世帯番号 IS NOT NULL)")
    spec = replace(spec, requirements=(*spec.requirements[:-1], replace(spec.requirements[-1], check=undeclared)))
    result = run(_target(tmp_path, _atena_numbers()[:3]), [spec])
    rule = result.requirement("FAKE-S-0001")
    assert rule.verdict == "error"
    assert rule.reason is not None and "Referenced column" in rule.reason


def test_row_rule_reading_an_undeclared_item_of_its_table_errs(tmp_path: Path) -> None:
    """Likewise a table's own items: its typed form holds those its rules declare."""
    spec = _fake_spec()
    table = spec.tables[0]
    note = Item("備考", "FAKE-D-0001", False, None, "VARCHAR")
    table = replace(table, items=(*table.items, note),
                    schema={**table.schema, "properties": {**table.schema["properties"], "備考": {"type": "string", "x-requirement": "FAKE-D-0001"}}})
    row = _requirement("FAKE-S-0002", Check("row", "登録", items=("宛名番号",), sql="備考 IS NOT NULL"))
    spec = replace(spec, tables=(table,), requirements=(*spec.requirements, row))
    (tmp_path / "登録.csv").write_text("宛名番号,備考\n1,x\n", encoding="utf-8")
    result = run(tmp_path, [spec])
    assert result.requirement("FAKE-S-0002").verdict == "error"
