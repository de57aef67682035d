"""Synthetic municipalities: deterministic exports that conform, or carry known, counted defects.

A layer of its own above the engine (the engine never imports it). The columns of every file come
from the table's JSON Schema, so an item the generator does not know yet becomes an empty column;
the vocabulary and the defects come from the operation's generation profile
(`specs/<operation>/generate.yaml`). The per-operation household model lives in one module per
operation (`conformance/generate/<operation>.py`), the only place that names that operation's items.
The linked operations (inkan, senkyo) read the generated juki 住民 records through
`conformance/generate/residents.py`; their defects go through `inject`, into their own records only.

Layout written under the output folder:
    data/<operation>/<table>.csv   the export (UTF-8, RFC 4180, header of the schema's items)
    declaration.yaml               the options the data implements (so every option is tested)
    expected.json                  requirement ID -> exact number of findings the run must report
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from conformance import spec as spec_store
from conformance.generate import transforms
from conformance.spec.model import Table

__all__ = ["GENERATORS", "GenerateError", "Generated", "generate", "inject"]


class GenerateError(Exception):
    """The request cannot be generated (unknown operation, bad numbers): a usage error."""


@dataclass(frozen=True, slots=True)
class Generated:
    """What one operation's generator produced: rows per table, options used, expected findings."""

    tables: dict[str, list[dict[str, str]]]
    options: tuple[str, ...]
    expected: dict[str, int]


Generator = Callable[[dict[str, Any], int, int, float, dict[str, Sequence[dict[str, str]]]], Iterable[Generated]]
"""(profile, residents, seed, defect rate, linked tables) -> the operation's records, in one or more blocks."""


def _juki(profile: dict[str, Any], residents: int, seed: int, rate: float, _linked: dict[str, Sequence[dict[str, str]]]) -> Iterable[Generated]:
    from conformance.generate import juki

    return juki.generate(profile, residents, seed, rate)


def _inkan(profile: dict[str, Any], residents: int, seed: int, rate: float, linked: dict[str, Sequence[dict[str, str]]]) -> Iterable[Generated]:
    from conformance.generate import inkan

    return [inkan.generate(profile, seed, rate, linked)]


def _senkyo(profile: dict[str, Any], residents: int, seed: int, rate: float, linked: dict[str, Sequence[dict[str, str]]]) -> Iterable[Generated]:
    from conformance.generate import senkyo

    return [senkyo.generate(profile, seed, rate, linked)]


GENERATORS: dict[str, Generator] = {"juki": _juki, "inkan": _inkan, "senkyo": _senkyo}
"""Operations that can be generated; juki comes first because the others link to its 宛名番号."""

def _linked_items() -> dict[str, tuple[str, ...]]:
    """operation.table -> the items of its records that the linked generators read (kept, the rest dropped)."""
    from conformance.generate import residents  # imports juki, which imports this module

    return {"juki.住民": residents.ITEMS}


Custom = Callable[[dict[str, Any], int, Iterator[int], AbstractSet[int]], "tuple[int, list[int]] | None"]
"""An operation's own defect kind: (defect, record index, free records of the pool, records any defect
already touched) -> (findings, other records it changed or relies on) or None when that record cannot
carry the defect."""


def inject(rows: list[dict[str, str]], defects: Sequence[dict[str, Any]], rate: float, rng: random.Random,
           pools: Mapping[str, Sequence[int]], custom: Mapping[str, Custom] | None = None, at_least_one: bool = True) -> dict[str, int]:
    """Apply round(records × rate) defects (at least one of each kind when rate > 0, unless not
    `at_least_one`: a later block of a large table), round-robin over the kinds,
    each on a record of its pool (`target`, default `any`) that no other defect touched; a kind whose
    pool runs out gets fewer. Returns requirement -> exact findings.

    A pool is narrowed by the defect's `where` (item -> value) and `require` (items that must not be empty).
    Built-in kinds (item names come from the profile): `set` (`value`, or `set`: item -> value),
    `copy-from-other` (the item of another free record of the pool: a duplicate found on both), and the
    value transforms shared with the fixture case tables (`generate/transforms.py`): `full-width`
    (digits), `slash-date`, `day-before` / `same-as` (the item `of`), `wrong-check-digit`, `increment`
    (a number plus 1), `pad` (`with: {length: N}`)."""
    if rate <= 0 or not defects:
        return {}
    count = max(round(len(rows) * rate), len(defects) if at_least_one else 0)
    per_kind = [count // len(defects) + (1 if k < count % len(defects) else 0) for k in range(len(defects))]
    used: set[int] = set()
    expected: Counter[str] = Counter()
    candidates = []
    for defect in defects:
        where: dict[str, str] = defect.get("where", {})
        required: list[str] = defect.get("require", [])
        pool = [i for i in pools[defect.get("target", "any")]
                if all(rows[i].get(k) == v for k, v in where.items()) and all(rows[i].get(k) for k in required)]
        rng.shuffle(pool)
        candidates.append(pool)
    # One defect of each kind per round, so that kinds sharing a small pool each get their share.
    # A record tried once for a kind is not tried again for it (a pointer per kind keeps this linear).
    remaining, tried = list(per_kind), [0] * len(defects)
    while any(remaining):
        for kind, defect in enumerate(defects):
            if not remaining[kind]:
                continue
            remaining[kind] -= 1
            pool = candidates[kind]
            while tried[kind] < len(pool):
                index = pool[tried[kind]]
                tried[kind] += 1
                if index in used:
                    continue
                free = (i for i in pool if i not in used and i != index)
                outcome = _apply(rows, defect, index, free, rng) if custom is None or defect.get("kind", "set") not in custom \
                    else custom[defect["kind"]](defect, index, free, used)
                if outcome is None:
                    continue
                findings, others = outcome
                used.add(index)
                used.update(others)
                expected[defect["requirement"]] += findings
                break
    return {requirement: n for requirement, n in sorted(expected.items()) if n}


def _apply(rows: list[dict[str, str]], defect: dict[str, Any], index: int, free: Iterator[int], rng: random.Random) -> tuple[int, list[int]] | None:
    row, kind, item = rows[index], defect.get("kind", "set"), defect.get("item", "")
    findings = int(defect.get("findings", 1))
    if kind == "set":
        row.update({name: str(value) for name, value in (defect.get("set") or {item: defect["value"]}).items()})
    elif kind == "copy-from-other":
        sources = [i for i in free if rows[i][item] != row[item]]
        if not sources:
            return None
        source = rng.choice(sources)
        row[item] = rows[source][item]
        return 2, [source]
    elif kind in transforms.TRANSFORMS:
        # `with` holds the transform's arguments; `of` names another item of the record, whose value it gets.
        arguments = {**(defect.get("with") or {}), **({"of": row[defect["of"]]} if "of" in defect else {})}
        row[item] = transforms.apply(kind, row[item], arguments)
    else:
        raise ValueError(f"unknown defect kind {kind}")
    return findings, []


def profile(operation: str) -> dict[str, Any]:
    """The generation profile of an operation (`specs/<operation>/generate.yaml`)."""
    path = spec_store.specs_root() / operation / "generate.yaml"
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def columns(table: Table) -> list[str]:
    """The header of a generated file: every item of the schema, in schema order."""
    return [item.name for item in table.items]


class _Files:
    """The CSV files being written, appended to block by block (UTF-8, RFC 4180, CRLF)."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.open: dict[str, tuple[TextIO, Any, list[str]]] = {}
        self.counts: dict[str, int] = {}

    def append(self, operation: str, table: Table, rows: Iterable[dict[str, str]]) -> None:
        """Write rows of `table`; an item a row lacks is an empty value."""
        path = self.output / "data" / operation / f"{table.name}.csv"
        key = path.relative_to(self.output).as_posix()
        if key not in self.open:
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = path.open("w", encoding="utf-8", newline="")
            writer = csv.writer(stream, lineterminator="\r\n")
            header = columns(table)
            writer.writerow(header)
            self.open[key], self.counts[key] = (stream, writer, header), 0
        _stream, writer, header = self.open[key]
        for row in rows:
            writer.writerow([row.get(name, "") for name in header])
            self.counts[key] += 1

    def close(self) -> None:
        for stream, _writer, _header in self.open.values():
            stream.close()


def generate(operations: Sequence[str], residents: int, seed: int, output: Path, defect_rate: float = 0.0) -> dict[str, Any]:
    """Generate the operations' exports under `output`; returns the content of expected.json."""
    unknown = [operation for operation in operations if operation not in GENERATORS]
    if unknown:
        raise GenerateError(f"生成できない業務です: {', '.join(unknown)}（生成できる業務: {', '.join(GENERATORS)}）")
    if "juki" not in operations:
        raise GenerateError("juki は必須です（他の業務は住民の宛名番号にひもづけて生成します）")
    if residents < 1:
        raise GenerateError("--residents は1以上にしてください")
    if not 0.0 <= defect_rate <= 0.5:
        raise GenerateError("--defect-rate は0以上0.5以下にしてください")
    ordered = [name for name in GENERATORS if name in operations]
    linked: dict[str, list[dict[str, str]]] = {}
    expected: Counter[str] = Counter()
    options: list[str] = []
    files = _Files(output)
    linked_items = _linked_items()
    try:
        for position, operation in enumerate(ordered):
            spec = spec_store.load(operation)
            # Records are kept for the operations linked to them only, and only the items they read:
            # a juki-only run holds one block at a time.
            keep = position + 1 < len(ordered)
            for generated in GENERATORS[operation](profile(operation), residents, seed, defect_rate, dict(linked)):
                for table_name, rows in generated.tables.items():
                    table = spec.table(table_name)
                    if table is None:
                        raise GenerateError(f"{operation}: 仕様にない表です: {table_name}")
                    files.append(operation, table, rows)
                    name = f"{operation}.{table_name}"
                    if keep and name in linked_items:
                        linked.setdefault(name, []).extend({item: row.get(item, "") for item in linked_items[name]} for row in rows)
                options += [option for option in generated.options if option not in options]
                expected.update(generated.expected)
    finally:
        files.close()
    summary = {
        "operations": ordered,
        "residents": residents,
        "seed": seed,
        "defect_rate": defect_rate,
        "files": files.counts,
        "expected": {requirement: n for requirement, n in sorted(expected.items()) if n},
        "total": sum(expected.values()),
    }
    declaration = {
        "system": {"name": "合成データ（conformance generate）", "version": "1"},
        "options": sorted(options),
        # Every generated 宛名番号・世帯番号 carries its check digit, and a wrong one is a defect to find.
        "check_digits": "all",
    }
    (output / "declaration.yaml").write_text(yaml.safe_dump(declaration, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (output / "expected.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary
