"""What every subcommand says when the user's input cannot be used: the exit code and the shared messages."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

USAGE_ERROR = 2


def unwritable(stderr: TextIO, place: Path | str, error: OSError) -> int:
    """An output that cannot be written: one line naming it, and the usage exit code."""
    stderr.write(f"conformance: {place}: 書き込めません ({error.strerror})\n")
    return USAGE_ERROR


def spec_folders(command: argparse.ArgumentParser) -> None:
    """`--specs DIR`, the same for every command that loads specs (run, compare, serve, spec list, spec export): the CLI
    adds the folders' specs around the command (`conformance.spec.use_folders`)."""
    command.add_argument("--specs", action="append", type=Path, metavar="DIR", default=[], dest="spec_folders",
                         help="a spec folder, or a folder of them (e.g. from `spec import`), added to the bundled specs; repeatable")
