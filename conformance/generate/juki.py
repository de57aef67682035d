"""The 住民基本台帳 household model: households of a fictional municipality, and counted defects.

The one module that names juki's items (the vocabulary and the defects are in specs/juki/generate.yaml;
the labels of code values come from the code tables). A row lacks the items it does not know, which
become empty columns: the generator stays usable while the spec grows.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from conformance import spec as spec_store
from conformance.generate import Generated

_ERAS = (("2019-05-01", "5"), ("1989-01-08", "4"), ("1926-12-25", "3"), ("1912-07-30", "2"))
_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
_SIZE_WEIGHTS = (38, 28, 17, 12, 4, 1)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


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
        self.rng = random.Random(seed)
        self.today = datetime.date.fromisoformat(profile["reference_date"]).toordinal()
        self.sex_labels = code_labels("住民", "性別")
        self.relation_labels = code_labels("住民", "続柄コード1")
        self.rows: list[dict[str, str]] = []
        self.households = 0

    def _date(self, ordinal: int) -> str:
        return datetime.date.fromordinal(ordinal).isoformat()

    def _birth(self, age: int) -> int:
        return self.today - age * 365 - self.rng.randrange(365)

    def household(self, limit: int) -> None:
        """Append one household (at most `limit` records): head first, then its members."""
        rng, codes = self.rng, self.codes
        self.households += 1
        number = _numbered(500_000_000 + self.households, 9)
        foreign = rng.random() < self.p["rates"]["foreign"]
        town, town_code, postal, district = rng.choice(self.p["towns"])
        block = f"{rng.randrange(1, 40)}番{rng.randrange(1, 30)}号".translate(_FULL_WIDTH)
        building = ""
        if rng.random() < 0.3:
            building = f"{rng.choice(self.p['buildings'])}{rng.randrange(1, 6)}0{rng.randrange(1, 9)}".translate(_FULL_WIDTH)
        surname = rng.choice(self.p["surnames"])
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
        if rng.random() < self.p["rates"]["removed"]:
            if rng.random() < 0.5 and head_age >= 42:
                members.append((rng.choice(("1", "2")), head_age - rng.randrange(22, 30), codes["child"], codes["moved_out"]))
            else:
                sex = rng.choice(("1", "2"))
                relation = codes["father"] if sex == "1" else codes["mother"]
                members.append((sex, min(110, head_age + rng.randrange(24, 36)), relation, codes["dead"]))
        head_name = ""
        koseki = f"{self.p['municipality']['prefecture']}{self.p['municipality']['city']}{town}{rng.randrange(1, 40)}番地".translate(_FULL_WIDTH)
        for rank, (sex, age, relation, removed) in enumerate(members[:limit], start=1):
            row = self._person(sex, age, relation, removed, foreign, surname)
            if rank == 1:
                head_name = row["氏名"]
            row.update({
                "世帯番号": number,
                "世帯主氏名": head_name,
                "住所_町字コード": town_code,
                "住所_町字": town,
                "住所_番地号表記": block,
                "住所_方書": building,
                "住所_郵便番号": postal,
                "記載順位": str(rank),
                "地区管理コード1": district,
            })
            if not foreign:
                row["本籍"] = koseki
                row["戸籍_筆頭者"] = head_name
            self.rows.append(row)

    def _person(self, sex: str, age: int, relation: str, removed: str | None, foreign: bool, surname: list[str]) -> dict[str, str]:
        rng, codes, city = self.rng, self.codes, self.p["municipality"]
        index = len(self.rows) + 1
        birth = self._birth(age)
        born_here = birth >= self.today - 60 or rng.random() < (0.5 if relation == codes["child"] else 0.25)
        since = birth if born_here else rng.randrange(birth, self.today - 60)
        birth_text, since_text = self._date(birth), self._date(since)
        row = {
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
            "異動年月日": since_text,
            "異動届出年月日": self._date(since + 3),
            "異動事由": codes["birth"] if born_here else codes["move_in"],
            "氏名_フリガナ確認状況": "1",
        }
        if removed != codes["dead"]:
            row["個人番号"] = _numbered(50_000_000_000 + index * 13, 11)
        if foreign:
            name, kana, _sex = rng.choice(self.p["foreign_names"])
            row.update({"氏名": name, "氏名_外国人ローマ字": name, "氏名_フリガナ": kana, "外国人住民となった年月日": since_text})
        else:
            given, given_kana = rng.choice(self.p["given_names"][sex])
            row.update({
                "氏名": f"{surname[0]}　{given}", "氏_日本人": surname[0], "名_日本人": given,
                "氏名_フリガナ": f"{surname[1]}　{given_kana}", "氏_日本人_フリガナ": surname[1], "名_日本人_フリガナ": given_kana,
            })
            if birth_text < "1989-01-08" and birth_text >= "1926-12-25" and rng.random() < self.p["rates"]["birth_unknown"]:
                row["生年月日_不詳フラグ"] = "1"
                row["生年月日_不詳表記"] = f"昭和{int(birth_text[:4]) - 1925}年頃".translate(_FULL_WIDTH)
        if removed is not None:
            gone = rng.randrange(since + 1, self.today)
            row.update({
                "消除の異動年月日": self._date(gone), "消除の異動年月日_不詳フラグ": "0",
                "消除の事由": codes["move_out"] if removed == codes["moved_out"] else codes["death"],
                "異動年月日": self._date(gone), "異動届出年月日": self._date(gone + 2),
                "異動事由": codes["move_out"] if removed == codes["moved_out"] else codes["death"],
            })
            if removed == codes["moved_out"]:
                row["住所_市区町村コード"] = self.p["other_municipality"]
        return row


def _inject(rows: list[dict[str, str]], defects: Sequence[dict[str, Any]], count: int, rng: random.Random, codes: dict[str, str]) -> dict[str, int]:
    """Apply `count` defects round-robin on distinct records; returns requirement -> expected findings."""
    ordinary = [i for i, r in enumerate(rows) if r["住民状態"] == codes["resident"] and r["住民種別"] == codes["japanese"]
                and r["続柄コード1"] != codes["head"] and i > 0]
    heads = [i for i, r in enumerate(rows) if r["続柄コード1"] == codes["head"] and r["住民状態"] == codes["resident"]]
    per_kind = [count // len(defects) + (1 if k < count % len(defects) else 0) for k in range(len(defects))]
    used: set[int] = set()
    expected: Counter[str] = Counter()
    for defect, how_many in zip(defects, per_kind, strict=True):
        pool = [i for i in (heads if defect.get("target") == "head" else ordinary) if i not in used]
        if how_many > len(pool):
            raise ValueError(f"too few records for {how_many} defects of {defect['requirement']}")
        chosen = sorted(rng.sample(pool, how_many))
        used.update(chosen)
        item, kind = defect["item"], defect.get("kind", "set")
        for index in chosen:
            row = rows[index]
            if kind == "set":
                row[item] = str(defect["value"])
            elif kind == "wrong-check-digit":
                row[item] = row[item][:-1] + str((int(row[item][-1]) + 1) % 10)
            elif kind == "before-birth":
                born = datetime.date.fromisoformat(row["生年月日"])
                row[item] = (born - datetime.timedelta(days=1)).isoformat()
            elif kind == "copy-from-previous":
                row[item] = rows[index - 1][item]
            else:
                raise ValueError(f"unknown defect kind {kind}")
        if kind == "copy-from-previous":
            # A duplicate is found on every record that holds it: count from the data itself.
            counts = Counter(row.get(item) for row in rows)
            expected[defect["requirement"]] += sum(n for value, n in counts.items() if value and n > 1)
        else:
            expected[defect["requirement"]] += how_many
    return {requirement: n for requirement, n in expected.items() if n}


def generate(profile: dict[str, Any], residents: int, seed: int, rate: float) -> Generated:
    """`residents` 住民 records (current and removed) in households, with round(residents × rate) defects."""
    municipality = _Municipality(profile, seed)
    while len(municipality.rows) < residents:
        municipality.household(residents - len(municipality.rows))
    rows = municipality.rows
    expected = _inject(rows, profile["defects"], round(residents * rate), random.Random(seed + 1), profile["codes"])
    return Generated(tables={"住民": rows}, options=tuple(profile.get("options", ())), expected=expected)
