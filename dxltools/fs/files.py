"""Which files a command works on: named files, and DXL files found in named folders.

Shared by every command, so `run`, `show`, `validate` and `audit` agree on
what "this folder" means. Include and exclude globs apply to what a folder
walk finds; a file named on the command line is always taken (as black and
ruff do), since the user asked for it by name.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

import attrs

from dxltools.errors import DxlError, NotDxlError, ReadError
from dxltools.fs.atomic import KEPT_SUFFIX, TEMP_SUFFIX
from dxltools.records import Record

DEFAULT_INCLUDE = ("*.dxl", "*.xml")
STDIN = "-"  # the path argument that means standard input
STDIN_NAME = "<stdin>"  # how reports and errors name standard input
_SEPARATORS = re.compile(r"[\\/]+")


@attrs.frozen(repr=False)
class InputFile(Record):
    """A file to process, and its path relative to the argument it came from
    (what `-o FOLDER` recreates); `walked`: found by walking a folder (not
    named on the command line)."""

    path: Path
    relative: Path
    walked: bool = False


def _matches(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    """A pattern matches a path's tail, case-insensitively (Windows admins
    write `*.DXL`): `*.dxl` any file, `old/*.dxl` a file in a folder `old`."""
    text = relative.as_posix().lower()
    parts = text.split("/")
    for pattern in patterns:
        # `old\*.dxl`, `old\\*.dxl` (a shell's escaped backslash) and `old/*.dxl` are one.
        wanted = _SEPARATORS.sub("/", pattern).strip("/").lower()
        depth = wanted.count("/") + 1
        if fnmatch.fnmatchcase("/".join(parts[-depth:]), wanted):
            return True
    return False


def _excluded(relative: PurePosixPath, exclude: Sequence[str]) -> bool:
    """Excluded when the file or any folder above it (inside the walk) matches."""
    return any(
        _matches(PurePosixPath(*relative.parts[:end]), exclude)
        for end in range(1, len(relative.parts) + 1)
    )


def _walk(folder: Path, include: Sequence[str], exclude: Sequence[str]) -> Iterator[InputFile]:
    yield from sorted(_found(folder, include, exclude), key=lambda item: item.relative.as_posix())


def _found(folder: Path, include: Sequence[str], exclude: Sequence[str]) -> Iterator[InputFile]:
    """The files of a folder walk, as found (unsorted)."""
    for root, folders, names in os.walk(folder):
        here = Path(root)
        # Prune excluded folders so a large archive folder is never listed.
        folders[:] = [
            name
            for name in folders
            if not _excluded(PurePosixPath((here / name).relative_to(folder).as_posix()), exclude)
        ]
        for name in names:
            if name.endswith((TEMP_SUFFIX, KEPT_SUFFIX)):
                continue  # our own temporary files, and rewrites kept beside a changed file
            path = here / name
            relative = PurePosixPath(path.relative_to(folder).as_posix())
            if _matches(relative, include) and not _excluded(relative, exclude):
                yield InputFile(path, Path(relative), walked=True)


def find_inputs(
    arguments: Iterable[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[InputFile]:
    """The files that `arguments` name, in argument order; folders are walked
    (sorted, so runs and reports are repeatable). Missing paths are returned as
    they are, for the command to report as errors in their turn."""
    include = tuple(include) or DEFAULT_INCLUDE
    files: list[InputFile] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            files.extend(_walk(path, include, exclude))
        else:
            files.append(InputFile(path, Path(path.name)))
    return files


def folders_without_inputs(
    arguments: Iterable[str], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[str]:
    """The folder arguments in which a walk finds no file to take (each walk
    stops at the first file it would take)."""
    include = tuple(include) or DEFAULT_INCLUDE
    return [
        argument
        for argument in arguments
        if Path(argument).is_dir() and next(_found(Path(argument), include, exclude), None) is None
    ]


def skip_reason(item: InputFile, error: DxlError) -> str | None:
    """Why a file is skipped rather than an error: XML that is not DXL (another
    root or namespace), found by a folder walk (a `pom.xml` beside the
    exports). Named on the command line, it is an error. None: an error."""
    if item.walked and isinstance(error, NotDxlError):
        return error.reason
    return None


def reads_stdin(arguments: Sequence[str]) -> bool:
    """No path, or the single path `-`, means standard input."""
    return not arguments or tuple(arguments) == (STDIN,)


def read_error(error: OSError, source: str) -> ReadError:
    """The one wording, for every command, of an input that cannot be read."""
    if isinstance(error, FileNotFoundError):
        reason = "no such file"
    elif isinstance(error, IsADirectoryError):
        reason = "is a folder"
    else:
        reason = f"cannot read: {error.strerror or error}"
    return ReadError(reason, source=source)
