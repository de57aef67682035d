"""The suite's identity in a result: the SHA-256 of every spec file the run used, and one digest over them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["SpecFile", "short_digest", "suite_digest"]


@dataclass(frozen=True, slots=True)
class SpecFile:
    """One file of specs/ a run used: its path under the specs root (`juki/spec.yaml`) and its SHA-256."""

    path: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report.schema.json#/$defs/spec_file)."""
        return {"path": self.path, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpecFile:
        """Inverse of to_dict."""
        return cls(data["path"], data["sha256"])


def suite_digest(files: Iterable[SpecFile]) -> str:
    """`sha256:` + the SHA-256 of the lines `<sha256>  <path>\\n` sorted by path: exactly what
    `sha256sum FILE… | LC_ALL=C sort -k2 | sha256sum` prints in specs/, so anyone can recompute it."""
    lines = "".join(f"{file.sha256}  {file.path}\n" for file in sorted(files, key=lambda file: file.path.encode("utf-8")))
    return "sha256:" + hashlib.sha256(lines.encode("utf-8")).hexdigest()


def short_digest(digest: str) -> str:
    """The suite's identity as reports show it: `sha256:` and the first 12 hexadecimal digits."""
    return digest[: len("sha256:") + 12]
