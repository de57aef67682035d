"""Contract violations of a response body, at the cost of its distinct shapes rather than its records.

Inside a record only wrong JSON types count against the contract (the values themselves are judged by
the data requirements, record by record). A type error depends on the JSON type of a value, not on the
value, so the entries of a list page that have the same shape (the same keys, the same values outside
the record, the same JSON type of every record value) have the same errors at the same paths. A page of
1,000 entries is validated as one entry per shape, and the errors are placed at every entry of that
shape: the same errors, in the same order, as validating the whole page (jsonschema walked every record
through every `$ref` before: 5 ms a record).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jsonschema

RECORD_KEY = "record"  # where the contract's envelope holds the record (list items and single answers)
LIST_KEY = "items"  # where a list answer holds its entries


def _kind(value: Any) -> Any:
    """A stand-in of the same JSON type (integral floats stay integral: 1.0 is an integer to JSON Schema)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0 if value.is_integer() else 0.5
    if isinstance(value, str):
        return ""
    return [] if isinstance(value, list) else {}


def _shape(entry: Any) -> str:
    """What decides an entry's contract errors: everything but the record's values, which count by type."""
    if isinstance(entry, dict) and isinstance(entry.get(RECORD_KEY), dict):
        entry = {**entry, RECORD_KEY: {name: _kind(value) for name, value in entry[RECORD_KEY].items()}}
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)


Violation = tuple[list[str | int], str, Any, str]
"""(path, keyword, the keyword's value, jsonschema's message)."""


def _violations(validator: jsonschema.protocols.Validator, body: Any) -> list[Violation]:
    return [(list(error.absolute_path), str(error.validator), error.validator_value, error.message)
            for error in validator.iter_errors(body)]


def violations(validator: jsonschema.protocols.Validator, body: Any) -> list[Violation]:
    """Every violation of `body`, ordered by path as text (ties in validation order)."""
    entries = body.get(LIST_KEY) if isinstance(body, dict) else None
    if not isinstance(entries, list) or len(entries) < 2:
        found = _violations(validator, body)
    else:
        found = _by_shape(validator, body, entries) or _violations(validator, body)
    return sorted(found, key=lambda v: list(map(str, v[0])))


def _by_shape(validator: jsonschema.protocols.Validator, body: dict[str, Any], entries: Sequence[Any]) -> list[Violation] | None:
    """The violations of a list body, one entry per shape validated; None when the list itself is
    judged by a keyword that sees all its entries at once (minItems, uniqueItems …)."""
    shapes: dict[str, int] = {}
    members: list[list[int]] = []
    representatives = []
    for index, entry in enumerate(entries):
        shape = _shape(entry)
        group = shapes.get(shape)
        if group is None:
            group = shapes[shape] = len(representatives)
            representatives.append(entry)
            members.append([])
        members[group].append(index)
    found: list[Violation] = []
    for path, keyword, value, message in _violations(validator, {**body, LIST_KEY: representatives}):
        if not path or path[0] != LIST_KEY:
            found.append((path, keyword, value, message))
        elif len(path) == 1:
            if keyword != "type":
                return None
            found.append((path, keyword, value, message))
        else:
            group = int(path[1])
            found += [([LIST_KEY, index, *path[2:]], keyword, value, message) for index in members[group]]
    return found
