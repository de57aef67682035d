"""選挙人名簿 linked to the generated 住民基本台帳: who is on the 名簿, since when, and who was 抹消.

The one module that names senkyo's items (vocabulary, elections, codes and defects are in
specs/senkyo/generate.yaml). Every Japanese 住民 is registered at the first 定時登録 (or the 選挙時登録 of
an election, if earlier) at which they are of voting age and have lived here 3 months, while still
recorded; a 転出者 carries the 転出表示 and is 抹消 at the first 定時登録 4 months after moving out; the
dead are 抹消 on the 消除.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from conformance.generate import Generated, inject
from conformance.generate.residents import (
    Resident,
    latest_notification,
    plus_months,
    plus_years,
    residents,
    unknown_numbers,
)

_DAY = datetime.timedelta(days=1)
_Draft = tuple[datetime.date, datetime.date | None, str]   # 登録日, 選挙期日, regular or election


class _Law:
    """The qualification dates of the profile (voting age by date, residence, 定時登録 months)."""

    def __init__(self, profile: dict[str, Any]) -> None:
        self.ages: list[tuple[datetime.date, int]] = sorted(
            ((datetime.date.fromisoformat(day), int(age)) for day, age in profile["voting_age"].items()), reverse=True)
        self.youngest, self.oldest = min(age for _, age in self.ages), max(age for _, age in self.ages)
        self.months = tuple(profile["regular_months"])
        self.residence = int(profile["residence_months"])
        self.today = datetime.date.fromisoformat(profile["reference_date"])
        self.elections = sorted((datetime.date.fromisoformat(e["registration"]), datetime.date.fromisoformat(e["election"]))
                                for e in profile["elections"])

    def age(self, day: datetime.date) -> int:
        return next(age for start, age in self.ages if day >= start)

    def regular_on_or_after(self, day: datetime.date) -> datetime.date:
        """The first 定時登録 day (the first of a 定時登録 month) not before `day`."""
        year, month = day.year, day.month
        if day.day > 1:
            month += 1
        while True:
            if month > 12:
                year, month = year + 1, 1
            if month in self.months:
                return datetime.date(year, month, 1)
            month += 1

    def last_day(self, person: Resident) -> datetime.date:
        return self.today if person.removed is None else min(self.today, person.removed - _DAY)

    def of_age(self, person: Resident, judged: datetime.date) -> bool:
        return not person.birth_known or judged >= plus_years(person.birth, self.age(judged))

    def qualified(self, person: Resident, registered: datetime.date, judged: datetime.date) -> bool:
        """Whether a registration on `registered` (age judged on `judged`) satisfies every senkyo rule."""
        return (plus_months(person.since, self.residence) <= registered <= self.last_day(person)
                and registered >= person.since and self.of_age(person, judged))

    def first_registration(self, person: Resident) -> _Draft | None:
        start = max(person.since, plus_months(person.since, self.residence))
        regular: datetime.date | None = None
        # The voting age changed once: try each age's earliest day, keep the earliest that qualifies.
        for since_day, age in self.ages:
            day = self.regular_on_or_after(max(start, plus_years(person.birth, age), since_day))
            if self.age(day) == age and (regular is None or day < regular):
                regular = day
        assert regular is not None
        for registered, election in self.elections:
            if start <= registered < regular and self.qualified(person, registered, election):
                return registered, election, "election"
        if regular > self.last_day(person):
            return None
        return regular, None, "regular"


def generate(profile: dict[str, Any], seed: int, rate: float, linked: dict[str, Sequence[dict[str, str]]]) -> Generated:
    """One 選挙人 record per registration (in force or 抹消), with round(records × rate) defects."""
    juki_rows = linked["juki.住民"]
    people = residents(juki_rows)
    codes, juki_codes = profile["codes"], profile["juki_codes"]
    law = _Law(profile)
    in_effect = latest_notification(juki_rows)
    rows: list[dict[str, str]] = []
    people_of: list[Resident] = []
    pools: dict[str, list[int]] = {name: [] for name in ("any", "in-force", "removed", "regular", "resident", "moved-out", "dead")}
    for person in people:
        if person.kind != juki_codes["japanese"] or person.state not in (juki_codes["resident"], juki_codes["moved_out"], juki_codes["dead"]):
            continue
        draft = law.first_registration(person)
        if draft is None:
            continue
        registered, election, kind = draft
        moved_out = person.state == juki_codes["moved_out"] and person.removed is not None
        dead = person.state == juki_codes["dead"] and person.removed is not None
        removed, reason = None, ""
        if moved_out:
            assert person.removed is not None
            day = law.regular_on_or_after(plus_months(person.removed, int(profile["moved_out_months"])))
            if day <= law.today:
                removed, reason = day, codes["moved_out"]
        elif dead:
            assert person.removed is not None
            removed, reason = min(law.today, person.removed + 2 * _DAY), codes["death"]
        index = len(rows)
        rows.append({
            "市区町村コード": profile["municipality_code"],
            "宛名番号": person.number,
            "氏名": person.name,
            "投票区": profile["polling_districts"].get(person.town_code[:4], profile["polling_district_default"]),
            "登録日": registered.isoformat(),
            "登録区分": codes[kind],
            "選挙期日": "" if election is None else election.isoformat(),
            "転出表示": codes["on"] if moved_out else codes["off"],
            "失権表示": codes["off"],
            "抹消日": "" if removed is None else removed.isoformat(),
            "抹消事由": reason,
        })
        people_of.append(person)
        pools["any"].append(index)
        pools["in-force" if removed is None else "removed"].append(index)
        if removed is None and election is None:
            pools["regular"].append(index)
        if removed is None and person.state == juki_codes["resident"]:
            pools["resident"].append(index)
        if moved_out and in_effect is not None and person.removed is not None and person.removed <= in_effect:
            pools["moved-out"].append(index)
        if dead:
            pools["dead"].append(index)
    unknown = iter(unknown_numbers(juki_rows, profile["unknown_number_base"]))
    foreigners = [p for p in people if p.kind == juki_codes["foreign"] and p.state == juki_codes["resident"]]
    taken: set[str] = set()

    def judged(index: int) -> datetime.date:
        row = rows[index]
        return datetime.date.fromisoformat(row["選挙期日"] or row["登録日"])

    def unknown_person(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        rows[index]["宛名番号"] = next(unknown)
        return 1, []

    def share_person(defect: dict[str, Any], index: int, free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        registered = datetime.date.fromisoformat(rows[index]["登録日"])
        for other in free:
            if rows[other]["登録日"] < rows[index]["登録日"] and law.qualified(people_of[other], registered, judged(index)):
                rows[index]["宛名番号"] = rows[other]["宛名番号"]
                return int(defect.get("findings", 2)), [other]
        return None

    def foreign_person(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        registered = datetime.date.fromisoformat(rows[index]["登録日"])
        for person in foreigners:
            if person.number not in taken and law.qualified(person, registered, judged(index)):
                taken.add(person.number)
                rows[index]["宛名番号"] = person.number
                return 1, []
        return None

    def moved(index: int, day: datetime.date, ok: bool) -> tuple[int, list[int]] | None:
        if not ok or day > law.last_day(people_of[index]):
            return None
        rows[index]["登録日"] = day.isoformat()
        return 1, []

    def under_age(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        person = people_of[index]
        day = plus_years(person.birth, law.youngest) - datetime.timedelta(days=40)
        return moved(index, day, person.birth_known and day >= plus_months(person.since, law.residence) and day >= person.since)

    def too_soon(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        person = people_of[index]
        day = person.since + datetime.timedelta(days=40)
        return moved(index, day, day >= plus_years(person.birth, law.oldest) + _DAY)

    def before_residence(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        person = people_of[index]
        day = person.since - _DAY
        return moved(index, day, day >= plus_years(person.birth, law.oldest) + _DAY)

    custom = {"unknown-person": unknown_person, "share-person": share_person, "foreign-person": foreign_person,
              "under-age": under_age, "too-soon": too_soon, "before-residence": before_residence}
    expected = inject(rows, profile["defects"], rate, random.Random(seed + 202), pools, custom)
    return Generated(tables={"選挙人": rows}, options=tuple(profile.get("options", ())), expected=expected)
