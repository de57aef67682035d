"""`conformance` CLI runs as real processes without paying the import each time: a zygote imports the CLI
once, then forks one child per run. Each child is a process of its own, as `python -c "… main(argv)"` would
be: its own exit status (a signal shows as a negative code), its own stdout and stderr (a traceback reaches
them), its address space bounded by RLIMIT_AS, its own TMPDIR and working folder, stdin at /dev/null, and
a normal interpreter exit. What it does not repeat is the import of DuckDB, numpy and jsonschema (about
0.6 s of CPU per run, most of a small case's cost) and the loading of the bundled specs it is given
(`warm`: parsing and hashing juki's spec costs about 0.3 s of CPU, once per process, whatever the input);
a fresh interpreter's start-up is left to the tests that need exactly that (tests/test_hostile_io.py's
Ctrl-C at start-up, the entry-point tests). No DuckDB instance is started before the fork (its threads
would not survive it): each child starts its own, as a fresh process does.

A child is also what an in-process call is: `main` gets streams that write through to the process's own
stdout and stderr and keep a copy, as `tests.conftest.cli` keeps its StringIO, so one run shows both what
the streams handed to `main` received and what reached the process (a traceback, a warning, a stray
write to sys.stderr)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_ZYGOTE = r"""
import io, json, os, resource, sys, tempfile
from conformance.cli import main
from conformance import spec
from conformance.checks.formats import DEFAULT_CHARACTER_PROFILE
from conformance.pipeline.identity import spec_identity
for operation in json.loads(sys.argv[1]):  # what every run of these specs loads first (cached per process)
    spec_identity([spec.load(operation)], False, DEFAULT_CHARACTER_PROFILE)


class Tee(io.StringIO):
    # A copy of what `main` writes (as an in-process caller's StringIO), written through to `real`.

    def __init__(self, real):
        super().__init__()
        self.real = real

    def write(self, text):
        self.real.write(text)
        return super().write(text)

    def flush(self):
        self.real.flush()


sys.stdout.flush()
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        break
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
else:
    sys.exit(0)
# The child: a process of its own from here on.
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
for descriptor, path in ((1, job["stdout"]), (2, job["stderr"])):
    os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), descriptor)
sys.stdin = open(0, closefd=False)
resource.setrlimit(resource.RLIMIT_AS, (job["limit"], job["limit"]))
os.environ.clear()
os.environ.update(job["env"])
tempfile.tempdir = None  # TMPDIR is read again
os.chdir(job["cwd"])
streams = Tee(sys.stdout), Tee(sys.stderr)
try:
    code = main(job["args"], *streams)
finally:
    for stream, path in zip(streams, (job["stdout"], job["stderr"])):
        with open(path + ".handed", "w", encoding="utf-8", errors="surrogatepass") as copy:
            copy.write(stream.getvalue())
sys.exit(code)
"""


@dataclass
class Completed:
    """What one forked run left: its exit code (negative for a signal), its stdout and stderr, and what
    `main` wrote to the streams it was handed (None when the child did not get that far)."""

    returncode: int
    stdout: str
    stderr: str
    handed_stdout: str | None = None
    handed_stderr: str | None = None


class TimeoutExpired(AssertionError):
    """The run did not end in time; its process was killed."""


class Zygote:
    """One interpreter with the CLI imported, forking a child per run (one run at a time)."""

    def __init__(self, cwd: Path, env: dict[str, str], scratch: Path, warm: Sequence[str] = ()) -> None:
        """`warm`: the bundled specs to load before the first fork (each child finds them loaded)."""
        self._scratch = scratch
        self._process = subprocess.Popen([sys.executable, "-c", _ZYGOTE, json.dumps(list(warm))], cwd=cwd, env=env,
                                         text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._runs = 0
        assert self._line(120) == "ready"

    def _line(self, timeout: float) -> str:
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], max(timeout, 0))
        if not ready:
            raise TimeoutExpired(f"no answer from the zygote within {timeout:.0f} s")
        return self._process.stdout.readline().strip()

    def run(self, args: list[str], *, limit: int, env: dict[str, str], cwd: Path, timeout: float) -> Completed:
        """Run `conformance ARGS` in a forked child bounded by `limit` bytes of address space and `timeout`."""
        assert self._process.stdin is not None
        self._runs += 1
        stdout, stderr = self._scratch / f"{self._runs}.out", self._scratch / f"{self._runs}.err"
        job = {"args": args, "limit": limit, "env": env, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr)}
        started = time.monotonic()
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        pid = int(self._line(30))
        try:
            code = int(self._line(timeout - (time.monotonic() - started)))
        except TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self._line(30)  # the zygote reaps it
            raise
        handed = [path.read_text(encoding="utf-8", errors="replace") if path.exists() else None
                  for path in (Path(f"{stdout}.handed"), Path(f"{stderr}.handed"))]
        return Completed(code, stdout.read_text(encoding="utf-8", errors="replace"),
                         stderr.read_text(encoding="utf-8", errors="replace"), *handed)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)
