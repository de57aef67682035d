"""Value transforms: how a defect turns a conforming value into a broken one.

Shared by the fixture case tables (`conformance.generate.cases`, the `transform:` word) and the defect
injection of `conformance generate` (`inject`, the defect `kind`). Each transform is a function of the
old value and named arguments; it never knows which item it is applied to.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
"""Digits to their full-width forms (a classic conversion mistake)."""


class TransformError(ValueError):
    """A transform cannot apply to this value (unknown name, missing argument, not a number or date)."""


def full_width(old: str) -> str:
    """The same digits in full width."""
    return old.translate(FULL_WIDTH)


def slash_date(old: str) -> str:
    """YYYY-MM-DD written YYYY/MM/DD."""
    return old.replace("-", "/")


def wrong_check_digit(old: str, first: bool = False) -> str:
    """The same number with its check digit (the last, or the first when `first`) off by one."""
    if first:
        return str((int(old[0]) + 1) % 10) + old[1:]
    return old[:-1] + str((int(old[-1]) + 1) % 10)


def drop_check_digit(old: str) -> str:
    """The number without its last digit: a number assigned before check digits were given (an export
    whose numbers are plain sequential ones; 住民記録システム標準仕様書 1.1.13 gives new numbers only one)."""
    if len(old) < 3 or not old.isascii() or not old.isdigit():
        raise ValueError("needs a number of 3 digits or more")
    return old[:-1]


def increment(old: str, by: int = 1) -> str:
    """A number plus `by`."""
    return str(int(old) + by)


def pad(old: str, length: int, filler: str = "　") -> str:
    """Fixed-width padding, as mainframe exports do: the value stays, the length overflows."""
    return old.ljust(length, filler)


def day_before(old: str, of: str) -> str:
    """The day before the date `of` (the value replaced is not read)."""
    return (datetime.date.fromisoformat(of) - datetime.timedelta(days=1)).isoformat()


def same_as(old: str, of: str) -> str:
    """The value `of` (another item's, copied)."""
    return of


TRANSFORMS: dict[str, Callable[..., str]] = {
    "full-width": full_width,
    "slash-date": slash_date,
    "wrong-check-digit": wrong_check_digit,
    "drop-check-digit": drop_check_digit,
    "increment": increment,
    "pad": pad,
    "day-before": day_before,
    "same-as": same_as,
}
"""Transform name -> function(old value, **arguments) -> new value."""


def apply(name: str, old: str, arguments: dict[str, Any] | None = None) -> str:
    """The value `name` makes of `old`; TransformError when it cannot."""
    transform = TRANSFORMS.get(name)
    if transform is None:
        raise TransformError(f"unknown transform {name!r} (known: {', '.join(TRANSFORMS)})")
    try:
        return transform(old, **(arguments or {}))
    except (TypeError, ValueError, IndexError) as error:
        raise TransformError(f"{name} cannot change {old!r}: {error}") from None
