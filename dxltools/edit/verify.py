"""Check a rewrite before it replaces anything.

A changed note is re-parsed and compared with what the changes promised: the
items no change named keep their exact bytes, removed items are gone, new and
replaced items read back with their names, flags and values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dxltools.dxl.model import Note
from dxltools.dxl.parse import parse_note
from dxltools.edit.changes import ByteChange, InsertItem, RemoveItem, ReplaceItem
from dxltools.errors import DxlError, VerifyError


def verify_note(old: Note, new_data: bytes, changes: Sequence[ByteChange], source: str) -> Note:
    """The re-parsed new note; raises :class:`VerifyError` when it breaks a promise."""
    try:
        new = parse_note(
            new_data,
            namespace=None,
            encoding=old.encoding,
            newline=old.newline,
            line=old.line,
            source=source,
        )
    except DxlError as error:
        raise _failed(old, source, f"the rewritten note does not parse: {error.reason}") from None
    touched = {change.item.span.start for change in changes if not isinstance(change, InsertItem)}
    kept = Counter(old.item_bytes(item) for item in old.items if item.span.start not in touched)
    left = Counter(new.item_bytes(item) for item in new.items)
    if kept - left:
        raise _failed(old, source, "an item no change named lost bytes")
    expected = [change.new for change in changes if isinstance(change, ReplaceItem | InsertItem)]
    added = left - kept
    written = [item for item in new.items if added[new.item_bytes(item)] > 0]
    if len(new.items) != len(old.items) - _count(changes, RemoveItem) + _count(changes, InsertItem):
        raise _failed(old, source, "the rewritten note has the wrong number of items")
    for want in expected:
        if not any(
            item.name == want.name and item.texts == want.values and item.flags == want.flags
            for item in written
        ):
            raise _failed(old, source, f"item {want.name} does not read back as written")
    return new


def _count(changes: Sequence[ByteChange], kind: type) -> int:
    return sum(isinstance(change, kind) for change in changes)


def _failed(note: Note, source: str, reason: str) -> VerifyError:
    return VerifyError(
        f"note {note.label}: {reason}; nothing written", source=source, line=note.line
    )
