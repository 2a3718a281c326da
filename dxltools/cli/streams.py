"""How the commands write a line to stderr beside their output on stdout."""

from __future__ import annotations

from typing import IO, Any, TextIO


def line_after_output(stdout: IO[Any], stderr: TextIO, line: object) -> None:
    """A line on stderr, after what stdout already holds. In a log that takes both
    streams (a job's `2>&1`), stdout is buffered in the pipe: without the flush, the
    line would come before output written ahead of it. A terminal shows the same order."""
    stdout.flush()
    print(line, file=stderr)
