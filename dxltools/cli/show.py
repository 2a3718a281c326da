"""`dxltools show`: the notes of each input (or stdin), one line or one JSON object
each, written as they are read; returns the exit status (0, or 2 when an input failed).

The text line and the JSON object of a note are :mod:`dxltools.show.summary`'s.
JSON layout, written as the notes are read (never held in a list)::

    {"files": [
    {"path": "names.dxl", "notes": [
    {"line": 437, "form": "Domain", "unid": "...", "noteid": "e64", "domain_type": ...,
     "domain_name": ..., "mail_server": ..., "calendar_server": ...,
     "readers": [{"item": "$Readers", "values": [...]}], "authors": [...]}
    ], "error": null}
    ], "skipped": [{"path": "pom.xml", "reason": "not a DXL export: ..."}]}

A file that fails keeps the notes listed before the failure and gets
``"error": "file:line:col: reason"``, so stdout stays valid JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Protocol, TextIO

import attrs

from dxltools.cli.exits import EXIT_ERROR, EXIT_OK
from dxltools.cli.streams import line_after_output
from dxltools.errors import DxlError
from dxltools.fs.files import (
    STDIN_NAME,
    InputFile,
    find_inputs,
    read_error,
    reads_stdin,
    skip_reason,
)
from dxltools.records import Record
from dxltools.show.summary import NoteSummary, format_line, show_stream, summary_json


@attrs.frozen(repr=False)
class ShowOptions(Record):
    """What the command line asked for."""

    paths: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    json: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    strict: bool = False  # check the notes of other forms for well-formedness too
    quiet: bool = False  # no line for a skipped file


class _Output(Protocol):
    def begin_file(self, path: str) -> None: ...
    def note(self, summary: NoteSummary) -> None: ...
    def end_file(self, error: DxlError | None) -> None: ...
    def skip(self, path: str, reason: str) -> None: ...
    def close(self) -> None: ...


class _TextOutput:
    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    def begin_file(self, path: str) -> None:
        pass

    def note(self, summary: NoteSummary) -> None:
        self.stdout.write(format_line(summary) + "\n")

    def end_file(self, error: DxlError | None) -> None:
        pass

    def skip(self, path: str, reason: str) -> None:
        pass

    def close(self) -> None:
        self.stdout.flush()


class _JsonOutput:
    """Writes the document piece by piece: one line per file opening, per note, per
    closing. A file is opened at its first note or its end, so that a file
    skipped before either is listed under "skipped" only."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.files = 0
        self.notes = 0
        self.pending: str | None = None
        self.skipped: list[dict[str, str]] = []
        stdout.write('{"files": [')

    def begin_file(self, path: str) -> None:
        self.pending = path

    def _open(self) -> None:
        if self.pending is None:
            return
        path, self.pending = self.pending, None
        self.stdout.write(
            ("," if self.files else "") + f'\n{{"path": {json.dumps(path)}, "notes": ['
        )
        self.files += 1
        self.notes = 0

    def note(self, summary: NoteSummary) -> None:
        self._open()
        self.stdout.write(("," if self.notes else "") + "\n" + json.dumps(summary_json(summary)))
        self.notes += 1

    def end_file(self, error: DxlError | None) -> None:
        self._open()
        self.stdout.write(f'\n], "error": {json.dumps(str(error) if error else None)}}}')

    def skip(self, path: str, reason: str) -> None:
        self.pending = None
        self.skipped.append({"path": path, "reason": reason})

    def close(self) -> None:
        self.stdout.write(f'\n], "skipped": {json.dumps(self.skipped)}}}\n')
        self.stdout.flush()


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def _read(
    open_stream: Opener, path: str, forms: Sequence[str], strict: bool
) -> Iterator[NoteSummary]:
    """The summaries of one input, its read errors turned into DxlErrors. Errors of
    writing stdout happen in the caller's frame, so they are never blamed on the input."""
    try:
        with open_stream() as stream:
            yield from show_stream(stream, path, forms, strict=strict)
    except OSError as failure:
        raise read_error(failure, path) from None


def _show_one(
    output: _Output, item: InputFile | None, path: str, open_stream: Opener, options: ShowOptions
) -> DxlError | str | None:
    """Show one input (`item`: None for stdin); the error that stopped it, or
    why it was skipped."""
    output.begin_file(path)
    error: DxlError | None = None
    try:
        for summary in _read(open_stream, path, options.forms, options.strict):
            output.note(summary)
    except DxlError as failure:
        error = failure.located(path)
        reason = skip_reason(item, error) if item is not None else None
        if reason is not None:
            output.skip(path, reason)
            return reason
    output.end_file(error)
    return error


def _opener(path: Path) -> Opener:
    def open_file() -> AbstractContextManager[IO[bytes]]:
        return open(path, "rb")

    return open_file


def _borrow(stream: IO[bytes]) -> Opener:
    """stdin is read like a file, but it is not ours to close."""

    def borrowed() -> AbstractContextManager[IO[bytes]]:
        return nullcontext(stream)

    return borrowed


def run_show(options: ShowOptions, stdin: IO[bytes], stdout: TextIO, stderr: TextIO) -> int:
    """List the notes of the files (or stdin) the options name; returns the exit status."""
    output: _Output = _JsonOutput(stdout) if options.json else _TextOutput(stdout)
    inputs: list[tuple[InputFile | None, str, Opener]]
    if reads_stdin(options.paths):
        inputs = [(None, STDIN_NAME, _borrow(stdin))]
    else:
        found = find_inputs(options.paths, options.include, options.exclude)
        inputs = [(file, str(file.path), _opener(file.path)) for file in found]
    failed = False
    for item, path, open_stream in inputs:
        error = _show_one(output, item, path, open_stream, options)
        if isinstance(error, str):
            if not options.quiet:
                line_after_output(stdout, stderr, f"{path}: skipped: {error}")
        elif error is not None:
            failed = True
            line_after_output(stdout, stderr, f"dxltools: {error}")
    output.close()
    return EXIT_ERROR if failed else EXIT_OK
