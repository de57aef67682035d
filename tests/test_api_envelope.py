"""The contract check of a list page validates its distinct envelopes and one probe record per JSON
type instead of every record: held to validating the whole page, on pages broken at random."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from api_servers import ROOT, store_of

from conformance import spec as spec_store
from conformance.api.contract import load_contract
from conformance.api.envelope import RECORD_KEY, violations

BREAKS = [1, 1.5, 2.0, True, None, [], {}, "ＸＸ", ""]


def _break(entries: list[Any], rnd: random.Random) -> None:
    index = rnd.randrange(len(entries))
    entry = entries[index]
    record = entry.get(RECORD_KEY) if isinstance(entry, dict) else None
    kind = rnd.randrange(8)
    if kind == 0 and isinstance(record, dict) and record:
        record[rnd.choice(sorted(record))] = rnd.choice(BREAKS)
    elif kind == 1 and isinstance(entry, dict):
        entry["updated_at"] = rnd.choice([5, "x", None])
    elif kind == 2 and isinstance(entry, dict):
        entry.pop(RECORD_KEY, None)
    elif kind == 3 and isinstance(entry, dict):
        entry["extra"] = 1
    elif kind == 4:
        entries[index] = rnd.choice([1, "s", None, []])
    elif kind == 5 and isinstance(record, dict):
        record["未知"] = rnd.choice(["a", 3])
    elif kind == 6 and isinstance(entry, dict):
        entry[RECORD_KEY] = rnd.choice([[], "r", 3])
    elif kind == 7 and isinstance(record, dict) and record:
        record.pop(sorted(record)[0])


def _comparable(found: list[Any]) -> list[tuple[Any, ...]]:
    # A type error's message quotes the value; the suite's own message does not use it.
    return [(path, keyword, repr(value), "" if keyword == "type" else message) for path, keyword, value, message in found]


@pytest.mark.parametrize("seed", range(3))
def test_violations_equal_validating_every_record(seed: int) -> None:
    contract = load_contract(spec_store.load("juki"))
    store = store_of(ROOT / "fixtures/juki/valid", "juki")
    rnd = random.Random(seed)
    for table in store.tables.values():
        validator = contract.validator(table.list_endpoint.schema_ref)
        page = [{"updated_at": "2026-01-01T00:00:00Z", RECORD_KEY: dict(s.record)} for s in table.records[:12]]
        for _ in range(4):
            entries = copy.deepcopy(page)
            for _ in range(rnd.randint(0, 5)):
                _break(entries, rnd)
            body = {"items": entries, "next_cursor": rnd.choice([None, "a", 3])}
            whole = [(list(e.absolute_path), str(e.validator), e.validator_value, e.message) for e in validator.iter_errors(body)]
            whole = sorted((v for v in whole if RECORD_KEY not in v[0] or v[1] == "type"), key=lambda v: list(map(str, v[0])))
            assert _comparable(violations(validator, body)) == _comparable(whole)
