"""The console script pauses the garbage collector while the command imports its
modules, and every command that reads input resumes it first (dxltools.cli.collector)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxltools.cli import launch

FIXTURE = str(Path(__file__).parent.parent / "fixtures" / "names.dxl")


@pytest.fixture
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


@pytest.mark.usefixtures("collector_restored")
@pytest.mark.parametrize(
    ("argv", "runner"),
    [
        (["run", "remove-document-access", "--check", FIXTURE], "dxltools.cli.run.run_agent"),
        (["show", FIXTURE], "dxltools.cli.show.run_show"),
        (["audit", FIXTURE], "dxltools.cli.audit.run_audit"),
        (["validate", FIXTURE], "dxltools.cli.validate.run_validate"),
    ],
)
def test_every_command_collects_again_before_it_reads_input(
    argv: list[str], runner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, int]] = []

    def work(*args: object, **kwargs: object) -> int:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return 0

    monkeypatch.setattr(runner, work)
    monkeypatch.setattr(sys, "argv", ["dxltools", *argv])
    with pytest.raises(SystemExit) as exited:
        launch.main()
    assert exited.value.code == 0
    [(enabled, frozen)] = seen
    assert enabled
    assert frozen > 0  # what the imports made is kept out of later collections


@pytest.mark.usefixtures("collector_restored")
def test_the_command_starts_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr("dxltools.cli.main.main", lambda: seen.append(gc.isenabled()))
    launch.main()
    assert seen == [False]


def test_in_process_the_collector_is_left_as_it_was() -> None:
    from dxltools.cli import collector

    frozen = gc.get_freeze_count()
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
