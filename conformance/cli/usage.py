"""What every subcommand says when the user's input cannot be used: the exit code and the shared messages."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

USAGE_ERROR = 2


def unwritable(stderr: TextIO, place: Path | str, error: OSError) -> int:
    """An output that cannot be written: one line naming it, and the usage exit code."""
    stderr.write(f"conformance: {place}: 書き込めません ({error.strerror})\n")
    return USAGE_ERROR
