"""The combined municipality export passes across every encoded operation, references included."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from conformance import spec as spec_store
from conformance.checks.formats import is_m11_number
from conformance.pipeline import RunOptions, load_declaration, run
from tests.conftest import FIXTURE_AS_OF, FIXTURES

MUNICIPALITY = FIXTURES / "municipality"


def test_every_operation_with_fixtures_is_in_the_combined_export() -> None:
    with_fixtures = {op for op in spec_store.available() if (FIXTURES / op / "valid").is_dir()}
    assert {path.name for path in MUNICIPALITY.iterdir() if path.is_dir()} == with_fixtures


def test_combined_export_passes_every_requirement_of_every_operation() -> None:
    declaration = load_declaration(MUNICIPALITY / "declaration.yaml")
    result = run(MUNICIPALITY, options=RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
    assert {spec.id for spec in result.specs} == {path.name for path in MUNICIPALITY.iterdir() if path.is_dir()}
    assert [r.id for r in result.requirements if r.verdict != "pass"] == []
    assert result.summary.verdict == "pass"
    assert all(file.note is None for file in result.files)


def test_an_unknown_atena_number_in_the_combined_export_fails_exactly_the_reference_rule(tmp_path: Path) -> None:
    # A well-formed 宛名番号 (valid check digit) that no 住民 has, in one 印鑑登録 record of the municipality.
    target = tmp_path / "municipality"
    shutil.copytree(MUNICIPALITY, target)
    with (MUNICIPALITY / "juki" / "住民.csv").open(encoding="utf-8", newline="") as stream:
        known = {row["宛名番号"] for row in csv.DictReader(stream)}
    unknown = next(n for n in (f"{base:09d}{d}" for base in range(19_990, 20_000) for d in "0123456789")
                   if is_m11_number(n) and n not in known)
    path = target / "inkan" / "印鑑登録.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    rows[0][header.index("宛名番号")] = unknown
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([header, *rows])
    declaration = load_declaration(target / "declaration.yaml")
    result = run(target, options=RunOptions(declaration=declaration, as_of=FIXTURE_AS_OF))
    assert result.failed_ids() == ["INKAN-S-0003"]
    assert result.flatten("requirement", "record") == [("INKAN-S-0003", 1)]
