"""Generate fixtures/koseki-fuhyo/: a conforming 戸籍の附票 export of fictional 架空市 and one broken copy per requirement.

Run `.venv/bin/python scripts/make_koseki_fuhyo_fixtures.py` (after scripts/make_koseki_fixtures.py when the 戸籍
data changed). The output is deterministic. The 附票 follow the 戸籍 of scripts/make_koseki_fixtures.py, person by
person; the current address of every person who is a resident in fixtures/juki/valid/住民.csv is taken from that
file (address, 住所を定めた年月日 and 住民票コード). Each folder also holds the files the cross-checks read, unchanged
unless the case says so: 住民.csv (住民基本台帳) and 戸籍.csv, 戸籍の個人.csv, 戸籍の身分事項.csv (a complete 戸籍
export, so that a run without --spec passes too). Every folder is checked with the suite's own engine before
anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import fixturelib as lib
import make_koseki_fixtures as koseki
from fixturelib import JUKI_EXPORT, JUKI_FILE, ROOT, CsvFile, pad, residents, wrong_check_digit
from make_koseki_fixtures import (
    Export,
    Mutation,
    Value,
    add_column,
    change,
    drop_column,
    file_attribute,
)

from conformance import spec as spec_store
from conformance.checks.formats import is_lg_code

OPERATION = "koseki-fuhyo"
OUT = ROOT / "fixtures" / OPERATION
FUHYO = "附票"
DECLARATION = """\
system: {name: 架空附票システム, version: "1.0", vendor: 架空ベンダー}
specs: {koseki-fuhyo: 0.1.0}
options: []
"""
BIRTH_AND_SEX_SINCE = "2022-01-11"  # 住基法第17条第5号・第6号: not recorded for persons removed before
CODE_SINCE = "2024-05-27"  # 第17条第7号 住民票コード: likewise
KAKU_SHI = "992011"  # 架空県虚構市: the second fictional municipality of fixtures/juki (OTHER_LG_CODE)


@dataclass(frozen=True)
class Address:
    """The address items of one 附票 row (as 住民基本台帳 exports them)."""

    lg_code: str
    town_code: str
    city: str
    town: str
    block: str
    building: str = ""
    prefecture: str = "架空県"


JUKI = residents()  # the 住民 records of fixtures/juki by 氏名 (names are unique there)
TOWN_CODES = {row["住所_町字"]: row["住所_町字コード"] for row in JUKI.values()}


def here(town: str, block: str, building: str = "") -> Address:
    """An address in 架空市, with the 町字コード that fixtures/juki uses for the 町字."""
    return Address(koseki.LG_CODE, TOWN_CODES[town], "架空市", town, block, building)


def kaku(town: str, town_code: str, block: str, building: str = "") -> Address:
    """An address in 虚構市, where some people of 架空市's 戸籍 live."""
    return Address(KAKU_SHI, town_code, "虚構市", town, block, building)


CURRENT = "住民票の住所"  # the row is the person's address in fixtures/juki (address and date taken from there)
ABROAD = "国外転出"  # 住基法第17条第3号: a 国外転出者; the date is the planned date of leaving

OLD_HOME = here("本町二丁目", "１番１号")
YAMAZAKI_HOME = here("本町一丁目", "１番２号")
TAKAHASHI_FIRST = kaku("中央一丁目", "0001001", "３番４号")
TANAKA_FIRST = here("駅前三丁目", "５番６号", "駅前ハイツ３０１")

Step = tuple[Address | str, str | None]  # (address, CURRENT or ABROAD; 住所を定めた年月日, None for CURRENT)

# (筆頭者氏名, 氏名) -> the person's addresses while in that 戸籍, oldest first. The 附票 starts with the address
# the person had when entering the 戸籍, with the date it was set (which may be earlier).
HISTORIES: dict[tuple[str, str], list[Step]] = {
    ("山﨑　正雄", "山﨑　正雄"): [(OLD_HOME, "1932-05-10"), (CURRENT, None)],
    ("山﨑　正雄", "山﨑　キヨ"): [(OLD_HOME, "1952-03-20"), (YAMAZAKI_HOME, "1960-04-01")],
    ("山﨑　正雄", "山﨑　和夫"): [(OLD_HOME, "1953-04-21"), (YAMAZAKI_HOME, "1960-04-01")],
    ("山﨑　正雄", "山﨑　房子"): [(OLD_HOME, "1956-07-07"), (YAMAZAKI_HOME, "1960-04-01")],
    ("山﨑　和夫", "山﨑　和夫"): [(CURRENT, None)],
    ("山﨑　和夫", "山﨑　節子"): [(CURRENT, None)],
    ("山﨑　和夫", "山﨑　健太"): [(YAMAZAKI_HOME, "1976-02-11")],
    ("山﨑　健太", "山﨑　健太"): [(CURRENT, None)],
    ("山﨑　健太", "山﨑　美穂"): [(CURRENT, None)],
    # Left his parents' 戸籍 by 婚姻 in 2023: his 附票 there ends; his own 戸籍 has his current address.
    ("山﨑　健太", "山﨑　翔"): [(YAMAZAKI_HOME, "1999-12-24")],
    ("山﨑　翔", "山﨑　翔"): [(CURRENT, None)],
    ("山﨑　翔", "山﨑　彩"): [(kaku("中央一丁目", "0001001", "２番５号"), "2021-04-01")],
    ("山﨑　翔", "山﨑　陽葵"): [(CURRENT, None)],
    ("德永　ハル", "德永　ハル"): [(CURRENT, None)],
    ("高橋　誠", "高橋　誠"): [(TAKAHASHI_FIRST, "1990-04-01"), (CURRENT, None)],
    ("高橋　誠", "高橋　恵子"): [(TAKAHASHI_FIRST, "1995-09-01"), (CURRENT, None)],
    # Moved to 虚構市 in 2019 (住民票 removed in 架空市), then abroad: the 附票 keeps following him.
    ("高橋　誠", "高橋　拓也"): [(here("緑が丘二丁目", "７番１５号"), "1996-04-02"),
                             (kaku("西町", "0002000", "８番２号", "コーポ西町１０１"), "2019-03-25"),
                             (ABROAD, "2023-09-01")],
    ("鈴木　茂", "鈴木　茂"): [(CURRENT, None)],
    ("鈴木　茂", "鈴木　和子"): [(here("大字東山", "２３４番地"), "1975-04-29")],
    ("鈴木　茂", "鈴木　剛"): [(CURRENT, None)],
    ("田中　美和", "田中　美和"): [(TANAKA_FIRST, "2010-06-01"), (CURRENT, None)],
    ("田中　美和", "田中　大介"): [(TANAKA_FIRST, "2011-05-05")],
    ("田中　美和", "田中　蓮"): [(TANAKA_FIRST, "2012-04-05"), (CURRENT, None)],
    ("田中　美和", "田中　芽依"): [(TANAKA_FIRST, "2015-09-18"), (CURRENT, None)],
    ("小林　健一", "小林　健一"): [(CURRENT, None)],
    ("小林　健一", "小林　洋子"): [(CURRENT, None)],
    ("小林　健一", "小林　真一"): [(here("駅前三丁目", "２番１１号"), "1990-03-03"),
                             (kaku("北町", "0003000", "２番３号"), "2014-03-28")],
    ("加藤　清", "加藤　清"): [(here("港町", "３番１号"), "1938-04-01")],
    ("加藤　清", "加藤　ミツ"): [(here("港町", "３番１号"), "1938-04-01")],
    ("加藤　清", "加藤　昭"): [(CURRENT, None)],
    ("加藤　清", "加藤　久子"): [(CURRENT, None)],
    ("佐藤　一郎", "佐藤　一郎"): [(here("大字東山", "１０番地"), "1948-05-05")],
    ("佐藤　一郎", "佐藤　ハナ"): [(here("大字東山", "１０番地"), "1948-05-05")],
}


def address_items(address: Address | None) -> dict[str, str]:
    if address is None:
        return {name: "" for name in ("住所_市区町村コード", "住所_町字コード", "住所_都道府県", "住所_市区郡町村名",
                                      "住所_町字", "住所_番地号表記", "住所_方書")}
    return {
        "住所_市区町村コード": address.lg_code,
        "住所_町字コード": address.town_code,
        "住所_都道府県": address.prefecture,
        "住所_市区郡町村名": address.city,
        "住所_町字": address.town,
        "住所_番地号表記": address.block,
        "住所_方書": address.building,
    }


def build_rows(items: list[str]) -> list[dict[str, str]]:
    """The valid 附票 export: one row per address of each person of each 戸籍 of the koseki fixtures."""
    rows = []
    used = set()
    for record in koseki.KOSEKIS:
        honseki = koseki.CITY + record.place
        for rank, entry in enumerate(record.entries, start=1):
            person = koseki.PERSONS[entry.pid]
            name = koseki.full_name(person)
            key = (record.head, name)
            used.add(key)
            removed_on = entry.removed[0] if entry.removed else None
            resident = JUKI.get(name)
            steps = HISTORIES[key]
            for number, (where, since) in enumerate(steps, start=1):
                if where == CURRENT:
                    if resident is None or resident["住民状態"] != "1" or removed_on:
                        raise AssertionError(f"{key}: CURRENT needs a current resident of fixtures/juki")
                    place = {item: resident[item] for item in address_items(None)}
                    since = resident["住所を定めた年月日"]
                else:
                    place = address_items(None if where == ABROAD else where)  # type: ignore[arg-type]
                assert since is not None
                last = number == len(steps)
                rows.append({
                    "本籍": honseki,
                    "筆頭者氏名": record.head,
                    "記載順位": str(rank),
                    "履歴番号": str(number),
                    "氏名": name,
                    "生年月日": "" if removed_on and removed_on < BIRTH_AND_SEX_SINCE else person.birth,
                    "性別": "" if removed_on and removed_on < BIRTH_AND_SEX_SINCE else person.sex,
                    "住民票コード": resident["住民票コード"]
                    if resident and not (removed_on and removed_on < CODE_SINCE) else "",
                    "国外転出フラグ": "1" if where == ABROAD else "0",
                    **place,
                    "住所を定めた年月日": since,
                    "消除年月日": removed_on if removed_on and last else "",
                })
    if used != set(HISTORIES):
        raise AssertionError(f"histories without a person: {sorted(set(HISTORIES) - used)}")
    for row in rows:
        if list(row) != items:
            raise AssertionError("build_rows does not list the schema's items in schema order")
    return rows


# ---------------------------------------------------------------------------------------------------------
# Mutations (besides those of make_koseki_fixtures)


def history(export: Export, name: str, number: int | None = None, head: str | None = None) -> list[dict[str, str]]:
    """The 附票 rows of `name` (in the 附票 of `head` when the person is in several); only row `number` if given."""
    rows = export.rows(FUHYO, lambda r: r["氏名"] == name and head in (None, r["筆頭者氏名"]), name)
    if len({row["筆頭者氏名"] for row in rows}) != 1:
        raise AssertionError(f"{name} is in several 附票: name the 筆頭者")
    if number is None:
        return rows
    chosen = [row for row in rows if row["履歴番号"] == str(number) or (number == -1 and row is rows[-1])]
    if len(chosen) != 1:
        raise AssertionError(f"{name}: no row {number}")
    return chosen


def row_set(name: str, item: str, value: Value, number: int | None = 1, head: str | None = None) -> Mutation:
    """Change `item` on row `number` of `name`'s history (-1: the last row; None: every row)."""

    def mutate(export: Export) -> None:
        for row in history(export, name, number, head):
            change(row, item, value)

    return mutate


def copy_from(name: str, item: str, other: str) -> Mutation:
    """Every row of `name` gets `other`'s value of `item`."""

    def mutate(export: Export) -> None:
        value = history(export, other)[0][item]
        for row in history(export, name):
            change(row, item, value)

    return mutate


def rename_everywhere(head: str, item: str, value: Value, tables: tuple[str, ...]) -> Mutation:
    """Change 本籍 or 筆頭者氏名 of one 戸籍 in the given files, consistently."""

    def mutate(export: Export) -> None:
        for table in tables:
            for row in export.rows(table, lambda r: r["筆頭者氏名"] == head, head):
                change(row, item, value)

    return mutate


def long_name(name: str, length: int) -> Mutation:
    """氏名 padded to `length` in the 附票, and 名 padded alike in 戸籍の個人 (the two stay equal)."""

    def mutate(export: Export) -> None:
        padded = name.ljust(length, "　")
        for row in history(export, name):
            change(row, "氏名", padded)
        change(export.person(name), "名", padded.split("　", 1)[1])

    return mutate


def duplicate_row(name: str) -> Mutation:
    def mutate(export: Export) -> None:
        export.tables[FUHYO].rows.append(dict(history(export, name, 1)[0]))

    return mutate


def extra_field_on(name: str) -> Mutation:
    def mutate(export: Export) -> None:
        table = export.tables[FUHYO]
        table.extra_field_row = table.rows.index(history(export, name, 1)[0])

    return mutate


ICHIRO, HANA = "佐藤　一郎", "佐藤　ハナ"
TAKUYA = "高橋　拓也"
KOSEKI_FILES = koseki.TABLES  # all three, so that the folder is also a complete 戸籍 export

# case -> (what is broken, in English; the mutation). One mutation per requirement of spec.yaml.
CASES: dict[str, tuple[str, Mutation]] = {
    "KOSEKI-FUHYO-F-0001": ("附票.csv is encoded in Shift_JIS (cp932)", file_attribute(FUHYO, "encoding", "cp932")),
    "KOSEKI-FUHYO-F-0002": ("one line of 附票.csv has a trailing comma: one field more than the header",
                            extra_field_on(ICHIRO)),
    "KOSEKI-FUHYO-F-0003": ("the column 住所_方書 is left out (header and values)", drop_column(FUHYO, "住所_方書")),
    "KOSEKI-FUHYO-F-0004": ("a non-standard column 独自項目 is added", add_column(FUHYO)),
    "KOSEKI-FUHYO-F-0005": ("the 附票 is exported as 附票一覧.csv, so no 附票 file is found",
                            file_attribute(FUHYO, "file_name", "附票一覧.csv")),
    "KOSEKI-FUHYO-C-0001": ("住所_方書 written with half-width katakana ｺｰﾎﾟ",
                            row_set(TAKUYA, "住所_方書", "ｺｰﾎﾟ西町１０１", 2)),
    "KOSEKI-FUHYO-D-0001": ("本籍 of a removed 戸籍 padded to 121 characters (alike in the 戸籍 files)",
                            rename_everywhere(ICHIRO, "本籍", pad(121), (FUHYO, *KOSEKI_FILES))),
    "KOSEKI-FUHYO-D-0002": ("筆頭者氏名 of a removed 戸籍 padded to 101 characters (alike in the 戸籍 files)",
                            rename_everywhere(ICHIRO, "筆頭者氏名", pad(101), (FUHYO, *KOSEKI_FILES))),
    "KOSEKI-FUHYO-D-0003": ("記載順位 in a full-width digit", row_set(ICHIRO, "記載順位", "１")),
    "KOSEKI-FUHYO-D-0004": ("履歴番号 in a kanji numeral", row_set(ICHIRO, "履歴番号", "一")),
    "KOSEKI-FUHYO-D-0005": ("氏名 padded to 101 characters (名 alike in 戸籍の個人)", long_name(ICHIRO, 101)),
    "KOSEKI-FUHYO-D-0006": ("生年月日 in wareki form T09.01.15 (recorded where it may be empty)",
                            row_set(ICHIRO, "生年月日", "T09.01.15")),
    "KOSEKI-FUHYO-D-0007": ("性別 9, not in the code table (recorded where it may be empty)",
                            row_set(ICHIRO, "性別", "9")),
    "KOSEKI-FUHYO-D-0008": ("住民票コード with a wrong check digit", row_set("鈴木　剛", "住民票コード", wrong_check_digit)),
    "KOSEKI-FUHYO-D-0009": ("国外転出フラグ 2", row_set(TAKUYA, "国外転出フラグ", "2", -1)),
    "KOSEKI-FUHYO-D-0010": ("住所_市区町村コード with a wrong check digit", row_set(ICHIRO, "住所_市区町村コード", "999990")),
    "KOSEKI-FUHYO-D-0011": ("住所_町字コード with a hyphen: 0004-000", row_set(ICHIRO, "住所_町字コード", "0004-000")),
    "KOSEKI-FUHYO-D-0012": ("住所_都道府県 holding prefecture and city: 架空県架空市",
                            row_set(ICHIRO, "住所_都道府県", "架空県架空市")),
    "KOSEKI-FUHYO-D-0013": ("住所_市区郡町村名 holding the whole address (14 characters)",
                            row_set(ICHIRO, "住所_市区郡町村名", "架空県架空市大字東山１０番地")),
    "KOSEKI-FUHYO-D-0014": ("住所_町字 padded to 121 characters", row_set(ICHIRO, "住所_町字", pad(121))),
    "KOSEKI-FUHYO-D-0015": ("住所_番地号表記 padded to 51 characters", row_set(ICHIRO, "住所_番地号表記", pad(51))),
    "KOSEKI-FUHYO-D-0016": ("住所_方書 padded to 301 characters", row_set(TAKUYA, "住所_方書", pad(301), 2)),
    "KOSEKI-FUHYO-D-0017": ("住所を定めた年月日 in wareki form H02.04.01",
                            row_set("高橋　誠", "住所を定めた年月日", "H02.04.01")),
    "KOSEKI-FUHYO-D-0018": ("消除年月日 holding the text 消除済 on a current person's row",
                            row_set("鈴木　剛", "消除年月日", "消除済")),
    "KOSEKI-FUHYO-R-0001": ("the 国外転出 row of a person carries a 住所_市区町村コード",
                            row_set(TAKUYA, "住所_市区町村コード", KAKU_SHI, -1)),
    "KOSEKI-FUHYO-R-0002": ("the first address dated one day before the birth",
                            row_set("田中　蓮", "住所を定めた年月日", "2012-04-04")),
    "KOSEKI-FUHYO-R-0003": ("消除年月日 1955-01-01, before the last 住所を定めた年月日 1960-04-01",
                            row_set("山﨑　キヨ", "消除年月日", "1955-01-01", -1)),
    "KOSEKI-FUHYO-R-0004": ("消除年月日 in 2099", row_set("鈴木　和子", "消除年月日", "2099-12-08", -1)),
    "KOSEKI-FUHYO-S-0001": ("a row of the 附票 exported twice", duplicate_row(HANA)),
    "KOSEKI-FUHYO-S-0002": ("the first address dated 1961-01-01, after the second one (1960-04-01)",
                            row_set("山﨑　正雄", "住所を定めた年月日", "1961-01-01")),
    "KOSEKI-FUHYO-S-0003": ("消除年月日 on the first of two rows of a removed person as well",
                            row_set("山﨑　キヨ", "消除年月日", "2013-01-15", 1)),
    "KOSEKI-FUHYO-S-0004": ("性別 differs on one row of a person's history", row_set(TAKUYA, "性別", "2", 2)),
    "KOSEKI-FUHYO-S-0005": ("性別 left empty for a person who is not removed", row_set("小林　健一", "性別", "")),
    "KOSEKI-FUHYO-S-0006": ("a sister's 住民票コード replaced by her brother's (both in the same 附票)",
                            copy_from("田中　芽依", "住民票コード", "田中　蓮")),
    "KOSEKI-FUHYO-S-0007": ("the 附票 of a removed 戸籍 with a 本籍 (１１番地) that no 戸籍 has",
                            rename_everywhere(ICHIRO, "本籍", f"{koseki.CITY}大字東山１１番地", (FUHYO,))),
    "KOSEKI-FUHYO-S-0008": ("氏名 明 where the 戸籍 records 昭", row_set("加藤　昭", "氏名", "加藤　明", None)),
    "KOSEKI-FUHYO-S-0009": ("a person still in the 戸籍 marked removed in the 附票 (消除年月日 2024-01-01)",
                            row_set("鈴木　剛", "消除年月日", "2024-01-01")),
    "KOSEKI-FUHYO-S-0010": ("the current address ２３５番地 where the 住民票 says ２３４番地",
                            row_set("鈴木　茂", "住所_番地号表記", "２３５番地", -1)),
    "KOSEKI-FUHYO-S-0011": ("the current address dated 1950-02-15 where the 住民票 says 1950-02-14",
                            row_set("鈴木　茂", "住所を定めた年月日", "1950-02-15", -1)),
}


# ---------------------------------------------------------------------------------------------------------
# Verification with the suite's own engine


def build_export(items: list[str], koseki_items: dict[str, list[str]]) -> Export:
    """A fresh valid export with the 戸籍 tables and 住民.csv the cross-checks read."""
    koseki_tables = koseki.build_tables(koseki_items)
    tables = {FUHYO: CsvFile(list(items), build_rows(items), f"{FUHYO}.csv")}
    for name in KOSEKI_FILES:
        tables[name] = CsvFile(list(koseki_items[name]), [dict(row) for row in koseki_tables[name]], f"{name}.csv")
    return Export(tables, {JUKI_FILE: JUKI_EXPORT.read_bytes()})


def check_valid(rows: list[dict[str, str]], items: list[str]) -> None:
    """Fail unless the valid export fills every item somewhere and uses valid municipality codes."""
    problems = lib.unfilled_items(items, rows)
    if not (is_lg_code(koseki.LG_CODE) and is_lg_code(KAKU_SHI)):
        problems.append("市区町村コード check digit")
    lib.fail_if_any(problems)


def main() -> None:
    """Rebuild fixtures/koseki-fuhyo/ from scratch and verify every folder before writing it."""
    items = [item.name for item in spec_store.load(OPERATION).tables[0].items]
    koseki_items = lib.schema_items(koseki.OPERATION)
    valid = build_export(items, koseki_items)
    check_valid(valid.tables[FUHYO].rows, items)
    ids = lib.requirement_ids(OPERATION)
    lib.check_cases(CASES, ids)
    cases = {}
    for requirement_id in ids:
        description, mutation = CASES[requirement_id]
        export = build_export(items, koseki_items)
        mutation(export)
        cases[requirement_id] = (description, export.files())
    folders = lib.verify_by_folder(OPERATION, DECLARATION, valid.files(), cases)
    lib.publish(OUT, DECLARATION, valid.files(), folders)
    rows = valid.tables[FUHYO].rows
    persons = len({(row["本籍"], row["筆頭者氏名"], row["記載順位"]) for row in rows})
    print(f"valid: {len(rows)} rows, {persons} persons in {len({row['筆頭者氏名'] for row in rows})} 附票; "
          f"invalid: {len(folders)} cases")


if __name__ == "__main__":
    main()
