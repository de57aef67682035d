"""The fixture builder (conformance/generate/cases.py): its vocabulary on a small file, the refusals, the
findings it derives, and `conformance fixtures build [--check]`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conformance import spec as spec_store
from conformance.generate import findings, mutations, transforms
from tests.conftest import FIXTURES, cli

SMALL = b"a,b,c\n1,x,2024-01-02\n2,y,2024-03-04\n"


def built(*changes: dict[str, object]) -> bytes:
    return mutations.mutate({"t.csv": SMALL}, [{"file": "t.csv", **change} for change in changes]).render()["t.csv"]


@pytest.mark.parametrize(("change", "expected"), [
    ({"record": 2, "set": {"b": "z"}}, "a,b,c\n1,x,2024-01-02\n2,z,2024-03-04\n"),
    ({"where": {"b": "x"}, "item": "c", "transform": "slash-date"}, "a,b,c\n1,x,2024/01/02\n2,y,2024-03-04\n"),
    ({"record": 1, "item": "a", "transform": "full-width"}, "a,b,c\n１,x,2024-01-02\n2,y,2024-03-04\n"),
    ({"record": 1, "item": "b", "transform": "pad", "with": {"length": 3, "filler": "_"}}, "a,b,c\n1,x__,2024-01-02\n2,y,2024-03-04\n"),
    ({"record": 2, "item": "c", "transform": "day-before", "of": "c"}, "a,b,c\n1,x,2024-01-02\n2,y,2024-03-03\n"),
    ({"drop-column": "b"}, "a,c\n1,2024-01-02\n2,2024-03-04\n"),
    ({"add-column": "d", "values": "K{n:02d}", "at": 1}, "a,d,b,c\n1,K01,x,2024-01-02\n2,K02,y,2024-03-04\n"),
    ({"rename-column": {"b": "B"}}, "a,B,c\n1,x,2024-01-02\n2,y,2024-03-04\n"),
    ({"insert-record": {"copy": 2, "set": {"a": "3"}}, "after": 0}, "a,b,c\n3,y,2024-03-04\n1,x,2024-01-02\n2,y,2024-03-04\n"),
    ({"insert-record": {"values": ["9", "q, r", ""]}}, 'a,b,c\n1,x,2024-01-02\n2,y,2024-03-04\n9,"q, r",\n'),
    ({"record": 1, "delete-record": True}, "a,b,c\n2,y,2024-03-04\n"),
    ({"record": 1, "extra-field": True}, "a,b,c\n1,x,2024-01-02,\n2,y,2024-03-04\n"),
    ({"blank-line": 1}, "a,b,c\n1,x,2024-01-02\n\n2,y,2024-03-04\n"),
    ({"line-ends": "crlf"}, "a,b,c\r\n1,x,2024-01-02\r\n2,y,2024-03-04\r\n"),
])
def test_each_word_changes_the_file_as_documented(change: dict[str, object], expected: str) -> None:
    assert built(change) == expected.encode()


def test_encode_and_file_words() -> None:
    data = "氏名\n山田\n".encode()
    encoded = mutations.mutate({"t.csv": data}, [{"file": "t.csv", "encode": "cp932"}])
    assert encoded.render() == {"t.csv": "氏名\n山田\n".encode("cp932")}
    assert [(t.kind, t.line) for t in encoded.touched] == [("encode", 1)]
    renamed = mutations.mutate({"t.csv": data, "u.csv": b"x\n"}, [{"file": "t.csv", "rename-file": "v.csv"}])
    assert renamed.render() == {"v.csv": data, "u.csv": b"x\n"}
    removed = mutations.mutate({"t.csv": data}, [{"file": "t.csv", "remove-file": True}])
    assert removed.render() == {}


def test_unchanged_files_are_copied_byte_for_byte() -> None:
    odd = b'a,b\r\n"1",2\r\n'  # quoting and line ends the renderer would not write
    export = mutations.mutate({"t.csv": SMALL, "odd.csv": odd}, [{"file": "t.csv", "record": 1, "set": {"b": "w"}}])
    assert export.render()["odd.csv"] == odd


def test_record_numbers_and_lines_are_taken_after_every_change() -> None:
    export = mutations.mutate({"t.csv": SMALL}, [
        {"file": "t.csv", "insert-record": {"copy": 1}, "after": 0},
        {"file": "t.csv", "record": 2, "set": {"b": "z"}},
    ])
    touched = [(t.kind, t.record, t.line, t.item) for t in export.touched]
    assert touched == [("record", 1, 2, None), ("record", 3, 4, "b")]


@pytest.mark.parametrize("change", [
    {"record": 1, "set": {"b": "x"}},  # changes nothing
    {"record": 3, "set": {"b": "z"}},  # no such record
    {"where": {"b": "nobody"}, "set": {"b": "z"}},
    {"record": 1, "set": {"nope": "z"}},
    {"record": 1, "item": "b", "transform": "increment"},  # not a number
    {"record": 1, "item": "b", "transform": "no-such-transform"},
    {"record": 1, "frobnicate": True},
])
def test_a_change_that_cannot_apply_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(mutations.CaseError):
        built(change)


def test_transforms_are_shared_with_the_defect_injection() -> None:
    assert transforms.apply("wrong-check-digit", "123") == "124"
    assert transforms.apply("wrong-check-digit", "923", {"first": True}) == "023"
    assert transforms.apply("increment", "41") == "42"
    with pytest.raises(transforms.TransformError):
        transforms.apply("increment", "x")


def test_findings_come_from_the_change_and_the_schema() -> None:
    spec = spec_store.load("inkan")
    touch = findings.Touch("record", "印鑑登録.csv", record=2, item="登録日", line=3, values={"登録日": "2015/04/20"})
    requirement = next(r for r in spec.requirements if "登録日" in _items(spec, r.id))
    derived = findings.derive(spec, requirement, [touch], {})
    # One finding per record and item: the pattern, more telling than the date format it also breaks.
    assert derived == {"codes": ["pattern-mismatch"],
                       "first": {"file": "印鑑登録.csv", "line": 3, "record": 2, "item": "登録日"}}
    shaped = findings.Touch("record", "印鑑登録.csv", record=2, item="登録日", line=3, values={"登録日": "2015-02-30"})
    assert findings.derive(spec, requirement, [shaped], {})["codes"] == ["invalid-date"]
    with pytest.raises(findings.DerivationError):
        findings.derive(spec, requirement, [], {})
    claimed = findings.derive(spec, requirement, [], {"codes": ["x"], "first": {"file": "f"}})
    assert claimed == {"codes": ["x"], "first": {"file": "f"}}


def _items(spec: spec_store.Spec, requirement_id: str) -> set[str]:
    return {item for table in spec.tables for item in table.requirement_items().get(requirement_id, set())}


def test_cli_check_build_and_refusals(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "inkan", tmp_path / "inkan")
    assert cli("fixtures", "build", "--fixtures", tmp_path, "inkan").code == 0
    ok = cli("fixtures", "build", "--check", "--fixtures", tmp_path, "inkan")
    assert (ok.code, ok.out) == (0, "the case folders match their case tables\n")
    case = tmp_path / "inkan" / "invalid" / "inkan-d-0002"
    (case / "印鑑登録.csv").write_bytes(b"tampered\n")
    (case / "stray.txt").write_text("x")
    drift = cli("fixtures", "build", "--check", "--fixtures", tmp_path)
    assert drift.code == 1
    assert drift.out.splitlines() == ["inkan/invalid/inkan-d-0002/stray.txt: not built",
                                      "inkan/invalid/inkan-d-0002/印鑑登録.csv: differs", "2 difference(s)"]
    rebuilt = cli("fixtures", "build", "--fixtures", tmp_path, "inkan")
    assert rebuilt.code == 0
    assert cli("fixtures", "build", "--check", "--fixtures", tmp_path).code == 0
    unknown = cli("fixtures", "build", "--fixtures", tmp_path, "nope")
    assert (unknown.code, unknown.err) == (2, "conformance: no cases.yaml for: nope\n")
    table = yaml.safe_load((tmp_path / "inkan" / "cases.yaml").read_text(encoding="utf-8"))
    table["INKAN-D-0002"]["change"] = [{"file": "印鑑登録.csv", "record": 1, "explode": True}]
    (tmp_path / "inkan" / "cases.yaml").write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    broken = cli("fixtures", "build", "--fixtures", tmp_path, "inkan")
    assert broken.code == 2 and broken.err.startswith("conformance: inkan INKAN-D-0002: a change needs `file`")
    assert cli("fixtures", "build", "--check", "--fixtures", tmp_path / "empty").code == 2
