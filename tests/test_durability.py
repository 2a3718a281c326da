"""What "flushed to disk, then renamed" means, seen from the system calls: the
new bytes are all in the file when it is flushed, the rename comes after, and
the folder is flushed after the rename, so a machine that stops at any point
keeps the old file or the whole new one. And what a write leaves behind: no
open descriptor, the process's umask as it was, a new file with the mode any
program would give it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from dxltools import rewrite_file
from dxltools.agents import load_agent
from dxltools.errors import WriteError
from dxltools.fs.atomic import KEPT_SUFFIX, FileStamp, Watched, atomic_output
from dxltools.rewrite.taps import Observers
from tests.clitools import COEX, NAMES, copy, expected, invoke
from tests.shared import needs_proc_fds, open_descriptors

NEW_BYTES = b"<database/>\n" * 5000


def _write_in_small_pieces(stream: Any) -> None:
    """As the page is written: the last pieces wait in the buffer until it is flushed."""
    for start in range(0, len(NEW_BYTES), 12):
        stream.write(NEW_BYTES[start : start + 12])


class _Calls:
    """The fsync and rename calls of a block, in order, as facts about the files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, ...]] = []
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(descriptor: int) -> None:
            status = os.fstat(descriptor)
            if stat.S_ISDIR(status.st_mode):
                self.events.append(("fsync folder", str(status.st_ino)))
            else:
                self.events.append(("fsync file", str(status.st_size)))
            real_fsync(descriptor)

        def replace(source: Any, target: Any) -> None:
            self.events.append(("replace", Path(target).name))
            real_replace(source, target)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)


def _folder_id(path: Path) -> str:
    return str(path.stat().st_ino)


def test_the_bytes_are_flushed_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "page.html"
    calls = _Calls(monkeypatch)
    with atomic_output(target, source=str(target)) as output:
        _write_in_small_pieces(output.stream)
    monkeypatch.undo()
    assert target.read_bytes() == NEW_BYTES
    assert calls.events == [
        ("fsync file", str(len(NEW_BYTES))),  # every byte in the file, not in a buffer
        ("replace", "page.html"),
        ("fsync folder", _folder_id(tmp_path)),  # the rename itself made durable
    ]


def test_a_rewrite_keeps_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    run = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"}).start()
    calls = _Calls(monkeypatch)
    rewrite_file(target, run.edit, select=run.wants)
    monkeypatch.undo()
    assert target.read_bytes() == expected(NAMES)
    assert calls.events == [
        ("fsync file", str(len(expected(NAMES)))),
        ("replace", "names.dxl"),
        ("fsync folder", _folder_id(tmp_path)),
    ]


def _write_while_another_program_writes(target: Path, watch: Watched) -> None:
    with atomic_output(target, source=str(target), watch=watch) as output:
        output.stream.write(NEW_BYTES)
        target.write_bytes(b"changed by another program\n")


def test_a_kept_rewrite_is_flushed_and_its_folder_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the input changed meanwhile, the rewrite is renamed beside it
    instead: that rename is made durable as well."""
    target = tmp_path / "names.dxl"
    target.write_bytes(b"as read\n")
    watch = Watched(target, FileStamp.of(target.stat()))
    calls = _Calls(monkeypatch)
    with pytest.raises(WriteError):
        _write_while_another_program_writes(target, watch)
    monkeypatch.undo()
    assert target.read_bytes() == b"changed by another program\n"
    assert calls.events == [
        ("fsync file", str(len(NEW_BYTES))),
        ("replace", "names.dxl" + KEPT_SUFFIX),
        ("fsync folder", _folder_id(tmp_path)),
    ]


def test_a_changed_input_gets_no_backup_either(tmp_path: Path) -> None:
    """The check comes before the backup too: a backup of the other program's
    version, made for a replace that never happens, would only mislead."""
    target = copy(NAMES, tmp_path / "names.dxl")
    run = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"}).start()

    def another_program_writes() -> None:
        with target.open("ab") as other:
            other.write(b"<!-- more -->\n")

    with pytest.raises(WriteError):
        rewrite_file(
            target,
            run.edit,
            select=run.wants,
            backup=".bak",
            observers=Observers(check=another_program_writes),
        )
    assert not (tmp_path / "names.dxl.bak").exists()
    assert (tmp_path / ("names.dxl" + KEPT_SUFFIX)).read_bytes() == expected(NAMES)


# -- what a write leaves behind --------------------------------------------------------


@needs_proc_fds
def test_a_rewrite_with_a_backup_leaves_no_descriptor_open(tmp_path: Path) -> None:
    descriptors = open_descriptors()
    target = copy(NAMES, tmp_path / "names.dxl")
    run = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"}).start()
    rewrite_file(target, run.edit, select=run.wants, backup=".bak")
    assert (tmp_path / "names.dxl.bak").read_bytes() == NAMES.read_bytes()
    assert open_descriptors() == descriptors


@needs_proc_fds
def test_a_further_temporary_file_leaves_no_descriptor_open(tmp_path: Path) -> None:
    descriptors = open_descriptors()
    target = tmp_path / "names.dxl"
    with atomic_output(target, source=str(target)) as output:
        part = output.another()
        part.unlink()
        output.discard()
    assert open_descriptors() == descriptors
    assert list(tmp_path.iterdir()) == []


def test_a_new_file_gets_the_mode_of_any_new_file_and_the_umask_stays(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        target = tmp_path / "page.html"
        with atomic_output(target, source=str(target)) as output:
            output.stream.write(NEW_BYTES)
        assert stat.S_IMODE(target.stat().st_mode) == 0o640  # 0o666 without the umask's bits
        assert os.umask(0o027) == 0o027  # as this test set it, not cleared
    finally:
        os.umask(previous)


def test_a_new_output_takes_the_mode_of_its_input(tmp_path: Path) -> None:
    source = copy(NAMES, tmp_path / "names.dxl")
    source.chmod(0o604)
    output = tmp_path / "out" / "names.dxl"
    output.parent.mkdir()
    result = invoke([*COEX, "-o", str(output), str(source)])
    assert result.exit_code == 0, result.stderr
    assert output.read_bytes() == expected(NAMES)
    assert stat.S_IMODE(output.stat().st_mode) == 0o604


def test_an_error_without_an_errno_still_says_what_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError raised with a message only (no errno, so no strerror), by a
    file system layer or a library: its own words, and the file's name."""
    target = tmp_path / "page.html"
    target.write_bytes(b"the page before\n")

    def replace(source: Any, target: Any) -> None:
        raise OSError("the volume went away")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError) as raised, atomic_output(target) as output:
        output.stream.write(NEW_BYTES)
    monkeypatch.undo()
    assert str(raised.value) == (
        f"{target}: cannot write {target}: the volume went away; original left as it was"
    )
    assert target.read_bytes() == b"the page before\n"
    assert list(tmp_path.iterdir()) == [target]
