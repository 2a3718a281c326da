"""Rewrite one input: split it, edit the selected notes, splice, verify.

Layered by input kind: :func:`rewrite_stream` (file objects, constant memory)
and :func:`rewrite_bytes` (in memory); :func:`dxltools.rewrite.file.rewrite_file`
builds on them for a path, replaced atomically. Bytes outside the changed
items are copied verbatim.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Protocol

import attrs

from dxltools.dxl.model import Note
from dxltools.dxl.parse import note_from_segment
from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import PartStart, Prolog, Segment, SegmentKind
from dxltools.dxl.select import NoteHead, Select
from dxltools.dxl.skim import Interest
from dxltools.dxl.tokens import parse_attributes
from dxltools.dxl.wellformed import Checker, PartHead, checked_segments
from dxltools.edit.changes import ByteChange, Edit, Warn
from dxltools.edit.splice import splice
from dxltools.edit.verify import verify_note
from dxltools.errors import DxlError
from dxltools.records import Record
from dxltools.rewrite.taps import Tap


class Sink(Protocol):
    """Where rewritten bytes go: a file, a buffer, or nowhere (``--check``)."""

    def write(self, data: bytes, /) -> object: ...


@attrs.frozen(repr=False)
class NoteReport(Record):
    """What happened to one note: the changes made and the warnings found."""

    unid: str | None
    noteid: str | None
    form: str | None
    line: int
    changes: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@attrs.frozen(repr=False)
class RewriteReport(Record):
    """What a rewrite of one input did."""

    source: str
    changed: bool
    notes: tuple[NoteReport, ...]  # notes with a change or a warning, in file order
    notes_seen: int
    notes_parsed: int
    warnings: tuple[str, ...] = ()  # findings about the file as a whole

    @property
    def notes_changed(self) -> int:
        return sum(note.changed for note in self.notes)


@attrs.frozen(repr=False)
class RewriteResult(Record):
    """The new bytes of an in-memory rewrite and its report."""

    data: bytes = attrs.field(repr=False)
    report: RewriteReport


class _Rewriter:
    """Walks the segments of one input and writes the output as it goes."""

    def __init__(
        self, edit: Edit, select: Select | None, source: str, tap: Tap | None, strict: bool
    ) -> None:
        self.edit = edit
        self.select = select
        # A selection may also rule a note out from its bytes (agents.model.RunSelect).
        self.may_select: Callable[[bytes, str], bool] | None = getattr(select, "may_select", None)
        self.source = source
        self.tap = tap
        self.strict = strict
        self.reports: list[NoteReport] = []
        self.notes_seen = 0
        self.notes_parsed = 0
        self.changed = False

    def run(
        self,
        source_stream: IO[bytes],
        output: Sink,
        part: PartStart | None = None,
        stop: int | None = None,
        head: PartHead | None = None,
    ) -> RewriteReport:
        interest = _interest_of(self.select)
        if interest is not None and self.tap is not None:
            wanted = self.tap.interest
            interest = Interest(interest.forms | wanted.forms, interest.elements | wanted.elements)
        scanner = Scanner(source_stream, self.source, interest=interest, part=part, stop=stop)
        checker = Checker(self.source, strict=self.strict, head=head)
        for segment in checked_segments(scanner, checker, partial=stop is not None):
            data, parsed = segment.data, None
            if segment.kind is SegmentKind.NOTE:
                assert scanner.prolog is not None
                data, parsed = self._note(segment, scanner.prolog)
            else:
                self.notes_seen += segment.notes  # notes passed over unread
            output.write(data)
            if self.tap is not None and scanner.prolog is not None:
                self.tap(
                    segment if data is segment.data else attrs.evolve(segment, data=data),
                    scanner.prolog,
                    parsed,
                )
        return RewriteReport(
            self.source, self.changed, tuple(self.reports), self.notes_seen, self.notes_parsed
        )

    def _note(self, segment: Segment, prolog: Prolog) -> tuple[bytes, Note | None]:
        """The note's new bytes, and the note parsed from them when it was parsed."""
        self.notes_seen += 1
        if self.select is not None:
            head = NoteHead(segment.name, parse_attributes(segment.start_tag, prolog.encoding))
            if not self.select(head):
                return segment.data, None
            if self.may_select is not None and not self.may_select(segment.data, prolog.encoding):
                return segment.data, None
        self.notes_parsed += 1
        note = note_from_segment(segment, prolog, self.source)
        try:
            changes = self.edit(note)
        except DxlError as error:
            raise error.located(self.source) from None
        byte_changes: list[ByteChange] = [c for c in changes if not isinstance(c, Warn)]
        warnings = tuple(c.describe() for c in changes if isinstance(c, Warn))
        new_data, new_note = segment.data, note
        if byte_changes:
            new_data = splice(note, byte_changes)
            new_note = verify_note(note, new_data, byte_changes, self.source)
        done = tuple(c.describe() for c in byte_changes) if new_data != segment.data else ()
        if done or warnings:
            self.reports.append(
                NoteReport(note.unid, note.noteid, note.form, note.line, done, warnings)
            )
        self.changed = self.changed or bool(done)
        return new_data, new_note


def _interest_of(select: Select | None) -> Interest | None:
    """The notes a selection may want, when it can say so from forms alone
    (:class:`dxltools.dxl.select.FormSelect`): the others are never split out."""
    interest = getattr(select, "interest", None)
    return interest if isinstance(interest, Interest) else None


def rewrite_stream(
    source_stream: IO[bytes],
    output: Sink,
    edit: Edit,
    *,
    select: Select | None = None,
    source: str = "<input>",
    tap: Tap | None = None,
    strict: bool = False,
) -> RewriteReport:
    """Copy `source_stream` to `output`, editing the selected notes on the way.

    Memory holds one top-level element at a time. The output is written as the
    input is read: callers that must not leave partial output write to a
    temporary file (see :func:`dxltools.rewrite.file.rewrite_file`). Everything but the inside of
    the notes passed over unread is checked for well-formedness on the way
    (:mod:`dxltools.dxl.wellformed`); `strict`: those too.
    """
    return _Rewriter(edit, select, source, tap, strict).run(source_stream, output)


def rewrite_part(
    source_stream: IO[bytes],
    output: Sink,
    edit: Edit,
    *,
    select: Select | None,
    source: str,
    tap: Tap | None,
    part: PartStart | None,
    stop: int | None,
    strict: bool,
    head: PartHead | None,
) -> RewriteReport:
    """:func:`rewrite_stream` of one part of a file (see :mod:`dxltools.rewrite.parts`):
    from `part` (None: the file's start) to `stop` (None: its end); `head`:
    the file's DOCTYPE and root start tag, for the check of a part after the first."""
    rewriter = _Rewriter(edit, select, source, tap, strict)
    return rewriter.run(source_stream, output, part, stop, head)


def rewrite_bytes(
    data: bytes,
    edit: Edit,
    *,
    select: Select | None = None,
    source: str = "<bytes>",
    tap: Tap | None = None,
    strict: bool = False,
) -> RewriteResult:
    """Rewrite an in-memory export; the result's data is `data` itself when nothing changed."""
    output = io.BytesIO()
    report = rewrite_stream(
        io.BytesIO(data), output, edit, select=select, source=source, tap=tap, strict=strict
    )
    if not report.changed:
        return RewriteResult(data, report)
    return RewriteResult(output.getvalue(), report)
