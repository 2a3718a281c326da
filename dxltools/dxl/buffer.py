"""The window of input bytes that the splitter reads through: chunks read on
demand, offsets in the whole input, lines counted as spans are emitted, and
errors that name the file, line and column.

Only the span being worked on is kept (see :meth:`InputBuffer.segment`), so
memory does not grow with the file.
"""

from __future__ import annotations

import io
import re
from typing import IO

from dxltools.dxl.segments import PartStart, Segment, SegmentKind
from dxltools.dxl.tokens import SPACE_RE, TAG_REST_RE
from dxltools.errors import DxlSyntaxError

DEFAULT_CHUNK_SIZE = 1 << 20


class InputBuffer:
    """The bytes of one input (or of a part of it, see `part`) from the last
    emitted segment on: `data` starts at input offset `base`."""

    def __init__(
        self,
        stream: IO[bytes],
        source: str = "<input>",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        part: PartStart | None = None,
    ) -> None:
        self._stream = stream
        self.source = source
        self._chunk_size = chunk_size
        self.data = b""
        self.base = 0  # input offset of data[0]
        self.eof = False
        # Input offset up to which segments were emitted: bytes before it may be dropped.
        self.emitted = 0
        # Line accounting: the line number and line start at offset `counted`.
        self.counted = 0
        self.line = 1
        self.line_start = 0
        self.first_break: bytes | None = None  # the first line break counted
        if part is not None:
            self.base = self.emitted = self.counted = part.offset
            self.line, self.line_start = part.line, part.line_start

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<input>") -> InputBuffer:
        return cls(io.BytesIO(data), source, chunk_size=max(len(data), 1))

    def fill(self) -> bool:
        """Read one more chunk; False at end of input. Drops bytes already emitted."""
        if self.eof:
            return False
        # Read at least as much as is buffered so one huge token costs O(n), not O(n^2).
        pending = len(self.data) - (self.emitted - self.base)
        chunk = self._stream.read(max(self._chunk_size, pending))
        if not chunk:
            self.eof = True
            return False
        drop = self.emitted - self.base
        # One copy: the kept tail and the new chunk joined (slicing first would copy twice).
        self.data = b"".join((memoryview(self.data)[drop:], chunk))
        self.base = self.emitted
        return True

    def available(self, end: int) -> bool:
        """Make sure input offsets below `end` are buffered; False if the input is shorter."""
        while self.base + len(self.data) < end:
            if not self.fill():
                return False
        return True

    def byte(self, position: int) -> bytes:
        """The byte at `position` (b"" at end of input)."""
        if not self.available(position + 1):
            return b""
        index = position - self.base
        return self.data[index : index + 1]

    def startswith(self, prefix: bytes, position: int) -> bool:
        self.available(position + len(prefix))
        index = position - self.base
        return self.data.startswith(prefix, index)

    def find(self, needle: bytes, position: int) -> int:
        """Input offset of `needle` at or after `position`, or -1."""
        start = position
        while True:
            index = self.data.find(needle, start - self.base)
            if index >= 0:
                return index + self.base
            start = max(start, self.base + len(self.data) - len(needle) + 1)
            if not self.fill():
                return -1

    def search(
        self, pattern: re.Pattern[bytes], position: int, overlap: int
    ) -> re.Match[bytes] | None:
        """First match of a pattern of bounded length at or after `position`.

        Match offsets are relative to the buffer; use :attr:`_base` to convert.
        """
        start = position
        while True:
            match = pattern.search(self.data, start - self.base)
            if match is not None:
                return match
            start = max(start, self.base + len(self.data) - overlap)
            if not self.fill():
                return None

    def match_tag_rest(self, position: int) -> int:
        """Offset just after the '>' that ends the tag whose attributes start at `position`."""
        while True:
            match = TAG_REST_RE.match(self.data, position - self.base)
            if match is not None:
                return match.end() + self.base
            if not self.fill():
                raise self.error("truncated input: a tag is never closed with '>'", position)

    def take(self, start: int, end: int) -> bytes:
        return self.data[start - self.base : end - self.base]

    def advance_lines(self, position: int) -> None:
        """Count line breaks up to `position`, which must still be buffered."""
        if position <= self.counted:
            return
        begin, finish = self.counted - self.base, position - self.base
        breaks = self.data.count(b"\n", begin, finish)
        if breaks and self.first_break is None:
            first = self.data.find(b"\n", begin, finish)
            self.first_break = b"\r\n" if first > 0 and self.data[first - 1] == 0x0D else b"\n"
        if breaks:
            self.line += breaks
            last = self.data.rfind(b"\n", begin, finish)
            self.line_start = last + 1 + self.base
        self.counted = position

    def where(self, position: int) -> tuple[int, int]:
        """(line, column) of an input offset at or after the last counted one."""
        position = max(position, self.counted)
        position = min(position, self.base + len(self.data))
        self.advance_lines(position)
        return self.line, position - self.line_start + 1

    def error(self, reason: str, position: int) -> DxlSyntaxError:
        line, column = self.where(position)
        return DxlSyntaxError(reason, source=self.source, line=line, column=column)

    def segment(
        self,
        kind: SegmentKind,
        start: int,
        end: int,
        name: str = "",
        start_tag_end: int = 0,
        notes: int = 0,
    ) -> Segment:
        self.advance_lines(start)
        line, column = self.line, start - self.line_start + 1
        data = self.take(start, end)
        self.advance_lines(end)
        self.emitted = end
        return Segment(kind, data, start, line, column, name, start_tag_end, notes)

    def skip_space(self, position: int) -> int:
        while True:
            match = SPACE_RE.match(self.data, position - self.base)
            assert match is not None  # the pattern matches the empty string
            end = match.end() + self.base
            if end < self.base + len(self.data) or not self.fill():
                return end
            position = end

    def first_newline(self, near: int) -> bytes:
        """The file's line break, judged by its first one: before the root, else in
        the 4 KB after `near` (never by how much happens to be buffered)."""
        if self.first_break is not None:
            return self.first_break
        self.available(near + 4096)
        begin, end = self.counted - self.base, near + 4096 - self.base
        first = self.data.find(b"\n", begin, end)
        return b"\r\n" if first > 0 and self.data[first - 1] == 0x0D else b"\n"
