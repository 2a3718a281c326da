"""A unified diff of two versions of one export, for ``run --diff``."""

from __future__ import annotations

import os
from pathlib import PurePath


def unified_diff(old: bytes, new: bytes, name: str) -> bytes:
    """A unified diff of two versions of one export; empty when they are equal.
    Headers use forward slashes and `a/`/`b/` only for relative paths, so
    `git apply` and `patch -p1` work and absolute paths read naturally."""
    if old == new:
        return b""
    import difflib  # only --diff needs it: 1.3 ms of every start otherwise

    shown = PurePath(name).as_posix()
    before, after = (shown, shown) if os.path.isabs(name) else (f"a/{shown}", f"b/{shown}")
    lines = difflib.unified_diff(
        old.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        new.decode("utf-8", "surrogateescape").splitlines(keepends=True),
        before,
        after,
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text.encode("utf-8", "surrogateescape")
