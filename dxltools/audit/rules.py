"""The audit's rules: who can read each document, what each server sees, and the
problems found, for the documents of one or more domains."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dxltools.access.resolver import Access, AccessItem
from dxltools.audit.failover import Failure, RouteKind, domain_failover
from dxltools.audit.report import AuditReport
from dxltools.audit.views import (
    AUTHORS_GRANT_READ,
    DOCUMENT_ACCESS,
    DOCUMENT_ACCESS_PRESENT,
    FAILOVER_FREE_BUSY_FAILS,
    FAILOVER_MAIL_HELD,
    GROUP_CYCLE,
    MULTIPLE_VISIBLE,
    NONE_VISIBLE,
    SERVERS_ONLY_GROUP,
    UNKNOWN_NAME,
    UNRESTRICTED,
    DocumentAudit,
    DomainAudit,
    DomainDocument,
    Problem,
    ServerView,
    ServerViews,
    by_domain,
)
from dxltools.errors import UsageError
from dxltools.names import name_key
from dxltools.records import Record

# -- the rules ------------------------------------------------------------------------------------


class Rules:
    """Applies the rules to the collected documents over one resolver."""

    def __init__(self, access: Access, domain_type: str) -> None:
        self.access = access
        self.domain_type = domain_type
        self.problems: dict[Problem, None] = {}  # ordered and de-duplicated
        self._readers: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._listings: dict[tuple[str, ...], str] = {}
        self._granted: dict[tuple[str, ...], str] = {}

    def add(self, code: str, message: str | tuple[str, ...], **about: str | None) -> None:
        self.problems[Problem(code, message, **about)] = None

    def _listing(self, names: Sequence[str]) -> str:
        """``", ".join(names)``, one string for every problem that lists the same names."""
        key = tuple(names)
        listing = self._listings.get(key)
        if listing is None:
            listing = self._listings[key] = ", ".join(key)
        return listing

    def run(
        self,
        sources: tuple[str, ...],
        documents: list[DomainDocument],
        down: Sequence[str] | None = None,
    ) -> AuditReport:
        known = None if down is None else self._known_servers(down)
        audits = [self._domain(found, known) for found in by_domain(documents)]
        self._cycles(documents)
        return AuditReport(sources, self.domain_type, tuple(audits), tuple(self.problems), known)

    def _known_servers(self, names: Sequence[str]) -> tuple[str, ...]:
        """`names` as the directory spells its servers, sorted; an unknown one is an error."""
        servers = self.access.directory.servers
        known = {name_key(server): server for server in servers}
        for name in names:
            if name_key(name) not in known:
                raise UsageError(
                    f"{name} is no server known to the exports; known servers: "
                    f"{', '.join(servers) or 'none'}",
                    source="--down",
                )
        found = {name_key(name): known[name_key(name)] for name in names}
        return tuple(sorted(found.values(), key=str.casefold))

    def leaks(self, documents: list[DomainDocument]) -> tuple[Problem, ...]:
        """The problems :meth:`AuditReport.coexistence_leaks` finds in :meth:`run`'s
        report, in its order: only a server that owns a document can see another
        server's, so only those servers' views are made."""
        leaking = set()
        for found in by_domain(documents):
            domain = found[0].domain
            owned = _Owned.of(found)
            for server in self.access.directory.servers:
                if name_key(server) in owned.owners and self._server(domain, server, owned).twins:
                    leaking.add((domain, server))
        return tuple(
            problem
            for problem in self.problems
            if problem.code == MULTIPLE_VISIBLE and (problem.domain, problem.server) in leaking
        )

    def _domain(
        self, documents: list[DomainDocument], down: Sequence[str] | None = None
    ) -> DomainAudit:
        domain = documents[0].domain
        audits = []
        for document in documents:
            readers = self.access.readable_by(document.access)
            # Documents of one coexistence server have the same readers: kept once.
            audits.append(DocumentAudit(document, self._readers.setdefault(readers, readers)))
            self._document(domain, document)
        servers = self.access.directory.servers
        owned = _Owned.of(documents)
        views = ServerViews.of(servers, (self._server(domain, server, owned) for server in servers))
        audit = DomainAudit(domain, tuple(audits), views)
        for failure in domain_failover(audit, down).problems():
            self._failover(domain, failure)
        return audit

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

    def _document_access(self, what: str, item: AccessItem) -> tuple[str, ...]:
        values = ", ".join(item.entries) or "no value"
        head = f"{what} still holds a {item.name} item ({values}; {item.flags.describe()})"
        servers = self._servers_granted(item.entries)
        if servers and (item.flags.authors or item.flags.readers):
            return (
                head,
                ": it lets ",
                servers,
                " read it whatever the readers items say; remove it",
            )
        return (head, "; remove it")

    def _servers_granted(self, entries: tuple[str, ...]) -> str:
        """The servers `entries` let in, listed (every document's DocumentAccess names
        the same role: the servers are looked up once)."""
        listing = self._granted.get(entries)
        if listing is None:
            servers = self.access.directory.servers
            granted = [server for server in servers if self.access.grants(server, entries)]
            listing = self._granted[entries] = self._listing(granted)
        return listing

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

    def _server(self, domain: str, server: str, owned: _Owned) -> ServerView:
        key = name_key(server)
        can_read = self.access.can_read
        seen = [at for at, d in enumerate(owned.documents) if can_read(server, d.access)]
        own = key in owned.owners
        labels, owners = owned.labels, owned.owner_keys
        twins = tuple(labels[at] for at in seen if owners[at] != key) if own else ()
        view = ServerView(server, tuple(labels[at] for at in seen), own, twins)
        about = {"domain": domain, "server": server}
        if not seen:
            self.add(
                NONE_VISIBLE,
                f"{server} sees no {domain} document: it cannot route mail or free/busy "
                f"requests to {domain}",
                **about,
            )
        elif own and (len(seen) > 1 or twins):
            visible = [owned.documents[at] for at in seen]
            self.add(MULTIPLE_VISIBLE, _multiple_message(domain, view, visible), **about)
        return view

    # -- failover rules -----------------------------------------------------------------------

    def _failover(self, domain: str, failure: Failure) -> None:
        """One problem per place where routes that work with every server up stop."""
        scenario = f"{domain} with {failure.scenario.label}"
        servers = self._listing(failure.servers)
        if failure.kind is RouteKind.MAIL:
            message = (f"{scenario}: mail from ", servers, f" is {failure.reason}")
            self.add(FAILOVER_MAIL_HELD, message, domain=domain, server=failure.at)
        else:
            message = (f"{scenario}: free/busy from ", servers, f" {failure.reason}")
            self.add(FAILOVER_FREE_BUSY_FAILS, message, domain=domain, server=failure.at)

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


@attrs.frozen(repr=False)
class _Owned(Record):
    """One domain's documents, newest first, with what each server's view asks of them
    (worked out once per domain, not once per server)."""

    documents: list[DomainDocument]
    labels: tuple[str, ...]
    owner_keys: tuple[str | None, ...]  # the name key of each one's coexistence server
    owners: frozenset[str]

    @classmethod
    def of(cls, documents: list[DomainDocument]) -> _Owned:
        keys = tuple(
            None if d.coexistence_server is None else name_key(d.coexistence_server)
            for d in documents
        )
        labels = tuple(d.label for d in documents)
        return cls(documents, labels, keys, frozenset(key for key in keys if key is not None))


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
