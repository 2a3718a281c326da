"""Group documents indexed from their bytes and parsed on demand.

A directory holds tens of thousands of Group documents; an audit needs the few that
its documents' readers and authors entries and the ACL reach. While the export is
read, :meth:`LazyGroups.add` finds a Group document's ``ListName``, ``Members`` and
``GroupType`` items with regular expressions over its bytes (in C: no lxml, no name
parsing), keeps those items' bytes and indexes the document by its ``ListName``
values. :meth:`LazyGroups.reach` then parses only the documents reached, transitively,
from a set of entries; :meth:`LazyGroups.complete` parses every document, for a
question about the whole directory. A document the expressions cannot read with
certainty (a comment, an entity, an unusual item tag) is parsed at once, as before.
"""

from __future__ import annotations

import re
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence

import attrs

from dxltools.access.directory import GROUP_ITEMS, Group, group_of
from dxltools.access.membership import first_value, held_names
from dxltools.access.skim import Skimmed, group_of_texts, plain_item_texts
from dxltools.access.stores import GroupStore, StringTable
from dxltools.dxl.parse import read_items
from dxltools.dxl.segments import Prolog, Segment, SegmentKind
from dxltools.dxl.spelling import spelt_otherwise
from dxltools.names import (
    NameKind,
    canonicalize,
    name_key,
    name_kind,
    uncached_name_key,
    wildcard_matches,
)
from dxltools.records import Record

__all__ = ["LazyGroups", "Reached"]


@attrs.frozen(repr=False)
class _Context(Record):
    """Where a document came from: enough to parse its items again."""

    prolog: Prolog
    source: str


class Reached:
    """The groups :meth:`LazyGroups.reach` parsed, and the way to the others: what an
    :class:`~dxltools.access.resolver.Access` built on them asks when a question goes
    beyond them (see ``Directory.more``)."""

    def __init__(self, groups: LazyGroups, loaded: frozenset[int], store: GroupStore) -> None:
        self.store = store
        self._groups = groups
        self._loaded = loaded
        self._listed: dict[str, frozenset[str] | None] = {}

    def complete(self) -> GroupStore:
        """Every Group document, parsed: for questions about the whole directory."""
        return self._groups.complete()

    def has_group(self, key: str) -> bool:
        """True when a document not loaded defines the group of this key."""
        return any(doc not in self._loaded for doc in self._groups.documents_named(key))

    def listed_as(self, key: str) -> frozenset[str] | None:
        """The canonical spellings under which the documents not loaded list a member of
        this key; None when the bytes cannot tell (then ask :meth:`complete`)."""
        if key not in self._listed:
            self._listed[key] = self._groups.listed_as(key, self._loaded)
        return self._listed[key]


class _Blocks:
    """Bytes appended one piece after another and kept compressed, some 128 KB at a time
    (a piece never spans two blocks): a directory's group items, a fifth of the size."""

    def __init__(self, size: int = 1 << 17) -> None:
        self._SIZE = size
        self._blocks: list[bytes] = []  # compressed
        self._firsts = array("q")  # where each block starts, uncompressed
        self._pending = bytearray()
        self._size = 0
        self._last: tuple[int, bytes] = (-1, b"")  # the block last read, decompressed

    def __len__(self) -> int:
        return self._size

    def append(self, piece: bytes) -> None:
        if len(self._pending) >= self._SIZE:
            self._firsts.append(self._size - len(self._pending))
            self._blocks.append(zlib.compress(self._pending, 1))
            self._pending = bytearray()
        self._pending += piece
        self._size += len(piece)

    def read(self, start: int, end: int) -> bytes:
        """The bytes from `start` to `end`, which lie in one piece."""
        pending = self._size - len(self._pending)
        block = len(self._blocks) if start >= pending else bisect_right(self._firsts, start) - 1
        first, data = self._block(block)
        return bytes(data[start - first : end - first])

    def blocks(self) -> Iterator[tuple[int, bytes | bytearray]]:
        """Every block, decompressed, with where it starts."""
        for block in range(len(self._blocks) + 1):
            yield self._block(block)

    def _block(self, block: int) -> tuple[int, bytes | bytearray]:
        if block < 0 or block >= len(self._blocks):
            return self._size - len(self._pending), self._pending
        if self._last[0] != block:
            self._last = (block, zlib.decompress(self._blocks[block]))
        return self._firsts[block], self._last[1]


class LazyGroups:
    """Group documents, in the order added (a later document of one UNID replaces the
    earlier one, as in :class:`GroupStore`), kept as the bytes of their group items and
    indexed by the keys of their names."""

    def __init__(self) -> None:
        self._data = _Blocks()  # the group items of every document, one after another
        self._starts = array("q")  # document -> where its items start in _data
        # document -> 1 if its items may spell a name otherwise than with its letters;
        # worked out when listed_as first asks (a run's audit never does: it parses a few
        # groups), for the documents added since.
        self._odd = bytearray()
        self._contexts: list[_Context] = []
        self._context_of = array("i")  # document -> its context
        self._lines = array("i")  # document -> the line it starts on
        self._unids = StringTable()  # the documents' keys (UNIDs), each once
        self._unid_of = array("i")  # document -> the number of its key
        self._alive = bytearray()
        self._latest = array("i")  # key number -> its document, or -1
        self._count = 0
        self._names = StringTable()  # the keys of the groups' names, each once
        self._first = array("i")  # name number -> its first document, dead or not
        self._also: dict[int, list[int]] = {}  # name number -> its other documents
        self._parsed: dict[int, Group] = {}  # documents parsed at once, or already

    def __len__(self) -> int:
        return self._count

    def add(self, key: str, skimmed: Skimmed, prolog: Prolog, source: str, line: int = 1) -> None:
        """Keep a skimmed Group document under `key`, after the others (`line`: where
        it starts, for the errors of its parse)."""
        self._new(key, skimmed.names, prolog, source, line)
        self._data.append(skimmed.items)

    def add_group(self, key: str, group: Group, prolog: Prolog, source: str) -> None:
        """Keep a Group document already parsed under `key`, after the others."""
        document = self._new(key, group.names, prolog, source, 1)
        self._parsed[document] = group

    def _new(self, key: str, names: tuple[str, ...], prolog: Prolog, source: str, line: int) -> int:
        self.discard(key)
        document = len(self._unid_of)
        self._lines.append(line)
        number = self._unids.add(key)
        if number == len(self._latest):
            self._latest.append(-1)
        self._latest[number] = document
        self._unid_of.append(number)
        self._count += 1
        self._alive.append(1)
        self._starts.append(len(self._data))
        context = _Context(prolog, source)
        last = self._contexts[-1] if self._contexts else None
        if last is None or last.prolog is not prolog or last.source != source:
            self._contexts.append(context)
        self._context_of.append(len(self._contexts) - 1)
        for name in names:
            # Not name_key: its cache would keep 65,536 names that are met once.
            number = self._names.add(uncached_name_key(name))
            if number == len(self._first):
                self._first.append(document)
            elif self._first[number] != document:
                self._also.setdefault(number, []).append(document)
        return document

    def discard(self, key: str) -> None:
        number = self._unids.find(key)
        if number is None or self._latest[number] < 0:
            return
        document = self._latest[number]
        self._latest[number] = -1
        self._count -= 1
        self._alive[document] = 0
        self._parsed.pop(document, None)

    def absorb(self, later: LazyGroups) -> None:
        """Take in `later`'s documents, after these: each replaces one of its key."""
        names: dict[int, list[str]] = {}
        for number, document in enumerate(later._first):
            for each in (document, *later._also.get(number, ())):
                names.setdefault(each, []).append(later._names.text(number))
        for document in later.documents():
            context = later._contexts[later._context_of[document]]
            key = later._key(document)
            if document in later._parsed:
                self.add_group(key, later._parsed[document], context.prolog, context.source)
            else:
                skimmed = Skimmed(None, tuple(names[document]), later._items(document))
                line = later._lines[document]
                self.add(key, skimmed, context.prolog, context.source, line)

    def unids(self) -> Iterator[str]:
        """The keys of the documents kept, in the order added."""
        return map(self._key, self.documents())

    def _key(self, document: int) -> str:
        return self._unids.text(self._unid_of[document])

    def documents(self) -> Iterator[int]:
        """The documents kept, in the order added."""
        return (document for document, alive in enumerate(self._alive) if alive)

    def documents_named(self, key: str) -> list[int]:
        """The documents kept that define the group of this name key."""
        number = self._names.find(key)
        return [] if number is None else self._documents_of(number)

    def _documents_of(self, number: int) -> list[int]:
        documents = (self._first[number], *self._also.get(number, ()))
        return [document for document in documents if self._alive[document]]

    def group_keys(self) -> Iterator[str]:
        """The name key of every group kept, without parsing a document."""
        return (
            self._names.text(number)
            for number in range(len(self._first))
            if self._documents_of(number)
        )

    def group(self, document: int) -> Group:
        """The group of a document, parsed from its items when it was skimmed."""
        found = self._parsed.get(document)
        if found is None:
            # None for "&", markup in a text or anything unusual: then parse them.
            context = self._contexts[self._context_of[document]]
            texts = plain_item_texts(self._items(document), context.prolog.encoding)
            if texts is not None:
                found = group_of_texts(texts, self._key(document))
        if found is None:
            context = self._contexts[self._context_of[document]]
            data = b"<document>" + self._items(document) + b"</document>"
            line = self._lines[document]
            start_tag = len(b"<document>")
            segment = Segment(SegmentKind.NOTE, data, 0, line, 1, "document", start_tag)
            note = read_items(segment, context.prolog, context.source, GROUP_ITEMS)
            parsed = group_of(note)
            if parsed is None:
                raise AssertionError("a skimmed Group document lost its ListName")
            found = attrs.evolve(parsed, unid=self._key(document))
        return found

    def _odd_documents(self) -> Iterator[int]:
        """The documents whose items may spell a name otherwise than with its letters (a
        reference, markup in a text, a letter that casefolds to ASCII), so that a search
        for the name's letters may miss it. (A document parsed when added keeps no items
        and is among the candidates of listed_as anyway.)"""
        for document in range(len(self._odd), len(self._starts)):
            encoding = self._contexts[self._context_of[document]].prolog.encoding
            self._odd.append(spelt_otherwise(self._items(document), encoding))
        return (document for document, odd in enumerate(self._odd) if odd)

    def _items(self, document: int) -> bytes:
        end = self._starts[document + 1] if document + 1 < len(self._starts) else len(self._data)
        return self._data.read(self._starts[document], end)

    def store(self, groups: dict[int, Group]) -> GroupStore:
        """A :class:`GroupStore` of these documents' groups, in the order added."""
        store = GroupStore()
        for document in sorted(groups):
            store.add(self._key(document), groups[document])
        return store

    def held_names(self, names: Sequence[str]) -> dict[str, int]:
        """:func:`~dxltools.access.membership.held_names` over every document kept,
        parsed one at a time: the name key of each group that holds one of `names`,
        with the bit mask of those it holds."""
        table = self._names
        masks = held_names(self.each_group(), table.find, table.text, len(self._first), names)
        return {table.text(at): mask for at, mask in enumerate(masks) if mask}

    def each_group(self) -> Iterator[Group]:
        """Every Group document kept, parsed one at a time, in order: nothing is kept."""
        return map(self.group, self.documents())

    def complete(self) -> GroupStore:
        """Every Group document kept, parsed, in order."""
        store = GroupStore()
        for document in self.documents():
            store.add(self._key(document), self.group(document))
        return store

    def reach(self, entries: Iterable[str]) -> Reached:
        """Parse the documents that `entries` reach: the groups they name, the groups
        those list (by name, or by a wildcard matching a group's name), transitively,
        and every document that shares a name with one reached."""
        loaded: dict[int, Group] = {}
        pending = [entry for entry in entries if entry.strip()]
        seen: set[str] = set()
        while pending:
            entry = pending.pop()
            kind = name_kind(entry)
            if kind is NameKind.ROLE:
                continue
            if kind is NameKind.WILDCARD:
                pending.extend(self._matching(entry, seen))
                continue
            key = name_key(entry)
            if key in seen:
                continue
            seen.add(key)
            for document in self.documents_named(key):
                if document not in loaded:
                    group = loaded[document] = self.group(document)
                    pending.extend(group.names)
                    pending.extend(group.members)
        return Reached(self, frozenset(loaded), self.store(loaded))

    def _matching(self, wildcard: str, seen: set[str]) -> list[str]:
        """The group keys (not yet followed) whose names the wildcard matches."""
        if wildcard in seen:
            return []
        seen.add(wildcard)
        # A name key matches a wildcard as the name does (both are compared casefolded).
        return [key for key in self.group_keys() if wildcard_matches(wildcard, key)]

    def listed_as(self, key: str, loaded: frozenset[int]) -> frozenset[str] | None:
        """The canonical spellings of `key` among the members of the documents kept that
        are not `loaded`; None when the bytes cannot narrow the search."""
        needle = first_value(key)
        if needle is None:
            return None
        candidates = {doc for doc in self._parsed if doc not in loaded}
        candidates.update(doc for doc in self._odd_documents() if doc not in loaded)
        pattern = re.compile(re.escape(needle.encode("ascii")), re.IGNORECASE)
        for first, block in self._data.blocks():
            for match in pattern.finditer(block):
                document = bisect_right(self._starts, first + match.start()) - 1
                if document not in loaded:
                    candidates.add(document)
        spellings = {
            canonicalize(member)
            for document in candidates
            if self._alive[document]
            for member in self.group(document).members
            if name_key(member) == key
        }
        return frozenset(spellings)
