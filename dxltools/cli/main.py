"""The `dxltools` command: click functions only, each over a plain function."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from dxltools import __version__
from dxltools.cli.interrupt import Terminated, graceful_termination
from dxltools.errors import DxlError, UsageError

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


def _fail(error: DxlError) -> NoReturn:
    click.echo(f"dxltools: {error}", err=True)
    sys.exit(2)


def _config() -> Config:
    """The settings file's settings (empty when there is none); a broken one is fatal."""
    from dxltools.cli.config import find_config  # imported when used: start-up counts

    try:
        return find_config()
    except DxlError as error:
        _fail(error)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    from dxltools.cli.run import RunOptions, parse_settings, run_agent  # start-up counts

    config = _config()
    try:
        parsed = {**config.settings_for(agent), **parse_settings(settings)}
    except DxlError as error:
        _fail(error)
    options = RunOptions(
        agent=agent,
        paths=paths,
        settings=parsed,
        in_place=in_place,
        output=output,
        check=check,
        diff=diff,
        backup=backup,
        json=as_json,
        quiet=quiet,
        verbose=verbose,
        include=include or config.include,
        exclude=exclude or config.exclude,
        jobs=jobs if jobs is not None else config.jobs or 1,
        wait=not no_wait,
        progress=progress,
        audit=not no_audit,
    )
    sys.exit(run_agent(options))


@cli.command()
def agents() -> None:
    """List the bundled agents, what they do and their parameters."""
    try:
        from dxltools.agents.agent import bundled_agents, describe_agent  # start-up counts

        for path in bundled_agents().values():
            click.echo(describe_agent(path))
    except DxlError as error:
        _fail(error)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--form", "forms", multiple=True, metavar="FORM", help="Only notes of this form.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@_file_selection
def show(
    paths: tuple[str, ...],
    forms: tuple[str, ...],
    as_json: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    """One line per note: form, UNID, domain, servers, readers and authors items."""
    config = _config()
    from dxltools.show.summary import ShowOptions, run_show  # imported when used: start-up counts

    options = ShowOptions(
        paths=paths,
        forms=forms,
        json=as_json,
        include=include or config.include,
        exclude=exclude or config.exclude,
    )
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
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@_file_selection
def audit(
    paths: tuple[str, ...],
    domain: str | None,
    domain_type: str | None,
    after: str | None,
    settings: tuple[str, ...],
    as_json: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    """Who can read each Foreign Domain document, and which one each server uses.

    PATHS may be several exports (the Foreign Domain documents in one, the
    directory in another). Exit 0: no problem; 1: problems found; 2: bad usage
    or an unreadable input.
    """
    config = _config()
    try:
        from dxltools.cli.run import parse_settings  # imported when used

        parsed = {**config.settings_for(after), **parse_settings(settings)} if after else {}
        if settings and not after:
            raise UsageError("--set goes with --after AGENT", source="dxltools audit")
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
    )
    sys.exit(run_audit(options, sys.stdin.buffer, _text_stdout(), sys.stderr))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--dtd-dir",
    metavar="DIR",
    help="Folder holding the DXL DTDs (a Notes install's xmlschemas folder).",
)
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only problems, no summary.")
@_file_selection
def validate(
    paths: tuple[str, ...],
    dtd_dir: str | None,
    as_json: bool,
    quiet: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    """Full well-formedness, DXL structure, and DTD validity with --dtd-dir.

    Exit 0: every file valid; 1: problems found; 2: bad usage, or a file that
    is not well-formed DXL at all.
    """
    config = _config()
    from dxltools.validate.check import ValidateOptions, run_validate  # imported when used

    options = ValidateOptions(
        paths=paths,
        dtd_dir=str(Path(dtd_dir)) if dtd_dir else None,
        json=as_json,
        include=include or config.include,
        exclude=exclude or config.exclude,
        quiet=quiet,
    )
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
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:
        click.echo(
            f"dxltools: internal error: {type(error).__name__}: {error} "
            f"(please report it at {REPORT_URL})",
            err=True,
        )
        sys.exit(2)
    sys.exit(status if isinstance(status, int) else 0)
