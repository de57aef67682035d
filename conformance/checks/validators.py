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

from conformance.checks.formats import VALUE_FORMATS


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
    # Python's `$` also matches before a final line break; ECMA-262 and RE2 do not. The specs' lint
    # allows `$` only as the last character, so anchoring there with \Z gives the ECMA meaning.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


ReferenceValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # jsonschema's own stubs
    Draft202012Validator, {"pattern": _pattern}
)


def reference_validator(schema: dict[str, Any], registry: Registry[Any], formats: Mapping[str, str | None] | None = None) -> Any:
    """A Draft 2020-12 validator with the suite's formats asserted and ECMA-262 `$` semantics
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


def classify(error: ValidationError, schema: dict[str, Any]) -> list[SchemaViolation]:
    """The violations one `jsonschema` error stands for (`required` names each missing item)."""
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
    return [SchemaViolation(item, keyword, error.validator_value, requirement_on_path(schema, error))]


def requirement_on_path(schema: dict[str, Any], error: ValidationError) -> str:
    """The innermost `x-requirement` on the error's schema path, up to the first `$ref`."""
    node: Any = schema
    requirement = str(schema.get("x-requirement", ""))
    for step in list(error.relative_schema_path)[:-1]:
        if step == "$ref" or not isinstance(node, (dict, list)):
            break
        node = node[int(step)] if isinstance(node, list) else node[step]
        if isinstance(node, dict) and "x-requirement" in node:
            requirement = str(node["x-requirement"])
    return requirement
