"""The DXL structure rules `validate` checks beyond the DTD, on each note as it ends.

A note's header elements come in the DTD's order and before its items; every
item has a name and exactly one value element; a noteid is hexadecimal and a
UNID is 32 hexadecimal digits that no other note of the file uses. Problems
are placed from the splitter's byte offsets (:class:`Place`), which stay exact
where lxml's line numbers do not.
"""

from __future__ import annotations

import re
from array import array

from lxml import etree

from dxltools.dxl.layout import ElementLayout, element_layout
from dxltools.dxl.segments import Segment
from dxltools.errors import DxlError
from dxltools.validate.problems import ValidationProblem

# The header part of a note, in the order the DTD wants, before any <item>.
HEADER_TAGS = ("noteinfo", "updatedby", "revisions", "wassignedby", "textproperties", "mime")

_UNID_RE = re.compile(r"[0-9A-Fa-f]{32}")
_NOTEID_RE = re.compile(r"[0-9A-Fa-f]+")


# -- UNIDs seen in one file ---------------------------------------------------------------


class SeenUnids:
    """The UNIDs of one file, as 16-byte keys in one bytearray (open addressing),
    each with a line number: under 40 bytes a note where a set of strings takes
    over 150, so a million notes stay small."""

    def __init__(self) -> None:
        self._count = 0
        self._allocate(1024)

    def _allocate(self, slots: int) -> None:
        self._slots = slots
        self._keys = bytearray(16 * slots)
        self._lines = array("I", bytes(4 * slots))  # 0: an empty slot

    def __len__(self) -> int:
        return self._count

    def add(self, key: bytes, line: int) -> int | None:
        """Remember a 16-byte `key` seen at `line`; for a key seen before, its line."""
        index = self._find(key)
        first = self._lines[index]
        if first:
            return first
        self._put(index, key, line)
        self._count += 1
        if 3 * self._count > 2 * self._slots:
            self._grow()
        return None

    def _put(self, index: int, key: bytes, line: int) -> None:
        self._keys[16 * index : 16 * index + 16] = key
        self._lines[index] = min(max(line, 1), 0xFFFFFFFF)

    def _find(self, key: bytes) -> int:
        """The slot holding `key`, or the empty slot where it goes."""
        mask = self._slots - 1
        index = hash(key) & mask
        while self._lines[index] and self._keys[16 * index : 16 * index + 16] != key:
            index = (index + 1) & mask
        return index

    def _grow(self) -> None:
        keys, lines = self._keys, self._lines
        self._allocate(2 * self._slots)
        for index, line in enumerate(lines):
            if line:
                key = bytes(keys[16 * index : 16 * index + 16])
                self._put(self._find(key), key, line)


# -- where an element of a note is --------------------------------------------------------


class Place:
    """Exact positions of the children of one top-level element, from its bytes.

    lxml's line numbers stop being exact past line 65535 (libxml2 keeps 16
    bits), and exports are longer than that; the splitter's byte offsets are
    exact, so problems are placed from those, laid out only when one is found.
    """

    def __init__(self, segment: Segment | None, element: etree._Element, source: str) -> None:
        self.segment = segment
        self.element = element
        self.source = source
        self._layout: ElementLayout | None = None

    @property
    def line(self) -> int:
        """The element's own line."""
        if self.segment is not None:
            return self.segment.line
        return self.element.sourceline or 1

    def of(self, index: int, child: etree._Element) -> tuple[int, int]:
        """(line, column) of the element's `index`-th child element."""
        segment = self.segment
        if segment is not None:
            if self._layout is None:
                try:
                    self._layout = element_layout(segment.data, self.source)
                except DxlError:  # libxml2 has its own word on such bytes
                    self._layout = ElementLayout(0, 0, ())
            if index < len(self._layout.children):
                start = self._layout.children[index].start
                line = segment.line + segment.data.count(b"\n", 0, start)
                newline = segment.data.rfind(b"\n", 0, start)
                column = start - newline if newline >= 0 else segment.column + start
                return line, column
        return child.sourceline or 1, 0


# -- the structure rules ------------------------------------------------------------


def _order_message(header: str, before: str) -> str:
    if header == before:
        return f"a second <{header}>: a note has at most one"
    return f"<{header}> after <{before}>: the header order is " + ", ".join(HEADER_TAGS)


class StructureRules:
    """The structure rules of one file, which remember its UNIDs; problems go to `found`,
    the list the pass reports from."""

    def __init__(self, namespace: str | None, source: str, found: list[ValidationProblem]) -> None:
        self.source = source
        self.found = found
        prefix = f"{{{namespace}}}" if namespace else ""
        self.item_tag = prefix + "item"
        self.noteinfo_tag = prefix + "noteinfo"
        self.header_order = {prefix + tag: index for index, tag in enumerate(HEADER_TAGS)}
        self.unids = SeenUnids()

    def check_note(self, note: etree._Element, place: Place) -> None:
        """Header elements in order and before any item; every item named, with one value.

        One header problem per note: the headers after a misplaced one would all
        be reported for the same mistake."""
        first_item: tuple[int, etree._Element] | None = None
        order_reported = False
        last: tuple[int, str] = (-1, "")
        item_tag = self.item_tag
        for index, child in enumerate(note.iterchildren(etree.Element)):
            tag = child.tag
            if tag == item_tag:
                if first_item is None:
                    first_item = (index, child)
                # Most items are named and hold one element: that, in three C calls.
                if not (child.get("name") and len(child) == 1 and isinstance(child[0].tag, str)):
                    self._check_item(child, place, index)
                continue
            order = self.header_order.get(str(tag))
            if order is None:
                continue
            local = HEADER_TAGS[order]
            message = None
            if first_item is not None:
                item_line = place.of(*first_item)[0]
                message = (
                    f"<{local}> after an <item> (line {item_line}): "
                    "header elements come before the items"
                )
            elif order <= last[0]:
                message = _order_message(local, last[1])
            if message is not None and not order_reported:
                order_reported = True
                self._problem(place.of(index, child), "header-order", message)
            last = max(last, (order, local))
            if local == "noteinfo":
                self._check_noteinfo(child, place, index)

    def check_vouched_note(self, note: etree._Element, place: Place) -> None:
        """:meth:`check_note` for a note the DTD vouches for (:mod:`dxltools.validate.vouching`):
        its noteinfo, found without a look at its items."""
        for index, child in enumerate(note.iterchildren(etree.Element)):
            if child.tag == self.noteinfo_tag:
                self._check_noteinfo(child, place, index)
                return
            if child.tag == self.item_tag:
                return  # the headers come first

    def check_design_note(self, element: etree._Element, place: Place) -> None:
        for index, child in enumerate(element.iterchildren(etree.Element)):
            if child.tag == self.noteinfo_tag:
                self._check_noteinfo(child, place, index)
                return

    def _check_item(self, item: etree._Element, place: Place, index: int) -> None:
        """A name and exactly one value element (which kinds are allowed is the DTD's business)."""
        name = item.get("name")
        if not name:
            self._problem(place.of(index, item), "item-name", "<item> without a name")
        if len(item) == 1 and isinstance(item[0].tag, str):
            return  # the common case, without a look at the children's names
        values = [etree.QName(child).localname for child in item.iterchildren(etree.Element)]
        if len(values) != 1:
            label = f"item {name!r}" if name else "<item>"
            found = f"{len(values)} ({', '.join(values)})" if values else "none"
            self._problem(
                place.of(index, item),
                "item-value",
                f"{label} must hold exactly one value element, found {found}",
            )

    def _check_noteinfo(self, info: etree._Element, place: Place, index: int) -> None:
        """Hexadecimal noteid, 32-digit unid used by no other note of the file."""
        noteid = info.get("noteid")
        if noteid is not None and not _NOTEID_RE.fullmatch(noteid):
            self._problem(place.of(index, info), "noteid", f"noteid {noteid!r} is not hexadecimal")
        unid = info.get("unid")
        if unid is None:
            return
        if not _UNID_RE.fullmatch(unid):
            message = f"unid {unid!r} is not 32 hexadecimal digits"
            self._problem(place.of(index, info), "unid", message)
            return
        first = self.unids.add(bytes.fromhex(unid), place.line)
        if first is not None:
            message = f"UNID {unid} already used by the note at line {first}"
            self._problem(place.of(index, info), "duplicate-unid", message)

    def _problem(self, where: tuple[int, int], code: str, message: str) -> None:
        self.found.append(ValidationProblem(self.source, where[0], where[1], code, message))
