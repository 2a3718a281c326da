"""Names and Group documents kept compactly, for directories of any size: every
distinct name once as UTF-8 in one buffer (:class:`NameTable`), every Group document
as numbers in one array (:class:`GroupStore`); no object per name."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from dxltools.access.directory import SERVERS_ONLY, Group
from dxltools.names import (
    NameKind,
    canonicalize,
    name_key,
    uncached_canonicalize,
    uncached_name_kind,
)

__all__ = ["GroupStore", "NameTable", "StringTable", "remember"]


_KINDS = tuple(NameKind)
_KIND_MASK = 3
_CANONICAL = 4  # flag: the name is written in its canonical form
_LOW_32 = 0xFFFFFFFF
_RECENT = 4096  # how many names a NameTable remembers to add faster
_CACHED = 4096  # how many answers each of Access's bounded caches keeps
_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(cache: dict[_K, _V], key: _K, value: _V, limit: int = _CACHED) -> _V:
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


class StringTable:
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


class NameTable(StringTable):
    """Names, each kept once as written (see :class:`StringTable`), with what the resolver
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
            found = remember(self._recent, text, super().add(text), _RECENT)
        return found

    def _append(self, text: str, hashed: int) -> int:
        # Names mostly met once: computed without the names module's caches.
        canonical = uncached_canonicalize(text)
        key = canonical.casefold()
        key_hash = hash(key)
        key_id = self._find_key(key, key_hash)
        number = super()._append(text, hashed)
        kind = _KINDS.index(uncached_name_kind(text))
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
        self._keys = StringTable()  # the documents' keys (UNIDs), each once
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
