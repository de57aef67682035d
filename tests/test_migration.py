"""Migration fidelity (issue 22): --mapping for `run`, and `conformance compare` finding exactly the counted damage."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import jsonschema
import openpyxl
import pytest

from conformance.cli import main
from conformance.generate import generate
from conformance.pipeline import MappingError, RunOptions, load_mapping, run
from conformance.pipeline.compare import CompareOptions, compare
from conformance.pipeline.mapping import ItemSource, Transform, wareki_to_iso
from conformance.report import REPORT_FORMATS
from conformance.results import REFERENCE_LABEL, RequirementResult, RunResult
from conformance.results.compare import CompareResult
from tests.migration_data import LAYOUT, RENAMED, layout_files

AS_OF = "2026-04-01"


# ---------------------------------------------------------------- transforms


@pytest.mark.parametrize(("transform", "value", "expected"), [
    (Transform("fullwidth-digits"), "９９９－０００１", "999－0001"),
    (Transform("fullwidth-digits"), "abc", "abc"),
    (Transform("trim"), "\u3000 山田 \t", "山田"),
    (Transform("zero-pad", width=2), "2", "02"),
    (Transform("zero-pad", width=2), "12", "12"),
    (Transform("zero-pad", width=2), "123", "123"),
    (Transform("zero-pad", width=3), "A", "A"),
    (Transform("code-map", codes={"1": "01", "2": "02"}), "2", "02"),
    (Transform("code-map", codes={"1": "01"}), "9", "9"),
    (Transform("wareki"), "昭和45年1月2日", "1970-01-02"),
    (Transform("wareki"), "S45.01.02", "1970-01-02"),
    (Transform("wareki"), "平成元年5月1日", "1989-05-01"),
    (Transform("wareki"), "H1/1/8", "1989-01-08"),
    (Transform("wareki"), "令和2年4月1日", "2020-04-01"),
    (Transform("wareki"), "R2-4-1", "2020-04-01"),
    (Transform("wareki"), "明治45年7月29日", "1912-07-29"),
    (Transform("wareki"), "T15.12.24", "1926-12-24"),
    (Transform("wareki"), "昭和45年13月2日", "昭和45年13月2日"),  # not a date: passed on, the checks judge it
    (Transform("wareki"), "1970-01-02", "1970-01-02"),
])
def test_each_transform(transform: Transform, value: str, expected: str) -> None:
    assert transform.apply(value) == expected
    # Its SQL twin (DuckDB reading a mapped plain file itself) gives the same value.
    assert _sql(transform.sql("x"), {"x": value}) == expected


def _sql(expression: str, row: dict[str, str | None]) -> str | None:
    columns = ", ".join(f"CAST(? AS VARCHAR) AS {name}" for name in row)
    found = duckdb.connect().execute(f"SELECT {expression} FROM (SELECT {columns})", list(row.values())).fetchone()
    assert found is not None
    return found[0]  # type: ignore[no-any-return]


def test_transforms_chain_concat_and_split() -> None:
    chained = ItemSource("生年月日", ("BIRTH",), (Transform("trim"), Transform("fullwidth-digits"), Transform("wareki")))
    assert chained.value({"BIRTH": " 昭和４５年１月２日　"}) == "1970-01-02"
    joined = ItemSource("氏名", ("SEI", "MEI"), separator="　")
    assert joined.value({"SEI": "山田", "MEI": "太郎"}) == "山田　太郎"
    assert joined.value({"SEI": "山田"}) == "山田"
    assert joined.value({}) == ""
    first, rest = (ItemSource(item, ("NAME",), separator=" ", part=index, parts=2) for index, item in enumerate(("氏", "名")))
    assert (first.value({"NAME": "山田 太郎 二世"}), rest.value({"NAME": "山田 太郎 二世"})) == ("山田", "太郎 二世")
    assert (first.value({"NAME": "山田"}), rest.value({"NAME": "山田"})) == ("山田", "")
    assert wareki_to_iso("令和元年5月1日") == "2019-05-01"
    # The SQL twins: NULL for empty, as the raw table holds an empty value.
    cases = [(chained, {"BIRTH": " 昭和４５年１月２日　"}), (joined, {"SEI": "山田", "MEI": "太郎"}), (joined, {"SEI": "山田", "MEI": None}),
             (joined, {"SEI": None, "MEI": None}), (first, {"NAME": "山田 太郎 二世"}), (rest, {"NAME": "山田 太郎 二世"}),
             (first, {"NAME": "山田"}), (rest, {"NAME": "山田"}), (rest, {"NAME": None})]
    for source, row in cases:
        expected = source.value({name: value for name, value in row.items() if value is not None}) or None
        assert _sql(source.sql({name: name for name in row}), row) == expected, (source.item, row)


# ---------------------------------------------------------------- mapping errors


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_item_is_a_usage_error(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "operation: juki\nfiles:\n  a.csv:\n    table: 住民\n    columns:\n      ZIP: 郵便番号X\n")
    with pytest.raises(MappingError, match="「郵便番号X」は住民の項目ではありません（列「ZIP」）"):
        load_mapping(path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(LAYOUT / "layout"), "--mapping", str(path), "--spec", "juki"], out, err) == 2
    assert "郵便番号X" in err.getvalue() and "Traceback" not in err.getvalue()


def test_two_columns_onto_one_item_is_a_usage_error(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "files:\n  a.csv:\n    table: 住民\n    columns:\n      ZIP: 住所_郵便番号\n      ZIP2: 住所_郵便番号\n")
    with pytest.raises(MappingError, match="列「ZIP」と列「ZIP2」が同じ項目「住所_郵便番号」"):
        load_mapping(path, "juki")
    # A column already named as the item and a mapped column onto it: found once the header is read.
    clash = _mapping(tmp_path, "operation: juki\nfiles:\n  住民記録.csv:\n    table: 住民\n    columns:\n      郵便番号: 住所_郵便番号\n"
                               "      前住所郵便番号: 住民票コード\n")
    err = io.StringIO()
    assert main(["run", str(LAYOUT / "layout"), "--mapping", str(clash), "--spec", "juki"], io.StringIO(), err) == 2
    assert "列「住民票コード」と対応付けた列が同じ項目になります（一つの項目に二つの列）" in err.getvalue()


def test_a_mapping_must_match_its_schema(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "operation: juki\nfiles:\n  a.csv:\n    table: 住民\n    columns:\n      X: {item: 氏名, transforms: [upper]}\n")
    with pytest.raises(MappingError, match=r"mapping\.schema\.json"):
        load_mapping(path)


# ---------------------------------------------------------------- the 122-column layout


@pytest.fixture(scope="module")
def layout_runs() -> tuple[RunResult, RunResult]:
    import datetime

    as_of = datetime.date.fromisoformat(AS_OF)
    mapped = run(LAYOUT / "layout", ["juki"], RunOptions(as_of=as_of, mapping=load_mapping(LAYOUT / "mapping.yaml")))
    renamed = run(LAYOUT / "renamed", ["juki"], RunOptions(as_of=as_of))
    return mapped, renamed


def test_the_layout_fixture_is_what_its_builder_writes() -> None:
    for name, data in layout_files().items():
        assert (LAYOUT / name).read_bytes() == data, f"{name}: run python -m tests.migration_data"
    header = (LAYOUT / "layout" / "住民記録.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert len(header) == 122 and len([name for name in header if name in RENAMED.values()]) == 18


def test_a_mapped_run_gives_the_value_findings_of_the_renamed_file(layout_runs: tuple[RunResult, RunResult]) -> None:
    mapped, renamed = layout_runs
    fields = ("requirement", "code", "record", "line", "item")
    values = [row for row in mapped.flatten(*fields) if row[2] is not None]
    assert values == [row for row in renamed.flatten(*fields) if row[2] is not None]
    assert sorted({row[0] for row in values}) == ["JUKI-D-0016", "JUKI-D-0019", "JUKI-D-0035"]
    assert sorted(row[2] for row in values) == [3, 5, 8]
    # Findings point at the original file, line and column.
    by_item = {finding.location.item: finding.location for finding in mapped.findings() if finding.location.record}
    assert by_item["住所_郵便番号"].file == "住民記録.csv" and by_item["住所_郵便番号"].column == "郵便番号"
    assert by_item["生年月日"].line == 9 and by_item["生年月日"].column == "生年月日（西暦）"
    assert "（元の列「性別コード」）" in str(by_item["性別"])
    # Every value check judged the mapped file's 43 records, as the renamed file's.
    judged = {r.id: r.records_checked for r in mapped.requirements}
    assert judged == {r.id: r.records_checked for r in renamed.requirements}
    assert judged["JUKI-D-0035"] == 43


def test_the_python_and_sql_transforms_give_the_same_findings(layout_runs: tuple[RunResult, RunResult], tmp_path: Path) -> None:
    """The layout file is plain, so DuckDB reads it and runs the transforms as SQL; with one quoted field it is
    not, and the strict parser's records are transformed in Python: the findings are the same."""
    import datetime

    mapped, _renamed = layout_runs
    data = (LAYOUT / "layout" / "住民記録.csv").read_bytes()
    (tmp_path / "住民記録.csv").write_bytes(data.replace(b"\n999997,", b'\n"999997",', 1))
    quoted = run(tmp_path, ["juki"], RunOptions(as_of=datetime.date.fromisoformat(AS_OF), mapping=load_mapping(LAYOUT / "mapping.yaml")))
    fields = ("requirement", "code", "record", "line", "item", "column", "value")
    assert quoted.flatten(*fields) == mapped.flatten(*fields)


def test_a_mapped_run_is_labelled_in_every_format(layout_runs: tuple[RunResult, RunResult]) -> None:
    mapped, renamed = layout_runs
    data = mapped.to_dict()
    assert data["mapping"]["path"].endswith("mapping.yaml") and len(data["mapping"]["sha256"]) == 64
    assert data["summary"]["reference_only"] is True and data["summary"]["label"] == REFERENCE_LABEL
    schema = json.loads((Path(__file__).parent.parent / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert RunResult.from_dict(data).mapping == mapped.mapping
    for name, report_format in REPORT_FORMATS.items():
        output = report_format.render(mapped)
        if isinstance(output, bytes):  # xlsx
            sheet = openpyxl.load_workbook(io.BytesIO(output)).worksheets[0]
            output = "\n".join(str(cell.value) for row in sheet.iter_rows(max_row=40) for cell in row if cell.value)
        assert REFERENCE_LABEL in output, name
        assert REFERENCE_LABEL not in str(REPORT_FORMATS[name].render(renamed)), name


def test_a_mapped_pass_is_never_a_conformance_pass() -> None:
    passing = RequirementResult("X-1", "juki", "t", "必須", "official", "f", "pass", records_checked=1)
    result = RunResult("0", (), "t", (), "", "", (passing,))
    assert (result.summary.verdict, result.exit_code) == ("pass", 0)
    mapped = replace(result, mapping={"path": "m.yaml", "sha256": "0" * 64, "files": {}})
    assert (mapped.summary.verdict, mapped.exit_code) == ("incomplete", 3)
    assert "対応付けあり（参考結果） incomplete" in str(REPORT_FORMATS["badge"].render(mapped))


# ---------------------------------------------------------------- compare: A and B with counted damage


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def municipalities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A (generated, 200 residents) and B = A with counted damage, each damage on records of its own."""
    root = tmp_path_factory.mktemp("migration")
    generate(["juki"], 200, 7, root / "A")
    a, b = root / "A" / "data" / "juki", root / "B"
    header, residents = _read(a / "住民.csv")
    households_header, households = _read(a / "世帯.csv")
    history_header, history = _read(a / "異動履歴.csv")
    damaged = [dict(row) for row in residents]
    dropped = {damaged[i]["宛名番号"] for i in (10, 20, 30)}
    for i in (40, 41):
        damaged[i]["氏名"] = damaged[i]["氏名"] + "子"
    for i in (50, 51, 52, 53):
        damaged[i]["住所_郵便番号"] = damaged[i]["住所_郵便番号"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    damaged[60]["氏名_フリガナ"] = ""  # a lost value
    # A household split: one member (not the head) of a household of several gets a new 世帯番号 and household.
    members: dict[str, list[int]] = {}
    for index, row in enumerate(damaged):
        members.setdefault(row["世帯番号"], []).append(index)
    mover = next(ix[-1] for ix in members.values() if len(ix) >= 3 and ix[-1] > 70)
    old_household = damaged[mover]["世帯番号"]
    damaged[mover]["世帯番号"] = "5999999999"
    new_household = dict(next(row for row in households if row["世帯番号"] == old_household), 世帯番号="5999999999")
    _write(b / "住民.csv", header, [row for row in damaged if row["宛名番号"] not in dropped])
    _write(b / "世帯.csv", households_header, [*households, new_household])
    # 異動履歴: two entries dropped; the code 12 remapped to ZZ (in the old system's numbering).
    remapped = sum(1 for row in history[2:] if row["異動事由"] == "12")
    _write(b / "異動履歴.csv", history_header, [dict(row, 異動事由="ZZ" if row["異動事由"] == "12" else row["異動事由"]) for row in history[2:]])
    return {"A": a, "B": b, "root": root, "remapped": remapped, "households": len(households), "residents": len(residents),
            "history": len(history)}


def test_an_identical_pair_passes(municipalities: dict[str, object]) -> None:
    a = municipalities["A"]
    assert isinstance(a, Path)
    result = compare(a, a, "juki")
    assert result.verdict == "pass"
    assert [(t.name, t.lost, t.appeared, t.in_both, t.differing_records, t.differing_values) for t in result.tables] == [
        ("住民", 0, 0, 200, 0, 0), ("世帯", 0, 0, municipalities["households"], 0, 0),
        ("異動履歴", 0, 0, municipalities["history"], 0, 0)]
    assert all(row.old == row.new for row in result.counts)


def test_compare_finds_exactly_the_counted_damage(municipalities: dict[str, object]) -> None:
    a, b, remapped = municipalities["A"], municipalities["B"], municipalities["remapped"]
    assert isinstance(a, Path) and isinstance(b, Path) and isinstance(remapped, int) and remapped > 0
    result = compare(a, b, "juki", CompareOptions(max_examples=5))
    assert result.verdict == "fail" and result.exit_code == 1
    residents, households, history = (result.table(name) for name in ("住民", "世帯", "異動履歴"))
    # 3 dropped; 2 names changed, 4 postal codes full-width, 1 フリガナ emptied, 1 resident moved to a new household.
    assert (residents.lost, residents.appeared, residents.in_both) == (3, 0, 197)
    assert (residents.differing_records, residents.differing_values) == (8, 8)
    assert {(d.item, d.differ, d.lost, d.added) for d in residents.items if d.differ or d.lost or d.added} == {
        ("氏名", 2, 0, 0), ("住所_郵便番号", 4, 0, 0), ("氏名_フリガナ", 0, 1, 0), ("世帯番号", 1, 0, 0)}
    assert (households.lost, households.appeared, households.differing_values) == (0, 1, 0)
    assert (history.lost, history.appeared, history.differing_records, history.differing_values) == (2, 0, remapped, remapped)
    counts = {(row.title, row.group): (row.old, row.new) for row in result.counts}
    assert counts[("世帯数", "全体")] == (municipalities["households"], municipalities["households"] + 1)
    assert sum(old - new for (title, _), (old, new) in counts.items() if title.startswith("住民状態別")) == 3
    # Examples are capped and personal values masked (氏名 is x-personal: mask).
    names = [e for e in residents.examples if e.item == "氏名"]
    assert len(names) == 2 and all(e.old is not None and "…#" in e.old for e in names)
    assert len([e for e in residents.examples if e.kind == "lost"]) == 3
    schema = json.loads((Path(__file__).parent.parent / "conformance" / "compare.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(result.to_dict(), schema)
    assert CompareResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


def test_mappings_and_tolerances_take_the_damage_back(municipalities: dict[str, object], tmp_path: Path) -> None:
    a, b = municipalities["A"], municipalities["B"]
    assert isinstance(a, Path) and isinstance(b, Path)
    mapping = _mapping(tmp_path, "operation: juki\nfiles:\n  住民.csv:\n    table: 住民\n    columns:\n"
                                 "      住所_郵便番号: {item: 住所_郵便番号, transforms: [fullwidth-digits]}\n"
                                 "  異動履歴.csv:\n    table: 異動履歴\n    columns:\n"
                                 "      異動事由: {item: 異動事由, transforms: [{code-map: {ZZ: '12'}}]}\n")
    result = compare(a, b, "juki", CompareOptions(mapping_new=load_mapping(mapping), ignore=("氏名",), allow_added=True))
    residents, households, history = (result.table(name) for name in ("住民", "世帯", "異動履歴"))
    assert (residents.lost, residents.differing_records, residents.differing_values) == (3, 2, 2)  # フリガナ lost, 世帯番号 split
    assert (households.appeared, households.differing_values) == (1, 0)
    assert (history.lost, history.differing_values) == (2, 0)
    assert result.new["mapping"]["sha256"] and result.verdict == "fail"


def test_compare_command_writes_its_four_formats(municipalities: dict[str, object], tmp_path: Path) -> None:
    a, b = municipalities["A"], municipalities["B"]
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", str(a), str(b), "--spec", "juki", "--format", "json", "--format", "html", "--format", "xlsx",
                 "--output", str(tmp_path)], out, err)
    assert code == 1, err.getvalue()
    assert "判定 verdict: 欠落または差異あり (fail)" in out.getvalue()
    document = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert [(t["name"], t["lost"], t["appeared"]) for t in document["tables"]] == [("住民", 3, 0), ("世帯", 0, 1), ("異動履歴", 2, 0)]
    assert "欠落または差異あり" in (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert openpyxl.load_workbook(tmp_path / "compare.xlsx").sheetnames == ["概要", "消失レコード", "差異", "件数比較"]
    assert main(["compare", str(a), str(b), "--spec", "juki", "--ignore", "無い項目"], io.StringIO(), err) == 2
    assert "無い項目" in err.getvalue()


def test_tables_missing_from_both_exports_make_the_compare_incomplete() -> None:
    """The layout pair holds only 住民: 世帯 and 異動履歴 are not proven, so an otherwise equal pair is incomplete.
    The mapped OLD and the renamed NEW are the same records: nothing is lost or differs after the transforms."""
    result = compare(LAYOUT / "layout", LAYOUT / "renamed", "juki", CompareOptions(mapping_old=load_mapping(LAYOUT / "mapping.yaml")))
    assert (result.verdict, result.exit_code) == ("incomplete", 3)
    residents = result.table("住民")
    assert (residents.lost, residents.appeared, residents.in_both, residents.differing_values) == (0, 0, 43, 0)
    assert [t.note for t in result.tables[1:]] == ["OLD・NEWに世帯のファイルがないため比較できません",
                                                  "OLD・NEWに異動履歴のファイルがないため比較できません"]


def test_what_a_compare_could_not_read_or_did_not_hold_is_never_a_pass(municipalities: dict[str, object],
                                                                        tmp_path: Path) -> None:
    """Nothing judged is nothing passed: two exports of headers only prove nothing, and a record OLD's reader
    rejected stays unproven even when --allow-added forgives the NEW record it would have matched."""
    a = municipalities["A"]
    assert isinstance(a, Path)
    empty = tmp_path / "empty"
    for name in ("住民.csv", "世帯.csv", "異動履歴.csv"):
        header, _ = _read(a / name)
        _write(empty / name, header, [])
    result = compare(empty, empty, "juki")
    assert (result.verdict, [(t.old_records, t.new_records, t.note) for t in result.tables]) == (
        "incomplete", [(0, 0, None)] * 3)

    broken = tmp_path / "broken"
    for name in ("世帯.csv", "異動履歴.csv"):
        (broken / name).parent.mkdir(parents=True, exist_ok=True)
        (broken / name).write_bytes((a / name).read_bytes())
    lines = (a / "住民.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (broken / "住民.csv").write_text("".join([lines[0], lines[1].rstrip("\n") + ',"extra\n', *lines[2:]]), encoding="utf-8")
    result = compare(broken, a, "juki", CompareOptions(allow_added=True))
    residents = result.table("住民")
    assert residents.note is not None and "読めないレコード" in residents.note
    # Nothing lost, nothing differs, the rejected records' NEW twins forgiven as added: only the note stands.
    assert (residents.lost, residents.differing_values, residents.appeared > 0) == (0, 0, True)
    assert result.verdict == "incomplete"
