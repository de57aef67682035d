"""The one accessor for specs/: load, list and resolve the standard as data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import referencing.exceptions
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.spec.model import (
    Check,
    Document,
    Item,
    Reference,
    Requirement,
    Source,
    Spec,
    Table,
)

__all__ = [
    "Spec",
    "SpecError",
    "annotation",
    "available",
    "load",
    "load_path",
    "meta_schema",
    "registry",
    "resolve",
    "specs_root",
    "use_folders",
]

_PACKAGE = Path(__file__).resolve().parent.parent
# libyaml's loader when PyYAML was built with it: ten times faster on a spec of a few hundred requirements.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCHEMA_BASE = "https://jichitai-conformance.invalid/specs/"


class SpecError(Exception):
    """A spec cannot be loaded: a bug in specs/, reported by `conformance spec lint`."""


@cache
def specs_root() -> Path:
    """specs/ as shipped in the wheel, or at the root of a source checkout (found once per process: a
    fixture run asks ~10 times)."""
    for candidate in (_PACKAGE / "_specs", _PACKAGE.parent / "specs"):
        if (candidate / "common").is_dir():
            return candidate
    raise SpecError("specs/ not found: the package is installed without its specs")


def meta_schema(name: str) -> dict[str, Any]:
    """A meta-schema from conformance/spec/meta (spec, record-schema, code-table, declaration)."""
    path = Path(__file__).resolve().parent / "meta" / f"{name}.schema.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


# Spec folders added to the bundled ones (`conformance run --specs DIR`), by operation id; they win over a
# bundled spec of the same id. Set for the duration of a command by `use_folders`.
_EXTRA: dict[str, Path] = {}


def _spec_folders(folder: Path) -> list[Path]:
    """`folder` itself when it holds a spec.yaml, else its */spec.yaml folders."""
    if (folder / "spec.yaml").is_file():
        return [folder]
    found = sorted(path.parent for path in folder.glob("*/spec.yaml") if path.parent.name != "common")
    if not found:
        raise SpecError(f"{folder}: no spec.yaml in it or in its subfolders")
    return found


@contextmanager
def use_folders(folders: Sequence[Path]) -> Iterator[None]:
    """Within the block, `available()` and `load()` also see the specs in `folders` (each a spec folder or
    a folder of them); a spec there replaces a bundled spec of the same id."""
    previous = dict(_EXTRA)
    try:
        for folder in folders:
            for spec_dir in _spec_folders(Path(folder)):
                _EXTRA[spec_dir.name] = spec_dir.resolve()
        yield
    finally:
        _EXTRA.clear()
        _EXTRA.update(previous)


def available(root: Path | None = None) -> list[str]:
    """The operation ids that have a spec.yaml, sorted (with the added folders' when `root` is not given)."""
    bundled = specs_root()
    found = _bundled_operations(bundled) if root is None or root == bundled else _operations(root)
    return sorted(found | set(_EXTRA) if root is None else found)


def _operations(root: Path) -> frozenset[str]:
    return frozenset(path.parent.name for path in root.glob("*/spec.yaml"))


@cache
def _bundled_operations(root: Path) -> frozenset[str]:
    """The bundled specs' ids, globbed once: like the specs themselves (`load`), they do not change while
    the process runs, and a fixture run asked ~6 times (a glob of specs/ each)."""
    return _operations(root)


@cache
def _registry(root: Path) -> Registry[Any]:
    resources = []
    for path in sorted(root.rglob("*.schema.json")):
        try:
            contents = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SpecError(f"{path}: not valid JSON: {error}") from None
        if isinstance(contents, dict) and "$id" in contents:
            resources.append((str(contents["$id"]), Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources).crawl()


def registry(root: Path | None = None) -> Registry[Any]:
    """Every schema under specs/ by its `$id`, resolved locally, never over the network."""
    return _registry((root or specs_root()).resolve())


def resolve(schema: dict[str, Any], base_uri: str, root: Path | None = None) -> list[dict[str, Any]]:
    """`schema` followed by the chain of `$ref` targets it points to (for annotations)."""
    chain = [schema]
    resolver = registry(root).resolver(base_uri)
    current = schema
    while isinstance(current.get("$ref"), str):
        if len(chain) > _MAX_REF_CHAIN:  # a `$ref` to itself (or a cycle) would loop for ever
            raise SpecError(f"{base_uri}: $ref の連鎖が {_MAX_REF_CHAIN} 段を超えます（循環参照）: {current['$ref']}")
        try:
            resolved = resolver.lookup(current["$ref"])
        except referencing.exceptions.Unresolvable:  # e.g. a spec folder copied without the common/ it refers to
            raise SpecError(f"{base_uri}: $ref を解決できません: {current['$ref']}（参照先のスキーマが仕様のフォルダーにありません）") from None
        resolver = resolved.resolver
        current = resolved.contents
        chain.append(current)
    return chain


_MAX_REF_CHAIN = 32


def annotation(chain: list[dict[str, Any]], key: str) -> Any:
    """The first value of `key` along a `resolve` chain: the item's own keyword wins over its `$ref` targets'."""
    return next((schema[key] for schema in chain if key in schema), None)


# A pattern admitting digit strings only: `^[0-9]{12}$`, `^[0-9]{2,15}$`, `^[0-9]+$`.
_DIGITS_PATTERN = re.compile(r"\^?(?:\[0-9\](?:\{[0-9]+(?:,[0-9]+)?\}|[+*?])?|[0-9])+\$?")


def _is_digit_string(chain: list[dict[str, Any]]) -> bool:
    """The item is typed as a string of digits (a code or identifier): by its type and its pattern or enum,
    and kept as text by the rules (an amount, `x-sql-type: BIGINT`, is a number written in digits)."""
    if annotation(chain, "type") != "string" or (annotation(chain, "x-sql-type") or "VARCHAR") != "VARCHAR":
        return False
    pattern, values = annotation(chain, "pattern"), annotation(chain, "enum")
    if isinstance(pattern, str) and _DIGITS_PATTERN.fullmatch(pattern):
        return True
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) and v.isascii() and v.isdigit() for v in values)


def _load_table(operation: str, raw: dict[str, Any], spec_dir: Path, root: Path) -> Table:
    schema_path = spec_dir / raw["schema"]
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SpecError(f"{schema_path}: {error}") from None
    required = set(schema.get("required", ()))
    items = []
    for name, item_schema in schema.get("properties", {}).items():
        chain = resolve(item_schema, schema["$id"], root)
        items.append(
            Item(
                name=name,
                requirement=str(item_schema.get("x-requirement", "")),
                required=name in required,
                personal=annotation(chain, "x-personal"),
                sql_type=annotation(chain, "x-sql-type") or "VARCHAR",
                format=annotation(chain, "format"),
                digits=_is_digit_string(chain),
                item_id=item_schema.get("x-item-id"),
                romaji=item_schema.get("x-romaji"),
            )
        )
    return Table(
        name=raw["name"],
        operation=operation,
        schema=schema,
        items=tuple(items),
        primary_key=tuple(raw.get("primary_key", ())),
        file_names=tuple(raw.get("file_names", ())),
    )


def load_path(spec_dir: Path, root: Path | None = None) -> Spec:
    """Load the spec in `spec_dir` (its spec.yaml and schemas), without linting it."""
    spec_file = spec_dir / "spec.yaml"
    try:
        raw = yaml.load(spec_file.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{spec_file}: {error}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{spec_file}: not a mapping")
    base = (root or spec_dir.parent).resolve()
    try:
        operation = str(raw["id"])
        requirements = tuple(
            Requirement(
                id=r["id"],
                operation=operation,
                title=r["title"],
                level=r["level"],
                source=Source(**r["source"]),
                fix=r["fix"],
                check=Check(
                    kind=r["check"]["kind"],
                    table=r["check"].get("table"),
                    aspect=r["check"].get("aspect"),
                    items=tuple(r["check"].get("items", ())),
                    sql=r["check"].get("sql"),
                    population=r["check"].get("population"),
                    blame=tuple(r["check"].get("blame", ())),
                    reason=r["check"].get("reason"),
                    references=tuple(
                        Reference(ref.get("operation", operation), ref["table"], tuple(ref["items"]))
                        for ref in r["check"].get("references", ())
                    ),
                ),
            )
            for r in raw["requirements"]
        )
        return Spec(
            id=operation,
            name=raw["name"],
            version=str(raw["version"]),
            ministry=raw["ministry"],
            documents=tuple(Document(**document) for document in raw["documents"]),
            bom_policy=raw["files"]["bom"],
            tables=tuple(_load_table(operation, table, spec_dir, base) for table in raw["tables"]),
            requirements=requirements,
            path=spec_dir,
        )
    except (KeyError, TypeError) as error:
        raise SpecError(f"{spec_file}: malformed ({error!r}); run `conformance spec lint`") from None


@cache
def _load_bundled(operation: str) -> Spec:
    root = specs_root()
    return load_path(root / operation, root)


@cache
def _load_extra(spec_dir: Path) -> Spec:
    return load_path(spec_dir, spec_dir.parent)


def load(operation: str, version: str | None = None) -> Spec:
    """The spec of `operation` (`juki`), optionally asserting its version (`juki@0.1.0`).

    The bundled specs do not change while the process runs, so each is loaded once.
    """
    root = specs_root()
    if operation in _EXTRA:
        spec = _load_extra(_EXTRA[operation])
    elif operation not in available(root):
        raise SpecError(f"unknown operation {operation!r}; known: {', '.join(available())}")
    else:
        spec = _load_bundled(operation)
    if version is not None and version != spec.version:
        raise SpecError(f"{operation}: version {version} requested, this suite has {spec.version}")
    return spec
