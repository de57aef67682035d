"""Real exports made by others (fixtures/real/): their results on the suite are held exactly.

Each copy's expected.yaml says how it is run (spec, as-of date, declaration) and lists every failing
requirement with its exact finding count and why; the test also holds the not-applicable and not-tested
sets and the counts, so any change of verdict on real data is seen. The renamed copies are built from the
published ones by `rename.yaml` (conformance/generate/renamed.py)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
import yaml

from conformance import spec as spec_store
from conformance.cli import main
from conformance.generate import renamed
from conformance.generate.mutations import CaseError
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results import RunResult
from tests.conftest import FIXTURES

REAL = FIXTURES / "real"
COPIES = sorted(path.parent for path in REAL.glob("*/*/expected.yaml"))


def _expected(copy: Path) -> dict[str, object]:
    loaded = yaml.safe_load((copy / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _run(copy: Path, expected: dict[str, object]) -> RunResult:
    how = expected["run"]
    assert isinstance(how, dict)
    declaration = load_declaration(copy / how["declaration"]) if how["declaration"] else None
    as_of = datetime.date.fromisoformat(how["as_of"])
    return run(copy, [how["spec"]], RunOptions(declaration=declaration, as_of=as_of))


def test_the_real_exports_are_there_with_licence_and_source() -> None:
    assert [copy.relative_to(REAL).as_posix() for copy in COPIES] == ["memuro-mado/published", "memuro-mado/renamed"]
    for folder in {copy.parent for copy in COPIES}:
        assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
        assert "7bf2973de94c8cb13fa786b7f49f644a7e5b8d16d73f381f517f767cec2543d8" in (folder / "SOURCE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("copy", COPIES, ids=lambda path: path.relative_to(REAL).as_posix())
def test_real_export_result_is_held_exactly(copy: Path) -> None:
    expected = _expected(copy)
    result = _run(copy, expected)
    assert result.summary.verdict == expected["verdict"]
    assert result.exit_code == expected["exit_code"]
    assert result.summary.counts == expected["counts"]
    failing = expected["fail"]
    assert isinstance(failing, dict)
    assert {r.id: r.findings_total for r in result.requirements if r.verdict == "fail"} == {
        requirement: entry["findings"] for requirement, entry in failing.items()}
    assert all(isinstance(entry["why"], str) and entry["why"] for entry in failing.values())
    verdicts = {r.id: r.verdict for r in result.requirements}
    assert sorted(verdicts) == sorted(r.id for r in spec_store.load(expected["run"]["spec"]).requirements)  # type: ignore[index]
    assert sorted(i for i, v in verdicts.items() if v == "not-applicable") == sorted(expected["not-applicable"])  # type: ignore[arg-type]
    listed = {*failing, *expected["not-applicable"]}  # type: ignore[misc]
    if expected["not-tested"] == "others":  # every requirement not listed
        assert {i for i, v in verdicts.items() if i not in listed} == {i for i, v in verdicts.items() if v == "not-tested"}
    else:  # those listed; every other requirement passes
        assert sorted(i for i, v in verdicts.items() if v == "not-tested") == sorted(expected["not-tested"])  # type: ignore[arg-type]
        assert {v for i, v in verdicts.items() if i not in listed | set(expected["not-tested"])} <= {"pass"}  # type: ignore[arg-type]


def test_the_published_copy_is_not_inferred_and_the_message_says_why() -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["run", str(REAL / "memuro-mado" / "published")], stdout=stdout, stderr=stderr) == 2
    assert "resident_table.csv" in stderr.getvalue()
    assert "表の名前" in stderr.getvalue()


def test_the_renamed_copy_is_the_published_bytes_under_our_name() -> None:
    folder = REAL / "memuro-mado"
    assert renamed.render(folder) == {"住民.csv": (folder / "published" / "resident_table.csv").read_bytes()}
    assert renamed.check(FIXTURES) == []


def test_rename_table_renames_header_names_only(tmp_path: Path) -> None:
    folder = tmp_path / "real" / "vendor"
    (folder / "as-published").mkdir(parents=True)
    (folder / "as-published" / "export.csv").write_bytes(b"\xef\xbb\xbfID,\"Name, full\",keep\r\n1,\"a,b\",x\r\n")
    (folder / "rename.yaml").write_text(
        "source: as-published\ntarget: ours\nfiles:\n  export.csv:\n    name: 住民.csv\n"
        "    columns: {ID: 宛名番号, 'Name, full': 氏名}\n", encoding="utf-8")
    assert renamed.render(folder) == {"住民.csv": b"\xef\xbb\xbf\xe5\xae\x9b\xe5\x90\x8d\xe7\x95\xaa\xe5\x8f\xb7,\xe6\xb0\x8f\xe5\x90\x8d,keep\r\n1,\"a,b\",x\r\n"}
    assert renamed.check(tmp_path) == ["real/vendor/ours/住民.csv: not committed"]
    (folder / "ours").mkdir()
    (folder / "ours" / "expected.yaml").write_text("kept: true\n", encoding="utf-8")
    (folder / "ours" / "stale.csv").write_text("x\n", encoding="utf-8")
    assert renamed.build(tmp_path) == [folder / "ours"]
    assert sorted(path.name for path in (folder / "ours").iterdir()) == ["expected.yaml", "住民.csv"]
    assert renamed.check(tmp_path) == []
    (folder / "rename.yaml").write_text(
        "source: as-published\ntarget: ours\nfiles:\n  export.csv: {name: 住民.csv, columns: {missing: 氏名}}\n", encoding="utf-8")
    with pytest.raises(CaseError, match="no such column"):
        renamed.render(folder)
