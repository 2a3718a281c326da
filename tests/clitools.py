"""Helpers for the command-line tests: the command in-process and as a real
subprocess, fixture copies, and the expected results."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dxltools.cli.main import cli
from tests.shared import FIXTURES

NAMES = FIXTURES / "names.dxl"
FOREIGN = FIXTURES / "foreign-domains.dxl"
SINGLE = FIXTURES / "foreign-domain-single.dxl"
BTEX_UNIDS = ("26DD6B87DB3B179DC12586EE00284E2F", "F0BB1D6DF75A17A8C12586EE0028BA35")
SERVERS = "servers_group=AcmeMailServers"
COEX = ("run", "coexistence-readers", "--set", SERVERS)
READERS = b"<item name='$Readers' readers='true'>"
TEMP_SUFFIX = ".dxltools-tmp"
DOCUMENT_SPAN = re.compile(rb"<document\b[^>]*>.*?</document>", re.DOTALL)
BTEX_MARKER = b"<item name='DomainName'><text>BTEx</text></item>"


# -- helpers -----------------------------------------------------------------------------


def options_given(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, runner: str, args: Sequence[str]
) -> list[Any]:
    """The options the command `args` hands `module.runner` (its ``run_*`` function),
    which is replaced by one that only records them."""
    given: list[Any] = []

    def record(options: Any, *streams: object) -> int:
        given.append(options)
        return 0

    monkeypatch.setattr(module, runner, record)
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    return given


def invoke(args: Sequence[str], stdin: bytes | None = None) -> Result:
    """The command in-process; click >= 8.2 keeps stdout and stderr apart."""
    return CliRunner().invoke(cli, list(args), input=stdin)


def error_line(stderr: str) -> str:
    """The single `dxltools: ...` line a failing run must print, and nothing else."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("dxltools: "), stderr
    return lines[0]


def btex_documents(data: bytes) -> list[bytes]:
    return [span for span in DOCUMENT_SPAN.findall(data) if BTEX_MARKER in span]


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def leftover_temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"*{TEMP_SUFFIX}*"))


@functools.cache
def expected(fixture: Path) -> bytes:
    """`coexistence-readers` applied to a fixture, from the filter mode (checked below)."""
    result = invoke([*COEX, str(fixture)])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def diff_body(diff: str) -> tuple[list[str], list[str]]:
    """The removed and added lines of a unified diff, headers left out."""
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return removed, added


def dxltools_command() -> str:
    """The installed console script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "dxltools"
    if beside.is_file():
        return str(beside)
    found = shutil.which("dxltools")
    if found is None:
        pytest.skip("the dxltools command is not installed beside this interpreter")
    return found


def dxltools_in_one_log(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """The command as a job runs it, stdout and stderr in one log (`2>&1`): stdout
    buffered, as in any pipe, unless PYTHONUNBUFFERED says not (this machine sets it)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-m", "dxltools", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        env=environment,
        timeout=120,
    )


def dxltools(
    args: Sequence[str], stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [dxltools_command(), *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )
