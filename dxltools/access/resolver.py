"""Who can read a note, as Domino decides it, from the exports alone.

A note whose readers items hold no value can be read by every server. Otherwise a
name can read it when an entry of any readers or authors item (DOMAIN.md section 4)

- is that name (canonical or abbreviated, any case),
- is a group the name belongs to (Group documents: ``ListName``, ``Members``, nested
  groups and wildcard members count; cycles are harmless here and reported apart),
- is a role the name holds in the database ACL, or
- is a wildcard (``*/O=Acme``) that matches the name.

Roles follow the ACL's precedence, as Domino applies it: an entry naming the name
itself decides alone; otherwise every group entry the name belongs to adds its roles;
otherwise every matching wildcard entry does; otherwise ``-Default-``.

Everything here is pure: a :class:`Directory` (servers, groups, ACL) built from parsed
notes, and :class:`Access`, the resolver over it. No I/O.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol, TypeVar

import attrs
from lxml import etree

from dxltools.dxl.model import Item, ItemFlags, Note, Number, Value, local_name, parse_fragment
from dxltools.names import (
    NameKind,
    canonicalize,
    is_wildcard,
    name_key,
    name_kind,
    wildcard_matches,
)

__all__ = [
    "EVERYONE",
    "SERVERS_ONLY",
    "Access",
    "AccessItem",
    "Acl",
    "AclEntry",
    "Directory",
    "Expansion",
    "Group",
    "GroupStore",
    "NameTable",
    "NamesList",
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


@attrs.frozen
class AccessItem:
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


@attrs.frozen
class NoteAccess:
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

    @property
    def readers_items(self) -> tuple[AccessItem, ...]:
        return tuple(item for item in self.items if item.flags.readers)

    @property
    def authors_items(self) -> tuple[AccessItem, ...]:
        """Items flagged authors and not readers (an item with both flags restricts)."""
        return tuple(item for item in self.items if item.flags.authors and not item.flags.readers)

    @property
    def restricted(self) -> bool:
        """True when some readers item holds a value: only then do entries matter."""
        return any(item.entries for item in self.readers_items)

    @property
    def readers_entries(self) -> tuple[str, ...]:
        return tuple(entry for item in self.readers_items for entry in item.entries)

    @property
    def entries(self) -> tuple[str, ...]:
        """Every entry of every readers and authors item: the names that may read."""
        return tuple(entry for item in self.items for entry in item.entries)


# -- the directory: servers, groups, ACL ------------------------------------------------------


@attrs.frozen
class Group:
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


@attrs.frozen
class AclEntry:
    """An ``<aclentry>``: its name, the roles it holds (as written), whether -Default-."""

    name: str
    roles: tuple[str, ...] = ()
    default: bool = False


@attrs.frozen
class Acl:
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


# -- names and groups, kept compactly -----------------------------------------------------------

# A directory's names are mostly met once: their kind and canonical form are computed
# without the names module's caches, which would keep 65 536 of them alive for nothing.
_uncached_canonicalize = canonicalize.__wrapped__
_uncached_kind = name_kind.__wrapped__
_KINDS = tuple(NameKind)
_KIND_MASK = 3
_CANONICAL = 4  # flag: the name is written in its canonical form
_LOW_32 = 0xFFFFFFFF
_RECENT = 4096  # how many names a NameTable remembers to add faster
_ROLE = _KINDS.index(NameKind.ROLE)
_WILDCARD = _KINDS.index(NameKind.WILDCARD)
_CACHED = 4096  # how many answers each of Access's bounded caches keeps
_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(cache: dict[_K, _V], key: _K, value: _V, limit: int = _CACHED) -> _V:
    """Keep `value` under `key` in a bounded cache, emptied when full: the
    same few names are asked about in runs, so a cleared cache refills fast."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


class _HashIndex:
    """Open addressing from hashes to numbers, four bytes a slot and no object per
    entry; the caller tells apart the candidates a hash yields."""

    def __init__(self) -> None:
        self._slots = array("i", bytes(4 * 16))  # number + 1; 0 is a free slot
        self._count = 0

    def candidates(self, hashed: int) -> Iterator[int]:
        slots = self._slots
        mask = len(slots) - 1
        at = hashed & mask
        while found := slots[at]:
            yield found - 1
            at = (at + 1) & mask

    def insert(self, hashed: int, number: int, rehash: Callable[[int], int]) -> None:
        """Index `number` under `hashed`; `rehash` gives the hash of a number indexed
        before (only its low 32 bits count)."""
        self._count += 1
        if 3 * self._count > 2 * len(self._slots):
            old = self._slots
            self._slots = array("i", bytes(8 * len(old)))
            for slot in old:
                if slot:
                    self._place(rehash(slot - 1), slot - 1)
        self._place(hashed, number)

    def _place(self, hashed: int, number: int) -> None:
        slots = self._slots
        mask = len(slots) - 1
        at = hashed & mask
        while slots[at]:
            at = (at + 1) & mask
        slots[at] = number + 1


class _Strings:
    """Distinct strings, numbered from 0 in the order first added, each kept once as
    UTF-8 in one buffer: hundreds of thousands of them without an object each."""

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("q")  # number -> end of its text
        self._by_text = _HashIndex()

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, text: str) -> int:
        """The number of `text`; a new one if it is new."""
        hashed = hash(text)
        found = self._find(text, hashed)
        return self._append(text, hashed) if found is None else found

    def find(self, text: str) -> int | None:
        return self._find(text, hash(text))

    def _find(self, text: str, hashed: int) -> int | None:
        for number in self._by_text.candidates(hashed):
            if self.text(number) == text:
                return number
        return None

    def _append(self, text: str, hashed: int) -> int:
        number = len(self._ends)
        self._text += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._text))
        self._by_text.insert(hashed, number, self._rehash)
        return number

    def _rehash(self, number: int) -> int:
        return hash(self.text(number))

    def text(self, number: int) -> str:
        start = self._ends[number - 1] if number else 0
        return self._text[start : self._ends[number]].decode("utf-8", "surrogatepass")


class NameTable(_Strings):
    """Names, each kept once as written (see :class:`_Strings`), with what the resolver
    asks of them: kind, canonical form, key.

    Names that share a ``name_key`` (abbreviated, canonical, any case) share a key id:
    the number of the first of them. Only adding changes a table.
    """

    def __init__(self) -> None:
        super().__init__()
        self._flags = bytearray()  # number -> kind, and _CANONICAL
        self._keys = array("i")  # number -> key id
        self._key_hashes = array("I")  # number -> low 32 bits of the hash of its key
        self._by_key = _HashIndex()  # key ids only
        self._recent: dict[str, int] = {}  # names last added, for speed

    def add(self, text: str) -> int:
        # Servers and well-known groups are members of thousands of groups.
        found = self._recent.get(text)
        if found is None:
            found = _remember(self._recent, text, super().add(text), _RECENT)
        return found

    def _append(self, text: str, hashed: int) -> int:
        canonical = _uncached_canonicalize(text)
        key = canonical.casefold()
        key_hash = hash(key)
        key_id = self._find_key(key, key_hash)
        number = super()._append(text, hashed)
        kind = _KINDS.index(_uncached_kind(text))
        self._flags.append(kind | (_CANONICAL if canonical == text else 0))
        self._keys.append(number if key_id is None else key_id)
        self._key_hashes.append(key_hash & _LOW_32)
        if key_id is None:
            self._by_key.insert(key_hash, number, self._key_hashes.__getitem__)
        return number

    def canonical(self, number: int) -> str:
        name = self.text(number)
        return name if self._flags[number] & _CANONICAL else canonicalize(name)

    def kind(self, number: int) -> int:
        """The index of its NameKind in ``tuple(NameKind)``."""
        return self._flags[number] & _KIND_MASK

    def key_id_of(self, number: int) -> int:
        return self._keys[number]

    def key_id(self, key: str) -> int | None:
        """The key id of the names whose ``name_key`` is `key`; None when there is none."""
        return self._find_key(key, hash(key))

    def _find_key(self, key: str, hashed: int) -> int | None:
        low = hashed & _LOW_32
        for number in self._by_key.candidates(hashed):
            if self._key_hashes[number] == low and name_key(self.text(number)) == key:
                return number
        return None


class GroupStore:
    """Group documents, in the order added, kept compactly for directories of any size:
    every distinct name once, in a :class:`NameTable`, and the documents one after
    another in one array of numbers, each as its servers-only flag, its count of
    names, its names and its members.

    A document replaced or discarded stays in the array, unused; an :class:`Access`
    sees the documents kept when it was built.
    """

    def __init__(self) -> None:
        self.names = NameTable()
        self._keys = _Strings()  # the documents' keys (UNIDs), each once
        self._latest = array("i")  # key number -> its document, or -1
        self._starts = array("q")  # document -> where it starts in _records
        self._alive = bytearray()  # document -> 1 unless replaced or discarded
        self._records = array("i")
        self._count = 0

    @classmethod
    def of(cls, groups: Iterable[Group]) -> GroupStore:
        store = cls()
        for number, group in enumerate(groups):
            store.add(str(number), group)
        return store

    def __len__(self) -> int:
        return self._count

    def add(self, key: str, group: Group) -> None:
        """Keep `group` under `key` (its UNID, say), after the others: a group already
        under `key` is dropped."""
        self.discard(key)
        number = self._keys.add(key)
        if number == len(self._latest):
            self._latest.append(-1)
        self._latest[number] = len(self._starts)
        self._starts.append(len(self._records))
        self._alive.append(1)
        self._records.extend((group.servers_only, len(group.names)))
        self._records.extend(map(self.names.add, group.names))
        self._records.extend(map(self.names.add, group.members))
        self._count += 1

    def discard(self, key: str) -> None:
        number = self._keys.find(key)
        if number is not None and (document := self._latest[number]) >= 0:
            self._alive[document] = 0
            self._latest[number] = -1
            self._count -= 1

    def items(self) -> Iterator[tuple[str, Group]]:
        """The key and group of every document kept, in the order added (to move
        them to another store, whose names are numbered otherwise)."""
        key_of = {document: key for key, document in enumerate(self._latest) if document >= 0}
        for document in self.documents():
            yield (
                self._keys.text(key_of[document]),
                Group(
                    tuple(map(self.names.text, self.names_of(document))),
                    tuple(map(self.names.text, self.members_of(document))),
                    SERVERS_ONLY if self.servers_only(document) else "",
                ),
            )

    def documents(self) -> Iterator[int]:
        """The numbers of the documents kept, in the order added."""
        return (number for number, alive in enumerate(self._alive) if alive)

    def servers_only(self, document: int) -> bool:
        return bool(self._records[self._starts[document]])

    def names_of(self, document: int) -> array[int]:
        """The name numbers of the document's ListName values."""
        start = self._starts[document] + 2
        return self._records[start : start + self._records[start - 1]]

    def members_of(self, document: int) -> array[int]:
        """The name numbers of the document's members, in order."""
        start = self._starts[document] + 2 + self._records[self._starts[document] + 1]
        end = self._starts[document + 1] if document + 1 < len(self._starts) else None
        return self._records[start:end]


@attrs.frozen
class Directory:
    """What the exports say about names: servers, groups and the ACL."""

    servers: tuple[str, ...] = ()
    groups: tuple[Group, ...] | GroupStore = ()
    acl: Acl | None = None


# -- the resolver -------------------------------------------------------------------------------


@attrs.frozen
class NamesList:
    """What Domino matches entries against for one name: the name, its groups, its roles."""

    name: str  # canonical
    key: str
    groups: frozenset[str]  # group keys, nested groups included
    roles: frozenset[str]  # role keys


@attrs.frozen
class Expansion:
    """What a list of entries reaches downward: names, wildcards, groups and roles."""

    names: tuple[str, ...]  # canonical names that are not groups, wildcards or roles
    wildcards: tuple[str, ...]
    groups: tuple[str, ...]  # group names, as the Group document writes them
    roles: tuple[str, ...]  # role keys


class _Reader(NamedTuple):
    """A :class:`NamesList` with the numbers of its groups, sorted."""

    name: str
    key: str
    groups: array[int]
    roles: frozenset[str]


_TAKEN = -2  # in Access._first: the key is a server's, or no principal's


class Access:
    """Answers "can this name read that note?" over one :class:`Directory`.

    Built once per audit; names lists are cached, so asking about many notes is cheap.
    Groups are numbered in the order their names first appear and indexed, by the key
    ids of the :class:`GroupStore`'s names, in arrays of numbers: some 20 bytes a name,
    where sets and strings would take hundreds.
    """

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        # Caches: the resolver is asked about the same names for every document.
        self._lists: dict[str, _Reader] = {}
        self._key_ids: dict[str, int] = {}
        self._group_numbers: dict[str, int] = {}
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._member_names: dict[int, tuple[str, ...]] = {}
        self._wildcards: tuple[str, ...] | None = None
        groups = directory.groups
        store = groups if isinstance(groups, GroupStore) else GroupStore.of(groups)
        self._store = store
        self._names = store.names
        self._size = len(self._names)  # names later added to the table are unknown here
        self._index_groups(store)
        self._index_parents()
        acl = directory.acl or Acl()
        self._acl_entries = tuple(entry for entry in acl.entries if not entry.default)
        self._default_roles = frozenset(
            role_key(role) for entry in acl.entries if entry.default for role in entry.roles
        )
        self._acl_roles = frozenset(role_key(role) for role in acl.roles) | frozenset(
            role_key(role) for entry in acl.entries for role in entry.roles
        )
        self._index_principals()

    # -- indexing -------------------------------------------------------------------------

    def _index_groups(self, store: GroupStore) -> None:
        # Two Group documents of one name both count, as in a directory with duplicates.
        self._group_of = array("i", [-1]) * self._size  # key id -> group number, or -1
        self._group_keys = array("i")  # group number -> key id
        self._titles = array("i")  # group number -> its name as first written
        self._servers_only = bytearray()
        self._documents = array("i")  # group number -> its first document
        self._more_documents: dict[int, list[int]] = {}  # and its others
        for document in store.documents():
            for name in store.names_of(document):
                group = self._group_of[self._names.key_id_of(name)]
                if group < 0:
                    group = self._new_group(name, document)
                else:
                    self._more_documents.setdefault(group, []).append(document)
                if store.servers_only(document):
                    self._servers_only[group] = 1

    def _new_group(self, name: int, document: int) -> int:
        group = len(self._group_keys)
        key_id = self._names.key_id_of(name)
        self._group_of[key_id] = group
        self._group_keys.append(key_id)
        self._titles.append(name)
        self._servers_only.append(0)
        self._documents.append(document)
        return group

    def _member_numbers(self, group: int) -> Iterator[int]:
        yield from self._store.members_of(self._documents[group])
        for document in self._more_documents.get(group, ()):
            yield from self._store.members_of(document)

    def _index_parents(self) -> None:
        """Which groups list each key (by key id, in flat arrays), and the wildcard members."""
        names = self._names
        self._wildcard_parents: list[tuple[str, int]] = []  # (wildcard member, group)
        # Count the listings of each key, sum them up to where each key's groups end,
        # then fill backwards: each key's groups are parents[bounds[k] : bounds[k + 1]].
        bounds = array("i", [0]) * (self._size + 1)
        for group in range(len(self._group_keys)):
            for member in self._member_numbers(group):
                if names.kind(member) == _WILDCARD:
                    self._wildcard_parents.append((names.text(member), group))
                else:
                    bounds[names.key_id_of(member)] += 1
        total = 0
        for key_id in range(self._size):
            total += bounds[key_id]
            bounds[key_id] = total
        bounds[self._size] = total
        parents = array("i", [0]) * total
        for group in range(len(self._group_keys)):
            for member in self._member_numbers(group):
                if names.kind(member) != _WILDCARD:
                    key_id = names.key_id_of(member)
                    bounds[key_id] -= 1
                    parents[bounds[key_id]] = group
        self._parent_bounds = bounds
        self._parents = parents

    def _index_principals(self) -> None:
        """The principals, as ``principals`` lists them: servers, then group members,
        then ACL entries, each key under its first spelling."""
        self._server_principals = self._outside_principals(self.directory.servers)
        self._first = array("i", [-1]) * self._size  # key id -> its first member, or _TAKEN
        for key in self._server_principals:
            self._take(key)
        self._take("")
        self._member_principals = array("i")  # key ids, in order of first listing
        names, first = self._names, self._first
        for group in range(len(self._group_keys)):
            for member in self._member_numbers(group):
                key_id = names.key_id_of(member)
                if first[key_id] != -1 or self._group_of[key_id] >= 0:
                    continue
                if names.kind(member) not in (_ROLE, _WILDCARD):
                    first[key_id] = member
                    self._member_principals.append(key_id)
        entries = (entry.name for entry in self._acl_entries)
        self._acl_principals = {
            key: name
            for key, name in self._outside_principals(entries).items()
            if key not in self._server_principals and self._member_principal(key) is None
        }

    def _outside_principals(self, listed: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in listed:
            kind = name_kind(name)
            key = name_key(name)
            if kind in (NameKind.ROLE, NameKind.WILDCARD) or self._group(key) is not None:
                continue
            if key:
                found.setdefault(key, canonicalize(name))
        return found

    def _take(self, key: str) -> None:
        key_id = self._key_id(key)
        if key_id is not None:
            self._first[key_id] = _TAKEN

    # -- lookups by key ---------------------------------------------------------------------

    def _key_id(self, key: str) -> int | None:
        """The key id of `key` in the names this resolver knows; None when unknown."""
        found = self._key_ids.get(key)
        if found is None:
            key_id = self._names.key_id(key)
            found = key_id if key_id is not None and key_id < self._size else -1
            _remember(self._key_ids, key, found)
        return found if found >= 0 else None

    def _group(self, key: str) -> int | None:
        """The number of the group of this key; None when no group has it."""
        group = self._group_numbers.get(key)
        if group is None:
            key_id = self._key_id(key)
            group = self._group_of[key_id] if key_id is not None else -1
            _remember(self._group_numbers, key, group)
        return group if group >= 0 else None

    def _group_key(self, group: int) -> str:
        return self._names.canonical(self._titles[group]).casefold()

    def _title(self, group: int) -> str:
        return self._names.text(self._titles[group])

    def _members(self, group: int) -> tuple[str, ...]:
        """The members of a group as written, every document of its name."""
        found = self._member_names.get(group)
        if found is None:
            found = tuple(map(self._names.text, self._member_numbers(group)))
            _remember(self._member_names, group, found)
        return found

    def _member_principal(self, key: str) -> str | None:
        key_id = self._key_id(key)
        member = self._first[key_id] if key_id is not None else -1
        return self._names.canonical(member) if member >= 0 else None

    def _principal(self, key: str) -> str | None:
        """The principal of this key, as first spelt; None when it is none."""
        found = self._server_principals.get(key)
        if found is None:
            found = self._member_principal(key)
        return found if found is not None else self._acl_principals.get(key)

    def _all_principals(self) -> Iterator[tuple[str, str]]:
        """Every principal, ``(key, name)``, in the order of ``principals``."""
        yield from self._server_principals.items()
        for key_id in self._member_principals:
            name = self._names.canonical(self._first[key_id])
            yield name.casefold(), name
        yield from self._acl_principals.items()

    # -- groups -------------------------------------------------------------------------

    def is_group(self, entry: str) -> bool:
        return self._group(name_key(entry)) is not None

    def group_name(self, entry: str) -> str:
        group = self._group(name_key(entry))
        return entry if group is None else self._title(group)

    def is_servers_only(self, entry: str) -> bool:
        group = self._group(name_key(entry))
        return group is not None and bool(self._servers_only[group])

    def _direct_groups(self, name: str) -> set[int]:
        found: set[int] = set()
        key_id = self._key_id(name_key(name))
        if key_id is not None:
            found.update(self._listing(key_id))
        found.update(
            group for wildcard, group in self._wildcard_parents if wildcard_matches(wildcard, name)
        )
        return found

    def _listing(self, key_id: int) -> array[int]:
        """The groups that list a name of this key id (as a member, not a wildcard)."""
        return self._parents[self._parent_bounds[key_id] : self._parent_bounds[key_id + 1]]

    def _parent_groups(self, group: int) -> set[int]:
        """The groups that list `group`: by its key, or by a wildcard matching its name."""
        found = set(self._listing(self._group_keys[group]))
        if self._wildcard_parents:
            title = self._title(group)
            found.update(
                g for wildcard, g in self._wildcard_parents if wildcard_matches(wildcard, title)
            )
        return found

    def _groups_of(self, name: str) -> array[int]:
        """The numbers of every group `name` belongs to, directly or through nested
        groups, sorted."""
        found: set[int] = set()
        pending = list(self._direct_groups(name))
        while pending:
            group = pending.pop()
            if group in found:
                continue  # a cycle, or a group reached twice
            found.add(group)
            pending.extend(self._parent_groups(group) - found)
        return array("i", sorted(found))

    def groups_of(self, name: str) -> frozenset[str]:
        """Keys of every group `name` belongs to, directly or through nested groups."""
        return frozenset(map(self._group_key, self._groups_of(name)))

    # -- roles ----------------------------------------------------------------------------

    def roles_of(self, name: str, groups: frozenset[str]) -> frozenset[str]:
        """Role keys `name` holds: its own entry, else its groups', else wildcards', else
        -Default-'s (the ACL's precedence). `groups` are the keys of its groups."""
        return self._roles(name, groups.__contains__)

    def _roles(self, name: str, in_groups: Callable[[str], bool]) -> frozenset[str]:
        key = name_key(name)
        explicit = [entry for entry in self._acl_entries if name_key(entry.name) == key]
        if not explicit:
            explicit = [entry for entry in self._acl_entries if in_groups(name_key(entry.name))]
        if not explicit:
            explicit = [
                entry
                for entry in self._acl_entries
                if is_wildcard(entry.name) and wildcard_matches(entry.name, name)
            ]
        if not explicit:
            return self._default_roles
        return frozenset(role_key(role) for entry in explicit for role in entry.roles)

    def names_list(self, name: str) -> NamesList:
        reader = self._reader(name)
        groups = frozenset(map(self._group_key, reader.groups))
        return NamesList(reader.name, reader.key, groups, reader.roles)

    def _reader(self, name: str) -> _Reader:
        """The names list of `name`, its groups as numbers: a list of group keys would
        hold thousands of strings for a server of a large directory."""
        key = name_key(name)
        cached = self._lists.get(key)
        if cached is None:
            groups = self._groups_of(name)
            roles = self._roles(name, lambda entry: self._in(groups, self._group(entry)))
            cached = self._lists[key] = _Reader(canonicalize(name), key, groups, roles)
        return cached

    @staticmethod
    def _in(groups: array[int], group: int | None) -> bool:
        """True if `group` is among the sorted `groups`."""
        if group is None:
            return False
        at = bisect_left(groups, group)
        return at < len(groups) and groups[at] == group

    # -- reading --------------------------------------------------------------------------

    def grants(self, name: str, entries: Iterable[str]) -> bool:
        """True if one of `entries` lets `name` read (the note being restricted)."""
        reader = self._reader(name)
        verdicts = self._verdicts
        for entry in entries:
            # Every document asks about the same servers and entries: answers are kept.
            verdict = verdicts.get((reader.key, entry))
            if verdict is None:
                verdict = _remember(verdicts, (reader.key, entry), self._lets(reader, entry))
            if verdict:
                return True
        return False

    def _lets(self, reader: _Reader, entry: str) -> bool:
        """True if `entry` lets the reader read."""
        kind = name_kind(entry)
        if kind is NameKind.ROLE:
            return role_key(entry) in reader.roles
        if kind is NameKind.WILDCARD:
            return wildcard_matches(entry, reader.name)
        key = name_key(entry)
        return key == reader.key or self._in(reader.groups, self._group(key))

    def can_read(self, name: str, access: NoteAccess) -> bool:
        """True if `name` can read a note with these readers and authors items."""
        return not access.restricted or self.grants(name, access.entries)

    def readable_by(self, access: NoteAccess) -> tuple[str, ...]:
        """Who can read the note: ``("*",)`` when nothing restricts it, else
        :meth:`readers_of` its readers and authors entries."""
        if not access.restricted:
            return (EVERYONE,)
        return self.readers_of(access.entries)

    def readers_of(self, entries: Sequence[str]) -> tuple[str, ...]:
        """The known names that `entries` let read, and the wildcards they reach, sorted.

        Known names are the servers, the members of groups, the names in the ACL and
        the names among `entries` themselves.
        """
        expansion = self.expand(entries)
        candidates = self._candidates(expansion)
        for name in expansion.names:  # the directory's spelling wins over the entry's
            candidates.setdefault(name_key(name), name)
        found = {key: name for key, name in candidates.items() if self.grants(name, entries)}
        found.update((name_key(wildcard), wildcard) for wildcard in expansion.wildcards)
        return tuple(sorted(found.values(), key=str.casefold))

    def _candidates(self, expansion: Expansion) -> dict[str, str]:
        """The principals `grants` can say yes to: those the expansion reaches by name
        or wildcard, or all of them when a role it reaches is -Default-'s. Asking only
        these keeps an audit of a 30 000-person directory fast; `grants` decides."""
        if self._default_roles & set(expansion.roles):
            return dict(self._all_principals())
        found: dict[str, str] = {}
        for key in map(name_key, expansion.names):
            principal = self._principal(key)
            if principal is not None:
                found[key] = principal
        for wildcard in expansion.wildcards:
            found.update(
                (key, name)
                for key, name in self._all_principals()
                if wildcard_matches(wildcard, name)
            )
        return found

    # -- what entries reach -----------------------------------------------------------------

    def expand(self, entries: Iterable[str]) -> Expansion:
        """Follow groups to their members and roles to the ACL entries holding them."""
        names: dict[str, str] = {}
        wildcards: dict[str, str] = {}
        groups: dict[str, str] = {}
        roles: dict[str, None] = {}
        pending = list(entries)
        pending.reverse()
        while pending:
            entry = pending.pop().strip()
            if not entry:
                continue
            kind = name_kind(entry)
            key = name_key(entry)
            if kind is NameKind.ROLE:
                role = role_key(entry)
                if role not in roles:
                    roles[role] = None
                    pending.extend(reversed(self._holders(role)))
            elif kind is NameKind.WILDCARD:
                wildcards.setdefault(key, canonicalize(entry))
            elif (group := self._group(key)) is not None:
                if key not in groups:
                    groups[key] = self._title(group)
                    pending.extend(reversed(self._members(group)))
            else:
                names.setdefault(key, canonicalize(entry))
        return Expansion(
            tuple(names.values()), tuple(wildcards.values()), tuple(groups.values()), tuple(roles)
        )

    def _holders(self, role: str) -> list[str]:
        return [
            entry.name
            for entry in self._acl_entries
            if any(role_key(held) == role for held in entry.roles)
        ]

    def principals(self) -> tuple[str, ...]:
        """Every name the directory knows that is not a group, wildcard or role: servers,
        group members and ACL entries, canonical."""
        return tuple(name for _, name in self._all_principals())

    def wildcards(self) -> tuple[str, ...]:
        """The wildcards the directory writes: group members and ACL entries."""
        if self._wildcards is None:
            listed = [member for member, _ in self._wildcard_parents]
            listed += [entry.name for entry in self._acl_entries]
            found = {name_key(name): name for name in listed if is_wildcard(name)}
            self._wildcards = tuple(found.values())
        return self._wildcards

    def is_known(self, entry: str) -> bool:
        """True if `entry` matches something the exports define: a server, a group, a
        role of the ACL, a name listed in a group or the ACL, or a wildcard there.

        A wildcard entry is known when the exports write it too, or when it matches a
        known name; ``*`` alone always is.
        """
        kind = name_kind(entry)
        if kind is NameKind.ROLE:
            return role_key(entry) in self._acl_roles
        key = name_key(entry)
        if kind is NameKind.WILDCARD:
            return (
                entry.strip() == EVERYONE
                or any(name_key(wildcard) == key for wildcard in self.wildcards())
                or any(wildcard_matches(entry, name) for _, name in self._all_principals())
            )
        return (
            self._group(key) is not None
            or self._principal(key) is not None
            or any(wildcard_matches(wildcard, entry) for wildcard in self.wildcards())
        )

    # -- cycles -------------------------------------------------------------------------------

    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """Each set of groups that contain one another, as a path ``(A, B, A)`` of names."""
        children = self._nesting()
        found: list[tuple[str, ...]] = []
        for component in self._components(children):
            start = min(component, key=self._group_key)
            path = _path_back(start, component, children)
            if path is not None:
                found.append(tuple(map(self._title, path)))
        return tuple(sorted(found, key=lambda path: [name.casefold() for name in path]))

    def _nesting(self) -> list[tuple[int, ...]]:
        """For each group, the groups listed as its members, each once, in order."""
        nesting: list[tuple[int, ...]] = []
        for group in range(len(self._group_keys)):
            children: dict[int, None] = {}
            for member in self._member_numbers(group):
                child = self._group_of[self._names.key_id_of(member)]
                if child >= 0:
                    children[child] = None
            nesting.append(tuple(children) if children else ())
        return nesting

    def _components(self, children: list[tuple[int, ...]]) -> list[set[int]]:
        """Strongly connected components of the nesting graph (Tarjan, iteratively) that
        can hold a cycle: several groups, or one that lists itself."""
        index = array("i", [-1]) * len(children)
        low = array("i", [-1]) * len(children)
        counter = 0
        stack: list[int] = []
        on_stack = bytearray(len(children))
        components: list[set[int]] = []
        for root in range(len(children)):
            if index[root] >= 0:
                continue
            work: list[tuple[int, int]] = [(root, 0)]
            while work:
                node, child_at = work.pop()
                if child_at == 0:
                    index[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack[node] = 1
                if child_at < len(children[node]):
                    work.append((node, child_at + 1))
                    child = children[node][child_at]
                    if index[child] < 0:
                        work.append((child, 0))
                    elif on_stack[child]:
                        low[node] = min(low[node], index[child])
                    continue
                if low[node] == index[node]:
                    component: set[int] = set()
                    while True:
                        member = stack.pop()
                        on_stack[member] = 0
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in children[node]:
                        components.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return components


def _path_back(
    start: int, component: set[int], children: list[tuple[int, ...]]
) -> list[int] | None:
    """A shortest path from `start` back to itself inside `component`, or None."""
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following: list[int] = []
        for node in frontier:
            for child in children[node]:
                if child not in component:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return None
