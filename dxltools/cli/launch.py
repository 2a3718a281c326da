"""The console script (`dxltools`, `python -m dxltools`): the command, started
with the garbage collector paused (see :mod:`dxltools.cli.collector`)."""

from __future__ import annotations

from dxltools.cli import collector


def main() -> None:
    collector.pause()  # before click and the commands are imported
    from dxltools.cli.main import main as command

    command()
