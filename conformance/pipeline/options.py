"""How a run is asked for, and what every run shares: its private folder and its clock."""

from __future__ import annotations

import contextlib
import datetime
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.api.options import ClientOptions
from conformance.checks.formats import DEFAULT_CHARACTER_PROFILE
from conformance.pipeline.declaration import Declaration
from conformance.pipeline.mapping import ExportMapping
from conformance.pipeline.watchdog import guard
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
    release = guard(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        release()


def is_url(target: str | Path) -> bool:
    """True for an http(s) base URL: the target of API mode."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))
