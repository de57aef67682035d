"""The grid as one self-contained HTML page (inline style and script admitted by their CSP hashes;
nothing fetched), with filters by label, sorting by verdict and totals per requirement."""

from __future__ import annotations

from conformance.report.grid import STATUS_LABELS, UNKNOWN_RANK, VERDICT_RANK, Grid, heat_level
from conformance.report.labels import VERDICT_LABELS
from conformance.report.pages import ENVIRONMENT, inline_asset


def render(grid: Grid) -> str:
    """The page."""
    css, css_hash = inline_asset("grid.css")
    script, script_hash = inline_asset("grid.js")
    label_values = {key: sorted({grid.label(run, key) for run in grid.runs}) for key in grid.label_keys}
    return ENVIRONMENT.get_template("grid.html.j2").render(
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
