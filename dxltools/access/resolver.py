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
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import attrs

from dxltools.access import graph
from dxltools.access.directory import (
    EVERYONE,
    GROUP_ITEMS,
    SERVER_ITEMS,
    SERVERS_ONLY,
    AccessItem,
    Acl,
    AclEntry,
    Group,
    ItemSource,
    NoteAccess,
    group_of,
    parse_acl,
    role_key,
    server_name_of,
)
from dxltools.access.index import Directory, GroupIndex
from dxltools.access.stores import GroupStore, NameTable, remember
from dxltools.names import (
    NameKind,
    canonicalize,
    is_wildcard,
    name_key,
    name_kind,
    wildcard_matches,
)
from dxltools.records import Record

__all__ = [
    "EVERYONE",
    "GROUP_ITEMS",
    "SERVERS_ONLY",
    "SERVER_ITEMS",
    "Access",
    "AccessItem",
    "Acl",
    "AclEntry",
    "Directory",
    "Expansion",
    "Group",
    "GroupStore",
    "ItemSource",
    "NameTable",
    "NamesList",
    "NoteAccess",
    "group_of",
    "parse_acl",
    "role_key",
    "server_name_of",
]


@attrs.frozen(repr=False)
class NamesList(Record):
    """What Domino matches entries against for one name: the name, its groups, its roles."""

    name: str  # canonical
    key: str
    groups: frozenset[str]  # group keys, nested groups included
    roles: frozenset[str]  # role keys


@attrs.frozen(repr=False)
class Expansion(Record):
    """What a list of entries reaches downward: names, wildcards, groups and roles."""

    names: tuple[str, ...]  # canonical names that are not groups, wildcards or roles
    wildcards: tuple[str, ...]
    groups: tuple[str, ...]  # group names, as the Group document writes them
    roles: tuple[str, ...]  # role keys


# Lists of entries whose readers and expansion are kept: an answer may hold every member
# of a large group, and documents repeat a few lists.
_LISTS_KEPT = 256


class _IndexedName(NamedTuple):
    """A name a question is about, as the index knows it: a :class:`NamesList` with
    the numbers of its groups, sorted."""

    name: str
    key: str
    groups: array[int]
    roles: frozenset[str]


class Access(GroupIndex):
    """Answers "can this name read that note?" over one :class:`Directory`.

    Built once per audit; names lists are cached, so asking about many notes is cheap.
    The indexing and lookups are :class:`~dxltools.access.index.GroupIndex`'s; the
    cycle search is :mod:`dxltools.access.graph`'s.
    """

    def _build(self, directory: Directory) -> None:
        super()._build(directory)
        self._lists: dict[str, _IndexedName] = {}
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._wildcards: tuple[str, ...] | None = None
        # The documents of one coexistence server name the same entries: each list of
        # entries is followed and resolved once (emptied with the rest when every
        # group is loaded).
        self._readers: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._expansions: dict[tuple[str, ...], Expansion] = {}

    # -- groups -------------------------------------------------------------------------

    def is_group(self, entry: str) -> bool:
        return self._group(name_key(entry)) is not None

    def group_name(self, entry: str) -> str:
        group = self._group(name_key(entry))
        return entry if group is None else self._title(group)

    def is_servers_only(self, entry: str) -> bool:
        group = self._group(name_key(entry))
        return group is not None and bool(self._servers_only[group])

    def groups_of(self, name: str) -> frozenset[str]:
        """Keys of every group `name` belongs to, directly or through nested groups."""
        self._complete()
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
        self._complete()
        reader = self._reader(name)
        groups = frozenset(map(self._group_key, reader.groups))
        return NamesList(reader.name, reader.key, groups, reader.roles)

    def _reader(self, name: str) -> _IndexedName:
        """The names list of `name`, its groups as numbers: a list of group keys would
        hold thousands of strings for a server of a large directory."""
        key = name_key(name)
        cached = self._lists.get(key)
        if cached is None:
            more = self._more
            groups = self._groups_of(name)
            roles = self._roles(name, lambda entry: self._in(groups, self._group(entry)))
            if self._more is not more:  # every group was loaded meanwhile: numbers changed
                return self._reader(name)
            cached = self._lists[key] = _IndexedName(canonicalize(name), key, groups, roles)
        return cached

    # -- reading --------------------------------------------------------------------------

    def grants(self, name: str, entries: Iterable[str]) -> bool:
        """True if one of `entries` lets `name` read (the note being restricted)."""
        reader = self._reader(name)
        for entry in entries:
            # Every document asks about the same servers and entries: answers are kept.
            verdict = self._verdicts.get((reader.key, entry))
            if verdict is None:
                more = self._more
                verdict = self._lets(reader, entry)
                if self._more is not more:  # every group was loaded meanwhile: ask again
                    return self.grants(name, entries)
                remember(self._verdicts, (reader.key, entry), verdict)
            if verdict:
                return True
        return False

    def _lets(self, reader: _IndexedName, entry: str) -> bool:
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
        key = tuple(entries)
        found = self._readers.get(key)
        if found is None:
            found = remember(self._readers, key, self._uncached_readers_of(key), _LISTS_KEPT)
        return found

    def _uncached_readers_of(self, entries: tuple[str, ...]) -> tuple[str, ...]:
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
        key = tuple(entries)
        found = self._expansions.get(key)
        if found is None:
            found = remember(self._expansions, key, self._uncached_expand(key), _LISTS_KEPT)
        return found

    def _uncached_expand(self, entries: tuple[str, ...]) -> Expansion:
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
        self._complete()
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
        self._complete()
        return self._cycles()

    def cycles_through(self, groups: Iterable[str]) -> tuple[tuple[str, ...], ...]:
        """The :meth:`cycles` that pass through one of `groups` (names): those need only
        the groups these reach, so a directory loaded on demand stays so."""
        keys = {name_key(group) for group in groups if self._group(name_key(group)) is not None}
        return tuple(
            cycle for cycle in self._cycles() if keys & {name_key(group) for group in cycle}
        )

    def _cycles(self) -> tuple[tuple[str, ...], ...]:
        paths = graph.cycles(self._nesting(), self._group_key)
        found = [tuple(map(self._title, path)) for path in paths]
        return tuple(sorted(found, key=lambda path: [name.casefold() for name in path]))
