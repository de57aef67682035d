"""`specs/<operation>/compare.yaml`: the categories `conformance compare` counts in both exports (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from conformance.spec import SpecError, meta_schema, resolve, specs_root
from conformance.spec.model import Spec, Table

COMPARE_FILE = "compare.yaml"


@dataclass(frozen=True, slots=True)
class CountSpec:
    """One category: a total, a count per value of `by`, or the number of keys per record count of `per`."""

    title: str
    table: str
    by: tuple[str, ...] = ()
    per: tuple[str, ...] = ()


def load_counts(spec: Spec, folder: Path | None = None) -> tuple[CountSpec, ...]:
    """The spec's categories (none when it has no compare.yaml); SpecError for one that names no table or item.
    `folder`: the spec's own folder (`spec lint` of a folder), else the bundled specs'."""
    path = (folder or specs_root() / spec.id) / COMPARE_FILE
    if not path.is_file():
        return ()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{path}: cannot read ({error})") from None
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(meta_schema("compare")).iter_errors(document))
    if problem is not None:
        raise SpecError(f"{path}: compare.schema.json: {problem.message}")
    counts = []
    for entry in document["counts"]:
        count = CountSpec(entry["title"], entry["table"], tuple(entry.get("by", ())), tuple(entry.get("per", ())))
        table = spec.table(count.table)
        unknown = [item for item in (*count.by, *count.per) if table is not None and table.item(item) is None]
        if table is None or unknown:
            raise SpecError(f"{path}: {count.title}: 表または項目がありません（{count.table} {'、'.join(unknown)}）")
        counts.append(count)
    return tuple(counts)


def code_labels(table: Table, item: str) -> dict[str, str]:
    """The labels of an item's code table (`x-codes`: 1 → 住民), or none when the item has no code table."""
    schema = table.schema.get("properties", {}).get(item)
    if not isinstance(schema, dict):
        return {}
    for node in resolve(schema, table.schema.get("$id", ""), None):
        codes = node.get("x-codes")
        if isinstance(codes, list):
            return {str(entry["code"]): str(entry["label"]) for entry in codes if isinstance(entry, dict) and "code" in entry and "label" in entry}
    return {}
