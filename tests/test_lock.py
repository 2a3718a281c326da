"""One run per file: a second run fails with --no-wait, waits otherwise, and cleans up."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import dxltools.fs.lock
from dxltools.errors import LockError
from dxltools.fs.files import find_inputs
from dxltools.fs.lock import (
    LOCK_SUFFIX,
    PosixBackend,
    WindowsBackend,
    lock_path,
    locked,
)
from tests.shared import FIXTURES, ROOT, needs_proc_fds, open_descriptors

posix_only = pytest.mark.skipif(os.name != "posix", reason="flock and unlink-while-held: POSIX")

# Another dxltools run: takes the lock, says so, and releases it when told to on stdin.
HOLDER = """
import sys
from pathlib import Path
from dxltools.fs.lock import locked
with locked(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
    with open(sys.argv[2], "a") as log:
        log.write("first run releases\\n")
"""


class Holder:
    """A dxltools run in another process that holds the lock of `target`."""

    def __init__(self, target: Path, log: Path) -> None:
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(target), str(log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "locked\n"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        if self.process.poll() is None:
            self.release()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "names.dxl"
    path.write_bytes((FIXTURES / "names.dxl").read_bytes())
    return path


@pytest.fixture
def holder(target: Path, tmp_path: Path) -> Iterator[Holder]:
    running = Holder(target, tmp_path / "log.txt")
    try:
        yield running
    finally:
        running.finish()


def test_the_lock_file_sits_hidden_beside_the_file(target: Path) -> None:
    assert lock_path(target) == target.parent / ".names.dxl.dxltools-lock"  # as DECISIONS says


def test_a_second_run_with_no_wait_fails_clearly(target: Path, holder: Holder) -> None:
    with pytest.raises(LockError) as caught, locked(target, wait=False):
        pytest.fail("the lock was taken twice")
    assert str(caught.value) == (
        f"{target}: file is locked by another dxltools run (use without --no-wait to wait)"
    )
    assert isinstance(caught.value, OSError)


def test_the_error_names_the_source_given(target: Path, holder: Holder) -> None:
    with (
        pytest.raises(LockError, match=r"^names\.dxl: file is locked"),
        locked(target, wait=False, source="names.dxl"),
    ):
        pass


def test_a_second_run_waits_until_the_first_releases(
    target: Path, tmp_path: Path, holder: Holder
) -> None:
    log = tmp_path / "log.txt"
    waits: list[float] = []

    def waiting() -> None:
        # The first run may release only once this run is known to be waiting.
        waits.append(0.0)
        holder.release()

    with locked(target, on_wait=waiting), log.open("a") as out:
        out.write("second run has the lock\n")
    assert len(waits) == 1
    assert log.read_text().splitlines() == ["first run releases", "second run has the lock"]


class FakeClock:
    """Time that passes only when the code sleeps: no real waiting, no timing."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_gives_up_after_the_timeout(
    target: Path, holder: Holder, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(dxltools.fs.lock, "time", clock)
    with pytest.raises(LockError) as caught, locked(target, timeout=0.3):
        pytest.fail("the lock was taken twice")
    # Polls 10 ms doubling, the last one cut to what is left of the 0.3 s.
    assert clock.sleeps == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.15])
    assert str(caught.value) == (
        f"{target}: file is still locked by another dxltools run after 0.3 s"
    )


def test_no_wait_when_nobody_holds_the_lock(target: Path) -> None:
    waits: list[int] = []
    with locked(target, on_wait=lambda: waits.append(1)):
        pass
    assert waits == []


def test_two_locks_in_one_process_also_exclude_each_other(target: Path) -> None:
    with locked(target), pytest.raises(LockError), locked(target, wait=False):
        pass


def test_an_error_in_the_block_releases_the_lock(target: Path) -> None:
    with pytest.raises(KeyError), locked(target):
        raise KeyError("boom")
    with locked(target, wait=False):
        pass


@posix_only
def test_the_lock_file_is_gone_after_release(target: Path) -> None:
    with locked(target):
        assert lock_path(target).is_file()
    assert sorted(os.listdir(target.parent)) == ["names.dxl"]


def test_a_folder_walk_never_takes_the_lock_file_for_an_input(target: Path) -> None:
    with locked(target):
        assert [found.relative for found in find_inputs([str(target.parent)])] == [
            Path("names.dxl")
        ]


def test_a_symlink_and_its_target_share_one_lock(target: Path, holder: Holder) -> None:
    link = target.with_name("link.dxl")
    try:
        link.symlink_to(target)
    except OSError:  # Windows without the symlink privilege
        pytest.skip("cannot create symbolic links here")
    assert lock_path(link) == lock_path(target)
    with pytest.raises(LockError), locked(link, wait=False):
        pass


def _deny(monkeypatch: pytest.MonkeyPatch, name: str, denied: Callable[[Path, int], bool]) -> None:
    """Make `os.<name>` fail with EACCES for the lock file when `denied(path, flags)`."""
    real = getattr(os, name)

    def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
        flags = args[0] if args else 0
        if str(path).endswith(LOCK_SUFFIX) and denied(Path(path), flags):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, fake)


def test_a_read_only_folder_is_a_clear_lock_error(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deny(monkeypatch, "open", lambda path, flags: True)
    with pytest.raises(LockError) as caught, locked(target):
        pytest.fail("locked without a lock file")
    assert str(caught.value) == (
        f"{target}: cannot use lock file {lock_path(target)}: Permission denied"
    )
    assert not lock_path(target).exists()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root"
)
def test_a_really_read_only_folder_is_a_clear_lock_error(target: Path) -> None:
    target.parent.chmod(0o555)
    try:
        with pytest.raises(LockError, match="cannot use lock file"), locked(target):
            pass
    finally:
        target.parent.chmod(0o755)


def test_a_lock_file_we_may_not_write_or_remove_still_locks(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Left by another user's run in a folder we may only read: locked read-only, kept.
    lock_path(target).touch()
    _deny(monkeypatch, "open", lambda path, flags: bool(flags & os.O_RDWR))
    _deny(monkeypatch, "unlink", lambda path, flags: True)
    with locked(target), pytest.raises(LockError), locked(target, wait=False):
        pass
    assert lock_path(target).exists()


class Recorder:
    """Events of a lock's life, in order, from the backend and from os.unlink."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        real_unlink = os.unlink

        def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
            self.events.append("unlink")
            real_unlink(path, *args, **kwargs)

        monkeypatch.setattr(os, "unlink", unlink)


class FakeFcntl:
    """The real fcntl, recording calls."""

    def __init__(self, recorder: Recorder) -> None:
        import fcntl

        self.real = fcntl
        self.recorder = recorder
        self.LOCK_EX, self.LOCK_NB, self.LOCK_UN = fcntl.LOCK_EX, fcntl.LOCK_NB, fcntl.LOCK_UN

    def flock(self, fd: int, operation: int, /) -> None:
        self.recorder.events.append("unlock" if operation == self.LOCK_UN else "lock")
        self.real.flock(fd, operation)


@posix_only
def test_posix_removes_the_lock_file_before_unlocking(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(monkeypatch)
    with locked(target, backend=PosixBackend(FakeFcntl(recorder))):
        pass
    assert recorder.events == ["lock", "unlink", "unlock"]


class ReplacingBackend(PosixBackend):
    """Locks, but the first time lets the file be removed (and, with `make_anew`, made
    anew) meanwhile: what a run sees when the holder it waited for released just then."""

    def __init__(self, make_anew: bool = True) -> None:
        super().__init__()
        self.make_anew = make_anew
        self.tries = 0

    def try_lock(self, fd: int) -> bool:
        self.tries += 1
        if self.tries == 1:
            lock_file = Path(os.readlink(f"/proc/self/fd/{fd}").removesuffix(" (deleted)"))
            os.unlink(lock_file)
            if self.make_anew:
                lock_file.touch()
        return super().try_lock(fd)


@needs_proc_fds
def test_a_lock_on_a_removed_lock_file_is_retried(target: Path) -> None:
    backend = ReplacingBackend()
    with locked(target, backend=backend):
        assert backend.tries == 2
        # The lock held is the one on the file the path names now: others see it.
        with pytest.raises(LockError), locked(target, wait=False):
            pass


class FakeMsvcrt:
    """msvcrt.locking over a table shared by every 'process': first byte locks only."""

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2

    def __init__(self, recorder: Recorder, fail_with: int | None = None) -> None:
        self.recorder = recorder
        self.fail_with = fail_with
        self.held: dict[tuple[int, int], int] = {}

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None:
        assert (os.lseek(fd, 0, os.SEEK_CUR), nbytes) == (0, 1)
        if self.fail_with is not None:
            raise OSError(self.fail_with, os.strerror(self.fail_with))
        status = os.fstat(fd)
        key = (status.st_dev, status.st_ino)
        if mode == self.LK_UNLCK:
            self.recorder.events.append("unlock")
            assert self.held.pop(key) == fd
            return
        assert mode == self.LK_NBLCK
        if key in self.held:
            raise OSError(errno.EACCES, "Permission denied")
        self.recorder.events.append("lock")
        self.held[key] = fd


def test_windows_locks_the_first_byte_and_removes_the_file_after_unlocking(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(monkeypatch)
    msvcrt = FakeMsvcrt(recorder)
    with (
        locked(target, backend=WindowsBackend(msvcrt)),
        pytest.raises(LockError, match="locked by another"),
        locked(target, wait=False, backend=WindowsBackend(msvcrt)),
    ):
        pass
    assert recorder.events == ["lock", "unlock", "unlink"]
    assert msvcrt.held == {}
    assert not lock_path(target).exists()


def test_windows_keeps_a_lock_file_it_cannot_remove(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows refuses to remove a file another run has open: that run locks it next.
    msvcrt = FakeMsvcrt(Recorder(monkeypatch))
    _deny(monkeypatch, "unlink", lambda path, flags: True)
    with locked(target, backend=WindowsBackend(msvcrt)):
        pass
    assert lock_path(target).exists()
    with locked(target, wait=False, backend=WindowsBackend(msvcrt)):
        pass


def test_windows_deadlock_status_means_busy(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    msvcrt = FakeMsvcrt(Recorder(monkeypatch), fail_with=errno.EDEADLK)
    with (
        pytest.raises(LockError, match="locked by another"),
        locked(target, wait=False, backend=WindowsBackend(msvcrt)),
    ):
        pass


def test_windows_other_errors_are_lock_errors(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    msvcrt = FakeMsvcrt(Recorder(monkeypatch), fail_with=errno.EBADF)
    with pytest.raises(LockError) as caught, locked(target, backend=WindowsBackend(msvcrt)):
        pass
    assert str(caught.value) == (
        f"{target}: cannot use lock file {lock_path(target)}: Bad file descriptor"
    )


# -- what a lock leaves behind: descriptors, and the file it names -------------------------


@needs_proc_fds
def test_a_lock_on_a_lock_file_removed_meanwhile_is_retried(target: Path) -> None:
    backend = ReplacingBackend(make_anew=False)
    with locked(target, backend=backend):
        assert backend.tries == 2
        assert lock_path(target).is_file()  # the lock held is on a file others can see


@needs_proc_fds
def test_no_descriptor_is_left_open_by_a_busy_try_a_retry_or_a_release(target: Path) -> None:
    before = open_descriptors()
    with locked(target), pytest.raises(LockError), locked(target, wait=False):
        pass
    with locked(target, backend=ReplacingBackend()):
        pass
    assert open_descriptors() == before


@needs_proc_fds
def test_no_descriptor_is_left_open_when_the_lock_primitive_fails(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = open_descriptors()
    msvcrt = FakeMsvcrt(Recorder(monkeypatch), fail_with=errno.EBADF)
    with pytest.raises(LockError), locked(target, backend=WindowsBackend(msvcrt)):
        pass
    assert open_descriptors() == before


def test_windows_locks_the_first_byte_wherever_the_file_position_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = WindowsBackend(FakeMsvcrt(Recorder(monkeypatch)))
    fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT)
    try:
        os.write(fd, b"moved on")
        assert backend.try_lock(fd)  # FakeMsvcrt checks the position is 0
        os.lseek(fd, 5, os.SEEK_SET)
        backend.unlock(fd)
    finally:
        os.close(fd)
