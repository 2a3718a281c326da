"""Rewrite one input: split it, edit the selected notes, splice, verify, replace.

Layered by input kind: :func:`rewrite_stream` (file objects, constant memory),
:func:`rewrite_bytes` (in memory) and :func:`rewrite_file` (a path, replaced
atomically). Bytes outside the changed items are copied verbatim.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import attrs

from dxltools.dxl.model import Note, note_from_segment
from dxltools.dxl.scan import (
    Interest,
    PartStart,
    Prolog,
    Scanner,
    Segment,
    SegmentKind,
    parse_attributes,
)
from dxltools.dxl.select import NoteHead, Select
from dxltools.dxl.wellformed import Checker, PartHead, checked_segments
from dxltools.edit.changes import ByteChange, Edit, Warn
from dxltools.edit.splice import splice
from dxltools.edit.verify import verify_note
from dxltools.errors import DxlError, VerifyError
from dxltools.fs.atomic import FileStamp, Watched, atomic_output
from dxltools.fs.counting import CountingReader

if TYPE_CHECKING:
    from dxltools.rewrite.parts import PartState


class Tap(Protocol):
    """Sees the output as it is written: every note and element of its
    `interest`, each segment holding the new bytes (used by a run to audit
    its own result without reading it again)."""

    @property
    def interest(self) -> Interest: ...

    def __call__(self, segment: Segment, prolog: Prolog, note: Note | None = None, /) -> None:
        """`note`: the note of a NOTE segment as the rewrite parsed it (from the
        new bytes), when it did; a tap that needs it need not parse it again."""
        ...


class Sink(Protocol):
    """Where rewritten bytes go: a file, a buffer, or nowhere (``--check``)."""

    def write(self, data: bytes, /) -> object: ...


@attrs.frozen
class NoteReport:
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


@attrs.frozen
class RewriteReport:
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


@attrs.frozen
class RewriteResult:
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
    temporary file (see :func:`rewrite_file`). Everything but the inside of
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


@attrs.frozen
class Written:
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


def rewrite_file(
    path: str | os.PathLike[str],
    edit: Edit,
    *,
    select: Select | None = None,
    output: str | os.PathLike[str] | None = None,
    backup: str | None = None,
    dry_run: bool = False,
    on_read: Callable[[int], None] | None = None,
    check_output: Callable[[], None] | None = None,
    tap: Tap | None = None,
    parts: int = 1,
    keep: Sequence[PartState] = (),
    strict: bool = False,
) -> RewriteReport:
    """Rewrite the file at `path` in place (or into `output`), atomically.

    The new bytes go to a temporary file beside the target, are read back
    and checked (:func:`check_written`), flushed to disk and then renamed over
    the target, keeping its mode. When nothing changes, an in-place target is not touched at all.
    `backup`, a suffix, keeps a copy of the replaced file. `dry_run` writes
    nothing and only reports. `on_read` is told the size of each chunk read
    (for a progress bar). `tap` sees the output as it is written;
    `check_output`, called when something changed, once the new bytes are
    written and checked and before anything is replaced, may raise a
    :class:`DxlError` to refuse them. On any error the target is left as it was. When the input
    changes while it is rewritten (its size, modification time or inode),
    nothing is replaced: the new bytes are kept beside the target as
    ``NAME.dxltools-new`` and a :class:`WriteError` says so.

    `parts` > 1 lets a large file be rewritten in up to that many processes
    (:mod:`dxltools.rewrite.parts`), with the same result; `keep` must then hold every
    stateful helper of `edit`, `select` and `tap` (a `tap` not in it keeps
    the rewrite in one process). `strict`: see :func:`rewrite_stream`.
    """
    source_path = Path(path)
    target = Path(output) if output is not None else source_path
    source = str(source_path)
    in_place = output is None or _same_file(source_path, target)
    with open(source_path, "rb") as source_stream:
        # How the input was when opened: if another program writes it before the
        # replace, both versions are kept instead of the other's being overwritten.
        watch = Watched(source_path, FileStamp.of(os.fstat(source_stream.fileno())))
        with atomic_output(
            target, mode_from=source_path, backup=backup, source=source, watch=watch
        ) as temporary:
            # Imported here: parts builds on this module.
            from dxltools.rewrite.parts import rewrite_in_parts

            in_parts = rewrite_in_parts(
                source_path,
                temporary,
                parts,
                edit,
                select=select,
                tap=tap,
                keep=keep,
                source=source,
                strict=strict,
            )
            if in_parts is not None:
                report = in_parts.report
                written = in_parts.written
                if on_read is not None:
                    on_read(os.fstat(source_stream.fileno()).st_size)
            else:
                temporary.stream.seek(0)
                temporary.stream.truncate()
                reader: IO[bytes] = source_stream
                if on_read is not None:
                    reader = CountingReader(source_stream, on_read)
                digest = DigestingWriter(temporary.stream)
                report = rewrite_stream(
                    reader, digest, edit, select=select, source=source, tap=tap, strict=strict
                )
                written = (digest.written,)
            if dry_run or (in_place and not report.changed):
                temporary.discard()
                return report
            temporary.stream.flush()
            check_written(temporary.stream, written, source)
            if check_output is not None and report.changed:
                check_output()
            temporary.stream.seek(0, os.SEEK_END)
    return report


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve() or first.samefile(second)
    except OSError:
        return False
