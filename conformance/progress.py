"""The progress bar of `conformance run` on a terminal: stderr only, shown once a run passes a second."""

from __future__ import annotations

import threading
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RunProgress:
    """A callback for RunOptions.progress; nothing is drawn for runs shorter than `delay` seconds."""

    def __init__(self, stream: TextIO, delay: float = 1.0) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(file=stream), transient=True,
        )
        self._task = self._progress.add_task("検査中", total=None)
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._timer = threading.Timer(delay, self._start)
        self._timer.daemon = True
        self._timer.start()

    def _start(self) -> None:
        with self._lock:
            if not self._closed:
                self._progress.start()
                self._started = True

    def __call__(self, label: str, done: int, total: int) -> None:
        self._progress.update(self._task, description=label, completed=done, total=total)

    def close(self) -> None:
        """Stop the timer and erase the bar."""
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._started:
                self._progress.stop()
