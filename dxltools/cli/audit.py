"""`dxltools audit`: who can read each Foreign Domain document, and which one
each server uses, from exports alone; returns the exit status.

0: no problem; 1: problems found; 2: bad usage or an input that cannot be
read (the audit of part of a directory could mislead, so none is printed).
With `--after AGENT`, each input is first rewritten by the agent in memory
and the result is audited: a what-if that writes nothing. With `--html FILE`,
the report is also written, atomically, as one self-contained page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

import attrs

from dxltools.agents import Agent, load_agent
from dxltools.audit.collect import (
    DEFAULT_DOMAIN_TYPE,
    DEFAULT_SERVER_ITEMS,
    Auditor,
    audit_to_json,
    write_audit,
)
from dxltools.audit.html import PageContext, PageInput, render_html
from dxltools.cli.exits import EXIT_ERROR, EXIT_FOUND, EXIT_OK
from dxltools.errors import DxlError, UsageError
from dxltools.fs.atomic import atomic_output
from dxltools.fs.files import InputFile, find_inputs, read_error, reads_stdin
from dxltools.rewrite.stream import rewrite_bytes

STDIN_NAME = "<stdin>"
_COMMAND = "dxltools audit"


@attrs.frozen
class AuditOptions:
    paths: tuple[str, ...] = ()
    domain: str | None = None
    domain_type: str | None = None  # None: the --after agent's, else ForeignDomain
    json: bool = False
    after: str | None = None  # an agent whose result is audited instead of the inputs
    settings: Mapping[str, str] = attrs.field(factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    html: str | None = None  # also write the report as a page to this file


def _auditor(options: AuditOptions, agent: Agent | None) -> Auditor:
    """Domain, type and server items: the command line's, else the agent's audit's."""
    spec = agent.audit if agent is not None else None
    return Auditor(
        domain=options.domain or (spec.domain if spec else None),
        domain_type=options.domain_type or (spec.domain_type if spec else DEFAULT_DOMAIN_TYPE),
        server_items=spec.server_items if spec else DEFAULT_SERVER_ITEMS,
    )


def _read(item: InputFile) -> bytes:
    try:
        return item.path.read_bytes()
    except OSError as error:
        raise read_error(error, str(item.path)) from None


def _add(auditor: Auditor, agent: Agent | None, data: bytes, source: str) -> None:
    if agent is not None:
        run = agent.start()
        data = rewrite_bytes(data, run.edit, select=run.wants, source=source).data
    auditor.add_bytes(data, source)


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


def _write_page(target: str, model: Mapping[str, Any], context: PageContext) -> None:
    page = render_html(model, context)
    with atomic_output(Path(target), source=target) as output:
        output.stream.write(page)


def run_audit(options: AuditOptions, stdin: IO[bytes], stdout: TextIO, stderr: TextIO) -> int:
    """Audit the inputs (or an agent's result on them) and print the report; with
    `html`, write the page first (a page that cannot be written is exit 2, no report)."""
    inputs: list[PageInput] = []
    try:
        agent = load_agent(options.after, options.settings) if options.after else None
        auditor = _auditor(options, agent)
        if reads_stdin(options.paths):
            if options.html is not None:
                _check_page_target(options.html, ())
            data = stdin.read()
            inputs.append(PageInput(STDIN_NAME, len(data)))
            _add(auditor, agent, data, STDIN_NAME)
        else:
            items = find_inputs(options.paths, options.include, options.exclude)
            if options.html is not None:
                _check_page_target(options.html, items)
            for item in items:
                inputs.append(PageInput(str(item.path), _size(item.path)))
                if agent is None:
                    auditor.add_file(item.path)  # streamed: constant memory
                else:
                    _add(auditor, agent, _read(item), str(item.path))
        report = auditor.report()
        # One model for --json and the page: the page says what the JSON says.
        model = audit_to_json(report) if options.json or options.html else None
        if options.html is not None and model is not None:
            context = PageContext(
                tuple(inputs), dt.datetime.now(dt.UTC), agent.name if agent else None
            )
            _write_page(options.html, model, context)
    except DxlError as error:
        print(f"dxltools: {error}", file=stderr)
        return EXIT_ERROR
    if options.json:
        stdout.write(json.dumps(model, indent=2) + "\n")
    else:
        if agent is not None:
            stdout.write(f"after {agent.name} (nothing written):\n")
        write_audit(report, stdout)  # a domain at a time: the text is large
    return EXIT_OK if report.ok else EXIT_FOUND
