"""A progress bar for the long commands (``chiiki workbook import``, ``chiiki indicators
recompute``): redrawn in place on a terminal, a line every tenth of the way otherwise (a log
file or a pipe), so a long run shows it is alive either way. It takes the same call as a
background job's progress: ``bar(done, total, step)``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

REDRAW_EVERY = 0.1  # seconds between redraws on a terminal


class Bar:
    def __init__(
        self,
        stream: TextIO | Any,
        label: str,
        *,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.clock = clock
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last = -1.0
        self._tenth = -1
        self._drawn = False

    def __call__(self, done: int, total: int | None = None, step: str | None = None) -> None:
        if self.tty:
            now = self.clock()
            if now - self._last < REDRAW_EVERY and done != total:
                return
            self._last = now
            self._write("\r" + self.line(done, total), end="")
            self._drawn = True
            return
        tenth = done * 10 // total if total else -1
        if total and tenth > self._tenth:
            self._tenth = tenth
            self._write(self.line(done, total))

    def line(self, done: int, total: int | None) -> str:
        if not total:
            return f"{self.label} {done:,}"
        share = min(done / total, 1.0)
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {share:4.0%} {done:,}/{total:,}"

    def interrupt(self) -> None:
        """Clear a terminal bar so that a line can be written; the next call draws it again."""
        if self.tty and self._drawn:
            self._write("\r\x1b[K", end="")
            self._drawn = False
            self._last = -1.0

    def close(self) -> None:
        """End the line a terminal bar was drawn on."""
        if self.tty and self._drawn:
            self._write("")
            self._drawn = False

    def _write(self, text: str, end: str = "\n") -> None:
        try:
            self.stream.write(text, ending=end)  # Django's OutputWrapper
        except TypeError:
            self.stream.write(text + end)
        flush = getattr(self.stream, "flush", None)
        if flush is not None:
            flush()
