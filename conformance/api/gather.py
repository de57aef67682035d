"""Requests to a live target and the records its lists return: every table's list walked to the end.

Generic over operations and tables: what to request comes from the contract
(specs/<operation>/openapi.yaml). Values never appear in messages; primary keys are shown masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import orjson

from conformance.api.client import ApiClient, Exchange
from conformance.api.contract import Contract, Endpoint
from conformance.api.envelope import RECORD_KEY
from conformance.results import Finding, Location, shown_part
from conformance.spec.model import Spec, Table

UNKNOWN_KEY = "conformance-unknown-key-0"
_MAX_PAGES = 10_000


@dataclass
class Outcome:
    """What one requirement's evaluation found."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tested: bool = False
    not_tested: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One record as listed: its position in the list (1-based), key and updated_at (its values go to
    the table's sink as they arrive, never held here: a million records' values would not fit)."""

    position: int
    key: tuple[str, ...]
    updated_at: str | None


class RecordSink(Protocol):
    """Where a table's gathered records go, each as item name -> text (the pipeline's staging file)."""

    def add(self, record: int, line: int, values: Mapping[str, str]) -> None:
        """One record; its position in the list is its record and line number."""


@dataclass
class Gathered:
    """Every record of one table's list endpoint, walked to the end (or why it stopped)."""

    table: Table
    display: str
    entries: list[Entry] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    pages: int = 0
    failure: str | None = None
    complete: bool = False
    # (position of the next page's first record, 0-based; the next_cursor that points there), per page
    cursors: list[tuple[int, str]] = field(default_factory=list)
    sink: RecordSink | None = None


def text_value(value: Any) -> str | None:
    """A record value as the file readers see it: text, or None when absent or empty."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class Gatherer:
    """Requests to one spec's endpoints (each answer kept once) and the records its lists return."""

    def __init__(self, spec: Spec, contract: Contract, client: ApiClient, show_values: bool,
                 sink: Callable[[Table], RecordSink] | None = None) -> None:
        self.spec = spec
        self.sink = sink
        self.contract = contract
        self.client = client
        self.show_values = show_values
        self.gathered: dict[str, Gathered] = {}
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...], bool], Exchange] = {}

    def _get(self, path: str, query: dict[str, str], auth: bool = True) -> Exchange:
        key = (path, tuple(sorted(query.items())), auth)
        if key not in self._cache:
            self._cache[key] = self.client.get(path, query, auth=auth)
        return self._cache[key]

    def _where(self, endpoint: Endpoint, query: dict[str, str] | None = None, key: tuple[str, ...] = ()) -> Location:
        """The request as reports show it: key values masked, cursors left out."""
        path = endpoint.path
        table = self.spec.table(endpoint.table)
        for index, (item_name, value) in enumerate(zip(endpoint.key_items, key, strict=False), start=1):
            item = table.item(item_name) if table else None
            shown = shown_part(value, item.personal if item else "mask", self.show_values)
            path = path.replace(f"{{key{index}}}", shown if value != UNKNOWN_KEY else value)
        shown_query = {k: v for k, v in (query or {}).items() if k != "cursor"}
        return Location(method="GET", url=self.client.url(path) + (f"?{urlencode(shown_query)}" if shown_query else ""))

    def _walk(self, endpoint: Endpoint, query: dict[str, str], auth: bool = True, cursor: str | None = None,
              max_pages: int = _MAX_PAGES, keep: bool = True) -> Iterator[tuple[Exchange, Any]]:
        """The pages of a list from `cursor` (the start when None), following next_cursor, at most
        `max_pages`; stops at the first page that is not a 200 JSON list. `keep=False`: the answers
        are not kept for a later identical request (the gathering walk's megabytes per page)."""
        seen: set[str] = set()
        for _ in range(max_pages):
            page_query = {**query, **({"cursor": cursor} if cursor else {})}
            exchange = self._get(endpoint.render(), page_query, auth) if keep else self.client.get(endpoint.render(), page_query, auth=auth)
            body: Any = json_body(exchange) if exchange.status == 200 and exchange.error is None else None
            yield exchange, body
            nxt = next_cursor(body)
            # An empty page that still points further would let a server keep a run walking forever.
            if nxt is None or nxt in seen or not body.get("items"):
                return
            seen.add(nxt)
            cursor = nxt

    def walked(self, table: Table, endpoint: Endpoint, query: dict[str, str], exchange: Exchange, body: Any) -> None:
        """Called with every page the gathering walk decodes (`body` as `_walk` yields it), so that a
        check of the same pages needs neither the request nor the decoding again."""

    def gather(self, only: set[str] | None = None) -> None:
        """Walk every table's list endpoint (or those named) with the largest page the contract allows."""
        for table in self.spec.tables:
            if only is not None and table.name not in only:
                continue
            endpoint = self.contract.endpoint(table.name, "list")
            if endpoint is None:
                continue
            gathered = Gathered(table, str(self._where(endpoint, {"limit": str(self.contract.max_limit)}).url),
                                sink=self.sink(table) if self.sink is not None else None)
            sink = gathered.sink
            self.gathered[table.name] = gathered
            header: dict[str, None] = {}
            # A field named by an official romaji is its item (the contract's field name); others keep their name.
            names = {item.romaji: item.name for item in table.items if item.romaji}
            query = {"limit": str(self.contract.max_limit)}
            # Not kept: each page is judged as it arrives (the records staged, the contract checked).
            for exchange, body in self._walk(endpoint, query, keep=False):
                gathered.pages += 1
                self.walked(table, endpoint, query, exchange, body)
                if exchange.error is not None:
                    gathered.failure = exchange.error
                    break
                if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                    gathered.failure = f"一覧の応答がJSONの一覧ではありません（HTTP {exchange.status}）"
                    break
                for item in body["items"]:
                    record = item.get(RECORD_KEY) if isinstance(item, dict) else None
                    if not isinstance(record, dict):
                        continue
                    if names:
                        record = {names.get(name, name): value for name, value in record.items()}
                    header.update(dict.fromkeys(record))
                    key = tuple(text_value(record.get(name)) or "" for name in table.primary_key)
                    updated = item.get("updated_at") if isinstance(item.get("updated_at"), str) else None
                    position = len(gathered.entries) + 1
                    gathered.entries.append(Entry(position, key, updated))
                    if sink is not None:
                        # Strings as they are (most values); text_value only for the others.
                        sink.add(position, position, {name: value if type(value) is str else json.dumps(value, ensure_ascii=False)
                                                      for name, value in record.items() if value != "" and value is not None})
                nxt = next_cursor(body)
                if nxt is not None:
                    gathered.cursors.append((len(gathered.entries), nxt))
            gathered.complete = gathered.failure is None
            gathered.header = list(header)


NOT_JSON = object()
_BOM = b"\xef\xbb\xbf"


def next_cursor(body: Any) -> str | None:
    """The next page's cursor of a list answer; None on the last page (or an answer that is no list)."""
    nxt = body.get("next_cursor") if isinstance(body, dict) else None
    return nxt if isinstance(nxt, str) and nxt else None


def json_body(exchange: Exchange) -> Any:
    """The decoded body (a BOM allowed), or NOT_JSON. orjson decodes a large page in half the time
    (measured); what it refuses and the standard library accepts (NaN, integers beyond 64 bits, lone
    surrogates, deep nesting) is decoded as before, so the answer is the standard library's."""
    body = exchange.body[3:] if exchange.body.startswith(_BOM) else exchange.body
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(exchange.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return NOT_JSON
