"""Rewrite one large file in parts, each in a process of its own.

A directory export of gigabytes is one file, so spreading files over
processes (``run -j``) would leave all cores but one idle. Here the input is
cut at note starts near equal offsets, and each part is split, edited and
written by a forked process: the first into the temporary file itself, the
others into temporaries beside it, appended in order once all are done.

A part must end exactly where the next one begins, at a boundary between the
root's children. A cut that falls inside a comment or a CDATA section, or any
other failure of any part, makes :func:`rewrite_in_parts` return None; the
caller then rewrites the file in one pass, which gives the same bytes or the
true error (with its true line). What the helpers of a rewrite learn on the
way (the agent run's counts, the audit tap's directory) comes back from each
part as a picklable state and is absorbed in file order
(:class:`dxltools.rewrite.taps.PartState`), so the result is that of one pass.
Only where processes can be forked.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, cast

import attrs

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import PartStart, Prolog, Segment, SegmentKind
from dxltools.dxl.select import Select
from dxltools.dxl.tokens import NOTE_START_RE
from dxltools.dxl.wellformed import PartHead
from dxltools.edit.changes import Edit
from dxltools.errors import DxlError
from dxltools.fs.atomic import TemporaryOutput
from dxltools.records import Record
from dxltools.rewrite.digest import DigestingWriter, Written
from dxltools.rewrite.stream import RewriteReport, rewrite_part
from dxltools.rewrite.taps import Observers

# Below this many bytes a part costs more in process start-up than it saves.
MIN_PART_BYTES = 16 << 20
_CUT_WINDOW = 1 << 20  # how far past an even cut a note start is looked for
_BLOCK = 1 << 20


@attrs.frozen(repr=False)
class PartsOutcome(Record):
    report: RewriteReport
    written: tuple[Written, ...]  # in file order, as the temporary file holds them


@attrs.frozen(repr=False)
class _PartResult(Record):
    report: RewriteReport
    written: Written
    states: tuple[object, ...]


@attrs.frozen(repr=False)
class _Job(Record):
    """What every part's process is given (inherited through fork, not pickled)."""

    path: Path
    source: str
    edit: Edit
    select: Select | None
    observers: Observers
    prolog: Prolog
    head: PartHead  # what the check of a part after the first is fed first
    strict: bool
    cuts: tuple[int, ...]  # where parts 2, 3... start
    outputs: tuple[Path, ...]  # where each part writes


_job: _Job | None = None


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def read_prolog(stream: IO[bytes], source: str) -> tuple[Prolog, int, PartHead] | None:
    """The prolog of a ``<database>`` export, the offset after its root start
    tag and the head a part's check starts with; None for an export whose
    root holds no notes, or bad input (which the one-pass rewrite reports)."""
    scanner = Scanner(stream, source)
    head: list[Segment] = []
    try:
        for segment in scanner.segments():
            head.append(segment)
            if segment.kind is not SegmentKind.ROOT_START and scanner.prolog is not None:
                return None  # the root is a note or an element: one part
            if segment.kind is SegmentKind.ROOT_START:
                break
    except DxlError:
        return None
    first = head[-1] if head else None
    if first is None or first.kind is not SegmentKind.ROOT_START or scanner.prolog is None:
        return None
    return scanner.prolog, first.offset + len(first.data), PartHead.of(head)


def plan_cuts(
    path: Path, size: int, parts: int, source: str
) -> tuple[Prolog, PartHead, list[int]] | None:
    """The file's prolog, the head of a part's check, and the offsets where
    parts 2, 3... start: note starts just past even cuts. None when the file
    is too small to be worth it."""
    parts = min(parts, size // MIN_PART_BYTES)
    if parts < 2:
        return None
    with open(path, "rb") as stream:
        found = read_prolog(stream, source)
        if found is None:
            return None
        prolog, floor, head = found
        cuts: list[int] = []
        for index in range(1, parts):
            start = max(size * index // parts, floor)
            stream.seek(start)
            note_start = NOTE_START_RE.search(stream.read(_CUT_WINDOW))
            if note_start is not None:
                cuts.append(start + note_start.start())
                floor = cuts[-1] + 1
    return (prolog, head, cuts) if cuts else None


def rewrite_in_parts(
    path: Path,
    temporary: TemporaryOutput,
    parts: int,
    edit: Edit,
    *,
    select: Select | None,
    observers: Observers,
    source: str,
    strict: bool = False,
) -> PartsOutcome | None:
    """Rewrite `path` into `temporary` in up to `parts` processes; None when
    it was not split or a part failed (the temporary file then holds
    anything: the caller empties it and rewrites in one pass)."""
    global _job
    if parts < 2 or not can_fork():
        return None
    planned = plan_cuts(path, os.path.getsize(path), parts, source)
    if planned is None:
        return None
    prolog, head, cuts = planned
    extra: list[Path] = []
    processes: list[multiprocessing.process.BaseProcess] = []
    try:
        for _ in cuts:
            extra.append(temporary.another())
        _job = _Job(
            path,
            source,
            edit,
            select,
            observers,
            prolog,
            head,
            strict,
            tuple(cuts),
            (temporary.path, *extra),
        )
        results = _run_parts(len(cuts) + 1, processes)
        if results is None:
            return None
        _append(extra, temporary.stream)
        for result in results:
            for helper, state in zip(observers.stateful, result.states, strict=True):
                helper.absorb_part(state)
        return PartsOutcome(
            _merged([result.report for result in results]),
            tuple(result.written for result in results),
        )
    finally:
        _job = None
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for extra_path in extra:
            with contextlib.suppress(FileNotFoundError):
                extra_path.unlink()


def _run_parts(
    count: int, processes: list[multiprocessing.process.BaseProcess]
) -> list[_PartResult] | None:
    context = multiprocessing.get_context("fork")
    connections: list[Connection] = []
    for index in range(count):
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_part_process, args=(index, sending), daemon=True)
        processes.append(process)
        process.start()
        sending.close()
        connections.append(receiving)
    results: list[_PartResult] = []
    for receiving in connections:
        try:
            result = receiving.recv()
        except EOFError:  # the process died
            result = None
        if not isinstance(result, _PartResult):
            return None
        results.append(result)
    return results


def _part_process(index: int, connection: Connection) -> None:
    """In a forked process: rewrite part `index`, send the result (or None)."""
    try:
        assert _job is not None
        result: _PartResult | None = _rewrite_part(_job, index)
    except BaseException:  # any failure at all: the parent rewrites in one pass
        result = None
    connection.send(result)
    connection.close()


def _rewrite_part(job: _Job, index: int) -> _PartResult:
    start = job.cuts[index - 1] if index else 0
    stop = job.cuts[index] if index < len(job.cuts) else None
    with open(job.path, "rb") as stream, open(job.outputs[index], "r+b") as output:
        part = None
        if index:
            line, line_start = _line_at(stream, start)
            part = PartStart(start, line, line_start, job.prolog)
            stream.seek(start)
        reader = stream if stop is None else cast(IO[bytes], _Bounded(stream, stop - start))
        written = DigestingWriter(output)
        report = rewrite_part(
            reader,
            written,
            job.edit,
            select=job.select,
            source=job.source,
            tap=job.observers.tap,
            part=part,
            stop=stop,
            strict=job.strict,
            head=job.head if index else None,
        )
    states = tuple(helper.part_state() for helper in job.observers.stateful)
    return _PartResult(report, written.written, states)


def _line_at(stream: IO[bytes], offset: int) -> tuple[int, int]:
    """The line number at `offset` and the offset where that line starts."""
    stream.seek(0)
    breaks, line_start, read = 0, 0, 0
    while read < offset and (block := stream.read(min(_BLOCK, offset - read))):
        found = block.count(b"\n")
        if found:
            breaks += found
            line_start = read + block.rfind(b"\n") + 1
        read += len(block)
    return breaks + 1, line_start


class _Bounded:
    """A reader that ends `size` bytes on."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self._left = size

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self._left:
            size = self._left
        data = self._stream.read(size)
        self._left -= len(data)
        return data


def _append(paths: Sequence[Path], output: IO[bytes]) -> None:
    """Append the files at `paths` to `output`, in the kernel where it can."""
    for path in paths:
        end = output.seek(0, os.SEEK_END)
        output.flush()
        with open(path, "rb") as source:
            try:
                while os.copy_file_range(source.fileno(), output.fileno(), 1 << 30):
                    pass
            except (AttributeError, OSError):  # no copy_file_range here, or not across these
                output.seek(end)
                output.truncate()
                source.seek(0)
                shutil.copyfileobj(source, output, _BLOCK)
                output.flush()
    output.seek(0, os.SEEK_END)


def _merged(reports: Sequence[RewriteReport]) -> RewriteReport:
    return RewriteReport(
        reports[0].source,
        changed=any(report.changed for report in reports),
        notes=tuple(note for report in reports for note in report.notes),
        notes_seen=sum(report.notes_seen for report in reports),
        notes_parsed=sum(report.notes_parsed for report in reports),
        warnings=tuple(warning for report in reports for warning in report.warnings),
    )
