"""The paging check at scale: a long list is walked in bounded windows, each compared only with the
stretch of the large walk it covers (issue 24: records no window reached were counted as lost)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from api_servers import api_server, long_residents_store

from conformance import spec as spec_store
from conformance.api import paging
from conformance.api.cases import ApiEvaluation
from conformance.api.client import ApiClient, ClientOptions
from conformance.api.contract import load_api_requirements, load_contract
from conformance.api.server import ReferenceHandler, Served, Store

RESIDENTS = 5_000


def test_short_lists_are_walked_whole_and_long_ones_in_five_windows() -> None:
    assert paging.plan(350, [], 7, 1000) == [paging.Window(0, None, 10_000)]
    cursors = [(1000 * n, f"c{n}") for n in range(1, 100)]
    windows = paging.plan(100_000, cursors, 7, 1000)
    assert [(w.anchor, w.cursor, w.max_pages) for w in windows] == [
        (0, None, 10), (25_000, "c25", 10), (50_000, "c50", 10), (75_000, "c75", 10), (99_000, "c99", 144)]


def test_a_window_is_compared_with_the_stretch_it_covers_only() -> None:
    expected = [(str(n),) for n in range(100)]
    positions = paging.key_positions(expected)
    # Records after the window were not reached: not lost.
    assert paging.compare(expected, positions, 10, expected[10:20], to_end=False) == paging.Comparison()
    # One dropped inside, one repeated from before the window, one the large walk never returned.
    found = paging.compare(expected, positions, 10, [("9",), *expected[10:13], *expected[14:20], ("x",)], to_end=False)
    assert (found.duplicated, found.lost, found.extra) == ([("9",)], [("13",)], [("x",)])
    # A walk that ended by itself covers the list's end: what it did not return is lost.
    assert paging.compare(expected, positions, 90, expected[90:95], to_end=True).lost == expected[95:]
    assert paging.compare(expected, positions, 0, [expected[1], expected[0], *expected[2:]], to_end=True).reordered


class LosesSmallPageBoundaries(ReferenceHandler):
    """Right at limit=1000, wrong below it: the first record of every small page after the first is lost."""

    def page(self, records: list[Served], offset: int, limit: int) -> tuple[list[Served], int | None]:
        items, nxt = super().page(records, offset, limit)
        return (items[1:] if offset and limit < self.server.store.max_limit else items), nxt


@pytest.fixture(scope="module")
def store() -> Store:
    return long_residents_store(RESIDENTS, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


def _paging(url: str) -> tuple[Any, int]:
    spec = spec_store.load("juki")
    requirement = next(r for r in load_api_requirements(spec) if r.procedure == "paging")
    client = ApiClient(url, "t", ClientOptions(connect_timeout=1, read_timeout=5, deadline=10, retries=1))
    try:
        outcome = ApiEvaluation(spec, load_contract(spec), client, [requirement], False, False).evaluate()[requirement.id]
        return outcome, client.requests_made
    finally:
        client.close()


def test_the_reference_server_passes_a_long_list_in_bounded_requests(store: Store) -> None:
    with api_server(store) as url:
        outcome, requests = _paging(url)
    assert (outcome.tested, outcome.findings, outcome.errors) == (True, [], [])
    small = {t.name: -(-len(t.records) // 7) for t in store.tables.values() if t.name != "住民"}
    # The large walks (5 pages of 住民, one of each fixture table), the small walks of the fixture tables,
    # and 住民's windows: 10 pages at the start, at 2,000 and at 3,000, and 143 from 4,000 to the end.
    assert requests == 5 + 2 + sum(small.values()) + 10 + 10 + 10 + 143


def test_lost_records_are_counted_within_the_windows_only(store: Store) -> None:
    with api_server(store, LosesSmallPageBoundaries) as url:
        outcome, _ = _paging(url)
    assert {f.code for f in outcome.findings} == {"lost-record"}
    small = sum(-(-len(t.records) // 7) - 1 for t in store.tables.values() if t.name != "住民")
    # 住民: 9 boundaries in the first window, every page of the windows from a cursor (10 + 10 + 143).
    assert len(outcome.findings) == small + 9 + 10 + 10 + 143
