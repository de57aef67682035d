"""印鑑登録 linked to the generated 住民基本台帳: who registered a seal, when, and which registrations ended.

The one module that names inkan's items (vocabulary, rates, codes and defects are in
specs/inkan/generate.yaml). A person registers at most once at a time, aged 15 or more, while recorded
in the 住民基本台帳; a 住民 who moved out or died has the registration 廃止 on the day of the 消除; some
current registrants replaced a first seal (the first one 廃止 on request, the new one from that day).
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
    plus_years,
    residents,
    unknown_numbers,
)

_DAY = datetime.timedelta(days=1)


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def generate(profile: dict[str, Any], seed: int, rate: float, linked: dict[str, Sequence[dict[str, str]]]) -> Generated:
    """One 印鑑登録 record per registration (in force or 廃止), with round(records × rate) defects."""
    juki_rows = linked["juki.住民"]
    people = residents(juki_rows)
    codes, juki_codes, rates = profile["codes"], profile["juki_codes"], profile["rates"]
    today = datetime.date.fromisoformat(profile["reference_date"])
    rng = random.Random(seed + 101)
    # (登録日, person, 廃止日 or None, 廃止事由, superseded)
    drafts: list[tuple[datetime.date, Resident, datetime.date | None, str, bool]] = []
    for person in people:
        if person.state not in (juki_codes["resident"], juki_codes["moved_out"], juki_codes["dead"]):
            continue
        first = max(person.since, plus_years(person.birth, profile["minimum_age"]))
        last = today if person.removed is None else min(today, person.removed - _DAY)
        if first > last or rng.random() >= rates["registered"]:
            continue
        registered = _between(rng, first, last)
        if person.removed is not None:
            reason = codes["death"] if person.state == juki_codes["dead"] else codes["moved_out"]
            drafts.append((registered, person, person.removed, reason, False))
        elif (last - registered).days > 30 and rng.random() < rates["reregistered"]:
            replaced = _between(rng, registered + _DAY, last)
            drafts.append((registered, person, replaced, codes["request"], True))
            drafts.append((replaced, person, None, "", False))
        else:
            drafts.append((registered, person, None, "", False))
    drafts.sort(key=lambda draft: (draft[0], draft[1].number))
    rows: list[dict[str, str]] = []
    people_of: list[Resident] = []
    pools: dict[str, list[int]] = {"any": [], "in-force": [], "ended": [], "superseded": [], "removed": []}
    in_effect = latest_notification(juki_rows)
    replacement: dict[int, int] = {}   # a superseded registration -> the one that replaced it
    replaced_by: dict[str, int] = {}
    for serial, (registered, person, ended, reason, superseded) in enumerate(drafts):
        index = len(rows)
        rows.append({
            "市区町村コード": profile["municipality_code"],
            "登録番号": str(profile["first_number"] + serial),
            "宛名番号": person.number,
            "氏名": person.name,
            "登録日": registered.isoformat(),
            "登録証番号": f"{profile['card_prefix']}{serial + 1:07d}",
            "状態": codes["in_force"] if ended is None else codes["ended"],
            "廃止日": "" if ended is None else ended.isoformat(),
            "廃止事由": reason,
        })
        people_of.append(person)
        pools["any"].append(index)
        pools["in-force" if ended is None else "ended"].append(index)
        if superseded:
            pools["superseded"].append(index)
            replaced_by[person.number] = index
        elif ended is None and person.number in replaced_by:   # the replacement comes later: its 登録日 is the 廃止日
            replacement[replaced_by.pop(person.number)] = index
        if person.removed is not None and in_effect is not None and person.removed <= in_effect:
            pools["removed"].append(index)
    unknown = iter(unknown_numbers(juki_rows, profile["unknown_number_base"]))

    def unknown_person(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        rows[index]["宛名番号"] = next(unknown)
        return 1, []

    def under_age(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        person = people_of[index]
        day = plus_years(person.birth, profile["minimum_age"]) - datetime.timedelta(days=60)
        if not person.birth_known or day < person.since or day > today:
            return None
        rows[index]["登録日"] = day.isoformat()
        return 1, []

    def before_residence(_defect: dict[str, Any], index: int, _free: Iterator[int], _used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        person = people_of[index]
        day = person.since - _DAY
        if day < plus_years(person.birth, profile["minimum_age"]) + _DAY:
            return None
        rows[index]["登録日"] = day.isoformat()
        return 1, []

    def reopen_superseded(defect: dict[str, Any], index: int, _free: Iterator[int], used: AbstractSet[int]) -> tuple[int, list[int]] | None:
        # Both registrations are then in force: found on both, as long as no other defect touches the new one.
        partner = replacement[index]
        if partner in used:
            return None
        rows[index].update({name: str(value) for name, value in defect["set"].items()})
        return 2, [partner]

    expected = inject(rows, profile["defects"], rate, random.Random(seed + 102), pools,
                      {"unknown-person": unknown_person, "under-age": under_age, "before-residence": before_residence,
                       "reopen-superseded": reopen_superseded})
    return Generated(tables={"印鑑登録": rows}, options=tuple(profile.get("options", ())), expected=expected)
