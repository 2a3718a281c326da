"""`dxltools validate`: each input (or stdin) checked, its problems printed as they
are found (text) or reported once at the end (JSON); see :func:`run_validate`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any, TextIO

import attrs

from dxltools.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS
from dxltools.cli.streams import line_after_output
from dxltools.errors import UsageError
from dxltools.fs.files import STDIN_NAME, InputFile, find_inputs, read_error, reads_stdin
from dxltools.records import Record
from dxltools.validate.check import FileCheck
from dxltools.validate.dtd import chosen_dtd
from dxltools.validate.problems import ValidationProblem


@attrs.frozen(repr=False)
class ValidateOptions(Record):
    paths: tuple[str, ...] = ()
    dtd_dir: str | None = None
    dtd: str | None = None  # a DTD file or a release, instead of the DOCTYPE's
    json: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    quiet: bool = False


@attrs.define(repr=False)
class FileResult(Record):
    """What validate found in one file. The problems are kept for the JSON report
    only: the text report prints them as they come, so a file with a million
    problems costs no memory."""

    path: str
    problems: list[ValidationProblem] = attrs.field(factory=list)
    errors: int = 0  # problems that make the file invalid
    error: str | None = None  # the file could not be checked to its end
    dtd: Path | None = None
    skipped: str | None = None  # found by a folder walk, not DXL: why it was skipped

    @property
    def valid(self) -> bool:
        return self.error is None and not self.errors

    @property
    def status(self) -> int:
        if self.error is not None:
            return EXIT_ERROR
        return EXIT_OK if self.valid else EXIT_PROBLEMS

    def add(self, problem: ValidationProblem, listed: bool) -> None:
        if problem.fatal:
            self.error = str(problem)
        elif problem.severity == "error":
            self.errors += 1
        if listed:  # the JSON report lists every problem; the text report prints them as found
            self.problems.append(problem)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "dtd": str(self.dtd) if self.dtd is not None else None,
            "problems": [
                {
                    "line": problem.line,
                    "column": problem.column or None,
                    "code": problem.code,
                    "severity": problem.severity,
                    "message": problem.message,
                }
                for problem in self.problems
            ],
            "error": self.error,
        }


def _dtd_dir(option: str | None) -> Path | None:
    if option is None:
        return None
    path = Path(option)
    if not path.is_dir():
        reason = "not a folder" if path.exists() else "no such folder"
        raise UsageError(f"{option}: {reason}", source="--dtd-dir")
    return path


class _ValidateReport:
    """Prints problems as they are found (text) or collects them (JSON)."""

    def __init__(self, options: ValidateOptions, stdout: TextIO, stderr: TextIO) -> None:
        self.options = options
        self.stdout = stdout
        self.stderr = stderr
        self.results: list[FileResult] = []
        self.skipped: list[FileResult] = []

    def problem(self, problem: ValidationProblem) -> None:
        if self.options.json:
            return
        if problem.fatal:  # the file could not be checked: an error, in the one format
            self._say(f"dxltools: {problem}")
        elif problem.severity == "note":
            if not self.options.quiet:
                self._say(problem)
        else:
            print(problem, file=self.stdout)

    def skip(self, result: FileResult) -> None:
        self.skipped.append(result)
        if not (self.options.quiet or self.options.json):
            self._say(f"{result.path}: skipped: {result.skipped}")

    def failed(self, result: FileResult) -> None:
        """The file could not be read: one line on stderr, whatever the output format."""
        self._say(f"dxltools: {result.error}")

    def _say(self, line: object) -> None:
        line_after_output(self.stdout, self.stderr, line)

    def finish(self, dtd_dir: Path | None) -> int:
        self.stdout.flush()
        if self.options.json:
            report = {
                "files": [r.to_json() for r in self.results],
                "skipped": [{"path": r.path, "reason": r.skipped} for r in self.skipped],
                "summary": self._summary(dtd_dir),
            }
            self.stdout.write(json.dumps(report, indent=2) + "\n")
        elif not self.options.quiet:
            print(self._summary_line(dtd_dir), file=self.stderr)
        return max((result.status for result in self.results), default=EXIT_OK)

    def _summary(self, dtd_dir: Path | None) -> dict[str, Any]:
        results = self.results
        return {
            "files": len(results),
            "valid": sum(r.valid for r in results),
            "invalid": sum(r.status == EXIT_PROBLEMS for r in results),
            "errors": sum(r.status == EXIT_ERROR for r in results),
            "problems": sum(r.errors for r in results),
            "dtd_dir": str(dtd_dir) if dtd_dir is not None else None,
        }

    def _summary_line(self, dtd_dir: Path | None) -> str:
        summary = self._summary(dtd_dir)
        if not summary["files"]:
            return "no DXL files found"
        line = (
            f"{_count(summary['files'], 'file')} checked: {summary['valid']} valid, "
            f"{summary['invalid']} with problems ({_count(summary['problems'], 'problem')}), "
            f"{summary['errors']} unreadable, not well-formed or not DXL"
        )
        if self.skipped:
            line += f"; {len(self.skipped)} skipped (not DXL)"
        if dtd_dir is None and self.options.dtd is None:
            line += "; no DTD validation (give --dtd-dir)"
        return line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _validate(
    opened: AbstractContextManager[IO[bytes]],
    source: str,
    dtd_dir: Path | None,
    report: _ValidateReport,
    *,
    dtd: Path | None = None,
    item: InputFile | None = None,
) -> FileResult:
    """Check one input; a file that cannot be read is reported on stderr, a file
    a folder walk found that is not DXL is skipped (`item`: None for stdin)."""
    result = FileResult(source)
    try:
        with opened as stream:
            check = FileCheck(stream, source, dtd_dir, dtd=dtd)
            for problem in check.problems():
                if problem.code == "not-dxl" and item is not None and item.walked:
                    result.skipped = problem.message
                    report.skip(result)
                    return result
                result.add(problem, listed=report.options.json)
                report.problem(problem)
            result.dtd = check.dtd
    except OSError as error:
        result.error = str(read_error(error, source))
    else:
        return result
    report.failed(result)
    return result


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The file, opened only when the check starts: a missing file is its error."""
    with path.open("rb") as stream:
        yield stream


def run_validate(options: ValidateOptions, stdin: IO[bytes], stdout: TextIO, stderr: TextIO) -> int:
    """`dxltools validate`: the exit status. 0: every file valid; 1: some file is
    well-formed DXL with structure or DTD problems; 2: bad usage, a file missing
    or unreadable, not well-formed or not DXL."""
    try:
        dtd_dir = _dtd_dir(options.dtd_dir)
        dtd = chosen_dtd(options.dtd, dtd_dir) if options.dtd is not None else None
    except UsageError as error:
        print(f"dxltools: {error}", file=stderr)
        return EXIT_ERROR
    report = _ValidateReport(options, stdout, stderr)
    if reads_stdin(options.paths):
        stdin_result = _validate(nullcontext(stdin), STDIN_NAME, dtd_dir, report, dtd=dtd)
        report.results.append(stdin_result)
    else:
        for item in find_inputs(options.paths, options.include, options.exclude):
            source = str(item.path)
            result = _validate(_opened(item.path), source, dtd_dir, report, dtd=dtd, item=item)
            if result.skipped is None:
                report.results.append(result)
    return report.finish(dtd_dir)
