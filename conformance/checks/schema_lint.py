"""The lint of a schema's keywords, file by file: patterns that translate exactly from ECMA-262 (also
patternProperties' names), known formats, and closed objects whose `required` names are properties.
Each problem is a message led by the JSON Pointer of its place in the schema (`spec lint` adds the file)."""

from __future__ import annotations

import re
from typing import Any

import duckdb

from conformance.checks.database import literal
from conformance.checks.formats import VALUE_FORMATS
from conformance.spec.ecma_regex import UntranslatablePattern, translatable, translate

# House style (DESIGN.md): a spec writes its classes out ([0-9], not \d). The engine would translate these
# exactly (ecma_regex), but their ECMA-262 meaning (ASCII \d \w \b, Unicode \s) surprises readers of
# Japanese data.
_HOUSE_STYLE_ESCAPES = frozenset("dDwWsSbB")


def _pointer(path: str, key: str) -> str:
    return f"{path}/{key.replace('~', '~0').replace('/', '~1')}"


def keyword_problems(node: Any, path: str = "") -> list[str]:
    """Patterns (also patternProperties' names), formats and closed objects' `required`, with the JSON
    Pointer of each problem's place in the schema."""
    problems = []
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            problems += _pattern_problems(pattern, _pointer(path, "pattern"))
        pattern_properties = node.get("patternProperties")
        if isinstance(pattern_properties, dict):
            for key in pattern_properties:
                problems += _pattern_problems(key, _pointer(_pointer(path, "patternProperties"), key))
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in VALUE_FORMATS:
            problems.append(f"{_pointer(path, 'format')}: format {fmt!r} is not one the suite implements ({', '.join(VALUE_FORMATS)})")
        problems += _required_problems(node, path)
        for key, value in node.items():
            if key not in ("enum", "const", "x-codes", "x-source"):
                problems += keyword_problems(value, _pointer(path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += keyword_problems(value, _pointer(path, str(index)))
    return problems


def _required_problems(node: dict[str, Any], path: str) -> list[str]:
    """In a closed object (additionalProperties: false) a required name must be a property (or match a
    patternProperties pattern): no record could hold it, and the compiled checks refuse the schema."""
    required = node.get("required")
    if node.get("additionalProperties") is not False or not isinstance(required, list):
        return []
    properties = node.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    pattern_properties = node.get("patternProperties")
    patterns = [p for p in pattern_properties if translatable(p)] if isinstance(pattern_properties, dict) else []
    problems = []
    for name in required:
        if not isinstance(name, str) or name in properties:
            continue
        if any(re.search(translate(p).python, name) for p in patterns):
            continue
        problems.append(f"{_pointer(path, 'required')}: {name!r} is not among properties of this closed object")
    return problems


def _pattern_problems(pattern: str, pointer: str = "") -> list[str]:
    """A pattern must translate exactly from ECMA-262 to RE2 and Python (ecma_regex), and keep the house style."""
    at = f"{pointer}: " if pointer else ""
    escapes = {match.group(1) for match in re.finditer(r"\\(.)", pattern, re.DOTALL)}
    problems = []
    if escapes & _HOUSE_STYLE_ESCAPES:
        problems.append(f"{at}pattern {pattern!r}: house style: write classes out ([0-9], [A-Za-z]), no \\d \\w \\s \\b")
    try:
        translation = translate(pattern)
    except UntranslatablePattern as error:
        return [*problems, f"{at}{error}: the checks cannot translate it exactly to RE2 and Python"]
    try:
        re.compile(translation.python)
    except re.error as error:
        problems.append(f"{at}pattern {pattern!r} does not compile in Python: {error}")
    try:
        duckdb.execute(f"SELECT regexp_matches('', {literal(translation.re2)})").fetchall()
    except duckdb.Error as error:
        problems.append(f"{at}pattern {pattern!r} does not compile in RE2 (DuckDB): {error}")
    return problems
