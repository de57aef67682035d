"""The `conformance` command: parses arguments, calls the library, renders. Nothing else."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, TextIO, cast

from conformance.cli.arguments import parser
from conformance.cli.attestation import attest_command, keygen_command, verify_command
from conformance.cli.catalogue import docs_command, spec_diff_command
from conformance.cli.commands import (
    diff_command,
    fixtures_command,
    generate_command,
    report_command,
    run_command,
    serve_command,
    spec_lint_command,
    spec_list_command,
)
from conformance.cli.compare import compare_command
from conformance.cli.usage import USAGE_ERROR
from conformance.results.masking import mask_my_numbers
from conformance.spec import SpecError, use_folders

__all__ = ["main"]


class _MaskedStream:
    """A text stream whose writes go through `mask_my_numbers`; everything else is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(mask_my_numbers(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Interrupts:
    """Ctrl-C and SIGTERM (a cancelled CI job, `kill`) both unwind as KeyboardInterrupt, so the run's
    temporary folder is removed; `received` remembers the signal, because an interrupt that lands inside
    a DuckDB query comes back as a DuckDB error rather than as KeyboardInterrupt."""

    def __init__(self) -> None:
        self.received = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._raise)
        return self

    def _raise(self, number: int, frame: object) -> None:
        self.received = True
        raise KeyboardInterrupt

    def checked(self, code: int, err: TextIO) -> int:
        """A command's exit code, or 130 when a signal came during it: a library may swallow the interrupt
        (DuckDB turns it into an error, which a reader's fallback catches), and the command then returns
        as if nothing happened (seen under load: Ctrl-C 0.4 s into `conformance run` ended with exit 0)."""
        if not self.received:
            return code
        err.write("conformance: interrupted\n")
        return 130

    def __exit__(self, *exception: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point; streams are injectable so tests call the CLI in-process."""
    # Every line the command prints passes the 個人番号 mask (a library's error message quotes input).
    out = cast(TextIO, _MaskedStream(stdout or sys.stdout))
    err = cast(TextIO, _MaskedStream(stderr or sys.stderr))
    try:
        arguments = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    interrupts = _Interrupts()
    try:
        if arguments.command == "run":
            with interrupts, use_folders(arguments.spec_folders):
                return interrupts.checked(run_command(arguments, out, err), err)
        if arguments.command in ("batch", "grid"):
            from conformance.cli import batch  # Dask and the grid only when asked for

            if arguments.command == "grid":
                return batch.grid_command(arguments, out, err)
            with interrupts:
                return interrupts.checked(batch.batch_command(arguments, out, err), err)
        if arguments.command == "generate":
            return generate_command(arguments, out, err)
        if arguments.command == "serve":
            with use_folders(arguments.spec_folders):  # an imported official spec served as `run` checks it
                return serve_command(arguments, out, err)
        if arguments.command == "report":
            return report_command(arguments, out, err)
        if arguments.command == "diff":
            return diff_command(arguments, out, err)
        if arguments.command == "keygen":
            return keygen_command(arguments, out, err)
        if arguments.command == "attest":
            return attest_command(arguments, out, err)
        if arguments.command == "verify":
            return verify_command(arguments, out, err)
        if arguments.command == "compare":
            with interrupts, use_folders(arguments.spec_folders):
                return interrupts.checked(compare_command(arguments, out, err), err)
        if arguments.command == "fixtures":
            return fixtures_command(arguments, out, err)
        if arguments.command == "docs":
            return docs_command(arguments, out, err)
        if arguments.spec_command == "diff":
            return spec_diff_command(arguments, out, err)
        if arguments.spec_command == "list":
            with use_folders(arguments.spec_folders):  # --specs DIR as `run` takes it
                return spec_list_command(arguments, out)
        if arguments.spec_command == "import":
            from conformance.cli.official import import_command

            return import_command(arguments, out, err)
        if arguments.spec_command == "export":
            from conformance.cli.official import export_command

            with use_folders(arguments.spec_folders):
                return export_command(arguments, out, err)
        return spec_lint_command(arguments, out)
    except SpecError as error:
        err.write(f"conformance: {error}\n")
        return USAGE_ERROR
    except KeyboardInterrupt:
        err.write("conformance: interrupted\n")
        return 130
    except Exception as error:  # a bug of ours: say so plainly; the traceback only on request
        if interrupts.received:
            err.write("conformance: interrupted\n")
            return 130
        if os.environ.get("CONFORMANCE_DEBUG"):
            raise
        err.write(f"conformance: 内部エラー (internal error) {type(error).__name__}: {error}\n"
                  "  set CONFORMANCE_DEBUG=1 for the traceback, and please report it\n")
        return USAGE_ERROR
