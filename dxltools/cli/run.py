"""`dxltools run`: apply an agent to files, folders or a pipe; returns the exit status.

0: done, or nothing to change; 1: `--check` found something that would
change; 2: bad usage or bad input (one line on stderr naming file, line and
reason), with no file of that input written.

Each file is processed by :func:`process_file`, in this process or (with
`-j`) in a worker process; outcomes come back as values and are reported in
input order by :class:`_RunReport`, so the output of `-j 4` is the output of
`-j 1`. The options travel as small values by concern
(:mod:`dxltools.cli.run_options`), each function taking the ones it uses.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

import attrs

from dxltools.agents import Agent, load_agent
from dxltools.agents.apply import apply_agent_to_bytes, apply_agent_to_file
from dxltools.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_WOULD_CHANGE
from dxltools.cli.progress import Progress
from dxltools.cli.run_options import (
    ReportStyle,
    RunOptions,
    Work,
    WriteMode,
    check_inputs,
    check_options,
)
from dxltools.cli.streams import line_after_output
from dxltools.errors import DxlError, MissingParameterError
from dxltools.fs.atomic import remove_stale_temporaries
from dxltools.fs.files import (
    STDIN_NAME,
    InputFile,
    find_inputs,
    read_error,
    reads_stdin,
    skip_reason,
)
from dxltools.fs.lock import locked
from dxltools.fs.output import backups_of
from dxltools.records import Record
from dxltools.rewrite.diff import unified_diff
from dxltools.rewrite.stream import RewriteReport


@attrs.frozen(repr=False)
class FileOutcome(Record):
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


def _in_memory(write: WriteMode, work: Work, agent: Agent, data: bytes, source: str) -> _Rewritten:
    """Rewrite in memory for `--diff` (without -i or -o) and pipe mode.
    Buffering means a bad input never leaves half an export on stdout."""
    result = apply_agent_to_bytes(data, agent, source=source, audit=work.audit, strict=work.strict)
    if write.diff:
        return _Rewritten(result.report, unified_diff(data, result.data, source))
    return _Rewritten(result.report, result.data if write.writes_stdout else b"")


@attrs.frozen(repr=False)
class _Rewritten(Record):
    report: RewriteReport
    stdout: bytes = b""
    notices: tuple[str, ...] = ()


def _rewrite(
    write: WriteMode, work: Work, agent: Agent, item: InputFile, hooks: Hooks, parts: int
) -> _Rewritten:
    source = str(item.path)
    if not write.writes_file:
        if write.check and not write.diff:
            report = apply_agent_to_file(
                item.path,
                agent,
                check=True,
                audit=work.audit,
                on_read=hooks.on_read,
                strict=work.strict,
            )
            return _Rewritten(report)
        data = item.path.read_bytes()
        if hooks.on_read is not None:
            hooks.on_read(len(data))
        return _in_memory(write, work, agent, data, source)
    target = write.output.target_of(item) if write.output else item.path
    before = item.path.read_bytes() if write.diff else b""
    backups = backups_of(target, write.backup)
    if write.output:
        write.output.make_folders(target)
    # The lock keeps two scheduled runs from interleaving on one file; while we
    # hold it, any temporary file of that name is a killed run's leftover.
    # The lock is the target's: with -o, its errors name the output, not the input.
    with locked(target, wait=work.wait, source=str(target), on_wait=hooks.on_wait):
        remove_stale_temporaries(target)
        report = apply_agent_to_file(
            item.path,
            agent,
            output=target if write.output else None,
            backup=write.backup,
            audit=work.audit,
            on_read=hooks.on_read,
            parts=parts,
            strict=work.strict,
        )
    diff = unified_diff(before, target.read_bytes(), source) if write.diff else b""
    notices: tuple[str, ...] = ()
    kept = backups_of(target, write.backup)
    if report.changed and len(kept) > len(backups):
        notices = (f"{source}: earlier backup kept as {kept[-1]}",)
    return _Rewritten(report, diff, notices)


@attrs.frozen(repr=False)
class Hooks(Record):
    """What a caller is told while one file is processed: bytes read (for a
    progress bar) and the start of a wait for another run's lock."""

    on_read: Callable[[int], None] | None = None
    on_wait: Callable[[], None] | None = None


def process_file(
    write: WriteMode,
    work: Work,
    agent: Agent,
    item: InputFile,
    hooks: Hooks = Hooks(),
    parts: int = 1,
) -> FileOutcome:
    """Apply the agent to one file as `write` and `work` say; errors become the
    outcome. `parts` > 1 lets a large file be rewritten by that many processes."""
    source = str(item.path)
    try:
        done = _rewrite(write, work, agent, item, hooks, parts)
    except DxlError as error:
        reason = skip_reason(item, error)
        if reason is not None:
            return FileOutcome(source, skipped=reason)
        return FileOutcome(source, error=str(error))
    except OSError as error:
        return FileOutcome(source, error=str(read_error(error, source)))
    written = write.writes_file and (bool(write.output) or done.report.changed)
    return FileOutcome(
        source, done.report, stdout=done.stdout, written=written, notices=done.notices
    )


def process_stdin(write: WriteMode, work: Work, agent: Agent, stream: IO[bytes]) -> FileOutcome:
    try:
        done = _in_memory(write, work, agent, stream.read(), STDIN_NAME)
    except DxlError as error:
        return FileOutcome(STDIN_NAME, error=str(error))
    return FileOutcome(STDIN_NAME, report=done.report, stdout=done.stdout)


# -- several files, in parallel ----------------------------------------------------------

_AgentKey = tuple[str, tuple[tuple[str, str], ...]]  # an agent's name and its settings
_worker_agents: dict[_AgentKey, Agent] = {}


def _process_in_worker(
    key: _AgentKey, write: WriteMode, work: Work, item: InputFile
) -> FileOutcome:
    """Run in a worker process: the agent is loaded once per process."""
    agent = _worker_agents.get(key)
    if agent is None:
        agent = _worker_agents[key] = load_agent(key[0], dict(key[1]))
    return process_file(write, work, agent, item)


def _outcomes(
    options: RunOptions,
    agent: Agent,
    files: Sequence[InputFile],
    sizes: Sequence[int],
    progress: Progress,
    run_report: _RunReport,
) -> Generator[FileOutcome, None, None]:
    """Every file's outcome, in input order, whatever the number of jobs."""
    write, work = options.write, options.work
    jobs = min(work.jobs, len(files))
    if jobs <= 1:
        for item in files:

            def waiting(item: InputFile = item) -> None:
                progress.clear()
                run_report.say(f"{item.path}: waiting for another dxltools run to finish with it")

            hooks = Hooks(on_read=progress.advance, on_wait=waiting)
            # One file and several jobs: the jobs share the file (dxltools.rewrite.parts).
            parts = work.jobs if len(files) == 1 else 1
            yield process_file(write, work, agent, item, hooks, parts)
            progress.file_done()
        return
    key = (options.agent, tuple(sorted(options.settings.items())))
    in_worker = functools.partial(_process_in_worker, key, write, work)
    import concurrent.futures  # imported when used: start-up (see docs/DECISIONS.md)

    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            results = pool.map(in_worker, files)
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


class _RunReport:
    """The report of one run as it grows: turns outcomes into stderr lines,
    stdout bytes and the JSON report, and gives the exit status."""

    def __init__(
        self, style: ReportStyle, write: WriteMode, stdout: IO[bytes], stderr: TextIO
    ) -> None:
        self.style = style
        self.write = write
        self.json_on_stderr = style.json_on_stderr(write)
        self.stdout = stdout
        self.stderr = stderr
        self.results: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.would_change = False
        self.failed = False

    def say(self, text: str) -> None:
        # When the JSON report goes to stderr, no human lines are mixed into it.
        if not (self.style.quiet or self.json_on_stderr):
            line_after_output(self.stdout, self.stderr, text)

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
            if not self.json_on_stderr:
                line_after_output(self.stdout, self.stderr, f"dxltools: {outcome.error}")
            return
        self._describe(outcome.report)
        for notice in outcome.notices:
            self.say(notice)

    def _describe(self, report: RewriteReport) -> None:
        self.would_change = self.would_change or report.changed
        # Only what happened: --check and --diff alone write nothing.
        verb = "changed" if self.write.writes_file or self.write.writes_stdout else "would change"
        if report.changed:
            self.say(f"{report.source}: {verb} {report.notes_changed} of {report.notes_seen} notes")
        elif self.style.verbose:
            self.say(f"{report.source}: nothing to change ({report.notes_seen} notes)")
        for note in report.notes:
            for change in note.changes if self.style.verbose else ():
                self.say(f"  {note.unid or note.line}: {change}")
            for warning in note.warnings:
                self.say(f"{report.source}:{note.line}: warning: {warning}")
        for warning in report.warnings:
            self.say(f"{report.source}: warning: {warning}")

    def finish(self) -> int:
        self.stdout.flush()
        if self.style.json:
            self._write_json()
        if self.failed:
            return EXIT_ERROR
        if self.write.check and self.would_change:
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
        import json  # only --json needs it: 2.4 ms of start-up otherwise

        text = json.dumps(summary, indent=2) + "\n"
        if self.json_on_stderr:
            self.stderr.write(text)
        else:
            self.stdout.write(text.encode("utf-8"))
            self.stdout.flush()


# -- the command -------------------------------------------------------------------------


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
        check_inputs(options.write, files)
    except DxlError as error:
        print(f"dxltools: {error}{_hint(error, options, stdin)}", file=stderr)
        return EXIT_ERROR
    run_report = _RunReport(options.report, options.write, stdout, stderr)
    if pipe:
        run_report.add(process_stdin(options.write, options.work, agent, stdin))
        return run_report.finish()
    show_progress = options.work.progress
    if options.report.quiet or run_report.json_on_stderr:
        show_progress = False
    sizes = [_size(item.path) for item in files]
    with Progress(stderr, sum(sizes), len(files), enabled=show_progress) as progress:
        for outcome in _outcomes(options, agent, files, sizes, progress, run_report):
            progress.clear()
            run_report.add(outcome)
    return run_report.finish()


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
