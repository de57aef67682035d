"""Safe reports: whatever the target holds, no format of the registry turns it into markup, a formula, a
link, a terminal escape or a broken document. Every format must have its check here (a new format fails
test_every_format_has_an_injection_check until it gets one), and the HTML is proven in Chromium."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conformance.pipeline import RunOptions, run
from conformance.report import REPORT_FORMATS
from conformance.results import Finding, Location, RequirementResult, RunResult, name_invisible
from tests.conftest import FIXTURE_AS_OF, FIXTURES
from tests.test_report_html import CHROMIUM, CHROMIUM_ARGS, _Page, _require_chromium

MARKUP = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'
ATTRIBUTE = "\"'><svg onload=\"window.__pwned=3\">"
FORMULAS = ('=HYPERLINK("https://evil.invalid/","x")', "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1")
MARKDOWN = "a|b `code` [link](https://evil.invalid/) ![i](https://evil.invalid/x.png) <b>bold</b> **x** @here"
CONTROLS = "\x1b[2J\x1b]0;owned\x07\x0b\x01\u202e"
SURROGATE = "\udcff"  # an undecodable byte of a file name, as the OS hands it over
HOSTILE = (MARKUP, ATTRIBUTE, *FORMULAS, MARKDOWN, CONTROLS)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The conforming juki export with hostile text as an item name, as 性別 values and as a file name."""
    folder = tmp_path_factory.mktemp("hostile-export")
    with (FIXTURES / "juki" / "valid" / "住民.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header, records = rows[0], rows[1:]
    sex = header.index("性別")
    for record, value in zip(records, HOSTILE, strict=False):
        record[sex] = value
    buffer = io.StringIO()
    # QUOTE_ALL: with a LF terminator, csv.writer would leave a value holding a bare CR unquoted.
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([[*header, MARKUP], *([*r, MARKUP] for r in records)])
    (folder / "住民.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (folder / '"><img src=x onerror="window.__pwned=4">.txt').write_text("x", encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=[False, True], ids=["masked", "show-values"])
def hostile_run(request: pytest.FixtureRequest, export: Path) -> RunResult:
    result = run(export, ["juki"], RunOptions(show_values=request.param, as_of=FIXTURE_AS_OF))
    # The hostile text really reached the result: as an item, as values, as an ignored file.
    assert [f.location.item for f in result.requirement("JUKI-F-0004").findings] == [MARKUP]
    # (an invisible character, here the bidirectional override U+202E, is named in the value: <U+202E>)
    assert {f.value for f in result.requirement("JUKI-D-0016").findings} == {name_invisible(value) for value in HOSTILE}
    assert any("onerror" in path for path, _ in result.ignored)
    return result


@pytest.fixture(scope="module")
def everywhere(hostile_run: RunResult) -> RunResult:
    """Every text field of the result hostile, a lone surrogate included."""
    text = MARKUP + ATTRIBUTE + "".join(FORMULAS) + MARKDOWN + CONTROLS + SURROGATE
    finding = Finding("JUKI-D-0016", "pattern-mismatch", text, Location(text, 2, 1, text), text)
    requirement = dataclasses.replace(hostile_run.requirement("JUKI-D-0016"), title=text, fix=text, findings=(finding,))
    untested = RequirementResult("X-D-0001", "juki", text, "必須", "assumption", text, "error", reason=text)
    return dataclasses.replace(
        hostile_run, target=text, ignored=((text, text),), changed=(text,),
        files=tuple(dataclasses.replace(f, path=text, note=text) for f in hostile_run.files),
        declaration={"system": {"name": text, "version": text}, "specs": {}, "options": []},
        requirements=(requirement, untested, *hostile_run.requirements[1:]),
    )


# --- One check per format ----------------------------------------------------------------------------


def _no_controls(text: str) -> None:
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", text), "a raw control character reached the output"


def _html(output: str | bytes) -> None:
    assert isinstance(output, str)
    page = _Page(output)
    tags = [name for name, _ in page.tags]
    assert "img" not in tags and "iframe" not in tags and "object" not in tags
    assert tags.count("script") == 1  # the report's own
    assert not [attrs for _, attrs in page.tags if any(name.startswith("on") for name in attrs)]
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in output
    [meta] = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    _restrictive_csp(str(meta["content"]))


def _restrictive_csp(policy: str) -> None:
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'none'"]
    assert all(source.startswith("'sha256-") for source in directives["script-src"] + directives["style-src"])
    assert directives["base-uri"] == ["'none'"] and directives["form-action"] == ["'none'"]
    assert "unsafe" not in policy and "*" not in policy and "http" not in policy


def _xlsx(output: str | bytes) -> None:
    assert isinstance(output, bytes)
    workbook = openpyxl.load_workbook(io.BytesIO(output))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert cell.data_type == "s"
    for formula in FORMULAS:
        assert any(formula.replace("\r", "\n") in text for text in texts), formula


def _markdown(output: str | bytes) -> None:
    assert isinstance(output, str)
    for forbidden in ("<script", "<img", "<svg", "<b>", "](", "`", "**x**", "@here", "|b"):
        assert forbidden not in output, forbidden
    _no_controls(output)
    # Data cannot add a column: every row of a table has its header's number of cell separators.
    for block in re.findall(r"(?:^\|.*\|$\n?)+", output, flags=re.MULTILINE):
        counts = {line.count("|") for line in block.splitlines()}
        assert len(counts) == 1, block[:200]


def _sarif(output: str | bytes) -> None:
    assert isinstance(output, str)
    log = json.loads(output)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "markdown" not in node  # message.markdown is rendered by viewers: never used
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(log)
    assert {key for result in log["runs"][0]["results"] for key in result["message"]} == {"text"}


def _json(output: str | bytes) -> None:
    assert isinstance(output, str)
    data = json.loads(output)
    messages = [f["message"] for r in data["requirements"] for f in r["findings"]]
    assert any(MARKUP in message for message in messages)  # JSON carries the text as it is, escaped by JSON


def _junit(output: str | bytes) -> None:
    assert isinstance(output, str)
    root = ET.fromstring(output.encode("utf-8"))  # well-formed XML, whatever the data held
    assert not [e for e in root.iter() if e.tag in ("script", "img", "svg")]


def _console(output: str | bytes) -> None:
    assert isinstance(output, str)
    _no_controls(output)
    assert "\r" not in output and SURROGATE not in output


def _badge(output: str | bytes) -> None:
    assert isinstance(output, str)
    root = ET.fromstring(output.encode("utf-8"))
    assert not [e for e in root.iter() if e.tag.endswith(("script", "foreignObject", "image"))]
    assert not [name for e in root.iter() for name in e.attrib if name.startswith("on")]


CHECKS: dict[str, Callable[[str | bytes], None]] = {
    "html": _html, "xlsx": _xlsx, "markdown": _markdown, "sarif": _sarif, "json": _json,
    "junit": _junit, "console": _console, "badge": _badge,
}


def test_every_format_has_an_injection_check() -> None:
    assert set(CHECKS) == set(REPORT_FORMATS)


@pytest.mark.parametrize("name", sorted(REPORT_FORMATS))
def test_a_real_hostile_run_stays_inert_in_every_format(name: str, hostile_run: RunResult, tmp_path: Path) -> None:
    path = tmp_path / f"report{REPORT_FORMATS[name].extension}"
    REPORT_FORMATS[name].write(hostile_run, path)
    CHECKS[name](path.read_bytes() if name == "xlsx" else path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(REPORT_FORMATS))
def test_hostile_text_in_every_field_stays_inert_in_every_format(name: str, everywhere: RunResult, tmp_path: Path) -> None:
    path = tmp_path / f"report{REPORT_FORMATS[name].extension}"
    REPORT_FORMATS[name].write(everywhere, path)  # writes, even with a lone surrogate in the text
    output = path.read_bytes() if name == "xlsx" else path.read_text(encoding="utf-8")
    if name == "xlsx":
        _xlsx_everywhere(output)
    else:
        CHECKS[name](output)


def _xlsx_everywhere(output: str | bytes) -> None:
    assert isinstance(output, bytes)
    workbook = openpyxl.load_workbook(io.BytesIO(output))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert [cell for cell in cells if isinstance(cell.value, str) and MARKUP in cell.value]


# --- In the browser ------------------------------------------------------------------------------------


def test_hostile_html_report_in_chromium(hostile_run: RunResult, tmp_path: Path) -> None:
    """The DOM holds the hostile text as text: no injected element, no script of the data ran."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    report = tmp_path / "conformance.html"
    REPORT_FORMATS["html"].write(hostile_run, report)
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_timeout(200)  # an onerror of a broken <img> would fire by now
            assert page.evaluate("window.__pwned") is None
            assert page.evaluate("document.querySelectorAll('img, svg[onload], iframe, object, embed').length") == 0
            assert page.evaluate("document.scripts.length") == 1
            assert page.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length") == 0
            body = page.inner_text("body")
            assert "<script>window.__pwned=1</script>" in body  # shown as text, where it was put
            assert '"><img src=x onerror="window.__pwned=4">.txt' in body
            policy = page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
            _restrictive_csp(policy)
            # The policy is enforced, not just present: an inline script added now is refused.
            page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 5'; document.body.append(s); }")
            assert page.evaluate("window.__pwned") is None
        finally:
            browser.close()
    assert not dialogs and not errors
