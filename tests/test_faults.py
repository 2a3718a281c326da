"""Faults during an in-place run: a full disk, a folder that refuses new files, a
file another program writes meanwhile, symbolic links, modes and owners, and
SIGKILL at every step of a batch that writes.

The rule in every case: each file is either as it was or fully rewritten,
never partial; the error is one line; no temporary file outlives the next run.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dxltools import rewrite_file
from dxltools.agents import load_agent
from dxltools.errors import WriteError
from dxltools.fs.atomic import KEPT_SUFFIX, remove_stale_temporaries
from dxltools.rewrite import file as rewrite_file_module
from dxltools.rewrite.digest import check_written
from dxltools.rewrite.taps import Observers
from tests.clitools import (
    COEX,
    NAMES,
    copy,
    dxltools,
    error_line,
    expected,
    file_state,
    invoke,
    leftover_temporaries,
)


def _full_disk_error() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _leftovers(folder: Path) -> list[Path]:
    """Temporary files and lock files left in `folder`."""
    return leftover_temporaries(folder) + sorted(folder.rglob("*.dxltools-lock"))


def _in_place(path: Path, *options: str) -> Any:
    return invoke([*COEX, "-i", *options, str(path)])


# -- a full disk -------------------------------------------------------------------------


class _FillsUp(io.BufferedRandom):
    """A file on a disk with `room` bytes free."""

    room = 8192

    def write(self, data: Any, /) -> int:
        if self.tell() + len(data) > self.room:
            raise _full_disk_error()
        return super().write(data)


def _temporary_output_as(kind: type[io.BufferedRandom], monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary output file is opened as `kind`, a file with a fault."""
    real_fdopen = os.fdopen

    def fdopen(handle: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "w+b":  # the temporary output
            return kind(io.FileIO(handle, "r+"))
        return real_fdopen(handle, mode, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen)


def _disk_fills_while_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    _temporary_output_as(_FillsUp, monkeypatch)


def _disk_fills_at_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    # Network file systems report a full disk when the data is flushed.
    def fsync(descriptor: int) -> None:
        raise _full_disk_error()

    monkeypatch.setattr(os, "fsync", fsync)


def _disk_fills_during_the_backup(monkeypatch: pytest.MonkeyPatch) -> None:
    def copy2(source: Path, target: Path, **kwargs: Any) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:1000])  # part of it, then full
        raise _full_disk_error()

    monkeypatch.setattr(shutil, "copy2", copy2)


@pytest.mark.parametrize(
    "fault",
    [_disk_fills_while_writing, _disk_fills_at_fsync, _disk_fills_during_the_backup],
    ids=["while writing", "at fsync", "during the backup"],
)
def test_a_full_disk_leaves_the_file_and_its_old_backup_as_they_were(
    fault: Callable[[pytest.MonkeyPatch], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    backup = tmp_path / "names.dxl.bak"
    backup.write_bytes(b"the backup of an earlier run\n")
    before = file_state(target)
    fault(monkeypatch)
    result = _in_place(target, "--backup", ".bak")
    monkeypatch.undo()
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {target}: cannot write") and "No space left" in line
    assert file_state(target) == before
    assert backup.read_bytes() == b"the backup of an earlier run\n"
    assert _leftovers(tmp_path) == []


class _LosesBytes(io.BufferedRandom):
    """A file system that reports every write done but drops a block of them."""

    def write(self, data: Any, /) -> int:
        if self.tell() == 0:
            super().write(bytes(data)[:-1])  # one byte silently lost
            return len(data)
        return super().write(data)


def test_a_write_that_silently_loses_bytes_is_caught_before_the_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)
    _temporary_output_as(_LosesBytes, monkeypatch)
    result = _in_place(target)
    monkeypatch.undo()
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {target}: the temporary file does not hold the bytes")
    assert file_state(target) == before
    assert _leftovers(tmp_path) == []


# -- a folder that refuses new files -------------------------------------------------------


def test_a_read_only_folder_is_one_clear_error_and_the_file_is_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root writes in a folder of mode 0555, so the refusal is injected where the
    # temporary file is made.
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("dxltools.fs.atomic._create", mkstemp)
    result = _in_place(target)
    monkeypatch.undo()
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        f"dxltools: {target}: cannot write in {tmp_path}: Permission denied"
    )
    assert file_state(target) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder modes")
def test_a_folder_of_mode_0555_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    target = copy(NAMES, folder / "names.dxl")
    before = file_state(target)
    folder.chmod(0o555)
    try:
        result = _in_place(target)
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 2
    assert "Permission denied" in error_line(result.stderr)
    assert file_state(target) == before


# -- another program writes the file meanwhile ---------------------------------------------


def _edited_by_another_program(data: bytes) -> bytes:
    """What another program makes of the file: Jana renamed, same size."""
    assert data.count(b"<text>Jana</text>") == 1
    return data.replace(b"<text>Jana</text>", b"<text>Ivan</text>")


def _writes_in_place(path: Path) -> None:
    """Same size, new bytes, new modification time (what an editor's save may do)."""
    data, status = path.read_bytes(), path.stat()
    path.write_bytes(_edited_by_another_program(data))
    later = status.st_mtime_ns + 1_000_000_000  # a new time, set rather than waited for
    os.utime(path, ns=(later, later))


def _replaces_keeping_time(path: Path) -> None:
    """A new file renamed over it, same size and modification time: only the inode differs."""
    data, status = path.read_bytes(), path.stat()
    other = path.with_name("other.tmp")
    other.write_bytes(_edited_by_another_program(data))
    os.utime(other, ns=(status.st_atime_ns, status.st_mtime_ns))
    os.replace(other, path)


def _appends_keeping_time(path: Path) -> None:
    """A comment appended and the modification time put back: only the size differs."""
    status = path.stat()
    with path.open("ab") as stream:
        stream.write(b"<!-- appended by another program -->\n")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


@pytest.mark.parametrize(
    "other_writer",
    [_writes_in_place, _replaces_keeping_time, _appends_keeping_time],
    ids=["modification time", "inode", "size"],
)
def test_a_file_written_by_another_program_meanwhile_is_never_overwritten(
    other_writer: Callable[[Path], None], tmp_path: Path
) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    agent = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"})
    run = agent.start()
    written: list[bytes] = []

    def after_the_rewrite() -> None:
        other_writer(target)  # after dxltools read the file, before it replaces it
        written.append(target.read_bytes())

    with pytest.raises(WriteError) as raised:
        rewrite_file(
            target, run.edit, select=run.wants, observers=Observers(check=after_the_rewrite)
        )
    kept = tmp_path / ("names.dxl" + KEPT_SUFFIX)
    assert str(raised.value).startswith(f"{target}: changed by another program")
    assert str(kept) in str(raised.value)
    assert target.read_bytes() == written[0]  # the other program's version, in its place
    assert kept.read_bytes() == expected(NAMES)  # dxltools' rewrite of what it read, beside it
    assert leftover_temporaries(tmp_path) == []


def test_the_command_keeps_both_versions_and_a_folder_run_skips_the_kept_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"
    target = copy(NAMES, folder / "names.dxl")
    real_check = check_written

    def check_then_other_writer(*args: Any) -> None:
        real_check(*args)
        _writes_in_place(target)  # between dxltools' read and its replace

    monkeypatch.setattr(rewrite_file_module, "check_written", check_then_other_writer)
    refused = _in_place(target)
    monkeypatch.undo()
    kept = folder / ("names.dxl" + KEPT_SUFFIX)
    assert refused.exit_code == 2
    line = error_line(refused.stderr)
    assert line.startswith(f"dxltools: {target}: changed by another program while dxltools")
    assert line.endswith(f"kept as {kept}")
    assert target.read_bytes() == _edited_by_another_program(NAMES.read_bytes())
    assert kept.read_bytes() == expected(NAMES)

    again = invoke([*COEX, "-i", "--json", str(folder)])
    assert again.exit_code == 0, again.stderr
    assert [entry["path"] for entry in json.loads(again.stdout)["files"]] == [str(target)]
    assert kept.read_bytes() == expected(NAMES)  # never removed: it is for a person to read


def test_a_walk_of_every_file_skips_the_kept_rewrites(tmp_path: Path) -> None:
    copy(NAMES, tmp_path / "names.dxl")
    copy(NAMES, tmp_path / ("names.dxl" + KEPT_SUFFIX))
    result = invoke([*COEX, "--check", "--json", "--include", "*", str(tmp_path)])
    paths = [Path(entry["path"]).name for entry in json.loads(result.stdout)["files"]]
    assert paths == ["names.dxl"]


def test_an_unchanged_input_is_not_replaced_whatever_happens_to_it(tmp_path: Path) -> None:
    """Nothing to change: nothing replaced, so no check and no kept file either."""
    target = copy(NAMES, tmp_path / "names.dxl")
    run = load_agent("remove-document-access", {"domain": "NoSuchDomain"}).start()
    rewrite_file(target, run.edit, select=run.wants, on_read=lambda size: _writes_in_place(target))
    assert target.read_bytes() == _edited_by_another_program(NAMES.read_bytes())
    assert not (tmp_path / ("names.dxl" + KEPT_SUFFIX)).exists()


# -- links, modes, owners ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_stays_a_link_and_the_file_it_names_is_replaced(tmp_path: Path) -> None:
    real = copy(NAMES, tmp_path / "store" / "names.dxl")
    link = tmp_path / "exports" / "names.dxl"
    link.parent.mkdir()
    link.symlink_to(real)
    result = _in_place(link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == expected(NAMES)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o640, 0o444, 0o2775])
def test_the_mode_is_kept(mode: int, tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    target.chmod(mode)
    result = _in_place(target, "--backup", ".bak")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == expected(NAMES)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "names.dxl.bak").stat().st_mode) == mode


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root may give files away")
def test_the_owner_and_group_are_kept_when_root_rewrites(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    os.chown(target, 12345, 23456)
    result = _in_place(target, "--backup", ".bak")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == expected(NAMES)
    for path in (target, tmp_path / "names.dxl.bak"):
        assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)


def test_stale_temporaries_of_another_file_are_left_alone(tmp_path: Path) -> None:
    """`names.dxl` and `names.dxl.old.dxl` may be rewritten at once (each under
    its own lock): cleaning up after one must not delete the other's file."""
    mine = tmp_path / ".names.dxl.k3j_x9qz.dxltools-tmp"
    theirs = tmp_path / ".names.dxl.old.dxl.a8d2kq0z.dxltools-tmp"
    for path in (mine, theirs):
        path.write_bytes(b"partial")
    assert remove_stale_temporaries(tmp_path / "names.dxl") == [mine]
    assert theirs.exists()


# -- SIGKILL at every moment that matters ----------------------------------------------------
#
# No timing: the run is killed from inside, by a hook on os.fsync and os.replace
# (every step of the atomic write), before the first such call, the second, ...
# up to the last, in a forked copy of the command that is its own process group.

PERSON_COPIES = 50
FILES = 4


def _big_export() -> bytes:
    data = NAMES.read_bytes()
    start = data.index(b"<document form='Person'>")
    person = data[start : data.index(b"</document>\n", start) + len(b"</document>\n")]
    end = data.rindex(b"</database>")
    return data[:end] + person * PERSON_COPIES + data[end:]


@pytest.fixture(scope="module")
def batch() -> tuple[bytes, bytes]:
    """The bytes of each file before the batch, and after it."""
    old = _big_export()
    result = invoke([*COEX], stdin=old)
    assert result.exit_code == 0, result.stderr
    return old, result.stdout_bytes


def _run_killed_at(folder: Path, jobs: int, point: int | None, counted: Path) -> int:
    """The command on `folder` in a forked child, killed (its whole process group)
    just before its `point`-th fsync or replace; None: not killed. Writes the
    number of such calls to `counted`; returns the child's wait status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 70
        try:
            os.setsid()
            calls = [0]

            def hooked(real: Callable[..., Any]) -> Callable[..., Any]:
                def call(*args: Any, **kwargs: Any) -> Any:
                    if calls[0] == point:
                        os.killpg(0, signal.SIGKILL)
                    calls[0] += 1
                    return real(*args, **kwargs)

                return call

            os.fsync = hooked(os.fsync)
            os.replace = hooked(os.replace)
            from dxltools.cli.main import cli

            try:
                cli([*COEX, "-i", "-q", "-j", str(jobs), str(folder)], standalone_mode=True)
            except SystemExit as done:
                status = done.code if isinstance(done.code, int) else 1
            counted.write_text(str(calls[0]))
        finally:
            os._exit(status)
    return os.waitpid(pid, 0)[1]


def _states(paths: list[Path], old: bytes, new: bytes) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        assert data in (old, new), f"{path} is neither the old nor the new export"
        found.append("old" if data == old else "new")
    return found


def _fresh(folder: Path, old: bytes) -> list[Path]:
    folder.mkdir()
    paths = [folder / f"export {n}.dxl" for n in range(FILES)]
    for path in paths:
        path.write_bytes(old)
    return paths


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked copy of the command")
@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_at_every_step_leaves_every_file_old_or_new(
    batch: tuple[bytes, bytes], tmp_path: Path, jobs: int
) -> None:
    old, new = batch
    counted = tmp_path / "calls"
    # A whole run in one process first, to count its steps. (With -j 2 each
    # worker counts its own, so a late point may be one no worker reaches.)
    whole = _fresh(tmp_path / "whole", old)
    assert _run_killed_at(tmp_path / "whole", 1, None, counted) == 0
    assert _states(whole, old, new) == ["new"] * FILES
    steps = int(counted.read_text())
    assert steps >= FILES  # at least one replace a file
    interrupted = 0
    for point in range(steps):
        folder = tmp_path / f"killed-{point}"
        paths = _fresh(folder, old)
        status = _run_killed_at(folder, jobs, point, counted)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert killed or (jobs > 1 and status == 0), status
        interrupted += "old" in _states(paths, old, new)
        again = dxltools([*COEX, "-i", "-q", str(folder)])
        assert again.returncode == 0, again.stderr
        assert _states(paths, old, new) == ["new"] * FILES
        assert _leftovers(folder) == []
    assert interrupted, "no kill left a file unwritten"
