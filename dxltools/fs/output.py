"""Where a run writes its results: the `-o` target of each input, the folders
it needs, and the numbered backups kept beside a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from dxltools.errors import WriteError
from dxltools.fs.atomic import numbered_backups
from dxltools.fs.files import InputFile
from dxltools.records import Record


@attrs.frozen(repr=False)
class OutputTarget(Record):
    """Where ``-o`` writes: one file, or a folder (`folder`) that recreates the
    inputs' relative paths. `given`: the path as it was given, for messages."""

    given: str
    folder: bool

    @classmethod
    def of(cls, given: str, paths: Sequence[str]) -> OutputTarget:
        """A folder for several inputs, a folder input, or an existing folder."""
        several = len(paths) > 1 or any(Path(p).is_dir() for p in paths)
        return cls(given, several or Path(given).is_dir())

    @property
    def path(self) -> Path:
        return Path(self.given)

    def target_of(self, item: InputFile) -> Path:
        """Where the result of `item` goes."""
        return self.path / item.relative if self.folder else self.path

    def make_folders(self, target: Path) -> None:
        """Make the folders ``-o FOLDER`` recreates; an output that cannot be
        made is the output's error, not the input's."""
        if not self.folder:
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(
                f"cannot write: {error.strerror or error}", source=str(target.parent)
            ) from None

    def check_file_folder(self) -> None:
        """A single output file needs its folder to exist: checked before any work."""
        if self.folder:
            return
        folder = self.path.parent
        if not folder.is_dir():
            reason = "not a folder" if folder.exists() else "no such folder"
            raise WriteError(f"cannot write: {reason} {folder}", source=str(self.path))


def backups_of(target: Path, suffix: str | None) -> list[Path]:
    """The numbered backups beside `target` (``NAME.orig.1``...), in number order."""
    if not suffix:
        return []
    return numbered_backups(target.with_name(target.name + suffix))
