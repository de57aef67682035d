"""The grid as one self-contained HTML page (inline style and script admitted by their CSP hashes;
nothing fetched), with filters by label, sorting by verdict and totals per requirement."""

from __future__ import annotations

import base64
import hashlib

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from conformance.report.grid import STATUS_LABELS, UNKNOWN_RANK, VERDICT_RANK, Grid, heat_level
from conformance.report.labels import VERDICT_LABELS
from conformance.results import name_invisible

_environment = Environment(
    loader=PackageLoader("conformance.report", "templates"),
    autoescape=True,  # labels and names come from a manifest: text, never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=lambda value: name_invisible(value) if isinstance(value, str) else value,
)


def _inline(name: str) -> tuple[Markup, str]:
    """A static asset's text and its CSP hash."""
    assert _environment.loader is not None
    source, _, _ = _environment.loader.get_source(_environment, name)
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return Markup(source), f"'sha256-{digest}'"




def render(grid: Grid) -> str:
    """The page."""
    css, css_hash = _inline("grid.css")
    script, script_hash = _inline("grid.js")
    label_values = {key: sorted({grid.label(run, key) for run in grid.runs}) for key in grid.label_keys}
    return _environment.get_template("grid.html.j2").render(
        grid=grid,
        label_values=label_values,
        fails=grid.totals("fail"),
        errors=grid.totals("error"),
        untested=grid.totals("not-tested"),
        status_labels=STATUS_LABELS,
        verdict_rank=lambda verdict: VERDICT_RANK.get(verdict, UNKNOWN_RANK),
        verdict_label=lambda verdict: VERDICT_LABELS.get(verdict, verdict),
        status_label=lambda status: STATUS_LABELS.get(status, status),
        heat_level=heat_level,
        css=css,
        script=script,
        csp=f"default-src 'none'; style-src {css_hash}; script-src {script_hash}; img-src data:; "
            "base-uri 'none'; form-action 'none'",
    )
