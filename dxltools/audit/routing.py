"""Where one server's mail and free/busy requests go, with some servers down: the
engine of ``DOMAIN.md`` section 7 (see :mod:`dxltools.audit.failover`, which runs it
over scenarios and says what breaks).

A :class:`Directory` holds one foreign domain's documents and every server's view of
them, read once for all its scenarios; :class:`Routes` works out the routes of one
scenario, a route per distinct view where it can (:class:`RouteShape`).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from dxltools.names import canonicalize, name_key
from dxltools.records import Record

if TYPE_CHECKING:
    from dxltools.audit.views import DomainAudit, DomainDocument

__all__ = [
    "Directory",
    "Route",
    "RouteKind",
    "RouteShape",
    "Routes",
    "ServerOrder",
    "sorted_servers",
]


@attrs.frozen(repr=False)
class Route(Record):
    """Where the mail and the free/busy requests of one server that is up go."""

    server: str
    mail: str | None  # the server that hands the mail to the foreign side; None: held
    mail_path: tuple[str, ...]  # the servers the mail passes, from `server` on
    mail_held: str | None  # why it is held, one line ("held at X: ..."); None when not
    free_busy: str | None  # the server that answers; None: the request fails
    free_busy_target: str | None  # where the request is sent; None: no document left
    free_busy_failure: str | None  # why it fails, one line ("fails at X: ..."); None when not
    warned_at: str | None = None  # the connector that logs 'Multiple documents detected'

    @property
    def mail_ok(self) -> bool:
        return self.mail is not None

    @property
    def free_busy_ok(self) -> bool:
        return self.free_busy is not None


@attrs.frozen(repr=False)
class RouteShape(Record):
    """A route without the server it starts from: the servers whose routes differ only
    in their own name (most of a directory: no document names them, and they share a
    view) share one, so a scenario costs its distinct routes, not its servers."""

    mail: str | None
    mail_tail: tuple[str, ...]  # the servers the mail passes after the one it starts from
    mail_held: str | None
    free_busy: str | None
    free_busy_target: str | None
    free_busy_failure: str | None
    warned_at: str | None = None

    def route(self, server: str) -> Route:
        """This route, starting from `server`."""
        return Route(
            server,
            self.mail,
            (server, *self.mail_tail),
            self.mail_held,
            self.free_busy,
            self.free_busy_target,
            self.free_busy_failure,
            self.warned_at,
        )


class RouteKind(enum.Enum):
    MAIL = "mail"
    FREE_BUSY = "free/busy"


@attrs.frozen(repr=False)
class _Document(Record):
    label: str
    mail: str | None  # the mail server (directory spelling), None: names no server
    calendar: str | None
    mail_key: str | None  # their name_key, worked out once
    calendar_key: str | None

    def target(self, kind: RouteKind) -> tuple[str | None, str | None]:
        if kind is RouteKind.MAIL:
            return self.mail, self.mail_key
        return self.calendar, self.calendar_key


_View = tuple[_Document, ...]


class Directory:
    """One domain's documents and every server's view of it, read once for all its
    scenarios. Equal views are one tuple, as the audit keeps them."""

    def __init__(self, audit: DomainAudit) -> None:
        self.domain = audit.domain
        views = audit.views
        self.servers = ServerOrder.of(views.servers)
        documents = {item.document.label: self._document(item.document) for item in audit.documents}
        self.distinct = [
            tuple(documents[label] for label in fields[0]) for fields in views.distinct
        ]
        self.chosen = views.chosen  # per server of the directory, its view in `distinct`
        named = (key for d in documents.values() for key in (d.mail_key, d.calendar_key))
        self.named = frozenset(key for key in named if key is not None)
        # The servers in name order, in classes whose routes may be one: the plain
        # servers of one view (no document names them, and they see one: each takes its
        # first hop's route), and each other server alone. Scenarios work a class out
        # once, not each of its servers.
        numbers = [self.chosen[at] for at in self.servers.positions]  # in name order
        classes: dict[int | str, list[int]] = {}
        for at, (key, number) in enumerate(zip(self.servers.keys, numbers, strict=True)):
            plain = self._plain(key, self.distinct[number])
            classes.setdefault(number if plain else key, []).append(at)
        self.classes = tuple(classes.values())

    def spelled(self, server: str) -> str:
        """`server` as the directory spells it (canonical when the directory lacks it)."""
        return self.servers.spelling.get(name_key(server)) or canonicalize(server)

    def _document(self, document: DomainDocument) -> _Document:
        mail = document.mail_server or document.calendar_server
        calendar = document.calendar_server or document.mail_server
        mail = None if mail is None else self.spelled(mail)
        calendar = None if calendar is None else self.spelled(calendar)
        keys = (None if name is None else name_key(name) for name in (mail, calendar))
        return _Document(document.label, mail, calendar, *keys)

    def view(self, server: str) -> _View:
        at = self.servers.position_of.get(name_key(server))
        return () if at is None else self.distinct[self.chosen[at]]

    def entry(self, at: int) -> tuple[str, _View, bool]:
        """The server at `at` in name order: its name, its view and whether it is plain."""
        view = self.distinct[self.chosen[self.servers.positions[at]]]
        return self.servers.order[at], view, self._plain(self.servers.keys[at], view)

    def _plain(self, key: str, view: _View) -> bool:
        """No document names the server of `key`, and it sees one: its route is its
        first hop's."""
        return key not in self.named and bool(view)


@attrs.frozen(repr=False)
class ServerOrder(Record):
    """A directory's servers as every domain's failover reads them: worked out once for
    all its domains (they share the one tuple of servers, see :meth:`of`)."""

    order: tuple[str, ...]  # by name, case ignored; one spelling per key
    keys: tuple[str, ...]  # of `order`
    positions: tuple[int, ...]  # of `order` in the directory's tuple
    position_of: Mapping[str, int]  # key -> its position in the directory's tuple
    spelling: Mapping[str, str]  # key -> as the directory spells it

    @staticmethod
    @functools.lru_cache(maxsize=8)
    def of(servers: tuple[str, ...]) -> ServerOrder:
        position_of = {name_key(server): at for at, server in enumerate(servers)}
        spelling = {key: servers[at] for key, at in position_of.items()}
        order = sorted_servers(servers)
        keys = tuple(name_key(server) for server in order)
        positions = tuple(position_of[key] for key in keys)
        return ServerOrder(order, keys, positions, position_of, spelling)


_Mail = tuple[str | None, tuple[str, ...], str | None]
_Answer = tuple[str | None, str | None, str | None]


class Routes:
    """The routes of one domain with one set of servers down. A server that no
    document names (most of a directory) cannot be on another's route, so its own
    route is its first hop's: those are worked out once per scenario."""

    def __init__(self, directory: Directory, down: Iterable[str]) -> None:
        self.directory = directory
        self.domain = directory.domain
        self.down = frozenset(name_key(server) for server in down)
        # Per kind, the first usable document of each distinct view (by identity: the
        # view tuples live as long as the directory).
        self._first_mail: dict[int, _Document | None] = {}
        self._first_calendar: dict[int, _Document | None] = {}
        self._mail: dict[str, _Mail] = {}
        self._plain: dict[int, RouteShape] = {}  # view -> its plain servers' route
        self._answers: dict[str, _Answer] = {}

    def first_up(self, server: str, kind: RouteKind) -> _Document | None:
        """The first document of `server`'s view whose mail (calendar) server is up."""
        view = self.directory.view(server)
        memo = self._first_mail if kind is RouteKind.MAIL else self._first_calendar
        if id(view) not in memo:
            memo[id(view)] = next(
                (d for d in view if (key := d.target(kind)[1]) and key not in self.down), None
            )
        return memo[id(view)]

    def no_document(self, server: str, kind: RouteKind) -> str:
        """Why `server` has no document left to route by."""
        if not self.directory.view(server):
            return f"{server} sees no {self.domain} document"
        which = "mail" if kind is RouteKind.MAIL else "calendar"
        return f"no {self.domain} document {server} sees names a {which} server that is up"

    # -- mail -------------------------------------------------------------------------------

    def mail(self, server: str) -> _Mail:
        """(who hands it over, the servers it passes, why it is held) for mail from `server`."""
        document = self.first_up(server, RouteKind.MAIL)
        if document is None or document.mail is None:
            return None, (server,), f"held at {server}: {self.no_document(server, RouteKind.MAIL)}"
        if document.mail_key == name_key(server):
            return server, (server,), None
        if name_key(server) in self.directory.named:
            return self._walk(server)
        # No document names `server`: the mail cannot come back to it.
        mail, path, held = self._mail_from(document.mail)
        return mail, (server, *path), held

    def _mail_from(self, server: str) -> _Mail:
        key = name_key(server)
        if key not in self._mail:
            self._mail[key] = self._walk(server)
        return self._mail[key]

    def _walk(self, server: str) -> _Mail:
        path = [server]
        while True:
            at = path[-1]
            document = self.first_up(at, RouteKind.MAIL)
            if document is None or document.mail is None:
                return None, tuple(path), f"held at {at}: {self.no_document(at, RouteKind.MAIL)}"
            if document.mail_key == name_key(at):
                return at, tuple(path), None
            keys = [name_key(hop) for hop in path]
            if document.mail_key in keys:
                loop = " > ".join([*path[keys.index(document.mail_key) :], document.mail])
                return None, tuple(path), f"held at {at}: a loop, {loop}"
            path.append(document.mail)

    # -- free/busy --------------------------------------------------------------------------

    def free_busy(self, server: str) -> tuple[str | None, str | None, str | None, str | None]:
        """(who answers, where the request goes, why it fails, who warns) for `server`."""
        document = self.first_up(server, RouteKind.FREE_BUSY)
        if document is None or document.calendar is None or document.calendar_key is None:
            reason = self.no_document(server, RouteKind.FREE_BUSY)
            return None, None, f"fails at {server}: {reason}", None
        target = document.calendar
        if document.calendar_key not in self._answers:
            self._answers[document.calendar_key] = self._answer(target)
        answer, failure, warned = self._answers[document.calendar_key]
        return answer, target, failure, warned

    def _answer(self, target: str) -> _Answer:
        """(who answers, why it fails, who warns) for a request that reaches `target`:
        its connector looks at the first document of its own view only, down or not."""
        view = self.directory.view(target)
        warned = target if len(view) > 1 else None
        if not view:
            return None, f"fails at {target}: {target} sees no {self.domain} document", None
        first = view[0]
        if first.calendar is None:
            reason = f"its first {self.domain} document, {first.label}, names no calendar server"
            return None, f"fails at {target}: {reason}", warned
        if first.calendar_key == name_key(target):
            return target, None, warned
        reason = f"{target} sees the document of {first.calendar} first and does not relay"
        return None, f"fails at {target}: {reason}", warned

    def shape(self, server: str, view: _View, plain: bool) -> RouteShape:
        """The route of `server` (whose view is given), shared with the other plain
        servers of its view when nothing in it names `server`."""
        if plain and id(view) in self._plain:
            return self._plain[id(view)]
        mail, path, held = self.mail(server)
        answer, target, failure, warned = self.free_busy(server)
        shape = RouteShape(mail, path[1:], held, answer, target, failure, warned)
        if plain and path[-1] != server and target is not None:
            # Nothing in this route names `server` but its first element: shareable.
            self._plain[id(view)] = shape
        return shape

    def shared(self, view: _View) -> RouteShape | None:
        """The route of every plain server of `view`, once one has been worked out."""
        return self._plain.get(id(view))


def sorted_servers(servers: Iterable[str]) -> tuple[str, ...]:
    unique = {name_key(server): server for server in servers}
    return tuple(sorted(unique.values(), key=str.casefold))
