"""A read-only stream wrapper that reports how many bytes were read (feeds a progress bar)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class CountingReader(io.RawIOBase, BinaryIO):
    """A read-only view of a binary stream that reports how much was read
    (pass `progress.advance` to feed a bar).

    The wrapped stream stays open when this reader is closed: its opener owns it.
    """

    def __init__(self, stream: IO[bytes], on_read: Callable[[int], None]) -> None:
        super().__init__()
        self.stream = stream
        self.on_read = on_read
        self.count = 0  # bytes read so far, for callers and tests

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        data = self.stream.read(-1 if size is None else size)
        self._counted(len(data))
        return data

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.stream.read(len(view))
        view[: len(data)] = data
        self._counted(len(data))
        return len(data)

    def _counted(self, nbytes: int) -> None:
        if nbytes:
            self.count += nbytes
            self.on_read(nbytes)
