"""Passing over the notes no reader needs at bytes.find speed: what a reader
needs (:class:`Interest`) and the :class:`Skimmer` that finds, in one regex
pass, where the exact walk must take over again."""

from __future__ import annotations

import functools
import re
from collections.abc import Generator, Iterator

import attrs

from dxltools.dxl.buffer import InputBuffer
from dxltools.dxl.segments import Segment, SegmentKind
from dxltools.dxl.tokens import (
    DOCUMENT_START_RE,
    NAME_RE,
    NOTE_END_RE,
    NOTE_START_RE,
    RAW_NOTE_START_RE,
    TAG_REST_RE,
)
from dxltools.records import Record

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


@attrs.frozen(repr=False)
class Interest(Record):
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
        if self.matcher() is None or not NAME_RE.fullmatch(root.encode("ascii", "replace")):
            return None
        root_end = rb"/" + re.escape(root.encode("ascii")) + rb"[\s>]"
        stops = [
            rb"!",
            rb"\?",
            root_end,
            # An element named like the root: whose end tag is the root's? The walk knows.
            re.escape(root.encode("ascii")) + rb"[\s/>]",
            # A note's end tag not followed by another note or the root's end tag:
            # something else stands among the notes (see Skimmer.skim).
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


# -- skimming: passing over children of no interest at bytes.find speed -----------------
#
# Outside comments, CDATA and PIs, `<document` and `<note` (followed by a
# space, '/' or '>') only ever start a note, a child of the root: text and
# attribute values cannot hold '<'. So up to the next `<!`, `<?` or root end
# tag, every such tag is a boundary between children, and the children
# before a note of interest can be passed over unread. Only notes are: a
# skim starts at a note, stops at a note's end tag followed by anything
# but another note (or the root's end), and a SKIPPED segment must hold as
# many note end tags as note start tags (else _notes_if_whole reads each tag,
# and a span that is not whole notes is walked exactly). So everything
# outside the notes passed over is walked exactly, and
# dxltools.dxl.wellformed can check it.


class Skimmer:
    """Passes over the notes of no interest among the root's children, in
    SKIPPED segments; :meth:`skim` says why it stopped."""

    def __init__(
        self,
        buffer: InputBuffer,
        wanted: re.Pattern[bytes],
        stops: re.Pattern[bytes],
        stop: int | None = None,
    ) -> None:
        """`wanted` and `stops`: :meth:`Interest.matcher` and :meth:`Interest.skimmer`;
        `stop`: where the part being read ends, if it is one."""
        self._input = buffer
        self._wanted = wanted
        self._stops = stops
        self._stop = stop
        self._clear_from = self._clear_until = -1  # skimmed in vain from, up to
        self._raw_note_passed = -1  # offset of the last `<note>` skimming passed over

    def skim(self, position: int) -> Generator[Segment, None, tuple[int, str, int]]:
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
            hit, kind = self._next_hit(searched - self._input.base)
            resume = -1
            if kind == "later":  # a stop that the next read decides: search it again,
                resume, kind = hit + self._input.base, ""  # and pass over nothing after it
            at = (hit if hit >= 0 else len(self._input.data)) + self._input.base
            if kind == "cut":
                # A start tag cut by the end of the read: decide once it is whole,
                # so that what is passed over never depends on where reads end.
                boundary = self._last_note_start(position, searched, at)
                if not (yield from self._pass_over(position, boundary)):
                    return position, "nested", position  # walk exactly
                position = boundary
                self._clear_from, self._clear_until = position, at
                self._input.fill()  # at the end of the input the tag counts as whole
                continue
            if kind == "wanted" and self._inside_a_note(position, searched, at):
                return position, "nested", at  # not a child of the root: walk exactly
            if kind in ("wanted", "end"):
                boundary = at
            else:
                boundary = self._last_note_start(position, searched, at)
            if not (yield from self._pass_over(position, boundary)):
                return position, "nested", position  # walk exactly
            position = boundary
            if kind:
                return position, kind, at
            # Nothing up to the end of the buffer. A tag cut by the end of the read
            # starts at its last '<' (text and attributes hold no '<'): search again
            # from there once more is read.
            last_lt = self._input.data.rfind(b"<", searched - self._input.base)
            self._clear_from = position
            self._clear_until = max(position, last_lt + self._input.base if last_lt >= 0 else at)
            if resume >= 0:
                self._clear_until = max(position, resume)
            if not self._input.fill():
                if resume >= 0:
                    continue  # the end of the input decides that stop
                if self._stop is not None:
                    return position, "stop", self._stop
                raise self._input.error(
                    "truncated input: the root element is never closed", position
                )

    def _next_hit(self, index: int) -> tuple[int, str]:
        """Buffer index and kind of the first place from `index` where skimming
        must stop, or (-1, ""); kind "cut" for a start tag that the end of the
        buffer cuts (what the skimmer and `wanted` say of it may change)."""
        while True:
            match = self._stops.search(self._input.data, index)
            if match is None:
                return -1, ""
            at = match.start()
            second = self._input.data[at + 1]
            if second in b"!?":
                return at, "markup"
            if second == ord("/"):
                if not NOTE_END_RE.match(self._input.data, at):
                    return at, "end"
                # What follows the note's end tag may be cut by the end of the read.
                if match.end() + _STOP_LOOKAHEAD >= len(self._input.data) and not self._input.eof:
                    return at, "later"
                return at, "other"
            name = NAME_RE.match(self._input.data, at + 1)
            if not self._input.eof and name and not TAG_REST_RE.match(self._input.data, name.end()):
                return at, "cut"
            if RAW_NOTE_START_RE.match(self._input.data, at) and not self._wanted.match(
                self._input.data, at
            ):
                self._raw_note_passed = at + self._input.base
                index = at + 1
                continue
            return at, "wanted"

    def _inside_a_note(self, position: int, searched: int, at: int) -> bool:
        """Whether the tag at `at` stands inside the note that starts before it, as a
        `<document>` copied into another note would (well-formed, but no DXL)."""
        start = self._last_note_start(position, searched, at)
        if not NOTE_START_RE.match(self._input.data, start - self._input.base):
            return False
        return (
            NOTE_END_RE.search(self._input.data, start - self._input.base, at - self._input.base)
            is None
        )

    def _last_note_start(self, position: int, searched: int, limit: int) -> int:
        """The last note start tag after `position` and before `limit`, else
        `position`; none starts between `position` and `searched`."""
        begin = max(position + 1, searched - _TAG_OVERLAP) - self._input.base
        end = limit - self._input.base
        size = 4096  # notes are a few KB: look near `limit` first
        window = max(begin, end - size)
        while True:
            last = -1
            for match in NOTE_START_RE.finditer(self._input.data, window, end):
                last = match.start()
            if last >= 0:
                return last + self._input.base
            if window == begin:
                return position
            size *= 2
            window = max(begin, end - size)

    def _pass_over(self, position: int, boundary: int) -> Generator[Segment, None, bool]:
        """The notes from `position` up to `boundary` (at or after it) as one SKIPPED
        segment, none when the span is empty; False, with nothing yielded, when the
        span does not hold whole notes only (then the exact walk takes it)."""
        if boundary > position:
            notes = self._notes_if_whole(position, boundary)
            if notes is None:
                return False
            yield self._input.segment(SegmentKind.SKIPPED, position, boundary, notes=notes)
        return True

    def _notes_if_whole(self, start: int, end: int) -> int | None:
        """How many notes the span to be passed over holds, when it holds whole
        notes only, one after the other, with white space between them: each note
        closed before the next opens. Else None: the exact walk takes the span,
        and says what is wrong with it if anything is (a note inside a note is
        well-formed, if no DXL). (The span is buffered whole: nothing here reads
        more.)"""
        buffer, begin, finish = self._input.data, start - self._input.base, end - self._input.base
        starts = len(DOCUMENT_START_RE.findall(buffer, begin, finish))
        ends = buffer.count(b"</document>", begin, finish)
        if self._raw_note_passed >= start:
            starts += len(RAW_NOTE_START_RE.findall(buffer, begin, finish))
            ends += buffer.count(b"</note>", begin, finish)
        if starts == ends:  # the common case, in C: no note open, none self-closing
            return starts
        open_name, after = b"", begin  # the open note; where the last one ended
        for tag in _NOTE_TAG_RE.finditer(buffer, begin, finish):
            at, name = tag.start(), tag.group(2)
            if tag.group(1):  # an end tag
                closed = NOTE_END_RE.match(buffer, at, finish)
                if name != open_name or closed is None:
                    return None
                open_name, after = b"", closed.end()
                continue
            if open_name or buffer[after:at].strip(b" \t\r\n"):
                return None  # a note inside a note, or text among the notes
            rest = TAG_REST_RE.match(buffer, tag.end(), finish)
            if rest is None:
                return None
            if buffer.endswith(b"/>", 0, rest.end()):
                after = rest.end()
            else:
                open_name = name
        if open_name or buffer[after:finish].strip(b" \t\r\n"):
            return None
        return starts


# -- notes of one form among those passed over -------------------------------------------


@functools.lru_cache(maxsize=8)
def _form_patterns(form: str) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """The attribute that names `form`, and the start tags of `form`'s notes."""
    word = re.escape(form.encode("ascii"))
    attribute = re.compile(
        rb"form[ \t\r\n]*=[ \t\r\n]*(?:'(?i:" + word + rb")'|\"(?i:" + word + rb")\")"
    )
    wanted = Interest(frozenset({form.casefold()})).matcher()
    if wanted is None:
        raise ValueError(f"not a form name skimming can match: {form!r}")
    return attribute, wanted


def passed_over_notes(segment: Segment, form: str) -> Iterator[Segment]:
    """The notes of `form` (ASCII, any case) inside a SKIPPED segment, each as the
    NOTE segment the exact walk would have made of it, in file order: for a reader
    that wants them but not one by one from the splitter (a directory's ten thousand
    Group documents among its Person documents).

    A search in C finds ``form='...'``; it counts only where it stands in the start
    tag of a note that :meth:`Interest.matcher` takes for `form`. Every note of a
    SKIPPED segment is whole, none inside another, with a plain start tag that
    names its form (see :class:`Skimmer`), so its end is the first note end tag after
    it."""
    data = segment.data
    attribute, wanted = _form_patterns(form)
    line, counted = segment.line, 0
    for found in attribute.finditer(data):
        start = data.rfind(b"<", 0, found.start())  # a plain start tag holds no other '<'
        if start < 0 or not wanted.match(data, start):
            continue  # the words in a text, or in another attribute's value
        name = NAME_RE.match(data, start + 1)
        tag = TAG_REST_RE.match(data, name.end()) if name else None
        if name is None or tag is None:
            continue
        end = tag.end()
        if not data.endswith(b"/>", 0, end):
            closing = NOTE_END_RE.search(data, end)
            if closing is None:
                continue
            end = closing.end()
        line += data.count(b"\n", counted, start)
        counted = start
        line_start = data.rfind(b"\n", 0, start) + 1
        column = start - line_start + 1 if line_start else segment.column + start
        yield Segment(
            SegmentKind.NOTE,
            data[start:end],
            segment.offset + start,
            line,
            column,
            name.group().decode("ascii"),
            tag.end() - start,
        )
