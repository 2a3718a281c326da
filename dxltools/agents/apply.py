"""Run a loaded agent on an export, as `dxltools run` does, its own audit included.

:func:`apply_agent_to_file` and :func:`apply_agent_to_bytes` are what the
command runs on each input: the agent's edit, its file-level warnings, and,
for an agent with an ``[audit]`` table (`coexistence-readers`), the audit of
its result, which refuses with :class:`AuditRefusal` a result that would let
a coexistence server read another server's document. A library caller gets
exactly what the command does; ``audit=False`` is the command's `--no-audit`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import attrs

from dxltools.agents import Agent, AgentRun, AuditSpec
from dxltools.dxl.model import Note
from dxltools.dxl.segments import Prolog, Segment
from dxltools.errors import AuditRefusal
from dxltools.fs.counting import CountingReader
from dxltools.rewrite.file import rewrite_file
from dxltools.rewrite.stream import RewriteReport, RewriteResult, rewrite_bytes, rewrite_stream
from dxltools.rewrite.taps import Observers

if TYPE_CHECKING:
    from dxltools.audit.collect import Auditor


class OwnAudit:
    """An agent's `[audit]` of its own result, made from the output as it is
    written (a tap on the rewrite), so the file is not read a second time."""

    def __init__(self, spec: AuditSpec, source: str) -> None:
        # Imported here: most agents have no audit, and start-up counts on every run.
        from dxltools.audit.collect import Auditor

        self.source = source
        self.auditor = Auditor(
            domain=spec.domain, domain_type=spec.domain_type, server_items=spec.server_items
        )
        self.interest = self.auditor.interest

    def __call__(self, segment: Segment, prolog: Prolog, note: Note | None = None, /) -> None:
        self.auditor.add_segment(segment, prolog, self.source, note)

    def part_state(self) -> object:
        """What one part of the file taught the audit (see :mod:`dxltools.rewrite.parts`)."""
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


def own_audit(agent: Agent, source: str, enabled: bool = True) -> OwnAudit | None:
    """The agent's audit of its result on `source`, or None (no `[audit]`, or disabled)."""
    spec = agent.audit
    return OwnAudit(spec, source) if spec is not None and enabled else None


class _NullOutput:
    """Where a check sends the rewritten bytes: nowhere."""

    def write(self, data: bytes, /) -> int:
        return len(data)


def _with_warnings(report: RewriteReport, run: AgentRun) -> RewriteReport:
    """The file-level warnings of the agent's run, for a file that holds notes
    (a design element exported on its own holds none: nothing to warn about)."""
    if not report.notes_seen:
        return report
    return attrs.evolve(report, warnings=report.warnings + run.warnings())


def apply_agent_to_bytes(
    data: bytes,
    agent: Agent,
    *,
    source: str = "<bytes>",
    audit: bool = True,
    strict: bool = False,
) -> RewriteResult:
    """The agent's result on an in-memory export; raises :class:`AuditRefusal`
    when the result fails the agent's own audit. `strict`: the notes passed
    over unread are checked for well-formedness too."""
    run = agent.start()
    tap = own_audit(agent, source, audit)
    result = rewrite_bytes(data, run.edit, select=run.wants, source=source, tap=tap, strict=strict)
    if result.report.changed and tap is not None:
        tap.check()
    return RewriteResult(result.data, _with_warnings(result.report, run))


def apply_agent_to_file(
    path: str | os.PathLike[str],
    agent: Agent,
    *,
    output: str | os.PathLike[str] | None = None,
    backup: str | None = None,
    check: bool = False,
    audit: bool = True,
    on_read: Callable[[int], None] | None = None,
    parts: int = 1,
    strict: bool = False,
) -> RewriteReport:
    """Rewrite the file at `path` with the agent, in place or into `output`,
    atomically (see :func:`dxltools.rewrite_file` for `backup`, `on_read` and
    `parts`; `strict` as for :func:`apply_agent_to_bytes`). `check` writes
    nothing and reports what would change. Either way, a result that fails the
    agent's own audit raises :class:`AuditRefusal` and nothing is written."""
    source = str(path)
    run = agent.start()
    tap = own_audit(agent, source, audit)
    if check:
        with open(path, "rb") as stream:
            reader: IO[bytes] = stream if on_read is None else CountingReader(stream, on_read)
            report = rewrite_stream(
                reader,
                _NullOutput(),
                run.edit,
                select=run.wants,
                source=source,
                tap=tap,
                strict=strict,
            )
        if report.changed and tap is not None:
            tap.check()
        return _with_warnings(report, run)
    report = rewrite_file(
        Path(path),
        run.edit,
        select=run.wants,
        output=output,
        backup=backup,
        on_read=on_read,
        observers=Observers(tap, None if tap is None else tap.check, learners=(run,)),
        parts=parts,
        strict=strict,
    )
    return _with_warnings(report, run)
