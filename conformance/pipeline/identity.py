"""The suite's identity a result records: the spec files the run used, with their SHA-256 (issue 21)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from conformance import spec as spec_store
from conformance.checks.formats import DEFAULT_CHARACTER_PROFILE
from conformance.pipeline.discover import referenced_specs
from conformance.pipeline.options import workspace
from conformance.readers import InputLimits, open_target
from conformance.results.identity import SpecFile
from conformance.spec import Spec
from conformance.spec.files import file_digests, used_files


def spec_identity(chosen: Sequence[Spec], api: bool, character_profile: str) -> tuple[SpecFile, ...]:
    """Every spec file a run of `chosen` reads (spec/files.py) with its SHA-256, relative to the folder the
    specs were loaded from (the bundled specs/, or a folder of specs given as `Spec`s)."""
    if not chosen:
        return ()
    # The MJ character data is read only under the default profile (行政事務標準文字); JIS X 0213 is built in.
    characters = character_profile == DEFAULT_CHARACTER_PROFILE
    root = chosen[0].path.parent
    if root == spec_store.specs_root():
        # The bundled specs are loaded once per process (spec.load), so their files are hashed once too:
        # what a run used is what was loaded, and a thousand fixture runs do not hash them a thousand times.
        return _bundled(tuple(spec.id for spec in chosen), api, characters)
    return _identity(chosen, root, api, characters)


@cache
def _bundled(operations: tuple[str, ...], api: bool, characters: bool) -> tuple[SpecFile, ...]:
    return _identity([spec_store.load(operation) for operation in operations], spec_store.specs_root(), api, characters)


def _identity(chosen: Sequence[Spec], root: Path, api: bool, characters: bool) -> tuple[SpecFile, ...]:
    paths = used_files(chosen, root, referenced_specs(chosen), api, characters)
    return tuple(SpecFile(path, digest) for path, digest in file_digests(paths, root).items() if digest is not None)


def target_digests(path: Path, limits: InputLimits | None = None) -> tuple[tuple[str, str], ...]:
    """The files of an export as a run lists and hashes them (name, SHA-256), a ZIP's members checked and
    extracted as a run does: what `conformance verify --target` compares. TargetError when it cannot be opened."""
    with workspace(None) as folder, open_target(path, limits, folder / "zip") as target:
        return tuple((source.display, source.sha256) for source in target.files)
