"""Which groups hold a few given names, over every Group document of a directory, read
one document at a time: for a question about the whole directory (the suggested fix's
servers groups) without indexing it.

A group holds a name as :class:`~dxltools.access.resolver.Access` decides it: it
lists the name (any form, any case), or a wildcard that matches it, or a group that
holds it (by that group's name, or by a wildcard matching that name), transitively,
cycles included; the Group documents of one name count as one group. Each group
keeps a number (a bit for each name it holds) and the numbers of the groups it lists:
memory follows the groups, not their members.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence

from dxltools.access.directory import Group
from dxltools.names import (
    NameKind,
    name_key,
    uncached_name_key,
    uncached_name_kind,
    wildcard_matches,
)

__all__ = ["first_value", "held_names", "key_first_value", "written_first_value"]

_UNSAFE_IN_TEXT = re.compile("[&<>'\"\r\n\t]")  # what a name's bytes may write otherwise
_MAX_KEYS_KEPT = 8192  # members whose keys are kept: about 2 MB, whatever the directory
# A member plain enough that its first value is read from its text as from its key: a
# common name, optionally typed, and components of letters (any script), digits and a
# few marks. No "@", no "=" in the first component, no wildcard, no role.
# Its group is the first value: the first component, or what follows its "CN=", as written.
_PLAIN_NAME = re.compile(r"\s*(?:[Cc][Nn]\s*=\s*)?([^\W_][\w .-]*)(?:/[\w .=-]+)*")


def held_names(
    groups: Iterable[Group],
    number_of: Callable[[str], int | None],
    key_of: Callable[[int], str],
    count: int,
    names: Sequence[str],
) -> list[int]:
    """For each group, by number: the names it holds, as a bit mask (bit ``i`` for
    ``names[i]``). Groups are numbered 0 to `count` - 1 by their name keys: `key_of`
    gives a number's key, `number_of` a key's number, None for a name no group has
    (a member it numbers is a nested group)."""
    bits: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name_key(name)
        bits[key] = bits.get(key, 0) | 1 << index
    # The first values of `names` and of the groups: a member whose first value is none
    # of these is neither (written_first_value reads a name as written as
    # key_first_value reads its key), and is passed over without being parsed as a name.
    starts = {key_first_value(key) for key in bits}
    starts.update(key_first_value(key_of(at)) for at in range(count))
    direct = [0] * count
    nested: dict[int, array[int]] = {}  # group -> the groups it lists by name
    wildcards: dict[int, set[str]] = {}  # group -> its wildcard members
    keys: dict[str, str | None] = {}  # member as written -> its key (None: a wildcard)
    for group in groups:
        held, listed, wild = _members(group.members, bits, names, number_of, starts, keys)
        for title in group.names:
            at = number_of(uncached_name_key(title))
            if at is None:
                continue  # no name key: a blank ListName
            direct[at] |= held
            if listed:
                nested[at] = array("i", sorted({*nested.get(at, ()), *listed}))
            if wild:
                wildcards.setdefault(at, set()).update(wild)
    if wildcards:
        _list_matched_groups(wildcards, nested, key_of, count)
    return _closed(direct, nested)


def _list_matched_groups(
    wildcards: dict[int, set[str]],
    nested: dict[int, array[int]],
    key_of: Callable[[int], str],
    count: int,
) -> None:
    """A wildcard member also lists the groups whose names it matches (a name key
    matches as the name does: both are compared casefolded). Only a hierarchical name
    matches a wildcard other than ``*``, which matches every one."""
    hierarchical = [(at, key) for at in range(count) if "/" in (key := key_of(at))]
    for at, members in wildcards.items():
        if "*" in {member.strip() for member in members}:
            matched: Iterable[int] = range(count)
        else:
            matched = [other for other, key in hierarchical if _matches(members, key)]
        nested[at] = array("i", sorted({*nested.get(at, ()), *matched}))


def _members(
    members: Iterable[str],
    bits: dict[str, int],
    names: Sequence[str],
    number_of: Callable[[str], int | None],
    starts: set[str],
    keys: dict[str, str | None],
) -> tuple[int, set[int], set[str]]:
    """The bits of the names a group's members are or match, the groups they list, and
    its wildcard members. `keys`: the members' keys found so far (the members that
    pass the first value's test are mostly group and server names, listed by many
    groups: each is parsed as a name once)."""
    held = 0
    listed: set[int] = set()
    wild: set[str] = set()
    for member in members:
        if member in keys:
            key = keys[member]
        else:
            first = written_first_value(member)
            if first is not None and first not in starts:
                continue
            key = _member_key(member)
            if len(keys) < _MAX_KEYS_KEPT:
                keys[member] = key
        if key is None:
            wild.add(member)
            for index, name in enumerate(names):
                if wildcard_matches(member, name):
                    held |= 1 << index
            continue
        held |= bits.get(key, 0)
        child = number_of(key)
        if child is not None:
            listed.add(child)
    return held, listed, wild


def _member_key(member: str) -> str | None:
    """A member's name key; None for a wildcard."""
    if uncached_name_kind(member) is NameKind.WILDCARD:
        return None
    return uncached_name_key(member)


def _matches(wildcards: Iterable[str], key: str) -> bool:
    return any(wildcard_matches(wildcard, key) for wildcard in wildcards)


def _closed(direct: list[int], nested: dict[int, array[int]]) -> list[int]:
    """Each group's bits with those of the groups it lists, transitively: repeated until
    nothing changes (a cycle only shares its bits around)."""
    masks = list(direct)
    changed = True
    while changed:
        changed = False
        for at, listed in nested.items():
            mask = masks[at]
            for child in listed:
                mask |= masks[child]
            if mask != masks[at]:
                masks[at] = mask
                changed = True
    return masks


def first_value(key: str) -> str | None:
    """What every spelling of a name of this key holds, whatever its case and form:
    the value of its first component, when that is plain ASCII."""
    first = key.split("/", 1)[0]
    _, sep, value = first.partition("=")
    needle = (value if sep else first).strip()
    needle = needle.split("@", 1)[0].strip()
    if not needle or not needle.isascii() or _UNSAFE_IN_TEXT.search(needle):
        return None
    return needle


def key_first_value(key: str) -> str:
    """The value of a name key's first component (the key of ``CN=Anna Berg/O=Acme``
    gives ``anna berg``): what :func:`written_first_value` reads from a member's text."""
    first = key.split("/", 1)[0]
    _, sep, value = first.partition("=")
    return (value if sep else first).strip()


def written_first_value(member: str) -> str | None:
    """:func:`key_first_value` of a member's key, read from its text without parsing it
    as a name (the first component's value, casefolded, in any script); None when the
    text is not plain enough to tell that way."""
    plain = _PLAIN_NAME.fullmatch(member)
    return None if plain is None else plain.group(1).strip().casefold()
