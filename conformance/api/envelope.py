"""Contract violations of a response body, at the cost of its distinct shapes rather than its records.

Inside a record only wrong JSON types count against the contract (the values themselves are judged by
the data requirements, record by record, with their own IDs). The type error of a record value depends
on the item and the JSON type of the value alone (`properties` judges each item by itself), and the
errors of an entry outside its record on the entry without the record's values. So a list page is
validated as its distinct envelopes (records emptied) plus one probe record per JSON type an item has
on the page (usually one: every value a string), and each error is placed at every entry it belongs
to: the same errors at the same paths, ordered as validating the whole page orders them. Before,
jsonschema walked every record through every `$ref`: 5 ms a record, most of an API run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
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


Violation = tuple[list[str | int], str, Any, str]
"""(path, keyword, the keyword's value, jsonschema's message)."""


def _violations(validator: jsonschema.protocols.Validator, body: Any) -> list[Violation]:
    return [(list(error.absolute_path), str(error.validator), error.validator_value, error.message)
            for error in validator.iter_errors(body)]


def violations(validator: jsonschema.protocols.Validator, body: Any) -> list[Violation]:
    """The violations of `body` outside records and the type violations inside them, ordered by path
    as text (ties in validation order)."""
    entries = body.get(LIST_KEY) if isinstance(body, dict) else None
    found = _by_shape(validator, body, entries) if isinstance(entries, list) and len(entries) > 1 else None
    if found is None:
        found = [v for v in _violations(validator, body) if RECORD_KEY not in v[0] or v[1] == "type"]
    return sorted(found, key=lambda v: list(map(str, v[0])))



def _by_shape(validator: jsonschema.protocols.Validator, body: dict[str, Any], entries: Sequence[Any]) -> list[Violation] | None:
    """The violations of a list body with each distinct envelope validated once and each record value
    once per item and JSON type; None when the list itself is judged by a keyword that sees all its
    entries at once (minItems, uniqueItems …)."""
    shapes: dict[object, int] = {}
    members: list[list[int]] = []
    representatives: list[Any] = []
    # Probe 0 holds a string for every item some record gives a string (which entries those are is
    # looked up only if the probe fails); probes 1… hold the other JSON types an item has.
    strings: set[str] = set()
    kinds: dict[str, dict[str, int]] = {}
    holders: dict[tuple[str, int], list[int]] = {}
    records = [entry[RECORD_KEY] for entry in entries if isinstance(entry, dict) and isinstance(entry.get(RECORD_KEY), dict)]
    # Usually every value of the page is a string: then the names are the probe's, with no loop per value.
    only_strings = set(map(type, chain.from_iterable(record.values() for record in records))) <= {str}
    if only_strings:
        strings.update(*records)
    for index, entry in enumerate(entries):
        shape: object
        if isinstance(entry, dict) and isinstance(entry.get(RECORD_KEY), dict):
            for name, value in () if only_strings else entry[RECORD_KEY].items():
                if type(value) is str:
                    strings.add(name)
                    continue
                known = kinds.setdefault(name, {})
                probe = known.setdefault(json.dumps(_kind(value)), len(known) + 1)
                holders.setdefault((name, probe), []).append(index)
            outside = [(name, value) for name, value in entry.items() if name != RECORD_KEY]
            entry = {**entry, RECORD_KEY: {}}
            # An envelope of strings is grouped by its pairs (the same groups as its JSON text, cheaper).
            shape = tuple(sorted(outside)) if all(type(value) is str for _, value in outside) else None
            if shape is None:
                shape = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        else:
            shape = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        group = shapes.get(shape)
        if group is None:
            group = shapes[shape] = len(representatives)
            representatives.append(entry)
            members.append([])
        members[group].append(index)
    probes: list[dict[str, Any]] = [dict.fromkeys(strings, "")]
    for name, known in kinds.items():
        for stand_in, probe in known.items():
            while len(probes) <= probe:
                probes.append({})
            probes[probe][name] = json.loads(stand_in)
    envelope = next((r for r in representatives if isinstance(r, dict) and RECORD_KEY in r), {})
    checked = representatives + [{**envelope, RECORD_KEY: probe} for probe in probes]
    found: list[Violation] = []
    for path, keyword, value, message in _violations(validator, {**body, LIST_KEY: checked}):
        if not path or path[0] != LIST_KEY:
            found.append((path, keyword, value, message))
        elif len(path) == 1:
            if keyword != "type":
                return None
            found.append((path, keyword, value, message))
        elif int(path[1]) < len(representatives):
            if RECORD_KEY not in path[2:] or keyword == "type":
                found += [([LIST_KEY, index, *path[2:]], keyword, value, message) for index in members[int(path[1])]]
        elif len(path) > 3 and path[2] == RECORD_KEY and keyword == "type":
            probe, name = int(path[1]) - len(representatives), str(path[3])
            holding = holders.get((name, probe), ()) if probe else _holding_strings(entries, name)
            found += [([LIST_KEY, index, *path[2:]], keyword, value, message) for index in holding]
    return found


def _holding_strings(entries: Sequence[Any], name: str) -> list[int]:
    return [index for index, entry in enumerate(entries) if isinstance(entry, dict) and isinstance(entry.get(RECORD_KEY), dict)
            and type(entry[RECORD_KEY].get(name)) is str]
