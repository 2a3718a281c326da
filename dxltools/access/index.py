"""The index an :class:`~dxltools.access.resolver.Access` answers from: the groups of a
:class:`Directory` numbered, who lists whom (by key, in flat arrays), the ACL's entries
and roles, and the principals (servers, group members, ACL names), with the lookups
by key over them. No answer to "who can read" here: that is the resolver's."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Protocol

import attrs

from dxltools.access.directory import Acl, Group, role_key
from dxltools.access.stores import GroupStore, remember
from dxltools.names import NameKind, canonicalize, name_key, name_kind, wildcard_matches
from dxltools.records import Record

__all__ = ["Directory", "GroupIndex"]

_KINDS = tuple(NameKind)
_ROLE = _KINDS.index(NameKind.ROLE)
_WILDCARD = _KINDS.index(NameKind.WILDCARD)
_TAKEN = -2  # in GroupIndex._first: the key is a server's, or no principal's


class MoreGroups(Protocol):
    """The Group documents a directory holds beyond those in its ``groups`` (see
    :class:`dxltools.access.lazy.Reached`): asked only when a question needs them."""

    def complete(self) -> GroupStore:
        """Every Group document, those in ``groups`` included."""
        ...

    def has_group(self, key: str) -> bool:
        """True when one of the other documents defines the group of this name key."""
        ...

    def listed_as(self, key: str) -> frozenset[str] | None:
        """The canonical spellings under which the other documents list this key;
        None when that cannot be told without :meth:`complete`."""
        ...


@attrs.frozen(repr=False)
class Directory(Record):
    """What the exports say about names: servers, groups and the ACL.

    `groups` may be part of the directory's groups, closed under nesting (every group a
    group of it lists is in it), with `more` the way to the rest: the resolver then
    answers from `groups` what they decide and asks `more` otherwise.
    """

    servers: tuple[str, ...] = ()
    groups: tuple[Group, ...] | GroupStore = ()
    acl: Acl | None = None
    more: MoreGroups | None = None


class GroupIndex:
    """The groups, ACL and principals of one :class:`Directory`, indexed.

    Groups are numbered in the order their names first appear and indexed, by the key
    ids of the :class:`GroupStore`'s names, in arrays of numbers: some 20 bytes a name,
    where sets and strings would take hundreds.
    """

    def __init__(self, directory: Directory) -> None:
        self._build(directory)

    def _build(self, directory: Directory) -> None:
        self.directory = directory
        self._more: MoreGroups | None = None  # set once built: see _group
        self._settled_keys: set[str] = set()  # principals the groups not loaded agree on
        # Caches: the resolver is asked about the same names for every document.
        self._key_ids: dict[str, int] = {}
        self._group_numbers: dict[str, int] = {}
        self._member_names: dict[int, tuple[str, ...]] = {}
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
        self._more = directory.more

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
            remember(self._key_ids, key, found)
        return found if found >= 0 else None

    def _group(self, key: str) -> int | None:
        """The number of the group of this key; None when no group has it. A group of
        a document not loaded loads every group (and renumbers them)."""
        group = self._group_numbers.get(key)
        if group is None:
            key_id = self._key_id(key)
            group = self._group_of[key_id] if key_id is not None else -1
            if group < 0 and self._more is not None and self._more.has_group(key):
                self._complete()
                return self._group(key)
            # Kept only once the documents not loaded are known not to define it either
            # (they stay the same until _complete, which empties this cache): a server
            # is asked about once per entry of every document, not once per document.
            remember(self._group_numbers, key, group)
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
            remember(self._member_names, group, found)
        return found

    def _member_principal(self, key: str) -> str | None:
        key_id = self._key_id(key)
        member = self._first[key_id] if key_id is not None else -1
        return self._names.canonical(member) if member >= 0 else None

    def _principal(self, key: str) -> str | None:
        """The principal of this key, as first spelt; None when it is none."""
        found = self._server_principals.get(key)
        if found is not None:
            return found
        found = self._member_principal(key)
        if self._more is not None and key not in self._settled_keys:
            if not self._settled(key, found):
                self._complete()
                return self._principal(key)
            self._settled_keys.add(key)
        return found if found is not None else self._acl_principals.get(key)

    def _settled(self, key: str, member: str | None) -> bool:
        """True when the groups not loaded list `key` under no other spelling than
        `member` (the first listing among those loaded): then the answer stands."""
        assert self._more is not None
        others = self._more.listed_as(key)
        return others is not None and (not others or (member is not None and others <= {member}))

    def _complete(self) -> None:
        """Load every group: for a question the groups loaded cannot answer."""
        if self._more is not None:
            groups = self._more.complete()
            self._build(attrs.evolve(self.directory, groups=groups, more=None))

    def _all_principals(self) -> Iterator[tuple[str, str]]:
        """Every principal, ``(key, name)``, in the order of ``principals``."""
        self._complete()
        yield from self._server_principals.items()
        for key_id in self._member_principals:
            name = self._names.canonical(self._first[key_id])
            yield name.casefold(), name
        yield from self._acl_principals.items()

    # -- nesting ----------------------------------------------------------------------------

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

    @staticmethod
    def _in(groups: array[int], group: int | None) -> bool:
        """True if `group` is among the sorted `groups`."""
        if group is None:
            return False
        at = bisect_left(groups, group)
        return at < len(groups) and groups[at] == group
