"""The specs that `spec diff` and `docs` are given: a bundled spec's id, a spec folder, or an official workbook."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from referencing.exceptions import Unresolvable

from conformance import spec as spec_store
from conformance.spec import Spec, SpecError

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True, slots=True)
class SpecSource:
    """A loaded spec, the specs root its `$ref`s resolve against, and how the user named it."""

    spec: Spec
    root: Path
    label: str


def workbook_spec(path: Path, output: Path, op_id: str = "imported") -> Path:
    """Import an official 基本データリスト workbook into `output/op_id/` (through `spec import`'s importer) and
    return that folder; a workbook not in the official layout is a SpecError naming what is missing."""
    from conformance.spec.official import (  # openpyxl only when a workbook is given
        LayoutError,
        import_workbook,
    )

    try:
        import_workbook(path, op_id=op_id, output=output)
    except LayoutError as error:
        raise SpecError(f"{path}: {error}") from None
    return output / op_id


def _root_for(folder: Path) -> Path:
    """The specs root a folder's `$ref`s resolve in: its parent when that holds common/, else the bundled specs."""
    parent = folder.resolve().parent
    return parent if (parent / "common").is_dir() else spec_store.specs_root().resolve()


def load_folder(folder: Path, label: str | None = None) -> SpecSource:
    """The spec in `folder` (spec.yaml and schemas); SpecError names what is wrong."""
    if not (folder / "spec.yaml").is_file():
        raise SpecError(f"{folder}: 仕様フォルダではありません（spec.yaml がありません）/ not a spec folder")
    root = _root_for(folder)
    try:
        spec = spec_store.load_path(folder.resolve(), root)
    except Unresolvable as error:
        raise SpecError(f"{folder}: $ref を解決できません ({error}); run `conformance spec lint {folder}`") from None
    return SpecSource(spec, root, label or str(folder))


def load_source(argument: str, workdir: Path | None = None, op_id: str = "imported") -> SpecSource:
    """A spec named on the command line: `juki`, `juki@0.1.0`, a folder, or a workbook (imported as `op_id`)."""
    path = Path(argument)
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        if not path.is_file():
            raise SpecError(f"{argument}: ファイルがありません / no such workbook")
        output = workdir or Path(tempfile.mkdtemp(prefix="conformance-import-"))
        return load_folder(workbook_spec(path, output, op_id), argument)
    operation, _, version = argument.partition("@")
    # A folder with a spec.yaml is that spec; else a bundled id wins over a folder of the same name (fixtures/juki).
    if path.is_dir() and ((path / "spec.yaml").is_file() or operation not in spec_store.available()):
        return load_folder(path, argument)
    if operation not in spec_store.available():
        raise SpecError(f"{argument}: 仕様のID・フォルダ・ワークブックのいずれでもありません / not a spec id, folder or workbook"
                        f" (known ids: {', '.join(spec_store.available())})")
    return SpecSource(spec_store.load(operation, version or None), spec_store.specs_root().resolve(), argument)


def bundled() -> list[SpecSource]:
    """Every bundled spec, in id order."""
    root = spec_store.specs_root().resolve()
    return [SpecSource(spec_store.load(operation), root, operation) for operation in spec_store.available()]
