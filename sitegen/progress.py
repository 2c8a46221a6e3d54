"""Progress on a terminal: one line, rewritten in place, once a build has taken a second."""

from __future__ import annotations

import os
import sys
import time


def interactive(stream=None) -> bool:
    """Whether progress belongs on ``stream``: a terminal, and not a CI log."""
    stream = stream or sys.stdout
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Shows ``phase: done / total`` on one terminal line, at most ten times a second."""

    def __init__(self, enabled: bool, stream=None, delay: float = 1.0, interval: float = 0.1):
        self.enabled = enabled
        self.stream = stream or sys.stdout
        self.started = time.perf_counter()
        self.delay = delay
        self.interval = interval
        self.name = ""
        self.unit = ""
        self._shown = 0.0
        self._width = 0

    def phase(self, name: str, unit: str = "") -> None:
        """Start a phase; it is shown (once a second has passed) until the next one."""
        self.name, self.unit = name, unit
        self.update(None, None, force=True)

    def update(self, done: int | None, total: int | None, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.started < self.delay or (not force and now - self._shown < self.interval):
            return
        self._shown = now
        text = self.name
        if done is not None and total:
            text += f": {done:,} / {total:,} {self.unit}".rstrip()
        text += f"  ({now - self.started:.1f} s)"
        self._write("\r" + text.ljust(self._width))
        self._width = len(text)

    def clear(self) -> None:
        """Remove the progress line (before the summary or an error)."""
        if self.enabled and self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False
