"""`dxltools run`: apply an agent to files, folders or a pipe; returns the exit status.

0: done, or nothing to change; 1: `--check` found something that would
change; 2: bad usage or bad input (one line on stderr naming file, line and
reason), with no file of that input written.

Each file is processed by :func:`process_file`, in this process or (with
`-j`) in a worker process; outcomes come back as values and are reported in
input order by :class:`_Reporter`, so the output of `-j 4` is the output of
`-j 1`.
"""

from __future__ import annotations

import concurrent.futures
import difflib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import IO, Any, TextIO

import attrs

from dxltools.agents import Agent, load_agent
from dxltools.agents.apply import apply_agent_to_bytes, apply_agent_to_file
from dxltools.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_WOULD_CHANGE
from dxltools.cli.progress import Progress
from dxltools.errors import DxlError, MissingParameterError, UsageError, WriteError
from dxltools.fs.atomic import numbered_backups, remove_stale_temporaries
from dxltools.fs.files import (
    STDIN_NAME,
    InputFile,
    find_inputs,
    read_error,
    reads_stdin,
    skip_reason,
)
from dxltools.fs.lock import locked
from dxltools.rewrite.stream import RewriteReport


@attrs.frozen
class RunOptions:
    agent: str
    paths: tuple[str, ...] = ()
    settings: Mapping[str, str] = attrs.field(factory=dict)
    in_place: bool = False
    output: str | None = None
    check: bool = False
    diff: bool = False
    backup: str | None = None
    json: bool = False
    quiet: bool = False
    verbose: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jobs: int = 1
    wait: bool = True  # for the lock of a file another run is writing
    audit: bool = True  # the agent's own [audit] of its result, if it has one
    progress: bool | None = None  # None: when stderr is a terminal
    strict: bool = False  # check the notes passed over unread for well-formedness too

    @property
    def writes_file(self) -> bool:
        """Whether files are written (-i, -o); `--check` with either is refused."""
        return bool(self.in_place or self.output) and not self.check

    @property
    def writes_stdout(self) -> bool:
        """Whether standard output carries the rewritten DXL."""
        return not (self.in_place or self.output or self.check or self.diff)

    @property
    def json_on_stderr(self) -> bool:
        """The JSON report goes to stderr when stdout carries DXL or a diff."""
        return self.json and (self.writes_stdout or self.diff)

    @property
    def output_is_folder(self) -> bool:
        """`-o` names a folder: several inputs, a folder input, or an existing folder."""
        if not self.output:
            return False
        several = len(self.paths) > 1 or any(Path(p).is_dir() for p in self.paths)
        return several or Path(self.output).is_dir()


@attrs.frozen
class FileOutcome:
    """What processing one input gave: a report, an error, or why it was
    skipped (found by a folder walk, not DXL); plus the bytes meant for stdout
    (the diff, or the DXL in pipe mode)."""

    source: str
    report: RewriteReport | None = None
    error: str | None = None
    stdout: bytes = attrs.field(default=b"", repr=False)
    written: bool = False  # a file was written (-i with a change, or -o)
    notices: tuple[str, ...] = ()  # what else happened, for people (an earlier backup kept)
    skipped: str | None = None  # why it was skipped (a folder walk's XML that is not DXL)


# -- one file ----------------------------------------------------------------------------


def _output_target(options: RunOptions, item: InputFile) -> Path | None:
    if not options.output:
        return None
    output = Path(options.output)
    return output / item.relative if options.output_is_folder else output


def _in_memory(options: RunOptions, agent: Agent, data: bytes, source: str) -> _Rewritten:
    """Rewrite in memory for `--diff` (without -i or -o) and pipe mode.
    Buffering means a bad input never leaves half an export on stdout."""
    result = apply_agent_to_bytes(
        data, agent, source=source, audit=options.audit, strict=options.strict
    )
    if options.diff:
        return _Rewritten(result.report, unified_diff(data, result.data, source))
    return _Rewritten(result.report, result.data if options.writes_stdout else b"")


@attrs.frozen
class _Rewritten:
    report: RewriteReport
    stdout: bytes = b""
    notices: tuple[str, ...] = ()


def _rewrite(
    options: RunOptions, agent: Agent, item: InputFile, hooks: Hooks, parts: int
) -> _Rewritten:
    source = str(item.path)
    if not options.writes_file:
        if options.check and not options.diff:
            report = apply_agent_to_file(
                item.path,
                agent,
                check=True,
                audit=options.audit,
                on_read=hooks.on_read,
                strict=options.strict,
            )
            return _Rewritten(report)
        data = item.path.read_bytes()
        if hooks.on_read is not None:
            hooks.on_read(len(data))
        return _in_memory(options, agent, data, source)
    target = _output_target(options, item) or item.path
    before = item.path.read_bytes() if options.diff else b""
    backups = _numbered_backups(target, options.backup)
    _prepare_output(options, target)
    # The lock keeps two scheduled runs from interleaving on one file; while we
    # hold it, any temporary file of that name is a killed run's leftover.
    # The lock is the target's: with -o, its errors name the output, not the input.
    with locked(target, wait=options.wait, source=str(target), on_wait=hooks.on_wait):
        remove_stale_temporaries(target)
        report = apply_agent_to_file(
            item.path,
            agent,
            output=target if options.output else None,
            backup=options.backup,
            audit=options.audit,
            on_read=hooks.on_read,
            parts=parts,
            strict=options.strict,
        )
    diff = unified_diff(before, target.read_bytes(), source) if options.diff else b""
    notices: tuple[str, ...] = ()
    kept = _numbered_backups(target, options.backup)
    if report.changed and len(kept) > len(backups):
        notices = (f"{source}: earlier backup kept as {kept[-1]}",)
    return _Rewritten(report, diff, notices)


def _numbered_backups(target: Path, suffix: str | None) -> list[Path]:
    """The numbered backups beside `target` (``NAME.orig.1``...), in number order."""
    if not suffix:
        return []
    return numbered_backups(target.with_name(target.name + suffix))


def _prepare_output(options: RunOptions, target: Path) -> None:
    """Make the folders `-o FOLDER` recreates; an output that cannot be made is
    the output's error, not the input's."""
    if not options.output or not options.output_is_folder:
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(
            f"cannot write: {error.strerror or error}", source=str(target.parent)
        ) from None


@attrs.frozen
class Hooks:
    """What a caller is told while one file is processed: bytes read (for a
    progress bar) and the start of a wait for another run's lock."""

    on_read: Callable[[int], None] | None = None
    on_wait: Callable[[], None] | None = None


def process_file(
    options: RunOptions, agent: Agent, item: InputFile, hooks: Hooks = Hooks(), parts: int = 1
) -> FileOutcome:
    """Apply the agent to one file as `options` say; errors become the outcome.
    `parts` > 1 lets a large file be rewritten by that many processes."""
    source = str(item.path)
    try:
        done = _rewrite(options, agent, item, hooks, parts)
    except DxlError as error:
        reason = skip_reason(item, error)
        if reason is not None:
            return FileOutcome(source, skipped=reason)
        return FileOutcome(source, error=str(error))
    except OSError as error:
        return FileOutcome(source, error=str(read_error(error, source)))
    written = options.writes_file and (bool(options.output) or done.report.changed)
    return FileOutcome(
        source, done.report, stdout=done.stdout, written=written, notices=done.notices
    )


def process_stdin(options: RunOptions, agent: Agent, stream: IO[bytes]) -> FileOutcome:
    try:
        done = _in_memory(options, agent, stream.read(), STDIN_NAME)
    except DxlError as error:
        return FileOutcome(STDIN_NAME, error=str(error))
    return FileOutcome(STDIN_NAME, report=done.report, stdout=done.stdout)


# -- several files, in parallel ----------------------------------------------------------

_worker_agents: dict[tuple[str, tuple[tuple[str, str], ...]], Agent] = {}


def _process_in_worker(options: RunOptions, item: InputFile) -> FileOutcome:
    """Run in a worker process: the agent is loaded once per process."""
    key = (options.agent, tuple(sorted(options.settings.items())))
    agent = _worker_agents.get(key)
    if agent is None:
        agent = _worker_agents[key] = load_agent(options.agent, options.settings)
    return process_file(options, agent, item)


def _outcomes(
    options: RunOptions,
    agent: Agent,
    files: Sequence[InputFile],
    sizes: Sequence[int],
    progress: Progress,
    reporter: _Reporter,
) -> Iterator[FileOutcome]:
    """Every file's outcome, in input order, whatever the number of jobs."""
    jobs = min(options.jobs, len(files))
    if jobs <= 1:
        for item in files:

            def waiting(item: InputFile = item) -> None:
                progress.clear()
                reporter.say(f"{item.path}: waiting for another dxltools run to finish with it")

            hooks = Hooks(on_read=progress.advance, on_wait=waiting)
            # One file and several jobs: the jobs share the file (dxltools.rewrite.parts).
            parts = options.jobs if len(files) == 1 else 1
            yield process_file(options, agent, item, hooks, parts)
            progress.file_done()
        return
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            results = pool.map(_process_in_worker, [options] * len(files), files)
            for outcome, size in zip(results, sizes, strict=True):
                progress.advance(size)
                progress.file_done()
                yield outcome
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -- reporting ---------------------------------------------------------------------------


def report_json(outcome: FileOutcome) -> dict[str, Any]:
    """One file's entry in the `--json` report."""
    report = outcome.report
    if report is None:
        return {"path": outcome.source, "changed": False, "written": False, "error": outcome.error}
    return {
        "path": report.source,
        "changed": report.changed,
        "written": outcome.written,
        "notes_seen": report.notes_seen,
        "notes_changed": report.notes_changed,
        "notes": [
            {
                "unid": note.unid,
                "noteid": note.noteid,
                "form": note.form,
                "line": note.line,
                "changes": list(note.changes),
                "warnings": list(note.warnings),
            }
            for note in report.notes
        ],
        "warnings": list(report.warnings),
        "error": None,
    }


class _Reporter:
    """Turns outcomes into stderr lines, stdout bytes and the JSON report."""

    def __init__(self, options: RunOptions, stdout: IO[bytes], stderr: TextIO) -> None:
        self.options = options
        self.stdout = stdout
        self.stderr = stderr
        self.results: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.would_change = False
        self.failed = False

    def say(self, text: str) -> None:
        # When the JSON report goes to stderr, no human lines are mixed into it.
        if not (self.options.quiet or self.options.json_on_stderr):
            print(text, file=self.stderr)

    def add(self, outcome: FileOutcome) -> None:
        if outcome.skipped is not None:
            self.skipped.append({"path": outcome.source, "reason": outcome.skipped})
            self.say(f"{outcome.source}: skipped: {outcome.skipped}")
            return
        self.results.append(report_json(outcome))
        if outcome.stdout:
            self.stdout.write(outcome.stdout)
        if outcome.report is None:
            self.failed = True
            if not self.options.json_on_stderr:
                print(f"dxltools: {outcome.error}", file=self.stderr)
            return
        self._describe(outcome.report)
        for notice in outcome.notices:
            self.say(notice)

    def _describe(self, report: RewriteReport) -> None:
        options = self.options
        self.would_change = self.would_change or report.changed
        # Only what happened: --check and --diff alone write nothing.
        verb = "changed" if options.writes_file or options.writes_stdout else "would change"
        if report.changed:
            self.say(f"{report.source}: {verb} {report.notes_changed} of {report.notes_seen} notes")
        elif options.verbose:
            self.say(f"{report.source}: nothing to change ({report.notes_seen} notes)")
        for note in report.notes:
            for change in note.changes if options.verbose else ():
                self.say(f"  {note.unid or note.line}: {change}")
            for warning in note.warnings:
                self.say(f"{report.source}:{note.line}: warning: {warning}")
        for warning in report.warnings:
            self.say(f"{report.source}: warning: {warning}")

    def finish(self) -> int:
        self.stdout.flush()
        if self.options.json:
            self._write_json()
        if self.failed:
            return EXIT_ERROR
        if self.options.check and self.would_change:
            return EXIT_WOULD_CHANGE
        return EXIT_OK

    def _write_json(self) -> None:
        summary = {
            "files": self.results,
            "skipped": self.skipped,
            "summary": {
                "files": len(self.results),
                "changed": sum(bool(result.get("changed")) for result in self.results),
                "errors": sum(bool(result.get("error")) for result in self.results),
            },
        }
        text = json.dumps(summary, indent=2) + "\n"
        if self.options.json_on_stderr:
            self.stderr.write(text)
        else:
            self.stdout.write(text.encode("utf-8"))
            self.stdout.flush()


# -- the command -------------------------------------------------------------------------


def _refuse(option: str, reason: str) -> UsageError:
    return UsageError(reason, source=option)


def check_options(options: RunOptions) -> None:
    """The options alone, checked before any work: no input is read before these hold."""
    if options.in_place and options.output:
        raise _refuse("-o/--output", "cannot go with -i/--in-place: write in place or to -o")
    if options.check and (options.in_place or options.output):
        which = "-i/--in-place" if options.in_place else "-o/--output"
        raise _refuse("--check", f"writes nothing, {which} writes: give one of them")
    if options.backup is not None:
        check_backup_suffix(options.backup)
        if not options.in_place:
            raise _refuse("--backup", "goes with -i/--in-place")
    if options.jobs < 1:
        raise _refuse("-j/--jobs", f"{options.jobs}: give a number of processes, 1 or more")
    if reads_stdin(options.paths) and options.in_place:
        raise _refuse("-i/--in-place", "needs files, not standard input")
    if options.output and not options.output_is_folder:
        _check_output_file(Path(options.output))


def check_backup_suffix(suffix: str) -> None:
    """A backup is FILE+SUFFIX beside the file: the suffix may not leave the folder."""
    if not suffix or suffix in (".", "..") or "/" in suffix or "\\" in suffix or "\0" in suffix:
        raise _refuse(
            "--backup", f"{suffix!r} is not a plain suffix (such as .orig): no folder, no slash"
        )


def _check_output_file(output: Path) -> None:
    folder = output.parent
    if not folder.is_dir():
        reason = "not a folder" if folder.exists() else "no such folder"
        raise WriteError(f"cannot write: {reason} {folder}", source=str(output))


def _check_usage(options: RunOptions, files: Sequence[InputFile]) -> None:
    """What the options ask of the inputs found."""
    if len(files) > 1 and options.writes_stdout:
        raise _refuse(
            "PATHS",
            f"{len(files)} inputs: give -i, -o FOLDER, --check or --diff "
            "(dxltools does not concatenate exports)",
        )
    if options.output and options.output_is_folder:
        output = Path(options.output)
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
                    f"{options.output}: {seen[item.relative]} and {item.path} would both be "
                    f"written to {item.relative}",
                )
            seen[item.relative] = item.path


def run_agent(
    options: RunOptions,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run an agent as the command line asked; returns the exit status."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    pipe = reads_stdin(options.paths)
    try:
        check_options(options)
        agent = load_agent(options.agent, options.settings)
        files = [] if pipe else find_inputs(options.paths, options.include, options.exclude)
        _check_usage(options, files)
    except DxlError as error:
        print(f"dxltools: {error}{_hint(error, options, stdin)}", file=stderr)
        return EXIT_ERROR
    reporter = _Reporter(options, stdout, stderr)
    if pipe:
        reporter.add(process_stdin(options, agent, stdin))
        return reporter.finish()
    show_progress = options.progress
    if options.quiet or options.json_on_stderr:
        show_progress = False
    sizes = [_size(item.path) for item in files]
    with Progress(stderr, sum(sizes), len(files), enabled=show_progress) as progress:
        for outcome in _outcomes(options, agent, files, sizes, progress, reporter):
            progress.clear()
            reporter.add(outcome)
    return reporter.finish()


def _hint(error: DxlError, options: RunOptions, stdin: IO[bytes]) -> str:
    """For a missing `servers_group`, the groups of the inputs that qualify."""
    if not isinstance(error, MissingParameterError):
        return ""
    from dxltools.audit.fix import missing_servers_group_hint  # imported when needed: start-up

    return missing_servers_group_hint(
        error,
        options.paths,
        stdin,
        settings=options.settings,
        include=options.include,
        exclude=options.exclude,
    )


def unified_diff(old: bytes, new: bytes, name: str) -> bytes:
    """A unified diff of two versions of one export; empty when they are equal.
    Headers use forward slashes and `a/`/`b/` only for relative paths, so
    `git apply` and `patch -p1` work and absolute paths read naturally."""
    if old == new:
        return b""
    shown = PurePath(name).as_posix()
    before, after = (shown, shown) if os.path.isabs(name) else (f"a/{shown}", f"b/{shown}")
    lines = difflib.unified_diff(
        old.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        new.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        before,
        after,
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text.encode("utf-8", "surrogateescape")


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs; a pair without '=' is a usage error."""
    found = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"{pair!r}: expected NAME=VALUE", source="--set")
        found[name.strip()] = value
    return found
