"""What `validate` finds: one problem value, its severity, and the codes that end a check."""

from __future__ import annotations

from typing import Literal

import attrs

from dxltools.errors import DxlError, NotDxlError, UnsupportedInputError
from dxltools.records import Record

# Problems after which the rest of the file cannot be checked (exit status 2).
FATAL_CODES = frozenset({"not-well-formed", "not-dxl", "unsupported", "dtd-unusable"})

Severity = Literal["error", "note"]


@attrs.frozen(repr=False)
class ValidationProblem(Record):
    """One finding in one file. ``column`` is 1-based, or 0 when only the line is known."""

    source: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = "error"  # "note": information that leaves the file valid

    @property
    def fatal(self) -> bool:
        """The file could not be checked past this problem."""
        return self.code in FATAL_CODES

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" + (f":{self.column}" if self.column else "")
        kind = "note: " if self.severity == "note" else ""
        return f"{where}: {kind}{self.code}: {self.message}"


class CheckStopped(Exception):
    """Ends the check of a file with a fatal problem."""

    def __init__(self, problem: ValidationProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def scan_problem(error: DxlError, source: str) -> ValidationProblem:
    """A splitter error as the fatal problem it is."""
    code = "not-well-formed"
    if isinstance(error, NotDxlError):
        code = "not-dxl"
    elif isinstance(error, UnsupportedInputError):
        code = "unsupported"
    return ValidationProblem(source, error.line or 1, error.column or 0, code, error.reason)
