"""Which files of specs/ a run used, and their SHA-256: the suite's identity as data (issue 21).

A path is relative to the specs root, with `/` separators (`juki/spec.yaml`, `common/defs.schema.json`),
so the same list names the same files in a source checkout and in an installed wheel."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from conformance.spec.model import Spec

__all__ = ["file_digests", "used_files"]


@cache
def _schema_files(root: Path) -> dict[str, Path]:
    """Every schema under `root` by its `$id` (as `registry` resolves `$ref`s: locally, never over the network)."""
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*.schema.json")):
        try:
            contents = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # `conformance spec lint` names a broken schema; a run never loads it
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            files[contents["$id"]] = path
    return files


def _refs(node: Any, base: str) -> Iterator[str]:
    """The documents (URLs without fragment) that `$ref`s anywhere in `node` point to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield urldefrag(urljoin(base, ref)).url
        for value in node.values():
            yield from _refs(value, base)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value, base)


def _schema_closure(start: Iterable[Path], root: Path) -> set[Path]:
    """The schema files `start` and every file their `$ref`s reach, transitively."""
    by_id = _schema_files(root)
    seen: set[Path] = set()
    pending = list(start)
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        try:
            contents = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        base = contents.get("$id", path.as_uri()) if isinstance(contents, dict) else path.as_uri()
        pending += [by_id[url] for url in _refs(contents, str(base)) if url in by_id]
    return seen


def _schema_path(schema: dict[str, Any], root: Path) -> Path:
    """A table's schema file, found by its `$id` (a schema without one names no file)."""
    return _schema_files(root).get(str(schema.get("$id")), root / "-")


def used_files(specs: Sequence[Spec], root: Path, referenced: Iterable[tuple[Spec, str]] = (),
               api: bool = False, characters: bool = False) -> tuple[str, ...]:
    """The spec files a run of `specs` reads, sorted: each spec.yaml and table schema with every schema
    their `$ref`s reach (code tables, shared `$defs`); for a table that rules reference in another
    operation (`referenced`: spec and table name), that spec.yaml and the table's schema; in API mode the
    contract (openapi.yaml), the API cases and the shared API cases; with `characters`, the character
    data of 行政事務標準文字 (common/characters/*.txt)."""
    root = root.resolve()
    files: set[Path] = set()
    schemas: list[Path] = []
    for spec in specs:
        files.add(spec.path / "spec.yaml")
        schemas += [_schema_path(table.schema, root) for table in spec.tables]
        if api:
            files |= {spec.path / "openapi.yaml", spec.path / "api-cases.yaml", root / "common" / "api-cases.yaml"}
    for spec, table_name in referenced:
        table = spec.table(table_name)
        files.add(spec.path / "spec.yaml")
        if api:
            files.add(spec.path / "openapi.yaml")  # its list endpoint is read for the reference
        if table is not None:
            schemas.append(_schema_path(table.schema, root))
    files |= _schema_closure(schemas, root)
    if characters:
        files |= set((root / "common" / "characters").glob("*.txt"))
    # A spec loaded from elsewhere (a copy under test) beside the bundled ones: only files under `root` are named.
    return tuple(sorted(path.resolve().relative_to(root).as_posix() for path in files
                        if path.is_file() and path.resolve().is_relative_to(root)))


def file_digests(paths: Iterable[str], root: Path) -> dict[str, str | None]:
    """Each path's SHA-256 (hex) under `root`, or None when the file is missing or unreadable."""
    digests: dict[str, str | None] = {}
    for relative in paths:
        path = root / relative
        try:
            # A recorded path is data from a result: never let it step outside the specs root.
            if ".." in Path(relative).parts or Path(relative).is_absolute():
                raise OSError(relative)
            with path.open("rb") as stream:
                digests[relative] = hashlib.file_digest(stream, "sha256").hexdigest()
        except OSError:
            digests[relative] = None
    return digests
