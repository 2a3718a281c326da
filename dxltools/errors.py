"""Errors raised by dxltools.

Every error a user can cause is a :class:`DxlError`; its ``str()`` is one line
that names the file, the line (and column when known) and the reason, so the
command line can print it as it is. Each subclass also subclasses the builtin
that matches it, so callers that catch ``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations


class DxlError(Exception):
    """Base class of every dxltools error: one line naming file, line and reason."""

    def __init__(
        self,
        reason: str,
        *,
        source: str = "<input>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column

    def located(self, source: str) -> DxlError:
        """Name the file this error came from, once the caller knows it."""
        self.source = source
        return self

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"


class DxlSyntaxError(DxlError, ValueError):
    """The input is not well-formed where dxltools reads it: truncated, unbalanced, garbage."""


class NotDxlError(DxlError, ValueError):
    """The input is well-formed XML but not a DXL export (wrong root or namespace)."""


class UnsupportedInputError(DxlError, ValueError):
    """The input is DXL, but in a form dxltools refuses to edit (for example UTF-16)."""


class EditError(DxlError, ValueError):
    """An edit cannot be applied to a note (for example no coexistence server named)."""


class VerifyError(DxlError, ValueError):
    """The rewritten output failed its own check; nothing was written."""


class WriteError(DxlError, OSError):
    """Writing or replacing the output failed; the original file is untouched."""


class ReadError(DxlError, OSError):
    """An input cannot be read: missing, a folder, or no permission."""


class UsageError(DxlError, ValueError):
    """The command line asks for something that cannot be done."""


class AgentError(DxlError, ValueError):
    """An agent file or an agent parameter is wrong."""


class MissingParameterError(AgentError):
    """A required agent parameter was not given; `parameter` names it."""

    def __init__(self, reason: str, *, parameter: str, source: str = "<input>") -> None:
        super().__init__(reason, source=source)
        self.parameter = parameter


class AuditRefusal(DxlError, ValueError):
    """An agent's result failed the agent's own audit; nothing was written."""


class ConfigError(DxlError, ValueError):
    """A settings file cannot be read, or holds an unknown key or a wrong value."""


class LockError(DxlError, OSError):
    """The file is locked by another dxltools run, or its lock cannot be taken."""
