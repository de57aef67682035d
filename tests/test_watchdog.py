"""The watchdog a process shares between its runs removes the run folders still in use when the process
dies where Python cannot clean up, and no folder a run already removed (and may since be another's)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conformance.pipeline import watchdog
from tests.conftest import ROOT


def test_the_shared_watchdog_removes_the_folders_left_when_its_input_ends(tmp_path: Path) -> None:
    folders = [tmp_path / name for name in ("a", "b c", "d")]
    for folder in folders:
        folder.mkdir()
    lines = b"".join(b"+" + os.fsencode(folder) + b"\n" for folder in folders) + b"-" + os.fsencode(folders[1]) + b"\n"
    subprocess.run(["/bin/sh", "-c", watchdog._SHARED_WATCHDOG, "watchdog"], input=lines, timeout=30, check=True)
    assert [folder.exists() for folder in folders] == [False, True, False]


def test_a_killed_process_leaves_only_the_folders_its_runs_removed(tmp_path: Path) -> None:
    """Two runs in one process, the first finished, the second in its folder when the process is killed."""
    code = ("import os, signal, sys; from pathlib import Path; from conformance.pipeline.options import workspace\n"
            "with workspace(Path(sys.argv[1])) as done: pass\n"
            "with workspace(Path(sys.argv[1])) as folder:\n"
            "    (folder / 'data').write_text('x'); print(done, folder, flush=True); os.kill(os.getpid(), signal.SIGKILL)\n")
    completed = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert completed.returncode == -9, completed.stderr
    done, in_use = map(Path, completed.stdout.split())
    assert not done.exists()
    deadline = time.monotonic() + 20
    while in_use.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []
