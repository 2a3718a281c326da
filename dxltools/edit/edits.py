"""Edits: pure functions from a Note to the changes it needs.

Each action is a factory taking its parameters and returning an
:data:`~dxltools.edit.changes.Edit`. An edit that finds a note already as it should
be returns no change, which is what makes every run idempotent. Item names
compare case-insensitively, as in Notes.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dxltools.dxl.model import Item, ItemFlags, Note, Text, TextList
from dxltools.edit.changes import Change, Edit, InsertItem, NewItem, RemoveItem, ReplaceItem, Warn
from dxltools.errors import EditError
from dxltools.names import canonicalize, name_key, unique_names

READERS_FLAGS = ItemFlags(readers=True)


def remove_item(name: str) -> Edit:
    """Remove every item called `name`, in any case, whatever its flags, as
    LotusScript's ``NotesDocument.RemoveItem`` does."""

    def edit(note: Note) -> Sequence[Change]:
        return [RemoveItem(item) for item in note.items_named(name)]

    return edit


def _replace_all(note: Note, new: NewItem, first_is_right: bool) -> list[Change]:
    """``ReplaceItemValue``: one item of that name left, holding `new`.

    `first_is_right` says the first existing item already equals `new`: then only the
    surplus items go, and the first keeps its bytes.
    """
    existing = note.items_named(new.name)
    if not existing:
        return [InsertItem(new)]
    first, *rest = existing
    changes: list[Change] = [] if first_is_right else [ReplaceItem(first, new)]
    return changes + [RemoveItem(item) for item in rest]


def _is_text(item: Item) -> bool:
    return isinstance(item.value, Text | TextList)


def set_item(name: str, values: Sequence[str], flags: ItemFlags | None = None) -> Edit:
    """Set a text (one value) or text-list item, as ``ReplaceItemValue`` does.

    An item that already holds exactly these values and flags is left alone.
    """
    new = NewItem(name, tuple(values), flags or ItemFlags())

    def edit(note: Note) -> Sequence[Change]:
        existing = note.items_named(name)
        first_is_right = (
            bool(existing)
            and _is_text(existing[0])
            and (existing[0].texts == new.values and existing[0].flags == new.flags)
        )
        if first_is_right and len(existing) == 1:
            return []
        return _replace_all(note, new, first_is_right)

    return edit


def _names_in(items: Sequence[Item]) -> tuple[str, ...]:
    return tuple(value for item in items for value in item.texts if value.strip())


def _same_names(first: Sequence[str], second: Sequence[str]) -> bool:
    return {name_key(name) for name in first} == {name_key(name) for name in second}


def add_names(name: str, names: Sequence[str], flags: ItemFlags | None = None) -> Edit:
    """Add `names` to a names, readers or authors item, canonical and without
    case-insensitive duplicates; the item is created with `flags` if missing."""
    wanted = unique_names(names)

    def edit(note: Note) -> Sequence[Change]:
        existing = note.items_named(name)
        current = _names_in(existing)
        present = {name_key(value) for value in current}
        missing = tuple(value for value in wanted if name_key(value) not in present)
        if not missing and len(existing) <= 1:
            return []
        item_flags = existing[0].flags if existing else (flags or ItemFlags(names=True))
        merged = unique_names((*current, *missing))
        return _replace_all(note, NewItem(name, merged, item_flags), first_is_right=False)

    return edit


def remove_names(name: str, names: Sequence[str]) -> Edit:
    """Remove `names` (any case, canonical or abbreviated) from an item's values."""
    unwanted = {name_key(value) for value in names}

    def edit(note: Note) -> Sequence[Change]:
        existing = note.items_named(name)
        current = _names_in(existing)
        if not any(name_key(value) in unwanted for value in current):
            return []
        left = tuple(value for value in current if name_key(value) not in unwanted)
        new = NewItem(name, left if left else ("",), existing[0].flags)
        return _replace_all(note, new, first_is_right=False)

    return edit


def coexistence_server(note: Note, server_items: Sequence[str]) -> str | None:
    """The document's own coexistence server: the first non-empty server item."""
    for item_name in server_items:
        for item in note.items_named(item_name):
            for value in item.texts:
                if value.strip():
                    return canonicalize(value)
    return None


def set_readers(
    servers_group: str,
    admins_group: str,
    server_items: Sequence[str] = ("CalendarServer", "MailServer"),
    item: str = "$Readers",
) -> Edit:
    """One readers item: the servers group, the administrators group and the
    document's own coexistence server. Left alone when it already holds those
    names (any case, any order, canonical or abbreviated) with the readers flag
    and is not marked ``summary='false'``."""

    def edit(note: Note) -> Sequence[Change]:
        server = coexistence_server(note, server_items)
        if server is None:
            raise EditError(
                f"note {note.label}: no coexistence server in {' or '.join(server_items)}; "
                "file not rewritten",
                line=note.line,
            )
        wanted = unique_names((servers_group, admins_group, server))
        existing = note.items_named(item)
        first = existing[0] if existing else None
        first_is_right = (
            first is not None
            and first.flags.readers
            and first.flags.summary is not False
            and _same_names(_names_in([first]), wanted)
            and len(_names_in([first])) == len(first.texts)
        )
        if first_is_right and len(existing) == 1:
            return []
        flags = attrs.evolve(first.flags, readers=True, summary=None) if first else READERS_FLAGS
        return _replace_all(note, NewItem(item, wanted, flags), first_is_right)

    return edit


def signed_warning(note: Note) -> Warn | None:
    """Editing a signed document breaks its signature: say so."""
    if note.items_named("$Signature") or any(item.flags.sign for item in note.items):
        return Warn(f"note {note.label} was signed; the change invalidates its signature")
    return None
