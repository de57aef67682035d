"""The reference validator (`jsonschema`) set up as the compiled checks must behave, and the mapping
of its errors to items, keywords and requirements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable

from conformance.checks.formats import VALUE_FORMATS
from conformance.spec.ecma_regex import translate


def _format_checker(formats: Mapping[str, str | None] | None = None) -> FormatChecker:
    checker = FormatChecker(formats=())
    for name in VALUE_FORMATS:
        replaced = (formats or {}).get(name, name)
        if replaced is None:  # not asserted (check digits not declared): an unknown format asserts nothing
            continue
        fmt = VALUE_FORMATS[replaced]
        # A format asserts nothing about a non-string (JSON Schema), so only strings reach the function.
        checker.checks(name)(lambda instance, check=fmt.check: not isinstance(instance, str) or check(instance))
    return checker


@cache
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    # The Python twin of the compiled pattern (ecma_regex): the same code points, ECMA-262's `$`.
    return re.compile(translate(pattern).python)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _ecma_pattern(pattern).search(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


_JSONSCHEMA_ADDITIONAL_PROPERTIES: Any = Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    # jsonschema's own, with the patternProperties it weeds out by written as their Python twins.
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict) and patterns:
        schema = {**schema, "patternProperties": {translate(p).python: subschema for p, subschema in patterns.items()}}
    yield from cast(Iterator[ValidationError], _JSONSCHEMA_ADDITIONAL_PROPERTIES(validator, additional, instance, schema))


# `pattern`, `patternProperties` and `additionalProperties` (which weeds out the patternProperties)
# match as ECMA-262 does; jsonschema's own use Python's `re` as written.
ReferenceValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # jsonschema's own stubs
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)


def reference_validator(schema: dict[str, Any], registry: Registry[Any], formats: Mapping[str, str | None] | None = None) -> Any:
    """A Draft 2020-12 validator with the suite's formats asserted and ECMA-262 patterns (ecma_regex)
    (`formats`: format names checked as others, as a declared character profile asks, or not at all
    when None, as undeclared check digits ask)."""
    return ReferenceValidator(schema, registry=registry, format_checker=_format_checker(formats))


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One validator error as the suite sees it."""

    item: str | None
    keyword: str
    value: Any
    requirement: str


def classify(error: ValidationError, schema: dict[str, Any], resolver: Any = None) -> list[SchemaViolation]:
    """The violations one `jsonschema` error stands for (`required` names each missing item; `resolver`,
    `referencing`'s for the schema's `$id`, lets the requirement be found past a `$ref`)."""
    properties = schema.get("properties", {})
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [
            SchemaViolation(name, "required", True, properties.get(name, {}).get("x-requirement", schema["x-requirement"]))
            for name in cast(list[str], error.validator_value)
            if name not in instance
        ]
    if error.validator == "additionalProperties":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [
            SchemaViolation(name, "additionalProperties", False, schema["x-requirement"])
            for name in instance
            if name not in properties
        ]
    item = str(error.path[0]) if error.path else None
    # A `false` subschema fails with no keyword of its own (jsonschema leaves `validator` None).
    keyword = "false" if error.validator is None else str(error.validator)
    return [SchemaViolation(item, keyword, error.validator_value, requirement_on_path(schema, error, resolver))]


def requirement_on_path(schema: dict[str, Any], error: ValidationError, resolver: Any = None) -> str:
    """The innermost `x-requirement` on the error's schema path, as the compiler finds it (compile._walk).

    jsonschema leaves `$ref` (and `if`) out of the path: where the next step is not in the node, the
    node's `$ref` is followed with `resolver` (`referencing`'s), and without one, or where the path
    cannot be followed, the walk stops with what it found so far. It never raises."""
    node: Any = schema
    requirement = str(schema.get("x-requirement", ""))
    for step in list(error.relative_schema_path)[:-1]:
        # The `$ref` a step was left out for (or, from older jsonschema, a `$ref` step): follow it.
        while isinstance(node, dict) and (step == "$ref" or step not in node) and isinstance(node.get("$ref"), str):
            if resolver is None:
                return requirement
            try:
                resolved = resolver.lookup(node["$ref"])
            except Unresolvable:
                return requirement
            node, resolver = resolved.contents, resolved.resolver
            if isinstance(node, dict) and "x-requirement" in node:
                requirement = str(node["x-requirement"])
            if step == "$ref":
                break
        if step == "$ref":
            continue
        inside = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (inside or (isinstance(node, dict) and step in node)):
            break
        node = node[step]
        if isinstance(node, dict) and "x-requirement" in node:
            requirement = str(node["x-requirement"])
    return requirement
