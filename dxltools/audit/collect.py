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

import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar

import attrs

from dxltools.access.lazy import LazyGroups, note_unid, skim_group, spelt_otherwise
from dxltools.access.resolver import (
    EVERYONE,
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
from dxltools.cli.exits import EXIT_FOUND, EXIT_OK
from dxltools.dxl.model import DxlDateTime, Note, NoteItems, note_from_segment, read_items
from dxltools.dxl.scan import Interest, Prolog, Scanner, Segment, SegmentKind, parse_attributes
from dxltools.dxl.select import NoteHead, by_form
from dxltools.edit.edits import coexistence_server
from dxltools.fs.files import read_error
from dxltools.names import canonicalize, name_key

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "DEFAULT_DOMAIN_TYPE",
    "DEFAULT_SERVER_ITEMS",
    "AuditReport",
    "Auditor",
    "DocumentAudit",
    "DomainAudit",
    "DomainDocument",
    "Problem",
    "ServerView",
    "ServerViews",
    "audit_bytes",
    "audit_files",
    "audit_streams",
    "audit_to_json",
    "format_audit",
    "format_modified",
    "write_audit",
]

_T = TypeVar("_T")

DEFAULT_DOMAIN_TYPE = "ForeignDomain"
DEFAULT_SERVER_ITEMS = ("CalendarServer", "MailServer")
DOCUMENT_ACCESS = "DocumentAccess"
_NAMED_SERVER_ITEMS = ("MailServer", "CalendarServer")
_WANTED = by_form("Server", "Group", "Domain")
# Person documents, most of a directory, are passed over unread.
INTEREST = Interest(_WANTED.forms, frozenset({"acl"}))

# Problem codes, in the order reports list them for one domain.
DOCUMENT_ACCESS_PRESENT = "document-access-present"
UNRESTRICTED = "unrestricted"
AUTHORS_GRANT_READ = "authors-grant-read"
UNKNOWN_NAME = "unknown-name"
SERVERS_ONLY_GROUP = "servers-only-group"
MULTIPLE_VISIBLE = "multiple-visible"
NONE_VISIBLE = "none-visible"
GROUP_CYCLE = "group-cycle"


# -- what is kept of each input ---------------------------------------------------------------


@attrs.frozen
class DomainDocument:
    """What the audit keeps of one Foreign Domain document."""

    domain: str  # DomainName as written
    unid: str | None
    noteid: str | None
    source: str
    line: int
    modified: DxlDateTime | None
    coexistence_server: str | None  # canonical: CalendarServer, else MailServer
    named_servers: tuple[str, ...]  # canonical MailServer and CalendarServer values
    access: NoteAccess
    document_access: tuple[AccessItem, ...]  # DocumentAccess items, whatever their flags

    @property
    def label(self) -> str:
        """How reports name the document: its UNID as in the file, else where it is."""
        if self.unid:
            return self.unid
        return f"noteid {self.noteid}" if self.noteid else f"{self.source}:{self.line}"


def _moment(value: DxlDateTime | None) -> dt.datetime | None:
    """An aware datetime to order documents by; None when the time is not usable."""
    when = value.value if value is not None else None
    if isinstance(when, dt.datetime):
        return when
    if isinstance(when, dt.date):
        return dt.datetime.combine(when, dt.time(tzinfo=dt.UTC))
    return None


def _newest_first(document: DomainDocument) -> tuple[bool, float, str]:
    # A document without a usable time sorts last; equal times fall back to the UNID,
    # so the order never depends on the order of the inputs.
    moment = _moment(document.modified)
    stamp = -moment.timestamp() if moment is not None else 0.0
    return moment is None, stamp, document.label.casefold()


# -- the report -----------------------------------------------------------------------------


@attrs.frozen
class Problem:
    """One finding: a code, a message for people, and what it is about (None where not)."""

    code: str
    message: str
    domain: str | None = None
    unid: str | None = None
    server: str | None = None


@attrs.frozen
class DocumentAudit:
    """One document of a domain and who can read it (``("*",)``: everyone)."""

    document: DomainDocument
    readable_by: tuple[str, ...]

    @property
    def unrestricted(self) -> bool:
        return self.readable_by == (EVERYONE,)


@attrs.frozen
class ServerView:
    """What one server sees of one domain, newest first; `primary` is the one it uses."""

    server: str
    visible: tuple[str, ...]  # document labels (UNIDs)
    coexistence: bool  # a document of the domain names this server as its own
    twins: tuple[str, ...]  # visible documents that name another coexistence server

    @property
    def primary(self) -> str | None:
        return self.visible[0] if self.visible else None


@attrs.frozen
class ServerViews:
    """Every server's view of one domain, kept small: servers times domains make
    hundreds of thousands of views in a large directory, most of them alike, so each
    distinct view is kept once and each server holds the number of its own."""

    servers: tuple[str, ...]  # the directory's, one tuple for every domain
    distinct: tuple[tuple[tuple[str, ...], bool, tuple[str, ...]], ...]  # ServerView fields
    chosen: bytes | tuple[int, ...]  # per server, its view in `distinct`

    @classmethod
    def of(cls, servers: tuple[str, ...], views: Iterable[ServerView]) -> ServerViews:
        """The `views` of `servers`, one each, in their order."""
        distinct: dict[tuple[tuple[str, ...], bool, tuple[str, ...]], int] = {}
        chosen = [
            distinct.setdefault((view.visible, view.coexistence, view.twins), len(distinct))
            for view in views
        ]
        if len(chosen) != len(servers):
            raise ValueError(f"{len(chosen)} views of {len(servers)} servers")
        return cls(
            servers, tuple(distinct), bytes(chosen) if len(distinct) <= 256 else tuple(chosen)
        )

    def views(self) -> tuple[ServerView, ...]:
        return tuple(
            ServerView(server, *self.distinct[number])
            for server, number in zip(self.servers, self.chosen, strict=True)
        )


@attrs.frozen
class DomainAudit:
    """One foreign domain: its documents, newest first, and every server's view."""

    domain: str
    documents: tuple[DocumentAudit, ...]
    views: ServerViews

    @property
    def servers(self) -> tuple[ServerView, ...]:
        """Every server's view, in the order of the directory's servers (made anew at
        each call: ask once)."""
        return self.views.views()

    def server(self, name: str) -> ServerView | None:
        key = name_key(name)
        return next((view for view in self.servers if name_key(view.server) == key), None)


@attrs.frozen
class AuditReport:
    """The audit of a set of exports."""

    sources: tuple[str, ...]
    domain_type: str
    domains: tuple[DomainAudit, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        """1 when any problem was found, else 0 (as ``--check`` does)."""
        return EXIT_OK if self.ok else EXIT_FOUND

    def domain(self, name: str) -> DomainAudit | None:
        key = name.casefold()
        return next((audit for audit in self.domains if audit.domain.casefold() == key), None)

    def problems_with(self, code: str) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.code == code)

    def coexistence_leaks(self) -> tuple[Problem, ...]:
        """The problems of coexistence servers that see another server's document:
        what ``run coexistence-readers`` refuses to write."""
        leaking = {
            (audit.domain, view.server)
            for audit in self.domains
            for view in audit.servers
            if view.twins
        }
        return tuple(
            problem
            for problem in self.problems_with(MULTIPLE_VISIBLE)
            if (problem.domain, problem.server) in leaking
        )


# -- reading the inputs ------------------------------------------------------------------------


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
        ascii_type = domain_type.isascii() and domain_type.strip() == domain_type
        self._type_pattern = (
            re.compile(re.escape(domain_type.encode("ascii")), re.IGNORECASE)
            if ascii_type
            else None
        )
        self.server_items = tuple(server_items)
        self.sources: list[str] = []
        self._servers: dict[str, str] = {}
        # Read from their bytes, parsed when reached: a directory holds tens of thousands.
        self._groups = LazyGroups()
        self._documents: dict[str, DomainDocument] = {}
        self._acl: Acl | None = None
        self._kept: dict[Any, Any] = {}  # see _share

    def add_stream(self, stream: IO[bytes], source: str = "<input>") -> None:
        """Read one export from a binary stream, once, in chunks."""
        scanner = Scanner(stream, source, interest=INTEREST)
        for segment in scanner.segments():
            if scanner.prolog is not None:
                self.add_segment(segment, scanner.prolog, source)

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
        elif segment.kind is SegmentKind.ELEMENT and segment.name == "acl":
            self._add_acl(segment, prolog, source)

    def add_bytes(self, data: bytes, source: str = "<bytes>") -> None:
        self.add_stream(io.BytesIO(data), source)

    def add_file(self, path: str | os.PathLike[str]) -> None:
        """Read the export at `path`; an unreadable file is a :class:`DxlError`."""
        source = str(path)
        try:
            with open(path, "rb") as stream:
                self.add_stream(stream, source)
        except OSError as error:
            raise read_error(error, source) from None

    def absorb(self, later: Auditor) -> None:
        """Take in what `later` read of the inputs that follow this one's (the
        same file's next part, see :mod:`dxltools.rewrite.parts`): as if this auditor
        had read them itself."""
        for source in later.sources:
            if not self.sources or self.sources[-1] != source:
                self.sources.append(source)
        for key, server in later._servers.items():
            self._forget(key)
            self._servers[key] = server
        for key in later._groups.unids():
            self._forget(key)
        self._groups.absorb(later._groups)
        for key, document in later._documents.items():
            self._forget(key)
            self._documents[key] = document
        if later._acl is not None:
            self._acl = later._acl if self._acl is None else self._acl.merged(later._acl)

    def _forget(self, key: str) -> None:
        self._servers.pop(key, None)
        self._documents.pop(key, None)
        self._groups.discard(key)

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
            key = skimmed.unid.casefold() if skimmed.unid else f"{source}:{segment.line}"
            self._forget(key)
            if skimmed.names:
                self._groups.add(key, skimmed, prolog, source, segment.line)
            return
        if self.on_demand and written == "domain" and parsed is None:
            readable, unid = self._unaudited(segment, prolog)
            if readable:
                # Not parsed, but a later copy still replaces an earlier one.
                self._forget(unid.casefold() if unid else f"{source}:{segment.line}")
                return
        note: Note | NoteItems
        if parsed is not None:
            note = parsed
        elif written in ("group", "server"):
            note = read_items(segment, prolog, source, GROUP_ITEMS | SERVER_ITEMS)
        else:
            note = note_from_segment(segment, prolog, source)
        key = note.unid.casefold() if note.unid else f"{source}:{segment.line}"
        # A later copy of a document replaces an earlier one, even if it no longer counts.
        self._forget(key)
        form = (note.form or "").casefold()
        if form == "server":
            server = server_name_of(note)
            if server:
                self._servers[key] = server
        elif form == "group":
            group = group_of(note)
            if group is not None:
                self._groups.add_group(key, group, prolog, source)
        elif form == "domain" and isinstance(note, Note) and self._audited(note):
            self._documents[key] = self._document(note, source)

    def _unaudited(self, segment: Segment, prolog: Prolog) -> tuple[bool, str | None]:
        """``(True, UNID)`` for a Domain document that cannot be of the domain type
        audited (its bytes lack the type's letters), else ``(False, None)``."""
        data = segment.data
        pattern = self._type_pattern
        if pattern is None or pattern.search(data) or spelt_otherwise(data, prolog.encoding):
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
        return self.domain is None or _domain_name(note).casefold() == self.domain.casefold()

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

    def report(self) -> AuditReport:
        """Audit what has been read so far."""
        documents = list(self._documents.values())
        return self._audit(documents).run(tuple(self.sources), documents)

    def coexistence_leaks(self) -> tuple[Problem, ...]:
        """``report().coexistence_leaks()``, worked out for the coexistence servers
        alone: the check a run makes before it writes, at a fraction of the cost."""
        documents = list(self._documents.values())
        return self._audit(documents).leaks(documents)

    def groups(self) -> GroupStore:
        """Every Group document read so far, parsed (the audit itself parses only the
        groups its documents and the ACL reach): for a search over all groups."""
        return self._groups.complete()

    def _audit(self, documents: list[DomainDocument]) -> _Audit:
        servers = [*self._servers.values()]
        servers.extend(name for document in documents for name in document.named_servers)
        unique = {name_key(name): name for name in reversed(servers)}
        ordered = tuple(sorted(unique.values(), key=str.casefold))
        if not self.on_demand:
            directory = Directory(ordered, self._groups.complete(), self._acl)
        else:
            reached = self._groups.reach(self._roots(documents, servers))
            directory = Directory(ordered, reached.store, self._acl, more=reached)
        return _Audit(Access(directory), self.domain_type)

    def _roots(self, documents: list[DomainDocument], servers: list[str]) -> list[str]:
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


def _by_domain(documents: list[DomainDocument]) -> list[list[DomainDocument]]:
    """The documents of each domain, newest first, domains in name order."""
    by_domain: dict[str, list[DomainDocument]] = {}
    for document in documents:
        by_domain.setdefault(document.domain.casefold(), []).append(document)
    return [sorted(found, key=_newest_first) for _, found in sorted(by_domain.items())]


def _domain_name(note: Note) -> str:
    return next(
        (value.strip() for item in note.items_named("DomainName") for value in item.texts),
        "",
    )


# -- the rules ------------------------------------------------------------------------------------


class _Audit:
    """Applies the rules to the collected documents over one resolver."""

    def __init__(self, access: Access, domain_type: str) -> None:
        self.access = access
        self.domain_type = domain_type
        # Domain documents whose bytes cannot hold the domain type are not parsed.
        ascii_type = domain_type.isascii() and domain_type.strip() == domain_type
        self._type_pattern = (
            re.compile(re.escape(domain_type.encode("ascii")), re.IGNORECASE)
            if ascii_type
            else None
        )
        self.problems: dict[Problem, None] = {}  # ordered and de-duplicated
        self._readers: dict[tuple[str, ...], tuple[str, ...]] = {}

    def add(self, code: str, message: str, **about: str | None) -> None:
        self.problems[Problem(code, message, **about)] = None

    def run(self, sources: tuple[str, ...], documents: list[DomainDocument]) -> AuditReport:
        audits = [self._domain(found) for found in _by_domain(documents)]
        self._cycles(documents)
        return AuditReport(sources, self.domain_type, tuple(audits), tuple(self.problems))

    def leaks(self, documents: list[DomainDocument]) -> tuple[Problem, ...]:
        """The problems :meth:`AuditReport.coexistence_leaks` finds in :meth:`run`'s
        report, in its order: only a server that owns a document can see another
        server's, so only those servers' views are made."""
        leaking = set()
        for found in _by_domain(documents):
            domain = found[0].domain
            owners = {name_key(d.coexistence_server) for d in found if d.coexistence_server}
            for server in self.access.directory.servers:
                if name_key(server) in owners and self._server(domain, server, found).twins:
                    leaking.add((domain, server))
        return tuple(
            problem
            for problem in self.problems
            if problem.code == MULTIPLE_VISIBLE and (problem.domain, problem.server) in leaking
        )

    def _domain(self, documents: list[DomainDocument]) -> DomainAudit:
        domain = documents[0].domain
        audits = []
        for document in documents:
            readers = self.access.readable_by(document.access)
            # Documents of one coexistence server have the same readers: kept once.
            audits.append(DocumentAudit(document, self._readers.setdefault(readers, readers)))
            self._document(domain, document)
        servers = self.access.directory.servers
        views = ServerViews.of(
            servers, (self._server(domain, server, documents) for server in servers)
        )
        return DomainAudit(domain, tuple(audits), views)

    # -- document rules ---------------------------------------------------------------------

    def _document(self, domain: str, document: DomainDocument) -> None:
        about = {"domain": domain, "unid": document.unid}
        what = f"{domain} document {document.label}"
        for item in document.document_access:
            self.add(DOCUMENT_ACCESS_PRESENT, self._document_access(what, item), **about)
        access = document.access
        if not access.restricted:
            self.add(
                UNRESTRICTED,
                f"{what} has no readers item with a value: every server can read it",
                **about,
            )
            return
        self._authors(what, document, about)
        for item in access.readers_items:
            self._readers_item(what, item, about)

    def _document_access(self, what: str, item: AccessItem) -> str:
        values = ", ".join(item.entries) or "no value"
        servers = [s for s in self.access.directory.servers if self.access.grants(s, item.entries)]
        grants = ""
        if servers and (item.flags.authors or item.flags.readers):
            grants = f": it lets {', '.join(servers)} read it whatever the readers items say"
        return (
            f"{what} still holds a {item.name} item ({values}; {item.flags.describe()}){grants}; "
            "remove it"
        )

    def _authors(self, what: str, document: DomainDocument, about: dict[str, str | None]) -> None:
        readers = document.access.readers_entries
        baseline = {name_key(name) for name in self.access.readers_of(readers)}
        for item in document.access.authors_items:
            if not item.entries or item.is_named(DOCUMENT_ACCESS):
                continue  # DocumentAccess has its own problem
            wider = [
                name
                for name in self.access.readers_of((*readers, *item.entries))
                if name_key(name) not in baseline
            ]
            if wider:
                self.add(
                    AUTHORS_GRANT_READ,
                    f"authors item {item.name} of {what} also lets {', '.join(wider)} read it",
                    **about,
                )

    def _readers_item(self, what: str, item: AccessItem, about: dict[str, str | None]) -> None:
        for entry in item.entries:
            if not self.access.is_known(entry):
                self.add(
                    UNKNOWN_NAME,
                    f"readers item {item.name} of {what} names {entry!r}, which matches no "
                    "server, group, role or known name in the exports",
                    **about,
                )
            for group in self.access.expand([entry]).groups:
                if self.access.is_servers_only(group):
                    through = "" if name_key(group) == name_key(entry) else f" (through {entry})"
                    self.add(
                        SERVERS_ONLY_GROUP,
                        f"readers item {item.name} of {what} names the servers-only group "
                        f"{group}{through}: Domino may not honour it in a readers field; "
                        "use a multi-purpose or access-control-list group",
                        **about,
                    )

    # -- server rules ------------------------------------------------------------------------

    def _server(self, domain: str, server: str, documents: list[DomainDocument]) -> ServerView:
        key = name_key(server)
        visible = [d for d in documents if self.access.can_read(server, d.access)]
        own = {d.label for d in documents if _is_own(d, key)}
        twins = tuple(d.label for d in visible if not _is_own(d, key))
        view = ServerView(server, tuple(d.label for d in visible), bool(own), twins if own else ())
        about = {"domain": domain, "server": server}
        if not visible:
            self.add(
                NONE_VISIBLE,
                f"{server} sees no {domain} document: it cannot route mail or free/busy "
                f"requests to {domain}",
                **about,
            )
        elif view.coexistence and (len(visible) > 1 or view.twins):
            self.add(MULTIPLE_VISIBLE, _multiple_message(domain, view, visible), **about)
        return view

    # -- directory rules ----------------------------------------------------------------------

    def _cycles(self, documents: list[DomainDocument]) -> None:
        """Report the nesting cycles among the groups the audited documents reach."""
        entries = [entry for document in documents for entry in document.access.entries]
        entries += [
            entry for d in documents for item in d.document_access for entry in item.entries
        ]
        for cycle in self.access.cycles_through(self.access.expand(entries).groups):
            self.add(
                GROUP_CYCLE,
                f"groups nest in a cycle: {' > '.join(cycle)}; remove one of the nestings",
            )


def _is_own(document: DomainDocument, server_key: str) -> bool:
    server = document.coexistence_server
    return server is not None and name_key(server) == server_key


def _multiple_message(domain: str, view: ServerView, visible: list[DomainDocument]) -> str:
    owners = {d.label: d.coexistence_server or "no server" for d in visible}
    listing = ", ".join(f"{label} ({owner})" for label, owner in owners.items())
    primary = view.primary or ""
    message = (
        f"{view.server}, a coexistence server for {domain}, sees {len(visible)} "
        f"{domain} document{'s' if len(visible) > 1 else ''}: {listing}"
    )
    if len(visible) > 1:
        message += "; its calendar connector warns 'Multiple documents detected'"
    if primary in view.twins:
        message += f" and uses {primary}, the document of {owners[primary]}"
    return message


# -- entry points -----------------------------------------------------------------------------


def audit_streams(
    sources: Iterable[tuple[str, IO[bytes]]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
) -> AuditReport:
    """Audit exports given as ``(name, binary stream)`` pairs, each read once."""
    auditor = Auditor(domain=domain, domain_type=domain_type, server_items=server_items)
    for source, stream in sources:
        auditor.add_stream(stream, source)
    return auditor.report()


def audit_bytes(
    sources: Iterable[tuple[str, bytes]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
) -> AuditReport:
    """Audit in-memory exports given as ``(name, bytes)`` pairs (what-if audits)."""
    return audit_streams(
        ((source, io.BytesIO(data)) for source, data in sources),
        domain=domain,
        domain_type=domain_type,
        server_items=server_items,
    )


def audit_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    domain: str | None = None,
    domain_type: str = DEFAULT_DOMAIN_TYPE,
    server_items: Sequence[str] = DEFAULT_SERVER_ITEMS,
) -> AuditReport:
    """Audit the exports at `paths`, together, in the order given."""
    auditor = Auditor(domain=domain, domain_type=domain_type, server_items=server_items)
    for path in paths:
        auditor.add_file(path)
    return auditor.report()


# -- rendering ----------------------------------------------------------------------------------


def format_modified(value: DxlDateTime | None) -> str | None:
    """ISO 8601 with milliseconds and the zone as written; a date alone; None when unknown."""
    when = value.value if value is not None else None
    if isinstance(when, dt.datetime):
        return when.isoformat(timespec="milliseconds")
    if isinstance(when, dt.date):
        return when.isoformat()
    return None


def audit_to_json(report: AuditReport) -> dict[str, Any]:
    """The report in the JSON schema of the README (names canonical, UNIDs as in the file)."""
    return {
        "domains": [
            {
                "domain": audit.domain,
                "documents": [
                    {
                        "unid": item.document.label,
                        "coexistence_server": item.document.coexistence_server,
                        "modified": format_modified(item.document.modified),
                        "readable_by": list(item.readable_by),
                    }
                    for item in audit.documents
                ],
                "servers": [
                    {"server": view.server, "visible": list(view.visible), "primary": view.primary}
                    for view in audit.servers
                ],
            }
            for audit in report.domains
        ],
        "problems": [attrs.asdict(problem) for problem in report.problems],
    }


def format_audit(report: AuditReport) -> str:
    """The report for people: per domain its documents and servers, then the problems."""
    return "".join(_audit_text(report))


def write_audit(report: AuditReport, out: SupportsWrite[str]) -> None:
    """Write :func:`format_audit`'s text to `out` a domain at a time: the text of a large
    directory's audit is as large as a tenth of the directory."""
    for chunk in _audit_text(report):
        out.write(chunk)


def _audit_text(report: AuditReport) -> Iterator[str]:
    if not report.domains:
        yield f"no Foreign Domain document (DomainType {report.domain_type}) found\n"
    for audit in report.domains:
        yield "".join(line + "\n" for line in _format_domain(audit))
    if report.problems:
        count = len(report.problems)
        yield f"{count} problem{'s' if count > 1 else ''}:\n"
        for problem in report.problems:
            yield f"  {problem.code}: {problem.message}\n"
    else:
        yield "no problem found\n"


def _format_domain(audit: DomainAudit) -> list[str]:
    count = len(audit.documents)
    lines = [f"{audit.domain}: {count} document{'s' if count > 1 else ''}, newest first"]
    for item in audit.documents:
        document = item.document
        lines.append(
            f"  {document.label}  modified {format_modified(document.modified) or 'unknown'}"
            f"  coexistence server {document.coexistence_server or 'none'}"
            f"  ({document.source}:{document.line})"
        )
        readers = (
            "everyone (no readers item with a value)"
            if item.unrestricted
            else ", ".join(item.readable_by) or "nobody"
        )
        lines.append(f"    readable by: {readers}")
    lines.append("  servers:")
    views = audit.servers
    width = max((len(view.server) for view in views), default=0)
    for view in views:
        if view.primary is None:
            seen = "sees none"
        else:
            others = list(view.visible[1:])
            seen = f"uses {view.primary}" + (f", also sees {', '.join(others)}" if others else "")
        lines.append(f"    {view.server:<{width}}  {seen}")
    return lines
