"""The `dxltools` command: click functions only, each over a plain function."""

from __future__ import annotations

import sys

import click

from dxltools import __version__
from dxltools.agents import bundled_agents, describe_agent
from dxltools.errors import DxlError
from dxltools.runner import RunOptions, parse_settings, run_agent

REPORT_URL = "https://github.com/dxltools/dxltools/issues"


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
    quiet: bool,
    verbose: bool,
) -> None:
    """Apply AGENT (a bundled agent's name or an agent .toml file) to PATHS.

    Files and folders (recursive *.dxl, *.xml); no path or '-' reads standard
    input and writes standard output. Exit 0: done or nothing to change;
    1: --check found changes; 2: bad usage or bad input.
    """
    try:
        parsed = parse_settings(settings)
    except DxlError as error:
        click.echo(f"dxltools: {error}", err=True)
        sys.exit(2)
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
    )
    sys.exit(run_agent(options))


@cli.command()
def agents() -> None:
    """List the bundled agents, what they do and their parameters."""
    try:
        for path in bundled_agents().values():
            click.echo(describe_agent(path))
    except DxlError as error:
        click.echo(f"dxltools: {error}", err=True)
        sys.exit(2)


def main() -> None:
    try:
        cli(prog_name="dxltools")
    except SystemExit:
        raise
    except Exception as error:
        click.echo(
            f"dxltools: internal error: {type(error).__name__}: {error} "
            f"(please report it at {REPORT_URL})",
            err=True,
        )
        sys.exit(2)
