"""No output of any format holds a 個人番号, or an unmasked 氏名, from the fixtures."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conformance.pipeline import RunOptions, load_declaration, run
from conformance.report import REPORT_FORMATS
from tests.conftest import FIXTURES, fixture_run, report_text, same_run

CASES = [FIXTURES / "juki" / "valid", *sorted(p.parent for p in (FIXTURES / "juki" / "invalid").glob("*/expected.yaml"))]


def _values() -> tuple[set[str], set[str]]:
    """The 個人番号 and the names of every juki fixture's 住民 files (one pass over them)."""
    numbers: set[str] = set()
    names: set[str] = set()
    for path in (FIXTURES / "juki").rglob("住民*.csv"):
        try:
            with path.open(encoding="utf-8", newline="") as stream:
                for row in csv.DictReader(stream):
                    numbers |= {row[name] for name in ("個人番号",) if row.get(name)}
                    names |= {row[name] for name in ("氏名", "世帯主氏名", "氏名_フリガナ", "氏名_外国人ローマ字") if row.get(name)}
        except (UnicodeDecodeError, csv.Error):
            continue
    return numbers, names


MY_NUMBERS, NAMES = _values()


def test_the_fixtures_hold_what_we_grep_for() -> None:
    assert len(MY_NUMBERS) >= 20
    assert len(NAMES) >= 40


def _outputs(case: Path, show_values: bool) -> str:
    declaration_file = case / "declaration.yaml"
    declaration = declaration_file if declaration_file.exists() else None
    if show_values:
        result = run(case, ["juki"], RunOptions(declaration=load_declaration(declaration) if declaration else None,
                                                show_values=True))
    else:  # the run test_fixtures judges too (the fixtures are exports as of FIXTURE_AS_OF)
        result = fixture_run(case, "juki", declaration)
    return "\n".join(report_text(report_format.render(result)) for report_format in REPORT_FORMATS.values())


@pytest.mark.parametrize("case", [pytest.param(c, marks=same_run(c), id=c.name) for c in CASES])
def test_no_my_number_and_no_unmasked_name_in_any_format(case: Path) -> None:
    text = _outputs(case, show_values=False)
    assert not [n for n in MY_NUMBERS if n in text]
    assert not [n for n in NAMES if len(n) > 1 and n in text]


@pytest.mark.parametrize("name", ["juki-d-0007", "juki-c-0001", "juki-d-0008"])
def test_show_values_never_shows_a_my_number(name: str) -> None:
    text = _outputs(FIXTURES / "juki" / "invalid" / name, show_values=True)
    assert not [n for n in MY_NUMBERS if n in text]


def test_show_values_unmasks_other_items_and_is_recorded() -> None:
    case = FIXTURES / "juki" / "invalid" / "juki-d-0008"
    result = run(case, ["juki"], RunOptions(show_values=True))
    [finding] = result.requirement("JUKI-D-0008").findings
    assert finding.value and not re.search("…#[0-9a-f]{4,}", finding.value)  # not the mask (first character, …, tag)
    assert result.to_dict()["options"]["show_values"] is True


def test_a_file_without_header_line_does_not_quote_its_first_record(tmp_path: Path) -> None:
    lines = (FIXTURES / "juki" / "valid" / "住民.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "住民.csv").write_text("".join(lines[1:]), encoding="utf-8")
    for table in ("世帯", "異動履歴"):
        (tmp_path / f"{table}.csv").write_bytes((FIXTURES / "juki" / "valid" / f"{table}.csv").read_bytes())
    result = run(tmp_path, ["juki"])
    text = "\n".join(report_text(report_format.render(result)) for report_format in REPORT_FORMATS.values())
    first_record = next(csv.reader([lines[1]]))
    assert result.flatten("requirement", "code")[-1] == ("JUKI-F-0004", "header-not-standard")
    assert not [value for value in first_record if len(value) > 1 and value in text and value in NAMES | MY_NUMBERS]


def test_an_export_given_as_declaration_is_not_echoed(tmp_path: Path) -> None:
    from tests.conftest import cli

    export = FIXTURES / "juki" / "valid" / "住民.csv"
    result = cli("run", "--declaration", export, FIXTURES / "juki" / "valid")
    assert result.code == 2
    assert "宣言ファイル" in result.err
    assert not [n for n in NAMES | MY_NUMBERS if len(n) > 1 and n in result.err + result.out]


# --- Hostile inputs, internal errors, secrets ----------------------------------------------------------

HOSTILE_CASES = sorted(p.parent for p in (FIXTURES / "hostile").glob("*/expected.yaml") if any(p.parent.glob("住民.*")))


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=[c.name for c in HOSTILE_CASES])
def test_hostile_inputs_leak_nothing_in_any_format(case: Path, tmp_path: Path) -> None:
    """Broken files take other paths through the readers (error messages, rejected records): none of them
    may quote a 個人番号, even with --show-values, nor an unmasked name without it."""
    from tests.conftest import cli

    [target] = case.glob("住民.*")
    # Masked: one CLI run writes every file format and prints the console report (what the streams carry).
    arguments = [item for name in REPORT_FORMATS for item in ("--format", name)]
    streams = cli("run", "--spec", "juki", *arguments, "--output", tmp_path, target)
    written = sorted(tmp_path.iterdir())
    assert len(written) == len(REPORT_FORMATS) - 1, streams.err  # every file format (console goes to stdout)
    text = "\n".join(report_text(path.read_bytes()) for path in written)
    assert not [n for n in MY_NUMBERS if n in text]
    assert not [n for n in NAMES if len(n) > 1 and n in text]
    assert "適合確認" in streams.out  # the console report
    assert not [n for n in MY_NUMBERS | NAMES if len(n) > 1 and n in streams.out + streams.err]
    result = run(target, ["juki"], RunOptions(show_values=True))
    text = "\n".join(report_text(report_format.render(result)) for report_format in REPORT_FORMATS.values())
    assert not [n for n in MY_NUMBERS if n in text]


def test_an_internal_error_never_quotes_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's messages quote the line they choked on; a reason carries only the first words."""
    import duckdb

    from conformance.checks.database import Database

    my_number = sorted(MY_NUMBERS)[0]

    def broken_load(self: Database, table: object, parsed: object, direct: object = None, cells: object = None,
                    expressions: object = None, ahead: object = None) -> None:
        raise duckdb.InvalidInputException(f"CSV Error on Line: 2\nOriginal Line: 999997,{my_number},山﨑　正雄")

    monkeypatch.setattr(Database, "load", broken_load)
    result = run(FIXTURES / "juki" / "valid", ["juki"])
    assert result.requirement("JUKI-D-0008").verdict == "error"
    assert result.requirement("JUKI-D-0008").reason == "住民.csv をデータベースに読み込めません: InvalidInputException: CSV Error on Line: 2"
    text = "\n".join(report_text(report_format.render(result)) for report_format in REPORT_FORMATS.values())
    assert my_number not in text and "山﨑" not in text


def test_a_secret_in_the_environment_reaches_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite reads no credentials in file mode; nothing it writes echoes the environment either."""
    from tests.conftest import cli

    secret = "tok_9f2c1e7b5a3d4c6e8f0a"
    for name in ("CONFORMANCE_TOKEN", "GITHUB_TOKEN", "CI_JOB_TOKEN", "PASSWORD"):
        monkeypatch.setenv(name, secret)
    arguments = [item for name in REPORT_FORMATS for item in ("--format", name)]
    streams = cli("run", *arguments, "--output", tmp_path, FIXTURES / "juki" / "invalid" / "juki-d-0008")
    assert streams.code == 1
    written = "\n".join(report_text(path.read_bytes() if path.suffix == ".xlsx" else path.read_text(encoding="utf-8"))
                        for path in sorted(tmp_path.iterdir()))
    assert len(list(tmp_path.iterdir())) == len(REPORT_FORMATS) - 1  # every file format (console goes to stdout)
    assert secret not in written + streams.out + streams.err


def test_a_value_inside_a_text_is_masked_and_tagged_as_everywhere_else() -> None:
    """Rules, compare and the API's keys and request paths name a value inside a text with one function:
    the same mask and tag as a finding's value, （空） for no value, （非表示） for a 個人番号 (never `***`)."""
    import dataclasses

    from conformance import spec as spec_store
    from conformance.api.cases import ApiEvaluation
    from conformance.api.client import ApiClient
    from conformance.api.contract import Endpoint, load_contract
    from conformance.api.options import ClientOptions
    from conformance.results import shown_part, shown_value

    my_number = sorted(MY_NUMBERS)[0]
    masked = shown_value("山田", "mask", False)
    assert masked is not None and re.fullmatch("山…#[0-9a-f]{4,}", masked)
    assert shown_part("山田", "mask", False) == masked and shown_part("山田", "mask", True) == "山田"
    assert shown_part(None, "mask", False) == shown_part("", None, False) == "（空）"
    assert shown_part(my_number, "never", True) == "（非表示）"
    juki = spec_store.load("juki")
    residents = juki.table("住民")
    assert residents is not None
    client = ApiClient("http://127.0.0.1:9", None, ClientOptions())
    try:
        evaluation = ApiEvaluation(juki, load_contract(juki), client, [], False, False)
        key = ("山田", my_number, "")
        endpoint = Endpoint("住民", "single", "/juki/jumin/{key1}/{key2}/{key3}", ("氏名", "個人番号", "宛名番号"))
        assert evaluation._where(endpoint, key=key).url == f"http://127.0.0.1:9/juki/jumin/{masked}/（非表示）/（空）"
        table = dataclasses.replace(residents, primary_key=("氏名", "個人番号", "宛名番号"))
        assert evaluation._shown_key(table, key) == f"氏名={masked}; 個人番号=（非表示）; 宛名番号=（空）"
    finally:
        client.close()
