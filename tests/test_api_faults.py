"""Hostile servers on 127.0.0.1 (issue 10, API faults): each yields findings or `error` verdicts with
reasons within the configured limits, never a traceback; the token never follows a redirect to
another host and never appears in any output."""

from __future__ import annotations

import io
import logging
import ssl
import time
import zipfile
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from api_servers import (
    MODES,
    ROOT,
    HtmlEverywhere,
    Recorder,
    api_server,
    hang,
    hang_after_headers,
    huge_length,
    raw_server,
    redirecting,
    reset,
    running,
    store_of,
    trickle,
    trickle_headers,
)

from conformance.api.client import ApiClient, ClientOptions
from conformance.api.server import ApiServer
from conformance.cli import main
from conformance.pipeline import ApiOptions, RunOptions, run_api
from conformance.results import RunResult

TOKEN = "tok-Zq8vX3-distinctive-9931"
LIMITS = ClientOptions(connect_timeout=1, read_timeout=0.5, deadline=1.0, retries=0, max_bytes=1024 * 1024)


def run(url: str, options: ClientOptions = LIMITS) -> RunResult:
    return run_api(url, ["juki"], RunOptions(), ApiOptions(client=options, token=TOKEN))


@pytest.fixture(scope="module")
def store() -> object:
    return store_of(ROOT / "fixtures/juki/valid", "juki")


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [(hang, "タイムアウト"), (hang_after_headers, "タイムアウト"), (trickle, "期限"), (trickle_headers, "期限"),
     (reset, "切断"), (huge_length, "大きすぎます")],
    ids=["hang", "hang-after-headers", "trickle", "trickle-headers", "reset", "5GB-content-length"],
)
def test_transport_faults_are_error_verdicts_within_the_limits(behaviour: object, reason: str) -> None:
    with raw_server(behaviour) as url:  # type: ignore[arg-type]
        started = time.monotonic()
        result = run(url)
        elapsed = time.monotonic() - started
    # Three failed requests (the client then stops sending) each bounded by the deadline.
    assert elapsed < 3 * LIMITS.deadline + 2
    assert result.summary.verdict == "incomplete" and result.exit_code == 3
    assert result.failed_ids() == []
    errors = [r for r in result.requirements if r.verdict == "error"]
    assert errors and all(r.reason for r in errors)
    assert any(reason in (r.reason or "") for r in errors), [r.reason for r in errors]
    # The data requirements could not be judged: error, never pass.
    assert not [r.id for r in result.requirements if r.verdict == "pass" and "-A-" not in r.id]


def test_html_instead_of_json_is_a_finding() -> None:
    with running(ThreadingHTTPServer(("127.0.0.1", 0), HtmlEverywhere)) as url:
        result = run(url)
    assert result.summary.verdict == "fail"
    codes = {f.code for f in result.findings()}
    assert {"malformed-json", "wrong-content-type"} <= codes  # the code of a JSON file that does not parse


def test_redirect_to_another_host_is_not_followed_and_the_token_stays_home() -> None:
    Recorder.seen = []
    with running(ThreadingHTTPServer(("127.0.0.1", 0), Recorder)) as other:
        # localhost and 127.0.0.1 are different hosts as far as credentials go.
        elsewhere = other.replace("127.0.0.1", "localhost")
        with running(ThreadingHTTPServer(("127.0.0.1", 0), redirecting(elsewhere))) as url:
            result = run(url)
            client = ApiClient(url, TOKEN, LIMITS)
            exchange = client.get("/juki/jumin")
            client.close()
    assert exchange.status == 302 and exchange.refused_redirect == "http://localhost:" + other.rsplit(":", 1)[1]
    assert Recorder.seen == []  # not one request reached the other host, so no token did
    assert "redirect-other-host" in {f.code for f in result.findings()}


def test_same_origin_redirect_is_followed_with_the_token(store: object) -> None:
    with api_server(store) as target:  # type: ignore[arg-type]
        with running(ThreadingHTTPServer(("127.0.0.1", 0), redirecting(target))) as front:
            # Same host, other port: another origin, so refused as well.
            assert ApiClient(front, TOKEN, LIMITS).get("/juki/jumin").refused_redirect is not None
        client = ApiClient(target, TOKEN, LIMITS)
        assert client.get("/juki/jumin/", {"limit": "1"}).status == 200


@pytest.fixture(scope="module")
def tls(store: object, tmp_path_factory: pytest.TempPathFactory) -> object:
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1")
    folder = tmp_path_factory.mktemp("tls")
    bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = ApiServer(("127.0.0.1", 0), store, None)  # type: ignore[arg-type]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with running(server) as url:
        yield url.replace("http://", "https://"), bundle


def test_untrusted_certificate_is_an_error_with_the_reason(tls: tuple[str, Path]) -> None:
    url, _ = tls
    result = run(url)
    assert result.exit_code == 3 and result.failed_ids() == []
    reasons = {r.reason for r in result.requirements if r.verdict == "error"}
    assert any("TLS" in (reason or "") and "--ca-bundle" in (reason or "") for reason in reasons), reasons


def test_ca_bundle_trusts_the_certificate_and_insecure_is_recorded(tls: tuple[str, Path]) -> None:
    url, bundle = tls
    trusted = run(url, ClientOptions(read_timeout=2, ca_bundle=str(bundle)))
    assert trusted.exit_code == 0, trusted.failed_ids()
    assert trusted.to_dict()["options"]["api"]["insecure"] is False
    insecure = run(url, ClientOptions(read_timeout=2, verify=False))
    assert insecure.exit_code == 0
    assert insecure.to_dict()["options"]["api"]["insecure"] is True


def test_the_token_never_appears_in_any_output(store: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SECRET_VAR", TOKEN)
    caplog.set_level(logging.DEBUG)
    outputs = []
    # A failing server (findings with request locations) and a server that resets (error reasons).
    with api_server(store, MODES["no-auth"]) as url, raw_server(reset) as dead:  # type: ignore[arg-type]
        for target in (url, dead):
            out, err = io.StringIO(), io.StringIO()
            formats = ["console", "json", "junit", "html", "xlsx", "markdown", "sarif", "badge"]
            code = main(["run", target, "--spec", "juki", "--token-env", "SECRET_VAR", "--read-timeout", "0.5",
                         "--output", str(tmp_path / "out"), *[a for f in formats for a in ("--format", f)]], out, err)
            assert code in (1, 3)
            outputs += [out.getvalue(), err.getvalue()]
            for path in (tmp_path / "out").iterdir():
                data = path.read_bytes()
                if path.suffix == ".xlsx":
                    with zipfile.ZipFile(path) as workbook:
                        data = b"".join(workbook.read(name) for name in workbook.namelist())
                outputs.append(data.decode("utf-8", "replace"))
    outputs.append(caplog.text)
    assert len(outputs) > 10
    assert not [text[:80] for text in outputs if TOKEN in text]
    assert "SECRET_VAR" in "".join(outputs)  # the variable's name is recorded; its value never
