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
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator

import attrs

from dxltools.access.directory import GROUP_ITEMS, Group, group_of
from dxltools.access.stores import GroupStore
from dxltools.dxl.model import read_items
from dxltools.dxl.scan import Prolog, Segment, SegmentKind
from dxltools.names import NameKind, canonicalize, name_key, name_kind, wildcard_matches

__all__ = ["LazyGroups", "Reached", "note_unid", "skim_group", "spelt_otherwise"]

# An item's start tag, attributes honouring quotes (a value may hold ">").
_ITEM = re.compile(rb"""<item((?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*(/?)>""")
# An item's start, with its name when that comes first, plain and in ASCII.
_ITEM_START = re.compile(
    rb"""<item(?:\s+name\s*=\s*(?:'([ !#-%(-;=?-~]*)'|"([ !#-%(-;=?-~]*)")|(?=[\s/>]))"""
)
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*(?:'([^']*)'|"([^"]*)")""")
_NOTEINFO = re.compile(rb"""<noteinfo((?:\s+[^\s=/>]+\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*/?>""")
_TEXT = re.compile(rb"<text>([^<&\r]*)</text>")
_PLAIN_VALUE = re.compile(
    rb"\s*(?:<text/>|<text>[^<&\r]*</text>|<textlist>\s*(?:<text>[^<&\r]*</text>\s*)*</textlist>)\s*"
)
_WANTED = frozenset({b"listname", b"members", b"grouptype"})
_ITEM_END = b"</item>"
# Characters that are not ASCII but casefold to ASCII letters (the Kelvin sign, the
# long s, the Latin ligatures): a name written with one can equal an ASCII needle.
# Every such character, as Python 3.11's casefold has them.
_FOLDS_TO_ASCII = re.compile("[\u00df\u017f\u1e9e\u212a\ufb00-\ufb06]")


@attrs.frozen
class Skimmed:
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
    if b"xmlns" in segment.start_tag:
        return None
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


@attrs.frozen
class _Context:
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


class LazyGroups:
    """Group documents, in the order added (a later document of one UNID replaces the
    earlier one, as in :class:`GroupStore`), kept as the bytes of their group items and
    indexed by the keys of their names."""

    def __init__(self) -> None:
        self._data = bytearray()  # the group items of every document, one after another
        self._starts = array("q")  # document -> where its items start in _data
        self._odd = bytearray()  # document -> 1 if its items hold "&" or a folding letter
        self._contexts: list[_Context] = []
        self._context_of = array("i")  # document -> its context
        self._keys: list[str] = []  # document -> its key (UNID)
        self._names: list[tuple[str, ...]] = []  # document -> its ListName values
        self._alive = bytearray()
        self._latest: dict[str, int] = {}  # key -> its document
        self._by_name: dict[str, list[int]] = {}  # name key -> documents, dead ones too
        self._parsed: dict[int, Group] = {}  # documents parsed at once, or already

    def __len__(self) -> int:
        return len(self._latest)

    def add(self, key: str, skimmed: Skimmed, prolog: Prolog, source: str) -> None:
        """Keep a skimmed Group document under `key`, after the others."""
        self._new(key, skimmed.names, prolog, source)
        self._data += skimmed.items
        self._odd.append(1 if spelt_otherwise(skimmed.items, prolog.encoding) else 0)

    def add_group(self, key: str, group: Group, prolog: Prolog, source: str) -> None:
        """Keep a Group document already parsed under `key`, after the others."""
        document = self._new(key, group.names, prolog, source)
        self._parsed[document] = group
        self._odd.append(0)

    def _new(self, key: str, names: tuple[str, ...], prolog: Prolog, source: str) -> int:
        self.discard(key)
        document = len(self._keys)
        self._keys.append(key)
        self._names.append(tuple(names))
        self._alive.append(1)
        self._latest[key] = document
        self._starts.append(len(self._data))
        context = _Context(prolog, source)
        last = self._contexts[-1] if self._contexts else None
        if last is None or last.prolog is not prolog or last.source != source:
            self._contexts.append(context)
        self._context_of.append(len(self._contexts) - 1)
        for name in names:
            self._by_name.setdefault(name_key(name), []).append(document)
        return document

    def discard(self, key: str) -> None:
        document = self._latest.pop(key, None)
        if document is not None:
            self._alive[document] = 0
            self._parsed.pop(document, None)

    def absorb(self, later: LazyGroups) -> None:
        """Take in `later`'s documents, after these: each replaces one of its key."""
        for document in later.documents():
            context = later._contexts[later._context_of[document]]
            key = later._keys[document]
            if document in later._parsed:
                self.add_group(key, later._parsed[document], context.prolog, context.source)
            else:
                names = later._names[document]
                items = bytes(later._items(document))
                self.add(key, Skimmed(None, names, items), context.prolog, context.source)

    def unids(self) -> Iterator[str]:
        """The keys of the documents kept, in the order added."""
        return (self._keys[document] for document in self.documents())

    def documents(self) -> Iterator[int]:
        """The documents kept, in the order added."""
        return (document for document, alive in enumerate(self._alive) if alive)

    def documents_named(self, key: str) -> list[int]:
        """The documents kept that define the group of this name key."""
        return [doc for doc in self._by_name.get(key, ()) if self._alive[doc]]

    def group_names(self) -> Iterator[str]:
        """The name of every group kept, as written, without parsing a document."""
        return (name for document in self.documents() for name in self._names[document])

    def group(self, document: int) -> Group:
        """The group of a document, parsed from its items when it was skimmed."""
        found = self._parsed.get(document)
        if found is None:
            context = self._contexts[self._context_of[document]]
            data = b"<document>" + bytes(self._items(document)) + b"</document>"
            segment = Segment(SegmentKind.NOTE, data, 0, 1, 1, "document", len(b"<document>"))
            note = read_items(segment, context.prolog, context.source, GROUP_ITEMS)
            parsed = group_of(note)
            if parsed is None:
                raise AssertionError("a skimmed Group document lost its ListName")
            found = attrs.evolve(parsed, unid=self._keys[document])
        return found

    def _items(self, document: int) -> memoryview:
        end = self._starts[document + 1] if document + 1 < len(self._starts) else len(self._data)
        return memoryview(self._data)[self._starts[document] : end]

    def store(self, groups: dict[int, Group]) -> GroupStore:
        """A :class:`GroupStore` of these documents' groups, in the order added."""
        store = GroupStore()
        for document in sorted(groups):
            store.add(self._keys[document], groups[document])
        return store

    def complete(self) -> GroupStore:
        """Every Group document kept, parsed, in order."""
        store = GroupStore()
        for document in self.documents():
            store.add(self._keys[document], self.group(document))
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
        return [name for name in self.group_names() if wildcard_matches(wildcard, name)]

    def listed_as(self, key: str, loaded: frozenset[int]) -> frozenset[str] | None:
        """The canonical spellings of `key` among the members of the documents kept that
        are not `loaded`; None when the bytes cannot narrow the search."""
        needle = _needle(key)
        if needle is None:
            return None
        candidates = {doc for doc in self._parsed if doc not in loaded}
        candidates.update(doc for doc, odd in enumerate(self._odd) if odd and doc not in loaded)
        pattern = re.compile(re.escape(needle.encode("ascii")), re.IGNORECASE)
        for match in pattern.finditer(self._data):
            document = bisect_right(self._starts, match.start()) - 1
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


def _needle(key: str) -> str | None:
    """What every spelling of a name of this key holds, whatever its case and form:
    the value of its first component, when that is plain ASCII."""
    first = key.split("/", 1)[0]
    _, sep, value = first.partition("=")
    needle = (value if sep else first).strip()
    needle = needle.split("@", 1)[0].strip()
    if not needle or not needle.isascii() or any(c in needle for c in "&<>'\"\r\n\t"):
        return None
    return needle


def spelt_otherwise(data: bytes, encoding: str) -> bool:
    """True when a text in these bytes may spell an ASCII word (casefolded) otherwise than
    with its letters: by a character or entity reference, or a letter that casefolds to
    ASCII. When False, a word absent from the bytes (ASCII case ignored) is in no text."""
    if b"&" in data:
        return True
    if data.isascii():
        return False
    return _FOLDS_TO_ASCII.search(data.decode(encoding, "replace")) is not None
