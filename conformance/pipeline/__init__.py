"""One run as a pipeline of stages handing frozen values on.

discover (target × specs → each table's sources, once) → load (a reader's records and final issues,
stored in DuckDB) → evaluate (the checks of `conformance.checks`) → verdict (one function for file and
API runs) → result. API mode is one more source of tables: the records its lists return, located by
request. The CLI and the pytest plugin call only this package."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.api.options import ClientOptions
    from conformance.api.server import ApiServer, Store, export_store
    from conformance.pipeline.api_run import run_api
    from conformance.pipeline.declaration import Declaration, DeclarationError, load_declaration
    from conformance.pipeline.discover import infer_specs
    from conformance.pipeline.export import read_export
    from conformance.pipeline.files import run
    from conformance.pipeline.identity import target_digests
    from conformance.pipeline.mapping import REFERENCE_LABEL, ExportMapping, MappingError, load_mapping
    from conformance.pipeline.options import ApiOptions, RunOptions, is_url
    from conformance.readers import InputLimits, TargetError

# Each name's module, imported on first use (PEP 562): a file run never imports the API client
# (requests) or the reference server, and `conformance --help` none of the engine (about 0.3 s of
# every process).
_MODULES = {
    "ApiOptions": "conformance.pipeline.options",
    "ExportMapping": "conformance.pipeline.mapping",
    "MappingError": "conformance.pipeline.mapping",
    "REFERENCE_LABEL": "conformance.pipeline.mapping",
    "load_mapping": "conformance.pipeline.mapping",
    "target_digests": "conformance.pipeline.identity",
    "ApiServer": "conformance.api.server",
    "ClientOptions": "conformance.api.options",
    "Declaration": "conformance.pipeline.declaration",
    "DeclarationError": "conformance.pipeline.declaration",
    "InputLimits": "conformance.readers",
    "RunOptions": "conformance.pipeline.options",
    "Store": "conformance.api.server",
    "TargetError": "conformance.readers",
    "export_store": "conformance.api.server",
    "infer_specs": "conformance.pipeline.discover",
    "is_url": "conformance.pipeline.options",
    "load_declaration": "conformance.pipeline.declaration",
    "read_export": "conformance.pipeline.export",
    "run": "conformance.pipeline.files",
    "run_api": "conformance.pipeline.api_run",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name]), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})

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
