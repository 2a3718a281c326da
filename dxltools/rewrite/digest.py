"""The read-back check of a rewritten file: the size and CRC-32 of what was
written, run by run, compared with what the temporary file holds."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import IO

import attrs

from dxltools.errors import VerifyError
from dxltools.records import Record


@attrs.frozen(repr=False)
class Written(Record):
    """The size and CRC-32 of a run of bytes written (a file, or a part of one)."""

    size: int
    crc: int


class DigestingWriter:
    """Writes to a stream and keeps the size and CRC-32 of everything written,
    so that the file can be read back and compared (:func:`check_written`)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.size = 0
        self.crc = 0

    def write(self, data: bytes, /) -> int:
        self.stream.write(data)
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        return len(data)

    @property
    def written(self) -> Written:
        return Written(self.size, self.crc)


def check_written(stream: IO[bytes], written: Sequence[Written], source: str) -> None:
    """Read the temporary file back: it must hold exactly the bytes written,
    run by run (part by part, when the file was written in parts), in order.

    Its structure needs no second split: it is the input's segments, split and
    checked on the way in, in order, with every changed note re-parsed
    (:func:`dxltools.edit.verify.verify_note`). What is left to check is that the
    file holds them, which a read-back and a CRC-32 do at a tenth of the cost
    of splitting again."""
    stream.seek(0)
    read_back = 0
    for expected in written:
        run = _read_run(stream, expected.size)
        read_back += run.size
        if run != expected:
            break
    else:
        if not stream.read(1):
            return
        read_back += 1
    total = sum(run.size for run in written)
    raise VerifyError(
        f"the temporary file does not hold the bytes written ({read_back:,} bytes read "
        f"back, {total:,} written); nothing replaced",
        source=source,
    )


def _read_run(stream: IO[bytes], size: int) -> Written:
    """The next `size` bytes of `stream` (fewer at its end), as read."""
    read, crc = 0, 0
    while read < size and (block := stream.read(min(_READ_BACK_BLOCK, size - read))):
        read += len(block)
        crc = zlib.crc32(block, crc)
    return Written(read, crc)


_READ_BACK_BLOCK = 1 << 20
