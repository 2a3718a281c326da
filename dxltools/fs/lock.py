"""One dxltools run at a time per file: two scheduled runs must not interleave.

The lock is a sidecar file ``.<name>.dxltools-lock`` beside the real file
(symbolic links resolved, so two names of one file share one lock). It lives
beside the file, not in a temporary folder, so runs on two machines that share
the folder see each other's lock where the share passes locks on (SMB, NFS
with its lock service). The lock itself is the operating system's:
``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows, so a run that dies
never leaves a stale lock behind, at most an unlocked file the next run reuses.

POSIX removes the lock file while still holding it (unlink, then unlock).
A run that opened the file just before it was removed may then lock a file
no longer in the folder, so after locking it checks that the path still names
the file it holds, and starts over when not. Windows cannot remove a file
another process has open, so there the lock file is removed after unlocking,
and left in place when that fails (another run is about to take it).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, cast

from dxltools.errors import LockError

LOCK_SUFFIX = ".dxltools-lock"
_POLL_FIRST = 0.01  # seconds between tries while waiting, doubling up to _POLL_MAX
_POLL_MAX = 0.25
# Programs the run starts must not inherit (and so keep holding) the lock.
_OPEN_FLAGS = (
    getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_BINARY", 0)
)


class Backend(Protocol):
    """The platform's lock primitive, applied to an open file descriptor."""

    @property
    def removes_while_held(self) -> bool:
        """Whether the lock file is removed before unlocking (POSIX) or after (Windows)."""
        ...

    def try_lock(self, fd: int) -> bool:
        """Take the lock without waiting; False when another holder has it."""
        ...

    def unlock(self, fd: int) -> None: ...


class _Fcntl(Protocol):
    LOCK_EX: int
    LOCK_NB: int
    LOCK_UN: int

    def flock(self, fd: int, operation: int, /) -> None: ...


class _Msvcrt(Protocol):
    LK_NBLCK: int
    LK_UNLCK: int

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None: ...


class PosixBackend:
    """``flock``: a whole-file lock that follows the open file, freed when its holder exits."""

    removes_while_held = True

    def __init__(self, fcntl: _Fcntl | None = None) -> None:
        self._fcntl = fcntl or cast(_Fcntl, importlib.import_module("fcntl"))

    def try_lock(self, fd: int) -> bool:
        try:
            self._fcntl.flock(fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(self, fd: int) -> None:
        self._fcntl.flock(fd, self._fcntl.LOCK_UN)


class WindowsBackend:
    """``msvcrt.locking`` of the lock file's first byte (Windows may lock beyond the end)."""

    removes_while_held = False

    def __init__(self, msvcrt: _Msvcrt | None = None) -> None:
        self._msvcrt = msvcrt or cast(_Msvcrt, importlib.import_module("msvcrt"))

    def try_lock(self, fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)  # locking() starts at the current position
        try:
            self._msvcrt.locking(fd, self._msvcrt.LK_NBLCK, 1)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def unlock(self, fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        self._msvcrt.locking(fd, self._msvcrt.LK_UNLCK, 1)


def default_backend() -> Backend:
    return WindowsBackend() if os.name == "nt" else PosixBackend()


def lock_path(path: Path) -> Path:
    """Where the lock of `path` lives: beside the real file, hidden on POSIX."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}{LOCK_SUFFIX}")


def _open(lock_file: Path) -> int:
    try:
        return os.open(lock_file, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o666)
    except PermissionError as error:
        # A lock file that another user's run left behind (in a folder we may not
        # write, or not writable itself) can still be locked through a read-only
        # descriptor; without one, the folder's own error is the one to report.
        try:
            return os.open(lock_file, os.O_RDONLY | _OPEN_FLAGS)
        except OSError:
            raise error from None


def _names(lock_file: Path, fd: int) -> bool:
    """Whether `lock_file` still names the file open as `fd` (not removed and re-made)."""
    try:
        named = os.stat(lock_file)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _try_once(lock_file: Path, backend: Backend) -> int | None:
    """The locked descriptor, or None when another run holds the lock."""
    while True:
        fd = _open(lock_file)
        try:
            busy = not backend.try_lock(fd)
            if not busy and (not backend.removes_while_held or _names(lock_file, fd)):
                return fd
        except BaseException:
            os.close(fd)
            raise
        # Busy, or we locked a file its holder removed on release: try the new one.
        os.close(fd)
        if busy:
            return None


def _release(lock_file: Path, fd: int, backend: Backend) -> None:
    try:
        if backend.removes_while_held:
            with contextlib.suppress(OSError):
                os.unlink(lock_file)
        backend.unlock(fd)
    finally:
        os.close(fd)
    if not backend.removes_while_held:
        with contextlib.suppress(OSError):
            os.unlink(lock_file)


def _acquire(
    lock_file: Path,
    backend: Backend,
    *,
    wait: bool,
    timeout: float | None,
    on_wait: Callable[[], None] | None,
    fail: Callable[[str], LockError],
) -> int:
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = _POLL_FIRST
    fd = _try_once(lock_file, backend)
    if fd is not None:
        return fd
    if not wait:
        raise fail("file is locked by another dxltools run (use without --no-wait to wait)")
    if on_wait is not None:
        on_wait()
    while fd is None:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise fail(f"file is still locked by another dxltools run after {timeout:g} s")
        time.sleep(pause if left is None else min(pause, left))
        pause = min(pause * 2, _POLL_MAX)
        fd = _try_once(lock_file, backend)
    return fd


@contextlib.contextmanager
def locked(
    path: Path,
    *,
    wait: bool = True,
    timeout: float | None = None,
    source: str | None = None,
    on_wait: Callable[[], None] | None = None,
    backend: Backend | None = None,
) -> Iterator[None]:
    """Hold the dxltools lock of `path` for the block.

    When another run holds it: fail at once (`wait` false), wait for it (`wait`
    true, `timeout` None), or fail after `timeout` seconds. `on_wait` is called
    once when the wait begins (to tell the user why nothing happens). Every
    failure is a :class:`LockError` naming `source` (`path` by default).
    """
    backend = backend or default_backend()
    lock_file = lock_path(path)
    name = source or str(path)

    def fail(reason: str) -> LockError:
        return LockError(reason, source=name)

    try:
        fd = _acquire(lock_file, backend, wait=wait, timeout=timeout, on_wait=on_wait, fail=fail)
    except OSError as error:
        if isinstance(error, LockError):
            raise
        raise fail(f"cannot use lock file {lock_file}: {error.strerror or error}") from None
    try:
        yield
    finally:
        _release(lock_file, fd, backend)
