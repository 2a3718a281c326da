"""Split a DXL export into byte spans: prolog parts, root tags, notes, trailer.

The scanner reads the input in chunks and keeps in memory only the span it is
working on (one top-level element at most), so memory does not grow with the
file. It knows nothing about items: it finds where each top-level element and
each note (``<document>`` or ``<note>``) starts and ends, skipping comments,
CDATA sections, processing instructions and the DOCTYPE's internal subset, and
it checks the nesting of the elements it walks through.

Every byte of the input belongs to exactly one segment, in order, so writing
the ``data`` of every segment gives back the input exactly.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Generator, Iterator
from typing import IO

from dxltools.dxl.buffer import DEFAULT_CHUNK_SIZE, InputBuffer
from dxltools.dxl.markup import (
    end_of_comment,
    end_of_doctype,
    end_of_element,
    end_of_pi,
    misc_markup,
    name_at,
    start_tag,
)
from dxltools.dxl.segments import (
    DXL_NAMESPACE,
    NOTE_TAGS,
    ROOT_TAGS,
    PartStart,
    Prolog,
    Segment,
    SegmentKind,
)
from dxltools.dxl.skim import Interest, Skimmer
from dxltools.dxl.tokens import NAME_RE, NOTE_START_RE, parse_attributes
from dxltools.errors import NotDxlError, UnsupportedInputError

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([A-Za-z][-\w.]*)["']""")
_WRITTEN_NAME_RE = re.compile(rb"[^\s/>]+")  # a tag name as written, up to what ends it

# Stateful encodings: their multi-byte runs may hold '<', '>' and quotes.
_STATEFUL = ("iso2022", "iso-2022", "hz", "utf-7", "utf_7")
_MARKUP = "<>/?!='\"-[] \t\r\n"


def _splittable(codec: codecs.CodecInfo) -> bool:
    """Whether a byte splitter can read this encoding: markup characters are
    their ASCII bytes and no byte sequence changes the meaning of the next."""
    if codec.name.startswith(("utf-16", "utf-32")) or codec.name.startswith(_STATEFUL):
        return False
    try:
        return codec.encode(_MARKUP)[0] == _MARKUP.encode("ascii")
    except UnicodeError:
        return False


class Scanner:
    """Splits one input into segments; iterate over :meth:`segments`.

    After the ROOT_START segment (or the NOTE segment of a document root) has
    been produced, :attr:`prolog` describes the file. The bytes are read by an
    :class:`~dxltools.dxl.buffer.InputBuffer`, markup by
    :mod:`dxltools.dxl.markup`, and notes of no interest passed over by a
    :class:`~dxltools.dxl.skim.Skimmer`: this class is the grammar.
    """

    def __init__(
        self,
        stream: IO[bytes],
        source: str = "<input>",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        interest: Interest | None = None,
        *,
        part: PartStart | None = None,
        stop: int | None = None,
    ) -> None:
        """`part`: the stream is positioned at this boundary of a part of a file
        (prolog and root start tag were read by another scanner); `stop`: the
        stream ends at this input offset, which must be a boundary between the
        root's children (the part ends there, without the root's end tag)."""
        self._input = InputBuffer(stream, source, chunk_size, part)
        self._source = source
        self._part = part
        self._stop = stop
        self._interest = interest
        self._encoding = "utf-8"
        self._declared_encoding: str | None = None
        self.prolog: Prolog | None = None
        if part is not None:
            self._encoding = part.prolog.encoding
            self._declared_encoding = part.prolog.declared_encoding
            self.prolog = part.prolog

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<input>") -> Scanner:
        return cls(io.BytesIO(data), source, chunk_size=max(len(data), 1))

    # -- the grammar ----------------------------------------------------------------

    def segments(self) -> Iterator[Segment]:
        """Every span of the input (or of the part), in order."""
        if self._part is None:
            position = yield from self._prolog()
            root_end = yield from self._root(position)
        else:
            root_end = yield from self._children(self._part.prolog.root_name, self._part.offset)
        yield from self._trailer(root_end)

    def _prolog(self) -> Generator[Segment, None, int]:
        """XML declaration, comments, PIs and the DOCTYPE, up to the root's '<'."""
        self._input.available(4)
        if not self._input.data:
            raise self._input.error("empty input: no DXL root element", 0)
        if self._input.data.startswith((*_UTF16_BOMS, b"<\x00", b"\x00<", b"\x00\x00")):
            raise UnsupportedInputError(
                "UTF-16 or UTF-32 export: re-export as UTF-8 (dxltools edits "
                "ASCII-compatible encodings only)",
                source=self._source,
                line=1,
                column=1,
            )
        position = 0
        declared: str | None = None
        if self._input.data.startswith(_UTF8_BOM):
            position = len(_UTF8_BOM)
        if self._input.startswith(b"<?xml", position) and self._input.byte(position + 5).isspace():
            end = self._input.find(b"?>", position)
            if end < 0:
                raise self._input.error(
                    "truncated input: the XML declaration is never closed", position
                )
            declaration = self._input.take(position, end + 2)
            found = _ENCODING_RE.search(declaration)
            declared = found.group(1).decode("ascii") if found else None
            yield self._input.segment(SegmentKind.DECLARATION, 0, end + 2)
            position = end + 2
        elif position:
            yield self._input.segment(SegmentKind.TEXT, 0, position)
        encoding = self._check_encoding(declared)
        if self._input.data.startswith(_UTF8_BOM) and declared is not None and encoding != "utf-8":
            raise UnsupportedInputError(
                f"a UTF-8 byte-order mark, but the XML declaration says {declared!r}: "
                "re-export the file in one encoding",
                source=self._source,
                line=1,
            )
        while True:
            after_space = self._input.skip_space(position)
            if after_space > position:
                yield self._input.segment(SegmentKind.TEXT, position, after_space)
                position = after_space
            if self._input.startswith(b"<!--", position):
                end = end_of_comment(self._input, position)
                yield self._input.segment(SegmentKind.COMMENT, position, end)
            elif self._input.startswith(b"<?", position):
                end = end_of_pi(self._input, position)
                yield self._input.segment(SegmentKind.PI, position, end)
            elif self._input.startswith(b"<!DOCTYPE", position):
                end = end_of_doctype(self._input, position)
                yield self._input.segment(SegmentKind.DOCTYPE, position, end)
            elif self._input.byte(position) == b"<" and NAME_RE.match(
                self._input.byte(position + 1)
            ):
                self._encoding = encoding
                self._declared_encoding = declared
                return position
            elif self._input.byte(position) == b"":
                raise self._input.error("truncated input: no root element", position)
            else:
                raise self._input.error("not XML: expected '<' of the DXL root element", position)
            position = end

    def _check_encoding(self, declared: str | None) -> str:
        name = declared or "utf-8"
        try:
            codec = codecs.lookup(name)
        except LookupError:
            raise UnsupportedInputError(
                f"unknown encoding {name!r} in the XML declaration", source=self._source, line=1
            ) from None
        if not _splittable(codec):
            raise UnsupportedInputError(
                f"encoding {name!r} is not ASCII-compatible: re-export as UTF-8",
                source=self._source,
                line=1,
            )
        return codec.name

    def _root(self, position: int) -> Generator[Segment, None, int]:
        name, tag_end, empty = start_tag(self._input, position)
        root_tag = self._input.take(position, tag_end)
        attributes = parse_attributes(root_tag, self._encoding)
        self._check_root(name, attributes, position, root_tag)
        self.prolog = Prolog(
            encoding=self._encoding,
            declared_encoding=self._declared_encoding,
            newline=self._input.first_newline(tag_end),
            root_name=name,
            namespace=attributes.get("xmlns"),
            root_attributes=attributes,
        )
        if name in NOTE_TAGS:
            end = tag_end if empty else end_of_element(self._input, position, name, tag_end)
            yield self._input.segment(SegmentKind.NOTE, position, end, name, tag_end - position)
            return end
        if name != "database":  # a design element, the ACL...: one element, no note
            end = tag_end if empty else end_of_element(self._input, position, name, tag_end)
            yield self._input.segment(SegmentKind.ELEMENT, position, end, name, tag_end - position)
            return end
        yield self._input.segment(
            SegmentKind.ROOT_START, position, tag_end, name, tag_end - position
        )
        if empty:
            return tag_end
        return (yield from self._children(name, tag_end))

    def _check_root(self, name: str, attributes: dict[str, str], position: int, tag: bytes) -> None:
        namespace = attributes.get("xmlns")
        if name not in ROOT_TAGS or namespace not in (None, DXL_NAMESPACE):
            line, column = self._input.where(position)
            # The name as written: the ASCII names of markup stop at a letter like 'ä'.
            written_name = _WRITTEN_NAME_RE.match(tag, 1)
            if written_name is not None:
                name = written_name.group().decode(self._encoding, "replace")
            what = f"<{name}>" + (f" in namespace {namespace!r}" if namespace else "")
            raise NotDxlError(
                f"not a DXL export: root element is {what}, expected a root of the DXL "
                f"DTD (<database>, <document>, <note>, a design element...) in namespace "
                f"{DXL_NAMESPACE!r}",
                source=self._source,
                line=line,
                column=column,
            )

    def _children(self, root: str, position: int) -> Generator[Segment, None, int]:
        """The root's children, up to and including its end tag."""
        skimmer = self._skimmer(root)
        exact_until = position  # walk child by child below this offset
        while True:
            if position == self._stop:
                return position  # the end of a part
            if (
                skimmer is not None
                and position >= exact_until
                and self._note_follows(position)  # only notes are passed over unread
            ):
                position, hit, at = yield from skimmer.skim(position)
                if hit in ("markup", "nested", "other"):
                    # A comment, CDATA section or PI (its inside may hold anything;
                    # and the `<!` or `<?` may stand inside a tag, as the exact walk
                    # reads it), a tag inside a note, or something else than a note
                    # among the notes: the exact walk takes over until past it.
                    exact_until = at + 1
                elif hit == "stop":  # the last children of a part: walked exactly
                    exact_until = at
                    continue
            end, closed = yield from self._child(root, position)
            if closed:
                return end
            position = end

    def _skimmer(self, root: str) -> Skimmer | None:
        """A skimmer for the children of `root`, when a reader said what it needs."""
        if self._interest is None:
            return None
        wanted, stops = self._interest.matcher(), self._interest.skimmer(root)
        if wanted is None or stops is None:
            return None
        return Skimmer(self._input, wanted, stops, self._stop)

    def _note_follows(self, position: int) -> bool:
        """Whether the next child of the root after `position` is a note."""
        start = self._input.skip_space(position)
        self._input.available(start + 16)
        return NOTE_START_RE.match(self._input.data, start - self._input.base) is not None

    def _child(self, root: str, position: int) -> Generator[Segment, None, tuple[int, bool]]:
        """The next child of the root at or after `position` (or its end tag)."""
        lt = self._input.find(b"<", position)
        if (
            lt < 0
            and self._stop is not None
            and self._input.base + len(self._input.data) == self._stop
        ):
            yield self._input.segment(SegmentKind.TEXT, position, self._stop)  # up to the next part
            return self._stop, False
        if lt < 0:
            raise self._input.error(
                f"truncated input: the root element <{root}> is never closed",
                self._input.base + len(self._input.data),
            )
        if lt > position:
            yield self._input.segment(SegmentKind.TEXT, position, lt)
        misc = misc_markup(self._input, lt)
        if misc is not None:
            kind, end = misc
            yield self._input.segment(kind, lt, end)
            return end, False
        if self._input.startswith(b"</", lt):
            name_match = name_at(self._input, lt + 2)
            closing = name_match.group().decode("ascii", "replace") if name_match else ""
            if closing != root:
                raise self._input.error(
                    f"unbalanced tags: </{closing}> closes the root element <{root}>", lt
                )
            close = self._input.skip_space(lt + 2 + len(closing))
            if self._input.byte(close) != b">":
                raise self._input.error(f"not well-formed: bad end tag </{root}", lt)
            yield self._input.segment(SegmentKind.ROOT_END, lt, close + 1, root)
            return close + 1, True
        name, tag_end, empty = start_tag(self._input, lt)
        end = tag_end if empty else end_of_element(self._input, lt, name, tag_end)
        kind = SegmentKind.NOTE if name in NOTE_TAGS else SegmentKind.ELEMENT
        yield self._input.segment(kind, lt, end, name, tag_end - lt)
        return end, False

    def _trailer(self, position: int) -> Iterator[Segment]:
        """After the root: only white space, comments and PIs are allowed."""
        cursor = position
        while True:
            cursor = self._input.skip_space(cursor)
            if self._input.startswith(b"<!--", cursor):
                cursor = end_of_comment(self._input, cursor)
            elif self._input.startswith(b"<?", cursor):
                cursor = end_of_pi(self._input, cursor)
            elif self._input.byte(cursor) == b"":
                break
            else:
                raise self._input.error("not well-formed: content after the root element", cursor)
        if cursor > position:
            yield self._input.segment(SegmentKind.TRAILER, position, cursor)


def scan_bytes(data: bytes, source: str = "<input>") -> list[Segment]:
    """All segments of an in-memory input."""
    return list(Scanner.from_bytes(data, source).segments())
