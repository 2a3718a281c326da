"""`dxltools run`: apply an agent to files, folders or a pipe; returns the exit status.

0: done, or nothing to change; 1: `--check` found something that would
change; 2: bad usage or bad input (one line on stderr naming file, line and
reason), with no file of that input written.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

import attrs

from dxltools.agents import Agent, AgentRun, load_agent
from dxltools.errors import DxlError
from dxltools.rewrite import RewriteReport, rewrite_bytes, rewrite_file, rewrite_stream

EXIT_OK, EXIT_WOULD_CHANGE, EXIT_ERROR = 0, 1, 2
SUFFIXES = (".dxl", ".xml")
STDIN = "-"


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

    @property
    def writes_stdout(self) -> bool:
        """Whether standard output carries the rewritten DXL."""
        return not (self.in_place or self.output or self.check or self.diff)

    @property
    def json_on_stderr(self) -> bool:
        return self.json and self.writes_stdout


class UsageError(DxlError, ValueError):
    """The command line asks for something that cannot be done."""


class _NullOutput:
    """Where `--check` sends the rewritten bytes: nowhere."""

    def write(self, data: bytes, /) -> int:
        return len(data)


def expand_paths(paths: Iterable[str]) -> Iterator[tuple[Path, Path]]:
    """Files to process, each with the path it has relative to the argument
    it came from (for `-o FOLDER`); folders are searched for *.dxl and *.xml."""
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in SUFFIXES:
                    yield found, found.relative_to(path)
        else:
            yield path, Path(path.name)


def _check_usage(options: RunOptions, count: int) -> None:
    if options.in_place and options.output:
        raise UsageError("use either -i/--in-place or -o/--output, not both", source="dxltools run")
    if options.backup and not options.in_place:
        raise UsageError("--backup goes with -i/--in-place", source="dxltools run")
    if count > 1 and options.writes_stdout:
        raise UsageError(
            f"{count} inputs: give -i, -o FOLDER, --check or --diff "
            "(dxltools does not concatenate exports)",
            source="dxltools run",
        )


def _check_distinct_outputs(options: RunOptions, files: Sequence[tuple[Path, Path]]) -> None:
    """`-o FOLDER` with two inputs of one relative name would lose one result."""
    if not options.output or len(files) < 2:
        return
    seen: dict[Path, Path] = {}
    for path, relative in files:
        if relative in seen:
            raise UsageError(
                f"-o {options.output}: {seen[relative]} and {path} would both be written to "
                f"{relative}",
                source="dxltools run",
            )
        seen[relative] = path


def _report_json(report: RewriteReport) -> dict[str, Any]:
    return {
        "path": report.source,
        "changed": report.changed,
        "notes_seen": report.notes_seen,
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


class _Run:
    def __init__(
        self, options: RunOptions, agent: Agent, stdout: IO[bytes], stderr: TextIO
    ) -> None:
        self.options = options
        self.agent = agent
        self.stdout = stdout
        self.stderr = stderr
        self.current: AgentRun = agent.start()
        self.results: list[dict[str, Any]] = []
        self.would_change = False
        self.failed = False

    def say(self, text: str) -> None:
        # When the JSON report goes to stderr, no human lines are mixed into it.
        if not (self.options.quiet or self.options.json_on_stderr):
            print(text, file=self.stderr)

    def record(self, report: RewriteReport) -> None:
        report = attrs.evolve(report, warnings=report.warnings + self.current.warnings())
        self.results.append(_report_json(report))
        self.would_change = self.would_change or report.changed
        verb = "would change" if self.options.check and not self.options.diff else "changed"
        if report.changed:
            self.say(f"{report.source}: {verb} {report.notes_changed} of {report.notes_seen} notes")
        elif self.options.verbose:
            self.say(f"{report.source}: nothing to change ({report.notes_seen} notes)")
        for note in report.notes:
            for change in note.changes if self.options.verbose else ():
                self.say(f"  {note.unid or note.line}: {change}")
            for warning in note.warnings:
                self.say(f"{report.source}:{note.line}: warning: {warning}")
        for warning in report.warnings:
            self.say(f"{report.source}: warning: {warning}")

    def fail(self, error: DxlError, source: str) -> None:
        self.failed = True
        if not self.options.json_on_stderr:
            print(f"dxltools: {error}", file=self.stderr)
        self.results.append({"path": source, "changed": False, "error": str(error)})

    def one(self, path: Path, relative: Path) -> None:
        options = self.options
        current = self.current = self.agent.start()
        source = str(path)
        try:
            if options.diff or options.writes_stdout:
                report = self._in_memory(path.read_bytes(), source)
            elif options.check:
                with open(path, "rb") as stream:
                    report = rewrite_stream(
                        stream, _NullOutput(), current.edit, select=current.wants, source=source
                    )
            else:
                target = self._target(relative) if options.output else None
                if target is not None:
                    target.parent.mkdir(parents=True, exist_ok=True)
                report = rewrite_file(
                    path, current.edit, select=current.wants, output=target, backup=options.backup
                )
        except FileNotFoundError:
            self.fail(DxlError("no such file", source=source), source)
            return
        except OSError as error:
            self.fail(DxlError(f"cannot read: {error.strerror}", source=source), source)
            return
        except DxlError as error:
            self.fail(error, source)
            return
        self.record(report)

    def _target(self, relative: Path) -> Path:
        output = Path(self.options.output or "")
        several = len(self.options.paths) > 1 or any(Path(p).is_dir() for p in self.options.paths)
        return output / relative if several or output.is_dir() else output

    def _in_memory(self, data: bytes, source: str) -> RewriteReport:
        """Rewrite in memory, then print the diff or the DXL as asked. Buffering
        means a bad input never leaves half an export on stdout."""
        result = rewrite_bytes(data, self.current.edit, select=self.current.wants, source=source)
        if self.options.diff:
            self.stdout.write(_diff(data, result.data, source))
        elif self.options.writes_stdout:
            self.stdout.write(result.data)
        return result.report

    def stdin(self, stream: IO[bytes]) -> None:
        self.current = self.agent.start()
        try:
            report = self._in_memory(stream.read(), "<stdin>")
        except DxlError as error:
            self.fail(error, "<stdin>")
            return
        self.record(report)


def _diff(old: bytes, new: bytes, name: str) -> bytes:
    if old == new:
        return b""
    lines = difflib.unified_diff(
        old.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        new.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text.encode("utf-8", "surrogateescape")


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
    try:
        agent = load_agent(options.agent, options.settings)
        files = (
            []
            if not options.paths or options.paths == (STDIN,)
            else list(expand_paths(options.paths))
        )
        _check_usage(options, len(files))
        _check_distinct_outputs(options, files)
        if options.in_place and not files:
            raise UsageError("-i/--in-place needs files, not standard input", source="dxltools run")
    except DxlError as error:
        print(f"dxltools: {error}", file=stderr)
        return EXIT_ERROR
    run = _Run(options, agent, stdout, stderr)
    if files:
        for path, relative in files:
            run.one(path, relative)
    else:
        run.stdin(stdin)
    stdout.flush()
    if options.json:
        summary = {
            "files": run.results,
            "summary": {
                "files": len(run.results),
                "changed": sum(bool(result.get("changed")) for result in run.results),
                "errors": sum(bool(result.get("error")) for result in run.results),
            },
        }
        text = json.dumps(summary, indent=2) + "\n"
        if options.json_on_stderr:
            stderr.write(text)
        else:
            stdout.write(text.encode("utf-8"))
            stdout.flush()
    if run.failed:
        return EXIT_ERROR
    if options.check and run.would_change:
        return EXIT_WOULD_CHANGE
    return EXIT_OK


def parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs; a pair without '=' is a usage error."""
    found = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE", source="dxltools run")
        found[name.strip()] = value
    return found
