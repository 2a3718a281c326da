"""The `dxltools` command: click functions only, each over a plain function."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from dxltools import __version__
from dxltools.cli import collector
from dxltools.cli.interrupt import Terminated, graceful_termination
from dxltools.errors import DxlError, UsageError
from dxltools.fs.files import DEFAULT_INCLUDE, folders_without_inputs

if TYPE_CHECKING:
    from dxltools.cli.config import Config

REPORT_URL = "https://github.com/dxltools/dxltools/issues"
F = TypeVar("F", bound=Callable[..., Any])


def _text_stdout() -> TextIO:
    """Standard output for text reports: names are printed as stored, so a
    console whose code page cannot show one gets an escape, not a crash."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    return sys.stdout


def _fail(error: DxlError, hint: str | None = None) -> NoReturn:
    click.echo(f"dxltools: {error}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    sys.exit(2)


def _config(paths: tuple[str, ...]) -> Config:
    """The settings nearest the inputs (empty when there are none); a broken file is fatal."""
    from dxltools.cli.config import find_config, settings_folder  # start-up counts

    try:
        return find_config(settings_folder(paths))
    except DxlError as error:
        _fail(error)


def _settings_line(config: Config, paths: tuple[str, ...]) -> str:
    from dxltools.cli.config import settings_folder

    if config.path is not None:
        return f"settings: {config.path}"
    folder = settings_folder(paths)
    return f"settings: none found (no dxltools.toml or [tool.dxltools] from {folder} upwards)"


def _inputs(command: str, paths: tuple[str, ...]) -> None:
    """No path and a terminal on stdin: the user forgot the path, so say it
    rather than wait for an export typed by hand."""
    if not paths and sys.stdin is not None and sys.stdin.isatty():
        _fail(
            UsageError(
                "is a terminal: give a file or folder, or pipe an export in",
                source="standard input",
            ),
            f"dxltools {command} names.dxl, or dxltools {command} < names.dxl",
        )


def _warn_empty(paths: tuple[str, ...], include: tuple[str, ...], exclude: tuple[str, ...]) -> None:
    """One warning line per folder given in which the walk finds no file to take."""
    patterns = ", ".join(include or DEFAULT_INCLUDE)
    for folder in folders_without_inputs(paths, include, exclude):
        click.echo(f"{folder}: warning: no file matching {patterns} in this folder", err=True)


class _Commands(click.Group):
    """The `dxltools` group: click's usage errors in dxltools' one error format,
    `dxltools: WHERE: reason` and at most one hint line, exit 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            where, reason, hint = _usage_problem(error)
            click.echo(f"dxltools: {where}: {reason}", err=True)
            click.echo(f"hint: {hint}", err=True)
            sys.exit(2)
        if not standalone_mode:
            return status
        sys.exit(status if isinstance(status, int) else 0)


_NO_SUCH_COMMAND = re.compile(r"No such command '(.+?)'")


def _usage_problem(error: click.ClickException) -> tuple[str, str, str]:
    """Where a click error is (the option, argument or command), why, and one hint."""
    context = getattr(error, "ctx", None)
    hint = f"see '{context.command_path if context else 'dxltools'} --help'"
    message = error.message.rstrip(".")
    if isinstance(error, click.NoSuchOption):
        if error.possibilities:
            hint = f"did you mean {' or '.join(error.possibilities)}? {hint}"
        return error.option_name, "no such option", hint
    if isinstance(error, click.BadOptionUsage):
        reason = re.sub(r"^[Oo]ption '[^']*' ", "", message)
        return error.option_name, _lower_first(reason), hint
    if isinstance(error, click.BadParameter):
        where = error.param_hint if isinstance(error.param_hint, str) else None
        if where is None and error.param is not None:
            param = error.param
            where = "/".join(param.opts) if param.param_type_name == "option" else None
            where = where or (param.human_readable_name or "argument").upper()
        if isinstance(error, click.MissingParameter):
            message = f"missing {error.param.param_type_name if error.param else 'parameter'}"
        return where or "dxltools", _lower_first(message), hint
    commands = "commands: " + ", ".join(sorted(cli.commands))
    command = _NO_SUCH_COMMAND.match(message)
    if command is not None:
        return command.group(1), "no such command", commands
    if context is not None and context.command is cli:
        return "COMMAND", "missing", commands  # `dxltools` alone (click's NoArgsIsHelpError)
    return context.command_path if context else "dxltools", _lower_first(message), hint


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _file_selection(function: F) -> F:
    """--include/--exclude, shared by every command that walks folders."""
    function = click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Skip files and folders matching GLOB when walking folders (repeatable).",
    )(function)
    return click.option(
        "--include",
        multiple=True,
        metavar="GLOB",
        help="Files to take when walking folders (repeatable; default *.dxl and *.xml).",
    )(function)


def _strict(function: F) -> F:
    """--strict, shared by run, show and audit."""
    return click.option(
        "--strict",
        is_flag=True,
        help="Check the notes passed over unread for well-formedness too (same pass).",
    )(function)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dxltools")
def cli() -> None:
    """Byte-exact batch edits of Domino DXL exports."""


@cli.command()
@click.argument("agent")
@click.argument("paths", nargs=-1)
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="Agent parameter.")
@click.option("-i", "--in-place", is_flag=True, help="Rewrite the files atomically.")
@click.option("-o", "--output", metavar="PATH", help="Write to this file (or folder).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", is_flag=True, help="Print a unified diff of what would change.")
@click.option("--backup", metavar="SUFFIX", help="With -i: keep the original as FILE+SUFFIX.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.option(
    "-j",
    "--jobs",
    type=int,
    metavar="N",
    help="Process N files at once (one large file: in N parts).",
)
@_file_selection
@click.option(
    "--no-wait", is_flag=True, help="Fail at once if another run is writing a file (exit 2)."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@click.option(
    "--no-audit",
    is_flag=True,
    help="Skip the agent's own audit of its result (coexistence-readers has one).",
)
@_strict
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Every change on stderr.")
def run(
    agent: str,
    paths: tuple[str, ...],
    settings: tuple[str, ...],
    in_place: bool,
    output: str | None,
    check: bool,
    diff: bool,
    backup: str | None,
    as_json: bool,
    jobs: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_wait: bool,
    progress: bool | None,
    no_audit: bool,
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Apply AGENT (a bundled agent's name or an agent .toml file) to PATHS.

    Files and folders (recursive *.dxl, *.xml); no path or '-' reads standard
    input and writes standard output. Settings also come from [tool.dxltools]
    in pyproject.toml or from dxltools.toml; the command line wins. Exit 0:
    done or nothing to change; 1: --check found changes; 2: bad usage or bad
    input.
    """
    from dxltools.cli.run import run_agent
    from dxltools.cli.run_options import (
        ReportStyle,
        RunOptions,
        Work,
        WriteMode,
        check_options,
        parse_settings,
    )
    from dxltools.fs.output import OutputTarget

    _inputs(f"run {agent}", paths)
    config = _config(paths)
    try:
        parsed = {**config.settings_for(agent), **parse_settings(settings)}
    except DxlError as error:
        _fail(error)
    options = RunOptions(
        agent=agent,
        paths=paths,
        settings=parsed,
        include=include or config.include,
        exclude=exclude or config.exclude,
        write=WriteMode(
            in_place=in_place,
            output=OutputTarget.of(output, paths) if output else None,
            check=check,
            diff=diff,
            backup=backup,
        ),
        work=Work(
            jobs=jobs if jobs is not None else config.jobs or 1,
            wait=not no_wait,
            progress=progress,
            audit=not no_audit,
            strict=strict,
        ),
        report=ReportStyle(json=as_json, quiet=quiet, verbose=verbose),
    )
    try:
        check_options(options)  # before any work, the folder walks included
    except DxlError as error:
        _fail(error)
    if not (quiet or options.json_on_stderr):
        if verbose:
            click.echo(_settings_line(config, paths), err=True)
        _warn_empty(paths, options.include, options.exclude)
    collector.resume()  # the command's modules are imported
    sys.exit(run_agent(options))


@cli.command()
def agents() -> None:
    """List the bundled agents, what they do and their parameters."""
    try:
        from dxltools.agents import bundled_agents, describe_agent  # start-up counts

        for path in bundled_agents().values():
            click.echo(describe_agent(path))
    except DxlError as error:
        _fail(error)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--form", "forms", multiple=True, metavar="FORM", help="Only notes of this form.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@_file_selection
@_strict
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def show(
    paths: tuple[str, ...],
    forms: tuple[str, ...],
    as_json: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    strict: bool,
    quiet: bool,
) -> None:
    """One line per note: form, UNID, domain, servers, readers and authors items."""
    _inputs("show", paths)
    config = _config(paths)
    from dxltools.cli.show import ShowOptions, run_show  # imported when used: start-up counts

    options = ShowOptions(
        paths=paths,
        forms=forms,
        json=as_json,
        include=include or config.include,
        exclude=exclude or config.exclude,
        strict=strict,
        quiet=quiet,
    )
    _warn_empty(paths, options.include, options.exclude)
    collector.resume()  # the command's modules are imported
    sys.exit(run_show(options, sys.stdin.buffer, _text_stdout(), sys.stderr))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--domain", metavar="NAME", help="Only this foreign domain (DomainName).")
@click.option(
    "--domain-type",
    metavar="VALUE",
    help="The DomainType keyword of Foreign Domain documents (default ForeignDomain).",
)
@click.option(
    "--after", metavar="AGENT", help="Audit what AGENT would make of the inputs; write nothing."
)
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="With --after.")
@click.option(
    "--down",
    multiple=True,
    metavar="SERVER",
    help="Show the routes with SERVER down (repeatable); default: each coexistence server alone.",
)
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.option(
    "--html",
    metavar="FILE",
    help="Also write the report as a self-contained HTML page to FILE (atomically).",
)
@_file_selection
@_strict
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def audit(
    paths: tuple[str, ...],
    domain: str | None,
    domain_type: str | None,
    after: str | None,
    settings: tuple[str, ...],
    down: tuple[str, ...],
    as_json: bool,
    html: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    strict: bool,
    quiet: bool,
) -> None:
    """Who can read each Foreign Domain document, which one each server uses,
    and where mail and free/busy go when coexistence servers are down.

    PATHS may be several exports (the Foreign Domain documents in one, the
    directory in another). Exit 0: no problem; 1: problems found; 2: bad usage
    (such as a --down server no export knows) or an unreadable input.
    """
    _inputs("audit", paths)
    config = _config(paths)
    try:
        from dxltools.cli.run_options import parse_settings  # imported when used

        if settings and not after:
            raise UsageError("goes with --after AGENT", source="--set")
        parsed = {**config.settings_for(after), **parse_settings(settings)} if after else {}
    except DxlError as error:
        _fail(error)
    from dxltools.cli.audit import AuditOptions, run_audit  # imported when used

    options = AuditOptions(
        paths=paths,
        domain=domain,
        domain_type=domain_type,
        json=as_json,
        after=after,
        settings=parsed,
        include=include or config.include,
        exclude=exclude or config.exclude,
        down=down,
        html=html,
        strict=strict,
        quiet=quiet,
    )
    _warn_empty(paths, options.include, options.exclude)
    collector.resume()  # the command's modules are imported
    sys.exit(run_audit(options, sys.stdin.buffer, _text_stdout(), sys.stderr))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--dtd-dir",
    metavar="DIR",
    help="Folder holding the DXL DTDs (a Notes install's xmlschemas folder).",
)
@click.option(
    "--dtd",
    metavar="VERSION|FILE",
    help="Validate against this DTD (a release such as 10.0.1, found in --dtd-dir, "
    "or a DTD file) instead of the one the DOCTYPE names.",
)
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only problems, no summary.")
@_file_selection
def validate(
    paths: tuple[str, ...],
    dtd_dir: str | None,
    dtd: str | None,
    as_json: bool,
    quiet: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    """Full well-formedness, DXL structure, and DTD validity with --dtd-dir.

    Exit 0: every file valid; 1: problems found; 2: bad usage, or a file that
    is not well-formed DXL at all.
    """
    _inputs("validate", paths)
    config = _config(paths)
    from dxltools.cli.validate import ValidateOptions, run_validate  # imported when used

    options = ValidateOptions(
        paths=paths,
        dtd_dir=str(Path(dtd_dir)) if dtd_dir else None,
        dtd=dtd,
        json=as_json,
        include=include or config.include,
        exclude=exclude or config.exclude,
        quiet=quiet,
    )
    _warn_empty(paths, options.include, options.exclude)
    collector.resume()  # the command's modules are imported
    sys.exit(run_validate(options, sys.stdin.buffer, _text_stdout(), sys.stderr))


def main() -> None:
    """The console script: click's own handling, except that an interrupt
    (Ctrl-C, SIGTERM) and an unexpected exception are one line and exit 2."""
    try:
        with graceful_termination():
            status = cli.main(prog_name="dxltools", standalone_mode=False)

    except (KeyboardInterrupt, click.exceptions.Abort, Terminated):
        click.echo(
            "dxltools: interrupted; every file is either as it was or fully rewritten", err=True
        )
        sys.exit(2)
    except Exception as error:
        click.echo(
            f"dxltools: internal error: {type(error).__name__}: {error} "
            f"(please report it at {REPORT_URL})",
            err=True,
        )
        sys.exit(2)
    sys.exit(status if isinstance(status, int) else 0)
