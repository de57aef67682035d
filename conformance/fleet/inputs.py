"""The SHA-256 of a run's inputs (the target's files and the declaration): --resume skips a run only
while they are unchanged."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """The SHA-256 of one file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(target: str, declaration: str | None) -> dict[str, str] | None:
    """`{"target/<relative path>": sha256, "declaration": sha256}`, sorted; None when an input cannot be
    read or the target is a URL (an API's data cannot be hashed, so such a run is never skipped)."""
    if target.startswith(("http://", "https://")):
        return None
    hashes: dict[str, str] = {}
    try:
        root = Path(target)
        if root.is_dir():
            files = sorted(Path(folder) / name for folder, _, names in os.walk(root) for name in names)
            for path in files:
                hashes["target/" + path.relative_to(root).as_posix()] = file_sha256(path)
        else:
            hashes["target"] = file_sha256(root)
        if declaration is not None:
            hashes["declaration"] = file_sha256(Path(declaration))
    except (OSError, ValueError):
        return None
    return dict(sorted(hashes.items()))
