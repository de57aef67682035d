"""The HTML report: its content, that it fetches nothing and escapes vendor data, and how it behaves in Chromium."""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conformance.pipeline import RunOptions, load_declaration, run
from conformance.report.html import render
from conformance.results import Finding, Location, RequirementResult, RunResult
from tests.conftest import FIXTURES, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOT = ROOT / "reports" / "html-report.png"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class _Page(HTMLParser):
    """The parts of a page the tests look at: every start tag with its attributes, and inline text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, list[str]] = {"style": [], "script": []}
        self._inside: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.data:
            self._inside = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.data[self._inside].append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        """Start tags named `tag` whose attributes include `wanted` (class as one of the classes)."""
        found = []
        for name, attrs in self.tags:
            if name != tag:
                continue
            if all(
                value in (attrs.get("class") or "").split() if key == "class_" else attrs.get(key) == value
                for key, value in wanted.items()
            ):
                found.append(attrs)
        return found


def _requirement_rows(page: _Page) -> list[dict[str, str | None]]:
    return page.find("tr", class_="requirement")


@pytest.fixture(scope="module")
def valid() -> RunResult:
    declaration = load_declaration(FIXTURES / "juki" / "declaration.yaml")
    return run(FIXTURES / "juki" / "valid", ["juki"], RunOptions(declaration=declaration))


@pytest.fixture(scope="module")
def failing() -> RunResult:
    return run(FIXTURES / "juki" / "invalid" / "juki-c-0001", ["juki"])


@pytest.fixture(scope="module")
def incomplete(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """Only the header line: every record-level requirement is not-tested."""
    folder = tmp_path_factory.mktemp("header-only")
    header = (FIXTURES / "juki" / "valid" / "住民.csv").read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (folder / "住民.csv").write_text(header, encoding="utf-8")
    for table in ("世帯", "異動履歴"):
        (folder / f"{table}.csv").write_bytes((FIXTURES / "juki" / "valid" / f"{table}.csv").read_bytes())
    return run(folder, ["juki"])


def _case(request: pytest.FixtureRequest, name: str) -> RunResult:
    result: RunResult = request.getfixturevalue(name)
    return result


@pytest.mark.parametrize(("case", "verdict", "word"), [
    ("valid", "pass", "適合"), ("failing", "fail", "不適合"), ("incomplete", "incomplete", "判定不能"),
])
def test_banner_carries_the_run_verdict(request: pytest.FixtureRequest, case: str, verdict: str, word: str) -> None:
    result = _case(request, case)
    assert result.summary.verdict == verdict
    html = render(result)
    banners = _Page(html).find("div", id="verdict")
    assert len(banners) == 1
    assert banners[0]["data-verdict"] == verdict
    assert f'<div class="word">{word}<' in html


@pytest.mark.parametrize("case", ["valid", "failing", "incomplete"])
def test_one_row_per_requirement_in_result_order(request: pytest.FixtureRequest, case: str) -> None:
    result = _case(request, case)
    rows = _requirement_rows(_Page(render(result)))
    assert len(rows) == len(result.requirements)
    assert [(row["data-verdict"], row["data-operation"]) for row in rows] == [
        (r.verdict, r.operation) for r in result.requirements
    ]


def test_header_names_what_was_tested(valid: RunResult) -> None:
    html = render(valid)
    assert '<html lang="ja">' in html
    assert "<h1>適合確認結果</h1>" in html
    file = valid.files[0]
    assert file.sha256 in html  # in full, so the bytes tested can be proved
    for spec in valid.specs:
        assert spec.name in html and spec.version in html
        assert all(document in html for document in spec.documents)
    assert "架空住記システム" in html and "JUKI-D-0050" in html  # the declaration
    assert "マスクされていません" not in html
    assert f"jichitai-conformance {valid.suite_version} により作成" in html


def test_findings_of_a_failing_requirement(failing: RunResult) -> None:
    html = render(failing)
    page = _Page(html)
    (requirement,) = [r for r in failing.requirements if r.verdict == "fail"]
    anchor = f"req-{requirement.id}"
    assert page.find("a", href=f"#{anchor}")
    assert page.find("details", id=anchor)
    assert requirement.fix in html
    finding = requirement.findings[0]
    assert re.fullmatch("\ue000…#[0-9a-f]{4,}", finding.value) and finding.value in html
    assert finding.message in html and finding.code in html
    assert "ほか" not in html  # every finding is shown


def test_findings_beyond_the_kept_examples_are_counted(failing: RunResult) -> None:
    requirement = next(r for r in failing.requirements if r.verdict == "fail")
    capped = dataclasses.replace(requirement, findings_total=len(requirement.findings) + 41)
    result = dataclasses.replace(failing, requirements=(capped,))
    assert "…ほか41件" in render(result)


def test_untested_requirements_are_listed_with_their_reasons(incomplete: RunResult) -> None:
    html = render(incomplete)
    untested = [r for r in incomplete.requirements if r.verdict in ("not-tested", "error")]
    assert untested
    section = html.split('id="untested-heading"', 1)[1]
    for requirement in untested:
        assert f'id="req-{requirement.id}"' in section
        assert requirement.reason and requirement.reason in section


def test_unmasked_values_are_announced(failing: RunResult) -> None:
    unmasked = dataclasses.replace(failing, options={**failing.options, "show_values": True})
    assert "マスクされていません" in render(unmasked)
    assert "マスクされていません" not in render(failing)


def test_nothing_is_fetched(failing: RunResult) -> None:
    html = render(failing)
    page = _Page(html)
    urls = [value or "" for _, attrs in page.tags for key, value in attrs.items() if key in ("src", "href")]
    urls += re.findall(r"url\(([^)]*)\)", html)
    assert not [url for url in urls if re.search(r"https?:", url, re.IGNORECASE)]
    assert all("src" not in attrs for attrs in page.find("script"))
    assert not page.find("link", rel="stylesheet")
    assert "@import" not in html and "@font-face" not in html


def test_the_security_policy_admits_exactly_the_inline_style_and_script(failing: RunResult) -> None:
    page = _Page(render(failing))
    (policy,) = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    content = policy["content"] or ""
    assert "default-src 'none'" in content
    for tag in ("style", "script"):
        (text,) = page.data[tag]
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
        assert f"{tag}-src 'sha256-{digest}'" in content


def test_vendor_data_never_becomes_markup(failing: RunResult) -> None:
    requirement = next(r for r in failing.requirements if r.verdict == "fail")
    finding = Finding(requirement.id, HOSTILE, HOSTILE, Location(HOSTILE, 2, 1, HOSTILE), HOSTILE)
    hostile_requirement = dataclasses.replace(
        requirement, id=HOSTILE, operation=HOSTILE, title=HOSTILE, fix=HOSTILE, findings=(finding,)
    )
    untested = RequirementResult("X-D-0001", HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, "error", reason=HOSTILE)
    hostile = dataclasses.replace(
        failing,
        target=HOSTILE,
        files=tuple(dataclasses.replace(f, path=HOSTILE, note=HOSTILE) for f in failing.files),
        ignored=((HOSTILE, HOSTILE),),
        declaration={"system": {"name": HOSTILE, "version": HOSTILE}, "specs": {HOSTILE: HOSTILE}, "options": [HOSTILE]},
        requirements=(hostile_requirement, untested),
    )
    html = render(hostile)
    assert "<script>alert(1)</script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len(re.findall(r"<script\b", html)) == 1  # the report's own
    page = _Page(html)
    assert len(_requirement_rows(page)) == 2
    assert all(" " not in (attrs.get("id") or "") for _, attrs in page.tags)  # fragment ids stay ids


def test_an_empty_run_still_renders(failing: RunResult) -> None:
    html = render(dataclasses.replace(failing, requirements=(), files=(), specs=(), ignored=()))
    assert 'data-verdict="pass"' in html
    assert not _requirement_rows(_Page(html))


# --- In a real browser ---------------------------------------------------------------------------------


def _personal_values() -> set[str]:
    values: set[str] = set()
    for path in (FIXTURES / "juki").rglob("住民.csv"):
        try:
            with path.open(encoding="utf-8", newline="") as stream:
                for row in csv.DictReader(stream):
                    values |= {row[name] for name in ("氏名", "世帯主氏名", "個人番号") if row.get(name)}
        except (UnicodeDecodeError, csv.Error):
            continue  # the broken-encoding fixtures: their values are in the UTF-8 ones too
    return {value for value in values if len(value) > 1}


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (Debian package chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: browser tests must run in CI, not be skipped")
    pytest.skip(message)


@contextmanager
def offline_page(path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """`path` opened in Chromium (1280×900, ja-JP): the page, every URL it requested and every console error
    or page error, for the tests that a self-contained page fetches nothing and runs under its CSP."""
    from playwright.sync_api import Request, sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")

            def on_request(request: Request) -> None:
                requests.append(request.url)

            page.on("request", on_request)
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(path.as_uri(), wait_until="load")
            yield page, requests, problems
        finally:
            browser.close()


def test_report_in_chromium(failing: RunResult, tmp_path: Path) -> None:
    _require_chromium()

    report = tmp_path / "conformance.html"
    report.write_text(render(failing), encoding="utf-8")
    failing_count = sum(r.verdict == "fail" for r in failing.requirements)
    assert failing_count == 1
    personal = _personal_values()
    assert len(personal) >= 40

    with offline_page(report) as (page, requests, problems):
        assert requests, "the page itself was not recorded"
        assert not [url for url in requests if url.split(":", 1)[0] not in ("file", "data", "about")]
        assert not problems  # no CSP violation: the style and the script both ran
        assert "不適合" in page.locator("#verdict").inner_text()
        assert page.locator("#verdict").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

        rows = page.locator("tr.requirement")
        visible = page.locator("tr.requirement:visible")
        assert page.locator("#filters").is_visible()
        assert visible.count() == rows.count() == len(failing.requirements)
        page.select_option("#filter-verdict", "fail")
        assert visible.count() == failing_count
        assert visible.first.get_attribute("data-verdict") == "fail"
        page.select_option("#filter-operation", "juki")
        assert visible.count() == failing_count

        # Printing shows every row and hides the controls, whatever the screen filter says.
        page.emulate_media(media="print")
        assert visible.count() == len(failing.requirements)
        assert not page.locator("#filters").is_visible()
        page.emulate_media(media="screen")

        page.select_option("#filter-verdict", "not-tested")
        assert visible.count() == 0 and page.locator("#filter-empty").is_visible()
        page.select_option("#filter-verdict", "all")
        page.select_option("#filter-operation", "all")
        assert visible.count() == len(failing.requirements)

        page.locator(f'a[href="#req-{failing.failed_ids()[0]}"]').click()
        assert page.evaluate("location.hash") == f"#req-{failing.failed_ids()[0]}"

        content = page.content()
        assert not [value for value in personal if value in content]
        assert not [url for url in requests if url.split(":", 1)[0] not in ("file", "data", "about")]

        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
