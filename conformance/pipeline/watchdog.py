"""The watchdog of a process's run folders: a process of its own that removes them should this one die
where Python cannot clean up (a native library aborting on an allocation failure, SIGKILL).

It waits on a pipe whose write end is this process's only (not inherited): when the process ends, by any
means, the kernel closes it, and the watchdog removes every folder it was told of and not told gone. It
has a session of its own, so the Ctrl-C that stops a run does not stop it first. One watchdog serves every
run of a process: a POSIX shell whose `read` is built in, started once (~1 ms of this process's CPU and
~1.5 ms of its own, which every run paid when each started one: the test suite's thousands of runs). A
folder whose path holds a line break (which the pipe's lines cannot carry), or a system without /bin/sh,
gets a watchdog of its own, as before."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

_SHELL = Path("/bin/sh")
# `+folder` adds a folder, `-folder` drops it (removed by the run itself); at the end of its input the
# watchdog removes those left. Kept in the positional parameters: a handful at a time.
_SHARED_WATCHDOG = (
    'while IFS= read -r line; do case $line in '
    '"+"*) set -- "$@" "${line#?}" ;; '
    '"-"*) gone=${line#?}; for f do shift; [ "$f" = "$gone" ] || set -- "$@" "$f"; done ;; '
    'esac; done; [ $# -eq 0 ] || exec rm -rf -- "$@"'
)
_SHELL_WATCHDOG = 'while read -r _; do :; done; exec rm -rf -- "$1"'
# Python where there is no /bin/sh: an isolated interpreter (-I -S) costs ~27 ms of CPU to start.
_WATCHDOG = "import shutil, sys; sys.stdin.buffer.read(); shutil.rmtree(sys.argv[1], ignore_errors=True)"

# The shared watchdog of each process (a forked child starts its own: the parent's pipe is not its own).
_SHARED: dict[int, subprocess.Popen[bytes]] = {}
_SHARED_LOCK = threading.Lock()


def _start(command: list[str], environment: dict[str, str] | None) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=environment)
    except OSError:
        return None  # no process to spare: the folder is still removed on every ending Python sees


def _shell_environment() -> dict[str, str]:
    # rm from the system first, then wherever PATH says (a system without /usr/bin/rm).
    return {"PATH": "/usr/bin:/bin:" + os.environ.get("PATH", "")}


def _tell(line: bytes) -> bool:
    """`line` written to this process's shared watchdog, started if need be; False when none can take it."""
    with _SHARED_LOCK:
        for _attempt in range(2):
            watchdog = _SHARED.get(os.getpid())
            if watchdog is None:
                watchdog = _start([str(_SHELL), "-c", _SHARED_WATCHDOG, "watchdog"], _shell_environment())
                if watchdog is None or watchdog.stdin is None:
                    return False
                _SHARED[os.getpid()] = watchdog
            try:
                assert watchdog.stdin is not None
                watchdog.stdin.write(line)
                watchdog.stdin.flush()
                return True
            except OSError:  # it was killed: another one
                del _SHARED[os.getpid()]
        return False


def guard(folder: Path) -> Callable[[], None]:
    """`folder` removed by a watchdog should this process die; call what this returns once the run removed it."""
    encoded = os.fsencode(folder)
    if _SHELL.exists() and b"\n" not in encoded and _tell(b"+" + encoded + b"\n"):
        def forget() -> None:
            _tell(b"-" + encoded + b"\n")

        return forget
    if _SHELL.exists():
        watchdog = _start([str(_SHELL), "-c", _SHELL_WATCHDOG, "watchdog", str(folder)], _shell_environment())
    else:
        watchdog = _start([sys.executable, "-I", "-S", "-c", _WATCHDOG, str(folder)], None)

    def release() -> None:
        if watchdog is not None and watchdog.stdin is not None:
            watchdog.stdin.close()  # it wakes, finds the folder gone, and ends; reaped by subprocess later

    return release


@atexit.register
def _stop_shared() -> None:
    """The shared watchdog ends with nothing left to remove; waited for, so it is not left running."""
    with _SHARED_LOCK:
        watchdog = _SHARED.pop(os.getpid(), None)
    if watchdog is not None and watchdog.stdin is not None:
        try:
            watchdog.stdin.close()
            watchdog.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
