"""`dxltools audit`: who can read each Foreign Domain document, and which one
each server uses, from exports alone; returns the exit status.

0: no problem; 1: problems found; 2: bad usage or an input that cannot be
read (the audit of part of a directory could mislead, so none is printed).
With `--after AGENT`, each input is first rewritten by the agent in memory
and the result is audited: a what-if that writes nothing. With `--down SERVER`,
the failover part shows the routes with those servers down instead of each
coexistence server down alone; a name no export knows is exit 2.
With `--html FILE`, the report is also written, atomically, as one self-contained page.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TextIO

import attrs

from dxltools.agents import Agent, load_agent
from dxltools.agents.result import agent_result
from dxltools.audit.collect import DEFAULT_DOMAIN_TYPE, DEFAULT_SERVER_ITEMS, Auditor
from dxltools.audit.fix import (
    FIXING_AGENT,
    Fix,
    choose_servers_group,
    fix_to_json,
    fixes,
    format_fix,
    missing_servers_group_hint,
    suggest_fix,
)
from dxltools.audit.page import PageContext, PageInput, PageModel, model_of_report, write_html
from dxltools.audit.render import write_audit, write_audit_json
from dxltools.audit.report import AuditReport
from dxltools.cli.exits import EXIT_ERROR, EXIT_FOUND, EXIT_OK
from dxltools.errors import DxlError, UsageError
from dxltools.fs.atomic import atomic_output
from dxltools.fs.files import (
    STDIN_NAME,
    InputFile,
    find_inputs,
    read_error,
    reads_stdin,
    skip_reason,
)
from dxltools.records import Record

_COMMAND = "dxltools audit"


@attrs.frozen(repr=False)
class AuditOptions(Record):
    paths: tuple[str, ...] = ()
    domain: str | None = None
    domain_type: str | None = None  # None: the --after agent's, else ForeignDomain
    json: bool = False
    after: str | None = None  # an agent whose result is audited instead of the inputs
    settings: Mapping[str, str] = attrs.field(factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    down: tuple[str, ...] = ()  # servers to simulate down; none: each coexistence server alone
    html: str | None = None  # also write the report as a page to this file
    strict: bool = False  # check the notes passed over unread for well-formedness too
    quiet: bool = False  # no line for a skipped file


def _auditor(options: AuditOptions, agent: Agent | None) -> Auditor:
    """Domain, type and server items: the command line's, else the agent's audit's."""
    spec = agent.audit if agent is not None else None
    return Auditor(
        domain=options.domain or (spec.domain if spec else None),
        domain_type=options.domain_type or (spec.domain_type if spec else DEFAULT_DOMAIN_TYPE),
        server_items=spec.server_items if spec else DEFAULT_SERVER_ITEMS,
    )


def _add(
    auditor: Auditor, agent: Agent | None, stream: IO[bytes], source: str, strict: bool
) -> None:
    """Audit the export `stream` holds, or `agent`'s result on it: streamed either way,
    in constant memory."""
    if agent is None:
        auditor.add_stream(stream, source, strict)
        return
    with agent_result(agent, stream, source=source, strict=strict) as result:
        auditor.add_stream(result, source, strict)


def _add_file(auditor: Auditor, agent: Agent | None, item: InputFile, strict: bool) -> None:
    source = str(item.path)
    try:
        with open(item.path, "rb") as stream:
            _add(auditor, agent, stream, source, strict)
    except OSError as error:
        raise read_error(error, source) from None


def _fix(
    options: AuditOptions, auditor: Auditor, report: AuditReport, agent: Agent | None
) -> Fix | None:
    """The command that fixes what the audit found, if coexistence-readers fixes any."""
    if not any(map(fixes, report.problems)):
        return None  # the candidates cost a second pass over the groups: only when needed
    choice = choose_servers_group(report, auditor)
    # The parameters of `--after coexistence-readers` other than servers_group still hold.
    settings = options.settings if agent is not None and agent.name == FIXING_AGENT else {}
    return suggest_fix(
        report,
        choice,
        options.paths,
        domain=auditor.domain,
        settings=settings,
        include=options.include,
        exclude=options.exclude,
    )


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None  # the read that follows reports it


def _check_page_target(target: str, items: Sequence[InputFile]) -> None:
    """Refuse a page that would replace one of the exports it reports on."""
    if target == "-":
        raise UsageError(
            "--html needs a file name (standard output carries the report)", source=_COMMAND
        )
    real = os.path.realpath(target)
    for item in items:
        if os.path.realpath(item.path) == real:
            raise UsageError(
                f"--html {target} is one of the inputs; name another file", source=_COMMAND
            )


def _write_page(target: str, model: PageModel, context: PageContext) -> None:
    with atomic_output(Path(target), source=target) as output:
        write_html(model, context, output.stream)


def run_audit(options: AuditOptions, stdin: IO[bytes], stdout: TextIO, stderr: TextIO) -> int:
    """Audit the inputs (or an agent's result on them) and print the report; with
    `html`, write the page first (a page that cannot be written is exit 2, no report).
    XML that is not DXL, found by a folder walk, is skipped and named."""
    inputs: list[PageInput] = []
    skipped: list[dict[str, str]] = []
    try:
        agent = load_agent(options.after, options.settings) if options.after else None
        auditor = _auditor(options, agent)
        if reads_stdin(options.paths):
            if options.html is not None:
                _check_page_target(options.html, ())
            data = stdin.read()
            inputs.append(PageInput(STDIN_NAME, len(data)))
            _add(auditor, agent, io.BytesIO(data), STDIN_NAME, options.strict)
        else:
            items = find_inputs(options.paths, options.include, options.exclude)
            if options.html is not None:
                _check_page_target(options.html, items)
            for item in items:
                try:
                    _add_file(auditor, agent, item, options.strict)
                except DxlError as error:
                    # Not DXL: refused at its root, before anything of it was taken.
                    reason = skip_reason(item, error)
                    if reason is None:
                        raise
                    skipped.append({"path": str(item.path), "reason": reason})
                    if not options.quiet:
                        print(f"{item.path}: skipped: {reason}", file=stderr)
                    continue
                inputs.append(PageInput(str(item.path), _size(item.path)))
        report = auditor.report(options.down or None)
        fix = _fix(options, auditor, report, agent)
        extra = {"fix": fix_to_json(fix), "skipped": skipped}
        if options.html is not None:
            # The page reads what --json writes, a domain at a time.
            model = model_of_report(report, extra)
            context = PageContext(
                tuple(inputs), dt.datetime.now(dt.UTC), agent.name if agent else None
            )
            _write_page(options.html, model, context)
    except DxlError as error:
        hint = missing_servers_group_hint(
            error,
            options.paths,
            stdin,
            settings=options.settings,
            include=options.include,
            exclude=options.exclude,
        )
        print(f"dxltools: {error}{hint}", file=stderr)
        return EXIT_ERROR
    status = EXIT_OK if report.ok else EXIT_FOUND
    if options.domain and report.domain(options.domain) is None:
        seen = ", ".join(sorted(auditor.domains_seen.values(), key=str.casefold)) or "none"
        print(
            f"--domain {options.domain}: warning: no {auditor.domain_type} document of that "
            f"domain (domains seen: {seen})",
            file=stderr,
        )
        status = max(status, EXIT_FOUND)
    if options.json:
        # the failover routes a scenario at a time
        write_audit_json(report, stdout, extra)
    else:
        if agent is not None:
            stdout.write(f"after {agent.name} (nothing written):\n")
        write_audit(report, stdout)  # a domain at a time: the text is large
        if fix is not None:
            stdout.write(format_fix(fix))
    return status
