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

from collections.abc import Iterable, Sequence

import attrs
from lxml import etree

from dxltools.model import Item, ItemFlags, Note, Number, local_name, parse_fragment
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


def _texts(note: Note, name: str) -> tuple[str, ...]:
    return tuple(value.strip() for item in note.items_named(name) for value in item.texts)


def group_of(note: Note) -> Group | None:
    """The group a Group document defines; None when it names no group."""
    names = tuple(value for value in _texts(note, "ListName") if value)
    if not names:
        return None
    members = tuple(value for value in _texts(note, "Members") if value)
    group_type = next((value for value in _texts(note, "GroupType") if value), "")
    return Group(names, members, group_type or _number_type(note), note.unid)


def _number_type(note: Note) -> str:
    """GroupType stored as a number (``<number>4</number>``)."""
    for item in note.items_named("GroupType"):
        if isinstance(item.value, Number):
            return item.value.raw
    return ""


def server_name_of(note: Note) -> str | None:
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


@attrs.frozen
class Directory:
    """What the exports say about names: servers, groups and the ACL."""

    servers: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
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


class Access:
    """Answers "can this name read that note?" over one :class:`Directory`.

    Built once per audit; names lists are cached, so asking about many notes is cheap.
    """

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._members: dict[str, list[str]] = {}  # group key -> members, every document
        self._group_names: dict[str, str] = {}  # group key -> name as first written
        self._servers_only: set[str] = set()
        self._parents: dict[str, set[str]] = {}  # member key -> keys of groups listing it
        self._wildcard_parents: list[tuple[str, str]] = []  # (wildcard member, group key)
        self._index_groups(directory.groups)
        acl = directory.acl or Acl()
        self._acl_entries = tuple(entry for entry in acl.entries if not entry.default)
        self._default_roles = frozenset(
            role_key(role) for entry in acl.entries if entry.default for role in entry.roles
        )
        self._acl_roles = frozenset(role_key(role) for role in acl.roles) | frozenset(
            role_key(role) for entry in acl.entries for role in entry.roles
        )
        # Caches: the resolver is asked about the same names for every document.
        self._lists: dict[str, NamesList] = {}
        self._nested: dict[str, list[str]] = {}
        self._principals: tuple[str, ...] | None = None
        self._principal_index: dict[str, str] | None = None
        self._known: frozenset[str] | None = None
        self._wildcards: tuple[str, ...] | None = None

    def _index_groups(self, groups: Iterable[Group]) -> None:
        # Two Group documents of one name both count, as in a directory with duplicates.
        for group in groups:
            for name in group.names:
                key = name_key(name)
                self._members.setdefault(key, []).extend(group.members)
                self._group_names.setdefault(key, name)
                if group.servers_only:
                    self._servers_only.add(key)
        for group_key, members in self._members.items():
            for member in members:
                if is_wildcard(member):
                    self._wildcard_parents.append((member, group_key))
                else:
                    self._parents.setdefault(name_key(member), set()).add(group_key)

    # -- groups -------------------------------------------------------------------------

    def is_group(self, entry: str) -> bool:
        return name_key(entry) in self._members

    def group_name(self, entry: str) -> str:
        key = name_key(entry)
        return self._group_names.get(key, entry)

    def is_servers_only(self, entry: str) -> bool:
        return name_key(entry) in self._servers_only

    def _direct_groups(self, name: str) -> set[str]:
        found = set(self._parents.get(name_key(name), ()))
        found.update(
            group for wildcard, group in self._wildcard_parents if wildcard_matches(wildcard, name)
        )
        return found

    def groups_of(self, name: str) -> frozenset[str]:
        """Keys of every group `name` belongs to, directly or through nested groups."""
        found: set[str] = set()
        pending = list(self._direct_groups(name))
        while pending:
            group = pending.pop()
            if group in found:
                continue  # a cycle, or a group reached twice
            found.add(group)
            pending.extend(self._direct_groups(self._group_names[group]) - found)
        return frozenset(found)

    # -- roles ----------------------------------------------------------------------------

    def roles_of(self, name: str, groups: frozenset[str]) -> frozenset[str]:
        """Role keys `name` holds: its own entry, else its groups', else wildcards', else
        -Default-'s (the ACL's precedence)."""
        key = name_key(name)
        explicit = [entry for entry in self._acl_entries if name_key(entry.name) == key]
        if not explicit:
            explicit = [entry for entry in self._acl_entries if name_key(entry.name) in groups]
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
        key = name_key(name)
        cached = self._lists.get(key)
        if cached is None:
            groups = self.groups_of(name)
            cached = NamesList(canonicalize(name), key, groups, self.roles_of(name, groups))
            self._lists[key] = cached
        return cached

    # -- reading --------------------------------------------------------------------------

    def grants(self, name: str, entries: Iterable[str]) -> bool:
        """True if one of `entries` lets `name` read (the note being restricted)."""
        names = self.names_list(name)
        for entry in entries:
            kind = name_kind(entry)
            if kind is NameKind.ROLE:
                if role_key(entry) in names.roles:
                    return True
            elif kind is NameKind.WILDCARD:
                if wildcard_matches(entry, names.name):
                    return True
            else:
                key = name_key(entry)
                if key == names.key or key in names.groups:
                    return True
        return False

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
        principals = self._principal_names()
        if self._default_roles & set(expansion.roles):
            return dict(principals)
        found = {
            key: principals[key] for key in map(name_key, expansion.names) if key in principals
        }
        for wildcard in expansion.wildcards:
            found.update(
                (key, name) for key, name in principals.items() if wildcard_matches(wildcard, name)
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
            elif key in self._members:
                if key not in groups:
                    groups[key] = self._group_names[key]
                    pending.extend(reversed(self._members[key]))
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
        if self._principals is None:
            found: dict[str, str] = {}
            listed = [
                *self.directory.servers,
                *(member for members in self._members.values() for member in members),
                *(entry.name for entry in self._acl_entries),
            ]
            for name in listed:
                kind = name_kind(name)
                key = name_key(name)
                if kind in (NameKind.ROLE, NameKind.WILDCARD) or key in self._members or not key:
                    continue
                found.setdefault(key, canonicalize(name))
            self._principals = tuple(found.values())
        return self._principals

    def _principal_names(self) -> dict[str, str]:
        """Every principal by key, built once."""
        if self._principal_index is None:
            self._principal_index = {name_key(name): name for name in self.principals()}
        return self._principal_index

    def _principal_keys(self) -> frozenset[str]:
        if self._known is None:
            self._known = frozenset(name_key(name) for name in self.principals())
        return self._known

    def wildcards(self) -> tuple[str, ...]:
        """The wildcards the directory writes: group members and ACL entries."""
        if self._wildcards is None:
            listed = [member for members in self._members.values() for member in members]
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
                or any(wildcard_matches(entry, name) for name in self.principals())
            )
        return (
            key in self._members
            or key in self._principal_keys()
            or any(wildcard_matches(wildcard, entry) for wildcard in self.wildcards())
        )

    # -- cycles -------------------------------------------------------------------------------

    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """Each set of groups that contain one another, as a path ``(A, B, A)`` of names."""
        found: list[tuple[str, ...]] = []
        for component in self._components():
            start = min(component)
            path = self._path_back(start, component)
            if path is not None:
                found.append(tuple(self._group_names[key] for key in path))
        return tuple(sorted(found, key=lambda path: [name.casefold() for name in path]))

    def _children(self, group: str) -> list[str]:
        """The groups listed as members of `group`, each once."""
        children = self._nested.get(group)
        if children is None:
            keys = dict.fromkeys(name_key(member) for member in self._members[group])
            children = self._nested[group] = [key for key in keys if key in self._members]
        return children

    def _components(self) -> list[set[str]]:
        """Strongly connected components of the nesting graph (Tarjan, iteratively)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        components: list[set[str]] = []
        for root in self._members:
            if root in index:
                continue
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                node, child_at = work.pop()
                if child_at == 0:
                    index[node] = low[node] = len(index)
                    stack.append(node)
                    on_stack.add(node)
                children = self._children(node)
                if child_at < len(children):
                    work.append((node, child_at + 1))
                    child = children[child_at]
                    if child not in index:
                        work.append((child, 0))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return components

    def _path_back(self, start: str, component: set[str]) -> list[str] | None:
        """A shortest path from `start` back to itself inside `component`, or None."""
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier:
            following: list[str] = []
            for node in frontier:
                for child in self._children(node):
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
