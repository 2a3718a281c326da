"""Write a file so that readers see either the old bytes or the new ones, never a mix.

The new bytes go to a temporary file in the target's own folder (a rename is
atomic only within one file system), are flushed to disk, get the original's
mode and owner, and are renamed over the target. A symbolic link stays a link:
the file it points to is replaced. On any error the temporary file is removed
and the target is left as it was.

A file another program changed while dxltools worked on it is never
overwritten: the caller names the file it read and how it was then (a
:class:`FileStamp`), and just before the rename the file is checked again.
When it differs, both versions are kept: the other program's in its place, the
rewrite beside it as ``NAME.dxltools-new``.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import attrs

from dxltools.errors import WriteError
from dxltools.records import Record

TEMP_SUFFIX = ".dxltools-tmp"
# The rewrite of a file that changed under dxltools. Folder walks take *.dxl
# and *.xml by default, so this name is never taken for an input.
KEPT_SUFFIX = ".dxltools-new"


class TemporaryOutput:
    """The open temporary file; :meth:`discard` drops it instead of replacing the target."""

    def __init__(self, stream: IO[bytes], path: Path, target: Path) -> None:
        self.stream = stream
        self.path = path
        self.target = target
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True

    def another(self) -> Path:
        """A further empty temporary file beside the target, for a part of the
        output (:mod:`dxltools.rewrite.parts`); the caller removes it."""
        handle, path = _temporary_beside(self.target)
        os.close(handle)
        return path


@attrs.frozen(repr=False)
class FileStamp(Record):
    """What tells two versions of a file apart without reading them."""

    size: int
    mtime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileStamp:
        return cls(status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev)

    def differences(self, other: FileStamp) -> list[str]:
        """What differs, in words: ``["size", "modification time"]``."""
        found = []
        if self.size != other.size:
            found.append("size")
        if self.mtime_ns != other.mtime_ns:
            found.append("modification time")
        if (self.inode, self.device) != (other.inode, other.device):
            found.append("inode")
        return found


@attrs.frozen(repr=False)
class Watched(Record):
    """A file that must still be as it was read when the target is replaced."""

    path: Path
    stamp: FileStamp


def kept_path(target: Path) -> Path:
    """Where the rewrite of a file that changed under dxltools is kept."""
    real_target = Path(os.path.realpath(target))
    return real_target.with_name(real_target.name + KEPT_SUFFIX)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; only POSIX lets a folder be opened for that."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_CREATE = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
)


def _temporary_name(target: Path) -> Path:
    """A fresh name in `target`'s folder that :func:`remove_stale_temporaries` of
    `target` recognises."""
    return target.parent / f".{target.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}"


def _create(path: Path) -> int | None:
    """Create `path` (mode 0600, as mkstemp does); None when the name is taken."""
    try:
        return os.open(path, _CREATE, 0o600)
    except FileExistsError:
        return None


def _temporary_beside(target: Path) -> tuple[int, Path]:
    """A new empty file in `target`'s folder, named by :func:`_temporary_name`."""
    while True:
        path = _temporary_name(target)
        handle = _create(path)
        if handle is not None:
            return handle, path


@contextlib.contextmanager
def atomic_output(
    target: Path,
    *,
    mode_from: Path | None = None,
    backup: str | None = None,
    source: str | None = None,
    watch: Watched | None = None,
) -> Iterator[TemporaryOutput]:
    """Yield a temporary file that replaces `target` when the block ends without error.

    `watch`: a file (usually the input) that must not have changed since it
    was read; when it has, the target is left alone, the new bytes are kept
    as :func:`kept_path` and a :class:`WriteError` says so.
    """
    real_target = Path(os.path.realpath(target))
    folder = real_target.parent
    name = source or str(target)
    # The file is made inside the `try` whose `finally` removes it, its name set
    # before it exists: a termination signal (raised between two bytecodes) then
    # never leaves a temporary file that nothing removes.
    temporary_path: Path | None = None
    try:
        handle = None
        while handle is None:
            temporary_path = _temporary_name(real_target)
            try:
                handle = _create(temporary_path)
            except OSError as error:
                raise WriteError(
                    f"cannot write in {folder}: {error.strerror}", source=name
                ) from None
            if handle is None:  # the name is another file's: not ours to remove
                temporary_path = None
        assert temporary_path is not None  # the loop ends once a file was made
        output = TemporaryOutput(os.fdopen(handle, "w+b"), temporary_path, real_target)
        with output.stream:
            yield output
            if output.discarded:
                return
            output.stream.flush()
            os.fsync(output.stream.fileno())
        _replace(temporary_path, real_target, mode_from, backup, watch, name)
        _fsync_folder(folder)
    except WriteError:
        raise
    except OSError as error:
        raise WriteError(
            f"cannot write {target}: {error.strerror or error}; original left as it was",
            source=name,
        ) from None
    finally:
        if temporary_path is not None:
            with contextlib.suppress(FileNotFoundError):
                temporary_path.unlink()


def _replace(
    temporary: Path,
    target: Path,
    mode_from: Path | None,
    backup: str | None,
    watch: Watched | None,
    name: str,
) -> None:
    reference = mode_from if mode_from is not None and mode_from.exists() else target
    if target.exists():
        _copy_owner(target, temporary)
    if reference.exists():
        os.chmod(temporary, stat.S_IMODE(os.stat(reference).st_mode))  # as shutil.copymode
    else:
        os.chmod(temporary, 0o666 & ~_umask())
    if backup and target.exists():
        _check_unchanged(watch, temporary, target, name)
        _backup(target, target.with_name(target.name + backup))
    # As late as can be: what another program writes after this is its own
    # race with the rename, as with any two writers that share no lock.
    _check_unchanged(watch, temporary, target, name)
    os.replace(temporary, target)


def _copy_owner(reference: Path, temporary: Path) -> None:
    """Give the new file the owner and group of the one it replaces, when this
    process may (root may; others may at least keep a group they belong to)."""
    if not hasattr(os, "chown"):
        return
    wanted, made = reference.stat(), temporary.stat()
    if (wanted.st_uid, wanted.st_gid) == (made.st_uid, made.st_gid):
        return
    try:
        os.chown(temporary, wanted.st_uid, wanted.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.chown(temporary, -1, wanted.st_gid)


def _check_unchanged(watch: Watched | None, temporary: Path, target: Path, name: str) -> None:
    """Refuse to replace anything when the watched file changed since it was read;
    keep the new bytes beside the target instead."""
    if watch is None:
        return
    try:
        now: FileStamp | None = FileStamp.of(watch.path.stat())
    except FileNotFoundError:
        now = None
    what = ["the file is gone"] if now is None else watch.stamp.differences(now)
    if not what:
        return
    kept = kept_path(target)
    os.replace(temporary, kept)
    _fsync_folder(kept.parent)
    raise WriteError(
        f"changed by another program while dxltools rewrote it ({', '.join(what)} differ): "
        f"nothing replaced, the file is as the other program left it; the rewrite of the "
        f"version dxltools read is kept as {kept}",
        source=name,
    )


def _backup(target: Path, backup: Path) -> None:
    """Copy `target` to `backup` all or nothing: an older backup is moved
    aside (numbered) only for a whole copy, never for a part one (a full disk
    stops the copy)."""
    import shutil  # here, not at the top: it imports bz2 and lzma, 4.6 ms of every start

    handle, temporary = _temporary_beside(target)
    os.close(handle)
    try:
        shutil.copy2(target, temporary)
        _copy_owner(target, temporary)
        _keep_earlier_backup(backup)  # only once the new copy is whole
        os.replace(temporary, backup)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def numbered_backups(backup: Path) -> list[Path]:
    """``NAME.orig.1``, ``NAME.orig.2``... beside `backup`, in number order."""
    pattern = re.compile(re.escape(backup.name) + r"\.([1-9][0-9]*)")
    try:
        names = os.listdir(backup.parent)
    except OSError:
        return []
    found = sorted(
        (int(match.group(1)), name)
        for name in names
        if (match := pattern.fullmatch(name)) is not None
    )
    return [backup.with_name(name) for _, name in found]


def _keep_earlier_backup(backup: Path) -> None:
    """An earlier backup is kept as the next numbered one (``NAME.orig.3`` after
    ``NAME.orig.2``), as ``cp --backup=numbered`` does: a second run never
    destroys the only copy of the file as it was before the first."""
    if not backup.exists():
        return
    earlier = numbered_backups(backup)
    number = int(earlier[-1].name.rsplit(".", 1)[1]) + 1 if earlier else 1
    os.replace(backup, backup.with_name(f"{backup.name}.{number}"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files a killed run left beside `target`.

    Only safe while holding the target's lock (see :mod:`dxltools.fs.lock`): the
    run that made such a file would have held the lock, so it is gone. The
    name must be exactly ``.NAME.RANDOM.dxltools-tmp`` (the random part holds
    no dot), so the temporary files of ``NAME.old.dxl``, which another run may
    be writing, are left alone.
    """
    real_target = Path(os.path.realpath(target))
    pattern = re.compile(re.escape(f".{real_target.name}.") + r"[^.]+" + re.escape(TEMP_SUFFIX))
    removed = []
    for leftover in real_target.parent.iterdir():
        if not pattern.fullmatch(leftover.name):
            continue
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed
