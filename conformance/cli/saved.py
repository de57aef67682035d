"""A saved JSON result read back (`report`, `diff`, `grid`, `attest`): its bytes and its contents, checked
against report.schema.json, or one clear error naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema


class ResultFileError(Exception):
    """A saved result that cannot be read or is not a result of this suite."""


def read_result_document(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (what an attestation signs) and its contents, valid against report.schema.json."""
    try:
        document = path.read_bytes()
        data = json.loads(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultFileError(f"{path}: JSONの結果ファイルとして読めません ({error})") from None
    schema = json.loads((Path(__file__).parent.parent / "report.schema.json").read_text(encoding="utf-8"))
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise ResultFileError(f"{path}: report.schema.json に合いません ({where}: {problem.message})")
    return document, data
