"""デジタル庁's official 基本データリスト: import a workbook as a spec folder, export a spec in its layout."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from conformance.spec import Spec, SpecError, load_path
from conformance.spec.official.build import build, write
from conformance.spec.official.layout import LayoutError, read
from conformance.spec.openapi import api_cases, dump, openapi

_CONTRACT_HEADER = "# Written by `conformance spec import`: OUR pull-style API contract, with the official romaji as field names.\n"

__all__ = ["LayoutError", "import_workbook"]


def import_workbook(path: Path, *, op_id: str, version: str | None = None, output: Path | None = None) -> Spec:
    """The spec that the workbook at `path` states, written to `output/op_id/` (spec.yaml, schemas/) when
    `output` is given, else built in a temporary folder that is removed once the spec is loaded (the Spec
    holds its schemas in memory; its `path` then no longer exists). LayoutError: not in the official
    layout, with the sheet and row of what is wrong."""
    if not re.fullmatch(r"[a-z]+(-[a-z]+)*", op_id):
        raise LayoutError(f"業務ID {op_id!r} は英小文字とハイフンで書いてください（例: juki, koseki-fuhyo）")
    official = read(Path(path))
    spec_data, schemas = build(official, op_id, version)
    if output is not None:
        folder = write(Path(output) / op_id, spec_data, schemas)
        return _load(folder, contract=True)
    scratch = Path(tempfile.mkdtemp(prefix="conformance-import-"))
    try:
        return _load(write(scratch / op_id, spec_data, schemas), contract=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _load(folder: Path, contract: bool) -> Spec:
    try:
        spec = load_path(folder, folder.parent)
    except SpecError as error:
        raise LayoutError(str(error)) from None
    if not contract:
        return spec
    (folder / "openapi.yaml").write_text(dump(openapi(spec, inline=True), _CONTRACT_HEADER), encoding="utf-8")
    (folder / "api-cases.yaml").write_text(dump(api_cases(spec), _CONTRACT_HEADER), encoding="utf-8")
    return spec
