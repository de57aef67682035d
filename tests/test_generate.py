"""`conformance generate`: the synthetic municipality conforms, and its defects are found exactly."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import time
from pathlib import Path

import pytest

from conformance import spec as spec_store
from conformance.cli import main
from conformance.generate import columns, generate, juki, profile
from conformance.pipeline import RunOptions, load_declaration, run
from conformance.progress import RunProgress
from tests.conftest import FIXTURES, cli

AS_OF = datetime.date(2026, 4, 1)


# The generator leaves these optional juki items empty in every record (of a small municipality): their checks judge no record,
# which is not-tested, never pass (issue 17 §3).
NEVER_FILLED = {"JUKI-D-0021", "JUKI-D-0023", "JUKI-D-0024", "JUKI-D-0025", "JUKI-D-0051", "JUKI-D-0052",
    "JUKI-D-0053", "JUKI-D-0054", "JUKI-D-0055", "JUKI-D-0056", "JUKI-D-0062", "JUKI-D-0073",
    "JUKI-D-0088", "JUKI-D-0089"}


def judged(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Verdict by requirement, less the juki items the generator may leave empty everywhere (checked to be
    not-tested for judging no record, or to pass)."""
    assert all(r.verdict == "pass" or (r.verdict == "not-tested" and r.records_checked == 0)
               for r in result.requirements if r.id in NEVER_FILLED)
    return {r.id: r.verdict for r in result.requirements if r.id not in NEVER_FILLED}


def _run(folder: Path):  # type: ignore[no-untyped-def]
    declaration = load_declaration(folder / "declaration.yaml")
    return run(folder / "data", ["juki"], RunOptions(declaration=declaration, as_of=AS_OF))


def test_generated_municipality_passes_every_requirement(tmp_path: Path) -> None:
    summary = generate(["juki"], 300, 7, tmp_path)
    assert summary["expected"] == {} and summary["total"] == 0
    result = _run(tmp_path)
    # The generator leaves these optional items empty in every record: their checks judge no record,
    # which is not-tested, never pass (issue 17 §3). Everything else passes.
    assert {r.id for r in result.requirements if r.verdict != "pass"} == NEVER_FILLED
    assert all(r.verdict == "not-tested" and r.records_checked == 0 for r in result.requirements if r.id in NEVER_FILLED)
    assert len(result.requirements) == len(spec_store.load("juki").requirements)
    records = {Path(file.path).stem: file.records for file in result.files}
    assert records["住民"] == 300
    # Every table is written, and the summary counts what the run read.
    assert records == {Path(path).stem: n for path, n in summary["files"].items()}
    assert set(records) == {"住民", "世帯", "異動履歴"} and records["異動履歴"] > 300 and records["世帯"] < 300


def test_defects_are_found_exactly_as_expected(tmp_path: Path) -> None:
    code = cli("generate", "--operations", "juki", "--residents", "300", "--seed", "7",
               "--defect-rate", "0.05", "--output", tmp_path).code
    assert code == 0
    expected = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    # 15 defects, one of each of the profile's kinds at least, in all three tables; a duplicate is found
    # on both records, a wrong 宛名番号 also in the person's 異動履歴.
    kinds = {defect["requirement"] for defect in profile("juki")["defects"]}
    assert set(expected["expected"]) == kinds
    assert expected["total"] >= 15
    result = _run(tmp_path)
    found = {r.id: r.findings_total for r in result.requirements if r.findings_total}
    assert found == expected["expected"]
    assert {r.id for r in result.requirements if r.verdict == "fail"} == kinds
    assert set(judged(result).values()) == {"pass", "fail"}


def test_blocks_conform_and_count_exactly_like_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A large municipality is generated block by block (memory of one block): with blocks of ~100
    # residents, 450 residents take five blocks, numbered on across them, each with its own defects.
    monkeypatch.setattr(juki, "BLOCK", 100)
    clean = generate(["juki"], 450, 5, tmp_path / "clean")
    result = _run(tmp_path / "clean")
    assert set(judged(result).values()) == {"pass"}
    assert clean["files"]["data/juki/住民.csv"] == 450
    defects = generate(["juki"], 450, 5, tmp_path / "defects", 0.04)
    result = _run(tmp_path / "defects")
    assert {r.id: r.findings_total for r in result.requirements if r.findings_total} == defects["expected"]
    # round(records × rate) per block and table: more than one block's worth of 住民 defects.
    assert defects["total"] > round(100 * 0.04) * 3


@pytest.mark.parametrize("cap", [1, 2])
def test_totals_stay_exact_when_the_examples_are_capped(tmp_path: Path, cap: int) -> None:
    # Several defects of each kind, more than the cap: every kind of check (schema, batched row rules,
    # dataset rules) must count them all while keeping at most `cap` examples.
    summary = generate(["juki"], 600, 3, tmp_path, 0.06)
    assert min(summary["expected"].values()) > cap
    declaration = load_declaration(tmp_path / "declaration.yaml")
    result = run(tmp_path / "data", ["juki"], RunOptions(declaration=declaration, as_of=AS_OF, max_findings=cap))
    assert {r.id: r.findings_total for r in result.requirements if r.findings_total} == summary["expected"]
    assert {len(r.findings) for r in result.requirements if r.findings_total} == {cap}


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted((folder / "data" / "juki").iterdir())}


def test_same_seed_same_files_and_header_from_schema(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate(["juki"], 40, 11, tmp_path / name, 0.1)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert set(_digests(tmp_path / "a")) == {"住民.csv", "世帯.csv", "異動履歴.csv"}
    generate(["juki"], 40, 12, tmp_path / "c")
    assert all(a != c for a, c in zip(_digests(tmp_path / "a").values(), _digests(tmp_path / "c").values(), strict=True))
    for name in ("住民", "世帯", "異動履歴"):
        with (tmp_path / "a" / "data" / "juki" / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
            header = next(csv.reader(stream))
        table = spec_store.load("juki").table(name)
        assert table is not None and header == columns(table)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--operations", "nosuch", "--residents", "10"], "生成できない業務"),
        (["--operations", "juki", "--residents", "0"], "--residents"),
        (["--operations", "juki", "--residents", "10", "--defect-rate", "2"], "--defect-rate"),
    ],
)
def test_bad_requests_are_usage_errors(tmp_path: Path, arguments: list[str], message: str) -> None:
    result = cli("generate", *arguments, "--output", tmp_path)
    assert result.code == 2
    assert message in result.err
    assert not (tmp_path / "expected.json").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_and_quiet_draws_nothing() -> None:
    stream = _Terminal()
    progress = RunProgress(stream, delay=0.0)
    deadline = time.monotonic() + 5
    while not progress._started and time.monotonic() < deadline:
        time.sleep(0.01)
    progress("juki 住民 スキーマ検査", 1, 3)
    progress.close()
    assert "スキーマ検査" in stream.getvalue() or "検査中" in stream.getvalue()
    # --quiet (CI) draws nothing, terminal or not.
    out, err = io.StringIO(), _Terminal()
    code = main(["run", str(FIXTURES / "juki" / "valid"), "--as-of", "2026-11-24", "--quiet"], stdout=out, stderr=err)
    assert code == 0 and err.getvalue() == "" and out.getvalue() == ""
