"""Issue 18: the official 基本データリスト imported as a spec, our specs exported in its layout and back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import cli
from official_workbooks import CODES, ITEMS, TOP, write_workbook

from conformance import spec as spec_store
from conformance.lint import lint
from conformance.pipeline import Declaration, RunOptions, run
from conformance.results import RunResult
from conformance.spec import Spec
from conformance.spec.official import LayoutError, import_workbook
from conformance.spec.official.export import export_workbook, item_summary

WORKBOOK = "共通_基本データリスト【第2.0版】.xlsx"
OPTIONS = ("KYOTSU-D-0003", "KYOTSU-D-0004", "KYOTSU-D-0005", "KYOTSU-D-0006", "KYOTSU-D-0011")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    folder = tmp_path_factory.mktemp("official")
    return import_workbook(write_workbook(folder / WORKBOOK), op_id="kyotsu", output=folder / "specs")


def test_import_writes_a_spec_that_lints(imported: Spec) -> None:
    assert lint(imported.path) == []
    assert [t.name for t in imported.tables] == ["住登外者宛名基本情報", "住登外者連絡先"]
    assert imported.tables[1].primary_key == ("宛名番号", "連絡先_開始年月日")
    assert [(r.id, r.level, r.check.kind) for r in imported.requirements if r.id.startswith(("KYOTSU-D", "KYOTSU-R"))] == [
        ("KYOTSU-D-0001", "必須", "schema"), ("KYOTSU-D-0002", "必須", "schema"), ("KYOTSU-R-0001", "必須", "pending"),
        *[(f"KYOTSU-D-{n:04d}", "標準オプション", "schema") for n in (3, 4, 5, 6)],
        *[(f"KYOTSU-D-{n:04d}", "必須", "schema") for n in (7, 8, 9, 10)], ("KYOTSU-D-0011", "標準オプション", "schema")]
    basics = imported.tables[0]
    name = basics.schema["properties"]["氏名"]
    assert (name["x-item-id"], name["x-romaji"], name["x-data-type"], name["x-width"]) == ("03100002", "shimei", "N", 100)
    assert name["x-source"] == {"document": WORKBOOK, "sheet": "項目定義書（共通）宛名", "row": 6}
    assert basics.schema["properties"]["身長"]["pattern"] == "^[0-9]{1,3}(\\.[0-9]{1,1})?$"
    assert basics.schema["properties"]["性別"]["enum"] == ["0", "1", "2"]
    assert basics.schema["properties"]["区分"]["enum"] == ["0", "1"]  # code ID written 002, referred to as 2
    assert "enum" not in imported.tables[1].schema["properties"]["団体独自区分"]  # 999: any value
    assert basics.schema["required"] == ["宛名番号", "区分", "操作時刻"]
    rule = imported.requirement("KYOTSU-R-0001")
    assert rule.source.basis == "official" and rule.check.reason == "条件付き必須の条件（氏名が判明している場合は必須）を判定する規則がまだありません"
    assert imported.requirement("KYOTSU-D-0002").source.section == "項目定義書（共通）宛名 6行 氏名（03100002）"


def _export(folder: Path, changes: dict[str, str] | None = None) -> Path:
    """The サンプル値 of every item as one CSV per group; `changes` replaces values by item name."""
    groups: dict[str, dict[str, str]] = {}
    for row in ITEMS:
        groups.setdefault(row[3], {})[row[1]] = str(row[14])
    folder.mkdir(parents=True, exist_ok=True)
    for group, values in groups.items():
        values = {name: (changes or {}).get(name, value) for name, value in values.items()}
        with (folder / f"{group}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(values)
            writer.writerow(values.values())
    return folder


def _run(imported: Spec, folder: Path) -> RunResult:
    declaration = Declaration(system={"name": "試験"}, options=OPTIONS)
    return run(folder, [imported], RunOptions(declaration=declaration))


def test_an_export_of_the_sample_values_passes(imported: Spec, tmp_path: Path) -> None:
    result = _run(imported, _export(tmp_path / "sample"))
    verdicts = {r.id: r.verdict for r in result.requirements}
    assert {rid for rid, verdict in verdicts.items() if verdict != "pass"} == {"KYOTSU-R-0001"}
    pending = next(r for r in result.requirements if r.id == "KYOTSU-R-0001")
    assert pending.verdict == "not-tested" and "氏名が判明している場合は必須" in (pending.reason or "")
    assert result.summary.verdict == "incomplete"


@pytest.mark.parametrize(("item", "value", "failing"), [
    ("宛名番号", "１２３", {"KYOTSU-D-0001", "KYOTSU-D-0009"}),  # X: full-width digits (both groups share the sample)
    ("氏名", "ﾀﾛｳ", {"KYOTSU-D-0002"}),  # Ｎ: half-width kana
    ("性別", "9", {"KYOTSU-D-0003"}),  # code 1
    ("生年月日", "1980-13-01", {"KYOTSU-D-0004"}),  # DATE with 不詳日: month 13 is no date at all
    ("身長", "170.55", {"KYOTSU-D-0005"}),  # 9V 3,1
    ("残高", "--1", {"KYOTSU-D-0006"}),  # S9
    ("区分", "5", {"KYOTSU-D-0007"}),  # 9 with code 002
    ("操作時刻", "24:00", {"KYOTSU-D-0008"}),  # TIME
    ("連絡先_開始年月日", "2020-02-30", {"KYOTSU-D-0010"}),  # DATE without 不詳日
])
def test_a_mutation_of_each_type_fails_exactly_its_requirement(imported: Spec, tmp_path: Path, item: str, value: str,
                                                               failing: set[str]) -> None:
    changes = {item: value}
    result = _run(imported, _export(tmp_path / "broken", changes))
    assert {r.id for r in result.requirements if r.verdict == "fail"} == failing


def test_unknown_day_and_period_bounds_are_accepted(imported: Spec, tmp_path: Path) -> None:
    result = _run(imported, _export(tmp_path / "bounds", {"生年月日": "1980-02-30", "連絡先_開始年月日": "0000-01-01"}))
    assert not [r.id for r in result.requirements if r.verdict == "fail"]


def test_shuffled_columns_are_found_by_their_labels(tmp_path: Path, imported: Spec) -> None:
    order = [20, 19, 2, 3, 0, 1, *range(4, 19)]  # the columns in another order (spanned ones keep their sub-columns)
    spec = import_workbook(write_workbook(tmp_path / WORKBOOK, order=order), op_id="kyotsu")
    assert [item_summary(spec, t) for t in spec.tables] == [item_summary(imported, t) for t in imported.tables]


@pytest.mark.parametrize(("change", "message"), [
    ({"top": ["見出しのない表"] + [None] * 20, "sub": [None] * 21}, "見出し行（データ項目ID, データ項目, データ型 …）があるシートがありません"),
    ({"top": [label if label != "桁数" else "幅" for label in TOP]}, "見出しに 桁数 がありません"),
    ({"items": [(*ITEMS[0][:6], "Z", *ITEMS[0][7:])]}, "データ型 'Z' は基本データリストの型"),
    ({"codes": [entry for entry in CODES if entry[0] != "1"]}, "コード 1 の一覧がコード一覧シートにありません"),
    ({"items": [(*ITEMS[0][:2], "atena bango", *ITEMS[0][3:])]}, "データ項目（ローマ字） 'atena bango' は API の項目名にできません"),
    ({"items": [(*ITEMS[0][:14], "５"), (*ITEMS[1][:14], "x"), (*ITEMS[2][:10], "不明", *ITEMS[2][11:])]},
     "データ出力条件 '不明' は 必須・条件付き必須・任意 のいずれでもありません"),
])
def test_a_workbook_not_in_the_layout_is_refused_with_what_is_missing(tmp_path: Path, change: dict[str, object],
                                                                         message: str) -> None:
    path = write_workbook(tmp_path / WORKBOOK, **change)  # type: ignore[arg-type]
    with pytest.raises(LayoutError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_workbook(path, op_id="kyotsu")
    result = cli("spec", "import", path, "--id", "kyotsu", "--output", tmp_path / "out")
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_cli_import_then_run_with_specs(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / WORKBOOK)
    imported = cli("spec", "import", path, "--id", "kyotsu", "--output", tmp_path / "specs")
    assert imported.code == 0 and "要件 17" in imported.out
    assert cli("spec", "lint", tmp_path / "specs" / "kyotsu").code == 0
    result = cli("run", _export(tmp_path / "data" / "kyotsu"), "--specs", tmp_path / "specs", "--spec", "kyotsu", "--quiet")
    assert result.code == 3  # incomplete: the 条件付き必須 requirement has no rule yet (not-tested, never passed)
    assert "kyotsu" not in spec_store.available()  # --specs lasts for its run only
    # spec list and spec export take --specs as run does
    listed = cli("spec", "list", "--specs", tmp_path / "specs", "--format", "json")
    assert listed.code == 0 and [row["requirements"] for row in json.loads(listed.out) if row["id"] == "kyotsu"] == [17]
    exported = cli("spec", "export", "kyotsu", "--specs", tmp_path / "specs", "--output", tmp_path / "kyotsu.xlsx")
    assert exported.code == 0 and (tmp_path / "kyotsu.xlsx").is_file()
    assert cli("spec", "export", "kyotsu", "--output", tmp_path / "no.xlsx").code == 2  # not without it
    # compare too: the export against itself is an identical pair
    compared = cli("compare", _export(tmp_path / "data" / "kyotsu"), _export(tmp_path / "data" / "kyotsu-copy"), "--spec", "kyotsu",
                   "--specs", tmp_path / "specs", "--output", tmp_path / "compare", "--quiet")
    assert compared.code == 0, compared.out + compared.err
    assert cli("compare", tmp_path / "data" / "kyotsu", tmp_path / "data" / "kyotsu-copy", "--spec", "kyotsu",
               "--output", tmp_path / "compare-no").code == 2  # not without it
    assert "kyotsu" not in spec_store.available()


def test_every_spec_round_trips_through_the_official_layout(tmp_path: Path) -> None:
    for operation in spec_store.available():
        ours = spec_store.load(operation)
        back = import_workbook(export_workbook(ours, tmp_path / f"{operation}.xlsx"), op_id=operation)
        assert [t.name for t in back.tables] == [t.name for t in ours.tables], operation
        for mine, theirs in zip(ours.tables, back.tables, strict=True):
            # The layout marks key items with ○ and carries no key order: the keys compare as sets.
            assert set(theirs.primary_key) == set(mine.primary_key), (operation, mine.name)
            assert item_summary(back, theirs) == item_summary(ours, mine), (operation, mine.name)
        assert all(item.item_id is None for table in back.tables for item in table.items)  # ours: no official ID


def test_export_marks_our_item_ids_as_ours(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "juki.xlsx"
    assert cli("spec", "export", "juki", "--format", "xlsx", "--output", path).code == 0
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    first = next(sheet.iter_rows(min_row=5, max_row=5, values_only=True))
    assert first[0] == "独自" and first[2] == "市区町村コード" and first[21] == "JUKI-D-0001"


def test_items_with_a_romaji_travel_under_it_through_the_reference_server(imported: Spec, tmp_path: Path) -> None:
    import json
    import urllib.request

    from api_servers import api_server

    from conformance.api.client import ClientOptions
    from conformance.api.server import export_store
    from conformance.pipeline import ApiOptions, read_export, run_api

    token, fast = "tok-romaji-7731", ClientOptions(connect_timeout=1, read_timeout=2, deadline=5, retries=1, backoff=0.05)
    with spec_store.use_folders([imported.path.parent]), \
            api_server(export_store(read_export(_export(tmp_path / "kyotsu"), [imported])), token=token) as url:
        request = urllib.request.Request(f"{url}/kyotsu/group-01", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            record = json.loads(answer.read())["items"][0]["record"]
        declaration = Declaration(system={"name": "試験"}, options=OPTIONS)
        result = run_api(url, [imported], RunOptions(declaration=declaration), ApiOptions(client=fast, token=token))
    assert record["atenabango"] == "123456789123456" and "宛名番号" not in record
    assert {r.id for r in result.requirements if r.verdict not in ("pass",)} == {"KYOTSU-R-0001"}


def test_serve_takes_specs_as_run_does(imported: Spec, tmp_path: Path) -> None:
    """`conformance serve EXPORT --specs DIR --spec ID` serves an export of an imported official spec; without
    `--specs` the same command does not know the spec (exit 2)."""
    import os
    import subprocess
    import sys
    import urllib.request

    folder = _export(tmp_path / "kyotsu")
    command = [sys.executable, "-m", "conformance.cli", "serve", str(folder), "--spec", "kyotsu", "--port", "0"]
    unknown = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "kyotsu" in unknown.stderr and "Traceback" not in unknown.stderr
    server = subprocess.Popen([*command, "--specs", str(imported.path.parent), "--token-env", "SERVE_TOKEN"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "SERVE_TOKEN": "tok-serve-4410"})
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line + (server.stderr.read() if server.stderr else "")
        request = urllib.request.Request(f"{line.split()[1]}/kyotsu/group-01", headers={"Authorization": "Bearer tok-serve-4410"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            page = json.loads(answer.read())
    finally:
        server.terminate()
        server.communicate(timeout=5)
    assert page["items"][0]["record"]["atenabango"] == "123456789123456"


def test_spec_diff_reads_official_workbooks(tmp_path: Path) -> None:
    """`spec diff` imports a workbook side under the other side's id: the list against its own import is
    empty (exit 0); a later 版 that narrows an item and drops a code value is breaking (exit 1)."""
    from conformance.cli import main

    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = write_workbook(tmp_path / "old" / WORKBOOK)
    import_workbook(old, op_id="kyotsu", output=tmp_path / "specs")
    out = io.StringIO()
    assert main(["spec", "diff", str(tmp_path / "specs" / "kyotsu"), str(old), "--format", "json"], out, io.StringIO()) == 0
    assert json.loads(out.getvalue())["summary"]["changes"] == 0
    narrowed = [(*row[:7], row[7] - 5 if row[1] == "宛名番号" else row[7], *row[8:]) for row in ITEMS]
    codes = [(code_id, name, values[:-1] if code_id == "1" else values) for code_id, name, values in CODES]
    new = write_workbook(tmp_path / "new" / WORKBOOK, narrowed, codes=codes)
    out = io.StringIO()
    assert main(["spec", "diff", str(old), str(new), "--format", "json"], out, io.StringIO()) == 1
    kinds = json.loads(out.getvalue())["summary"]["kinds"]
    assert (kinds.get("item-narrowed"), kinds.get("code-values-removed")) == (2, 1)


def test_a_spec_folder_whose_refs_do_not_resolve_is_refused_with_the_ref(tmp_path: Path) -> None:
    """A bundled spec copied without the common/ its schemas refer to: exit 2 naming the $ref, no internal error."""
    import shutil

    shutil.copytree(spec_store.specs_root() / "inkan", tmp_path / "inkan")
    for command in (("spec", "list"), ("run", tmp_path, "--spec", "inkan", "--quiet")):
        result = cli(*command, "--specs", tmp_path)
        assert result.code == 2 and "内部エラー" not in result.err, result.err
        assert "$ref を解決できません: https://jichitai-conformance.invalid/specs/common/defs.schema.json#/$defs/" in result.err
