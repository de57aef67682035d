"""`conformance docs`: the requirement catalogue for every spec, its content, escaping, determinism, and its
search box and links in Chromium (one browser launch)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import spec as spec_store
from conformance.catalogue import bundled, load_folder, load_source, write_catalogue
from conformance.catalogue import html as catalogue_html
from conformance.catalogue import markdown as catalogue_markdown
from conformance.catalogue.facts import spec_items
from conformance.catalogue.model import catalogue, operation_page
from conformance.cli import main
from tests.conftest import ROOT
from tests.test_report_html import _require_chromium, offline_page

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> | *x* `y`'
OFFICIAL_COLUMNS = ("x-item-id", "x-romaji", "x-data-type", "x-width", "x-output-condition")
# Test data only: a データ項目ID under the code 999, which is no 基幹業務コード.
ANNOTATIONS = {"x-item-id": "99900001", "x-romaji": "shikuchoson_code", "x-data-type": "X", "x-width": 6,
               "x-output-condition": "必須", "x-code-list": "999"}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("catalogue")
    write_catalogue(bundled(), output)
    return output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of inkan (outside specs/: its $refs resolve against the bundled common/) with hostile texts."""
    folder = tmp_path_factory.mktemp("hostile") / "inkan"
    shutil.copytree(ROOT / "specs" / "inkan", folder)
    spec_file = folder / "spec.yaml"
    raw = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    raw["documents"][0]["note"] = f"not public: {HOSTILE}"
    requirement = raw["requirements"][[r["id"] for r in raw["requirements"]].index("INKAN-D-0001")]
    requirement["title"] = requirement["fix"] = HOSTILE
    body = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    spec_file.write_text(f"# 印鑑登録 (test copy)\n#\n# NOT FOUND: {HOSTILE}\n{body}", encoding="utf-8")
    schema_file = folder / "schemas" / "inkan-toroku.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["市区町村コード"].update(ANNOTATIONS)
    schema["properties"][HOSTILE] = {"title": HOSTILE, "x-requirement": "INKAN-D-0004", "type": "string", "maxLength": 5}
    schema_file.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return folder


def _ids(html: str, kind: str) -> list[str]:
    return re.findall(rf'<tr id="([^"]+)" class="{kind}">', html)


def test_every_operation_has_its_pages(written: Path) -> None:
    operations = spec_store.available()
    assert len(operations) == 20
    expected = {"index.html", "index.md"} | {f"{op}.{ext}" for op in operations for ext in ("html", "md")}
    assert {path.name for path in written.iterdir()} == expected
    index = (written / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<tr class="operation">\s*<td><a href="([^"]+)">', index) == [f"{op}.html" for op in operations]
    index_md = (written / "index.md").read_text(encoding="utf-8")
    assert re.findall(r"\]\(([a-z-]+\.md)\)", index_md) == [f"{op}.md" for op in operations]


def test_each_page_lists_every_requirement_and_item(written: Path) -> None:
    for source in bundled():
        spec = source.spec
        page = (written / f"{spec.id}.html").read_text(encoding="utf-8")
        assert _ids(page, "requirement") == [r.id for r in spec.requirements]
        items = spec_items(spec, source.root)
        assert len(_ids(page, "item")) == sum(len(table) for table in items.values())
        # Where an official value is not recorded the page says 未収録, in each of the five columns.
        absent = sum(key not in item.official for table in items.values() for item in table for key in OFFICIAL_COLUMNS)
        assert page.count('<span class="absent">未収録</span>') == absent
        markdown = (written / f"{spec.id}.md").read_text(encoding="utf-8")
        assert sum(f"| `{r.id}` |" in markdown for r in spec.requirements) == len(spec.requirements)


def test_a_requirement_shows_level_basis_source_and_fix(written: Path) -> None:
    page = (written / "juki.html").read_text(encoding="utf-8")
    row = page[page.index('<tr id="JUKI-F-0004"'):]
    row = row[:row.index("</tr>")]
    requirement = spec_store.load("juki").requirement("JUKI-F-0004")
    assert '<td class="level-実装不可">実装不可</td>' in row
    assert '<td class="basis-official">公式</td>' in row
    assert requirement.source.document in row and requirement.fix in row


def test_what_is_not_encoded(written: Path) -> None:
    inkan = operation_page(load_source("inkan"))
    assert inkan.gaps[0].startswith("NOT FOUND: the 印鑑登録 standard specification")
    juki = operation_page(load_source("juki"))
    assert any(gap.startswith("地方公共団体情報システムデータ要件・連携要件標準仕様書 基本データリスト（住民基本台帳） 第2.1版 2023-09-29: "
                              "The official item list is not public in our material") for gap in juki.gaps)
    assert "NOT FOUND: the 印鑑登録 standard specification" in (written / "inkan.md").read_text(encoding="utf-8")


def test_official_annotations_are_shown(hostile: Path) -> None:
    page = catalogue_html.render_operation(operation_page(load_folder(hostile)))
    row = page[page.index('<tr id="item-1-1"'):]
    row = row[:row.index("</tr>")]
    assert "未収録" not in row
    assert [cell for cell in re.findall(r"<td>([^<]*)</td>", row)][2:7] == ["99900001", "shikuchoson_code", "X", "6", "必須"]
    assert "コード一覧 999" in row


def test_spec_text_never_becomes_markup(hostile: Path) -> None:
    pages = catalogue([load_folder(hostile)])
    for html in (catalogue_html.render_operation(pages[0]), catalogue_html.render_index(pages)):
        assert "<img" not in html and "alert(1)</script>" not in html
        assert html.count("<script") == html.count("</script>") == (1 if "SEARCH" in html else 0)
    page = catalogue_html.render_operation(pages[0])
    # title, fix, item name; the document note and the header note each in place and under 収録していないもの
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 7
    markdown = catalogue_markdown.render_operation(pages[0])
    assert "<script" not in markdown and "<img" not in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| `INKAN-D-0001` |"))
    assert len(re.split(r"(?<!\\)\|", row)) == 9  # 7 cells: the hostile `|` is escaped


def test_same_specs_same_bytes(written: Path, tmp_path: Path) -> None:
    write_catalogue([load_source("juki"), load_source("kotei-shisan-zei")], tmp_path)
    for name in ("juki.html", "juki.md", "kotei-shisan-zei.html", "kotei-shisan-zei.md"):
        assert (tmp_path / name).read_bytes() == (written / name).read_bytes()


def test_the_security_policy_admits_exactly_the_inline_style_and_script(written: Path) -> None:
    for name in ("index.html", "juki.html"):
        html = (written / name).read_text(encoding="utf-8")
        match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert match is not None
        policy = unescape(match.group(1))
        assert "default-src 'none'" in policy
        for tag in ("style", "script"):
            for text in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL):
                digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
                assert f"{tag}-src 'sha256-{digest}'" in policy
        assert not re.search(r"(src|href)=\"https?:", html)


def test_cli(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["docs", "--output", str(tmp_path), "senkyo"], out, err) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "index.md", "senkyo.html", "senkyo.md"]
    assert main(["docs", "--output", str(tmp_path), "senkyo", "senkyo"], out, err) == 2
    assert "業務ID senkyo が重複しています" in err.getvalue() and "Traceback" not in err.getvalue()


def _expected_hits(written: Path, query: str) -> dict[str, Any]:
    """What the search box must show for a one-word query, from the data the index page carries."""
    index = (written / "index.html").read_text(encoding="utf-8")
    entries = json.loads(index[index.index("const SEARCH = ") + 15:index.index(";\n", index.index("const SEARCH = "))])
    hits = [e for e in entries if query.lower() in " ".join((e["id"], e["title"], e["name"], e["op"])).lower()]
    return {"total": len(hits), "requirements": [e["href"] for e in hits if e["kind"] == "requirement"]}


def test_catalogue_in_chromium(written: Path) -> None:
    _require_chromium()
    expected = _expected_hits(written, "JUKI-D-0002")
    assert expected["requirements"] == ["juki.html#JUKI-D-0002"]
    with offline_page(written / "index.html") as (page, requests, problems):
        assert page.locator("tr.operation").count() == 20
        assert page.locator("#search-box").is_visible()  # the script ran: the CSP admitted it

        page.fill("#search", "JUKI-D-0002")
        assert page.locator("#results li").count() == expected["total"]
        assert page.locator("#search-status").inner_text() == f"{expected['total']}件"
        link = page.locator("#results li.requirement a")
        assert link.count() == 1 and link.inner_text() == "JUKI-D-0002"
        page.fill("#search", "該当しない語 zzz")
        assert page.locator("#results li").count() == 0
        assert page.locator("#search-status").inner_text() == "該当なし"

        page.fill("#search", "juki-d-0002")  # case-insensitive
        page.locator("#results li.requirement a").click()
        page.wait_for_url("**/juki.html#JUKI-D-0002")
        assert page.locator("#JUKI-D-0002").is_visible()
        assert "宛名番号" in page.locator("#JUKI-D-0002").inner_text()
        page.locator("#back").click()
        page.wait_for_url("**/index.html")
        assert page.locator("tr.operation").count() == 20
    assert not problems
    assert requests and all(url.startswith("file:") for url in requests)
