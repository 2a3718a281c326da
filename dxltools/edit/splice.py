"""Turn an edit's changes into a note's new bytes, keeping every other byte.

Removing an item also removes the white space before it when that white space
holds a line break (the item's own line), so the note keeps one item per line.
A new item goes after the last item, preceded by the same white space as that
item (so indented exports stay indented), or after the note's header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dxltools.dxl.model import Note
from dxltools.edit.changes import ByteChange, InsertItem, RemoveItem, ReplaceItem
from dxltools.edit.render import render_item
from dxltools.errors import EditError

_SPACE = b" \t\r\n"
_ITEM_QUOTE = re.compile(rb"<item\s+name\s*=\s*([\"'])")
_ANY_QUOTE = re.compile(rb"=\s*([\"'])")


def _space_before(data: bytes, position: int, floor: int) -> int:
    """Start of the run of white space that ends at `position` (not below `floor`)."""
    start = position
    while start > floor and data[start - 1] in _SPACE:
        start -= 1
    return start


def _line_break_before(note: Note, position: int) -> tuple[int, bytes]:
    """The white space before `position` when it holds a line break, else nothing."""
    start = _space_before(note.data, position, note.header_end if position > note.header_end else 0)
    space = note.data[start:position]
    return (start, space) if b"\n" in space else (position, b"")


def _insert_point(note: Note) -> tuple[int, bytes]:
    """Where a new item goes and the white space that goes before it."""
    if note.items:
        last = note.items[-1].span
        _, space = _line_break_before(note, last.start)
        return last.end, space or note.newline
    position = note.header_end
    start = _space_before(note.data, note.end_tag_start, position)
    space = note.data[start : note.end_tag_start]
    if b"\n" in space and position < note.end_tag_start:
        # Indented export: reuse the indentation of the line the end tag closes.
        return position, note.newline + _indent_of(note.data, position)
    return position, note.newline


def _indent_of(data: bytes, position: int) -> bytes:
    """The indentation of the line holding `position`'s preceding element."""
    line_start = data.rfind(b"\n", 0, position) + 1
    end = line_start
    while end < len(data) and data[end] in b" \t":
        end += 1
    return data[line_start:end]


def quote_of(note: Note) -> str:
    """The quote the note's own items are written in (its start tag's when it
    has none): new items follow it. Domino writes single quotes."""
    found = _ITEM_QUOTE.search(note.data) or _ANY_QUOTE.search(note.data)
    return '"' if found is not None and found.group(1) == b'"' else "'"


def splice(note: Note, changes: Sequence[ByteChange]) -> bytes:
    """The note's bytes with `changes` applied; bytes no change names are kept."""
    operations: list[tuple[int, int, int, bytes]] = []  # start, order, end, new bytes
    targeted: set[int] = set()
    quote = quote_of(note) if changes else "'"
    for change in changes:
        if isinstance(change, InsertItem):
            position, space = _insert_point(note)
            new = space + render_item(change.new, note.encoding, quote)
            operations.append((position, 1, position, new))
            continue
        span = change.item.span
        if span.start in targeted:
            raise EditError(f"note {note.label}: two changes target item {change.item.name}")
        targeted.add(span.start)
        if isinstance(change, RemoveItem):
            start, _ = _line_break_before(note, span.start)
            operations.append((start, 0, span.end, b""))
        elif isinstance(change, ReplaceItem):
            new = render_item(change.new, note.encoding, quote)
            operations.append((span.start, 0, span.end, new))
    operations.sort(key=lambda operation: (operation[0], operation[1]))
    pieces: list[bytes] = []
    cursor = 0
    for start, _, end, new in operations:
        if start < cursor:
            raise EditError(f"note {note.label}: changes overlap")
        pieces.append(note.data[cursor:start])
        pieces.append(new)
        cursor = end
    pieces.append(note.data[cursor:])
    return b"".join(pieces)
