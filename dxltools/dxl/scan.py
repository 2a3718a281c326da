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
import enum
import io
import re
from collections.abc import Generator, Iterator
from typing import IO, NamedTuple

import attrs

from dxltools.errors import DxlSyntaxError, NotDxlError, UnsupportedInputError

DXL_NAMESPACE = "http://www.lotus.com/dxl"
NOTE_TAGS = frozenset({"document", "note"})
# The design elements of the DXL DTD (its %design.elements; entity, the same in
# domino_9_0_1.dtd and domino_10_0_1.dtd): Domino Designer exports each on its own too.
DESIGN_ELEMENTS = frozenset(
    {
        "form",
        "subform",
        "page",
        "frameset",
        "view",
        "folder",
        "sharedfield",
        "sharedactions",
        "imageresource",
        "appletresource",
        "agent",
        "webservice",
        "agentdata",
        "scriptlibrary",
        "databasescript",
        "helpusingdocument",
        "helpaboutdocument",
        "dataconnection",
        "sharedcolumn",
        "fileresource",
        "stylesheetresource",
        "outline",
        "db2accessview",
    }
)
# Every element the DTD gives the root attributes (%root.attrs;): each may be the
# root of a DXL file. Only <database> holds notes; a note is its own root; the
# others are files with no document in them.
ROOT_TAGS = (
    frozenset({"database", "acl", "profiledocument", "viewentries"}) | NOTE_TAGS | DESIGN_ELEMENTS
)
DEFAULT_CHUNK_SIZE = 1 << 20

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_NAME = rb"[A-Za-z_:][-\w.:]*"
_NAME_RE = re.compile(_NAME)
# The rest of a start tag after its name: attributes in either quote, up to '>'.
# Possessive quantifiers keep a tag without '>' from backtracking exponentially.
_TAG_REST_RE = re.compile(rb"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")
_ATTRIBUTE_RE = re.compile(rb"""(""" + _NAME + rb""")\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SPACE_RE = re.compile(rb"[ \t\r\n]*+")
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([A-Za-z][-\w.]*)["']""")
_LONGEST_MARKUP_OPENER = len(b"<![CDATA[")


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


class SegmentKind(enum.Enum):
    """What a span of the input is."""

    DECLARATION = "declaration"  # <?xml ...?>, with a UTF-8 byte-order mark before it
    COMMENT = "comment"
    PI = "pi"
    DOCTYPE = "doctype"
    TEXT = "text"  # white space (or CDATA/text) between the parts
    ROOT_START = "root-start"  # the <database ...> start tag
    ELEMENT = "element"  # a child of the root that is not a note: databaseinfo, acl, form...
    NOTE = "note"  # a <document> or <note>, or the root itself when it is one
    SKIPPED = "skipped"  # root children of no interest (see Interest), passed over whole
    ROOT_END = "root-end"
    TRAILER = "trailer"  # everything after the root: white space, comments, PIs


@attrs.frozen
class Segment:
    """One span of the input: its kind, its bytes, where it starts."""

    kind: SegmentKind
    data: bytes
    offset: int  # byte offset of data[0] in the input
    line: int  # 1-based line of data[0]
    column: int  # 1-based byte column of data[0]
    name: str = ""  # element name, for ROOT_START, ELEMENT, NOTE
    start_tag_end: int = 0  # for ELEMENT and NOTE: length of the start tag in data
    notes: int = 0  # for SKIPPED: how many notes the span holds

    @property
    def start_tag(self) -> bytes:
        return self.data[: self.start_tag_end]


@attrs.frozen
class Prolog:
    """What the scanner learnt before the first note: what edits need to know."""

    encoding: str  # Python codec name of the file's encoding
    declared_encoding: str | None
    newline: bytes  # b"\r\n" when the file's first line break is CRLF
    root_name: str
    namespace: str | None  # the root's default namespace, None when it declares none
    root_attributes: dict[str, str]


@attrs.frozen
class PartStart:
    """Where a scanner that reads a part of an input (see :mod:`dxltools.rewrite.parts`)
    begins: a boundary between the root's children, its line and line start,
    and what the first part learnt of the file."""

    offset: int
    line: int
    line_start: int  # input offset of the first byte of `line`
    prolog: Prolog


NOTE_START_RE = re.compile(rb"<(?:document|note)(?=[\s/>])")
_DOCUMENT_START_RE = re.compile(rb"<document[\s/>]")
_RAW_NOTE_START_RE = re.compile(rb"<note[\s/>]")
_NOTE_END_RE = re.compile(rb"</(?:document|note)\s*>")
# A start tag skimming may pass over, in parts: attributes other than `form`,
# each quoted, no '<' (which would end the tag for skimming, not for the walk).
_XML_SPACE = rb"[ \t\r\n]++"
_EQUALS = rb"[ \t\r\n]*+=[ \t\r\n]*+"
_OTHER_ATTRIBUTES = (
    rb"(?:"
    + _XML_SPACE
    + rb"(?!form"
    + _EQUALS
    + rb")[A-Za-z_:][-\w.:]*+"
    + _EQUALS
    + rb"""(?:'[^'<]*+'|"[^"<]*+"))*+"""
)
_NOTE_TAG_RE = re.compile(rb"<(/?)(document|note)(?=[\s/>])")
_SAFE_NAME_RE = re.compile(r"[A-Za-z0-9 _.$()/+-]+")
_TAG_OVERLAP = 64  # a tag cut by the end of a read is searched again from this far back
_STOP_LOOKAHEAD = 80  # bytes after a note's end tag that decide whether skimming stops there


@attrs.frozen
class Interest:
    """What a reader needs to see one by one; the rest of the root's children
    may be passed over in SKIPPED segments.

    `forms`: notes whose start tag names one of these forms (any case); notes
    whose start tag names no form are always of interest. `elements`: other
    children of the root by name (such as ``acl``).
    """

    forms: frozenset[str]
    elements: frozenset[str] = frozenset()

    def matcher(self) -> re.Pattern[bytes] | None:
        """Matches, at a note's or element's `<`, the start tags of interest.
        None when a name cannot be matched on bytes safely (then every child is
        walked exactly)."""
        names = self.forms | self.elements
        if not all(_SAFE_NAME_RE.fullmatch(name) for name in names):
            return None
        return re.compile(
            b"|".join([rb"<(?:document|note)" + self._note_rest(), *self._elements()])
        )

    def skimmer(self, root: str) -> re.Pattern[bytes] | None:
        """Finds, in one regex pass, where skimming must stop: a `<document>` of
        interest, any `<note>` (:meth:`matcher` decides), an element of
        interest, a comment, CDATA section or PI (`<!`, `<?`), an element named
        like the root, the root's end tag, or a note's end tag followed by
        something else than a note or the root's end tag. None when
        :meth:`matcher` is. (No capturing groups: they would double the cost of
        trying the pattern at every '<'.)"""
        if self.matcher() is None or not _NAME_RE.fullmatch(root.encode("ascii", "replace")):
            return None
        root_end = rb"/" + re.escape(root.encode("ascii")) + rb"[\s>]"
        stops = [
            rb"!",
            rb"\?",
            root_end,
            # An element named like the root: whose end tag is the root's? The walk knows.
            re.escape(root.encode("ascii")) + rb"[\s/>]",
            # A note's end tag not followed by another note or the root's end tag:
            # something else stands among the notes (see Scanner._skim).
            rb"/(?:document|note)[ \t\r\n]*+>[ \t\r\n]*+(?!<(?:(?:document|note)[\s/>]|"
            + root_end
            + rb"))",
            rb"note[\s/>]",
            rb"document" + self._note_rest(),
            *(element[1:] for element in self._elements()),
        ]
        return re.compile(rb"<(?:" + b"|".join(stops) + rb")")

    def _note_rest(self) -> bytes:
        """After `<document` or `<note`: any start tag but a plain one naming a form
        of no interest. Only a tag skimming reads exactly as the exact walk does
        (whole, every attribute quoted, one `form`, ASCII) may be passed over;
        anything else stops skimming and the exact walk decides."""
        if not self.forms:
            other_form = rb"'[^'<\x80-\xff]*'|\"[^\"<\x80-\xff]*\""
        else:
            forms = b"|".join(re.escape(form.encode("ascii")) for form in sorted(self.forms))
            other_form = (
                rb"'(?!(?i:" + forms + rb")')[^'<\x80-\xff]*'"
                rb"|\"(?!(?i:" + forms + rb")\")[^\"<\x80-\xff]*\""
            )
        plain_form = _XML_SPACE + rb"form" + _EQUALS + rb"(?:" + other_form + rb")"
        return (
            rb"(?=[\s/>])(?!"
            + _OTHER_ATTRIBUTES
            + plain_form
            + _OTHER_ATTRIBUTES
            + rb"[ \t\r\n]*/?>)"
        )

    def _elements(self) -> list[bytes]:
        return [
            rb"<" + re.escape(name.encode("ascii")) + rb"(?=[\s/>])"
            for name in sorted(self.elements)
        ]


def parse_attributes(start_tag: bytes, encoding: str = "utf-8") -> dict[str, str]:
    """Attributes of a start tag as written (entity references left as they are)."""
    found: dict[str, str] = {}
    name_end = _NAME_RE.match(start_tag, 1)
    rest = start_tag[name_end.end() if name_end else 1 :]
    for match in _ATTRIBUTE_RE.finditer(rest):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).decode("ascii", "replace")] = value.decode(encoding, "replace")
    return found


def _token_pattern(name: bytes) -> re.Pattern[bytes]:
    """Markup that matters while looking for the end of an element called `name`."""
    escaped = re.escape(name)
    return re.compile(rb"<!--|<!\[CDATA\[|<\?|<(/?)" + escaped + rb"(?=[\s/>])")


class Scanner:
    """Splits one input into segments; iterate over :meth:`segments`.

    After the ROOT_START segment (or the NOTE segment of a document root) has
    been produced, :attr:`prolog` describes the file.
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
        self._stream = stream
        self._part = part
        self._stop = stop
        self._interest = interest
        self._clear_from = self._clear_until = -1  # skimmed in vain from, up to
        self._raw_note_passed = -1  # offset of the last `<note>` skimming passed over
        self._source = source
        self._chunk_size = chunk_size
        self._buffer = b""
        self._base = 0  # input offset of _buffer[0]
        self._eof = False
        self._keep = 0  # input offset before which bytes may be dropped
        # Line accounting: the line number and line start at offset _counted.
        self._counted = 0
        self._line = 1
        self._line_start = 0
        self._first_break: bytes | None = None  # the first line break counted
        self._token_patterns: dict[bytes, re.Pattern[bytes]] = {}
        self._encoding = "utf-8"
        self._declared_encoding: str | None = None
        self.prolog: Prolog | None = None
        if part is not None:
            self._base = self._keep = self._counted = part.offset
            self._line, self._line_start = part.line, part.line_start
            self._encoding = part.prolog.encoding
            self._declared_encoding = part.prolog.declared_encoding
            self.prolog = part.prolog

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<input>") -> Scanner:
        return cls(io.BytesIO(data), source, chunk_size=max(len(data), 1))

    # -- buffer -----------------------------------------------------------------

    def _fill(self) -> bool:
        """Read one more chunk; False at end of input. Drops bytes already emitted."""
        if self._eof:
            return False
        # Read at least as much as is buffered so one huge token costs O(n), not O(n^2).
        chunk = self._stream.read(
            max(self._chunk_size, len(self._buffer) - (self._keep - self._base))
        )
        if not chunk:
            self._eof = True
            return False
        drop = self._keep - self._base
        # One copy: the kept tail and the new chunk joined (slicing first would copy twice).
        self._buffer = b"".join((memoryview(self._buffer)[drop:], chunk))
        self._base = self._keep
        return True

    def _available(self, end: int) -> bool:
        """Make sure input offsets below `end` are buffered; False if the input is shorter."""
        while self._base + len(self._buffer) < end:
            if not self._fill():
                return False
        return True

    def _byte(self, position: int) -> bytes:
        """The byte at `position` (b"" at end of input)."""
        if not self._available(position + 1):
            return b""
        index = position - self._base
        return self._buffer[index : index + 1]

    def _startswith(self, prefix: bytes, position: int) -> bool:
        self._available(position + len(prefix))
        index = position - self._base
        return self._buffer.startswith(prefix, index)

    def _find(self, needle: bytes, position: int) -> int:
        """Input offset of `needle` at or after `position`, or -1."""
        start = position
        while True:
            index = self._buffer.find(needle, start - self._base)
            if index >= 0:
                return index + self._base
            start = max(start, self._base + len(self._buffer) - len(needle) + 1)
            if not self._fill():
                return -1

    def _search(
        self, pattern: re.Pattern[bytes], position: int, overlap: int
    ) -> re.Match[bytes] | None:
        """First match of a pattern of bounded length at or after `position`.

        Match offsets are relative to the buffer; use :attr:`_base` to convert.
        """
        start = position
        while True:
            match = pattern.search(self._buffer, start - self._base)
            if match is not None:
                return match
            start = max(start, self._base + len(self._buffer) - overlap)
            if not self._fill():
                return None

    def _match_tag_rest(self, position: int) -> int:
        """Offset just after the '>' that ends the tag whose attributes start at `position`."""
        while True:
            match = _TAG_REST_RE.match(self._buffer, position - self._base)
            if match is not None:
                return match.end() + self._base
            if not self._fill():
                raise self._error("truncated input: a tag is never closed with '>'", position)

    def _take(self, start: int, end: int) -> bytes:
        return self._buffer[start - self._base : end - self._base]

    # -- positions and errors --------------------------------------------------------

    def _advance_lines(self, position: int) -> None:
        """Count line breaks up to `position`, which must still be buffered."""
        if position <= self._counted:
            return
        begin, finish = self._counted - self._base, position - self._base
        breaks = self._buffer.count(b"\n", begin, finish)
        if breaks and self._first_break is None:
            first = self._buffer.find(b"\n", begin, finish)
            self._first_break = b"\r\n" if first > 0 and self._buffer[first - 1] == 0x0D else b"\n"
        if breaks:
            self._line += breaks
            last = self._buffer.rfind(b"\n", begin, finish)
            self._line_start = last + 1 + self._base
        self._counted = position

    def _where(self, position: int) -> tuple[int, int]:
        """(line, column) of an input offset at or after the last counted one."""
        position = max(position, self._counted)
        position = min(position, self._base + len(self._buffer))
        self._advance_lines(position)
        return self._line, position - self._line_start + 1

    def _error(self, reason: str, position: int) -> DxlSyntaxError:
        line, column = self._where(position)
        return DxlSyntaxError(reason, source=self._source, line=line, column=column)

    def _segment(
        self,
        kind: SegmentKind,
        start: int,
        end: int,
        name: str = "",
        start_tag_end: int = 0,
        notes: int = 0,
    ) -> Segment:
        self._advance_lines(start)
        line, column = self._line, start - self._line_start + 1
        data = self._take(start, end)
        self._advance_lines(end)
        self._keep = end
        return Segment(kind, data, start, line, column, name, start_tag_end, notes)

    # -- the grammar ----------------------------------------------------------------

    def segments(self) -> Iterator[Segment]:
        """Every span of the input (or of the part), in order."""
        if self._part is None:
            position = yield from self._prolog()
            root_end = yield from self._root(position)
        else:
            root_end = yield from self._children(self._part.prolog.root_name, self._part.offset)
        yield from self._trailer(root_end)

    def _skip_space(self, position: int) -> int:
        while True:
            match = _SPACE_RE.match(self._buffer, position - self._base)
            assert match is not None  # the pattern matches the empty string
            end = match.end() + self._base
            if end < self._base + len(self._buffer) or not self._fill():
                return end
            position = end

    def _prolog(self) -> Generator[Segment, None, int]:
        """XML declaration, comments, PIs and the DOCTYPE, up to the root's '<'."""
        self._available(4)
        if not self._buffer:
            raise self._error("empty input: no DXL root element", 0)
        if self._buffer.startswith((*_UTF16_BOMS, b"<\x00", b"\x00<", b"\x00\x00")):
            raise UnsupportedInputError(
                "UTF-16 or UTF-32 export: re-export as UTF-8 (dxltools edits "
                "ASCII-compatible encodings only)",
                source=self._source,
                line=1,
                column=1,
            )
        position = 0
        declared: str | None = None
        if self._buffer.startswith(_UTF8_BOM):
            position = len(_UTF8_BOM)
        if self._startswith(b"<?xml", position) and self._byte(position + 5).isspace():
            end = self._find(b"?>", position)
            if end < 0:
                raise self._error("truncated input: the XML declaration is never closed", position)
            declaration = self._take(position, end + 2)
            found = _ENCODING_RE.search(declaration)
            declared = found.group(1).decode("ascii") if found else None
            yield self._segment(SegmentKind.DECLARATION, 0, end + 2)
            position = end + 2
        elif position:
            yield self._segment(SegmentKind.TEXT, 0, position)
        encoding = self._check_encoding(declared)
        if self._buffer.startswith(_UTF8_BOM) and declared is not None and encoding != "utf-8":
            raise UnsupportedInputError(
                f"a UTF-8 byte-order mark, but the XML declaration says {declared!r}: "
                "re-export the file in one encoding",
                source=self._source,
                line=1,
            )
        while True:
            after_space = self._skip_space(position)
            if after_space > position:
                yield self._segment(SegmentKind.TEXT, position, after_space)
                position = after_space
            if self._startswith(b"<!--", position):
                end = self._end_of_comment(position)
                yield self._segment(SegmentKind.COMMENT, position, end)
            elif self._startswith(b"<?", position):
                end = self._end_of_pi(position)
                yield self._segment(SegmentKind.PI, position, end)
            elif self._startswith(b"<!DOCTYPE", position):
                end = self._end_of_doctype(position)
                yield self._segment(SegmentKind.DOCTYPE, position, end)
            elif self._byte(position) == b"<" and _NAME_RE.match(self._byte(position + 1)):
                self._encoding = encoding
                self._declared_encoding = declared
                return position
            elif self._byte(position) == b"":
                raise self._error("truncated input: no root element", position)
            else:
                raise self._error("not XML: expected '<' of the DXL root element", position)
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

    def _end_of_comment(self, position: int) -> int:
        end = self._find(b"-->", position + 4)
        if end < 0:
            raise self._error("truncated input: a comment is never closed", position)
        return end + 3

    def _end_of_pi(self, position: int) -> int:
        end = self._find(b"?>", position + 2)
        if end < 0:
            raise self._error("truncated input: a processing instruction is never closed", position)
        return end + 2

    def _end_of_cdata(self, position: int) -> int:
        end = self._find(b"]]>", position + 9)
        if end < 0:
            raise self._error("truncated input: a CDATA section is never closed", position)
        return end + 3

    def _misc_markup(self, position: int) -> tuple[SegmentKind, int] | None:
        """A comment, CDATA section or PI at `position`: its kind and end; else None."""
        if self._startswith(b"<!--", position):
            return SegmentKind.COMMENT, self._end_of_comment(position)
        if self._startswith(b"<![CDATA[", position):
            return SegmentKind.TEXT, self._end_of_cdata(position)
        if self._startswith(b"<?", position):
            return SegmentKind.PI, self._end_of_pi(position)
        return None

    _DOCTYPE_TOKEN = re.compile(rb"""<!--|[\[\]>"']""")

    def _end_of_doctype(self, position: int) -> int:
        """End of the DOCTYPE: quotes, comments and the internal subset skipped."""
        cursor = position + len(b"<!DOCTYPE")
        in_subset = False
        while True:
            match = self._search(self._DOCTYPE_TOKEN, cursor, 4)
            if match is None:
                raise self._error("truncated input: the DOCTYPE is never closed", position)
            token = match.group()
            at = match.start() + self._base
            if token == b"<!--":
                cursor = self._end_of_comment(at)
            elif token in (b"'", b'"'):
                close = self._find(token, at + 1)
                if close < 0:
                    raise self._error("truncated input: a quoted DOCTYPE value never ends", at)
                cursor = close + 1
            elif token == b"[":
                in_subset, cursor = True, at + 1
            elif token == b"]":
                in_subset, cursor = False, at + 1
            elif in_subset:  # a '>' that ends a declaration inside the subset
                cursor = at + 1
            else:
                return at + 1

    def _name_at(self, position: int) -> re.Match[bytes] | None:
        """The whole tag name at `position`, even when a read ends inside it."""
        self._available(position + 256)
        name_match = _NAME_RE.match(self._buffer, position - self._base)
        while name_match is not None and name_match.end() == len(self._buffer) and self._fill():
            name_match = _NAME_RE.match(self._buffer, position - self._base)
        return name_match

    def _start_tag(self, position: int) -> tuple[str, int, bool]:
        """Name, end offset and self-closing flag of the start tag at `position`."""
        name_match = self._name_at(position + 1)
        if name_match is None:
            raise self._error("not well-formed: '<' not followed by a tag name", position)
        name = name_match.group().decode("ascii", "replace")
        end = self._match_tag_rest(name_match.end() + self._base)
        return name, end, self._take(end - 2, end) == b"/>"

    def _end_of_element(self, position: int, name: str, tag_end: int) -> int:
        """Offset after the end tag of the element whose start tag spans position..tag_end."""
        raw_name = name.encode("ascii")
        pattern = self._token_patterns.get(raw_name)
        if pattern is None:
            pattern = self._token_patterns[raw_name] = _token_pattern(raw_name)
        overlap = max(_LONGEST_MARKUP_OPENER, len(raw_name) + 3)
        depth, cursor = 1, tag_end
        while True:
            match = self._search(pattern, cursor, overlap)
            if match is None:
                raise self._error(
                    f"truncated input: <{name}> opened here is never closed", position
                )
            at = match.start() + self._base
            opener = match.group()
            if opener == b"<!--":
                cursor = self._end_of_comment(at)
            elif opener == b"<![CDATA[":
                cursor = self._end_of_cdata(at)
            elif opener == b"<?":
                cursor = self._end_of_pi(at)
            elif match.group(1):  # </name
                close = self._skip_space(match.end() + self._base)
                if self._byte(close) != b">":
                    raise self._error(f"not well-formed: bad end tag </{name}", at)
                depth -= 1
                cursor = close + 1
                if depth == 0:
                    return cursor
            else:  # a nested element of the same name
                _, cursor, empty = self._start_tag(at)
                depth += 0 if empty else 1

    def _root(self, position: int) -> Generator[Segment, None, int]:
        name, tag_end, empty = self._start_tag(position)
        start_tag = self._take(position, tag_end)
        attributes = parse_attributes(start_tag, self._encoding)
        self._check_root(name, attributes, position)
        self.prolog = Prolog(
            encoding=self._encoding,
            declared_encoding=self._declared_encoding,
            newline=self._first_newline(tag_end),
            root_name=name,
            namespace=attributes.get("xmlns"),
            root_attributes=attributes,
        )
        if name in NOTE_TAGS:
            end = tag_end if empty else self._end_of_element(position, name, tag_end)
            yield self._segment(SegmentKind.NOTE, position, end, name, tag_end - position)
            return end
        if name != "database":  # a design element, the ACL...: one element, no note
            end = tag_end if empty else self._end_of_element(position, name, tag_end)
            yield self._segment(SegmentKind.ELEMENT, position, end, name, tag_end - position)
            return end
        yield self._segment(SegmentKind.ROOT_START, position, tag_end, name, tag_end - position)
        if empty:
            return tag_end
        return (yield from self._children(name, tag_end))

    def _first_newline(self, near: int) -> bytes:
        """The file's line break, judged by its first one: before the root, else in
        the 4 KB after `near` (never by how much happens to be buffered)."""
        if self._first_break is not None:
            return self._first_break
        self._available(near + 4096)
        begin, end = self._counted - self._base, near + 4096 - self._base
        first = self._buffer.find(b"\n", begin, end)
        return b"\r\n" if first > 0 and self._buffer[first - 1] == 0x0D else b"\n"

    def _check_root(self, name: str, attributes: dict[str, str], position: int) -> None:
        namespace = attributes.get("xmlns")
        if name not in ROOT_TAGS or namespace not in (None, DXL_NAMESPACE):
            line, column = self._where(position)
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
        wanted = skimmer = None
        if self._interest is not None:
            wanted, skimmer = self._interest.matcher(), self._interest.skimmer(root)
        exact_until = position  # walk child by child below this offset
        while True:
            if position == self._stop:
                return position  # the end of a part
            if (
                wanted is not None
                and skimmer is not None
                and position >= exact_until
                and self._note_follows(position)  # only notes are passed over unread
            ):
                position, hit, at = yield from self._skim(skimmer, wanted, position)
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

    def _note_follows(self, position: int) -> bool:
        """Whether the next child of the root after `position` is a note."""
        start = self._skip_space(position)
        self._available(start + 16)
        return NOTE_START_RE.match(self._buffer, start - self._base) is not None

    def _child(self, root: str, position: int) -> Generator[Segment, None, tuple[int, bool]]:
        """The next child of the root at or after `position` (or its end tag)."""
        lt = self._find(b"<", position)
        if lt < 0 and self._stop is not None and self._base + len(self._buffer) == self._stop:
            yield self._segment(SegmentKind.TEXT, position, self._stop)  # up to the next part
            return self._stop, False
        if lt < 0:
            raise self._error(
                f"truncated input: the root element <{root}> is never closed",
                self._base + len(self._buffer),
            )
        if lt > position:
            yield self._segment(SegmentKind.TEXT, position, lt)
        misc = self._misc_markup(lt)
        if misc is not None:
            kind, end = misc
            yield self._segment(kind, lt, end)
            return end, False
        if self._startswith(b"</", lt):
            name_match = self._name_at(lt + 2)
            closing = name_match.group().decode("ascii", "replace") if name_match else ""
            if closing != root:
                raise self._error(
                    f"unbalanced tags: </{closing}> closes the root element <{root}>", lt
                )
            close = self._skip_space(lt + 2 + len(closing))
            if self._byte(close) != b">":
                raise self._error(f"not well-formed: bad end tag </{root}", lt)
            yield self._segment(SegmentKind.ROOT_END, lt, close + 1, root)
            return close + 1, True
        name, tag_end, empty = self._start_tag(lt)
        end = tag_end if empty else self._end_of_element(lt, name, tag_end)
        kind = SegmentKind.NOTE if name in NOTE_TAGS else SegmentKind.ELEMENT
        yield self._segment(kind, lt, end, name, tag_end - lt)
        return end, False

    # -- skimming: passing over children of no interest at bytes.find speed ------------
    #
    # Outside comments, CDATA and PIs, `<document` and `<note` (followed by a
    # space, '/' or '>') only ever start a note, a child of the root: text and
    # attribute values cannot hold '<'. So up to the next `<!`, `<?` or root end
    # tag, every such tag is a boundary between children, and the children
    # before a note of interest can be passed over unread. Only notes are: a
    # skim starts at a note, stops at a note's end tag followed by anything
    # but another note (or the root's end), and a SKIPPED segment must hold as
    # many note end tags as note start tags (else _whole_notes reads each tag,
    # and a span that is not whole notes is walked exactly). So everything
    # outside the notes passed over is walked exactly, and
    # dxltools.dxl.wellformed can check it.

    def _skim(
        self, skimmer: re.Pattern[bytes], wanted: re.Pattern[bytes], position: int
    ) -> Generator[Segment, None, tuple[int, str, int]]:
        """Pass over children of no interest from `position` (a boundary between
        children); returns the boundary reached, the kind of the next hit
        ("wanted", "markup", "end", "nested", or "stop" at the end of a part's
        stream) and where it is. One regex pass finds every hit; no Python code
        runs per note passed over."""
        while True:
            searched = position
            if self._clear_from == position:
                # Bytes already searched in vain (a large note read in several fills).
                searched = max(position, self._clear_until)
            hit, kind = self._next_hit(skimmer, wanted, searched - self._base)
            resume = -1
            if kind == "later":  # a stop that the next read decides: search it again,
                resume, kind = hit + self._base, ""  # and pass over nothing after it
            at = (hit if hit >= 0 else len(self._buffer)) + self._base
            if kind == "cut":
                # A start tag cut by the end of the read: decide once it is whole,
                # so that what is passed over never depends on where reads end.
                boundary = self._last_note_start(position, searched, at)
                if boundary > position:
                    if not self._whole_notes(position, boundary):
                        return position, "nested", position  # walk exactly
                    yield self._skipped(position, boundary)
                    position = boundary
                self._clear_from, self._clear_until = position, at
                self._fill()  # at the end of the input the tag counts as whole
                continue
            if kind == "wanted" and self._inside_a_note(position, searched, at):
                return position, "nested", at  # not a child of the root: walk exactly
            if kind in ("wanted", "end"):
                boundary = at
            else:
                boundary = self._last_note_start(position, searched, at)
            if boundary > position:
                if not self._whole_notes(position, boundary):
                    return position, "nested", position  # walk exactly
                yield self._skipped(position, boundary)
                position = boundary
            if kind:
                return position, kind, at
            # Nothing up to the end of the buffer. A tag cut by the end of the read
            # starts at its last '<' (text and attributes hold no '<'): search again
            # from there once more is read.
            last_lt = self._buffer.rfind(b"<", searched - self._base)
            self._clear_from = position
            self._clear_until = max(position, last_lt + self._base if last_lt >= 0 else at)
            if resume >= 0:
                self._clear_until = max(position, resume)
            if not self._fill():
                if resume >= 0:
                    continue  # the end of the input decides that stop
                if self._stop is not None:
                    return position, "stop", self._stop
                raise self._error("truncated input: the root element is never closed", position)

    def _next_hit(
        self, skimmer: re.Pattern[bytes], wanted: re.Pattern[bytes], index: int
    ) -> tuple[int, str]:
        """Buffer index and kind of the first place from `index` where skimming
        must stop, or (-1, ""); kind "cut" for a start tag that the end of the
        buffer cuts (what the skimmer and `wanted` say of it may change)."""
        while True:
            match = skimmer.search(self._buffer, index)
            if match is None:
                return -1, ""
            at = match.start()
            second = self._buffer[at + 1]
            if second in b"!?":
                return at, "markup"
            if second == ord("/"):
                if not _NOTE_END_RE.match(self._buffer, at):
                    return at, "end"
                # What follows the note's end tag may be cut by the end of the read.
                if match.end() + _STOP_LOOKAHEAD >= len(self._buffer) and not self._eof:
                    return at, "later"
                return at, "other"
            name = _NAME_RE.match(self._buffer, at + 1)
            if not self._eof and name and not _TAG_REST_RE.match(self._buffer, name.end()):
                return at, "cut"
            if _RAW_NOTE_START_RE.match(self._buffer, at) and not wanted.match(self._buffer, at):
                self._raw_note_passed = at + self._base
                index = at + 1
                continue
            return at, "wanted"

    def _inside_a_note(self, position: int, searched: int, at: int) -> bool:
        """Whether the tag at `at` stands inside the note that starts before it, as a
        `<document>` copied into another note would (well-formed, but no DXL)."""
        start = self._last_note_start(position, searched, at)
        if not NOTE_START_RE.match(self._buffer, start - self._base):
            return False
        return _NOTE_END_RE.search(self._buffer, start - self._base, at - self._base) is None

    def _last_note_start(self, position: int, searched: int, limit: int) -> int:
        """The last note start tag after `position` and before `limit`, else
        `position`; none starts between `position` and `searched`."""
        begin = max(position + 1, searched - _TAG_OVERLAP) - self._base
        end = limit - self._base
        size = 4096  # notes are a few KB: look near `limit` first
        window = max(begin, end - size)
        while True:
            last = -1
            for match in NOTE_START_RE.finditer(self._buffer, window, end):
                last = match.start()
            if last >= 0:
                return last + self._base
            if window == begin:
                return position
            size *= 2
            window = max(begin, end - size)

    def _skipped(self, start: int, end: int) -> Segment:
        begin, finish = start - self._base, end - self._base
        notes = len(_DOCUMENT_START_RE.findall(self._buffer, begin, finish))
        if self._raw_note_passed >= start:
            notes += len(_RAW_NOTE_START_RE.findall(self._buffer, begin, finish))
        return self._segment(SegmentKind.SKIPPED, start, end, notes=notes)

    def _whole_notes(self, start: int, end: int) -> bool:
        """Whether the span to be passed over holds whole notes only, one after
        the other, with white space between them: each note closed before the
        next opens. Else the exact walk takes the span, and says what is wrong
        with it if anything is (a note inside a note is well-formed, if no DXL).
        (The span is buffered whole: nothing here reads more.)"""
        buffer, begin, finish = self._buffer, start - self._base, end - self._base
        starts = len(_DOCUMENT_START_RE.findall(buffer, begin, finish))
        ends = buffer.count(b"</document>", begin, finish)
        if self._raw_note_passed >= start:
            starts += len(_RAW_NOTE_START_RE.findall(buffer, begin, finish))
            ends += buffer.count(b"</note>", begin, finish)
        if starts == ends:  # the common case, in C: no note open, none self-closing
            return True
        open_name, after = b"", begin  # the open note; where the last one ended
        for tag in _NOTE_TAG_RE.finditer(buffer, begin, finish):
            at, name = tag.start(), tag.group(2)
            if tag.group(1):  # an end tag
                closed = _NOTE_END_RE.match(buffer, at, finish)
                if name != open_name or closed is None:
                    return False
                open_name, after = b"", closed.end()
                continue
            if open_name or buffer[after:at].strip(b" \t\r\n"):
                return False  # a note inside a note, or text among the notes
            rest = _TAG_REST_RE.match(buffer, tag.end(), finish)
            if rest is None:
                return False
            if buffer.endswith(b"/>", 0, rest.end()):
                after = rest.end()
            else:
                open_name = name
        return not open_name and not buffer[after:finish].strip(b" \t\r\n")

    def layout(self, position: int) -> ElementLayout:
        """Start tag, children and end tag of the element starting at `position`."""
        parent, start_tag_end, empty = self._start_tag(position)
        if empty:
            return ElementLayout(start_tag_end, start_tag_end, ())
        children: list[ChildSpan] = []
        cursor = start_tag_end
        while True:
            lt = self._find(b"<", cursor)
            if lt < 0:
                raise self._error(f"truncated input: <{parent}> is never closed", position)
            misc = self._misc_markup(lt)
            if misc is not None:
                cursor = misc[1]
            elif self._startswith(b"</", lt):
                return ElementLayout(start_tag_end, lt, tuple(children))
            else:
                name, tag_end, child_empty = self._start_tag(lt)
                cursor = tag_end if child_empty else self._end_of_element(lt, name, tag_end)
                children.append(ChildSpan(name, lt, cursor, tag_end))

    def _trailer(self, position: int) -> Iterator[Segment]:
        """After the root: only white space, comments and PIs are allowed."""
        cursor = position
        while True:
            cursor = self._skip_space(cursor)
            if self._startswith(b"<!--", cursor):
                cursor = self._end_of_comment(cursor)
            elif self._startswith(b"<?", cursor):
                cursor = self._end_of_pi(cursor)
            elif self._byte(cursor) == b"":
                break
            else:
                raise self._error("not well-formed: content after the root element", cursor)
        if cursor > position:
            yield self._segment(SegmentKind.TRAILER, position, cursor)


class ChildSpan(NamedTuple):
    """A direct child element of an element held in memory: its name and byte span.
    (A named tuple: a note's layout makes one per item, and a tuple is made in C.)"""

    name: str
    start: int
    end: int
    start_tag_end: int


@attrs.frozen
class ElementLayout:
    """Where the parts of an element held in memory are: start tag, children, end tag."""

    start_tag_end: int
    end_tag_start: int  # equals start_tag_end for an empty element (<x/>)
    children: tuple[ChildSpan, ...]


def element_layout(data: bytes, source: str = "<input>") -> ElementLayout:
    """The layout of the element whose start tag begins `data`.

    Text, comments, CDATA and PIs between the children are skipped.
    """
    return _quick_layout(data) or Scanner.from_bytes(data, source).layout(0)


# White space, then a child element, whole: its start tag (attributes in either
# quote, '/' only as in '/>') and, unless empty, everything up to the first end
# tag of its name (text runs taken in one step, no backtracking).
_CHILD_RE = re.compile(
    rb"[ \t\r\n]*+<(" + _NAME + rb""")(?:[^>"'/]++|"[^"]*+"|'[^']*+'|/(?!>))*+"""
    rb"""(/>|>(?:[^<]++|<(?!/\1[\s>]))*+</\1[ \t\r\n]*+>)"""
)
_CHILD_NAMES: dict[bytes, str] = {}


def _quick_layout(data: bytes) -> ElementLayout | None:
    """The layout found by one regex match per child, for the usual element: no
    comment, CDATA or PI inside, and children that follow one another with only
    white space between them (which also rules out a child holding an element
    of its own name). None otherwise: the exact walk decides."""
    if b"<!" in data or b"<?" in data:
        return None
    name = _NAME_RE.match(data, 1)
    tag = _TAG_REST_RE.match(data, name.end()) if name else None
    if tag is None:
        return None
    start_tag_end = tag.end()
    if data.endswith(b"/>", 0, start_tag_end):
        return ElementLayout(start_tag_end, start_tag_end, ())
    end_tag_start = data.rfind(b"</")
    children: list[ChildSpan] = []
    cursor = start_tag_end
    match_child = _CHILD_RE.match
    while (match := match_child(data, cursor, end_tag_start)) is not None:
        raw_name = match.group(1)
        child_name = _CHILD_NAMES.get(raw_name)
        if child_name is None:
            child_name = raw_name.decode("ascii")
            if len(_CHILD_NAMES) < 4096:
                _CHILD_NAMES[raw_name] = child_name
        tag_close = match.start(2)  # the '/>' or '>' that ends the child's start tag
        after_tag = tag_close + (2 if data[tag_close] == 0x2F else 1)
        children.append(ChildSpan(child_name, match.start(1) - 1, match.end(), after_tag))
        cursor = match.end()
    if data[cursor:end_tag_start].strip():
        return None
    return ElementLayout(start_tag_end, end_tag_start, tuple(children))


def scan_bytes(data: bytes, source: str = "<input>") -> list[Segment]:
    """All segments of an in-memory input."""
    return list(Scanner.from_bytes(data, source).segments())
