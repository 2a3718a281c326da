"""Write a file so that readers see either the old bytes or the new ones, never a mix.

The new bytes go to a temporary file in the target's own folder (a rename is
atomic only within one file system), are flushed to disk, get the original's
mode, and are renamed over the target. A symbolic link stays a link: the file
it points to is replaced. On any error the temporary file is removed and the
target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path
from typing import IO

from dxltools.errors import WriteError

TEMP_SUFFIX = ".dxltools-tmp"


class TemporaryOutput:
    """The open temporary file; :meth:`discard` drops it instead of replacing the target."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self.stream = stream
        self.path = path
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; only POSIX lets a folder be opened for that."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_output(
    target: Path,
    *,
    mode_from: Path | None = None,
    backup: str | None = None,
    source: str | None = None,
) -> Iterator[TemporaryOutput]:
    """Yield a temporary file that replaces `target` when the block ends without error."""
    real_target = Path(os.path.realpath(target))
    folder = real_target.parent
    name = source or str(target)
    try:
        handle, temporary_name = tempfile.mkstemp(
            prefix=f".{real_target.name}.", suffix=TEMP_SUFFIX, dir=folder
        )
    except OSError as error:
        raise WriteError(f"cannot write in {folder}: {error.strerror}", source=name) from None
    temporary_path = Path(temporary_name)
    output = TemporaryOutput(os.fdopen(handle, "w+b"), temporary_path)
    try:
        with output.stream:
            yield output
            if output.discarded:
                return
            output.stream.flush()
            os.fsync(output.stream.fileno())
        _replace(temporary_path, real_target, mode_from, backup)
        _fsync_folder(folder)
    except OSError as error:
        raise WriteError(
            f"cannot write {target}: {error.strerror or error}; original left as it was",
            source=name,
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()


def _replace(temporary: Path, target: Path, mode_from: Path | None, backup: str | None) -> None:
    reference = mode_from if mode_from is not None and mode_from.exists() else target
    if reference.exists():
        shutil.copymode(reference, temporary)
    else:
        os.chmod(temporary, 0o666 & ~_umask())
    if backup and target.exists():
        shutil.copy2(target, target.with_name(target.name + backup))
    os.replace(temporary, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files a killed run left beside `target`.

    Only safe while holding the target's lock (see :mod:`dxltools.lock`): the
    run that made such a file would have held the lock, so it is gone.
    """
    real_target = Path(os.path.realpath(target))
    removed = []
    for leftover in real_target.parent.glob(f".{glob_escape(real_target.name)}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed
