"""The catalogue as static HTML: an index with a search box and one page per operation, each page
self-contained (inline CSS; the index's script carries its search data), fetching nothing, working from file://."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from conformance import __version__
from conformance.catalogue.facts import visible
from conformance.catalogue.model import ABSENT, OperationPage

_environment = Environment(
    loader=PackageLoader("conformance.catalogue", "templates"),
    autoescape=True,  # every spec text (titles, notes, item names) is text, never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # A BOM in a title shows as <U+FEFF>; our own inline CSS and script (Markup) pass as they are.
    finalize=lambda value: visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value,
)
# Characters that would end or confuse a <script> element, written as JSON escapes instead.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _asset(name: str) -> str:
    assert _environment.loader is not None
    source, _, _ = _environment.loader.get_source(_environment, name)
    return source


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _policy(css: str, script: str | None) -> str:
    scripts = _digest(script) if script is not None else "'none'"
    return f"default-src 'none'; style-src {_digest(css)}; script-src {scripts}; img-src data:; base-uri 'none'; form-action 'none'"


def search_entries(pages: list[OperationPage]) -> list[dict[str, str]]:
    """What the search box searches: every requirement, table and item, with the link to it."""
    entries = []
    for page in pages:
        for requirement in page.requirements:
            entries.append({"kind": "requirement", "label": "要件", "id": requirement.id, "title": requirement.title,
                            "name": page.name, "op": page.id, "href": f"{page.id}.html#{requirement.anchor}"})
        for table in page.tables:
            entries.append({"kind": "table", "label": "表", "id": table.name, "title": f"{len(table.items)}項目",
                            "name": page.name, "op": page.id, "href": f"{page.id}.html#{table.anchor}"})
            for item in table.items:
                extra = " ".join(v for v in (item.item_id, item.romaji, item.requirement) if v)
                entries.append({"kind": "item", "label": "項目", "id": f"{table.name}.{item.name}", "title": extra,
                                "name": page.name, "op": page.id, "href": f"{page.id}.html#{item.anchor}"})
    return entries


def _script(pages: list[OperationPage]) -> str:
    data = json.dumps(search_entries(pages), ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        data = data.replace(char, escape)
    return f"const SEARCH = {data};\n{_asset('search.js')}"


def render_index(pages: list[OperationPage]) -> str:
    """The index page: every operation, and the search box over all of them."""
    css, script = _asset("catalogue.css"), _script(pages)
    context: dict[str, Any] = {"pages": pages, "css": Markup(css), "script": Markup(script),
                               "csp": _policy(css, script), "suite_version": __version__, "absent": ABSENT}
    return _environment.get_template("index.html.j2").render(**context)


def render_operation(page: OperationPage) -> str:
    """One operation's page: its tables and items, its requirements, what is not encoded."""
    css = _asset("catalogue.css")
    return _environment.get_template("operation.html.j2").render(
        page=page, css=Markup(css), csp=_policy(css, None), suite_version=__version__, absent=ABSENT)
