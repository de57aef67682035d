"""Generate fixtures/juki/: a conforming 住民基本台帳 export of fictional 架空市 (住民, 世帯, 異動履歴) and one broken
copy per requirement.

Run `.venv/bin/python scripts/make_juki_fixtures.py`. The output is deterministic. Before writing, every export is
checked twice: by the Verifier below (the JSON Schemas with jsonschema, the row and dataset rules of
specs/juki/spec.yaml in DuckDB, independently of conformance/'s checker) and by the suite's engine. The script
fails loudly when the valid export violates anything or a case fails other than its `expected.yaml` says.
Other operations' fixtures copy fixtures/juki/valid/住民.csv: rerun their generators after a change here."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import fixturelib as lib
import yaml
from fixturelib import (
    ROOT,
    add_column,
    drop_column,
    full_width,
    pad,
    set_attribute,
    with_check_digit,
    wrong_check_digit,
)
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.checks.database import register_functions
from conformance.checks.formats import (
    VALUE_FORMATS,
    is_juminhyo_code,
    is_lg_code,
    is_m11_number,
    is_my_number,
)

SPEC_DIR = ROOT / "specs" / "juki"
OUT = ROOT / "fixtures" / "juki"

# Prefecture 99 does not exist, so the code cannot collide with a real municipality.
LG_CODE = "999997"
OTHER_LG_CODE = "992011"  # a second fictional municipality, for a resident recorded as living elsewhere
PREFECTURE, CITY = "架空県", "架空市"
DECLARATION = """\
system: {name: 架空住記システム, version: "1.0", vendor: 架空ベンダー}
specs: {juki: 0.1.0}
options: [JUKI-D-0050]
"""

# Placeholder 異動事由 / 消除の事由 codes (the official table is not public): see fixtures/README.md.
BIRTH, MOVE_IN, MOVE_WITHIN, MOVE_OUT, DEATH = "01", "11", "12", "21", "22"

# 町字 -> (住所_町字コード, 住所_郵便番号, 地区管理コード1)
TOWNS: dict[str, tuple[str, str, str]] = {
    "本町一丁目": ("0001001", "9990001", "A01"),
    "本町二丁目": ("0001002", "9990002", "A01"),
    "駅前三丁目": ("0002003", "9990013", "A02"),
    "緑が丘二丁目": ("0003002", "9990022", "B01"),
    "港町": ("0005000", "9990031", "B02"),
    "大字東山": ("0004000", "9990121", "C01"),
}


@dataclass(frozen=True)
class Person:
    """One 住民 record as declared; everything derivable is derived in `build_rows`."""

    name: str  # 氏名: 氏　名 for Japanese, the romaji for foreign residents
    kana: str
    sex: str
    birth: str
    relation: tuple[str, ...]  # 続柄コード1..4
    relation_label: str
    since: str | None = None  # 住民となった年月日; None: born here
    address_since: str | None = None  # 住所を定めた年月日; None: same as `since`
    removed: tuple[str, str, str] | None = None  # (住民状態, 消除の異動年月日, 消除の事由)
    koseki: tuple[str, str] | None = None  # (本籍, 戸籍_筆頭者); None: the household's
    foreign_since: str | None = None  # 外国人住民となった年月日; set only for foreign residents
    birth_unknown: str | None = None  # 生年月日_不詳表記
    my_number: bool = True
    kana_confirmed: str = "1"


@dataclass(frozen=True)
class Household:
    """A 世帯 at one address; members in 記載順位 order."""

    town: str
    block: str  # 住所_番地号表記
    building: str  # 住所_方書
    koseki: tuple[str, str] | None
    members: list[Person] = field(default_factory=list)


P = Person
HOUSEHOLDS: list[Household] = [
    Household("本町一丁目", "１番２号", "", ("架空県架空市本町一丁目１番地", "山﨑　正雄"), [
        P("山﨑　正雄", "ヤマザキ　マサオ", "1", "1932-05-10", ("02",), "世帯主", address_since="1960-04-01"),
        P("山﨑　キヨ", "ヤマザキ　キヨ", "2", "1933-11-03", ("12",), "妻", since="1952-03-20",
          removed=("3", "2013-01-15", DEATH), my_number=False),
        P("山﨑　和夫", "ヤマザキ　カズオ", "1", "1953-04-21", ("20",), "子", address_since="1960-04-01",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　和夫")),
        P("山﨑　節子", "ヤマザキ　セツコ", "2", "1955-09-15", ("20", "12"), "子の妻", since="1975-05-10",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　和夫")),
        P("山﨑　健太", "ヤマザキ　ケンタ", "1", "1976-02-11", ("20", "20"), "子の子",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　健太")),
        P("山﨑　美穂", "ヤマザキ　ミホ", "2", "1977-08-30", ("20", "20", "12"), "子の子の妻", since="1998-06-01",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　健太")),
        # Married in 2023 (a new 戸籍 with him as 筆頭者, divorced since): his daughter is in his 戸籍.
        P("山﨑　翔", "ヤマザキ　ショウ", "1", "1999-12-24", ("20", "20", "20"), "子の子の子",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　翔")),
        P("山﨑　陽葵", "ヤマザキ　ヒマリ", "2", "2024-06-01", ("20", "20", "20", "20"), "子の子の子の子",
          koseki=("架空県架空市本町一丁目１番地", "山﨑　翔")),
    ]),
    Household("本町一丁目", "３番５号", "メゾン本町２０１", ("架空県虚構市中央二丁目１０番地", "渡邉　浩二"), [
        P("渡邉　浩二", "ワタナベ　コウジ", "1", "1974-03-09", ("02",), "世帯主", since="2015-04-01"),
        P("渡邉　由美子", "ワタナベ　ユミコ", "2", "1976-12-01", ("12",), "妻", since="2015-04-01"),
        P("渡邉　大輝", "ワタナベ　ダイキ", "1", "2005-05-18", ("20",), "子", since="2015-04-01"),
        P("渡邉　結衣", "ワタナベ　ユイ", "2", "2016-08-27", ("20",), "子"),
    ]),
    Household("駅前三丁目", "８番１号", "駅前コーポ１０２", ("架空県架空市駅前三丁目８番地", "德永　ハル"), [
        # A returnee whose exact birth date is unknown: the date is held, the flag and 表記 say so.
        P("德永　ハル", "トクナガ　ハル", "2", "1945-01-01", ("02",), "世帯主", since="1996-10-01",
          birth_unknown="昭和２０年頃", kana_confirmed="0"),
    ]),
    Household("港町", "５番３号", "コーポ港２０２", None, [
        P("NGUYEN VAN AN", "グエン　ヴァン　アン", "1", "1995-07-12", ("02",), "世帯主", since="2020-09-01",
          foreign_since="2018-04-10"),
        P("TRAN THI MAI", "チャン　ティ　マイ", "2", "1997-03-25", ("12",), "妻", since="2021-02-15",
          foreign_since="2021-02-10"),
        P("NGUYEN MINH KHOA", "グエン　ミン　コア", "1", "2022-11-02", ("20",), "子", foreign_since="2022-11-02"),
        P("TRAN THI HOA", "チャン　ティ　ホア", "2", "2000-10-05", ("12", "84"), "妻の妹", since="2021-04-05",
          foreign_since="2019-10-01", removed=("2", "2024-03-31", MOVE_OUT)),
    ]),
    Household("緑が丘二丁目", "７番１５号", "", ("架空県架空市緑が丘二丁目７番地", "高橋　誠"), [
        P("高橋　誠", "タカハシ　マコト", "1", "1968-06-30", ("02",), "世帯主", since="1995-10-01"),
        P("高橋　恵子", "タカハシ　ケイコ", "2", "1970-01-19", ("12",), "妻", since="1995-10-01"),
        P("高橋　トミ", "タカハシ　トミ", "2", "1941-09-09", ("52",), "母", since="2018-11-20",
          koseki=("架空県虚構市北町３番地", "高橋　茂雄")),
        P("高橋　拓也", "タカハシ　タクヤ", "1", "1996-04-02", ("20",), "子", removed=("2", "2019-03-25", MOVE_OUT)),
    ]),
    Household("大字東山", "２３４番地", "", ("架空県架空市大字東山２３４番地", "鈴木　茂"), [
        P("鈴木　茂", "スズキ　シゲル", "1", "1950-02-14", ("02",), "世帯主"),
        P("鈴木　和子", "スズキ　カズコ", "2", "1953-07-07", ("12",), "妻", since="1975-04-29",
          removed=("3", "2022-12-08", DEATH)),
        P("鈴木　剛", "スズキ　ツヨシ", "1", "1978-10-10", ("20",), "子"),
        P("WANG XIUYING", "ワン　シウイン", "2", "1998-05-20", ("99",), "同居人", since="2023-04-10",
          foreign_since="2023-04-03"),
    ]),
    Household("港町", "１２番８号", "シーサイドハイツ３０５", ("架空県幻町大字西原５１２番地", "濵田　陸"), [
        P("濵田　陸", "ハマダ　リク", "1", "1999-01-27", ("02",), "世帯主", since="2021-04-01"),
    ]),
    Household("本町二丁目", "４番２０号", "", ("架空県架空市本町二丁目４番地", "田中　美和"), [
        P("田中　美和", "タナカ　ミワ", "2", "1982-11-11", ("02",), "世帯主", since="2010-06-01",
          address_since="2017-03-01"),
        P("田中　蓮", "タナカ　レン", "1", "2012-04-05", ("20",), "子", address_since="2017-03-01"),
        P("田中　芽依", "タナカ　メイ", "2", "2015-09-18", ("20",), "子", address_since="2017-03-01"),
        P("田中　義男", "タナカ　ヨシオ", "1", "1952-05-03", ("51",), "父", since="2019-06-01",
          koseki=("架空県虚構市南町１５番地", "田中　義男")),
    ]),
    Household("駅前三丁目", "２番１１号", "", ("架空県架空市駅前三丁目２番地", "小林　健一"), [
        # 2月29日 of a common year: not a calendar date, but the standard keeps what the register says.
        P("小林　健一", "コバヤシ　ケンイチ", "1", "1959-02-29", ("02",), "世帯主", since="1985-04-01"),
        P("小林　洋子", "コバヤシ　ヨウコ", "2", "1962-06-06", ("12",), "妻", since="1988-05-05"),
        P("小林　真一", "コバヤシ　シンイチ", "1", "1990-03-03", ("20",), "子",
          removed=("2", "2014-03-28", MOVE_OUT), my_number=False),
    ]),
    Household("緑が丘二丁目", "９番２号", "グリーンハイツ２０５", ("架空県虚構市中央一丁目２番地", "中村　翼"), [
        P("中村　翼", "ナカムラ　ツバサ", "1", "1988-08-08", ("02",), "世帯主", since="2019-04-01"),
        P("吉田　さくら", "ヨシダ　サクラ", "2", "1990-04-01", ("14",), "妻（未届）", since="2020-10-01",
          koseki=("架空県幻町大字東原２８番地", "吉田　康夫")),
    ]),
    Household("港町", "３番１号", "", ("架空県架空市港町３番地", "加藤　清"), [
        P("加藤　昭", "カトウ　アキラ", "1", "1940-12-01", ("02",), "世帯主"),
        P("加藤　久子", "カトウ　ヒサコ", "2", "1944-03-15", ("84",), "妹"),
    ]),
    Household("本町二丁目", "６番９号", "", ("架空県虚構市西町８番地", "松本　直樹"), [
        P("松本　直樹", "マツモト　ナオキ", "1", "1985-01-20", ("02",), "世帯主", since="2018-05-01"),
        P("松本　葵", "マツモト　アオイ", "2", "1987-10-02", ("12",), "妻", since="2018-05-01"),
        P("松本　湊", "マツモト　ミナト", "1", "2020-07-15", ("20",), "子"),
        P("斎藤　幸子", "サイトウ　サチコ", "2", "1958-12-25", ("12", "52"), "妻の母", since="2023-09-01",
          koseki=("架空県幻町大字西原３番地", "斎藤　正")),
    ]),
]


# The date the fixture tests judge "today" by (tests/conftest.py FIXTURE_AS_OF): ages, 資格 and 選挙 follow it.
AS_OF = datetime.date(2026, 11, 24)
NEIGHBOUR_LG_CODE = with_check_digit("99303", is_lg_code)  # 架空県幻町, as in the other operations' fixtures
CITY_CODES = {"架空市": LG_CODE, "虚構市": OTHER_LG_CODE, "幻町": NEIGHBOUR_LG_CODE}
# 町字 of the other fictional municipalities (町字IDs are unique per municipality only); those of 虚構市 as in
# scripts/make_koseki_fuhyo_fixtures.py.
OTHER_TOWNS = {"中央一丁目": "0001001", "中央二丁目": "0001002", "西町": "0002000", "北町": "0003000",
               "南町": "0004000", "大字西原": "0005000", "大字東原": "0006000"}
# Where those who moved in came from: 市区町村, 町字, 番地号表記, 方書, 郵便番号 (虚構市 unless listed).
PREVIOUS = {"虚構市": ("虚構市", "中央二丁目", "３番４号", "虚構ハイツ１０１", "9992002"),
            "幻町": ("幻町", "大字西原", "１２番地", "", "9993005")}
CAME_FROM_NEIGHBOUR = {"斎藤　幸子", "吉田　さくら", "濵田　陸", "鈴木　和子"}
# A returnee from abroad: 国名コード (placeholder: ISO 3166-1 numeric; the spec checks the shape), 国名等, 国外住所.
FROM_ABROAD = {"德永　ハル": ("156", "中国", "黒竜江省ハルビン市")}
# Where those who moved out went: 市区町村, 町字, 番地号表記, 方書, 郵便番号 (the 附票 fixture's addresses).
MOVED_TO = {"TRAN THI HOA": ("虚構市", "北町", "５番１号", "北町ハイツ３０３", "9992031"),
            "高橋　拓也": ("虚構市", "西町", "８番２号", "コーポ西町１０１", "9992021"),
            "小林　真一": ("虚構市", "北町", "２番３号", "", "9992031")}
# 外国人住民: 氏名_外国人漢字, 通称, 通称_フリガナ, 国籍等_国名コード (placeholder as above), 国籍名等, 第30条45規定区分,
# 在留資格等コード (placeholder: the official table is not public), 在留期間 (年, 月, 日), 在留期間の満了の日.
FOREIGN = {
    "NGUYEN VAN AN": ("", "", "", "704", "ベトナム", "1", "999", ("5", "0", "0"), "2028-09-01"),
    "TRAN THI MAI": ("", "", "", "704", "ベトナム", "1", "999", ("3", "0", "0"), "2027-02-10"),
    "NGUYEN MINH KHOA": ("", "", "", "704", "ベトナム", "1", "999", ("3", "0", "0"), "2028-01-15"),
    "TRAN THI HOA": ("", "", "", "704", "ベトナム", "1", "999", ("1", "0", "0"), "2024-10-01"),
    "WANG XIUYING": ("王　秀英", "大山　秀子", "オオヤマ　ヒデコ", "156", "中国", "1", "999", ("1", "0", "0"), "2027-04-03"),
}
KYUSHI = {"松本　葵": ("斎藤", "サイトウ")}  # 旧氏 on request (住民基本台帳法施行令 第30条の13)
# 住民となった年月日 / 消除の異動年月日 known only roughly (the flag and the 表記).
JUMIN_DATE_UNKNOWN = {"山﨑　キヨ": "昭和２７年３月頃"}
REMOVAL_DATE_UNKNOWN = {"山﨑　キヨ": "平成２５年１月中旬頃"}
# 国民健康保険 (取得年月日) and 児童手当 (受給者 -> 受給開始年月); 後期高齢, 介護, 年金 and 選挙 follow the ages.
KOKUHO = {"鈴木　剛": "2015-04-01", "小林　健一": "2019-03-01", "小林　洋子": "2022-06-06", "吉田　さくら": "2020-10-01"}
KOKI_DISABLED = {"田中　義男": "2019-06-01"}  # 障害認定 between 65 and 74
NENKIN = {"中村　翼", "吉田　さくら", "山﨑　健太", "山﨑　翔", "松本　直樹", "松本　葵", "渡邉　大輝", "渡邉　由美子",
          "濵田　陸", "田中　美和", "鈴木　剛", "高橋　恵子"}
NENKIN_LOST = {"小林　洋子"}  # 60 in 2022: 資格 lost at 60
JIDO_TEATE = {"渡邉　浩二": "2016-09", "田中　美和": "2012-05", "松本　直樹": "2020-08", "NGUYEN VAN AN": "2022-12"}


def shift(date: str, days: int) -> str:
    """`date` moved by `days` (calendar dates only)."""
    return (datetime.date.fromisoformat(date) + datetime.timedelta(days=days)).isoformat()


def era(date: str) -> str:
    """生年月日_元号 of a YYYY-MM-DD date; comparing text also works for non-calendar dates."""
    starts = [("2019-05-01", "5"), ("1989-01-08", "4"), ("1926-12-25", "3"), ("1912-07-30", "2")]
    return next((code for start, code in starts if date >= start), "1")


def birthday(birth: str, age: int) -> datetime.date:
    """The `age`-th birthday; a 29 February (or non-calendar) birth date counts from the month's last day."""
    year, month, day = (int(part) for part in birth.split("-"))
    last = (datetime.date(year + age + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year + age, month, min(day, last))


def latest(*dates: str | datetime.date) -> str:
    """The latest of the dates, as YYYY-MM-DD."""
    return max(str(date) for date in dates)


def place(city: str, town: str, block: str, building: str, postal: str) -> dict[str, str]:
    """An address's items without their prefix (市区町村コード … 郵便番号)."""
    town_code = TOWNS[town][0] if city == CITY else OTHER_TOWNS[town]
    return {"市区町村コード": CITY_CODES[city], "町字コード": town_code, "都道府県": PREFECTURE, "市区郡町村名": city,
            "町字": town, "番地号表記": block, "方書": building, "郵便番号": postal}


def honseki_items(honseki: str, head: str) -> dict[str, str]:
    """本籍_* and 戸籍_筆頭者_氏/名 split from 本籍 (架空県 + 市区町村 + 町字 + 地番) and 戸籍_筆頭者."""
    if not honseki:
        return {}
    rest = honseki.removeprefix(PREFECTURE)
    city = next(name for name in CITY_CODES if rest.startswith(name))
    rest = rest.removeprefix(city)
    towns = TOWNS if city == CITY else OTHER_TOWNS
    town = next(name for name in sorted(towns, key=len, reverse=True) if rest.startswith(name))
    family, given = head.split("　")
    town_code = towns[town][0] if city == CITY else OTHER_TOWNS[town]
    return {"本籍_市区町村コード": CITY_CODES[city], "本籍_町字コード": town_code, "本籍_町字": town,
            "本籍_地番号または、街区符号": rest.removeprefix(town), "戸籍_筆頭者_氏": family, "戸籍_筆頭者_名": given}


def qualifications(person: Person, index: int, current: bool, japanese: bool, since: str) -> dict[str, str]:
    """各資格の有無 and their dates, as of AS_OF: 後期高齢 at 75 (from 2008-04-01), 介護 第1号 at 65 (from 2000-04-01)."""
    flags = dict.fromkeys(("選挙人名簿登録有無", "国保資格有無", "後期高齢資格有無", "介護資格有無", "年金資格有無"), "0")
    items = {**flags, "成年被後見人_該当有無": "0"}
    if not current:
        return items
    name, birth = person.name, person.birth
    if japanese and birthday(birth, 18) - datetime.timedelta(days=1) <= AS_OF:
        items["選挙人名簿登録有無"] = "1"
    if name in KOKUHO:
        items.update({"国保資格有無": "1", "国保資格取得年月日": KOKUHO[name]})
    if birthday(birth, 75) <= AS_OF or name in KOKI_DISABLED:
        start = KOKI_DISABLED.get(name) or latest(birthday(birth, 75), "2008-04-01", since)
        items.update({"後期高齢資格有無": "1", "後期高齢資格取得年月日": start})
    if birthday(birth, 65) <= AS_OF:
        items.update({"介護資格有無": "1", "介護資格取得年月日": latest(birthday(birth, 65), "2000-04-01", since)})
    if name in NENKIN or name in NENKIN_LOST:
        start = latest(birthday(birth, 20) - datetime.timedelta(days=1), since)
        items.update({"基礎年金番号": f"99{7_000_000 + 13 * index:08d}",
                      "年金資格種別": "1", "年金資格取得年月日": start})
        if name in NENKIN_LOST:
            items["年金資格喪失年月日"] = str(birthday(birth, 60) - datetime.timedelta(days=1))
        else:
            items["年金資格有無"] = "1"
    if name in JIDO_TEATE:
        items.update({"児童手当資格区分": "1", "児童手当受給開始年月": JIDO_TEATE[name]})
    return items


@dataclass
class Built:
    """The valid export's tables, in schema order."""

    jumin: list[dict[str, str]]
    setai: list[dict[str, str]]
    rireki: list[dict[str, str]]


def build(items: dict[str, list[str]]) -> Built:
    """The valid export: one 住民 per person, one 世帯 per household, one 異動履歴 per 異動 (items empty when not recorded)."""
    built = Built([], [], [])
    person_index = 0
    for household_index, household in enumerate(HOUSEHOLDS, start=1):
        household_number = with_check_digit(f"{5000 + household_index:09d}", is_m11_number)
        head = next(p for p in household.members if p.relation == ("02",) and p.removed is None)
        town_code = TOWNS[household.town][0]
        members = 0
        for rank, person in enumerate(household.members, start=1):
            person_index += 1
            row, history = build_person(person, person_index, rank, household, household_number, head)
            built.jumin.append({item: row.get(item, "") for item in items["住民"]})
            if set(row) - set(items["住民"]):
                raise AssertionError(f"not in the schema: {sorted(set(row) - set(items['住民']))}")
            built.rireki += [{item: record.get(item, "") for item in items["異動履歴"]} for record in history]
            members += person.removed is None
        built.setai.append({
            "市区町村コード": LG_CODE, "世帯番号": household_number, "世帯主_宛名番号": built.jumin[-len(household.members)
            + household.members.index(head)]["宛名番号"], "世帯主氏名": head.name, "世帯員数": str(members),
            "住所_町字コード": town_code, "住所_番地号表記": household.block, "住所_方書": household.building,
        })
        if list(built.setai[-1]) != items["世帯"]:
            raise AssertionError("build does not list the 世帯 items in schema order")
    return built


def build_person(person: Person, person_index: int, rank: int, household: Household, household_number: str,
                 head: Person) -> tuple[dict[str, str], list[dict[str, str]]]:
    """One person's 住民 record and 異動履歴 (出生 or 転入, a 転居 within the city, the 消除)."""
    town_code, postal_code, district = TOWNS[household.town]
    foreign = person.foreign_since is not None
    since = person.since or person.birth
    address_since = person.address_since or since
    # 異動年月日 and 事由 describe the latest movement; a 転出届 is filed before the move.
    moves = [(since, MOVE_IN, shift(since, 3)) if person.since else (since, BIRTH, shift(since, 10))]
    if address_since != since:
        moves.append((address_since, MOVE_WITHIN, shift(address_since, 3)))
    if person.removed:
        state, removed_on, removed_why = person.removed
        moves.append((removed_on, removed_why, shift(removed_on, -7 if state == "2" else 2)))
    event = moves[-1]
    family, given = ("", "") if foreign else person.name.split("　")
    family_kana, given_kana = ("", "") if foreign else person.kana.split("　")
    koseki = ("", "") if foreign else (person.koseki or household.koseki or ("", ""))
    relation = list(person.relation) + [""] * (4 - len(person.relation))
    atena = with_check_digit(f"{1000 + person_index:09d}", is_m11_number)
    row = {
        "市区町村コード": LG_CODE,
        "宛名番号": atena,
        "世帯番号": household_number,
        "住民種別": "2" if foreign else "1",
        "住民状態": person.removed[0] if person.removed else "1",
        "住民票コード": with_check_digit(str(9_900_000_000 + 1_237 * person_index), is_juminhyo_code),
        "個人番号": with_check_digit(str(99_000_000_000 + 4_111 * person_index), is_my_number)
        if person.my_number
        else "",
        "氏名": person.name,
        "氏_日本人": family,
        "名_日本人": given,
        "氏名_外国人ローマ字": person.name if foreign else "",
        "氏名_フリガナ": person.kana,
        "氏_日本人_フリガナ": family_kana,
        "名_日本人_フリガナ": given_kana,
        "氏名_フリガナ確認状況": person.kana_confirmed,
        "性別": person.sex,
        "性別表記": {"1": "男", "2": "女"}[person.sex],
        "生年月日_元号": era(person.birth),
        "生年月日": person.birth,
        "生年月日_不詳フラグ": "1" if person.birth_unknown else "0",
        "生年月日_不詳表記": person.birth_unknown or "",
        "続柄コード1": relation[0],
        "続柄コード2": relation[1],
        "続柄コード3": relation[2],
        "続柄コード4": relation[3],
        "続柄表記": person.relation_label,
        "世帯主氏名": head.name,
        "住所_市区町村コード": LG_CODE,
        "住所_町字コード": town_code,
        "住所_都道府県": PREFECTURE,
        "住所_市区郡町村名": CITY,
        "住所_町字": household.town,
        "住所_番地号表記": household.block,
        "住所_方書": household.building,
        "住所_郵便番号": postal_code,
        "住民となった年月日": since,
        "住民となった年月日_不詳フラグ": "1" if person.name in JUMIN_DATE_UNKNOWN else "0",
        "住民となった年月日_不詳表記": JUMIN_DATE_UNKNOWN.get(person.name, ""),
        "住所を定めた年月日": address_since,
        "住所を定めた年月日_不詳フラグ": "0",
        "異動年月日": event[0],
        "異動届出年月日": event[2],
        "異動事由": event[1],
        "記載順位": str(rank),
        "本籍": koseki[0],
        "戸籍_筆頭者": koseki[1],
        **honseki_items(*koseki),
        "消除の異動年月日": person.removed[1] if person.removed else "",
        "消除の異動年月日_不詳フラグ": ("1" if person.name in REMOVAL_DATE_UNKNOWN else "0") if person.removed else "",
        "消除の異動年月日_不詳表記": REMOVAL_DATE_UNKNOWN.get(person.name, ""),
        "消除の届出年月日": event[2] if person.removed else "",
        "消除の事由": person.removed[2] if person.removed else "",
        "外国人住民となった年月日": person.foreign_since or "",
        "地区管理コード1": district,
        **qualifications(person, person_index, person.removed is None, not foreign, since),
    }
    if person.since:  # 転入: from another municipality (the head's household if they came together) or abroad
        if person.name in FROM_ABROAD:
            country, country_name, abroad = FROM_ABROAD[person.name]
            row.update({"転入前住所_国名コード": country, "転入前住所_国名等": country_name, "転入前住所_国外住所": abroad})
        else:
            previous = place(*PREVIOUS["幻町" if person.name in CAME_FROM_NEIGHBOUR else "虚構市"])
            row.update({f"転入前住所_{item}": value for item, value in previous.items()})
        row["転入前住所_世帯主氏名"] = head.name if person.since == head.since else person.name
    if person.removed and person.removed[0] == "2":
        removed_on = person.removed[1]
        row.update({"転出届出年月日": event[2], "転出予定年月日": removed_on, "転出年月日（確定）": removed_on,
                    "転入通知年月日": shift(removed_on, 10)})
        row.update({f"転出先住所（確定）_{item}": value for item, value in place(*MOVED_TO[person.name]).items()})
    if foreign:
        kanji, common, common_kana, country, country_name, kubun, status, period, expiry = FOREIGN[person.name]
        row.update({"氏名_外国人漢字": kanji, "通称": common, "通称_フリガナ": common_kana,
                    "外国人住民となった年月日_不詳フラグ": "0",
                    "在留カード等番号": f"XX{9_000_000 + 71 * person_index:08d}ZZ", "在留カード等番号区分": "1",
                    "国籍等_国名コード": country, "国籍名等": country_name, "第30条45規定区分": kubun,
                    "住居地の届出の有無": "1", "在留資格等コード": status, "在留期間等コード_年": period[0],
                    "在留期間等コード_月": period[1], "在留期間等コード_日": period[2], "在留期間の満了の日": expiry})
    if person.name in KYUSHI:
        row["旧氏"], row["旧氏_フリガナ"] = KYUSHI[person.name]
    # The town before a 転居 within the city: another 町字 of 架空市.
    earlier_town = next(code for code, *_ in TOWNS.values() if code != town_code)
    history = []
    for number, (moved_on, why, filed) in enumerate(moves, start=1):
        removal = person.removed is not None and number == len(moves)
        history.append({
            "市区町村コード": LG_CODE, "宛名番号": atena, "個人履歴番号": str(number), "異動年月日": moved_on,
            "異動届出年月日": filed, "異動事由": why, "住民状態": person.removed[0] if removal and person.removed else "1",
            "世帯番号": household_number,
            "住所_町字コード": earlier_town if address_since != since and moved_on < address_since else town_code,
            "最新フラグ": "1" if number == len(moves) else "0",
        })
    return row, history


# ---------------------------------------------------------------------------------------------------------
# Exports and mutations

TABLES = ("住民", "世帯", "異動履歴")


@dataclass
class Export:
    """One export folder's three files before they are written."""

    files: dict[str, lib.CsvFile]

    def person(self, name: str) -> dict[str, str]:
        """The 住民 record whose 氏名 is `name` (names are unique in the valid export)."""
        return next(row for row in self.files["住民"].rows if row["氏名"] == name)

    def find(self, *selector: str | int) -> dict[str, str]:
        """A record: (氏名,) in 住民, ("世帯", 氏名) the person's 世帯, ("異動履歴", 氏名, n) the n-th 異動."""
        if selector[0] == "世帯":
            number = self.person(str(selector[1]))["世帯番号"]
            return next(row for row in self.files["世帯"].rows if row["世帯番号"] == number)
        if selector[0] == "異動履歴":
            atena = self.person(str(selector[1]))["宛名番号"]
            return next(row for row in self.files["異動履歴"].rows
                        if row["宛名番号"] == atena and row["個人履歴番号"] == str(selector[2]))
        return self.person(str(selector[0]))

    def render(self) -> dict[str, bytes]:
        """File name -> bytes."""
        return lib.rendered(self.files.values())


Value = str | Callable[[str, Export], str]
Mutation = tuple[Any, ...] | Callable[[Export], None]


def same_as(name: str, item: str) -> Callable[[str, Export], str]:
    """Another person's value of `item`."""
    return lambda old, export: export.person(name)[item]


def on_file(table: str, mutation: Callable[[Any], None]) -> Callable[[Export], None]:
    """A file-level mutation (encoding, columns, name) of one table's file."""
    return lambda export: mutation(export.files[table])


def everywhere(name: str, item: str, new: Callable[[str], str]) -> Callable[[Export], None]:
    """Change a person's key in every table alike (世帯主_<item> too), so that the records still link."""
    def mutate(export: Export) -> None:
        old = export.person(name)[item]
        for file in export.files.values():
            for row in file.rows:
                for key in (item, f"世帯主_{item}"):
                    if row.get(key) == old:
                        row[key] = new(old)
    return mutate


def both(*mutations: tuple[Any, ...]) -> Callable[[Export], None]:
    """Several item changes that together make one broken case (e.g. a code and its 表記)."""
    def mutate(export: Export) -> None:
        for mutation in mutations:
            lib.apply(mutation, export, export.find)
    return mutate


def append(table: str, selector: tuple[Any, ...], changes: dict[str, str], broken_line: bool = False,
           ) -> Callable[[Export], None]:
    """Append a copy of a record with some items changed (optionally with one field too many)."""
    def mutate(export: Export) -> None:
        file = export.files[table]
        file.rows.append({**export.find(*selector), **changes})
        if broken_line:
            file.extra_field_row = len(file.rows) - 1
    return mutate


def remove(table: str, selector: tuple[Any, ...]) -> Callable[[Export], None]:
    """Leave one record out."""
    return lambda export: export.files[table].rows.remove(export.find(*selector))


UNKNOWN_ATENA = with_check_digit(f"{1999:09d}", is_m11_number)  # well-formed, but no 住民 has it
NO_MEMBERS = with_check_digit(f"{5099:09d}", is_m11_number)  # a 世帯番号 no 住民 has
HISTORY = "異動履歴"

# case -> (what is broken, in English; the mutation). One mutation per requirement of spec.yaml. A tuple
# (氏名, item, value) changes the 住民 record; ("世帯", 氏名, …) the person's 世帯; (HISTORY, 氏名, n, …) the n-th 異動.
CASES: dict[str, tuple[str, Mutation]] = {
    "JUKI-F-0001": ("住民.csv is encoded in Shift_JIS (cp932)", on_file("住民", set_attribute("encoding", "cp932"))),
    "JUKI-F-0002": ("an appended 住民 line has a trailing comma: one field more than the header",
                    append("住民", ("高橋　拓也",), {}, broken_line=True)),
    "JUKI-F-0003": ("the column 性別表記 is left out of 住民.csv (header and values)", on_file("住民", drop_column("性別表記"))),
    "JUKI-F-0004": ("a non-standard column 独自項目 is added to 住民.csv", on_file("住民", add_column)),
    "JUKI-F-0005": ("住民 is named 住民一覧.csv, so no 住民 file is found",
                    on_file("住民", set_attribute("file_name", "住民一覧.csv"))),
    "JUKI-C-0001": ("氏名 written with 髙 (U+9AD9), outside JIS X 0213", ("高橋　恵子", "氏名", "髙橋　恵子")),
    "JUKI-C-0002": ("氏名_フリガナ in hiragana", ("渡邉　結衣", "氏名_フリガナ", "わたなべ　ゆい")),
    "JUKI-D-0001": ("市区町村コード with a wrong check digit (a moved-out person)",
                    ("小林　真一", "市区町村コード", "999990")),
    "JUKI-D-0002": ("宛名番号 with a wrong check digit, in 住民 and 異動履歴 alike",
                    everywhere("渡邉　大輝", "宛名番号", wrong_check_digit)),
    "JUKI-D-0003": ("世帯番号 with a wrong check digit, in every table alike",
                    everywhere("高橋　拓也", "世帯番号", wrong_check_digit)),
    "JUKI-D-0004": ("住民種別 3, not in the code table", ("濵田　陸", "住民種別", "3")),
    "JUKI-D-0005": ("住民状態 0 in an earlier 異動履歴 record, not in the code table", (HISTORY, "田中　美和", 1, "住民状態", "0")),
    "JUKI-D-0006": ("住民票コード with a wrong check digit", ("鈴木　剛", "住民票コード", wrong_check_digit)),
    "JUKI-D-0007": ("個人番号 with a wrong check digit", ("中村　翼", "個人番号", wrong_check_digit)),
    "JUKI-D-0008": ("氏名 padded with full-width spaces to 101 characters", ("加藤　久子", "氏名", pad(101))),
    "JUKI-D-0009": ("氏_日本人 padded to 51 characters", ("松本　葵", "氏_日本人", pad(51))),
    "JUKI-D-0010": ("名_日本人 padded to 51 characters", ("松本　葵", "名_日本人", pad(51))),
    "JUKI-D-0011": ("氏名_外国人ローマ字 padded with spaces to 101 characters",
                    ("TRAN THI MAI", "氏名_外国人ローマ字", pad(101, " "))),
    "JUKI-D-0012": ("氏名_フリガナ padded to 101 characters", ("田中　義男", "氏名_フリガナ", pad(101))),
    "JUKI-D-0013": ("氏_日本人_フリガナ padded to 51 characters", ("田中　義男", "氏_日本人_フリガナ", pad(51))),
    "JUKI-D-0014": ("名_日本人_フリガナ padded to 51 characters", ("田中　義男", "名_日本人_フリガナ", pad(51))),
    "JUKI-D-0015": ("氏名_フリガナ確認状況 2", ("鈴木　茂", "氏名_フリガナ確認状況", "2")),
    "JUKI-D-0016": ("性別 9 (ISO 5218 'not applicable'), not in the code table", ("中村　翼", "性別", "9")),
    "JUKI-D-0017": ("性別表記 padded to 11 characters", ("中村　翼", "性別表記", pad(11))),
    "JUKI-D-0018": ("生年月日_元号 as the letter S instead of the code 3", ("小林　洋子", "生年月日_元号", "S")),
    "JUKI-D-0019": ("生年月日 in wareki form S60.01.20", ("松本　直樹", "生年月日", "S60.01.20")),
    "JUKI-D-0020": ("生年月日_不詳フラグ 2", ("松本　湊", "生年月日_不詳フラグ", "2")),
    "JUKI-D-0021": ("生年月日_不詳表記 padded to 73 characters", ("德永　ハル", "生年月日_不詳表記", pad(73))),
    "JUKI-D-0022": ("続柄コード1 00, not in the code table (a 子)", ("松本　湊", "続柄コード1", "00")),
    "JUKI-D-0023": ("続柄コード2 1, not in the code table", ("山﨑　節子", "続柄コード2", "1")),
    "JUKI-D-0024": ("続柄コード3 00, not in the code table", ("山﨑　美穂", "続柄コード3", "00")),
    "JUKI-D-0025": ("続柄コード4 00, not in the code table", ("山﨑　陽葵", "続柄コード4", "00")),
    "JUKI-D-0026": ("続柄表記 padded to 21 characters", ("山﨑　陽葵", "続柄表記", pad(21))),
    "JUKI-D-0027": ("世帯主氏名 padded to 101 characters (a removed person)", ("山﨑　キヨ", "世帯主氏名", pad(101))),
    "JUKI-D-0028": ("住所_市区町村コード with a wrong check digit (a moved-out person)",
                    ("TRAN THI HOA", "住所_市区町村コード", "999991")),
    "JUKI-D-0029": ("住所_町字コード with a hyphen: 0003-002 (a moved-out person)",
                    ("高橋　拓也", "住所_町字コード", "0003-002")),
    "JUKI-D-0030": ("住所_都道府県 holding prefecture and city: 架空県架空市", ("濵田　陸", "住所_都道府県", "架空県架空市")),
    "JUKI-D-0031": ("住所_市区郡町村名 holding the whole address (13 characters)",
                    ("田中　美和", "住所_市区郡町村名", "架空市本町二丁目４番２０号")),
    "JUKI-D-0032": ("住所_町字 padded to 121 characters", ("加藤　昭", "住所_町字", pad(121))),
    "JUKI-D-0033": ("住所_番地号表記 padded to 51 characters (a moved-out person)", ("小林　真一", "住所_番地号表記", pad(51))),
    "JUKI-D-0034": ("住所_方書 padded to 301 characters (a moved-out person)", ("TRAN THI HOA", "住所_方書", pad(301))),
    "JUKI-D-0035": ("住所_郵便番号 in full-width digits", ("NGUYEN VAN AN", "住所_郵便番号", "９９９００３１")),
    "JUKI-D-0036": ("住民となった年月日 with slashes: 2010/06/01", ("田中　美和", "住民となった年月日", "2010/06/01")),
    "JUKI-D-0037": ("住民となった年月日_不詳フラグ 2", ("田中　美和", "住民となった年月日_不詳フラグ", "2")),
    "JUKI-D-0038": ("住所を定めた年月日 in wareki form H29.03.01", ("田中　美和", "住所を定めた年月日", "H29.03.01")),
    "JUKI-D-0039": ("住所を定めた年月日_不詳フラグ 2", ("田中　美和", "住所を定めた年月日_不詳フラグ", "2")),
    "JUKI-D-0040": ("異動年月日 2010-06-31 of an earlier 異動履歴 record, not a calendar date",
                    (HISTORY, "田中　美和", 1, "異動年月日", "2010-06-31")),
    "JUKI-D-0041": ("異動届出年月日 2023-02-29, not a calendar date", ("WANG XIUYING", "異動届出年月日", "2023-02-29")),
    "JUKI-D-0042": ("異動事由 1 of an earlier 異動履歴 record: the leading zero of 11 lost",
                    (HISTORY, "田中　美和", 1, "異動事由", "1")),
    "JUKI-D-0043": ("記載順位 in a full-width digit", ("加藤　久子", "記載順位", "２")),
    "JUKI-D-0044": ("本籍 padded to 121 characters", ("鈴木　茂", "本籍", pad(121))),
    "JUKI-D-0045": ("戸籍_筆頭者 padded to 101 characters", ("鈴木　茂", "戸籍_筆頭者", pad(101))),
    # try_strptime still parses an unpadded month, so R-0003 sees the date as recorded.
    "JUKI-D-0046": ("消除の異動年月日 without zero padding: 2014-3-28", ("小林　真一", "消除の異動年月日", "2014-3-28")),
    "JUKI-D-0047": ("消除の異動年月日_不詳フラグ 2", ("鈴木　和子", "消除の異動年月日_不詳フラグ", "2")),
    "JUKI-D-0048": ("消除の事由 as text 転出 instead of a code", ("高橋　拓也", "消除の事由", "転出")),
    # Likewise parsable, so R-0005 still sees the foreign resident's date recorded.
    "JUKI-D-0049": ("外国人住民となった年月日 without zero padding: 2018-4-10",
                    ("NGUYEN VAN AN", "外国人住民となった年月日", "2018-4-10")),
    "JUKI-D-0050": ("地区管理コード1 with a hyphen: A-01 (the option is declared)", ("渡邉　浩二", "地区管理コード1", "A-01")),
    "JUKI-D-0051": ("氏名_外国人漢字 padded to 101 characters", ("WANG XIUYING", "氏名_外国人漢字", pad(101))),
    "JUKI-D-0052": ("旧氏 padded to 51 characters", ("松本　葵", "旧氏", pad(51))),
    "JUKI-D-0053": ("旧氏_フリガナ padded to 51 characters", ("松本　葵", "旧氏_フリガナ", pad(51))),
    "JUKI-D-0054": ("通称 padded to 101 characters", ("WANG XIUYING", "通称", pad(101))),
    "JUKI-D-0055": ("通称_フリガナ padded to 101 characters", ("WANG XIUYING", "通称_フリガナ", pad(101))),
    "JUKI-D-0056": ("住民となった年月日_不詳表記 padded to 73 characters", ("山﨑　キヨ", "住民となった年月日_不詳表記", pad(73))),
    "JUKI-D-0057": ("外国人住民となった年月日_不詳フラグ 2", ("NGUYEN VAN AN", "外国人住民となった年月日_不詳フラグ", "2")),
    "JUKI-D-0058": ("転入前住所_市区町村コード with a wrong check digit",
                    ("渡邉　浩二", "転入前住所_市区町村コード", wrong_check_digit)),
    "JUKI-D-0059": ("転入前住所_町字コード with a hyphen", ("渡邉　浩二", "転入前住所_町字コード", "0001-002")),
    "JUKI-D-0060": ("転入前住所_町字 padded to 121 characters", ("渡邉　由美子", "転入前住所_町字", pad(121))),
    "JUKI-D-0061": ("転入前住所_郵便番号 with a hyphen: 999-2002", ("渡邉　由美子", "転入前住所_郵便番号", "999-2002")),
    "JUKI-D-0062": ("転入前住所_国名コード as the ISO alpha-2 code CN", ("德永　ハル", "転入前住所_国名コード", "CN")),
    "JUKI-D-0063": ("本籍_市区町村コード with a wrong check digit", ("鈴木　茂", "本籍_市区町村コード", "999990")),
    "JUKI-D-0064": ("本籍_町字コード of 6 digits", ("鈴木　茂", "本籍_町字コード", "000400")),
    "JUKI-D-0065": ("本籍_町字 padded to 121 characters", ("鈴木　剛", "本籍_町字", pad(121))),
    "JUKI-D-0066": ("戸籍_筆頭者_氏 padded to 51 characters", ("鈴木　剛", "戸籍_筆頭者_氏", pad(51))),
    "JUKI-D-0067": ("転入通知年月日 2019-04-31, not a calendar date", ("高橋　拓也", "転入通知年月日", "2019-04-31")),
    "JUKI-D-0068": ("転出先住所（確定）_市区町村コード with a wrong check digit",
                    ("高橋　拓也", "転出先住所（確定）_市区町村コード", wrong_check_digit)),
    "JUKI-D-0069": ("転出先住所（確定）_町字コード of 8 digits", ("高橋　拓也", "転出先住所（確定）_町字コード", "00030000")),
    "JUKI-D-0070": ("転出先住所（確定）_方書 padded to 301 characters", ("TRAN THI HOA", "転出先住所（確定）_方書", pad(301))),
    "JUKI-D-0071": ("転出先住所（確定）_郵便番号 with a hyphen", ("TRAN THI HOA", "転出先住所（確定）_郵便番号", "999-2011")),
    "JUKI-D-0072": ("消除の届出年月日 with slashes", ("鈴木　和子", "消除の届出年月日", "2022/12/10")),
    "JUKI-D-0073": ("消除の異動年月日_不詳表記 padded to 73 characters", ("山﨑　キヨ", "消除の異動年月日_不詳表記", pad(73))),
    "JUKI-D-0074": ("在留カード等番号 in lower-case letters", ("TRAN THI MAI", "在留カード等番号", lambda old, *_: old.lower())),
    "JUKI-D-0075": ("在留カード等番号区分 as the letter A", ("TRAN THI MAI", "在留カード等番号区分", "A")),
    "JUKI-D-0076": ("国籍等_国名コード as the ISO alpha-3 code VNM", ("TRAN THI MAI", "国籍等_国名コード", "VNM")),
    "JUKI-D-0077": ("国籍名等 padded to 201 characters", ("TRAN THI MAI", "国籍名等", pad(201))),
    "JUKI-D-0078": ("第30条45規定区分 5, not in the code table", ("NGUYEN MINH KHOA", "第30条45規定区分", "5")),
    "JUKI-D-0079": ("住居地の届出の有無 2", ("NGUYEN MINH KHOA", "住居地の届出の有無", "2")),
    "JUKI-D-0080": ("在留資格等コード 99: three digits expected", ("NGUYEN MINH KHOA", "在留資格等コード", "99")),
    "JUKI-D-0081": ("在留期間等コード_年 in a full-width digit", ("NGUYEN MINH KHOA", "在留期間等コード_年", "３")),
    "JUKI-D-0082": ("在留期間の満了の日 2027-02-29, not a calendar date", ("TRAN THI MAI", "在留期間の満了の日", "2027-02-29")),
    "JUKI-D-0083": ("成年被後見人_該当有無 as the text 無", ("加藤　昭", "成年被後見人_該当有無", "無")),
    "JUKI-D-0084": ("国保資格有無 as the letter Y", ("鈴木　剛", "国保資格有無", "Y")),
    "JUKI-D-0085": ("国保資格取得年月日 2015-04-31, not a calendar date", ("鈴木　剛", "国保資格取得年月日", "2015-04-31")),
    "JUKI-D-0086": ("基礎年金番号 with the hyphen of the 年金手帳", ("中村　翼", "基礎年金番号", lambda old, *_: f"{old[:4]}-{old[4:]}")),
    "JUKI-D-0087": ("年金資格種別 as the text 1号", ("中村　翼", "年金資格種別", "1号")),
    "JUKI-D-0088": ("児童手当資格区分 10", ("松本　直樹", "児童手当資格区分", "10")),
    "JUKI-D-0089": ("児童手当受給開始年月 with a slash: 2020/08", ("松本　直樹", "児童手当受給開始年月", "2020/08")),
    "JUKI-D-0090": ("世帯主_宛名番号 with a wrong check digit", ("世帯", "濵田　陸", "世帯主_宛名番号", wrong_check_digit)),
    "JUKI-D-0091": ("世帯員数 in full-width digits", ("世帯", "松本　直樹", "世帯員数", full_width)),
    "JUKI-D-0092": ("個人履歴番号 01 with a leading zero", (HISTORY, "田中　美和", 1, "個人履歴番号", "01")),
    "JUKI-D-0093": ("最新フラグ 2 on an earlier 異動履歴 record", (HISTORY, "田中　美和", 1, "最新フラグ", "2")),
    "JUKI-R-0001": ("住民となった年月日 1921-04-01, before 生年月日 1999-01-27", ("濵田　陸", "住民となった年月日", "1921-04-01")),
    "JUKI-R-0002": ("生年月日_不詳フラグ 1 without 生年月日_不詳表記", ("德永　ハル", "生年月日_不詳表記", "")),
    "JUKI-R-0003": ("a moved-out person without 消除の事由", ("高橋　拓也", "消除の事由", "")),
    "JUKI-R-0004": ("続柄コード1 and 3 set, 続柄コード2 empty (続柄表記 as the codes read)",
                    both(("山﨑　美穂", "続柄コード2", ""), ("山﨑　美穂", "続柄表記", "子の妻"))),
    "JUKI-R-0005": ("a Japanese resident with 氏名_外国人ローマ字", ("松本　湊", "氏名_外国人ローマ字", "MATSUMOTO MINATO")),
    "JUKI-R-0006": ("a foreign resident with 本籍 (the nationality)", ("WANG XIUYING", "本籍", "中華人民共和国")),
    "JUKI-R-0007": ("a current resident whose 住所_市区町村コード is another municipality's",
                    ("加藤　久子", "住所_市区町村コード", OTHER_LG_CODE)),
    "JUKI-R-0008": ("異動年月日 2023-06-01, before 生年月日 2024-06-01", ("山﨑　陽葵", "異動年月日", "2023-06-01")),
    "JUKI-R-0009": ("消除の異動年月日 1972-12-08, before 住民となった年月日 1975-04-29",
                    ("鈴木　和子", "消除の異動年月日", "1972-12-08")),
    "JUKI-R-0010": ("続柄表記 妻 for a 妻（未届）", ("吉田　さくら", "続柄表記", "妻")),
    "JUKI-R-0011": ("a foreign resident without 国籍名等", ("WANG XIUYING", "国籍名等", "")),
    "JUKI-R-0012": ("a Japanese resident with a 通称", ("松本　葵", "通称", "斎藤　葵")),
    "JUKI-R-0013": ("a 中長期在留者 without 在留カード等番号", ("NGUYEN VAN AN", "在留カード等番号", "")),
    "JUKI-R-0014": ("a 特別永住者 (区分 2) with 在留期間 and its 満了の日", ("TRAN THI MAI", "第30条45規定区分", "2")),
    "JUKI-R-0015": ("a foreign resident with a 旧氏", ("WANG XIUYING", "旧氏", "王")),
    "JUKI-R-0016": ("戸籍_筆頭者_名 剛 while 戸籍_筆頭者 is 鈴木　茂", ("鈴木　剛", "戸籍_筆頭者_名", "剛")),
    "JUKI-R-0017": ("a current resident with 消除の届出年月日", ("鈴木　剛", "消除の届出年月日", "2020-01-06")),
    "JUKI-R-0018": ("a moved-out person without 転出年月日（確定）", ("小林　真一", "転出年月日（確定）", "")),
    "JUKI-R-0019": ("転入前住所_市区町村コード of the municipality itself (a 転居, not a 転入)",
                    ("渡邉　浩二", "転入前住所_市区町村コード", LG_CODE)),
    "JUKI-R-0020": ("国保資格有無 0 while 国保資格取得年月日 is recorded", ("小林　健一", "国保資格有無", "0")),
    "JUKI-R-0021": ("a 後期高齢者医療 被保険者 also in 国保",
                    both(("加藤　昭", "国保資格有無", "1"), ("加藤　昭", "国保資格取得年月日", "2000-12-01"))),
    "JUKI-R-0022": ("後期高齢資格取得年月日 2000-12-01, at 60", ("加藤　昭", "後期高齢資格取得年月日", "2000-12-01")),
    "JUKI-R-0023": ("介護資格取得年月日 1980-04-01, at 36", ("加藤　久子", "介護資格取得年月日", "1980-04-01")),
    "JUKI-R-0024": ("選挙人名簿登録有無 1 for a 10-year-old", ("渡邉　結衣", "選挙人名簿登録有無", "1")),
    "JUKI-X-0001": ("続柄表記 孫 for a 子の子", ("山﨑　健太", "続柄表記", "孫")),
    "JUKI-S-0001": ("a second 住民 record (its own 住民票コード) under a moved-out person's 宛名番号",
                    append("住民", ("高橋　拓也",), {"住民票コード": with_check_digit("9900099990", is_juminhyo_code)})),
    "JUKI-S-0002": ("a household with a second 世帯主 (a child with 続柄コード1 02 and 続柄表記 世帯主)",
                    both(("田中　蓮", "続柄コード1", "02"), ("田中　蓮", "続柄表記", "世帯主"))),
    "JUKI-S-0003": ("a 住民票コード given to two persons", ("鈴木　剛", "住民票コード", same_as("鈴木　茂", "住民票コード"))),
    "JUKI-S-0004": ("a child's 世帯主氏名 is his mother's name, not the 世帯主's", ("松本　湊", "世帯主氏名", "松本　葵")),
    "JUKI-S-0005": ("a 子 born before the 世帯主", ("松本　湊", "生年月日", "1984-07-15")),
    "JUKI-S-0006": ("a 世帯 exported twice", append("世帯", ("世帯", "濵田　陸"), {})),
    "JUKI-S-0007": ("a 世帯 record for a 世帯番号 without any current resident",
                    append("世帯", ("世帯", "濵田　陸"), {"世帯番号": NO_MEMBERS})),
    "JUKI-S-0008": ("the 世帯 of a one-person household is missing", remove("世帯", ("世帯", "濵田　陸"))),
    "JUKI-S-0009": ("世帯主_宛名番号 of the 世帯主's partner", ("世帯", "中村　翼", "世帯主_宛名番号",
                                                          same_as("吉田　さくら", "宛名番号"))),
    "JUKI-S-0010": ("世帯員数 3 for a household of 4", ("世帯", "松本　直樹", "世帯員数", "3")),
    "JUKI-S-0011": ("one member's 住所_方書 differs from the 世帯's", ("渡邉　由美子", "住所_方書", "メゾン本町２０２")),
    "JUKI-S-0012": ("個人履歴番号 3 after 1 (a gap)", (HISTORY, "田中　美和", 2, "個人履歴番号", "3")),
    "JUKI-S-0013": ("a 異動履歴 record of a 宛名番号 that no 住民 has",
                    append(HISTORY, (HISTORY, "鈴木　剛", 1), {"宛名番号": UNKNOWN_ATENA})),
    "JUKI-S-0014": ("the first 異動 dated after the second", (HISTORY, "田中　美和", 1, "異動年月日", "2018-03-01")),
    "JUKI-S-0015": ("a 異動 before 住民となった年月日", (HISTORY, "田中　美和", 1, "異動年月日", "2010-05-31")),
    "JUKI-S-0016": ("最新フラグ 1 on an earlier record too", (HISTORY, "田中　美和", 1, "最新フラグ", "1")),
    "JUKI-S-0017": ("住民 異動事由 11 (転入) while the latest 異動 is 01 (出生)", ("鈴木　剛", "異動事由", "11")),
}


# ---------------------------------------------------------------------------------------------------------
# Verification: the schema and rules of the spec, applied independently of conformance/'s checker


# A table as read: header, records, and per record number the items that failed their schema checks.
Loaded = tuple[list[str], list[dict[str, str]], dict[int, set[str]]]


class Verifier:
    """Which requirements of specs/juki an export's files visibly fail."""

    def __init__(self) -> None:
        self.spec = yaml.safe_load((SPEC_DIR / "spec.yaml").read_text(encoding="utf-8"))
        resources = []
        for path in sorted((ROOT / "specs").rglob("*.schema.json")):
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append((contents["$id"], Resource.from_contents(contents, DRAFT202012)))
        checker = FormatChecker()
        for name, fmt in VALUE_FORMATS.items():
            checker.checks(name)(fmt.check)
        registry = Registry().with_resources(resources).crawl()
        self.schemas: dict[str, Any] = {}
        self.validators: dict[str, Draft202012Validator] = {}
        for table in self.spec["tables"]:
            schema = json.loads((SPEC_DIR / table["schema"]).read_text(encoding="utf-8"))
            self.schemas[table["name"]] = schema
            self.validators[table["name"]] = Draft202012Validator(schema, registry=registry, format_checker=checker)
        self.items: dict[str, list[str]] = {name: list(schema["properties"]) for name, schema in self.schemas.items()}
        self.ids = [requirement["id"] for requirement in self.spec["requirements"]]

    def sql_type(self, table: str, item: str) -> str:
        """The typed view's type of an item, as the checker types it."""
        node = self.schemas[table]["properties"][item]
        if str(node.get("$ref", "")).endswith(("#/$defs/date", "#/$defs/date-lenient")):
            return "DATE"
        return str(node.get("x-sql-type", "VARCHAR"))

    def requirement_of(self, table: str, error: Any) -> list[str]:
        """The requirement(s) a schema error belongs to: the innermost `x-requirement` on its path."""
        schema = self.schemas[table]
        if error.validator == "required":
            return [schema["properties"][name]["x-requirement"]
                    for name in error.validator_value if name not in error.instance]
        node: Any = schema
        found = str(schema["x-requirement"])
        for key in error.absolute_schema_path:
            if (isinstance(node, dict) and key in node) or (isinstance(node, list) and isinstance(key, int)):
                node = node[key]
            else:
                break
            if isinstance(node, dict) and "x-requirement" in node:
                found = str(node["x-requirement"])
        return [found]

    def failing(self, files: dict[str, bytes]) -> set[str]:
        """The requirement IDs that the export in `files` (name -> bytes) fails."""
        failed: set[str] = set()
        tables: dict[str, Loaded] = {}
        for table in self.items:
            data = files.get(f"{table}.csv")
            if data is None:
                failed.add("JUKI-F-0005")
                continue
            try:
                text = data.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                failed.add("JUKI-F-0001")
                text = data.decode("cp932")
            header, *lines = list(csv.reader(io.StringIO(text, newline="")))
            items = self.items[table]
            if sorted(set(items) & set(header)) != sorted(items) or len(set(header)) != len(header):
                failed.add("JUKI-F-0003")
            records = []
            for line in lines:
                if len(line) != len(header):
                    failed.add("JUKI-F-0002")
                    continue
                records.append(dict(zip(header, line, strict=True)))
            bad: dict[int, set[str]] = {}
            for index, record in enumerate(records, start=1):
                present = {item: value for item, value in record.items() if value != ""}
                for error in self.validators[table].iter_errors(present):
                    failed.update(self.requirement_of(table, error))
                    where = list(error.validator_value) if error.validator == "required" else list(error.path)[:1]
                    bad.setdefault(index, set()).update(str(item) for item in where)
            tables[table] = (header, records, bad)
        failed.update(self.rule_failures(tables))
        return failed

    def rule_failures(self, tables: dict[str, Loaded]) -> set[str]:
        """The row and dataset rules some record violates, run in DuckDB as the spec states them."""
        con = duckdb.connect()
        register_functions(con, AS_OF)
        con.execute("CREATE SCHEMA juki")
        for table, (_, records, _) in tables.items():
            items = self.items[table]
            columns = ", ".join(f'"{item}" VARCHAR' for item in items)
            con.execute(f'CREATE TABLE "raw_{table}" (_record INTEGER, {columns})')
            if records:
                # One statement for all records: executemany is slow in DuckDB.
                placeholders = ", ".join(f"(?{', ?' * len(items)})" for _ in records)
                values = [value for index, record in enumerate(records, start=1)
                          for value in (index, *(record.get(item) or None for item in items))]
                con.execute(f'INSERT INTO "raw_{table}" VALUES {placeholders}', values)
            # As the checker types them: an unparsable value is NULL in the rules.
            selected = []
            for item in items:
                kind = self.sql_type(table, item)
                if kind == "DATE":
                    selected.append(f"try_strptime(\"{item}\", '%Y-%m-%d')::DATE AS \"{item}\"")
                elif kind != "VARCHAR":
                    selected.append(f'TRY_CAST("{item}" AS {kind}) AS "{item}"')
                else:
                    selected.append(f'"{item}"')
            con.execute(f'CREATE TABLE juki."{table}" AS SELECT _record, {", ".join(selected)} FROM "raw_{table}"')
        failed = set()
        for requirement in self.spec["requirements"]:
            check = requirement["check"]
            needed = {check.get("table")} | {reference["table"] for reference in check.get("references", [])}
            if check["kind"] not in ("row", "dataset") or not needed <= set(tables):
                continue
            if check["kind"] == "row":
                # As the checker does: a record whose declared items failed their schema checks is not judged.
                skipped = [str(index) for index, items in tables[check["table"]][2].items() if items & set(check["items"])]
                query = f"SELECT _record FROM juki.\"{check['table']}\" WHERE ({check['sql']})"
                if skipped:
                    query += f" AND _record NOT IN ({', '.join(skipped)})"
            else:
                query = check["sql"]
            if con.execute(query).fetchall():
                failed.add(requirement["id"])
        con.close()
        return failed


def check_valid(built: Built, verifier: Verifier) -> None:
    """Fail unless the valid export has what the fixtures promise and violates nothing."""
    rows = built.jumin
    problems = lib.non_jis_values(lambda row: row["氏名"], rows)
    names = [row["氏名"] for row in rows]
    if len(set(names)) != len(names):
        problems.append("氏名 not unique: cases select persons by name")
    for item in ("宛名番号", "住民票コード"):
        if len({row[item] for row in rows}) != len(rows):
            problems.append(f"{item} not unique")
    if not all(is_lg_code(code) for code in CITY_CODES.values()):
        problems.append("市区町村コード check digit")
    problems += lib.unfilled_items(verifier.items["住民"], rows, "住民")
    problems += lib.unfilled_items(verifier.items["世帯"], built.setai, "世帯")
    problems += lib.unfilled_items(verifier.items["異動履歴"], built.rireki, "異動履歴")
    lib.fail_if_any(problems)


def export_of(built: Built, items: dict[str, list[str]]) -> Export:
    """A fresh Export of the valid tables (mutations never leak between cases)."""
    rows = {"住民": built.jumin, "世帯": built.setai, "異動履歴": built.rireki}
    return Export(lib.tables_of(items, rows, TABLES))


def main() -> None:
    """Rebuild fixtures/juki/ from scratch and verify every file before writing it."""
    verifier = Verifier()
    built = build(verifier.items)
    check_valid(built, verifier)
    valid_files = export_of(built, verifier.items).render()
    failed = verifier.failing(valid_files)
    if failed:
        raise SystemExit(f"valid export fails {sorted(failed)}")

    lib.check_cases(CASES, verifier.ids)
    folders: dict[str, dict[str, bytes]] = {}
    problems = []
    for requirement_id in verifier.ids:
        description, mutation = CASES[requirement_id]
        export = export_of(built, verifier.items)
        lib.apply(mutation, export, export.find)
        files = export.render()
        seen = verifier.failing(files)
        if seen != {requirement_id}:
            problems.append(f"{requirement_id}: fails {sorted(seen)}, expected only itself")
        # A 標準オプション is tested only when the vendor declares it.
        declaration = DECLARATION if requirement_id == "JUKI-D-0050" else None
        folders[requirement_id.lower()] = lib.case_files("juki", requirement_id, description, files, declaration)
    lib.fail_if_any(problems)
    lib.publish(OUT, DECLARATION, valid_files, folders, verify=verify_with_engine)
    households = len(built.setai)
    foreign = sum(row["住民種別"] == "2" for row in built.jumin)
    removed = sum(row["住民状態"] != "1" for row in built.jumin)
    print(f"valid: {len(built.jumin)} persons, {households} households, {len(built.rireki)} 異動, {foreign} foreign, "
          f"{removed} removed; invalid: {len(folders)} cases")


def verify_with_engine(staging: Any) -> None:
    """The suite itself must agree with the Verifier: the valid export passes, each case fails only itself."""
    from conformance.runner import RunOptions, load_declaration, run

    declaration = load_declaration(staging / "declaration.yaml")
    valid = run(staging / "valid", ["juki"], RunOptions(declaration=declaration, as_of=AS_OF))
    if {r.verdict for r in valid.requirements} != {"pass"}:
        raise SystemExit(f"engine: valid export {[(r.id, r.verdict) for r in valid.requirements if r.verdict != 'pass']}")
    problems = []
    for case in sorted((staging / "invalid").iterdir()):
        expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        options = RunOptions(as_of=AS_OF, declaration=load_declaration(case / expected["declaration"])
                             if "declaration" in expected else None)
        result = run(case, ["juki"], options)
        errors = [(r.id, r.reason) for r in result.requirements if r.verdict == "error"]
        if result.failed_ids() != expected["fail"] or errors:
            problems.append(f"{case.name}: engine fails {result.failed_ids()} (errors {errors})")
    lib.fail_if_any(problems)


if __name__ == "__main__":
    main()
