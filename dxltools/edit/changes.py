"""Changes an edit asks for: immutable values that name items, never bytes.

Edits are pure functions from a :class:`~dxltools.dxl.model.Note` to a sequence of
these; :mod:`dxltools.edit.splice` turns them into bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from dxltools.dxl.model import Item, ItemFlags, Note
from dxltools.records import Record


def _preview(values: tuple[str, ...]) -> str:
    return "; ".join(values) if values else "(empty)"


@attrs.frozen(repr=False)
class NewItem(Record):
    """A text or text-list item to write. One value is written as ``<text>``
    unless ``as_list`` says otherwise; several values always as ``<textlist>``."""

    name: str
    values: tuple[str, ...]
    flags: ItemFlags = attrs.field(factory=ItemFlags)
    as_list: bool | None = None

    @property
    def is_list(self) -> bool:
        return (
            len(self.values) != 1 if self.as_list is None else self.as_list or len(self.values) > 1
        )


@attrs.frozen(repr=False)
class RemoveItem(Record):
    """Remove one item, with the line break that belongs to it."""

    item: Item

    def describe(self) -> str:
        value = _preview(self.item.texts) if self.item.texts else type(self.item.value).__name__
        return f"removed {self.item.name} ({self.item.flags.describe()}): {value}"


@attrs.frozen(repr=False)
class ReplaceItem(Record):
    """Write a new item where an existing one stands."""

    item: Item
    new: NewItem

    def describe(self) -> str:
        return f"set {self.new.name} ({self.new.flags.describe()}): {_preview(self.new.values)}"


@attrs.frozen(repr=False)
class InsertItem(Record):
    """Add an item after the note's last item (after its header when it has none)."""

    new: NewItem

    def describe(self) -> str:
        return f"added {self.new.name} ({self.new.flags.describe()}): {_preview(self.new.values)}"


@attrs.frozen(repr=False)
class Warn(Record):
    """A finding for the report that changes no byte."""

    message: str

    def describe(self) -> str:
        return self.message


ByteChange = RemoveItem | ReplaceItem | InsertItem
Change = ByteChange | Warn
Edit = Callable[[Note], Sequence[Change]]
