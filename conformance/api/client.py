"""The HTTP client of API mode: one `requests.Session`, bounded in time, size and retries.

Every request ends as an `Exchange`, never an exception: a transport failure is an Exchange with an
`error` (a Japanese reason), so the case runner can turn it into an `error` verdict with that reason.
The bearer token is held only in the session's headers and is never part of a message, a URL or a
location; redirects are followed only within the base URL's origin, so it never reaches another host.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance import __version__
from conformance.api.options import ClientOptions as ClientOptions  # re-exported: the client's limits

REDIRECTS = (301, 302, 303, 307, 308)
RETRIED = (429, 503)
_MAX_REDIRECTS = 5
_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer (or why there is none). Header names are lower case."""

    method: str
    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    body: bytes = b""
    error: str | None = None
    attempts: int = 1
    refused_redirect: str | None = None

    def header(self, name: str) -> str | None:
        """A response header by name, case-insensitively."""
        return self.headers.get(name.lower())


class ApiClient:
    """GET requests against one base URL with the suite's limits; thread-unsafe by design (one run)."""

    def __init__(self, base_url: str, token: str | None, options: ClientOptions) -> None:
        self.base_url = base_url.rstrip("/")
        self.options = options
        self._origin = _origin(self.base_url)
        self._token = token
        self._last_start = 0.0
        self.session = requests.Session()
        # No .netrc credentials, no proxy or CA settings from the environment: what the run used is
        # what its command line and result say.
        self.session.trust_env = False
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _TrackingAdapter())
        self.session.headers.update({"User-Agent": f"jichitai-conformance/{__version__}",
                                     "Accept": "application/json, application/problem+json"})
        self.requests_made = 0
        self._failures = 0

    def close(self) -> None:
        """Release the connections."""
        self.session.close()

    def authorization(self) -> dict[str, str]:
        """The header that carries the token (for a generator that sends its own requests)."""
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def url(self, path: str) -> str:
        """The absolute URL of a contract path."""
        return self.base_url + path

    def get(self, path: str, query: dict[str, str] | None = None, *, auth: bool = True) -> Exchange:
        """GET `path` (relative to the base URL) with bounded retries on 429 and 503."""
        url = self.url(path)
        prepared_url = requests.Request("GET", url, params=query or {}).prepare().url or url
        if self._failures >= self.options.give_up_after:
            # A target that does not answer would otherwise cost every request its full timeout.
            return Exchange("GET", prepared_url, error=f"直前の要求が{self._failures}回続けて通信に失敗したため、送っていません")
        attempts = 0
        while True:
            attempts += 1
            exchange = self._follow(prepared_url, auth)
            self._failures = self._failures + 1 if exchange.error is not None else 0
            if exchange.error is not None:
                # A connection left mid-answer must not carry the next request: drop every pooled one.
                for adapter in self.session.adapters.values():
                    adapter.close()
            if exchange.status not in RETRIED or attempts > self.options.retries:
                return Exchange(exchange.method, exchange.url, exchange.status, exchange.headers, exchange.body,
                                exchange.error, attempts, exchange.refused_redirect)
            time.sleep(self._retry_delay(exchange, attempts))

    def _retry_delay(self, exchange: Exchange, attempt: int) -> float:
        delay = float(self.options.backoff * 2.0 ** (attempt - 1))
        after = exchange.header("retry-after")
        if after:
            seconds: float | None = None
            if after.strip().isdigit():
                seconds = float(after.strip())
            else:
                try:
                    when = email.utils.parsedate_to_datetime(after)
                    seconds = max(0.0, when.timestamp() - time.time())
                except (TypeError, ValueError):
                    seconds = None
            if seconds is not None:
                delay = seconds
        return min(delay, self.options.retry_after_cap)

    def _follow(self, url: str, auth: bool) -> Exchange:
        for _ in range(_MAX_REDIRECTS + 1):
            exchange = self._once(url, auth)
            location = exchange.header("location")
            if exchange.status not in REDIRECTS or not location:
                return exchange
            target = urljoin(url, location)
            if _origin(target) != self._origin:
                # The token must never reach another host: the redirect is reported, not followed.
                return Exchange(exchange.method, exchange.url, exchange.status, exchange.headers, exchange.body,
                                refused_redirect="{}://{}:{}".format(*_origin(target)))
            url = target
        return Exchange("GET", url, error=f"リダイレクトが{_MAX_REDIRECTS}回を超えました")

    def _pace(self) -> None:
        if self.options.rate_limit:
            wait = self._last_start + 1.0 / self.options.rate_limit - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_start = time.monotonic()

    def _once(self, url: str, auth: bool) -> Exchange:
        self._pace()
        self.requests_made += 1
        headers = self.authorization() if auth else {}
        verify: bool | str = self.options.ca_bundle or True if self.options.verify else False
        options = self.options
        started = time.monotonic()
        timer = _Watchdog(options.deadline)
        try:
            with timer, warnings.catch_warnings():
                # --insecure is the user's explicit choice and is recorded in the result; no warning per request.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                response = self.session.get(url, headers=headers, timeout=(options.connect_timeout, options.read_timeout),
                                            stream=True, allow_redirects=False, verify=verify)
                try:
                    exchange = self._read(url, response, started)
                finally:
                    response.close()
                if timer.fired and exchange.error is None:
                    # The watchdog closed the socket: what was read is a truncated body, not an answer.
                    return Exchange("GET", url, exchange.status, exchange.headers,
                                    error=f"応答が期限（{options.deadline:g}秒）内に終わりませんでした")
                return exchange
        except requests.exceptions.SSLError as error:
            return Exchange("GET", url, error=_tls_reason(error))
        except requests.exceptions.ConnectTimeout:
            return Exchange("GET", url, error=f"接続がタイムアウトしました（{options.connect_timeout:g}秒）")
        except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError):
            if timer.fired:
                return Exchange("GET", url, error=f"応答が期限（{options.deadline:g}秒）内に終わりませんでした")
            return Exchange("GET", url, error=f"応答がタイムアウトしました（{options.read_timeout:g}秒間データなし）")
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.HTTPError, OSError) as error:
            if timer.fired:
                return Exchange("GET", url, error=f"応答が期限（{options.deadline:g}秒）内に終わりませんでした")
            return Exchange("GET", url, error=f"接続が切断されたか確立できません（{_kind(error)}）")
        except requests.exceptions.RequestException as error:
            return Exchange("GET", url, error=f"要求に失敗しました（{_kind(error)}）")
        except Exception as error:  # http.client's own complaints about a malformed answer, among others
            if timer.fired:
                return Exchange("GET", url, error=f"応答が期限（{options.deadline:g}秒）内に終わりませんでした")
            return Exchange("GET", url, error=f"応答をHTTPとして解釈できません（{type(error).__name__}）")

    def _read(self, url: str, response: requests.Response, started: float) -> Exchange:
        options = self.options
        headers = {name.lower(): value for name, value in response.headers.items()}
        status = response.status_code
        declared = headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > options.max_bytes:
            return Exchange("GET", url, status, headers,
                            error=f"応答が大きすぎます（Content-Length {int(declared):,}バイト、上限 {options.max_bytes:,}バイト）。読みませんでした")
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() - started > options.deadline:
                return Exchange("GET", url, status, headers,
                                error=f"応答が期限（{options.deadline:g}秒）内に終わりませんでした")
            # read1 returns what one receive gives: a server trickling bytes cannot hold a large read.
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > options.max_bytes:
                return Exchange("GET", url, status, headers,
                                error=f"応答が上限（{options.max_bytes:,}バイト）を超えました。読むのをやめました")
            chunks.append(chunk)
        return Exchange("GET", url, status, headers, b"".join(chunks))


# The socket each thread is receiving an answer on, so that a deadline can cut it even while the
# status line and headers are still trickling in (requests offers no hook before the headers).
_IN_FLIGHT: dict[int, socket.socket] = {}


class _TrackedHTTPConnection(HTTPConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        if self.sock is not None:
            _IN_FLIGHT[threading.get_ident()] = self.sock
        return super().getresponse()


class _TrackedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        if self.sock is not None:
            _IN_FLIGHT[threading.get_ident()] = self.sock
        return super().getresponse()


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _TrackingAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


class _Watchdog:
    """Cuts the request's socket when the deadline passes, so that no receive outlives it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._thread = threading.get_ident()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = _IN_FLIGHT.get(self._thread)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        _IN_FLIGHT.pop(self._thread, None)  # a socket of an earlier request is not this one's to cut
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _IN_FLIGHT.pop(self._thread, None)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default)


def _kind(error: BaseException) -> str:
    """The innermost exception's class: enough to tell a reset from a refusal, never a header."""
    seen = error
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        assert nxt is not None
        seen = nxt
    for arg in getattr(error, "args", ()):
        reason = getattr(arg, "reason", None)
        if isinstance(reason, BaseException):
            seen = reason
    return type(seen).__name__


def _tls_reason(error: BaseException) -> str:
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(error.__context__, ssl.SSLCertVerificationError):
        detail = "証明書を検証できません（自己署名・期限切れ・ホスト名不一致・未知の認証局）"
    else:
        detail = "TLSの接続を確立できません"
    return f"TLS: {detail}。正しい証明書を使うか、社内の認証局なら --ca-bundle を指定してください"
