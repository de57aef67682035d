"""jichitai-conformance: conformance tests for Japan's local-government standard systems.

`conformance.run(target, specs=…, options=…)` is the library's entry point (DESIGN.md); it is looked
up lazily (PEP 562), so importing `conformance.results` or a reporter does not import the engine."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# The names the package offers from `conformance.pipeline`, imported on first use.
_PIPELINE = frozenset({"run", "run_api", "RunOptions", "ApiOptions", "load_declaration", "DeclarationError"})


def __getattr__(name: str) -> Any:
    if name in _PIPELINE:
        from conformance import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PIPELINE})
