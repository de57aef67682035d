"""`conformance generate` for the linked operations: 印鑑登録 and 選挙人名簿 follow the generated 住民 records.

The whole municipality is judged: the juki requirements pass (or fail exactly) alongside.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from pathlib import Path

import pytest

from conformance import spec as spec_store
from conformance.generate import columns, generate, profile
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.results import RequirementResult, RunResult
from tests.conftest import cli
from tests.test_generate import judged

AS_OF = datetime.date(2026, 4, 1)
LINKED = ("inkan", "senkyo")
FILES = {"inkan": "印鑑登録", "senkyo": "選挙人"}


def _run(folder: Path) -> RunResult:
    declaration = load_declaration(folder / "declaration.yaml")
    return run(folder / "data", ["juki", "inkan", "senkyo"], RunOptions(declaration=declaration, as_of=AS_OF))


def _linked(result: RunResult) -> list[RequirementResult]:
    return [r for r in result.requirements if r.operation in LINKED]


def test_linked_data_passes_every_requirement_of_the_three_operations(tmp_path: Path) -> None:
    summary = generate(["juki", "inkan", "senkyo"], 300, 7, tmp_path)
    assert summary["operations"] == ["juki", "inkan", "senkyo"]
    assert not [name for name in summary["expected"] if not name.startswith("JUKI-")]
    result = _run(tmp_path)
    linked = _linked(result)
    # Every requirement is tested and passes (neither operation has a 標準オプション).
    assert {r.id: r.verdict for r in linked} == {r.id: "pass" for r in linked}
    assert len(linked) == sum(len(spec_store.load(operation).requirements) for operation in LINKED)
    assert set(judged(result).values()) == {"pass"}
    assert len(result.requirements) == len(linked) + len(spec_store.load("juki").requirements)
    records = {file.path: file.records for file in result.files}
    for operation, table in FILES.items():
        path = f"{operation}/{table}.csv"
        assert records[path] == summary["files"][f"data/{path}"] > 0


def test_linked_defects_are_found_exactly_as_expected(tmp_path: Path) -> None:
    code = cli("generate", "--operations", "juki,inkan,senkyo", "--residents", "300", "--seed", "7",
               "--defect-rate", "0.05", "--output", tmp_path).code
    assert code == 0
    summary = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    expected = {name: n for name, n in summary["expected"].items() if not name.startswith("JUKI-")}
    kinds = {defect["requirement"] for operation in LINKED for defect in profile(operation)["defects"]}
    assert set(expected) == kinds
    result = _run(tmp_path)
    linked = _linked(result)
    assert {r.id: r.findings_total for r in linked if r.findings_total} == expected
    assert {r.id for r in linked if r.verdict == "fail"} == kinds
    assert {r.verdict for r in linked} == {"pass", "fail"}
    # The juki defects are found exactly too: one defect never shows up in another operation.
    assert {r.id: r.findings_total for r in result.requirements if r.findings_total} == summary["expected"]


def _digests(folder: Path) -> dict[str, str]:
    return {operation: hashlib.sha256((folder / "data" / operation / f"{table}.csv").read_bytes()).hexdigest()
            for operation, table in FILES.items()}


def test_same_seed_same_linked_files_and_header_from_schema(tmp_path: Path) -> None:
    generate(["juki", "inkan", "senkyo"], 120, 11, tmp_path / "a", 0.1)
    generate(["juki", "inkan", "senkyo"], 120, 11, tmp_path / "b", 0.1)
    generate(["juki", "inkan", "senkyo"], 120, 12, tmp_path / "c", 0.1)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert all(a != c for a, c in zip(_digests(tmp_path / "a").values(), _digests(tmp_path / "c").values(), strict=True))
    for operation, table_name in FILES.items():
        with (tmp_path / "a" / "data" / operation / f"{table_name}.csv").open(encoding="utf-8", newline="") as stream:
            header = next(csv.reader(stream))
        table = spec_store.load(operation).table(table_name)
        assert table is not None and header == columns(table)


@pytest.mark.parametrize("operation", LINKED)
def test_one_linked_operation_with_juki(tmp_path: Path, operation: str) -> None:
    result = cli("generate", "--operations", f"juki,{operation}", "--residents", "40", "--output", tmp_path)
    assert result.code == 0
    summary = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    assert summary["operations"] == ["juki", operation]
    assert set(summary["files"]) == {"data/juki/住民.csv", "data/juki/世帯.csv", "data/juki/異動履歴.csv",
                                     f"data/{operation}/{FILES[operation]}.csv"}


def test_a_linked_operation_without_juki_is_refused(tmp_path: Path) -> None:
    result = cli("generate", "--operations", "inkan,senkyo", "--residents", "10", "--output", tmp_path)
    assert result.code == 2
    assert "juki は必須" in result.err
