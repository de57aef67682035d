"""Which pages the paging check walks with the small page size, and what it compares them with.

The reference for every comparison is the list as walked with the largest page the contract allows
(`gather`). A small table is walked whole with the small page size, as it always was. A large one is
walked in windows of consecutive pages: the first pages, pages from three places inside the list and
the pages from the start of the last large page to the end of the list. A window inside the list starts
at a cursor the large walk was given: the contract's cursor names a position in the list ("the last
position of the previous page"), whatever page size the next request asks for. Each window is compared
only with the stretch of the list it covers, so records no window reached never count as lost.

Why that still finds the faults paging has: they happen at page boundaries (an OFFSET computed from
the wrong page, a keyset bound that excludes or repeats the boundary record, an unstable sort) and so
repeat at every page boundary; the windows cross about 180 boundaries per table at five places, the
list's start and end among them, so a fault at every boundary is found in the first window and one that
hits a boundary at random one time in twenty escapes them all with a chance of 0.95^180 ≈ 0.01%. A fault
confined to a stretch no window crosses is not found. A record returned twice within a window, one
returned that precedes the window (the previous page's record again), one missing inside a window, one
the large walk never returned, and a window whose order differs from the large walk's are each a finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

PAGES_PER_WINDOW = 10
INTERIOR_WINDOWS = 3
FULL_WALK_PAGES = (2 + INTERIOR_WINDOWS) * PAGES_PER_WINDOW
"""A list needing no more small pages than the windows would walk is walked whole."""

UPDATED_SINCE_PAGES = 5
"""The updated_since check walks at most this many pages of the largest size per time it asks for."""

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Window:
    """Consecutive small pages from `cursor` (the list's start when None), at most `max_pages`; the
    first record returned should be the one at `anchor` (0-based) of the large walk."""

    anchor: int
    cursor: str | None
    max_pages: int


@dataclass
class Comparison:
    """A window's keys against the stretch of the large walk it covers."""

    duplicated: list[Key] = field(default_factory=list)
    lost: list[Key] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    reordered: bool = False


def plan(records: int, cursors: Sequence[tuple[int, str]], page_size: int, max_limit: int) -> list[Window]:
    """The windows walked over a list of `records` whose large walk gave `cursors`."""
    pages = -(-records // page_size)
    if pages <= FULL_WALK_PAGES or not cursors:
        return [Window(0, None, 10_000)]
    windows = [Window(0, None, PAGES_PER_WINDOW)]
    chosen: set[int] = set()
    for part in range(1, INTERIOR_WINDOWS + 1):
        index = min(len(cursors) - 1, len(cursors) * part // (INTERIOR_WINDOWS + 1))
        if index not in chosen and index != len(cursors) - 1:
            chosen.add(index)
            windows.append(Window(*cursors[index], PAGES_PER_WINDOW))
    # The last large page, to the end of the list (a large page is at most max_limit records).
    windows.append(Window(*cursors[-1], -(-max_limit // page_size) + 1))
    return windows


def compare(expected: Sequence[Key], positions: dict[Key, list[int]], anchor: int, got: Sequence[Key],
            to_end: bool) -> Comparison:
    """Compare the keys a window returned with the large walk's `expected` keys from `anchor`: up to
    the list's end when `to_end` (the walk ended by itself), else up to the furthest record returned."""
    end = len(expected)
    if not to_end:
        reached = [_first_at_or_after(positions.get(key, ()), anchor) for key in got]
        end = max((p for p in reached if p is not None), default=anchor - 1) + 1
    stretch = list(expected[anchor:end])
    want, have = Counter(stretch), Counter(got)
    result = Comparison()
    for key, count in have.items():
        if key in want:
            if count > want[key]:
                result.duplicated.append(key)
        elif key in positions:
            result.duplicated.append(key)  # a record before the window: the previous page's again
        else:
            result.extra.append(key)
    result.lost = [key for key, count in want.items() if count > have.get(key, 0)]
    result.reordered = list(got) != stretch
    return result


def _first_at_or_after(places: Sequence[int], anchor: int) -> int | None:
    return next((p for p in places if p >= anchor), None)


def key_positions(expected: Sequence[Key]) -> dict[Key, list[int]]:
    """Each key's positions in the large walk (a key twice in an export is a data finding of its own)."""
    positions: dict[Key, list[int]] = {}
    for index, key in enumerate(expected):
        positions.setdefault(key, []).append(index)
    return positions


def reached(order: Sequence[Key], returned: set[Key]) -> int:
    """How far into `order` a walk got: one past the last position whose key it returned (0: none)."""
    return max((index + 1 for index, key in enumerate(order) if key in returned), default=0)
