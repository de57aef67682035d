"""Stable finding codes and Japanese messages for schema keywords, read from the registry of checks."""

from __future__ import annotations

from typing import Any

from conformance.checks.keywords import KEYWORDS, OTHER_KEYWORD_MESSAGE
from conformance.results import codes


def describe(item: str | None, keyword: str, value: Any, raw: str | None) -> tuple[str, str]:
    """(code, message) for a violated keyword. `raw` is the unmasked value, used only to name code points."""
    name = item or ""
    check = KEYWORDS.get(keyword)
    if check is None:
        # jsonschema reports only the keywords of its dialect, and each has an entry; a future one that
        # does not still becomes a finding, under the generic code.
        return codes.SCHEMA_KEYWORD, OTHER_KEYWORD_MESSAGE.format(name=name, keyword=keyword)
    return check.describe(name, value, raw)
