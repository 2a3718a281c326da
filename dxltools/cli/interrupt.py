"""Termination requests unwind like Ctrl-C, so temporary files are cleaned up.

Python's default for SIGTERM (what `kill`, systemd and cron timeouts send) is
to die at once, skipping every `finally`; turning it into an exception
(:class:`Terminated`) lets the atomic writer remove its temporary file, and the original stays as
it was. Windows has no SIGTERM from outside, but Ctrl-Break (SIGBREAK) is the
console's equivalent. SIGKILL cannot be caught: the atomic rename still
guarantees whole files, and the next run removes the leftover temporary file.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGBREAK", "SIGHUP") if hasattr(signal, name)
)


class Terminated(BaseException):
    """A termination signal arrived. A BaseException, like KeyboardInterrupt,
    so that no `except Exception` swallows it on the way out."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def graceful_termination() -> Iterator[None]:
    """Within the block, SIGTERM (SIGBREAK, SIGHUP) raise :class:`Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers
        return
    previous = {number: signal.signal(number, _interrupt) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
