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
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

import attrs

from dxltools.agents import Agent, AgentRun, AuditSpec, MissingParameterError, load_agent
from dxltools.atomic import remove_stale_temporaries
from dxltools.errors import DxlError, UsageError
from dxltools.exits import EXIT_ERROR, EXIT_OK, EXIT_WOULD_CHANGE
from dxltools.files import InputFile, find_inputs, read_error, reads_stdin
from dxltools.lock import locked
from dxltools.model import Note
from dxltools.progress import CountingReader, Progress
from dxltools.rewrite import RewriteReport, rewrite_bytes, rewrite_file, rewrite_stream
from dxltools.scan import Prolog, Segment

if TYPE_CHECKING:
    from dxltools.audit import Auditor

STDIN_NAME = "<stdin>"


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

    @property
    def writes_stdout(self) -> bool:
        """Whether standard output carries the rewritten DXL."""
        return not (self.in_place or self.output or self.check or self.diff)

    @property
    def json_on_stderr(self) -> bool:
        return self.json and self.writes_stdout


@attrs.frozen
class FileOutcome:
    """What processing one input gave: a report, or an error; plus the bytes
    meant for stdout (the diff, or the DXL in pipe mode)."""

    source: str
    report: RewriteReport | None = None
    error: str | None = None
    stdout: bytes = attrs.field(default=b"", repr=False)


class AuditRefusal(DxlError, ValueError):
    """An agent's result failed the agent's own audit; nothing was written."""


class _OwnAudit:
    """An agent's `[audit]` of its own result, made from the output as it is
    written (a tap on the rewrite), so the file is not read a second time."""

    def __init__(self, spec: AuditSpec, source: str) -> None:
        # Imported here: most agents have no audit, and start-up counts on every run.
        from dxltools.audit import INTEREST, Auditor

        self.interest = INTEREST
        self.source = source
        self.auditor = Auditor(
            domain=spec.domain, domain_type=spec.domain_type, server_items=spec.server_items
        )

    def __call__(self, segment: Segment, prolog: Prolog, note: Note | None = None, /) -> None:
        self.auditor.add_segment(segment, prolog, self.source, note)

    def part_state(self) -> object:
        """What one part of the file taught the audit (see :mod:`dxltools.parts`)."""
        return self.auditor

    def absorb_part(self, state: object) -> None:
        later = cast("Auditor", state)
        if self.auditor.sources:
            self.auditor.absorb(later)
        else:  # the first part: its auditor is what this one would have become
            self.auditor = later

    def check(self) -> None:
        """Refuse a result that lets a coexistence server read another's document."""
        leaks = self.auditor.coexistence_leaks()
        if leaks:
            problems = "; ".join(f"{problem.code}: {problem.message}" for problem in leaks)
            raise AuditRefusal(
                f"refusing to write: the result fails its audit: {problems} "
                "(check the agent's parameters; --no-audit skips this check)",
                source=self.source,
            )


def _own_audit(options: RunOptions, run: AgentRun, source: str) -> _OwnAudit | None:
    spec = run.agent.audit
    return _OwnAudit(spec, source) if spec is not None and options.audit else None


class _NullOutput:
    """Where `--check` sends the rewritten bytes: nowhere."""

    def write(self, data: bytes, /) -> int:
        return len(data)


# -- one file ----------------------------------------------------------------------------


def _output_target(options: RunOptions, item: InputFile) -> Path | None:
    if not options.output:
        return None
    output = Path(options.output)
    several = len(options.paths) > 1 or any(Path(p).is_dir() for p in options.paths)
    return output / item.relative if several or output.is_dir() else output


def _rewrite_in_memory(
    options: RunOptions, run: AgentRun, data: bytes, source: str
) -> tuple[RewriteReport, bytes]:
    """Rewrite in memory for `--diff` and pipe mode. Buffering means a bad input
    never leaves half an export on stdout."""
    audit = _own_audit(options, run, source)
    result = rewrite_bytes(data, run.edit, select=run.wants, source=source, tap=audit)
    if result.report.changed and audit is not None:
        audit.check()
    if options.diff:
        return result.report, unified_diff(data, result.data, source)
    return result.report, result.data if options.writes_stdout else b""


def _rewrite(
    options: RunOptions, run: AgentRun, item: InputFile, hooks: Hooks, parts: int
) -> tuple[RewriteReport, bytes]:
    source = str(item.path)
    if options.diff or options.writes_stdout:
        data = item.path.read_bytes()
        if hooks.on_read is not None:
            hooks.on_read(len(data))
        return _rewrite_in_memory(options, run, data, source)
    if options.check:
        return _check_only(options, run, item, hooks), b""
    target = _output_target(options, item) or item.path
    audit = _own_audit(options, run, source)
    if options.output:
        target.parent.mkdir(parents=True, exist_ok=True)
    # The lock keeps two scheduled runs from interleaving on one file; while we
    # hold it, any temporary file of that name is a killed run's leftover.
    with locked(target, wait=options.wait, source=source, on_wait=hooks.on_wait):
        remove_stale_temporaries(target)
        report = rewrite_file(
            item.path,
            run.edit,
            select=run.wants,
            output=target if options.output else None,
            backup=options.backup,
            on_read=hooks.on_read,
            check_output=None if audit is None else audit.check,
            tap=audit,
            parts=parts,
            keep=(run,) if audit is None else (run, audit),
        )
    return report, b""


def _check_only(options: RunOptions, run: AgentRun, item: InputFile, hooks: Hooks) -> RewriteReport:
    """`--check`: the new bytes go nowhere, but are audited as `-i` would audit
    them, so `--check` refuses what `-i` would refuse."""
    source = str(item.path)
    audit = _own_audit(options, run, source)
    with open(item.path, "rb") as stream:
        reader = stream if hooks.on_read is None else CountingReader(stream, hooks.on_read)
        report = rewrite_stream(
            reader, _NullOutput(), run.edit, select=run.wants, source=source, tap=audit
        )
    if report.changed and audit is not None:
        audit.check()
    return report


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
    run = agent.start()
    try:
        report, stdout = _rewrite(options, run, item, hooks, parts)
    except DxlError as error:
        return FileOutcome(source, error=str(error))
    except OSError as error:
        return FileOutcome(source, error=str(read_error(error, source)))
    report = attrs.evolve(report, warnings=report.warnings + run.warnings())
    return FileOutcome(source, report=report, stdout=stdout)


def process_stdin(options: RunOptions, agent: Agent, stream: IO[bytes]) -> FileOutcome:
    run = agent.start()
    try:
        report, stdout = _rewrite_in_memory(options, run, stream.read(), STDIN_NAME)
    except DxlError as error:
        return FileOutcome(STDIN_NAME, error=str(error))
    report = attrs.evolve(report, warnings=report.warnings + run.warnings())
    return FileOutcome(STDIN_NAME, report=report, stdout=stdout)


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
            # One file and several jobs: the jobs share the file (dxltools.parts).
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
        return {"path": outcome.source, "changed": False, "error": outcome.error}
    return {
        "path": report.source,
        "changed": report.changed,
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
        self.would_change = False
        self.failed = False

    def say(self, text: str) -> None:
        # When the JSON report goes to stderr, no human lines are mixed into it.
        if not (self.options.quiet or self.options.json_on_stderr):
            print(text, file=self.stderr)

    def add(self, outcome: FileOutcome) -> None:
        self.results.append(report_json(outcome))
        if outcome.stdout:
            self.stdout.write(outcome.stdout)
        if outcome.report is None:
            self.failed = True
            if not self.options.json_on_stderr:
                print(f"dxltools: {outcome.error}", file=self.stderr)
            return
        self._describe(outcome.report)

    def _describe(self, report: RewriteReport) -> None:
        options = self.options
        self.would_change = self.would_change or report.changed
        verb = "would change" if options.check and not options.diff else "changed"
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


def _check_usage(options: RunOptions, files: Sequence[InputFile], pipe: bool) -> None:
    def refuse(reason: str) -> UsageError:
        return UsageError(reason, source="dxltools run")

    if options.in_place and options.output:
        raise refuse("use either -i/--in-place or -o/--output, not both")
    if options.backup and not options.in_place:
        raise refuse("--backup goes with -i/--in-place")
    if options.jobs < 1:
        raise refuse(f"-j/--jobs {options.jobs}: give a number of processes, 1 or more")
    if pipe and options.in_place:
        raise refuse("-i/--in-place needs files, not standard input")
    if len(files) > 1 and options.writes_stdout:
        raise refuse(
            f"{len(files)} inputs: give -i, -o FOLDER, --check or --diff "
            "(dxltools does not concatenate exports)"
        )
    if options.output and len(files) > 1:
        seen: dict[Path, Path] = {}
        for item in files:
            if item.relative in seen:
                raise refuse(
                    f"-o {options.output}: {seen[item.relative]} and {item.path} would both be "
                    f"written to {item.relative}"
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
        agent = load_agent(options.agent, options.settings)
        files = [] if pipe else find_inputs(options.paths, options.include, options.exclude)
        _check_usage(options, files, pipe)
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
    from dxltools.fix import missing_servers_group_hint  # imported when needed: start-up

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
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE", source="dxltools run")
        found[name.strip()] = value
    return found
