"""Rewrite a file at a path, atomically: the new bytes go to a temporary file
beside the target, are read back and checked, and only then replace it.

Built on the core (:mod:`dxltools.rewrite.stream`) and, for a large file and
several processes, on :mod:`dxltools.rewrite.parts`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from dxltools.dxl.select import Select
from dxltools.edit.changes import Edit
from dxltools.fs.atomic import FileStamp, Watched, atomic_output
from dxltools.fs.counting import CountingReader
from dxltools.rewrite.digest import DigestingWriter, check_written
from dxltools.rewrite.stream import RewriteReport, rewrite_stream
from dxltools.rewrite.taps import NO_OBSERVERS, Observers


def rewrite_file(
    path: str | os.PathLike[str],
    edit: Edit,
    *,
    select: Select | None = None,
    output: str | os.PathLike[str] | None = None,
    backup: str | None = None,
    dry_run: bool = False,
    on_read: Callable[[int], None] | None = None,
    observers: Observers = NO_OBSERVERS,
    parts: int = 1,
    strict: bool = False,
) -> RewriteReport:
    """Rewrite the file at `path` in place (or into `output`), atomically.

    The new bytes go to a temporary file beside the target, are read back
    and checked (:func:`check_written`), flushed to disk and then renamed over
    the target, keeping its mode. When nothing changes, an in-place target is not touched at all.
    `backup`, a suffix, keeps a copy of the replaced file. `dry_run` writes
    nothing and only reports. `on_read` is told the size of each chunk read
    (for a progress bar). `observers` watch the rewrite: a tap that sees the
    output as it is written, the helpers that learn from the notes, and a
    check that may refuse the new bytes (:class:`Observers`). On any error
    the target is left as it was. When the input changes while it is
    rewritten (its size, modification time or inode), nothing is replaced:
    the new bytes are kept beside the target as ``NAME.dxltools-new`` and a
    :class:`WriteError` says so.

    `parts` > 1 lets a large file be rewritten in up to that many processes
    (:mod:`dxltools.rewrite.parts`), with the same result; `observers.learners`
    must then hold every stateful helper of `edit` and `select` (the tap is
    always carried). `strict`: see :func:`rewrite_stream`.
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
            in_parts = None
            if parts > 1:
                # Imported when used: it loads multiprocessing, which a run in one
                # process need not pay for at start-up.
                from dxltools.rewrite.parts import rewrite_in_parts

                in_parts = rewrite_in_parts(
                    source_path,
                    temporary,
                    parts,
                    edit,
                    select=select,
                    observers=observers,
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
                    reader,
                    digest,
                    edit,
                    select=select,
                    source=source,
                    tap=observers.tap,
                    strict=strict,
                )
                written = (digest.written,)
            if dry_run or (in_place and not report.changed):
                temporary.discard()
                return report
            temporary.stream.flush()
            check_written(temporary.stream, written, source)
            if observers.check is not None and report.changed:
                observers.check()
            temporary.stream.seek(0, os.SEEK_END)
    return report


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve() or first.samefile(second)
    except OSError:
        return False
