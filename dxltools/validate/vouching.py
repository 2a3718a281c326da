"""When the DTD vouches for a note, so that `validate` need not walk its items.

The structure rules (:mod:`dxltools.validate.structure`) cost a Python call or
three per item, a million and a half items in a 200 MB export. A DTD like the
DXL ones enforces most of them itself (:func:`dtd_checks_structure`); a note it
found nothing wrong with, and whose bytes name no item with an empty name (the
one item rule no DTD can state), breaks none of those rules, and only its
noteinfo is left to check. A note the DTD objected to goes through every rule,
so that `validate` reports exactly what it reports without this shortcut.

What libxml2 objected to is known per feed of the parser (a step), from its log:
a note is vouched for when no step from the one that fed its first byte to the
one in which it ended logged anything, nor fed an empty name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from dxltools.dxl.segments import NOTE_TAGS
from dxltools.validate.content_model import may_follow, one_element
from dxltools.validate.structure import HEADER_TAGS

# A `name` attribute left empty, or whose value starts with an entity reference
# (which may stand for nothing): what no DTD can catch, found in the bytes.
_EMPTY_NAME = re.compile(rb"name[ \t\r\n]*+=[ \t\r\n]*+(?:'['&]|\"[\"&])")


def dtd_checks_structure(dtd: etree.DTD | None) -> bool:
    """Whether validating against `dtd` enforces the rules of
    :meth:`StructureRules.check_note` but those of the noteinfo and of an item's
    name left empty (no DTD can): a `name` on every <item> (``#REQUIRED``) and
    exactly one value element in it; in a <document> or <note>, each header at
    most once, in order, before any item. (A note element the DTD does not
    declare is a validity error of its own.)"""
    if dtd is None:
        return False
    elements = list(dtd.iterelements())
    if any(element.prefix for element in elements):
        return False  # `x:item`, to libxml2 not an <item>, may be one to lxml
    declared = {element.name: element for element in elements}
    item = declared.get("item")
    if item is None or item.type != "element" or not one_element(item.content):
        return False
    name = next((a for a in item.iterattributes() if a.name == "name" and not a.prefix), None)
    if name is None or name.default != "required":
        return False
    for tag in NOTE_TAGS:
        note = declared.get(tag)
        if note is None:
            continue
        if note.type == "any":
            return False
        after = may_follow(note.content)
        if after.get("item", frozenset()) & set(HEADER_TAGS):
            return False
        for index, header in enumerate(HEADER_TAGS):
            if after.get(header, frozenset()) & set(HEADER_TAGS[: index + 1]):
                return False
    return True


class Vouching:
    """Which notes of one file the DTD vouches for, step by step."""

    def __init__(self) -> None:
        self.steps = 0  # counted from 1: 0 stands for no step known
        self._suspect = 0  # the last step that logged something or fed an empty name
        self._trusted: bool | None = None  # whether the DTD enforces the rules; None: not known

    def begin_step(self, data: bytes | None) -> None:
        """A step begins that feeds `data` (None: the end of the file)."""
        self.steps += 1
        if data and self._trusted is not False and _EMPTY_NAME.search(data):
            self._suspect = self.steps

    def end_step(self, logged: bool, capped: bool) -> None:
        """The step's feed is done: `logged`, the parser logged something in it;
        `capped`, libxml2 may log nothing more (so it can vouch for nothing)."""
        if logged:
            self._suspect = self.steps
        if capped:
            self._trusted = False

    def vouches(self, first_step: int, trusted: Callable[[], bool]) -> bool:
        """Whether the note whose first byte was fed in `first_step`, ending in this
        step, is vouched for; `trusted` says, once asked, whether libxml2 validates
        against a DTD that enforces the rules."""
        if self._trusted is None:
            self._trusted = trusted()
        return self._trusted and first_step > self._suspect
