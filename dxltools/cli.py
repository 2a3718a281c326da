"""The `dxltools` command: click functions only, each over a plain function."""

from __future__ import annotations

import click

from dxltools import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dxltools")
def cli() -> None:
    """Byte-exact batch edits of Domino DXL exports."""


def main() -> None:
    cli(prog_name="dxltools")
