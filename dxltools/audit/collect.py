"""Audit the Foreign Domain documents of one or more exports: who can read each one,
which documents each server sees, which one it uses first, and what is wrong.

Each input is read once, in chunks, with the splitter. Only Server, Group and Domain
documents and the database ``<acl>`` are parsed, and only what the audit needs is
kept, so memory follows the number of those documents, not the size of the files:
Group documents as numbers into a table of names (:class:`~dxltools.access.resolver.GroupStore`),
each distinct server view of a domain and list of readers once.

Layered by input kind: :func:`audit_streams` (file objects), :func:`audit_bytes`
(in memory: the what-if audit of an agent's output before it is written) and
:func:`audit_files` (paths). :class:`Auditor` takes inputs one at a time, for callers
that mix them. :func:`audit_to_json` and :func:`format_audit` render the report;
:func:`write_audit` writes the text a domain at a time.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from typing import IO, Any, TypeVar

from dxltools.access.lazy import LazyGroups
from dxltools.access.resolver import (
    GROUP_ITEMS,
    SERVER_ITEMS,
    Access,
    AccessItem,
    Acl,
    Directory,
    GroupStore,
    NoteAccess,
    group_of,
    parse_acl,
    server_name_of,
)
from dxltools.access.skim import note_unid, skim_group
from dxltools.audit.report import AuditReport
from dxltools.audit.rules import Rules
from dxltools.audit.views import DOCUMENT_ACCESS, DomainDocument, Problem
from dxltools.dxl.model import Note, NoteItems
from dxltools.dxl.parse import note_from_segment, read_items
from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import Prolog, Segment, SegmentKind
from dxltools.dxl.select import NoteHead, by_form
from dxltools.dxl.skim import Interest, passed_over_notes
from dxltools.dxl.spelling import may_hold, text_needle
from dxltools.dxl.tokens import parse_attributes
from dxltools.dxl.wellformed import Checker, checked_segments
from dxltools.edit.edits import coexistence_server
from dxltools.fs.files import read_error
from dxltools.names import canonicalize, name_key

_T = TypeVar("_T")

DEFAULT_DOMAIN_TYPE = "ForeignDomain"
DEFAULT_SERVER_ITEMS = ("CalendarServer", "MailServer")
_NAMED_SERVER_ITEMS = ("MailServer", "CalendarServer")
_MAIL_SERVER_ITEMS = ("MailServer",)
_CALENDAR_SERVER_ITEMS = ("CalendarServer",)
_WANTED = by_form("Server", "Group", "Domain")
# Person documents, most of a directory, are passed over unread.
INTEREST = Interest(_WANTED.forms, frozenset({"acl"}))
# With groups on demand, Group documents too: they are found in the spans passed
# over (dxltools.dxl.skim.passed_over_notes) and read from their bytes, without a
# segment of their own from the splitter each.
ON_DEMAND_INTEREST = Interest(_WANTED.forms - {"group"}, frozenset({"acl"}))

# -- reading the inputs ------------------------------------------------------------------------


def _document_key(unid: str | None, source: str, segment: Segment) -> str:
    """What a document is known by across copies: its UNID (any case), else where it is."""
    return unid.casefold() if unid else f"{source}:{segment.line}"


class Auditor:
    """Collects servers, groups, the ACL and Foreign Domain documents, input by input.

    A document met in several inputs (same UNID) is audited once, as the input given
    last holds it: ``audit names.dxl fixed.dxl`` checks the fixed documents against
    the directory.
    """

    def __init__(
        self,
        *,
        domain: str | None = None,
        domain_type: str = DEFAULT_DOMAIN_TYPE,
        server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
        on_demand: bool = True,
    ) -> None:
        self.domain = domain or None
        # False: parse every Group document as it is read and resolve over all of them
        # (the reference the on-demand audit is tested against).
        self.on_demand = on_demand
        self.domain_type = domain_type
        # Domain documents whose bytes cannot hold the domain type are not parsed.
        self._type_needle = (
            text_needle([domain_type]) if domain_type.strip() == domain_type else None
        )
        self.server_items = tuple(server_items)
        self.sources: list[str] = []
        self._servers: dict[str, str] = {}
        # Read from their bytes, parsed when reached: a directory holds tens of thousands.
        self._groups = LazyGroups()
        self._documents: dict[str, DomainDocument] = {}
        self._acl: Acl | None = None
        # Keys of the documents read last as something that is not kept (a Domain document
        # of another type, a group without a name...): each still replaces an earlier
        # copy, in this auditor and, through absorb, in the one of an earlier part.
        self._dropped: set[str] = set()
        self._kept: dict[Any, Any] = {}  # see _share
        # DomainName of every document of the domain type, chosen or not (casefolded: as written)
        self.domains_seen: dict[str, str] = {}

    def add_stream(self, stream: IO[bytes], source: str = "<input>", strict: bool = False) -> None:
        """Read one export from a binary stream, once, in chunks. Everything but
        the inside of the notes the audit passes over unread is checked for
        well-formedness (:mod:`dxltools.dxl.wellformed`); `strict`: those too."""
        scanner = Scanner(stream, source, interest=self.interest)
        for segment in checked_segments(scanner, Checker(source, strict=strict)):
            if scanner.prolog is not None:
                self.add_segment(segment, scanner.prolog, source)

    @property
    def interest(self) -> Interest:
        """What the splitter must hand over one by one (the rest comes in SKIPPED spans)."""
        return ON_DEMAND_INTEREST if self.on_demand else INTEREST

    def add_segment(
        self, segment: Segment, prolog: Prolog, source: str, note: Note | None = None
    ) -> None:
        """Take one segment of an export that is being read (or written) elsewhere:
        notes and the ACL are kept as needed, everything else is ignored. `note`:
        the segment's note, when the caller has parsed it already."""
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        if segment.kind is SegmentKind.NOTE:
            self._note(segment, prolog, source, note)
        elif segment.kind is SegmentKind.SKIPPED and self.on_demand:
            for group in passed_over_notes(segment, "Group"):
                self._note(group, prolog, source, None)
        elif segment.kind is SegmentKind.ELEMENT and segment.name == "acl":
            self._add_acl(segment, prolog, source)

    def add_bytes(self, data: bytes, source: str = "<bytes>", strict: bool = False) -> None:
        self.add_stream(io.BytesIO(data), source, strict)

    def add_file(self, path: str | os.PathLike[str], strict: bool = False) -> None:
        """Read the export at `path`; an unreadable file is a :class:`DxlError`."""
        source = str(path)
        try:
            with open(path, "rb") as stream:
                self.add_stream(stream, source, strict)
        except OSError as error:
            raise read_error(error, source) from None

    def absorb(self, later: Auditor) -> None:
        """Take in what `later` read of the inputs that follow this one's (the
        same file's next part, see :mod:`dxltools.rewrite.parts`): as if this auditor
        had read them itself."""
        for source in later.sources:
            if not self.sources or self.sources[-1] != source:
                self.sources.append(source)
        for key, name in later.domains_seen.items():
            self.domains_seen.setdefault(key, name)
        for key, server in later._servers.items():
            self._forget(key)
            self._servers[key] = server
        for key in later._groups.unids():
            self._forget(key)
        self._groups.absorb(later._groups)
        for key, document in later._documents.items():
            self._forget(key)
            self._documents[key] = document
        for key in later._dropped:
            self._forget(key)
            self._dropped.add(key)
        if later._acl is not None:
            self._acl = later._acl if self._acl is None else self._acl.merged(later._acl)

    def _forget(self, key: str) -> None:
        self._servers.pop(key, None)
        self._documents.pop(key, None)
        self._groups.discard(key)
        self._dropped.discard(key)

    def _add_acl(self, segment: Segment, prolog: Prolog, source: str) -> None:
        acl = parse_acl(
            segment.data,
            namespace=prolog.namespace,
            encoding=prolog.encoding,
            source=source,
            line=segment.line,
        )
        self._acl = acl if self._acl is None else self._acl.merged(acl)

    def _note(self, segment: Segment, prolog: Prolog, source: str, parsed: Note | None) -> None:
        attributes = parse_attributes(segment.start_tag, prolog.encoding)
        if attributes.get("class", "document") != "document":
            return  # design notes of a raw-note export
        if not _WANTED(NoteHead(segment.name, attributes)):
            return
        # Group and Server documents, most of what is read, need a few items only.
        written = attributes.get("form", "").casefold()
        skimmed = None
        if self.on_demand and written == "group" and parsed is None:
            skimmed = skim_group(segment, prolog)
        if skimmed is not None:
            key = _document_key(skimmed.unid, source, segment)
            self._forget(key)
            if skimmed.names:
                self._groups.add(key, skimmed, prolog, source, segment.line)
            else:
                self._dropped.add(key)
            return
        if self.on_demand and written == "domain" and parsed is None:
            readable, unid = self._unaudited(segment, prolog)
            if readable:
                # Not parsed, but a later copy still replaces an earlier one.
                key = _document_key(unid, source, segment)
                self._forget(key)
                self._dropped.add(key)
                return
        note: Note | NoteItems
        if parsed is not None:
            note = parsed
        elif written in ("group", "server"):
            note = read_items(segment, prolog, source, GROUP_ITEMS | SERVER_ITEMS)
        else:
            note = note_from_segment(segment, prolog, source)
        key = _document_key(note.unid, source, segment)
        # A later copy of a document replaces an earlier one, even if it no longer counts.
        self._forget(key)
        form = (note.form or "").casefold()
        if form == "server" and (server := server_name_of(note)):
            self._servers[key] = server
        elif form == "group" and (group := group_of(note)) is not None:
            self._groups.add_group(key, group, prolog, source)
        elif form == "domain" and isinstance(note, Note) and self._audited(note):
            self._documents[key] = self._document(note, source)
        else:
            self._dropped.add(key)

    def _unaudited(self, segment: Segment, prolog: Prolog) -> tuple[bool, str | None]:
        """``(True, UNID)`` for a Domain document that cannot be of the domain type
        audited (its bytes lack the type's letters), else ``(False, None)``."""
        if may_hold(segment.data, prolog.encoding, self._type_needle):
            return False, None
        return note_unid(segment, prolog)

    def _audited(self, note: Note) -> bool:
        types = {
            value.strip().casefold()
            for item in note.items_named("DomainType")
            for value in item.texts
        }
        if self.domain_type.casefold() not in types:
            return False
        name = _domain_name(note)
        self.domains_seen.setdefault(name.casefold(), name)
        return self.domain is None or name.casefold() == self.domain.casefold()

    def _document(self, note: Note, source: str) -> DomainDocument:
        named = tuple(
            canonicalize(value)
            for item_name in _NAMED_SERVER_ITEMS
            for item in note.items_named(item_name)
            for value in item.texts
            if value.strip()
        )
        access = NoteAccess(tuple(map(self._shared_item, NoteAccess.of(note).items)))
        return DomainDocument(
            domain=self._share(_domain_name(note)),
            unid=note.unid,
            noteid=note.noteid,
            source=source,
            line=note.line,
            modified=note.modified,
            coexistence_server=self._share(coexistence_server(note, self.server_items)),
            mail_server=self._share(coexistence_server(note, _MAIL_SERVER_ITEMS)),
            calendar_server=self._share(coexistence_server(note, _CALENDAR_SERVER_ITEMS)),
            named_servers=self._share(named),
            access=access,
            document_access=tuple(
                self._shared_item(AccessItem.of(item)) for item in note.items_named(DOCUMENT_ACCESS)
            ),
        )

    def _shared_item(self, item: AccessItem) -> AccessItem:
        return AccessItem(self._share(item.name), item.flags, self._share(item.entries), item.line)

    def _share(self, value: _T) -> _T:
        """The equal value kept before, if any: the documents of a directory repeat the
        same names and entries thousands of times."""
        kept: _T = self._kept.setdefault(value, value)
        return kept

    def report(self, down: Sequence[str] | None = None) -> AuditReport:
        """Audit what has been read so far. `down`: the servers to simulate down (names
        canonical or abbreviated, any case); None: each coexistence server alone. A name
        that is no server the exports know is a :class:`UsageError`."""
        documents = list(self._documents.values())
        return self._audit(documents).run(tuple(self.sources), documents, down)

    def access(self, reaching: Sequence[str] = ()) -> Access:
        """The resolver :meth:`report` audits with: the servers, groups and ACL read
        so far (built anew at each call: ask once). `reaching`: more names whose
        groups it must hold (loaded at once, with the groups they list)."""
        return self._audit(list(self._documents.values()), reaching).access

    def servers(self) -> tuple[str, ...]:
        """The servers the resolver knows: Server documents and the servers the
        documents name, each once, sorted."""
        return self._known_servers(list(self._documents.values()))

    def held_names(self, names: Sequence[str]) -> dict[str, int]:
        """The name key of every group read so far that holds one of `names`, with the
        bit mask of those it holds (:meth:`LazyGroups.held_names`: every Group
        document parsed, one at a time, for a question about the whole directory)."""
        return self._groups.held_names(names)

    def coexistence_leaks(self) -> tuple[Problem, ...]:
        """``report().coexistence_leaks()``, worked out for the coexistence servers
        alone: the check a run makes before it writes, at a fraction of the cost."""
        documents = list(self._documents.values())
        return self._audit(documents).leaks(documents)

    def groups(self) -> GroupStore:
        """Every Group document read so far, parsed (the audit itself parses only the
        groups its documents and the ACL reach): for a search over all groups."""
        return self._groups.complete()

    def _known_servers(self, documents: list[DomainDocument]) -> tuple[str, ...]:
        servers = [*self._servers.values()]
        servers.extend(name for document in documents for name in document.named_servers)
        unique = {name_key(name): name for name in reversed(servers)}
        return tuple(sorted(unique.values(), key=str.casefold))

    def _audit(self, documents: list[DomainDocument], reaching: Sequence[str] = ()) -> Rules:
        ordered = self._known_servers(documents)
        if not self.on_demand:
            directory = Directory(ordered, self._groups.complete(), self._acl)
        else:
            reached = self._groups.reach([*self._roots(documents, ordered), *reaching])
            directory = Directory(ordered, reached.store, self._acl, more=reached)
        return Rules(Access(directory), self.domain_type)

    def _roots(self, documents: list[DomainDocument], servers: Sequence[str]) -> list[str]:
        """What the audit asks about: the documents' readers, authors and DocumentAccess
        entries, the servers and the ACL's names. Groups they do not reach are not
        parsed (the resolver loads them if a question needs them)."""
        roots = [*servers]
        for document in documents:
            roots.extend(document.access.entries)
            roots.extend(entry for item in document.document_access for entry in item.entries)
        if self._acl is not None:
            roots.extend(entry.name for entry in self._acl.entries)
        return roots


def _domain_name(note: Note) -> str:
    return next(
        (value.strip() for item in note.items_named("DomainName") for value in item.texts),
        "",
    )


# -- entry points -----------------------------------------------------------------------------


def audit_streams(
    sources: Iterable[tuple[str, IO[bytes]]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
    down: Sequence[str] | None = None,
) -> AuditReport:
    """Audit exports given as ``(name, binary stream)`` pairs, each read once."""
    auditor = Auditor(domain=domain, domain_type=domain_type, server_items=server_items)
    for source, stream in sources:
        auditor.add_stream(stream, source)
    return auditor.report(down)


def audit_bytes(
    sources: Iterable[tuple[str, bytes]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
    down: Sequence[str] | None = None,
) -> AuditReport:
    """Audit in-memory exports given as ``(name, bytes)`` pairs (what-if audits)."""
    return audit_streams(
        ((source, io.BytesIO(data)) for source, data in sources),
        domain=domain,
        domain_type=domain_type,
        server_items=server_items,
        down=down,
    )


def audit_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
    down: Sequence[str] | None = None,
) -> AuditReport:
    """Audit the exports at `paths`, together, in the order given."""
    auditor = Auditor(domain=domain, domain_type=domain_type, server_items=server_items)
    for path in paths:
        auditor.add_file(path)
    return auditor.report(down)
