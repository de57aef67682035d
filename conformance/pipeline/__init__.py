"""One run as a pipeline of stages handing frozen values on.

discover (target × specs → each table's sources, once) → load (a reader's records and final issues,
stored in DuckDB) → evaluate (the checks of `conformance.checks`) → verdict (one function for file and
API runs) → result. API mode is one more source of tables: the records its lists return, located by
request. The CLI and the pytest plugin call only this package."""

from __future__ import annotations

from conformance.api.client import ClientOptions
from conformance.api.server import ApiServer, Store, export_store
from conformance.pipeline.api_run import is_url, run_api
from conformance.pipeline.declaration import Declaration, DeclarationError, load_declaration
from conformance.pipeline.discover import infer_specs
from conformance.pipeline.export import read_export
from conformance.pipeline.files import run
from conformance.pipeline.identity import target_digests
from conformance.pipeline.mapping import REFERENCE_LABEL, ExportMapping, MappingError, load_mapping
from conformance.pipeline.options import ApiOptions, RunOptions
from conformance.readers import InputLimits, TargetError

__all__ = [
    "REFERENCE_LABEL",
    "ApiOptions",
    "ApiServer",
    "ClientOptions",
    "Declaration",
    "DeclarationError",
    "ExportMapping",
    "InputLimits",
    "MappingError",
    "RunOptions",
    "Store",
    "TargetError",
    "export_store",
    "infer_specs",
    "is_url",
    "load_declaration",
    "load_mapping",
    "read_export",
    "run",
    "run_api",
    "target_digests",
]
