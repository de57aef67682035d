"""The specs as documents: `conformance spec diff` (what changed between two versions of a spec) and
`conformance docs` (the requirement catalogue). Reads the specs only, never the engine; only the CLI imports it."""

from __future__ import annotations

from conformance.catalogue.diff import SpecChange, SpecDiff, diff_specs
from conformance.catalogue.diff_render import diff_schema, render_text
from conformance.catalogue.sources import SpecSource, bundled, load_folder, load_source, workbook_spec
from conformance.catalogue.write import write_catalogue

__all__ = [
    "SpecChange",
    "SpecDiff",
    "SpecSource",
    "bundled",
    "diff_schema",
    "diff_specs",
    "load_folder",
    "load_source",
    "render_text",
    "workbook_spec",
    "write_catalogue",
]
