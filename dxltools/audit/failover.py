"""Failover: where mail and free/busy requests go when coexistence servers are down.

The model of ``DOMAIN.md`` section 7, as pure functions over the audit's views of one
foreign domain (:class:`~dxltools.audit.collect.DomainAudit`): each server's view holds the
documents it can read, newest first. A document's *mail server* is its
``MailServer`` (else ``CalendarServer``), its *calendar server* its ``CalendarServer``
(else ``MailServer``); a down server originates nothing and is never passed to.

- Mail: the router relays. A server passes the mail to the mail server of the first
  document of its view whose mail server is up; that server does the same, until one
  picks its own document and hands the mail to the foreign side. No document left,
  or a loop: the mail is held.
- Free/busy: the calendar connector does not relay. A server sends the request to the
  calendar server T of the first document of its view whose calendar server is up;
  T answers when the first document of T's own view (down or not) is T's, and the
  request fails at T otherwise.

Nothing here prints or knows the command line; the audit turns :class:`Failure`
values into problems and renders scenarios as text and JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from dxltools.names import canonicalize, name_key

if TYPE_CHECKING:
    from dxltools.audit.views import DomainAudit, DomainDocument

__all__ = [
    "DomainFailover",
    "FailoverScenario",
    "Failure",
    "Route",
    "RouteKind",
    "RouteShape",
    "coexistence_servers",
    "domain_failover",
    "failures",
    "simulate",
    "verdict",
]


@attrs.frozen
class Route:
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


@attrs.frozen
class RouteShape:
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


@attrs.frozen
class FailoverScenario:
    """One foreign domain with some servers down: the route of every server that is up,
    sorted by name, kept as each server's :class:`RouteShape`."""

    domain: str
    down: tuple[str, ...]  # canonical, sorted
    servers: tuple[str, ...]  # the servers that are up, sorted by name
    shapes: tuple[RouteShape, ...] = attrs.field(repr=False)  # the distinct routes, each used
    shape_of: tuple[int, ...] = attrs.field(repr=False)  # per server, its shape's index

    @property
    def routes(self) -> tuple[Route, ...]:
        """The route of every server that is up, sorted by name (made at each call)."""
        return tuple(shape.route(server) for server, shape in self.shaped())

    def shaped(self) -> Iterator[tuple[str, RouteShape]]:
        """Every server that is up, in order, with the shape of its route."""
        shapes = self.shapes
        return (
            (server, shapes[index])
            for server, index in zip(self.servers, self.shape_of, strict=True)
        )

    @property
    def mail_ok(self) -> bool:
        """Every server that is up gets its mail to the foreign side."""
        return all(shape.mail is not None for shape in self.shapes)

    @property
    def free_busy_ok(self) -> bool:
        """Every server that is up gets its free/busy requests answered."""
        return all(shape.free_busy is not None for shape in self.shapes)

    @property
    def label(self) -> str:
        """``nothing down`` or ``CN=A/O=Acme down``: how reports name the scenario."""
        return f"{', '.join(self.down)} down" if self.down else "nothing down"

    def route(self, server: str) -> Route | None:
        key = name_key(server)
        found = (shape.route(s) for s, shape in self.shaped() if name_key(s) == key)
        return next(found, None)


class RouteKind(enum.Enum):
    MAIL = "mail"
    FREE_BUSY = "free/busy"


@attrs.frozen
class Failure:
    """What a scenario breaks that works with nothing down: the routes of `servers`
    stop at `at`, for the one reason `reason` gives (the routes' own line)."""

    scenario: FailoverScenario
    kind: RouteKind
    at: str
    reason: str
    servers: tuple[str, ...]  # whose mail or requests, sorted by name


@attrs.frozen
class DomainFailover:
    """The scenarios simulated for one foreign domain."""

    domain: str
    coexistence_servers: tuple[str, ...]  # sorted by name
    baseline: FailoverScenario  # nothing down
    scenarios: tuple[FailoverScenario, ...]  # the ones reported, in order
    chosen: bool  # True: the down servers were chosen (``--down``); False: each loss alone

    def failures(self, scenario: FailoverScenario) -> tuple[Failure, ...]:
        """What `scenario` breaks that works with nothing down."""
        return failures(scenario, self.baseline)

    def problems(self) -> tuple[Failure, ...]:
        """The failures the audit reports: in scenarios where some server is down and
        another coexistence server of the domain is still up."""
        found: list[Failure] = []
        for scenario in self.scenarios:
            down = {name_key(server) for server in scenario.down}
            if scenario.down and any(name_key(s) not in down for s in self.coexistence_servers):
                found.extend(self.failures(scenario))
        return tuple(found)


# -- the model ------------------------------------------------------------------------------------


@attrs.frozen
class _Document:
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


class _Directory:
    """One domain's documents and every server's view of it, read once for all its
    scenarios. Equal views are one tuple, as the audit keeps them."""

    def __init__(self, audit: DomainAudit) -> None:
        self.domain = audit.domain
        views = audit.views
        self.servers = views.servers
        self.spelling = {name_key(server): server for server in self.servers}
        documents = {item.document.label: self._document(item.document) for item in audit.documents}
        distinct = [tuple(documents[label] for label in fields[0]) for fields in views.distinct]
        self.views: dict[str, _View] = {
            name_key(server): distinct[number]
            for server, number in zip(self.servers, views.chosen, strict=True)
        }
        named = (key for d in documents.values() for key in (d.mail_key, d.calendar_key))
        self.named = frozenset(key for key in named if key is not None)
        # Every server in name order with what its route depends on, for every scenario:
        # its key, its view, and whether it is plain (no document names it, and it sees
        # one: its route is its first hop's, as for every plain server of its view).
        entries = []
        for server in _sorted(self.servers):
            key = name_key(server)
            view = self.views.get(key, ())
            entries.append((server, key, view, key not in self.named and bool(view)))
        self.entries: tuple[tuple[str, str, _View, bool], ...] = tuple(entries)

    def spelled(self, server: str) -> str:
        """`server` as the directory spells it (canonical when the directory lacks it)."""
        return self.spelling.get(name_key(server)) or canonicalize(server)

    def _document(self, document: DomainDocument) -> _Document:
        mail = document.mail_server or document.calendar_server
        calendar = document.calendar_server or document.mail_server
        mail = None if mail is None else self.spelled(mail)
        calendar = None if calendar is None else self.spelled(calendar)
        keys = (None if name is None else name_key(name) for name in (mail, calendar))
        return _Document(document.label, mail, calendar, *keys)

    def view(self, server: str) -> _View:
        return self.views.get(name_key(server), ())


_Mail = tuple[str | None, tuple[str, ...], str | None]
_Answer = tuple[str | None, str | None, str | None]


class _Routes:
    """The routes of one domain with one set of servers down. A server that no
    document names (most of a directory) cannot be on another's route, so its own
    route is its first hop's: those are worked out once per scenario."""

    def __init__(self, directory: _Directory, down: Iterable[str]) -> None:
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

    def shape(self, server: str, key: str, view: _View, plain: bool) -> RouteShape:
        """The route of `server` (whose name key and view are given), shared with the
        other plain servers of its view when nothing in it names `server`."""
        if plain and id(view) in self._plain:
            return self._plain[id(view)]
        mail, path, held = self.mail(server)
        answer, target, failure, warned = self.free_busy(server)
        shape = RouteShape(mail, path[1:], held, answer, target, failure, warned)
        if plain and path[-1] != server and target is not None:
            # Nothing in this route names `server` but its first element: shareable.
            self._plain[id(view)] = shape
        return shape


def _sorted(servers: Iterable[str]) -> tuple[str, ...]:
    unique = {name_key(server): server for server in servers}
    return tuple(sorted(unique.values(), key=str.casefold))


def simulate(audit: DomainAudit, down: Iterable[str] = ()) -> FailoverScenario:
    """The routes of every server of `audit`'s directory that is not in `down`."""
    return _simulate(_Directory(audit), down)


def _simulate(directory: _Directory, down: Iterable[str]) -> FailoverScenario:
    names = _sorted(directory.spelled(server) for server in down)
    routes = _Routes(directory, names)
    servers: list[str] = []
    shapes: list[RouteShape] = []
    shape_of: list[int] = []
    numbers: dict[int, int] = {}  # id of a shape (kept in `shapes`) -> its index
    for server, key, view, plain in directory.entries:
        if key in routes.down:
            continue
        shape = routes.shape(server, key, view, plain)
        number = numbers.get(id(shape))
        if number is None:
            number = numbers[id(shape)] = len(shapes)
            shapes.append(shape)
        servers.append(server)
        shape_of.append(number)
    return FailoverScenario(directory.domain, names, tuple(servers), tuple(shapes), tuple(shape_of))


def coexistence_servers(audit: DomainAudit) -> tuple[str, ...]:
    """The servers the domain's documents name as their own (as the audit has them)."""
    spelling = {name_key(server): server for server in audit.views.servers}
    owners = (item.document.coexistence_server for item in audit.documents)
    return _sorted(spelling.get(name_key(owner), owner) for owner in owners if owner)


def domain_failover(audit: DomainAudit, down: Sequence[str] | None = None) -> DomainFailover:
    """Nothing down, then each coexistence server down alone; or, with `down`, those
    servers down (the nothing-down routes are still worked out, to tell what breaks)."""
    servers = coexistence_servers(audit)
    directory = _Directory(audit)
    baseline = _simulate(directory, ())
    if down is not None:
        scenario = _simulate(directory, down)
        return DomainFailover(audit.domain, servers, baseline, (scenario,), True)
    losses = tuple(_simulate(directory, (server,)) for server in servers)
    return DomainFailover(audit.domain, servers, baseline, (baseline, *losses), False)


def failures(scenario: FailoverScenario, baseline: FailoverScenario) -> tuple[Failure, ...]:
    """The routes of `scenario` that fail where they work in `baseline`, one
    :class:`Failure` per kind and reason."""
    if all(s.mail_held is None and s.free_busy_failure is None for s in scenario.shapes):
        return ()  # nothing fails: no server's route needs looking at
    worked = {name_key(server): shape for server, shape in baseline.shaped()}
    grouped: dict[tuple[RouteKind, str, str], list[str]] = {}
    for server, shape in scenario.shaped():
        before = worked.get(name_key(server))
        if before is None:
            continue
        if shape.mail_held is not None and before.mail is not None:
            at = shape.mail_tail[-1] if shape.mail_tail else server
            grouped.setdefault((RouteKind.MAIL, at, shape.mail_held), []).append(server)
        if shape.free_busy_failure is not None and before.free_busy is not None:
            at = shape.free_busy_target or server
            key = (RouteKind.FREE_BUSY, at, shape.free_busy_failure)
            grouped.setdefault(key, []).append(server)
    return tuple(
        Failure(scenario, kind, at, reason, _sorted(servers))
        for (kind, at, reason), servers in grouped.items()
    )


# -- the verdict ----------------------------------------------------------------------------------


def _broken(found: Sequence[Failure]) -> Mapping[RouteKind, list[Failure]]:
    by_kind: dict[RouteKind, list[Failure]] = {kind: [] for kind in RouteKind}
    for failure in found:
        by_kind[failure.kind].append(failure)
    return by_kind


def _what(kind: RouteKind, found: Sequence[Failure]) -> str:
    verb = "held" if kind is RouteKind.MAIL else "fails"
    places = ", ".join(
        f"{verb} at {failure.at} for {_count(len(failure.servers))}" for failure in found
    )
    return f"{kind.value} ({places})"


def _count(servers: int) -> str:
    return f"{servers} server{'s' if servers != 1 else ''}"


def _breaks(scenario: FailoverScenario, found: Sequence[Failure]) -> str:
    by_kind = _broken(found)
    what = " and ".join(_what(kind, by_kind[kind]) for kind in RouteKind if by_kind[kind])
    subject = f"the loss of {', '.join(scenario.down)}" if scenario.down else "nothing down"
    return f"{subject} breaks {what}"


def verdict(failover: DomainFailover) -> str:
    """One line: whether the domain survives the loss of any one coexistence server,
    or which loss breaks what (with ``--down``: what the chosen loss breaks)."""
    if failover.chosen:
        (scenario,) = failover.scenarios
        found = failover.failures(scenario)
        if not found:
            return f"with {scenario.label}: nothing breaks that works with every server up"
        return _breaks(scenario, found)
    servers = failover.coexistence_servers
    if not servers:
        return "no failover: no coexistence server"
    if len(servers) == 1:
        return "no failover: one coexistence server"
    broken = [(s, failover.failures(s)) for s in failover.scenarios if s.down]
    broken = [(scenario, found) for scenario, found in broken if found]
    if not broken:
        return "survives the loss of any one coexistence server (mail, free/busy)"
    parts = [_breaks(scenario, found) for scenario, found in broken]
    kinds = {failure.kind for _, found in broken for failure in found}
    for kind in RouteKind:
        if kind not in kinds:
            parts.append(f"{kind.value} survives the loss of any one coexistence server")
    return "; ".join(parts)
