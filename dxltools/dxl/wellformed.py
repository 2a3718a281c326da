"""Well-formedness of an export, checked as its segments go by (expat, C speed).

The splitter (:mod:`dxltools.dxl.scan`) finds where notes begin and end; the notes
a run reads are checked by lxml when they are parsed. What a :class:`Checker`
adds is the rest: the prolog, the root's tags, the text between the root's
children, `<databaseinfo>`, `<acl>`, design elements, a design element that
is the root, and the tags of every note. Each segment is fed to one expat
parser as it goes by, so a defect anywhere but inside a note passed over
unread stops the run with a one-line error before anything is written.

Inside a note the run passes over unread only the note's tags are fed (a
stand-in: its start tag and an end tag), unless `strict`; a SKIPPED segment
(notes passed over whole, see :class:`dxltools.dxl.scan.Interest`) is fed only
when `strict`. The splitter has checked that such a segment holds whole
notes and white space only, so leaving it out leaves the rest as it was.

Nothing the document says makes expat read anything: no handler for
external entities is set, parameter entities are never parsed, and the
DOCTYPE's internal subset is checked on its own (a throw-away parser that
sees no reference to what it declares) and replaced, for the main parser, by
a DOCTYPE that declares nothing, so no entity is ever expanded. A reference
to an entity then counts as one to an undeclared entity of an external DTD
(not read, not an error), as in the DTD-less parse of a note.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple
from xml.parsers import expat

import attrs

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import Prolog, Segment, SegmentKind
from dxltools.errors import DxlSyntaxError
from dxltools.records import Record

_DOCTYPE_HEAD_RE = re.compile(rb"<!DOCTYPE\s+([^\s>\[]+)\s*(SYSTEM|PUBLIC)?")
# The XML declaration as XML 1.0 defines it (expat lets a version like '.0' through).
_S, _EQ = rb"[ \t\r\n]+", rb"[ \t\r\n]*=[ \t\r\n]*"
_XML_DECLARATION_RE = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml"
    + (_S + rb"version" + _EQ + rb"""(?:'1\.[0-9]+'|"1\.[0-9]+")""")
    + (rb"(?:" + _S + rb"encoding" + _EQ)
    + rb"""(?:'[A-Za-z][A-Za-z0-9._-]*'|"[A-Za-z][A-Za-z0-9._-]*"))?"""
    + (rb"(?:" + _S + rb"standalone" + _EQ + rb"""(?:'(?:yes|no)'|"(?:yes|no)"))?""")
    + rb"[ \t\r\n]*\?>"
)
_NATIVE = {
    "utf-8": "UTF-8",
    "iso8859-1": "ISO-8859-1",
    "latin-1": "ISO-8859-1",
    "ascii": "US-ASCII",
}
_KEPT_PIECES = 16  # expat reports an error at most a few pieces after the one that holds it
_GATHER = 1 << 16  # bytes gathered before they are fed to expat in one call
# The DOCTYPE the main parser sees: it declares nothing, and its external
# subset (never read) makes undeclared entities what they are in a note parse.
_STAND_IN_SYSTEM_ID = b"about:dxltools-not-read"


@attrs.frozen(repr=False)
class PartHead(Record):
    """What a checker of a part of a file (:mod:`dxltools.rewrite.parts`) is fed before
    the part's own bytes: the stand-in for the file's DOCTYPE and its root
    start tag, as the first part read them."""

    doctype: bytes  # b"" when the file has none
    root_start: bytes

    @classmethod
    def of(cls, segments: Iterable[Segment]) -> PartHead:
        """From the segments of the file's prolog and root start tag."""
        doctype, root_start = b"", b""
        for segment in segments:
            if segment.kind is SegmentKind.DOCTYPE:
                doctype = _stand_in_doctype(segment.data)
            elif segment.kind is SegmentKind.ROOT_START:
                root_start = segment.data
        return cls(doctype, root_start)


class _Piece(NamedTuple):
    """Bytes fed to expat: where they start in the fed stream and where in the
    input. (A named tuple: one is made per segment, and a tuple is made in C.)"""

    fed: int  # offset in everything fed so far
    data: bytes  # the bytes as in the input (for a stand-in: b"", placed at its start)
    offset: int  # input offset of data[0]
    line: int
    column: int


def _stand_in_doctype(data: bytes) -> bytes:
    """A DOCTYPE with the name of `data`'s, declaring nothing."""
    found = _DOCTYPE_HEAD_RE.match(data)
    name = found.group(1) if found else b"x"
    has_more = b"[" in data or (found is not None and found.group(2) is not None)
    if has_more:
        return b"<!DOCTYPE " + name + b' SYSTEM "' + _STAND_IN_SYSTEM_ID + b'">'
    return b"<!DOCTYPE " + name + b">"


def _new_parser(encoding: str) -> expat.XMLParserType:
    """An expat parser that reads nothing but what it is fed, with namespace
    checks, in `encoding` (expat's name) whatever the declaration says."""
    parser = expat.ParserCreate(encoding, " ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


class Checker:
    """Feeds the segments of one input (or one part of it) to expat; raises a
    :class:`DxlSyntaxError` naming the line and column of the first defect.

    Call :meth:`feed` with every segment, in order, and :meth:`finish` at the
    end; `head` for a part that starts after the root start tag, `partial`
    (at :meth:`finish`) for a part that ends before the root end tag. Small
    segments are gathered and fed together (one call into expat per 64 KB),
    so a note passed over costs a few appends: the tags of notes and the white
    space between them. Every other segment is checked before it is passed on.
    """

    def __init__(self, source: str, *, strict: bool = False, head: PartHead | None = None) -> None:
        self.source = source
        self.strict = strict
        self._head = head
        self._waiting: list[Segment] = []  # the prolog, until the encoding is known
        self._parser: expat.XMLParserType | None = None
        self._decoder: codecs.IncrementalDecoder | None = None
        self._fed = 0  # bytes fed, or gathered to be fed
        self._gathered: list[bytes] = []
        self._gathered_size = 0
        self._pieces: list[_Piece] = []  # the pieces gathered, and a few fed before them
        self._root = b""
        self._end = _Piece(0, b"", 0, 1, 1)  # where the last piece ends, for a synthetic one
        self._end_tags: dict[str, bytes] = {}

    # -- feeding -------------------------------------------------------------------------

    def feed(self, segment: Segment, prolog: Prolog | None) -> None:
        """Check one segment (the prolog's wait until the root's start is read)."""
        if self._parser is None:
            if prolog is None:
                self._waiting.append(segment)
                return
            self._start(prolog, segment)
            for waiting in self._waiting:
                self._segment(waiting)
            self._waiting.clear()
        self._segment(segment)

    def finish(self, *, partial: bool = False) -> None:
        """The end of the input (`partial`: of a part that ends before the root's end tag)."""
        if self._parser is None:
            return  # no root was read: the splitter has said why
        if partial:
            self._add(b"</" + self._root + b">", self._synthetic())
        self._flush(final=True)

    def _start(self, prolog: Prolog, first: Segment) -> None:
        native = _NATIVE.get(prolog.encoding)
        self._parser = _new_parser(native or "ISO-8859-1")
        if native is None:  # expat reads it byte by byte; Python's codec checks the bytes
            self._decoder = codecs.getincrementaldecoder(prolog.encoding)("strict")
        self._root = prolog.root_name.encode("ascii")
        if self._head is not None:
            for data in (self._head.doctype, self._head.root_start):
                self._add(data, _Piece(self._fed, b"", first.offset, first.line, first.column))

    def _segment(self, segment: Segment) -> None:
        kind = segment.kind
        if kind is SegmentKind.SKIPPED and not self.strict:
            return
        if kind is SegmentKind.NOTE and not self.strict:
            # Its tags only: the start tag, and an end tag unless it is empty.
            tags = segment.data[: segment.start_tag_end]
            if not tags.endswith(b"/>"):
                tags += self._end_tag(segment.name)
            self._add(tags, _Piece(self._fed, b"", segment.offset, segment.line, segment.column))
            return
        place = _Piece(self._fed, segment.data, segment.offset, segment.line, segment.column)
        if kind is SegmentKind.DECLARATION and not _XML_DECLARATION_RE.fullmatch(segment.data):
            raise self._located(place, 0, "a malformed XML declaration")
        if kind is SegmentKind.DOCTYPE:
            self._check_doctype(segment)
            self._add(_stand_in_doctype(segment.data), place._replace(data=b""))
            return
        if self._decoder is not None:
            try:
                self._decoder.decode(segment.data)
            except UnicodeDecodeError as error:
                raise self._located(
                    place, error.start, "bytes the declared encoding lacks"
                ) from None
        self._add(segment.data, place)
        if kind is not SegmentKind.TEXT or not segment.data.isspace():
            self._flush()  # checked before it is passed on

    def _check_doctype(self, segment: Segment) -> None:
        """The DOCTYPE as written, internal subset and all, with a parser of its
        own that sees no reference to what it declares."""
        parser = _new_parser("ISO-8859-1")
        place = _Piece(0, segment.data, segment.offset, segment.line, segment.column)
        try:
            parser.Parse(segment.data + b"<x/>", True)
        except expat.ExpatError as error:
            raise self._error(error, parser, [place]) from None

    def _end_tag(self, name: str) -> bytes:
        tag = self._end_tags.get(name)
        if tag is None:
            tag = self._end_tags[name] = b"</" + name.encode("ascii") + b">"
        return tag

    def _add(self, data: bytes, piece: _Piece) -> None:
        """Gather `data` (placed by `piece`, made at the current fed offset) to be
        fed; feed when enough is gathered."""
        self._pieces.append(piece)
        self._end = piece
        self._fed += len(data)
        self._gathered.append(data)
        self._gathered_size += len(data)
        if self._gathered_size >= _GATHER:
            self._flush()

    def _flush(self, *, final: bool = False) -> None:
        assert self._parser is not None
        if not self._gathered and not final:
            return
        data = self._gathered[0] if len(self._gathered) == 1 else b"".join(self._gathered)
        self._gathered.clear()
        self._gathered_size = 0
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError as error:
            raise self._error(error, self._parser, self._pieces) from None
        # expat may report a defect a few pieces after the one that holds it.
        del self._pieces[:-_KEPT_PIECES]

    def _synthetic(self) -> _Piece:
        last = self._end
        return _Piece(self._fed, b"", last.offset + len(last.data), last.line, last.column)

    # -- errors --------------------------------------------------------------------------

    def _error(
        self, error: expat.ExpatError, parser: expat.XMLParserType, pieces: Sequence[_Piece]
    ) -> DxlSyntaxError:
        reason = expat.errors.messages.get(error.code, "not well-formed")
        where = parser.ErrorByteIndex
        found = bisect.bisect_right(pieces, where, key=lambda piece: piece.fed) - 1
        if found < 0:
            return DxlSyntaxError(f"not well-formed: {reason}", source=self.source)
        piece = pieces[found]
        index = where - piece.fed if piece.data else 0
        # expat points at the name of a tag (after '</'): the tag starts at its '<'.
        lt = piece.data.rfind(b"<", max(0, index - 2), index + 1)
        return self._located(piece, lt if lt >= 0 else index, reason)

    def _located(self, piece: _Piece, index: int, reason: str) -> DxlSyntaxError:
        """An error at byte `index` of `piece` (its input offset is known)."""
        index = max(0, min(index, len(piece.data)))
        breaks = piece.data.count(b"\n", 0, index)
        line_start = piece.data.rfind(b"\n", 0, index)
        column = index - line_start if breaks else piece.column + index
        return DxlSyntaxError(
            f"not well-formed: {reason}",
            source=self.source,
            line=piece.line + breaks,
            column=column,
        )


def checked_segments(
    scanner: Scanner, checker: Checker, *, partial: bool = False
) -> Iterator[Segment]:
    """The scanner's segments, each fed to `checker` before it is passed on, and
    the end checked at the end (`partial`: a part that ends before the root's end tag)."""
    for segment in scanner.segments():
        checker.feed(segment, scanner.prolog)
        yield segment
    checker.finish(partial=partial)
