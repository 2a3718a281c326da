"""What `dxltools run` was asked, as small values by concern, and the checks
on them that come before any work.

What to write (:class:`WriteMode`), how the work is done (:class:`Work`) and
what is said (:class:`ReportStyle`) travel apart, so that each function of
:mod:`dxltools.cli.run`, and each worker process, gets only what it uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from dxltools.errors import UsageError
from dxltools.fs.files import InputFile, reads_stdin
from dxltools.fs.output import OutputTarget
from dxltools.records import Record


@attrs.frozen(repr=False)
class WriteMode(Record):
    """What a run writes: files in place (-i), to -o, nothing (--check), a diff."""

    in_place: bool = False
    output: OutputTarget | None = None
    check: bool = False
    diff: bool = False
    backup: str | None = None

    @property
    def writes_file(self) -> bool:
        """Whether files are written (-i, -o); `--check` with either is refused."""
        return bool(self.in_place or self.output) and not self.check

    @property
    def writes_stdout(self) -> bool:
        """Whether standard output carries the rewritten DXL."""
        return not (self.in_place or self.output or self.check or self.diff)


@attrs.frozen(repr=False)
class Work(Record):
    """How the work is done: in how many processes, waiting or not for
    another run's lock, with a progress bar, the agent's own audit, and how
    strictly the notes passed over are checked."""

    jobs: int = 1
    wait: bool = True  # for the lock of a file another run is writing
    progress: bool | None = None  # None: when stderr is a terminal
    audit: bool = True  # the agent's own [audit] of its result, if it has one
    strict: bool = False  # check the notes passed over unread for well-formedness too


@attrs.frozen(repr=False)
class ReportStyle(Record):
    """What a run says: a JSON report, only errors (quiet), every change (verbose)."""

    json: bool = False
    quiet: bool = False
    verbose: bool = False

    def json_on_stderr(self, write: WriteMode) -> bool:
        """The JSON report goes to stderr when stdout carries DXL or a diff."""
        return self.json and (write.writes_stdout or write.diff)


@attrs.frozen(repr=False)
class RunOptions(Record):
    """What `dxltools run` was asked: the agent, the inputs, and the three values above."""

    agent: str
    paths: tuple[str, ...] = ()
    settings: Mapping[str, str] = attrs.field(factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    write: WriteMode = WriteMode()
    work: Work = Work()
    report: ReportStyle = ReportStyle()

    @property
    def json_on_stderr(self) -> bool:
        return self.report.json_on_stderr(self.write)


def _refuse(option: str, reason: str) -> UsageError:
    return UsageError(reason, source=option)


def check_options(options: RunOptions) -> None:
    """The options alone, checked before any work: no input is read before these hold."""
    write = options.write
    if write.in_place and write.output:
        raise _refuse("-o/--output", "cannot go with -i/--in-place: write in place or to -o")
    if write.check and (write.in_place or write.output):
        which = "-i/--in-place" if write.in_place else "-o/--output"
        raise _refuse("--check", f"writes nothing, {which} writes: give one of them")
    if write.backup is not None:
        check_backup_suffix(write.backup)
        if not write.in_place:
            raise _refuse("--backup", "goes with -i/--in-place")
    if options.work.jobs < 1:
        raise _refuse("-j/--jobs", f"{options.work.jobs}: give a number of processes, 1 or more")
    if reads_stdin(options.paths) and write.in_place:
        raise _refuse("-i/--in-place", "needs files, not standard input")
    if write.output:
        write.output.check_file_folder()


def check_backup_suffix(suffix: str) -> None:
    """A backup is FILE+SUFFIX beside the file: the suffix may not leave the folder."""
    if not suffix or suffix in (".", "..") or "/" in suffix or "\\" in suffix or "\0" in suffix:
        raise _refuse(
            "--backup", f"{suffix!r} is not a plain suffix (such as .orig): no folder, no slash"
        )


def check_inputs(write: WriteMode, files: Sequence[InputFile]) -> None:
    """What the options ask of the inputs found."""
    if len(files) > 1 and write.writes_stdout:
        raise _refuse(
            "PATHS",
            f"{len(files)} inputs: give -i, -o FOLDER, --check or --diff "
            "(dxltools does not concatenate exports)",
        )
    if write.output and write.output.folder:
        output = write.output.path
        if output.suffix.lower() in (".dxl", ".xml") and not output.is_dir():
            raise _refuse(
                "-o/--output",
                f"{output}: {len(files)} inputs need a folder, not a file name "
                "(-o FOLDER recreates their relative paths)",
            )
        if output.exists() and not output.is_dir():
            raise _refuse("-o/--output", f"{output}: several inputs need a folder, not a file")
        seen: dict[Path, Path] = {}
        for item in files:
            if item.relative in seen:
                raise _refuse(
                    "-o/--output",
                    f"{write.output.given}: {seen[item.relative]} and {item.path} would both "
                    f"be written to {item.relative}",
                )
            seen[item.relative] = item.path


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs; a pair without '=' is a usage error."""
    found = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"{pair!r}: expected NAME=VALUE", source="--set")
        found[name.strip()] = value
    return found
