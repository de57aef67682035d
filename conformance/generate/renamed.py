"""Real exports renamed to our layout, as data: `fixtures/real/<name>/rename.yaml` -> `<name>/<target>/`.

A real export is committed as published (`<name>/<source>/`). Where it differs from the standard's
layout only by names, `rename.yaml` says which file becomes which table file and which column becomes
which item; the builder copies each listed file with its new name, rewrites the header line's names and
nothing else (BOM, line ends and every data byte stay as published). Columns not listed keep their
names. The folder's hand-written `expected.yaml` is left alone. Nothing here names an operation.

rename.yaml:

    source: published                   # the export as published (never changed)
    target: renamed                     # written by `conformance fixtures build`, never by hand
    files:
      resident_table.csv:               # a published file ...
        name: 住民.csv                  # ... and its name in our layout
        columns: {}                     # published column -> our item (only these are renamed)
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance.generate.mutations import CaseError

__all__ = ["KEPT", "REAL_FOLDER", "RENAME_FILE", "build", "check", "folders", "render"]

RENAME_FILE = "rename.yaml"
REAL_FOLDER = "real"
KEPT = "expected.yaml"  # hand-written beside the built files
_BOM = b"\xef\xbb\xbf"
_DELIMITERS = {".csv": ",", ".tsv": "\t"}


def folders(root: Path) -> list[Path]:
    """The real exports under the fixtures folder `root` that have a rename table."""
    return sorted(path.parent for path in (root / REAL_FOLDER).glob(f"*/{RENAME_FILE}"))


def _table(folder: Path) -> dict[str, Any]:
    path = folder / RENAME_FILE
    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CaseError(f"{path}: cannot read ({error})") from None
    if not isinstance(table, dict) or not isinstance(table.get("files"), dict) or not table["files"]:
        raise CaseError(f"{path}: needs `files`, a mapping of published file names")
    for key in ("source", "target"):
        if not isinstance(table.get(key), str) or not table[key] or "/" in table[key]:
            raise CaseError(f"{path}: `{key}` must be a folder name")
    return table


def _renamed_header(data: bytes, columns: Mapping[str, str], delimiter: str, where: str) -> bytes:
    """`data` with the header line's names replaced by `columns` (every other byte unchanged)."""
    bom = _BOM if data.startswith(_BOM) else b""
    body = data[len(bom):]
    end = body.find(b"\n")
    line, rest = (body, b"") if end < 0 else (body[:end], body[end:])
    carriage = b"\r" if line.endswith(b"\r") else b""
    try:
        header = next(csv.reader([line[: len(line) - len(carriage)].decode("utf-8")], delimiter=delimiter))
    except (UnicodeDecodeError, StopIteration, csv.Error) as error:
        raise CaseError(f"{where}: the header line cannot be read ({error})") from None
    unknown = sorted(set(columns) - set(header))
    if unknown:
        raise CaseError(f"{where}: no such column(s) in the header: {', '.join(unknown)}")
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="").writerow([columns.get(name, name) for name in header])
    return bom + text.getvalue().encode("utf-8") + carriage + rest


def render(folder: Path) -> dict[str, bytes]:
    """The files of the renamed copy of the real export in `folder`, by name."""
    table = _table(folder)
    built: dict[str, bytes] = {}
    for published, entry in table["files"].items():
        where = f"{folder / RENAME_FILE}: {published}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or "/" in entry["name"]:
            raise CaseError(f"{where}: needs `name`, the file's name in our layout")
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise CaseError(f"{where}: `columns` maps column names to item names")
        try:
            data = (folder / table["source"] / published).read_bytes()
        except OSError as error:
            raise CaseError(f"{where}: cannot read the published file ({error.strerror})") from None
        if columns:
            delimiter = _DELIMITERS.get(Path(published).suffix.lower())
            if delimiter is None:
                raise CaseError(f"{where}: columns can be renamed in .csv and .tsv files only")
            data = _renamed_header(data, columns, delimiter, where)
        built[entry["name"]] = data
    return built


def _target(folder: Path) -> Path:
    return folder / str(_table(folder)["target"])


def check(root: Path) -> list[str]:
    """Build every renamed copy in memory and compare it with the committed one: the differences."""
    differences: list[str] = []
    for folder in folders(root):
        target = _target(folder)
        label = target.relative_to(root).as_posix()
        built = render(folder)
        committed = {path.name: path.read_bytes() for path in sorted(target.iterdir())
                     if path.is_file() and path.name != KEPT} if target.is_dir() else {}
        differences += [f"{label}/{name}: not built" for name in sorted(set(committed) - set(built))]
        differences += [f"{label}/{name}: not committed" for name in sorted(set(built) - set(committed))]
        differences += [f"{label}/{name}: differs" for name in sorted(set(built) & set(committed)) if built[name] != committed[name]]
    return differences


def build(root: Path) -> list[Path]:
    """Write every renamed copy (its `expected.yaml` kept); returns the folders written."""
    written = []
    for folder in folders(root):
        built = render(folder)
        target = _target(folder)
        target.mkdir(exist_ok=True)
        for path in target.iterdir():
            if path.name != KEPT and path.name not in built:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        for name, data in built.items():
            (target / name).write_bytes(data)
        written.append(target)
    return written
