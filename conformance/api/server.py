"""The reference server: an export's records served through the contract (stdlib http.server).

It shows vendors what a conforming API looks like and gives the tests a real peer on 127.0.0.1.
Exports carry no last-updated time, so each record's `updated_at` is its file's modification time
(the export cannot be newer than its file): every record of a file shares it, which `updated_since`
then filters exactly. The methods a deliberately broken server overrides are the hooks below.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from conformance.api.contract import Contract, Endpoint, load_contract
from conformance.spec.model import Spec, Table

_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")
DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Served:
    """One record as served."""

    key: tuple[str, ...]
    updated_at: datetime.datetime
    record: dict[str, str]


@dataclass
class ServedTable:
    """A table's records in list order (primary key order; the export's order without a key)."""

    name: str
    list_endpoint: Endpoint
    single_endpoint: Endpoint | None
    records: list[Served] = field(default_factory=list)
    # Built once, never changed: a page is a slice of one of these lists, O(limit) per request.
    _since: dict[datetime.datetime, list[Served]] = field(default_factory=dict, repr=False)
    _by_key: dict[tuple[str, ...], Served] | None = field(default=None, repr=False)
    _encoded: dict[int, str] = field(default_factory=dict, repr=False)

    def since(self, when: datetime.datetime | None) -> list[Served]:
        """The records updated at or after `when` (all when None), in list order; the same list object
        on every call (a few distinct times are kept; a client inventing new ones gets a fresh list)."""
        if when is None:
            return self.records
        found = self._since.get(when)
        if found is None:
            found = [r for r in self.records if r.updated_at >= when]
            if len(self._since) < 16:
                self._since[when] = found
        return found

    def encoded(self, served: Served, entry: Callable[[Served], dict[str, Any]]) -> str:
        """`served` in its envelope as JSON text, encoded on first use."""
        text = self._encoded.get(id(served))
        if text is None:
            text = self._encoded[id(served)] = json.dumps(entry(served), ensure_ascii=False)
        return text

    def find(self, key: tuple[str, ...]) -> Served | None:
        """The first record with primary key `key`."""
        if self._by_key is None:
            by_key: dict[tuple[str, ...], Served] = {}
            for served in self.records:
                by_key.setdefault(served.key, served)
            self._by_key = by_key
        return self._by_key.get(key)


@dataclass
class Store:
    """Everything the server serves: path prefix (`/juki/jumin`) -> table."""

    tables: dict[str, ServedTable] = field(default_factory=dict)
    max_limit: int = 1000

    def add(self, contract: Contract, table: str, primary_key: tuple[str, ...], records: list[dict[str, str]],
            updated_at: datetime.datetime) -> None:
        """Serve `records` of `table` under the contract's endpoints (nothing when it has none)."""
        list_endpoint = contract.endpoint(table, "list")
        if list_endpoint is None:
            return
        served = [Served(tuple(r.get(k, "") for k in primary_key), updated_at, r) for r in records]
        if primary_key:
            served.sort(key=lambda s: s.key)
        self.max_limit = contract.max_limit
        self.tables[list_endpoint.path] = ServedTable(table, list_endpoint, contract.endpoint(table, "single"), served)


@dataclass(frozen=True, slots=True)
class ExportedTable:
    """One table of an export as read by the caller (the pipeline): its records and its file's time."""

    spec: Spec
    table: Table
    records: list[dict[str, str]]
    modified: datetime.datetime


def export_store(tables: Iterable[ExportedTable]) -> Store:
    """The reference server's store of an export's tables, each under its spec's contract."""
    store = Store()
    for exported in tables:
        # An item with an official romaji travels under it (the contract's field name); others under their name.
        names = {item.name: item.field_name for item in exported.table.items if item.romaji}
        records = [{names.get(k, k): v for k, v in r.items()} for r in exported.records] if names else exported.records
        key = tuple(names.get(k, k) for k in exported.table.primary_key)
        store.add(load_contract(exported.spec), exported.table.name, key, records, exported.modified)
    return store


def stamp(when: datetime.datetime) -> str:
    """RFC 3339 in UTC, seconds."""
    return when.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ReferenceHandler(BaseHTTPRequestHandler):
    """GET list and single endpoints; problem+json for every error."""

    server: ApiServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart (delayed ACK)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines may carry keys, and the suite's output must stay clean."""

    # -- hooks a broken server overrides -------------------------------------------------------------
    def authorized(self) -> bool:
        """A bearer token is required; with a configured token, exactly that one."""
        header = self.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return False
        expected = self.server.token
        return expected is None or hmac.compare_digest(given.strip().encode(), expected.encode())

    def select(self, table: ServedTable, since: datetime.datetime | None) -> list[Served]:
        """The records a list returns, before paging."""
        return table.since(since)

    def page(self, records: list[Served], offset: int, limit: int) -> tuple[list[Served], int | None]:
        """One page and the offset of the next one (None on the last page)."""
        end = offset + limit
        return records[offset:end], (end if end < len(records) else None)

    def entry(self, served: Served) -> dict[str, Any]:
        """A record in the envelope."""
        return {"updated_at": stamp(served.updated_at), "record": dict(served.record)}

    def bad_parameter(self, detail: str) -> None:
        """A parameter the contract does not allow."""
        self.problem(400, "Bad Request", detail)

    # -- plumbing ------------------------------------------------------------------------------------
    def send_json(self, status: int, body: Any, content_type: str = "application/json; charset=utf-8",
                  extra: dict[str, str] | None = None) -> None:
        """Send a JSON body with an exact Content-Length."""
        self.send_data(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), content_type, extra)

    def send_data(self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        """Send an encoded body with an exact Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def problem(self, status: int, title: str, detail: str, extra: dict[str, str] | None = None) -> None:
        """An RFC 9457 answer."""
        self.send_json(status, {"type": "about:blank", "title": title, "status": status, "detail": detail},
                       "application/problem+json", extra)

    def do_GET(self) -> None:
        """Route a GET to the list or single endpoint of a table."""
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if not self.authorized():
            self.problem(401, "Unauthorized", "Bearer トークンが必要です。", {"WWW-Authenticate": 'Bearer realm="jichitai-conformance"'})
            return
        table = self.server.store.tables.get(path)
        if table is not None:
            self.list_table(table, parse_qs(parts.query, keep_blank_values=True))
            return
        for prefix, candidate in self.server.store.tables.items():
            if candidate.single_endpoint is not None and path.startswith(prefix + "/"):
                key = tuple(unquote(segment) for segment in path[len(prefix) + 1:].split("/"))
                if len(key) == len(candidate.single_endpoint.key_items):
                    self.single(candidate, key)
                    return
        self.problem(404, "Not Found", "該当するエンドポイントがありません。")

    def do_POST(self) -> None:
        """The contract is read-only."""
        self.problem(405, "Method Not Allowed", "GET だけを受け付けます。", {"Allow": "GET"})

    do_PUT = do_DELETE = do_PATCH = do_POST

    def list_table(self, table: ServedTable, query: dict[str, list[str]]) -> None:
        """One page of a table's list."""
        limit_text = query.get("limit", [str(DEFAULT_LIMIT)])[-1]
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= self.server.store.max_limit:
            self.bad_parameter(f"limit は 1 から {self.server.store.max_limit} の整数です。")
            return
        offset = 0
        if "cursor" in query:
            decoded = _decode_cursor(query["cursor"][-1])
            if decoded is None:
                self.bad_parameter("cursor が正しくありません（前のページの next_cursor を指定してください）。")
                return
            offset = decoded
        since = None
        if "updated_since" in query:
            text = query["updated_since"][-1]
            if not _RFC3339.fullmatch(text):
                self.bad_parameter("updated_since は RFC 3339 の日時（例 2026-01-01T00:00:00+09:00）です。")
                return
            try:
                since = datetime.datetime.fromisoformat(text)
            except ValueError:
                self.bad_parameter("updated_since が実在しない日時です。")
                return
        records = self.select(table, since)
        items, next_offset = self.page(records, offset, int(limit_text))
        cursor = _encode_cursor(next_offset) if next_offset is not None else None
        if type(self).entry is ReferenceHandler.entry and type(self).send_json is ReferenceHandler.send_json:
            # Each entry encoded once per server, not once per page that shows it; the bytes are those
            # json.dumps gives the whole body (its default separators).
            entries = ", ".join(table.encoded(served, self.entry) for served in items)
            data = f'{{"items": [{entries}], "next_cursor": {json.dumps(cursor)}}}'.encode()
            self.send_data(200, data, "application/json; charset=utf-8")
            return
        self.send_json(200, {"items": [self.entry(r) for r in items], "next_cursor": cursor})

    def single(self, table: ServedTable, key: tuple[str, ...]) -> None:
        """One record by primary key."""
        found = table.find(key)
        if found is None:
            self.problem(404, "Not Found", "該当するレコードがありません。")
            return
        self.send_json(200, self.entry(found))


class ApiServer(ThreadingHTTPServer):
    """A threading HTTP server holding the store and the expected token (None: any bearer token)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: Store, token: str | None,
                 handler: type[ReferenceHandler] = ReferenceHandler) -> None:
        super().__init__(address, handler)
        self.store = store
        self.token = token

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is routine here: one line, no traceback."""
        kind = sys.exc_info()[0]
        sys.stderr.write(f"conformance serve: {client_address[0]}: {kind.__name__ if kind else 'error'}\n")


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(text: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, _, number = raw.partition(":")
    return int(number) if name == "offset" and number.isdigit() else None
