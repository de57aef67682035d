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


def workbook_spec(path: Path, output: Path) -> Path:
    """MERGE HOOK (issue 18): import an official 基本データリスト workbook into a spec folder under `output`
    and return that folder. The importer (`spec import`, branch offimport) provides `import_workbook`;
    the lead wires it here at merge. Until then a workbook argument is refused with a clear message."""
    raise SpecError(f"{path}: 基本データリストのワークブックを読むには取り込み機能（conformance spec import）が必要です。"
                    "先に `conformance spec import` で仕様フォルダにしてから、そのフォルダを指定してください "
                    f"(importing a workbook into {output} is not available in this build)")


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


def load_source(argument: str, workdir: Path | None = None) -> SpecSource:
    """A spec named on the command line: `juki`, `juki@0.1.0`, a folder, or a workbook (through the hook)."""
    path = Path(argument)
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        if not path.is_file():
            raise SpecError(f"{argument}: ファイルがありません / no such workbook")
        output = workdir or Path(tempfile.mkdtemp(prefix="conformance-import-"))
        return load_folder(workbook_spec(path, output), argument)
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
