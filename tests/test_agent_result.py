"""An agent's result read as it is made (`audit --after`): the bytes of the in-memory
rewrite, its errors before the reader's, and a reader that stops early stops it."""

from __future__ import annotations

import errno
import io
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from dxltools.agents import Agent, load_agent
from dxltools.agents.result import agent_result
from dxltools.errors import DxlError
from dxltools.rewrite.stream import rewrite_bytes
from tests.clitools import NAMES, SERVERS, error_line, invoke
from tests.shared import FIXTURES, real_dxl_params

AGENTS = [
    ("coexistence-readers", {"servers_group": "AcmeMailServers"}),
    ("remove-document-access", {}),
]
EXPORTS = [*sorted(FIXTURES.glob("*.dxl")), *real_dxl_params()]


def read_then_raise(
    agent: Agent,
    data: bytes,
    error: Exception | None,
    size: int = -1,
    stream: IO[bytes] | None = None,
) -> None:
    """Read the agent's result on `data` (or `stream`), `size` bytes of it, then fail with
    `error` (None: end the block normally)."""
    with agent_result(agent, stream or io.BytesIO(data), source="cut.dxl") as result:
        result.read(size)
        if error is not None:
            raise error


@pytest.mark.parametrize("path", EXPORTS, ids=lambda path: getattr(path, "name", None))
@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=[name for name, _ in AGENTS])
def test_the_bytes_read_are_the_rewrite_in_memory(
    path: Path, name: str, settings: dict[str, str]
) -> None:
    data = path.read_bytes()
    agent = load_agent(name, settings)
    run = agent.start()
    expected = rewrite_bytes(data, run.edit, select=run.wants, source=path.name).data
    with agent_result(agent, io.BytesIO(data), source=path.name) as result:
        assert result.read() == expected


def test_an_error_of_the_rewrite_comes_before_the_readers(tmp_path: Path) -> None:
    # Cut inside a note: the rewrite stops there and closes its output, which then
    # ends before the note: a reader would call it a root never closed.
    data = NAMES.read_bytes()
    cut = data[: data.index(b"<item", data.index(b"<document form='Domain'"))]
    agent = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"})
    run = agent.start()
    with pytest.raises(DxlError) as expected:
        rewrite_bytes(cut, run.edit, select=run.wants, source="cut.dxl")
    reader_error = DxlError("what the reader made of the cut result", source="cut.dxl")
    with pytest.raises(DxlError) as raised:
        read_then_raise(agent, cut, reader_error)
    assert str(raised.value) == str(expected.value)
    path = tmp_path / "cut.dxl"
    path.write_bytes(cut)
    cli = invoke(["audit", str(path), "--after", "coexistence-readers", "--set", SERVERS])
    assert cli.exit_code == 2
    assert (
        error_line(cli.stderr) == f"dxltools: {str(expected.value).replace('cut.dxl', str(path))}"
    )


def test_a_reader_that_stops_early_stops_the_rewrite() -> None:
    # Far more than a pipe holds: the rewrite blocks on its writes until the reader goes.
    data = NAMES.read_bytes()
    head, _, tail = data.rpartition(b"</database>")
    big = head + head[head.index(b"<document") :] * 40 + b"</database>" + tail
    assert len(big) > 1 << 20
    before = threading.active_count()
    agent = load_agent("remove-document-access", {})
    with pytest.raises(RuntimeError, match="stop"):
        read_then_raise(agent, big, RuntimeError("stop"), size=100)
    assert threading.active_count() == before


class _FailingExport(io.RawIOBase):
    """An export whose reading fails, as a disk that returns EIO."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise OSError(errno.EIO, "Input/output error")


def test_an_error_reading_the_export_reaches_the_reader() -> None:
    # Not taken for the reader going away: the rewrite's write errors are, its reads not.
    agent = load_agent("remove-document-access", {})
    with pytest.raises(OSError, match="Input/output error"):
        read_then_raise(agent, b"", None, stream=io.BufferedReader(_FailingExport()))
