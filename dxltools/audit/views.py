"""What the audit finds, as values: the kept documents, problems, each server's view of
a domain and the problem codes. No I/O, no rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from dxltools.access.resolver import EVERYONE, AccessItem, NoteAccess
from dxltools.dxl.model import DxlDateTime
from dxltools.names import name_key
from dxltools.records import Record

# Problem codes, in the order reports list them for one domain.
DOCUMENT_ACCESS_PRESENT = "document-access-present"
UNRESTRICTED = "unrestricted"
AUTHORS_GRANT_READ = "authors-grant-read"
UNKNOWN_NAME = "unknown-name"
SERVERS_ONLY_GROUP = "servers-only-group"
MULTIPLE_VISIBLE = "multiple-visible"
NONE_VISIBLE = "none-visible"
GROUP_CYCLE = "group-cycle"
FAILOVER_MAIL_HELD = "failover-mail-held"
FAILOVER_FREE_BUSY_FAILS = "failover-free-busy-fails"


DOCUMENT_ACCESS = "DocumentAccess"


# -- what is kept of each input ---------------------------------------------------------------


@attrs.frozen(repr=False)
class DomainDocument(Record):
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
    mail_server: str | None = None  # canonical: the first MailServer value, None when empty
    calendar_server: str | None = None  # canonical: the first CalendarServer value

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


def newest_first(document: DomainDocument) -> tuple[bool, float, str]:
    # A document without a usable time sorts last; equal times fall back to the UNID,
    # so the order never depends on the order of the inputs.
    moment = _moment(document.modified)
    stamp = -moment.timestamp() if moment is not None else 0.0
    return moment is None, stamp, document.label.casefold()


# -- the report -----------------------------------------------------------------------------


def _message_parts(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else message


def _joined(parts: tuple[str, ...]) -> str:
    return "".join(parts)


@attrs.frozen(repr=False)
class Problem(Record):
    """One finding: a code, a message for people, and what it is about (None where not).

    The message may be given in parts: a long part, such as the hundred servers a
    role lets in, is then one string shared by the thousands of problems of a large
    directory that name it, not a copy in each (problems compare by their text)."""

    code: str
    parts: tuple[str, ...] = attrs.field(converter=_message_parts, eq=_joined)
    domain: str | None = None
    unid: str | None = None
    server: str | None = None

    @property
    def message(self) -> str:
        return _joined(self.parts)

    def to_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "message": self.message,
            "domain": self.domain,
            "unid": self.unid,
            "server": self.server,
        }


@attrs.frozen(repr=False)
class DocumentAudit(Record):
    """One document of a domain and who can read it (``("*",)``: everyone)."""

    document: DomainDocument
    readable_by: tuple[str, ...]

    @property
    def unrestricted(self) -> bool:
        return self.readable_by == (EVERYONE,)


@attrs.frozen(repr=False)
class ServerView(Record):
    """What one server sees of one domain, newest first; `primary` is the one it uses."""

    server: str
    visible: tuple[str, ...]  # document labels (UNIDs)
    coexistence: bool  # a document of the domain names this server as its own
    twins: tuple[str, ...]  # visible documents that name another coexistence server

    @property
    def primary(self) -> str | None:
        return self.visible[0] if self.visible else None


@attrs.frozen(repr=False)
class ServerViews(Record):
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


@attrs.frozen(repr=False)
class DomainAudit(Record):
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


def by_domain(documents: list[DomainDocument]) -> list[list[DomainDocument]]:
    """The documents of each domain, newest first, domains in name order."""
    by_domain: dict[str, list[DomainDocument]] = {}
    for document in documents:
        by_domain.setdefault(document.domain.casefold(), []).append(document)
    return [sorted(found, key=newest_first) for _, found in sorted(by_domain.items())]
