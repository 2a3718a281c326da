"""Group documents read from their bytes, without a parser.

An audit needs a Group document's ``ListName``, ``Members`` and ``GroupType`` items and
little else. Regular expressions over the note's bytes (in C: no lxml, no name parsing)
find those items and read their texts, but only where the bytes are plain enough for the
answer to be the parser's: anything unusual (a comment, a reference, an attribute a
parser would refuse, a value other than texts) makes these functions decline, and the
caller parses the note instead.
"""

from __future__ import annotations

import functools
import re

import attrs

from dxltools.access.directory import Group
from dxltools.dxl.segments import Prolog, Segment
from dxltools.records import Record

__all__ = [
    "Skimmed",
    "group_of_texts",
    "note_unid",
    "plain_item_texts",
    "skim_group",
]

# An item's start tag, attributes honouring quotes (a value may hold ">").
_ITEM = re.compile(rb"""<item((?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*(/?)>""")
# An item's start, with its name when that comes first, plain and in ASCII.
_ITEM_START = re.compile(
    rb"""<item(?:\s+name\s*=\s*(?:'([ !#-%(-;=?-~]*)'|"([ !#-%(-;=?-~]*)")|(?=[\s/>]))"""
)
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*(?:'([^']*)'|"([^"]*)")""")
_NOTEINFO = re.compile(rb"""<noteinfo((?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*/?>""")
_TEXT = re.compile(rb"<text>([^<&\r]*)</text>")
# The same, with the white space a tag may hold before its ">" (Domino wraps lines there).
_TEXTS_VALUE = re.compile(
    rb"\s*(?:<text\s*/>|<text\s*>[^<&\r]*</text\s*>"
    rb"|<textlist\s*>\s*(?:<text\s*>[^<&\r]*</text\s*>\s*)*</textlist\s*>)\s*"
)
_TEXT_OR_EMPTY = re.compile(rb"<text\s*>([^<&\r]*)</text\s*>|<text\s*/>")  # <text/>: b""
_PLAIN_VALUE = re.compile(
    rb"\s*(?:<text/>|<text>[^<&\r]*</text>|<textlist>\s*(?:<text>[^<&\r]*</text>\s*)*</textlist>)\s*"
)
_WANTED = frozenset({b"listname", b"members", b"grouptype"})
# What makes a parser refuse bytes the expressions above accept: characters XML does
# not allow, and attribute names it would not take.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_NAME = re.compile(rb"[A-Za-z_:][-A-Za-z0-9_.:]*")
_ITEM_END = b"</item>"


@attrs.frozen(repr=False)
class Skimmed(Record):
    """What the bytes of a Group document say: its UNID, its ``ListName`` values and
    the bytes of the items a group is made of."""

    unid: str | None
    names: tuple[str, ...]
    items: bytes


def skim_group(segment: Segment, prolog: Prolog) -> Skimmed | None:
    """The Group document's UNID, names and items, read from its bytes; None when the
    bytes are not plain enough to be read this way (then parse the note)."""
    data = segment.data
    # (A one-byte search first: memchr, where a two-byte one walks every "<".)
    if (b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data):
        return None
    if b"xmlns" in data or b":item" in data:
        return None  # a namespace of its own: let the parser decide what an item is
    pieces: list[bytes] = []
    names: list[str] = []
    # Every item must carry its name first, in ASCII without references: then the
    # wanted ones are found by name alone, exactly as a parser would.
    for start in _ITEM_START.finditer(data):
        name = start.group(1) if start.group(1) is not None else start.group(2)
        if name is None:
            return None
        if name.lower() not in _WANTED:
            continue
        match = _ITEM.match(data, start.start())
        if match is None:
            return None
        end = match.end() if match.group(2) else data.find(_ITEM_END, match.end())
        if end < 0:
            return None
        end = end if match.group(2) else end + len(_ITEM_END)
        pieces.append(data[match.start() : end])
        if name.lower() == b"listname":
            listed = _list_names(data[match.end() : end - len(_ITEM_END)], match, prolog)
            if listed is None:
                return None
            names.extend(listed)
    readable, unid = note_unid(segment, prolog)
    if not readable:
        return None
    return Skimmed(unid, tuple(name for name in names if name), b"".join(pieces))


def note_unid(segment: Segment, prolog: Prolog) -> tuple[bool, str | None]:
    """``(True, the note's UNID or None)`` read from its bytes, as a parser would read
    its ``noteinfo``; ``(False, None)`` when the bytes cannot tell for certain."""
    data = segment.data
    if b"<noteinfo" not in data:
        return True, None
    noteinfo = _NOTEINFO.search(data)
    if noteinfo is None:
        return False, None
    unid = _attributes(noteinfo.group(1)).get(b"unid")
    if unid is not None and b"&" in unid:
        return False, None
    return True, None if unid is None else unid.decode(prolog.encoding)


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {
        match.group(1): match.group(2) if match.group(2) is not None else match.group(3)
        for match in _ATTRIBUTE.finditer(text)
    }


def _list_names(value: bytes, match: re.Match[bytes], prolog: Prolog) -> list[str] | None:
    if match.group(2):
        return []
    if _PLAIN_VALUE.fullmatch(value) is None:
        return None
    return [text.decode(prolog.encoding).strip() for text in _TEXT.findall(value)]


def plain_item_texts(data: bytes, encoding: str) -> dict[bytes, list[str]] | None:
    """The stripped texts of the items of `data` (whole ``<item>`` elements, one after
    another, as :func:`skim_group` keeps them) by lowercased name, as a parser reads
    them; None when the bytes are not plain enough to be sure (then parse them): a
    reference, a character XML refuses, an attribute a parser would not take, a value
    other than texts."""
    if b"&" in data or b"]]>" in data:
        return None
    try:
        decoded = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if _NOT_XML_CHAR.search(decoded) is not None:
        return None
    texts: dict[bytes, list[str]] = {}
    at = 0
    while at < len(data):
        match = _ITEM.match(data, at)
        if match is None:
            return None
        name = _item_name(match.group(1))
        if name is None:
            return None
        if match.group(2):  # <item .../>: a parser refuses an item without a value
            return None
        found = texts.setdefault(name, [])
        end = data.find(_ITEM_END, match.end())
        if end < 0 or _TEXTS_VALUE.fullmatch(data, match.end(), end) is None:
            return None
        read = _TEXT_OR_EMPTY.findall(data, match.end(), end)
        found += (text.decode(encoding).strip() for text in read)
        at = end + len(_ITEM_END)
    return texts


@functools.lru_cache(maxsize=256)
def _item_name(attributes: bytes) -> bytes | None:
    """The lowercased name of an item whose start tag holds `attributes`; None when a
    parser could read the tag otherwise. Kept for the last few start tags: the same
    ones repeat in every Group document (``<item name='Members' names='true'>``),
    and reading them again was a third of a pass over the groups (issue 15)."""
    pairs: list[tuple[bytes, bytes, bytes]] = _ATTRIBUTE.findall(attributes)
    names = [name for name, _, _ in pairs]
    values = [single or double for _, single, double in pairs]
    name = dict(zip(names, values, strict=True)).get(b"name")
    if (
        name is None
        or not name.isascii()
        or len(set(names)) != len(names)
        or not all(map(_XML_NAME.fullmatch, names))
        or any(b"<" in value for value in values)
    ):
        return None
    return name.lower()


def group_of_texts(texts: dict[bytes, list[str]], unid: str) -> Group | None:
    """:func:`~dxltools.access.directory.group_of` of the texts of a group's items."""
    names = tuple(value for value in texts.get(b"listname", ()) if value)
    if not names:
        return None
    members = tuple(value for value in texts.get(b"members", ()) if value)
    group_type = next((value for value in texts.get(b"grouptype", ()) if value), "")
    return Group(names, members, group_type, unid)
