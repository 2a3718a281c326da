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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from dxltools.audit.routing import (
    Directory,
    Route,
    RouteKind,
    Routes,
    RouteShape,
    ServerOrder,
    sorted_servers,
)
from dxltools.names import name_key
from dxltools.records import Record

if TYPE_CHECKING:
    from dxltools.audit.views import DomainAudit

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


@attrs.frozen(repr=False)
class FailoverScenario(Record):
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


@attrs.frozen(repr=False)
class Failure(Record):
    """What a scenario breaks that works with nothing down: the routes of `servers`
    stop at `at`, for the one reason `reason` gives (the routes' own line)."""

    scenario: FailoverScenario
    kind: RouteKind
    at: str
    reason: str
    servers: tuple[str, ...]  # whose mail or requests, sorted by name


@attrs.frozen(repr=False)
class DomainFailover(Record):
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


def simulate(audit: DomainAudit, down: Iterable[str] = ()) -> FailoverScenario:
    """The routes of every server of `audit`'s directory that is not in `down`."""
    return _simulate(Directory(audit), down)


def _simulate(directory: Directory, down: Iterable[str]) -> FailoverScenario:
    names = sorted_servers(directory.spelled(server) for server in down)
    routes = Routes(directory, names)
    servers = directory.servers
    # The down servers, by their place in name order.
    lost = {at for at, key in enumerate(servers.keys) if key in routes.down} if names else set()
    shapes: list[RouteShape] = []
    numbers: dict[int, int] = {}  # id of a shape (kept in `shapes`) -> its index

    def number(shape: RouteShape) -> int:
        found = numbers.get(id(shape))
        if found is None:
            found = numbers[id(shape)] = len(shapes)
            shapes.append(shape)
        return found

    shape_of = [-1] * len(servers.order)
    for members in directory.classes:
        up = [member for member in members if member not in lost] if lost else members
        if not up:
            continue
        server, view, plain = directory.entry(up[0])
        first = routes.shape(server, view, plain)
        if len(up) == 1 or routes.shared(view) is first:
            shared = number(first)
            for member in up:
                shape_of[member] = shared
            continue
        for member in up:  # plain servers whose routes name themselves
            shape_of[member] = number(routes.shape(*directory.entry(member)))
    kept = [at for at in range(len(servers.order)) if at not in lost]
    return FailoverScenario(
        directory.domain,
        names,
        tuple(servers.order[at] for at in kept),
        tuple(shapes),
        tuple(shape_of[at] for at in kept),
    )


def coexistence_servers(audit: DomainAudit) -> tuple[str, ...]:
    """The servers the domain's documents name as their own (as the audit has them)."""
    spelling = ServerOrder.of(audit.views.servers).spelling
    owners = (item.document.coexistence_server for item in audit.documents)
    return sorted_servers(spelling.get(name_key(owner), owner) for owner in owners if owner)


def domain_failover(audit: DomainAudit, down: Sequence[str] | None = None) -> DomainFailover:
    """Nothing down, then each coexistence server down alone; or, with `down`, those
    servers down (the nothing-down routes are still worked out, to tell what breaks)."""
    servers = coexistence_servers(audit)
    directory = Directory(audit)
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
        Failure(scenario, kind, at, reason, sorted_servers(servers))
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
