"""Generate fixtures/koseki/: a conforming 戸籍 export of fictional 架空市 and one broken copy per requirement.

Run `.venv/bin/python scripts/make_koseki_fixtures.py`. The output is deterministic. The 戸籍 hold the persons of
fixtures/juki/valid/住民.csv whose 本籍 is in 架空市 (same 氏名, 生年月日, 本籍 and 筆頭者), plus relatives who
died or left before. Every folder is checked with the suite's own engine before anything is written: the valid
export must pass every requirement, and each broken copy must fail exactly its own requirement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import fixturelib as lib
from fixturelib import JUKI_EXPORT, JUKI_FILE, ROOT, pad

from conformance.checks.formats import is_lg_code

OPERATION = "koseki"
OUT = ROOT / "fixtures" / OPERATION
LG_CODE = "999997"  # 架空市, as in fixtures/juki (prefecture 99 does not exist)
CITY = "架空県架空市"
DECLARATION = """\
system: {name: 架空戸籍システム, version: "1.0", vendor: 架空ベンダー}
specs: {koseki: 0.1.0}
options: []
"""
KOSEKI, KOJIN, JIKO = "戸籍", "戸籍の個人", "戸籍の身分事項"
TABLES = (KOSEKI, KOJIN, JIKO)


@dataclass(frozen=True)
class Person:
    """What a person's rows share in every 戸籍 (戸籍法第13条): name, birth, parents."""

    family: str
    given: str
    kana: tuple[str, str]
    birth: str
    sex: str
    father: str  # 父の氏名 (empty: not recorded)
    mother: str
    relation: str  # 父母との続柄
    father_pid: str = ""  # set when the father is in the exported data
    mother_pid: str = ""


@dataclass(frozen=True)
class Event:
    """One 身分事項 (戸籍法施行規則第35条)."""

    kind: str
    date: str
    notified: str  # 届出年月日 ("" when not by 届出)
    text: str


@dataclass(frozen=True)
class Entry:
    """A person's record in one 戸籍: how and when the person entered and left it, and its 身分事項."""

    pid: str
    entered: tuple[str, str]  # (入籍年月日, 入籍事由)
    removed: tuple[str, str] | None = None  # (除籍年月日, 除籍事由)
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Koseki:
    """One 戸籍 of 架空市, identified by 本籍 and 筆頭者氏名; entries in 順位 order (the first is the 筆頭者)."""

    place: str  # 本籍 after 架空県架空市
    head: str
    made: tuple[str, str]  # (編製年月日, 編製事由)
    closed: tuple[str, str] | None = None  # (消除年月日, 消除事由)
    entries: list[Entry] = field(default_factory=list)


def born(date: str, notified: str, place: str = "架空県架空市") -> Event:
    return Event("出生", date, notified, f"【出生地】{place}")


def married(date: str, spouse: str, detail: str = "") -> Event:
    return Event("婚姻", date, date, f"【配偶者氏名】{spouse}{detail}")


def died(date: str, notified: str) -> Event:
    return Event("死亡", date, notified, "【死亡地】架空県架空市")


# 個人識別番号 -> person. Persons of fixtures/juki keep its 氏名 and 生年月日 (including 1959-02-29, which is not a
# calendar date, and 德永 ハル's 1945-01-01, recorded there as 不詳).
P = Person
PERSONS: dict[str, Person] = {
    "7000011": P("山﨑", "正雄", ("ヤマザキ", "マサオ"), "1932-05-10", "1", "山﨑　正一", "山﨑　トメ", "長男"),
    "7000029": P("山﨑", "キヨ", ("ヤマザキ", "キヨ"), "1933-11-03", "2", "佐藤　勘助", "佐藤　ウメ", "二女"),
    "7000037": P("山﨑", "和夫", ("ヤマザキ", "カズオ"), "1953-04-21", "1", "山﨑　正雄", "山﨑　キヨ", "長男",
                 "7000011", "7000029"),
    "7000045": P("山﨑", "房子", ("ヤマザキ", "フサコ"), "1956-07-07", "2", "山﨑　正雄", "山﨑　キヨ", "長女",
                 "7000011", "7000029"),
    "7000053": P("山﨑", "節子", ("ヤマザキ", "セツコ"), "1955-09-15", "2", "木村　一男", "木村　春子", "長女"),
    "7000061": P("山﨑", "健太", ("ヤマザキ", "ケンタ"), "1976-02-11", "1", "山﨑　和夫", "山﨑　節子", "長男",
                 "7000037", "7000053"),
    "7000070": P("山﨑", "美穂", ("ヤマザキ", "ミホ"), "1977-08-30", "2", "中島　隆", "中島　和江", "長女"),
    "7000088": P("山﨑", "翔", ("ヤマザキ", "ショウ"), "1999-12-24", "1", "山﨑　健太", "山﨑　美穂", "長男",
                 "7000061", "7000070"),
    "7000290": P("山﨑", "彩", ("ヤマザキ", "アヤ"), "2000-03-03", "2", "小川　実", "小川　恵", "長女"),
    "7000304": P("山﨑", "陽葵", ("ヤマザキ", "ヒマリ"), "2024-06-01", "2", "山﨑　翔", "山﨑　彩", "長女",
                 "7000088", "7000290"),
    "7000096": P("德永", "ハル", ("トクナガ", "ハル"), "1945-01-01", "2", "德永　安吉", "德永　ウメ", "長女"),
    "7000100": P("高橋", "誠", ("タカハシ", "マコト"), "1968-06-30", "1", "高橋　茂雄", "高橋　トミ", "長男"),
    "7000118": P("高橋", "恵子", ("タカハシ", "ケイコ"), "1970-01-19", "2", "石田　浩", "石田　良子", "二女"),
    "7000126": P("高橋", "拓也", ("タカハシ", "タクヤ"), "1996-04-02", "1", "高橋　誠", "高橋　恵子", "長男",
                 "7000100", "7000118"),
    "7000134": P("鈴木", "茂", ("スズキ", "シゲル"), "1950-02-14", "1", "鈴木　徳三", "鈴木　サダ", "三男"),
    "7000142": P("鈴木", "和子", ("スズキ", "カズコ"), "1953-07-07", "2", "岡本　義一", "岡本　静江", "長女"),
    "7000150": P("鈴木", "剛", ("スズキ", "ツヨシ"), "1978-10-10", "1", "鈴木　茂", "鈴木　和子", "長男",
                 "7000134", "7000142"),
    "7000169": P("田中", "美和", ("タナカ", "ミワ"), "1982-11-11", "2", "田中　義男", "田中　京子", "長女"),
    "7000177": P("田中", "大介", ("タナカ", "ダイスケ"), "1980-08-20", "1", "森　正志", "森　早苗", "二男"),
    "7000185": P("田中", "蓮", ("タナカ", "レン"), "2012-04-05", "1", "田中　大介", "田中　美和", "長男",
                 "7000177", "7000169"),
    "7000193": P("田中", "芽依", ("タナカ", "メイ"), "2015-09-18", "2", "田中　大介", "田中　美和", "長女",
                 "7000177", "7000169"),
    "7000207": P("小林", "健一", ("コバヤシ", "ケンイチ"), "1959-02-29", "1", "小林　実", "小林　文子", "長男"),
    "7000215": P("小林", "洋子", ("コバヤシ", "ヨウコ"), "1962-06-06", "2", "西村　保", "西村　道子", "長女"),
    "7000223": P("小林", "真一", ("コバヤシ", "シンイチ"), "1990-03-03", "1", "小林　健一", "小林　洋子", "長男",
                 "7000207", "7000215"),
    "7000231": P("加藤", "清", ("カトウ", "キヨシ"), "1910-03-03", "1", "加藤　金蔵", "加藤　イネ", "長男"),
    "7000240": P("加藤", "ミツ", ("カトウ", "ミツ"), "1915-08-08", "2", "松井　重吉", "松井　キク", "長女"),
    "7000258": P("加藤", "昭", ("カトウ", "アキラ"), "1940-12-01", "1", "加藤　清", "加藤　ミツ", "長男",
                 "7000231", "7000240"),
    "7000266": P("加藤", "久子", ("カトウ", "ヒサコ"), "1944-03-15", "2", "加藤　清", "加藤　ミツ", "長女",
                 "7000231", "7000240"),
    "7000274": P("佐藤", "一郎", ("サトウ", "イチロウ"), "1920-01-15", "1", "佐藤　平八", "佐藤　タケ", "二男"),
    "7000282": P("佐藤", "ハナ", ("サトウ", "ハナ"), "1925-04-04", "2", "村上　権三", "村上　フミ", "長女"),
}

E = Entry
YAMAZAKI = "本町一丁目１番地"
KOSEKIS: list[Koseki] = [
    Koseki(YAMAZAKI, "山﨑　正雄", ("1952-03-20", "婚姻"), None, [
        E("7000011", ("1952-03-20", "婚姻"), None,
          (born("1932-05-10", "1932-05-20"), married("1952-03-20", "佐藤　キヨ"))),
        E("7000029", ("1952-03-20", "婚姻"), ("2013-01-15", "死亡"),
          (born("1933-11-03", "1933-11-13", "架空県虚構市"), married("1952-03-20", "山﨑　正雄"),
           died("2013-01-15", "2013-01-17"))),
        E("7000037", ("1953-04-21", "出生"), ("1975-05-10", "婚姻"),
          (born("1953-04-21", "1953-05-01"),
           married("1975-05-10", "木村　節子", f"【新本籍】{CITY}{YAMAZAKI}"))),
        E("7000045", ("1956-07-07", "出生"), ("1980-10-10", "婚姻"),
          (born("1956-07-07", "1956-07-14"), married("1980-10-10", "大野　修", "【新本籍】架空県虚構市西町２番地"))),
    ]),
    # A married son's 戸籍 at the same 本籍 as his parents': the 表示 differs by its 筆頭者.
    Koseki(YAMAZAKI, "山﨑　和夫", ("1975-05-10", "婚姻"), None, [
        E("7000037", ("1975-05-10", "婚姻"), None, (married("1975-05-10", "木村　節子"),)),
        E("7000053", ("1975-05-10", "婚姻"), None,
          (born("1955-09-15", "1955-09-25", "架空県幻町"), married("1975-05-10", "山﨑　和夫"))),
        E("7000061", ("1976-02-11", "出生"), ("1998-06-01", "婚姻"), (married("1998-06-01", "中島　美穂"),)),
    ]),
    Koseki(YAMAZAKI, "山﨑　健太", ("1998-06-01", "婚姻"), None, [
        E("7000061", ("1998-06-01", "婚姻"), None, (born("1976-02-11", "1976-02-20"), married("1998-06-01", "中島　美穂"))),
        E("7000070", ("1998-06-01", "婚姻"), None,
          (born("1977-08-30", "1977-09-08", "架空県虚構市"),
           married("1998-06-01", "山﨑　健太", "【従前戸籍】架空県虚構市北町５番地　中島　隆"))),
        E("7000088", ("1999-12-24", "出生"), ("2023-05-01", "婚姻"),
          (born("1999-12-24", "2000-01-03"), married("2023-05-01", "小川　彩", f"【新本籍】{CITY}{YAMAZAKI}"))),
    ]),
    # The son married (his own 戸籍, same 本籍) and divorced; the daughter stays in his 戸籍 (親権者 父).
    Koseki(YAMAZAKI, "山﨑　翔", ("2023-05-01", "婚姻"), None, [
        E("7000088", ("2023-05-01", "婚姻"), None,
          (married("2023-05-01", "小川　彩"), Event("離婚", "2025-08-01", "2025-08-01", "【配偶者氏名】山﨑　彩"))),
        E("7000290", ("2023-05-01", "婚姻"), ("2025-08-01", "離婚"),
          (born("2000-03-03", "2000-03-10", "架空県虚構市"), married("2023-05-01", "山﨑　翔"),
           Event("離婚", "2025-08-01", "2025-08-01", "【配偶者氏名】山﨑　翔【新本籍】架空県虚構市中央一丁目２番地"))),
        E("7000304", ("2024-06-01", "出生"), None,
          (born("2024-06-01", "2024-06-11"), Event("親権", "2025-08-01", "2025-08-01", "【親権者】父"))),
    ]),
    # 就籍 (戸籍法第110条): a returnee without a 戸籍; her exact birth date is not known (住民票: 昭和２０年頃).
    Koseki("駅前三丁目８番地", "德永　ハル", ("1996-09-01", "就籍"), None, [
        E("7000096", ("1996-09-01", "就籍"), None,
          (Event("出生", "1945-01-01", "", "【出生地】不詳"),
           Event("就籍", "1996-08-20", "1996-09-01", "【就籍許可の裁判確定日】平成８年８月２０日"))),
    ]),
    Koseki("緑が丘二丁目７番地", "高橋　誠", ("1995-09-01", "婚姻"), None, [
        E("7000100", ("1995-09-01", "婚姻"), None,
          (born("1968-06-30", "1968-07-05", "架空県虚構市"), married("1995-09-01", "石田　恵子"))),
        E("7000118", ("1995-09-01", "婚姻"), None, (born("1970-01-19", "1970-01-26"), married("1995-09-01", "高橋　誠"))),
        # Lives elsewhere since 2019 (住民票 removed in 架空市): 戸籍 people need not be residents.
        E("7000126", ("1996-04-02", "出生"), None, (born("1996-04-02", "1996-04-10"),)),
    ]),
    Koseki("大字東山２３４番地", "鈴木　茂", ("1975-04-29", "婚姻"), None, [
        E("7000134", ("1975-04-29", "婚姻"), None, (born("1950-02-14", "1950-02-24"), married("1975-04-29", "岡本　和子"))),
        E("7000142", ("1975-04-29", "婚姻"), ("2022-12-08", "死亡"),
          (born("1953-07-07", "1953-07-15"), married("1975-04-29", "鈴木　茂"), died("2022-12-08", "2022-12-10"))),
        E("7000150", ("1978-10-10", "出生"), None, (born("1978-10-10", "1978-10-18"),)),
    ]),
    # 妻の氏 chosen at 婚姻: the wife is the 筆頭者; the husband left by 離婚 and stays recorded as 除籍.
    Koseki("本町二丁目４番地", "田中　美和", ("2011-05-05", "婚姻"), None, [
        E("7000169", ("2011-05-05", "婚姻"), None,
          (born("1982-11-11", "1982-11-19", "架空県虚構市"), married("2011-05-05", "森　大介"),
           Event("離婚", "2017-02-15", "2017-02-15", "【配偶者氏名】田中　大介"))),
        E("7000177", ("2011-05-05", "婚姻"), ("2017-02-15", "離婚"),
          (born("1980-08-20", "1980-08-29", "架空県幻町"), married("2011-05-05", "田中　美和"),
           Event("離婚", "2017-02-15", "2017-02-15", "【配偶者氏名】田中　美和【新本籍】架空県幻町大字東原１番地"))),
        E("7000185", ("2012-04-05", "出生"), None,
          (born("2012-04-05", "2012-04-12"), Event("親権", "2017-02-15", "2017-02-15", "【親権者】母"))),
        E("7000193", ("2015-09-18", "出生"), None,
          (born("2015-09-18", "2015-09-28"), Event("親権", "2017-02-15", "2017-02-15", "【親権者】母"))),
    ]),
    Koseki("駅前三丁目２番地", "小林　健一", ("1988-05-05", "婚姻"), None, [
        E("7000207", ("1988-05-05", "婚姻"), None, (born("1959-02-29", "1959-03-05"), married("1988-05-05", "西村　洋子"))),
        E("7000215", ("1988-05-05", "婚姻"), None, (born("1962-06-06", "1962-06-13"), married("1988-05-05", "小林　健一"))),
        E("7000223", ("1990-03-03", "出生"), None, (born("1990-03-03", "1990-03-12"),)),
    ]),
    # The 筆頭者 died long ago and stays the 筆頭者; two unmarried children remain. Older 身分事項 were not migrated.
    Koseki("港町３番地", "加藤　清", ("1938-04-01", "婚姻"), None, [
        E("7000231", ("1938-04-01", "婚姻"), ("1985-06-30", "死亡")),
        E("7000240", ("1938-04-01", "婚姻"), ("1999-01-20", "死亡"), (died("1999-01-20", "1999-01-22"),)),
        E("7000258", ("1940-12-01", "出生"), None, (born("1940-12-01", "1940-12-10"),)),
        E("7000266", ("1944-03-15", "出生")),
    ]),
    # A 除かれた戸籍: everyone removed (戸籍法第12条).
    Koseki("大字東山１０番地", "佐藤　一郎", ("1948-05-05", "婚姻"), ("2005-08-10", "全員除籍"), [
        E("7000274", ("1948-05-05", "婚姻"), ("1990-11-11", "死亡"),
          (married("1948-05-05", "村上　ハナ"), died("1990-11-11", "1990-11-13"))),
        E("7000282", ("1948-05-05", "婚姻"), ("2005-08-10", "死亡"),
          (married("1948-05-05", "佐藤　一郎"), died("2005-08-10", "2005-08-11"))),
    ]),
]


def full_name(person: Person) -> str:
    return f"{person.family}　{person.given}"


def build_tables(items: dict[str, list[str]]) -> dict[str, list[dict[str, str]]]:
    """The valid export: rows per table, every schema item present (empty when not recorded)."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    for koseki in KOSEKIS:
        honseki = CITY + koseki.place
        tables[KOSEKI].append({
            "本籍_市区町村コード": LG_CODE,
            "本籍": honseki,
            "筆頭者氏名": koseki.head,
            "編製年月日": koseki.made[0],
            "編製事由": koseki.made[1],
            "消除年月日": koseki.closed[0] if koseki.closed else "",
            "消除事由": koseki.closed[1] if koseki.closed else "",
        })
        for rank, entry in enumerate(koseki.entries, start=1):
            person = PERSONS[entry.pid]
            current = entry.removed is None
            if rank == 1 and full_name(person) != koseki.head:
                raise AssertionError(f"{koseki.head}: the first entry is not the 筆頭者")
            tables[KOJIN].append({
                "本籍": honseki,
                "筆頭者氏名": koseki.head,
                "順位": str(rank),
                "個人識別番号": entry.pid,
                "筆頭者フラグ": "1" if rank == 1 else "0",
                "氏": person.family,
                "名": person.given,
                # 振り仮名 are recorded since 2025-05-26 (令和5年法律第48号): only for persons still in the 戸籍.
                "氏_フリガナ": person.kana[0] if current else "",
                "名_フリガナ": person.kana[1] if current else "",
                "生年月日": person.birth,
                "性別": person.sex,
                "父の氏名": person.father,
                "母の氏名": person.mother,
                "父母との続柄": person.relation,
                "父_個人識別番号": person.father_pid,
                "母_個人識別番号": person.mother_pid,
                "入籍年月日": entry.entered[0],
                "入籍事由": entry.entered[1],
                "除籍フラグ": "0" if current else "1",
                "除籍年月日": entry.removed[0] if entry.removed else "",
                "除籍事由": entry.removed[1] if entry.removed else "",
            })
            for event in entry.events:
                tables[JIKO].append({
                    "本籍": honseki,
                    "筆頭者氏名": koseki.head,
                    "順位": str(rank),
                    "事項種別": event.kind,
                    "事項年月日": event.date,
                    "届出年月日": event.notified,
                    "事項内容": event.text,
                })
    for name, rows in tables.items():
        for row in rows:
            if list(row) != items[name]:
                raise AssertionError(f"{name}: build_tables does not list the schema's items in schema order")
    return tables


# ---------------------------------------------------------------------------------------------------------
# Exports and mutations


@dataclass
class Export:
    """A whole export folder before it is written: the tables, and files copied unchanged."""

    tables: dict[str, lib.CsvFile]
    copies: dict[str, bytes] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        rendered = {table.file_name: table.render() for table in self.tables.values()}
        return rendered | self.copies

    def rows(self, table: str, where: Callable[[dict[str, str]], bool], what: str) -> list[dict[str, str]]:
        found = [row for row in self.tables[table].rows if where(row)]
        if not found:
            raise AssertionError(f"no {table} row: {what}")
        return found

    def one(self, table: str, where: Callable[[dict[str, str]], bool], what: str) -> dict[str, str]:
        found = self.rows(table, where, what)
        if len(found) != 1:
            raise AssertionError(f"{len(found)} {table} rows: {what}")
        return found[0]

    def person(self, name: str, head: str | None = None) -> dict[str, str]:
        """The 戸籍の個人 row of `name` (氏　名), in the 戸籍 of `head` when the person is in several."""
        return self.one(KOJIN, lambda r: f"{r['氏']}　{r['名']}" == name and head in (None, r["筆頭者氏名"]),
                        f"{name} in {head}")

    def koseki(self, head: str) -> dict[str, str]:
        return self.one(KOSEKI, lambda r: r["筆頭者氏名"] == head, head)

    def event(self, name: str, kind: str, head: str | None = None) -> dict[str, str]:
        person = self.person(name, head)
        return self.one(JIKO, lambda r: (r["本籍"], r["筆頭者氏名"], r["順位"], r["事項種別"])
                        == (person["本籍"], person["筆頭者氏名"], person["順位"], kind), f"{kind} of {name}")


Value = str | Callable[[str], str]
Mutation = Callable[[Export], None]


def change(row: dict[str, str], item: str, value: Value) -> None:
    new = value(row[item]) if callable(value) else value
    if new == row[item]:
        raise AssertionError(f"mutation of {item} changes nothing")
    row[item] = new


def person_set(name: str, item: str, value: Value, head: str | None = None) -> Mutation:
    return lambda export: change(export.person(name, head), item, value)


def koseki_set(head: str, item: str, value: Value) -> Mutation:
    return lambda export: change(export.koseki(head), item, value)


def event_set(name: str, kind: str, item: str, value: Value, head: str | None = None) -> Mutation:
    return lambda export: change(export.event(name, kind, head), item, value)


def pid_of(name: str, head: str | None = None) -> Callable[[Export], str]:
    return lambda export: export.person(name, head)["個人識別番号"]


def person_set_from(name: str, item: str, source: Callable[[Export], str]) -> Mutation:
    """Set `item` of `name` to a value read from the export (another person's number)."""
    return lambda export: change(export.person(name), item, source(export))


def rename_koseki(head: str, item: str, value: Value) -> Mutation:
    """Change 本籍 or 筆頭者氏名 of one 戸籍 in every table, consistently (the key stays a key)."""

    def mutate(export: Export) -> None:
        for table in TABLES:
            for row in export.rows(table, lambda r: r["筆頭者氏名"] == head, head):
                change(row, item, value)

    return mutate


def duplicate(table: str, where: Callable[[dict[str, str]], bool], **changes: str) -> Mutation:
    """Append a copy of one row, with `changes`."""

    def mutate(export: Export) -> None:
        copy = dict(export.one(table, where, f"row to duplicate in {table}"))
        for item, value in changes.items():
            change(copy, item, value)
        export.tables[table].rows.append(copy)

    return mutate


def drop_row(table: str, where: Callable[[dict[str, str]], bool]) -> Mutation:
    def mutate(export: Export) -> None:
        row = export.one(table, where, f"row to drop in {table}")
        export.tables[table].rows.remove(row)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    """Several changes that together make one mistake (e.g. a 戸籍 not marked removed: no date, no reason)."""

    def mutate(export: Export) -> None:
        for mutation in mutations:
            mutation(export)

    return mutate


def drop_column(table: str, item: str) -> Mutation:
    return lambda export: export.tables[table].header.remove(item)


def add_column(table: str) -> Mutation:
    return lambda export: lib.add_column(export.tables[table])


def file_attribute(table: str, name: str, value: object) -> Mutation:
    return lambda export: setattr(export.tables[table], name, value)


def head_is(head: str) -> Callable[[dict[str, str]], bool]:
    return lambda row: row["筆頭者氏名"] == head


SATO, KATO = "佐藤　一郎", "加藤　清"

# case -> (what is broken, in English; the mutation). One mutation per requirement of spec.yaml.
CASES: dict[str, tuple[str, Mutation]] = {
    "KOSEKI-F-0001": ("戸籍の身分事項.csv is encoded in Shift_JIS (cp932)", file_attribute(JIKO, "encoding", "cp932")),
    "KOSEKI-F-0002": ("one line of 戸籍の身分事項.csv has a trailing comma: one field more than the header",
                      file_attribute(JIKO, "extra_field_row", 4)),
    "KOSEKI-F-0003": ("the column 事項内容 is left out of 戸籍の身分事項.csv (header and values)",
                      drop_column(JIKO, "事項内容")),
    "KOSEKI-F-0004": ("a non-standard column 独自項目 is added to 戸籍.csv", add_column(KOSEKI)),
    "KOSEKI-F-0005": ("戸籍の身分事項 is exported as 身分事項.csv, so no 戸籍の身分事項 file is found",
                      file_attribute(JIKO, "file_name", "身分事項.csv")),
    "KOSEKI-C-0001": ("事項内容 of a 出生 written with half-width katakana ｶｸｳｹﾝ",
                      event_set("山﨑　翔", "出生", "事項内容", "【出生地】ｶｸｳｹﾝｶｸｳｼ", head="山﨑　健太")),
    "KOSEKI-C-0002": ("名_フリガナ in hiragana", person_set("加藤　久子", "名_フリガナ", "ひさこ")),
    "KOSEKI-D-0001": ("本籍_市区町村コード with a wrong check digit", koseki_set("山﨑　正雄", "本籍_市区町村コード", "999990")),
    "KOSEKI-D-0002": ("本籍 of a removed 戸籍 padded to 121 characters, in every table",
                      rename_koseki(SATO, "本籍", pad(121))),
    "KOSEKI-D-0003": ("筆頭者氏名 of a removed 戸籍 padded to 101 characters, in every table",
                      rename_koseki(SATO, "筆頭者氏名", pad(101))),
    "KOSEKI-D-0004": ("編製年月日 in wareki form S23.05.05", koseki_set(SATO, "編製年月日", "S23.05.05")),
    "KOSEKI-D-0005": ("編製事由 結婚 instead of 婚姻", koseki_set("高橋　誠", "編製事由", "結婚")),
    "KOSEKI-D-0006": ("消除年月日 with slashes: 2005/08/10", koseki_set(SATO, "消除年月日", "2005/08/10")),
    "KOSEKI-D-0007": ("消除事由 除籍, not a defined value", koseki_set(SATO, "消除事由", "除籍")),
    "KOSEKI-D-0008": ("順位 in a full-width digit", person_set("加藤　久子", "順位", "４")),
    "KOSEKI-D-0009": ("個人識別番号 with a letter", person_set("加藤　久子", "個人識別番号", "A7000266")),
    "KOSEKI-D-0010": ("筆頭者フラグ 2", person_set("加藤　久子", "筆頭者フラグ", "2")),
    "KOSEKI-D-0011": ("氏 of a removed person padded to 51 characters", person_set("山﨑　キヨ", "氏", pad(51))),
    "KOSEKI-D-0012": ("名 of a removed person padded to 51 characters", person_set("山﨑　キヨ", "名", pad(51))),
    "KOSEKI-D-0013": ("氏_フリガナ padded to 51 characters", person_set("加藤　久子", "氏_フリガナ", pad(51))),
    "KOSEKI-D-0014": ("名_フリガナ padded to 51 characters", person_set("加藤　久子", "名_フリガナ", pad(51))),
    "KOSEKI-D-0015": ("生年月日 in wareki form S08.11.03", person_set("山﨑　キヨ", "生年月日", "S08.11.03")),
    "KOSEKI-D-0016": ("性別 9, not in the code table", person_set("加藤　久子", "性別", "9")),
    "KOSEKI-D-0017": ("父の氏名 padded to 101 characters", person_set("加藤　久子", "父の氏名", pad(101))),
    "KOSEKI-D-0018": ("母の氏名 padded to 101 characters", person_set("加藤　久子", "母の氏名", pad(101))),
    "KOSEKI-D-0019": ("父母との続柄 次男 instead of the 戸籍 form 二男", person_set("田中　大介", "父母との続柄", "次男")),
    "KOSEKI-D-0020": ("父_個人識別番号 in full-width digits", person_set("加藤　昭", "父_個人識別番号", "７０００２３１")),
    "KOSEKI-D-0021": ("母_個人識別番号 with a hyphen", person_set("加藤　昭", "母_個人識別番号", "7000-240")),
    "KOSEKI-D-0022": ("入籍年月日 with slashes: 1995/09/01", person_set("高橋　恵子", "入籍年月日", "1995/09/01")),
    "KOSEKI-D-0023": ("入籍事由 結婚 instead of 婚姻", person_set("高橋　恵子", "入籍事由", "結婚")),
    "KOSEKI-D-0024": ("除籍フラグ Y", person_set("山﨑　キヨ", "除籍フラグ", "Y")),
    "KOSEKI-D-0025": ("除籍年月日 without zero padding: 2013-1-15", person_set("山﨑　キヨ", "除籍年月日", "2013-1-15")),
    "KOSEKI-D-0026": ("除籍事由 死去 instead of 死亡", person_set("山﨑　キヨ", "除籍事由", "死去")),
    "KOSEKI-D-0027": ("事項種別 死去 instead of 死亡", event_set("佐藤　一郎", "死亡", "事項種別", "死去")),
    "KOSEKI-D-0028": ("事項年月日 of a 出生 in wareki form H11.12.24",
                      event_set("山﨑　翔", "出生", "事項年月日", "H11.12.24", head="山﨑　健太")),
    "KOSEKI-D-0029": ("届出年月日 2000-02-30, not a calendar date",
                      event_set("山﨑　翔", "出生", "届出年月日", "2000-02-30", head="山﨑　健太")),
    "KOSEKI-D-0030": ("事項内容 padded to 1001 characters", event_set("德永　ハル", "就籍", "事項内容", pad(1001))),
    "KOSEKI-R-0001": ("a 長女 recorded with 性別 1 (male)", person_set("加藤　久子", "性別", "1")),
    "KOSEKI-R-0002": ("a removed person without 除籍事由", person_set("山﨑　キヨ", "除籍事由", "")),
    "KOSEKI-R-0003": ("入籍年月日 by 出生 one day before the 生年月日", person_set("田中　蓮", "入籍年月日", "2012-04-04")),
    "KOSEKI-R-0004": ("除籍年月日 2010-02-15, before the 入籍年月日 2011-05-05",
                      person_set("田中　大介", "除籍年月日", "2010-02-15")),
    "KOSEKI-R-0005": ("the 筆頭者 (removed by death) recorded with 順位 5", person_set("加藤　清", "順位", "5")),
    "KOSEKI-R-0006": ("the 筆頭者's 名 differs from the 筆頭者氏名 of the 戸籍", person_set("加藤　清", "名", "清一")),
    "KOSEKI-R-0007": ("消除年月日 1940-01-01, before the 編製年月日 1948-05-05", koseki_set(SATO, "消除年月日", "1940-01-01")),
    "KOSEKI-R-0008": ("届出年月日 of a 出生 before the 出生日", event_set("山﨑　翔", "出生", "届出年月日", "1999-12-20", head="山﨑　健太")),
    "KOSEKI-R-0009": ("除籍年月日 in 2099", person_set("山﨑　キヨ", "除籍年月日", "2099-01-15")),
    "KOSEKI-R-0010": ("消除年月日 in 2099", koseki_set(SATO, "消除年月日", "2099-08-10")),
    "KOSEKI-R-0011": ("届出年月日 of a 出生 in 2099", event_set("山﨑　翔", "出生", "届出年月日", "2099-01-03", head="山﨑　健太")),
    "KOSEKI-S-0001": ("the removed 戸籍 of 佐藤 一郎 is exported twice", duplicate(KOSEKI, head_is(SATO))),
    "KOSEKI-S-0002": ("the 戸籍 of 佐藤 一郎 is missing from 戸籍.csv while its persons are exported",
                      drop_row(KOSEKI, head_is(SATO))),
    "KOSEKI-S-0003": ("the 筆頭者 山﨑 和夫 recorded with 筆頭者フラグ 0: his 戸籍 has none",
                      person_set("山﨑　和夫", "筆頭者フラグ", "0", head="山﨑　和夫")),
    "KOSEKI-S-0004": ("two persons with 順位 1 in one 戸籍", person_set("加藤　久子", "順位", "1")),
    "KOSEKI-S-0005": ("a removed daughter recorded twice in her parents' 戸籍 (a second row with 順位 5)",
                      duplicate(KOJIN, lambda r: r["名"] == "房子", 順位="5")),
    "KOSEKI-S-0006": ("父_個人識別番号 points at a man born 1999, after the child (1978)",
                      person_set_from("鈴木　剛", "父_個人識別番号", pid_of("山﨑　翔", "山﨑　健太"))),
    "KOSEKI-S-0007": ("父_個人識別番号 7999999, which no person of the data has",
                      person_set("鈴木　剛", "父_個人識別番号", "7999999")),
    "KOSEKI-S-0008": ("a wife still in the 戸籍 recorded with her maiden 氏 木村", person_set("山﨑　節子", "氏", "木村")),
    "KOSEKI-S-0009": ("the 戸籍 whose members are all removed is not marked removed (no 消除年月日, no 消除事由)",
                      both(koseki_set(SATO, "消除年月日", ""), koseki_set(SATO, "消除事由", ""))),
    "KOSEKI-S-0010": ("a 身分事項 refers to 順位 9, which the 戸籍 does not have",
                      event_set("山﨑　房子", "婚姻", "順位", "9")),
    "KOSEKI-S-0011": ("a 婚姻 dated 1970-01-01, before the person's birth (1977)",
                      event_set("山﨑　美穂", "婚姻", "事項年月日", "1970-01-01")),
    "KOSEKI-S-0012": ("the 出生日 of a 出生 one day after the 生年月日", event_set("山﨑　翔", "出生", "事項年月日", "1999-12-25", head="山﨑　健太")),
    "KOSEKI-S-0013": ("a person's 生年月日 differs between his parents' 戸籍 and his own",
                      person_set("山﨑　健太", "生年月日", "1976-02-10", head="山﨑　和夫")),
    "KOSEKI-S-0014": ("a 本籍 changed in every table (２３５番地) but not in 住民基本台帳 (２３４番地)",
                      rename_koseki("鈴木　茂", "本籍", f"{CITY}大字東山２３５番地")),
}


# ---------------------------------------------------------------------------------------------------------
# Verification with the suite's own engine


def build_export(items: dict[str, list[str]]) -> Export:
    """A fresh valid export (rows are copied, so mutations never leak between cases)."""
    tables = build_tables(items)
    return Export(lib.tables_of(items, tables), {JUKI_FILE: JUKI_EXPORT.read_bytes()})


def check_valid(export: Export, items: dict[str, list[str]]) -> None:
    """Fail unless the valid export fills every item somewhere and uses 架空市's code."""
    problems = [problem for name, table in export.tables.items()
                for problem in lib.unfilled_items(items[name], table.rows, name)]
    if not is_lg_code(LG_CODE):
        problems.append("市区町村コード check digit")
    lib.fail_if_any(problems)


def main() -> None:
    """Rebuild fixtures/koseki/ from scratch and verify every folder before writing it."""
    items = lib.schema_items(OPERATION)
    valid = build_export(items)
    check_valid(valid, items)
    ids = lib.requirement_ids(OPERATION)
    lib.check_cases(CASES, ids)
    cases = {}
    for requirement_id in ids:
        description, mutation = CASES[requirement_id]
        export = build_export(items)
        mutation(export)
        cases[requirement_id] = (description, export.files())
    folders = lib.verify_by_folder(OPERATION, DECLARATION, valid.files(), cases)
    lib.publish(OUT, DECLARATION, valid.files(), folders)
    counts = ", ".join(f"{len(table.rows)} {name}" for name, table in valid.tables.items())
    print(f"valid: {counts}; invalid: {len(folders)} cases")


if __name__ == "__main__":
    main()
