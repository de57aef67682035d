"""The self-contained HTML pages' shared ground (the report and the fleet's grid): one Jinja environment over
report/templates, and the static assets inlined with the CSP hashes that admit exactly their bytes."""

from __future__ import annotations

import base64
import hashlib

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from conformance.results import name_invisible

ENVIRONMENT = Environment(
    loader=PackageLoader("conformance.report", "templates"),
    autoescape=True,  # vendor data (file names, items, values, messages, labels) must never become markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # A BOM or zero-width space in an item name or a file name is shown by its code point (<U+FEFF>).
    finalize=lambda value: name_invisible(value) if isinstance(value, str) else value,
)


def inline_asset(name: str) -> tuple[Markup, str]:
    """A static asset's text for an inline element, and its CSP hash (the page allows only these bytes)."""
    assert ENVIRONMENT.loader is not None
    source, _, _ = ENVIRONMENT.loader.get_source(ENVIRONMENT, name)
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    # The asset is ours, not vendor data, and CSS/JS must not be HTML-escaped.
    return Markup(source), f"'sha256-{digest}'"
