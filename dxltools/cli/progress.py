"""A one-line progress bar on stderr for long runs (fed by a ``CountingReader``).

The bar is drawn only when its stream is a terminal (a job's log file never
fills with carriage returns), only after a short delay (a quick run never
flickers a bar) and at most a few times a second (redrawing costs more than
counting). :meth:`Progress.close` clears the line, so whatever is written next
starts at column 0. When disabled, every method returns at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

DELAY = 0.5  # seconds before the first draw
INTERVAL = 0.1  # seconds between two draws
_MB = 1_000_000


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or already closed
        return False


def _duration(seconds: float) -> str:
    """`1:05` or `2:03:04`."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Bytes and files done out of a known total, drawn as one line on `stream`."""

    def __init__(
        self,
        stream: TextIO,
        total_bytes: int,
        total_files: int,
        *,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        delay: float = DELAY,
        interval: float = INTERVAL,
    ) -> None:
        self.stream = stream
        self.total_bytes = max(total_bytes, 0)
        self.total_files = max(total_files, 0)
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.bytes_done = 0
        self.files_done = 0
        self._clock = clock
        self._delay = delay
        self._interval = interval
        self._start = clock() if self.enabled else 0.0
        self._last_draw: float | None = None
        self._width = 0  # characters of the line on screen; 0 when nothing is shown

    def advance(self, nbytes: int) -> None:
        """Count `nbytes` more bytes read of the current file."""
        if not self.enabled:
            return
        self.bytes_done += nbytes
        self._maybe_draw()

    def file_done(self) -> None:
        """Count one more file finished."""
        if not self.enabled:
            return
        self.files_done += 1
        self._maybe_draw()

    def clear(self) -> None:
        """Erase the bar so a message can be written; the next update draws it again."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
            self._last_draw = None

    def close(self) -> None:
        """Erase the bar for good: later calls draw nothing."""
        self.clear()
        self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def line(self, now: float) -> str:
        """The text of the bar at time `now` (without the carriage return)."""
        elapsed = max(now - self._start, 1e-9)
        done = min(self.bytes_done, self.total_bytes) if self.total_bytes else self.bytes_done
        if self.total_bytes:
            fraction = done / self.total_bytes
        else:
            fraction = self.files_done / self.total_files if self.total_files else 0.0
        rate = self.bytes_done / elapsed
        if rate > 0 and self.total_bytes:
            eta = _duration((self.total_bytes - done) / rate)
        else:
            eta = "-:--"
        return (
            f"{fraction:4.0%} {done / _MB:.1f}/{self.total_bytes / _MB:.1f} MB"
            f"  {self.files_done}/{self.total_files} files"
            f"  {rate / _MB:.1f} MB/s  ETA {eta}"
        )

    def _maybe_draw(self) -> None:
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._last_draw is not None and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        text = self.line(now)
        # Pad with spaces to wipe what a longer previous line left behind.
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))
