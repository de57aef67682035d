"""How a run is asked for, and what every run shares: its private folder and its clock."""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.api.options import ClientOptions
from conformance.checks.formats import DEFAULT_CHARACTER_PROFILE
from conformance.pipeline.declaration import Declaration
from conformance.pipeline.mapping import ExportMapping
from conformance.readers import InputLimits, TargetError
from conformance.results import SpecRef, Waiver
from conformance.results.check_digits import DEFAULT_CHECK_DIGITS
from conformance.spec import Spec


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: the declaration, masking, and how many example findings to keep per requirement."""

    declaration: Declaration | None = None
    show_values: bool = False
    max_findings: int = 100
    memory_limit: str | None = None
    # --threads: DuckDB's threads and the most threads of our own that work at once (None: one per core).
    threads: int | None = None
    as_of: datetime.date | None = None
    temp_dir: Path | None = None
    # Called with (what is being done, steps done, steps in all); the CLI draws a bar with it.
    progress: Callable[[str, int, int], None] | None = None
    limits: InputLimits = field(default_factory=InputLimits)
    # --mapping: read an export laid out otherwise; the result is a reference result only.
    mapping: ExportMapping | None = None

    @property
    def declared(self) -> tuple[str, ...]:
        """The 標準オプション the vendor declared (none without a declaration)."""
        return self.declaration.options if self.declaration else ()

    @property
    def waivers(self) -> tuple[Waiver, ...]:
        """The waivers the vendor declared (README, Waivers)."""
        return self.declaration.waivers if self.declaration else ()

    @property
    def character_profile(self) -> str:
        """The character profile the vendor declared, else the default (行政事務標準文字)."""
        declared = self.declaration.character_profile if self.declaration else None
        return declared or DEFAULT_CHARACTER_PROFILE

    @property
    def check_digits(self) -> str:
        """Whether the vendor declared that every 宛名番号・世帯番号 carries its check digit (`all`), else
        the default (`legacy`: judged by shape only, 住民記録システム標準仕様書 1.1.13)."""
        declared = self.declaration.check_digits if self.declaration else None
        return declared or DEFAULT_CHECK_DIGITS


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """How to talk to the target. The token is held here only; it is never part of the result."""

    client: ClientOptions = field(default_factory=ClientOptions)
    token: str | None = field(default=None, repr=False)
    token_env: str | None = None
    fuzz: bool = False
    fuzz_examples: int = 20


def now() -> str:
    """The wall clock as a result records it."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def spec_refs(specs: Sequence[Spec]) -> tuple[SpecRef, ...]:
    """The specs as a result names them."""
    return tuple(SpecRef(s.id, s.version, s.name, tuple(f"{d.title} {d.version}" for d in s.documents)) for s in specs)


# The watchdog: waits for its stdin to close (the run's process ended, however: even killed, or aborted by
# a native library), then removes the folder. A POSIX shell whose `read` is built in: about 3 ms of CPU per
# run where a Python interpreter, even isolated (-I) and without site (-S), took about 27 ms (measured), and
# every run, each of the test suite's thousands included, starts one. Python where there is no /bin/sh.
_SHELL = Path("/bin/sh")
_SHELL_WATCHDOG = 'while read -r _; do :; done; exec rm -rf -- "$1"'
_WATCHDOG = "import shutil, sys; sys.stdin.buffer.read(); shutil.rmtree(sys.argv[1], ignore_errors=True)"


def _watchdog(folder: Path) -> subprocess.Popen[bytes] | None:
    """A process that removes `folder` once this one is gone. The pipe's write end is this process's
    only (not inherited): when the process ends, by any means, the kernel closes it. The watchdog has a
    session of its own, so the Ctrl-C that stops the run does not stop it first."""
    if _SHELL.exists():
        command = [str(_SHELL), "-c", _SHELL_WATCHDOG, "watchdog", str(folder)]
        # rm from the system first, then wherever PATH says (a system without /usr/bin/rm).
        environment: dict[str, str] | None = {"PATH": "/usr/bin:/bin:" + os.environ.get("PATH", "")}
    else:
        command, environment = [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(folder)], None
    try:
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=environment)
    except OSError:
        return None  # no process to spare: the folder is still removed on every ending Python sees


@contextlib.contextmanager
def workspace(parent: Path | None = None) -> Iterator[Path]:
    """ONE private folder (mode 0700, under --temp-dir or TMPDIR) for every temporary file of a run: the extracted
    ZIP, DuckDB's staging and spill files. Removed at the end, also on Ctrl-C (KeyboardInterrupt
    unwinds through here) and on any error; and, should the process die where Python cannot clean up
    (a native library aborting on an allocation failure, SIGKILL), by a watchdog process."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="conformance-", dir=parent))
    except OSError as error:  # --temp-dir missing, not a folder, read-only, full
        where = parent if parent is not None else tempfile.gettempdir()
        raise TargetError(f"{where}: 一時フォルダを作れません（{error.strerror}）。--temp-dir に書き込めるフォルダを指定してください") from None
    watchdog = _watchdog(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if watchdog is not None and watchdog.stdin is not None:
            watchdog.stdin.close()  # it wakes, finds the folder gone, and ends; reaped by subprocess later


def is_url(target: str | Path) -> bool:
    """True for an http(s) base URL: the target of API mode."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))
