"""Real servers on 127.0.0.1 for the API tests: the reference server, broken modes of it, and raw-socket
servers that misbehave at the transport level (hang, trickle, reset, huge Content-Length)."""

from __future__ import annotations

import datetime
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from conformance import spec as spec_store
from conformance.api.contract import load_contract
from conformance.api.server import ApiServer, ReferenceHandler, Served, ServedTable, Store, export_store
from conformance.pipeline import read_export

ROOT = Path(__file__).resolve().parent.parent


def send_html(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    """Answer with an HTML page where the contract wants JSON (what a misconfigured proxy does)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class WrongTypes(ReferenceHandler):
    def entry(self, served: Served) -> dict[str, Any]:
        body = super().entry(served)
        body["record"] = {k: (int(v) if v.isdigit() and str(int(v)) == v else v) for k, v in body["record"].items()}
        return body


class WrongContentType(ReferenceHandler):
    def send_json(self, status: int, body: Any, content_type: str = "text/plain; charset=shift_jis",
                  extra: dict[str, str] | None = None) -> None:
        if content_type.startswith("application/json"):
            content_type = "text/plain; charset=shift_jis"
        super().send_json(status, body, content_type, extra)


class LostRecords(ReferenceHandler):
    def page(self, records: list[Served], offset: int, limit: int) -> tuple[list[Served], int | None]:
        items, nxt = super().page(records, offset, limit)
        return (items[1:] if offset else items), nxt


class IgnoresUpdatedSince(ReferenceHandler):
    def select(self, table: ServedTable, since: Any) -> list[Served]:
        return super().select(table, None)


class NoAuth(ReferenceHandler):
    def authorized(self) -> bool:
        return True


class HtmlNotFound(ReferenceHandler):
    def problem(self, status: int, title: str, detail: str, extra: dict[str, str] | None = None) -> None:
        if status != 404:
            super().problem(status, title, detail, extra)
            return
        send_html(self, 404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")


class ServerErrorOnBadInput(ReferenceHandler):
    def bad_parameter(self, detail: str) -> None:
        self.problem(500, "Internal Server Error", "NumberFormatException")


MODES: dict[str, type[ReferenceHandler]] = {
    "wrong-types": WrongTypes,
    "wrong-content-type": WrongContentType,
    "lost-records": LostRecords,
    "ignores-updated-since": IgnoresUpdatedSince,
    "no-auth": NoAuth,
    "html-not-found": HtmlNotFound,
    "server-error-on-bad-input": ServerErrorOnBadInput,
}


def store_of(folder: Path, spec: str) -> Store:
    return export_store(read_export(folder, [spec]))


def long_residents_store(residents: int, since: datetime.datetime) -> Store:
    """住民 of `residents` records (the fixture's records under new keys, updated at `since`), 世帯 and
    異動履歴 as in the juki fixture: a list long enough for the paging and updated_since bounds."""
    spec = spec_store.load("juki")
    fixture = store_of(ROOT / "fixtures/juki/valid", "juki")
    existing = next(t for t in fixture.tables.values() if t.name == "住民")
    table = spec.table("住民")
    assert table is not None
    records = [{**existing.records[n % len(existing.records)].record, "宛名番号": f"{n:015d}"} for n in range(residents)]
    fixture.add(load_contract(spec), "住民", table.primary_key, records, since)
    return fixture


@contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def api_server(store: Store, handler: type[ReferenceHandler] = ReferenceHandler, token: str | None = None) -> Iterator[str]:
    with running(ApiServer(("127.0.0.1", 0), store, token, handler)) as url:
        yield url


class Recorder(BaseHTTPRequestHandler):
    """Records every request's Authorization header (the redirect test's second host)."""

    seen: ClassVar[list[str | None]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def redirecting(target: str) -> type[BaseHTTPRequestHandler]:
    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Redirect


class HtmlEverywhere(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        send_html(self, 200, b"<!doctype html><html><body>Welcome</body></html>", "text/html; charset=utf-8")


@contextmanager
def raw_server(behaviour: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server whose every connection is handed to `behaviour` (in its own thread)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(connection)
            threading.Thread(target=_guarded, args=(behaviour, connection, stop), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for connection in connections:
            with suppress(OSError):
                connection.close()


def _guarded(behaviour: Callable[[socket.socket], None], connection: socket.socket, stop: threading.Event) -> None:
    connection.settimeout(5)
    try:
        _read_request(connection)
        behaviour(connection)
    except OSError:
        pass


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk


def hang(connection: socket.socket) -> None:
    time.sleep(3)


def hang_after_headers(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    time.sleep(3)


def trickle(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(30):
        connection.sendall(b" ")
        time.sleep(0.2)


def trickle_headers(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(30):
        connection.sendall(b"a")
        time.sleep(0.2)


def reset(connection: socket.socket) -> None:
    import struct

    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def huge_length(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000000000\r\n\r\n[[[[")
    time.sleep(1)
