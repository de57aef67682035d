"""The 住民 records as the linked operations (inkan, senkyo) see them: who lived here, from when, until when.

The one place outside juki.py that names juki 住民 items, read-only: the linked generators never change a
住民 record. A record whose linking items do not parse (a 宛名番号 without a valid check digit or shared by
two records, a date not YYYY-MM-DD) is left out, so that a juki defect never becomes an inkan or senkyo
finding. The date arithmetic follows the rules' SQL (DuckDB): adding months or years keeps the day and
clamps it to the end of the month.
"""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from conformance.generate.juki import check_digit, plus_years

ITEMS = ("宛名番号", "住民種別", "住民状態", "氏名", "生年月日", "生年月日_不詳フラグ", "住民となった年月日", "住民となった年月日_不詳フラグ",
         "消除の異動年月日", "消除の異動年月日_不詳フラグ", "異動届出年月日", "住所_町字コード")
"""The 住民 items this module reads: all that the generator keeps of a record for the linked operations."""

__all__ = ["ITEMS", "Resident", "check_digit", "latest_notification", "plus_months", "plus_years", "residents", "unknown_numbers", "valid_number"]


def plus_months(day: datetime.date, months: int) -> datetime.date:
    """`day + INTERVAL months MONTH` as DuckDB computes it (the day clamped to the month's last)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _date(text: str | None) -> datetime.date | None:
    if not text or len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def valid_number(text: str) -> bool:
    """A 宛名番号 the linked schemas accept: 2-15 digits ending in its modulus-11 check digit."""
    return text.isascii() and text.isdigit() and 2 <= len(text) <= 15 and check_digit(text[:-1]) == text[-1]


@dataclass(frozen=True, slots=True)
class Resident:
    """One 住民 record, reduced to what the linked operations need."""

    number: str              # 宛名番号
    kind: str                # 住民種別
    state: str               # 住民状態
    name: str                # 氏名
    birth: datetime.date
    birth_known: bool        # 生年月日_不詳フラグ is not 1
    since: datetime.date     # 住民となった年月日
    removed: datetime.date | None   # 消除の異動年月日
    town_code: str           # 住所_町字コード


def residents(rows: Sequence[dict[str, str]]) -> list[Resident]:
    """The linkable 住民 records, in record order."""
    counts = Counter(row.get("宛名番号", "") for row in rows)
    linked = []
    for row in rows:
        number = row.get("宛名番号", "")
        birth, since, removed = _date(row.get("生年月日")), _date(row.get("住民となった年月日")), _date(row.get("消除の異動年月日"))
        if counts[number] != 1 or not valid_number(number) or birth is None or since is None:
            continue
        if row.get("消除の異動年月日") and removed is None:
            continue
        # A 不詳 住民となった年月日 / 消除の異動年月日 is not judged by the rules: such a record is not linked either.
        if row.get("住民となった年月日_不詳フラグ") == "1" or row.get("消除の異動年月日_不詳フラグ") == "1":
            continue
        name = row.get("氏名", "")
        if not name or len(name) > 100:
            continue
        linked.append(Resident(
            number=number, kind=row.get("住民種別", ""), state=row.get("住民状態", ""), name=name, birth=birth,
            birth_known=row.get("生年月日_不詳フラグ") != "1", since=since, removed=removed,
            town_code=row.get("住所_町字コード", ""),
        ))
    return linked


def latest_notification(rows: Sequence[dict[str, str]]) -> datetime.date | None:
    """The latest 異動届出年月日 of the export: a 消除 up to it is in effect (the rules' "now")."""
    dates = [day for day in (_date(row.get("異動届出年月日")) for row in rows) if day is not None]
    return max(dates, default=None)


def unknown_numbers(rows: Sequence[dict[str, str]], start: int) -> list[str]:
    """宛名番号 with a valid check digit that no 住民 record holds (10 digits, from `start` upwards)."""
    taken = {row.get("宛名番号", "") for row in rows}
    numbers: list[str] = []
    base = start
    while len(numbers) < 1000:
        text = f"{base:09d}"
        text += check_digit(text)
        if text not in taken:
            numbers.append(text)
        base += 1
    return numbers
