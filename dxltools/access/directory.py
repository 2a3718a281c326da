"""What the exports say about access, as values: a note's readers and authors items,
Group documents, the database ACL, and how each is read from a parsed note.

No I/O and no resolving here: :mod:`dxltools.access.resolver` answers who can read.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol

import attrs
from lxml import etree

from dxltools.dxl.model import Item, ItemFlags, Note, Number, Value
from dxltools.dxl.parse import local_name, parse_fragment
from dxltools.names import canonicalize, name_key
from dxltools.records import Record

__all__ = [
    "EVERYONE",
    "GROUP_ITEMS",
    "SERVERS_ONLY",
    "SERVER_ITEMS",
    "AccessItem",
    "Acl",
    "AclEntry",
    "Group",
    "ItemSource",
    "NoteAccess",
    "group_of",
    "parse_acl",
    "role_key",
    "server_name_of",
]

SERVERS_ONLY = "4"  # GroupType of a "Servers only" group
EVERYONE = "*"  # how reports say "no restriction": the wildcard that matches any name


def role_key(entry: str) -> str:
    """Compare roles by this: brackets optional (ACLs in DXL write ``NetModifier``,
    items ``[NetModifier]``), case ignored."""
    text = entry.strip()
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        text = text[1:-1].strip()
    return text.casefold()


# -- a note's readers and authors items --------------------------------------------------


@attrs.frozen(repr=False)
class AccessItem(Record):
    """One item that grants access: its name, flags and non-blank entries."""

    name: str
    flags: ItemFlags
    entries: tuple[str, ...]
    line: int

    @classmethod
    def of(cls, item: Item) -> AccessItem:
        entries = tuple(value.strip() for value in item.texts if value.strip())
        return cls(item.name, item.flags, entries, item.line)

    def is_named(self, name: str) -> bool:
        return self.name.casefold() == name.casefold()


@attrs.frozen(repr=False)
class NoteAccess(Record):
    """The readers and authors items of a note: what decides who can read it."""

    items: tuple[AccessItem, ...]

    @classmethod
    def of(cls, note: Note) -> NoteAccess:
        return cls(
            tuple(
                AccessItem.of(item)
                for item in note.items
                if item.flags.readers or item.flags.authors
            )
        )

    # Cached: an audit asks each document of a domain about every server.
    @functools.cached_property
    def readers_items(self) -> tuple[AccessItem, ...]:
        return tuple(item for item in self.items if item.flags.readers)

    @property
    def authors_items(self) -> tuple[AccessItem, ...]:
        """Items flagged authors and not readers (an item with both flags restricts)."""
        return tuple(item for item in self.items if item.flags.authors and not item.flags.readers)

    @functools.cached_property
    def restricted(self) -> bool:
        """True when some readers item holds a value: only then do entries matter."""
        return any(item.entries for item in self.readers_items)

    @property
    def readers_entries(self) -> tuple[str, ...]:
        return tuple(entry for item in self.readers_items for entry in item.entries)

    @functools.cached_property
    def entries(self) -> tuple[str, ...]:
        """Every entry of every readers and authors item: the names that may read."""
        return tuple(entry for item in self.items for entry in item.entries)


# -- the directory: servers, groups, ACL ------------------------------------------------------


@attrs.frozen(repr=False)
class Group(Record):
    """A Group document: its names (``ListName`` may hold several), members and type."""

    names: tuple[str, ...]
    members: tuple[str, ...]
    group_type: str = ""  # GroupType as written: 0 multi-purpose ... 4 servers only
    unid: str | None = None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else ""

    @property
    def servers_only(self) -> bool:
        return self.group_type.strip() == SERVERS_ONLY


class _Valued(Protocol):
    @property
    def value(self) -> Value: ...

    @property
    def texts(self) -> tuple[str, ...]: ...


class ItemSource(Protocol):
    """A parsed note (:class:`Note`) or some of its items (:class:`NoteItems`)."""

    @property
    def unid(self) -> str | None: ...

    def items_named(self, name: str) -> Sequence[_Valued]: ...


# What group_of and server_name_of read: enough for dxltools.dxl.model.read_items.
GROUP_ITEMS = frozenset({"form", "listname", "members", "grouptype"})
SERVER_ITEMS = frozenset({"form", "servername"})


def _texts(note: ItemSource, name: str) -> tuple[str, ...]:
    return tuple(value.strip() for item in note.items_named(name) for value in item.texts)


def group_of(note: ItemSource) -> Group | None:
    """The group a Group document defines; None when it names no group."""
    names = tuple(value for value in _texts(note, "ListName") if value)
    if not names:
        return None
    members = tuple(value for value in _texts(note, "Members") if value)
    group_type = next((value for value in _texts(note, "GroupType") if value), "")
    return Group(names, members, group_type or _number_type(note), note.unid)


def _number_type(note: ItemSource) -> str:
    """GroupType stored as a number (``<number>4</number>``)."""
    for item in note.items_named("GroupType"):
        if isinstance(item.value, Number):
            return item.value.raw
    return ""


def server_name_of(note: ItemSource) -> str | None:
    """The canonical ``ServerName`` of a Server document."""
    name = next((value for value in _texts(note, "ServerName") if value), None)
    return canonicalize(name) if name else None


@attrs.frozen(repr=False)
class AclEntry(Record):
    """An ``<aclentry>``: its name, the roles it holds (as written), whether -Default-."""

    name: str
    roles: tuple[str, ...] = ()
    default: bool = False


@attrs.frozen(repr=False)
class Acl(Record):
    """A database ACL: the roles it declares and its entries."""

    roles: tuple[str, ...] = ()
    entries: tuple[AclEntry, ...] = ()

    def merged(self, later: Acl) -> Acl:
        """Two exports with an ACL: roles add up, a later entry replaces one of its name."""
        entries = {_entry_key(entry): entry for entry in self.entries}
        entries.update({_entry_key(entry): entry for entry in later.entries})
        return Acl(self.roles + later.roles, tuple(entries.values()))


def _entry_key(entry: AclEntry) -> str:
    return "" if entry.default else name_key(entry.name)


def parse_acl(
    data: bytes,
    *,
    namespace: str | None = None,
    encoding: str = "utf-8",
    source: str = "<input>",
    line: int = 1,
) -> Acl:
    """Parse the bytes of an ``<acl>`` element (a top-level child of a database export)."""
    wrapper = parse_fragment(data, namespace=namespace, encoding=encoding, line=line, source=source)
    roles: list[str] = []
    entries: list[AclEntry] = []
    for acl in wrapper:
        if not isinstance(acl.tag, str):
            continue
        for child in acl:
            if not isinstance(child.tag, str):
                continue
            if local_name(child) == "role":
                roles.append((child.text or "").strip())
            elif local_name(child) == "aclentry":
                entries.append(_acl_entry(child))
    return Acl(tuple(role for role in roles if role), tuple(entries))


def _acl_entry(element: etree._Element) -> AclEntry:
    name = (element.get("name") or "").strip()
    roles = tuple(
        (role.text or "").strip()
        for role in element
        if isinstance(role.tag, str) and local_name(role) == "role" and (role.text or "").strip()
    )
    default = element.get("default") == "true" or name.casefold() == "-default-"
    return AclEntry(name, roles, default)
