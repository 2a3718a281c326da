"""An agent's result on an export, read as it is made: what ``audit --after`` audits.

The rewrite runs in a thread and writes into a pipe; the caller reads the other end,
so neither the export nor its result is ever held whole (the audit of a 1 GB export
stays as small as the audit of the file itself). The bytes read are exactly those
:func:`~dxltools.rewrite.stream.rewrite_bytes` would return.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import IO

from dxltools.agents import Agent
from dxltools.rewrite.stream import rewrite_stream

__all__ = ["agent_result"]


@contextlib.contextmanager
def agent_result(
    agent: Agent, stream: IO[bytes], *, source: str, strict: bool = False
) -> Iterator[IO[bytes]]:
    """The bytes of `agent`'s result on `stream`, to read within the block.

    An error of the rewrite (the input is no DXL, or a changed note does not read back)
    is raised when the block ends, in place of what the reader made of the result it
    cut short, as if the rewrite had run first. The reader may stop early: the rewrite
    then stops at its next write."""
    run = agent.start()
    read_end, write_end = os.pipe()
    failures: list[BaseException] = []

    def rewrite() -> None:
        result = _Pipe(write_end)
        try:
            try:
                rewrite_stream(
                    stream, result, run.edit, select=run.wants, source=source, strict=strict
                )
            finally:
                result.close()  # the reader sees the end of its input
        except _ReaderGone:
            pass  # the reader stopped: whatever it raised is the answer
        except BaseException as error:  # handed to the reader's thread below
            failures.append(error)

    writer = threading.Thread(target=rewrite, name="dxltools agent result", daemon=True)
    writer.start()
    try:
        with open(read_end, "rb") as reader:
            yield reader
        # Closed: a writer blocked on a full pipe gets EPIPE and stops.
    finally:
        writer.join()
        if failures:
            raise failures[0]


class _ReaderGone(Exception):
    """The reading end of the pipe is closed: the reader stopped early."""


class _Pipe:
    """The writing end of the pipe. A write or the last flush that fails, fails because
    the reader went (EPIPE here, EINVAL on Windows): :class:`_ReaderGone`, told apart
    from an error of reading the export, which the reader must see."""

    def __init__(self, descriptor: int) -> None:
        self._file = open(descriptor, "wb")  # noqa: SIM115 (closed by close())

    def write(self, data: bytes, /) -> int:
        try:
            return self._file.write(data)
        except OSError as error:
            raise _ReaderGone from error

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as error:
            raise _ReaderGone from error
