"""Edits: pure functions from a Note to the changes it needs.

An edit that finds a note already as it should be returns no change, which is
what makes every run idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence

from dxltools.changes import Change, Edit, RemoveItem
from dxltools.model import Note


def remove_item(name: str) -> Edit:
    """Remove every item called `name`, in any case, whatever its flags, as
    LotusScript's ``NotesDocument.RemoveItem`` does."""

    def edit(note: Note) -> Sequence[Change]:
        return [RemoveItem(item) for item in note.items_named(name)]

    return edit
