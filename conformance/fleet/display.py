"""The progress display of `conformance batch` on a terminal (rich, stderr): runs done, running, failed,
and the throughput in exports per minute."""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class BatchProgress:
    """Counts runs as they start and end; draws a bar only when given a terminal stream."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total = total
        self.running = 0
        self.done = 0
        self.failed = 0
        self._began = time.monotonic()
        self._progress: Progress | None = None
        if stream is not None:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(file=stream), transient=True,
            )
            self._task = self._progress.add_task(self._describe(), total=total)
            self._progress.start()

    def _describe(self) -> str:
        minutes = (time.monotonic() - self._began) / 60
        rate = f"{self.done / minutes:.1f}件/分" if minutes > 0 and self.done else "-"
        return f"実行中 {self.running}・完了 {self.done}・失敗 {self.failed}・{rate}"

    def started(self) -> None:
        """A run went to a worker."""
        self.running += 1
        self._refresh()

    def finished(self, failed: bool) -> None:
        """A run ended; `failed` when it failed, was incomplete or gave no result."""
        self.running = max(0, self.running - 1)
        self.done += 1
        self.failed += failed
        self._refresh()

    def _refresh(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=self._describe(), completed=self.done)

    def close(self) -> None:
        """Erase the bar."""
        if self._progress is not None:
            self._progress.stop()

    def per_minute(self) -> float:
        """Runs finished per minute so far."""
        minutes = (time.monotonic() - self._began) / 60
        return self.done / minutes if minutes > 0 else 0.0
