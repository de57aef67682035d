"""The 住民基本台帳 household model: households of a fictional municipality, and counted defects.

The one module that names juki's items (the vocabulary and the defects are in specs/juki/generate.yaml;
the labels of code values come from the code tables). It writes the three tables of the export: 住民
(current and removed residents), 世帯 (one record per 世帯 with a current resident) and 異動履歴 (each
person's 異動 in order, the last one being the state the 住民 record shows). A row lacks the items it does
not know, which become empty columns: the generator stays usable while the spec grows.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from conformance import spec as spec_store
from conformance.generate import Generated, inject
from conformance.generate.transforms import FULL_WIDTH

_ERAS = (("2019-05-01", "5"), ("1989-01-08", "4"), ("1926-12-25", "3"), ("1912-07-30", "2"))
_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
_SIZE_WEIGHTS = (38, 28, 17, 12, 4, 1)
_EVENTS = "_events"
"""Private key of a 住民 row: its 異動 as (date, 異動事由, 住民状態, 町字コード); never written (not an item)."""


def check_digit(base: str) -> str:
    """Modulus 11, weights 2..7 cycling from the right, remainder <= 1 gives 0 (宛名番号, 住民票コード, 個人番号)."""
    total = sum(int(digit) * (2 + position % 6) for position, digit in enumerate(reversed(base)))
    remainder = total % 11
    return str(0 if remainder <= 1 else 11 - remainder)


def _numbered(base: int, width: int) -> str:
    text = f"{base:0{width}d}"
    return text + check_digit(text)


def _era(date: str) -> str:
    return next((code for start, code in _ERAS if date >= start), "1")


def plus_years(day: datetime.date, years: int) -> datetime.date:
    """The day `years` years on (a birthday); 2月29日 gives 3月1日 (never earlier than the age the law counts)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def code_labels(table_name: str, item: str) -> dict[str, str]:
    """code -> label of the code table an item refers to (from its `x-codes`)."""
    spec = spec_store.load("juki")
    table = spec.table(table_name)
    assert table is not None
    registry = spec_store.registry()
    reference = table.schema["properties"][item]["$ref"]
    contents = registry.resolver().lookup(reference).contents
    return {entry["code"]: entry["label"] for entry in contents.get("x-codes", ())}


class _Municipality:
    """Draws people and households from the profile with one seeded random generator."""

    def __init__(self, profile: dict[str, Any], seed: int) -> None:
        self.p = profile
        self.codes: dict[str, str] = profile["codes"]
        self.rates: dict[str, float] = profile["rates"]
        self.rng = random.Random(seed)
        self.reference = datetime.date.fromisoformat(profile["reference_date"])
        self.today = self.reference.toordinal()
        self.sex_labels = code_labels("住民", "性別")
        self.relation_labels = code_labels("住民", "続柄コード1")
        # The current block's records; the counters run over the whole municipality (the numbers).
        self.rows: list[dict[str, Any]] = []
        self.households: list[dict[str, str]] = []
        self.people = 0
        self.household_count = 0

    def _date(self, ordinal: int) -> str:
        return datetime.date.fromordinal(ordinal).isoformat()

    def _birth(self, age: int) -> int:
        return self.today - age * 365 - self.rng.randrange(365)

    def _block(self) -> str:
        return f"{self.rng.randrange(1, 40)}番{self.rng.randrange(1, 30)}号".translate(FULL_WIDTH)

    def household(self, limit: int) -> None:
        """Append one household (at most `limit` records): head first, then its members; and its 世帯 record."""
        rng, codes = self.rng, self.codes
        self.household_count += 1
        number = _numbered(500_000_000 + self.household_count, 9)
        foreign = rng.random() < self.rates["foreign"]
        town, town_code, postal, district = rng.choice(self.p["towns"])
        block = self._block()
        building = ""
        if rng.random() < 0.3:
            building = f"{rng.choice(self.p['buildings'])}{rng.randrange(1, 6)}0{rng.randrange(1, 9)}".translate(FULL_WIDTH)
        surname = rng.choice(self.p["surnames"])
        nationality: dict[str, Any] | None = rng.choice(self.p["nationalities"]) if foreign else None
        size = rng.choices(_HOUSEHOLD_SIZES, _SIZE_WEIGHTS)[0]
        head_age = rng.randrange(20, 95)
        head_sex = rng.choice(("1", "2"))
        members: list[tuple[str, int, str, str | None]] = [(head_sex, head_age, codes["head"], None)]
        for position in range(1, size):
            if position == 1 and rng.random() < 0.8:
                sex = "2" if head_sex == "1" else "1"
                relation = codes["wife"] if head_sex == "1" else codes["husband"]
                members.append((sex, max(18, head_age + rng.randrange(-6, 7)), relation, None))
            elif head_age >= 40 or position > 1:
                members.append((rng.choice(("1", "2")), max(0, head_age - rng.randrange(22, 41)), codes["child"], None))
            else:
                sex = rng.choice(("1", "2"))
                relation = codes["father"] if sex == "1" else codes["mother"]
                members.append((sex, min(104, head_age + rng.randrange(24, 36)), relation, None))
        if rng.random() < self.rates["removed"]:
            if rng.random() < 0.5 and head_age >= 42:
                members.append((rng.choice(("1", "2")), head_age - rng.randrange(22, 30), codes["child"], codes["moved_out"]))
            else:
                sex = rng.choice(("1", "2"))
                relation = codes["father"] if sex == "1" else codes["mother"]
                members.append((sex, min(110, head_age + rng.randrange(24, 36)), relation, codes["dead"]))
        kokuho = rng.random() < self.rates["kokuho_household"]
        koseki_number = f"{rng.randrange(1, 40)}番地".translate(FULL_WIDTH)
        city = self.p["municipality"]
        head: dict[str, Any] = {}
        parents_head = ""
        current = 0
        for rank, (sex, age, relation, removed) in enumerate(members[:limit], start=1):
            row = self._person(sex, age, relation, removed, foreign, surname, nationality, kokuho)
            if rank == 1:
                head = row
            row.update({
                "世帯番号": number,
                "世帯主氏名": head["氏名"],
                "住所_町字コード": town_code,
                "住所_町字": town,
                "住所_番地号表記": block,
                "住所_方書": building,
                "住所_郵便番号": postal,
                "記載順位": str(rank),
                "地区管理コード1": district,
            })
            if not foreign:
                # Parents of the head keep a 戸籍 of their own, headed by the father when he is listed.
                own = relation in (codes["father"], codes["mother"])
                if own and not parents_head:
                    parents_head = row["氏名"]
                筆頭者 = parents_head if own else head["氏名"]
                row.update({
                    "本籍": f"{city['prefecture']}{city['city']}{town}{koseki_number}",
                    "本籍_市区町村コード": city["code"], "本籍_町字コード": town_code, "本籍_町字": town,
                    "本籍_地番号または、街区符号": koseki_number,
                    "戸籍_筆頭者": 筆頭者, "戸籍_筆頭者_氏": 筆頭者.split("　")[0], "戸籍_筆頭者_名": 筆頭者.split("　")[1],
                })
            self._history(row, town_code)
            current += row["住民状態"] == codes["resident"]
            self.rows.append(row)
        self.households.append({
            "市区町村コード": city["code"], "世帯番号": number, "世帯主_宛名番号": head["宛名番号"],
            "世帯主氏名": head["氏名"], "世帯員数": str(current), "住所_町字コード": town_code,
            "住所_番地号表記": block, "住所_方書": building,
        })

    def _person(self, sex: str, age: int, relation: str, removed: str | None, foreign: bool, surname: list[str],
                nationality: dict[str, Any] | None, kokuho: bool) -> dict[str, Any]:
        rng, codes, city = self.rng, self.codes, self.p["municipality"]
        self.people += 1
        index = self.people
        birth = self._birth(age)
        born_here = birth >= self.today - 60 or rng.random() < (0.5 if relation == codes["child"] else 0.25)
        since = birth if born_here else rng.randrange(birth, self.today - 60)
        birth_text, since_text = self._date(birth), self._date(since)
        row: dict[str, Any] = {
            "市区町村コード": city["code"],
            "宛名番号": _numbered(100_000_000 + index, 9),
            "住民種別": codes["foreign"] if foreign else codes["japanese"],
            "住民状態": removed or codes["resident"],
            "住民票コード": _numbered(8_000_000_000 + index * 7, 10),
            "性別": sex,
            "性別表記": self.sex_labels[sex],
            "生年月日_元号": _era(birth_text),
            "生年月日": birth_text,
            "生年月日_不詳フラグ": "0",
            "続柄コード1": relation,
            "続柄表記": self.relation_labels[relation],
            "住所_市区町村コード": city["code"],
            "住所_都道府県": city["prefecture"],
            "住所_市区郡町村名": city["city"],
            "住民となった年月日": since_text,
            "住民となった年月日_不詳フラグ": "0",
            "住所を定めた年月日": since_text,
            "住所を定めた年月日_不詳フラグ": "0",
            "氏名_フリガナ確認状況": "1",
            "成年被後見人_該当有無": "0",
            _EVENTS: [(since, codes["birth"] if born_here else codes["move_in"], codes["resident"])],
        }
        if removed != codes["dead"]:
            row["個人番号"] = _numbered(50_000_000_000 + index * 13, 11)
        if foreign:
            assert nationality is not None
            names = [entry for entry in nationality["names"] if entry[2] == sex] or nationality["names"]
            name, kana = rng.choice(names)[:2]
            row.update({"氏名": name, "氏名_外国人ローマ字": name, "氏名_フリガナ": kana, "外国人住民となった年月日": since_text})
            row.update(self._residence(index, nationality, since))
        else:
            given, given_kana = rng.choice(self.p["given_names"][sex])
            row.update({
                "氏名": f"{surname[0]}　{given}", "氏_日本人": surname[0], "名_日本人": given,
                "氏名_フリガナ": f"{surname[1]}　{given_kana}", "氏_日本人_フリガナ": surname[1], "名_日本人_フリガナ": given_kana,
            })
            if "1926-12-25" <= birth_text < "1989-01-08" and rng.random() < self.rates["birth_unknown"]:
                row["生年月日_不詳フラグ"] = "1"
                row["生年月日_不詳表記"] = f"昭和{int(birth_text[:4]) - 1925}年頃".translate(FULL_WIDTH)
        if not born_here:
            row.update(self._moved_in_from(row, nationality))
        gone = None
        if removed is not None:
            gone = rng.randrange(since + 1, self.today - 30) if since + 1 < self.today - 30 else since + 1
        if rng.random() < self.rates["relocated"] and (gone or self.today) - since > 2:
            moved = rng.randrange(since + 1, (gone or self.today) - 1)
            row["住所を定めた年月日"] = self._date(moved)
            row[_EVENTS].append((moved, codes["relocation"], codes["resident"]))
        if removed is not None and gone is not None:
            reason = codes["move_out"] if removed == codes["moved_out"] else codes["death"]
            row.update({
                "消除の異動年月日": self._date(gone), "消除の異動年月日_不詳フラグ": "0", "消除の事由": reason,
                "消除の届出年月日": self._date(gone + 2),
            })
            row[_EVENTS].append((gone, reason, removed))
            if removed == codes["moved_out"]:
                row["住所_市区町村コード"] = self.p["other_municipality"]["code"]
                row.update(self._moved_out_to(gone))
        else:
            row.update(self._entitlements(birth, since, foreign, kokuho, index))
        last_date, last_reason, _state = row[_EVENTS][-1]
        row.update({"異動年月日": self._date(last_date), "異動届出年月日": self._date(last_date + (3 if len(row[_EVENTS]) == 1 else 2)),
                    "異動事由": last_reason})
        return row

    def _residence(self, index: int, nationality: dict[str, Any], since: int) -> dict[str, str]:
        """The 外国人住民 items: 中長期在留者 mostly, some 特別永住者 (no 在留資格 or 在留期間 of theirs)."""
        rng = self.rng
        card = f"XX{index:08d}ZZ"
        items = {"国籍等_国名コード": nationality["code"], "国籍名等": nationality["name"], "住居地の届出の有無": "1",
                 "外国人住民となった年月日_不詳フラグ": "0", "在留カード等番号": card}
        if rng.random() < self.rates["special_permanent"]:
            items.update({"第30条45規定区分": "2", "在留カード等番号区分": "2"})
            return items
        years = rng.choice((1, 3, 5))
        expiry = max(since + years * 365, self.today + rng.randrange(30, 3 * 365))
        items.update({"第30条45規定区分": "1", "在留カード等番号区分": "1", "在留資格等コード": self.codes["residence_status"],
                      "在留期間等コード_年": str(years), "在留期間等コード_月": "0", "在留期間等コード_日": "0",
                      "在留期間の満了の日": self._date(expiry)})
        return items

    def _moved_in_from(self, row: dict[str, Any], nationality: dict[str, Any] | None) -> dict[str, str]:
        """転入前住所: another (fictional) municipality, or abroad for some foreign residents."""
        rng = self.rng
        if nationality is not None and rng.random() < self.rates["from_abroad"]:
            return {"転入前住所_国名コード": nationality["code"], "転入前住所_国名等": nationality["name"]}
        other = self.p["other_municipality"]
        town, town_code, postal = rng.choice(other["towns"])
        items = {
            "転入前住所_市区町村コード": other["code"], "転入前住所_町字コード": town_code, "転入前住所_都道府県": other["prefecture"],
            "転入前住所_市区郡町村名": other["city"], "転入前住所_町字": town, "転入前住所_番地号表記": self._block(),
            "転入前住所_郵便番号": postal, "転入前住所_世帯主氏名": row["氏名"],
        }
        if rng.random() < 0.3:
            items["転入前住所_方書"] = f"{rng.choice(other['buildings'])}{rng.randrange(1, 6)}0{rng.randrange(1, 9)}".translate(FULL_WIDTH)
        return items

    def _moved_out_to(self, gone: int) -> dict[str, str]:
        """The 転出届 and the confirmed new address (転出先住所（確定）) of a 転出者."""
        other = self.p["other_municipality"]
        town, town_code, postal = self.rng.choice(other["towns"])
        return {
            "転出届出年月日": self._date(gone + 2), "転出予定年月日": self._date(gone), "転出年月日（確定）": self._date(gone),
            "転入通知年月日": self._date(gone + 2 + self.rng.randrange(3, 20)),
            "転出先住所（確定）_市区町村コード": other["code"], "転出先住所（確定）_町字コード": town_code,
            "転出先住所（確定）_都道府県": other["prefecture"], "転出先住所（確定）_市区郡町村名": other["city"],
            "転出先住所（確定）_町字": town, "転出先住所（確定）_番地号表記": self._block(), "転出先住所（確定）_郵便番号": postal,
        }

    def _entitlements(self, birth_ordinal: int, since: int, foreign: bool, kokuho: bool, index: int) -> dict[str, str]:
        """選挙人名簿登録, 国保, 後期高齢, 介護 and 年金 of a current resident, from age and residence."""
        birth, moved_in, reference = datetime.date.fromordinal(birth_ordinal), datetime.date.fromordinal(since), self.reference
        age = reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))
        voter = not foreign and age >= 18 and (reference - moved_in).days >= 92
        items = {"選挙人名簿登録有無": "1" if voter else "0", "国保資格有無": "0", "後期高齢資格有無": "0",
                 "介護資格有無": "0", "年金資格有無": "0"}
        if age >= 75:
            items.update({"後期高齢資格有無": "1", "後期高齢資格取得年月日": max(plus_years(birth, 75), moved_in).isoformat()})
        elif kokuho:
            items.update({"国保資格有無": "1", "国保資格取得年月日": moved_in.isoformat()})
        if age >= 65:
            reached = plus_years(birth, 65) - datetime.timedelta(days=1)
            items.update({"介護資格有無": "1", "介護資格取得年月日": max(reached, moved_in).isoformat()})
        if 20 <= age < 60:
            items.update({"年金資格有無": "1", "基礎年金番号": f"99{index:08d}", "年金資格種別": self.codes["pension_kind"],
                          "年金資格取得年月日": max(plus_years(birth, 20), moved_in).isoformat()})
        return items

    def _history(self, row: dict[str, Any], town_code: str) -> None:
        """Give each event the 町字コード of the address it led to (a 転居 came from another 町字)."""
        events = row[_EVENTS]
        towns = [code for _name, code, _postal, _district in self.p["towns"] if code != town_code]
        before = self.rng.choice(towns)
        relocated = any(reason == self.codes["relocation"] for _date, reason, _state in events)
        located = []
        for date, reason, state in events:
            if reason == self.codes["relocation"]:
                before = town_code
            located.append((date, reason, state, before if relocated else town_code))
        row[_EVENTS] = located


def history_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The 異動履歴 of every 住民 row, numbered from 1 per 宛名番号, the last one flagged 最新."""
    history: list[dict[str, str]] = []
    for row in rows:
        events = row[_EVENTS]
        for number, (date, reason, state, town_code) in enumerate(events, start=1):
            day = datetime.date.fromordinal(date)
            history.append({
                "市区町村コード": row["市区町村コード"], "宛名番号": row["宛名番号"], "個人履歴番号": str(number),
                "異動年月日": day.isoformat(), "異動届出年月日": (day + datetime.timedelta(days=3 if number == 1 else 2)).isoformat(),
                "異動事由": reason, "住民状態": state, "世帯番号": row["世帯番号"], "住所_町字コード": town_code,
                "最新フラグ": "1" if number == len(events) else "0",
            })
    return history


def _pools(tables: dict[str, list[dict[str, Any]]], codes: dict[str, str]) -> dict[str, dict[str, list[int]]]:
    """Where each table's defects may go: in 住民, current Japanese residents who do not head their
    household (`ordinary`) or current heads (`head`); in the other tables, any record."""
    residents = tables["住民"]
    current = [i for i, row in enumerate(residents) if row["住民状態"] == codes["resident"]]
    return {
        "住民": {"ordinary": [i for i in current if residents[i]["続柄コード1"] != codes["head"] and residents[i]["住民種別"] == codes["japanese"]],
                "head": [i for i in current if residents[i]["続柄コード1"] == codes["head"]]},
        **{name: {"any": list(range(len(rows)))} for name, rows in tables.items() if name != "住民"},
    }


BLOCK = 100_000
"""Residents generated, given their defects and written per block: memory stays that of one block."""


def generate(profile: dict[str, Any], residents: int, seed: int, rate: float) -> Iterator[Generated]:
    """`residents` 住民 records (current and removed) in households, block by block; each table of a
    block gets round(its records × rate) defects (the first block at least one of each kind)."""
    municipality = _Municipality(profile, seed)
    block = 0
    while municipality.people < residents:
        municipality.rows, municipality.households = [], []
        end = min(residents, municipality.people + BLOCK)
        while municipality.people < end:
            municipality.household(residents - municipality.people)
        yield _with_defects(profile, municipality, seed, rate, block)
        block += 1


def _with_defects(profile: dict[str, Any], municipality: _Municipality, seed: int, rate: float, block: int) -> Generated:
    """One block's three tables, with its defects and their expected findings."""
    codes, defects = profile["codes"], profile["defects"]
    tables: dict[str, list[dict[str, Any]]] = {"住民": municipality.rows, "世帯": municipality.households}
    expected: Counter[str] = Counter()

    def inject_into(name: str, salt: int) -> None:
        kinds = [{"target": "ordinary", **defect} if name == "住民" else defect for defect in defects if defect.get("table", "住民") == name]
        rng = random.Random(seed + salt) if block == 0 else random.Random(f"{seed}:{block}:{salt}")
        expected.update(inject(tables[name], kinds, rate, rng, _pools(tables, codes)[name], at_least_one=block == 0))

    inject_into("住民", 1)
    inject_into("世帯", 2)
    # The 異動履歴 follows the 住民 records as the defects left them, then gets defects of its own.
    tables["異動履歴"] = history_rows(municipality.rows)
    inject_into("異動履歴", 3)
    # A wrong 宛名番号 is carried into the person's 異動履歴, where it is found again.
    for defect in defects:
        if defect.get("kind") == "wrong-check-digit" and defect["requirement"] in expected:
            item = defect["item"]
            wrong = {row[item] for row in municipality.rows if row[item][-1] != check_digit(row[item][:-1])}
            expected[defect["requirement"]] += sum(row[item] in wrong for row in tables["異動履歴"])
    return Generated(tables=tables, options=tuple(profile.get("options", ())), expected=dict(expected))
