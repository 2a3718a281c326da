"""Where the parts of an element held in memory are: its start tag, its
children's spans, its end tag. Edits and the parser find items with it."""

from __future__ import annotations

import re
from typing import NamedTuple

import attrs

from dxltools.dxl.buffer import InputBuffer
from dxltools.dxl.markup import end_of_element, misc_markup, start_tag
from dxltools.dxl.tokens import NAME, NAME_RE, TAG_REST_RE
from dxltools.records import Record


class ChildSpan(NamedTuple):
    """A direct child element of an element held in memory: its name and byte span.
    (A named tuple: a note's layout makes one per item, and a tuple is made in C.)"""

    name: str
    start: int
    end: int
    start_tag_end: int


@attrs.frozen(repr=False)
class ElementLayout(Record):
    """Where the parts of an element held in memory are: start tag, children, end tag."""

    start_tag_end: int
    end_tag_start: int  # equals start_tag_end for an empty element (<x/>)
    children: tuple[ChildSpan, ...]


def element_layout(data: bytes, source: str = "<input>") -> ElementLayout:
    """The layout of the element whose start tag begins `data`.

    Text, comments, CDATA and PIs between the children are skipped.
    """
    return _quick_layout(data) or _walked_layout(InputBuffer.from_bytes(data, source), 0)


# White space, then a child element, whole: its start tag (attributes in either
# quote, '/' only as in '/>') and, unless empty, everything up to the first end
# tag of its name (text runs taken in one step, no backtracking).
_CHILD_RE = re.compile(
    rb"[ \t\r\n]*+<(" + NAME + rb""")(?:[^>"'/]++|"[^"]*+"|'[^']*+'|/(?!>))*+"""
    rb"""(/>|>(?:[^<]++|<(?!/\1[\s>]))*+</\1[ \t\r\n]*+>)"""
)
_CHILD_NAMES: dict[bytes, str] = {}


def _quick_layout(data: bytes) -> ElementLayout | None:
    """The layout found by one regex match per child, for the usual element: no
    comment, CDATA or PI inside, and children that follow one another with only
    white space between them (which also rules out a child holding an element
    of its own name). None otherwise: the exact walk decides."""
    if b"<!" in data or b"<?" in data:
        return None
    name = NAME_RE.match(data, 1)
    tag = TAG_REST_RE.match(data, name.end()) if name else None
    if tag is None:
        return None
    start_tag_end = tag.end()
    if data.endswith(b"/>", 0, start_tag_end):
        return ElementLayout(start_tag_end, start_tag_end, ())
    end_tag_start = data.rfind(b"</")
    children: list[ChildSpan] = []
    cursor = start_tag_end
    match_child = _CHILD_RE.match
    while (match := match_child(data, cursor, end_tag_start)) is not None:
        raw_name = match.group(1)
        child_name = _CHILD_NAMES.get(raw_name)
        if child_name is None:
            child_name = raw_name.decode("ascii")
            if len(_CHILD_NAMES) < 4096:
                _CHILD_NAMES[raw_name] = child_name
        tag_close = match.start(2)  # the '/>' or '>' that ends the child's start tag
        after_tag = tag_close + (2 if data[tag_close] == 0x2F else 1)
        children.append(ChildSpan(child_name, match.start(1) - 1, match.end(), after_tag))
        cursor = match.end()
    if data[cursor:end_tag_start].strip():
        return None
    return ElementLayout(start_tag_end, end_tag_start, tuple(children))


def _walked_layout(buf: InputBuffer, position: int) -> ElementLayout:
    """Start tag, children and end tag of the element starting at `position`."""
    parent, start_tag_end, empty = start_tag(buf, position)
    if empty:
        return ElementLayout(start_tag_end, start_tag_end, ())
    children: list[ChildSpan] = []
    cursor = start_tag_end
    while True:
        lt = buf.find(b"<", cursor)
        if lt < 0:
            raise buf.error(f"truncated input: <{parent}> is never closed", position)
        misc = misc_markup(buf, lt)
        if misc is not None:
            cursor = misc[1]
        elif buf.startswith(b"</", lt):
            return ElementLayout(start_tag_end, lt, tuple(children))
        else:
            name, tag_end, child_empty = start_tag(buf, lt)
            cursor = tag_end if child_empty else end_of_element(buf, lt, name, tag_end)
            children.append(ChildSpan(name, lt, cursor, tag_end))
