"""Which files of specs/ a run used, and their SHA-256: the suite's identity as data (issue 21).

A path is relative to the specs root, with `/` separators (`juki/spec.yaml`, `common/defs.schema.json`),
so the same list names the same files in a source checkout and in an installed wheel."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache
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


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed file from the one read before (a run reads the same few files again and again)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)


@lru_cache(maxsize=1024)
def _direct_refs(path: Path, stamp: tuple[int, int, int], root: Path) -> tuple[Path, ...]:
    """The schema files the `$ref`s of one schema file point to (cached while the file is unchanged)."""
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return ()
    base = contents.get("$id", path.as_uri()) if isinstance(contents, dict) else path.as_uri()
    by_id = _schema_files(root)
    return tuple(dict.fromkeys(by_id[url] for url in _refs(contents, str(base)) if url in by_id))


def _schema_closure(start: Iterable[Path], root: Path) -> set[Path]:
    """The schema files `start` and every file their `$ref`s reach, transitively."""
    seen: set[Path] = set()
    pending = list(start)
    while pending:
        path = pending.pop()
        if path in seen or (stamp := _stamp(path)) is None:
            continue
        seen.add(path)
        pending += _direct_refs(path, stamp, root)
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
        folder = spec.path.resolve()
        files.add(folder / "spec.yaml")
        schemas += [_schema_path(table.schema, root) for table in spec.tables]
        if api:
            files |= {folder / "openapi.yaml", folder / "api-cases.yaml", root / "common" / "api-cases.yaml"}
    for spec, table_name in referenced:
        table = spec.table(table_name)
        folder = spec.path.resolve()
        files.add(folder / "spec.yaml")
        if api:
            files.add(folder / "openapi.yaml")  # its list endpoint is read for the reference
        if table is not None:
            schemas.append(_schema_path(table.schema, root))
    files |= _schema_closure(schemas, root)
    if characters:
        files |= set((root / "common" / "characters").glob("*.txt"))
    # A spec loaded from elsewhere (a copy under test) beside the bundled ones: only files under `root` are named.
    return tuple(sorted(path.relative_to(root).as_posix() for path in files
                        if path.is_relative_to(root) and path.is_file()))


def file_digests(paths: Iterable[str], root: Path) -> dict[str, str | None]:
    """Each path's SHA-256 (hex) under `root`, or None when the file is missing or unreadable."""
    digests: dict[str, str | None] = {}
    for relative in paths:
        # A recorded path is data from a result: never let it step outside the specs root.
        outside = ".." in Path(relative).parts or Path(relative).is_absolute()
        stamp = None if outside else _stamp(root / relative)
        digests[relative] = None if stamp is None else _digest(root / relative, stamp)
    return digests


@lru_cache(maxsize=1024)
def _digest(path: Path, stamp: tuple[int, int, int]) -> str | None:
    """A file's SHA-256, cached while its modification time, size and inode stay the same."""
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None
