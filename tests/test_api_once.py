"""Each large page fetched and decoded once (issue 24): the whole-list contract check is judged on the
gathering walk's pages, and the updated_since check walks a bounded sample of large pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from api_servers import api_server, long_residents_store, send_html

from conformance import spec as spec_store
from conformance.api import paging
from conformance.api.cases import ApiEvaluation
from conformance.api.client import ApiClient, ClientOptions
from conformance.api.contract import ApiRequirement, load_api_requirements, load_contract
from conformance.api.gather import Outcome
from conformance.api.server import ReferenceHandler, Served, ServedTable, Store
from conformance.results import codes

RESIDENTS = 7_000  # 7 pages of 1,000: more than the updated_since check walks
SINCE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def store() -> Store:
    return long_residents_store(RESIDENTS, SINCE)


def _requirement(procedure: str) -> ApiRequirement:
    spec = spec_store.load("juki")
    if procedure == "list-contract":
        return next(r for r in load_api_requirements(spec) if r.procedure == "request"
                    and any(q.get("pages") == "all" for q in r.definition["requests"]))
    return next(r for r in load_api_requirements(spec) if r.procedure == procedure)


def _evaluate(url: str, requirement: ApiRequirement) -> tuple[Outcome, ApiEvaluation, int]:
    spec = spec_store.load("juki")
    client = ApiClient(url, "t", ClientOptions(connect_timeout=1, read_timeout=5, deadline=10, retries=1))
    try:
        evaluation = ApiEvaluation(spec, load_contract(spec), client, [requirement], False, False)
        return evaluation.evaluate()[requirement.id], evaluation, client.requests_made
    finally:
        client.close()


def _pages(store: Store) -> dict[str, int]:
    return {t.name: max(1, -(-len(t.records) // store.max_limit)) for t in store.tables.values()}


def test_updated_since_walks_at_most_five_large_pages_and_passes_the_reference(store: Store) -> None:
    with api_server(store) as url:
        outcome, _, requests = _evaluate(url, _requirement("updated-since"))
    assert (outcome.tested, outcome.findings, outcome.errors) == (True, [], [])
    pages = _pages(store)
    assert pages["住民"] == 7
    # The gathering walk (every page), then per table the middle time (at most 5 pages) and a time
    # after the last update (one empty page).
    assert requests == sum(pages.values()) + sum(min(n, paging.UPDATED_SINCE_PAGES) + 1 for n in pages.values())


def _since_server(change: Any) -> type[ReferenceHandler]:
    class Changed(ReferenceHandler):
        def select(self, table: ServedTable, since: datetime.datetime | None) -> list[Served]:
            records = super().select(table, since)
            return change(records) if since is not None and table.name == "住民" and records else records
    return Changed


def test_a_record_the_gathering_walk_did_not_see_is_found_in_the_sample(store: Store) -> None:
    table = spec_store.load("juki").table("住民")
    assert table is not None
    extra = Served(("999999999999999",), SINCE, {table.item(name).field_name: "999999999999999"  # type: ignore[union-attr]
                                                 for name in table.primary_key})
    with api_server(store, _since_server(lambda records: [*records[:1500], extra, *records[1500:]])) as url:
        outcome, _, _ = _evaluate(url, _requirement("updated-since"))
    assert [(f.code, f.message) for f in outcome.findings] == [
        (codes.NOT_FILTERED, "updated_since より前に更新されたレコードが1件返りました。")]


def test_a_record_missing_inside_the_sample_is_found_and_one_beyond_it_is_not(store: Store) -> None:
    with api_server(store, _since_server(lambda records: records[:2500] + records[2501:])) as url:
        inside, _, _ = _evaluate(url, _requirement("updated-since"))
    with api_server(store, _since_server(lambda records: records[:6500] + records[6501:])) as url:
        beyond, _, _ = _evaluate(url, _requirement("updated-since"))
    assert [(f.code, f.message) for f in inside.findings] == [
        (codes.MISSING_UPDATED, "updated_since 以降に更新されたレコードのうち1件が返りませんでした。")]
    # The bound, stated in the README: a record dropped only beyond the fifth large page escapes.
    assert (beyond.tested, beyond.findings) == (True, [])


class NotJsonMidWalk(ReferenceHandler):
    """The second page of 住民 at the largest size is an HTML page sent as JSON."""

    def list_table(self, table: ServedTable, query: dict[str, list[str]]) -> None:
        if table.name == "住民" and "cursor" in query and query.get("limit") == ["1000"] and "updated_since" not in query:
            send_html(self, 200, b"<html><body>maintenance</body></html>", "application/json; charset=utf-8")
            return
        super().list_table(table, query)


def test_a_body_that_is_not_json_mid_walk_is_one_finding_and_stops_the_gathering(store: Store) -> None:
    with api_server(store, NotJsonMidWalk) as url:
        outcome, evaluation, requests = _evaluate(url, _requirement("list-contract"))
    assert [(f.code, f.location.url) for f in outcome.findings] == [(codes.MALFORMED_JSON, f"{url}/juki/jumin?limit=1000")]
    gathered = evaluation.gathered["住民"]
    assert (gathered.complete, gathered.pages, len(gathered.entries)) == (False, 2, 1000)
    assert gathered.failure == "一覧の応答がJSONの一覧ではありません（HTTP 200）"
    # Each page requested once: the contract check judged the gathering walk's pages.
    assert requests == 2 + sum(n for name, n in _pages(store).items() if name != "住民")
