"""Helpers for the reliability tests: hostile exports built from names.dxl, a
watchdog against hangs, a listener that notices any network use, a launcher
that measures the peak memory of the dxltools command, and a check that every
note a rewrite did not touch kept its bytes.

Import from a test module as ``from tests.hostile import ...``.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import Segment, SegmentKind
from tests.clitools import NAMES, dxltools_command

# Where payloads go: inside a text value of the first BTEx Foreign Domain
# document (the coexistence-readers agent selects and edits that note, but not
# this item), inside a text value of a Person document (never selected), and
# between two children of the root.
_SELECTED = b"<item name='Description'><text>Exchange coexistence via \"DominoCoex1\""
_UNSELECTED = b"<item name='FirstName'><text>Jana</text>"
_TOP_LEVEL = b"<document form='Person'>\n<noteinfo noteid='950'"
_DOCTYPE = b"<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd'>"
_TEXT = b"<text>"


def _insert(data: bytes, anchor: bytes, payload: bytes, after: bytes = _TEXT) -> bytes:
    assert data.count(anchor) == 1, anchor
    cut = anchor.index(after) + len(after) if after else 0
    return data.replace(anchor, anchor[:cut] + payload + anchor[cut:])


def in_selected(payload: bytes, data: bytes | None = None) -> bytes:
    """`data` (names.dxl) with `payload` at the start of a text the agent keeps."""
    return _insert(NAMES.read_bytes() if data is None else data, _SELECTED, payload)


def in_unselected(payload: bytes, data: bytes | None = None) -> bytes:
    """`data` (names.dxl) with `payload` at the start of a Person document's text."""
    return _insert(NAMES.read_bytes() if data is None else data, _UNSELECTED, payload)


def between_notes(payload: bytes, data: bytes | None = None) -> bytes:
    """`data` (names.dxl) with `payload` among the root's children, before a Person."""
    return _insert(NAMES.read_bytes() if data is None else data, _TOP_LEVEL, payload, b"")


def with_doctype(doctype: bytes, data: bytes | None = None) -> bytes:
    """`data` (names.dxl) with `doctype` instead of its DOCTYPE."""
    data = NAMES.read_bytes() if data is None else data
    assert data.count(_DOCTYPE) == 1
    return data.replace(_DOCTYPE, doctype)


def billion_laughs(levels: int = 10, reference: str = "lol9") -> bytes:
    """The internal subset of the billion-laughs attack: `&lol9;` is 10**9 'lol's."""
    lines = [b"<!ENTITY lol0 'lol'>"]
    for level in range(1, levels):
        lines.append(b"<!ENTITY lol%d '%s'>" % (level, b"&lol%d;" % (level - 1) * 10))
    return b"".join(lines)


def secret_file(folder: Path) -> tuple[Path, str]:
    """A local file no crafted export may make dxltools read, and its unique content."""
    marker = f"dxltools-secret-{uuid.uuid4().hex}"
    path = folder / "secret.txt"
    path.write_text(marker + "\n", encoding="ascii")
    return path, marker


# -- hangs, network, memory ---------------------------------------------------------------


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """End the test run with every thread's traceback when the block hangs, even
    inside libxml2 (faulthandler's own thread does it, not a Python signal)."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


class Listener:
    """A TCP port on 127.0.0.1 that nothing may connect to: URLs that point at it
    show whether a crafted export made dxltools use the network."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def connections(self) -> int:
        """Connections made so far (and not yet counted)."""
        count = 0
        while True:
            try:
                connection, _ = self.socket.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self) -> None:
        self.socket.close()


# Runs the command as its own child, so that the peak memory os.wait4 reports
# is the command's own: a child forked from the (large) pytest process would
# report pytest's memory as its peak. Kills the command at the timeout.
_LAUNCHER = """
import json, os, sys, time
timeout, out, err, *argv = sys.argv[1:]
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
actions = [(os.POSIX_SPAWN_OPEN, 1, out, flags, 0o644), (os.POSIX_SPAWN_OPEN, 2, err, flags, 0o644)]
start = time.monotonic()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        break
    if time.monotonic() - start > float(timeout):
        os.kill(pid, 9)
        _, _, usage = os.wait4(pid, 0)
        code = None
        break
    time.sleep(0.005)
seconds = time.monotonic() - start
print(json.dumps({"status": code, "peak_kb": usage.ru_maxrss, "seconds": seconds}))
"""


class Hang(AssertionError):
    """The command was still running at its timeout."""


@attrs.frozen
class Measured:
    """How one run of the dxltools command ended, how long and how large it got."""

    status: int
    peak_mb: float
    seconds: float
    stdout: bytes = attrs.field(repr=False)
    stderr: str


def measure(args: Sequence[str], folder: Path, timeout: float) -> Measured:
    """Run `dxltools ARGS`; raises :class:`Hang` when it outlives `timeout` seconds."""
    out, err = folder / "measured.stdout", folder / "measured.stderr"
    command = [dxltools_command(), *args]
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(timeout), str(out), str(err), *command],
        capture_output=True,
        check=True,
        timeout=timeout + 60,
    )
    found = json.loads(launcher.stdout)
    stderr = err.read_text(encoding="utf-8", errors="replace")
    if found["status"] is None:
        raise Hang(f"dxltools {' '.join(args)} still ran after {timeout} s")
    return Measured(
        found["status"], found["peak_kb"] / 1024, found["seconds"], out.read_bytes(), stderr
    )


# -- what a rewrite may change ------------------------------------------------------------

_UNID_RE = re.compile(rb"\bunid\s*=\s*['\"]([0-9A-Fa-f]{32})['\"]")


def notes_of(data: bytes) -> list[Segment]:
    """Every note of an export, split exactly (no note passed over unread)."""
    return [
        segment
        for segment in Scanner.from_bytes(data).segments()
        if segment.kind is SegmentKind.NOTE
    ]


def unid_of(note: bytes) -> str | None:
    found = _UNID_RE.search(note)
    return found.group(1).decode("ascii").upper() if found else None


def changed_notes(before: bytes, after: bytes) -> list[tuple[int, bytes, bytes]]:
    """The notes whose bytes differ, as (index, before, after); everything between
    the notes must be byte-identical and the notes must pair up one to one."""
    old, new = notes_of(before), notes_of(after)
    assert len(old) == len(new), "the rewrite lost or added notes"
    gaps_before = _between(before, old)
    gaps_after = _between(after, new)
    assert gaps_before == gaps_after, "bytes outside the notes changed"
    return [
        (index, first.data, second.data)
        for index, (first, second) in enumerate(zip(old, new, strict=True))
        if first.data != second.data
    ]


def _between(data: bytes, notes: list[Segment]) -> list[bytes]:
    """The bytes before, between and after the notes."""
    pieces, cursor = [], 0
    for note in notes:
        pieces.append(data[cursor : note.offset])
        cursor = note.offset + len(note.data)
    pieces.append(data[cursor:])
    return pieces
