"""Failover on generated directories: laws of the model that hold whatever the
directory, checked against what the generated documents say (not the code under test)."""

from __future__ import annotations

import attrs
from hypothesis import assume, example, given
from hypothesis import strategies as st

from dxltools.agents import load_agent
from dxltools.audit.collect import Auditor, audit_bytes
from dxltools.audit.failover import Route
from dxltools.audit.report import AuditReport
from dxltools.names import canonicalize, name_key
from dxltools.rewrite.stream import rewrite_bytes
from tests.directory_strategies import (
    GenDirectory,
    GenDocument,
    GenGroup,
    GenItem,
    directories,
    down_servers,
    fixable_directories,
    high_availability,
)

FAILOVER_SERVERS = "FailoverServers"  # no generated group has this name
A = "CN=Coex1/OU=Hub/O=Acme"
B = "CN=Coex2/OU=Hub/O=Acme"
MAIL = "CN=Mail1/O=Acme"


def _calendar_server(document: GenDocument) -> str | None:
    """DOMAIN.md: CalendarServer, else MailServer, as the export writes it."""
    server = document.calendar_server or document.mail_server
    return name_key(server) if server else None


@given(directories(mail_elsewhere=True))
def test_with_every_server_up_free_busy_goes_to_the_calendar_server_of_the_primary(
    directory: GenDirectory,
) -> None:
    report = audit_bytes(directory.exports())
    (audit,) = report.domains
    documents = {document.unid: document for document in directory.documents}
    baseline = report.failover(audit).baseline
    assert baseline.down == ()
    routes = {name_key(route.server): route for route in baseline.routes}
    assert set(routes) == {name_key(view.server) for view in audit.servers}
    for view in audit.servers:
        route = routes[name_key(view.server)]
        target = route.free_busy_target
        if view.primary is None:
            assert target is None
        else:
            assert target is not None
            assert name_key(target) == _calendar_server(documents[view.primary])


def _fixed(directory: GenDirectory) -> tuple[GenDirectory, list[tuple[str, bytes]]] | None:
    """`directory` in one export with a group of every server but the coexistence
    servers, after coexistence-readers; None when the agent's own audit refuses it."""
    owners = {_calendar_server(document) for document in directory.documents}
    ordinary = tuple(s for s in directory.servers if name_key(s) not in owners)
    group = GenGroup(FAILOVER_SERVERS, ordinary, "0")
    whole = attrs.evolve(directory, groups=(*directory.groups, group), split=False)
    agent = load_agent("coexistence-readers", {"servers_group": FAILOVER_SERVERS})
    ((name, data),) = whole.exports()
    run = agent.start()
    result = rewrite_bytes(data, run.edit, select=run.wants, source=name).data
    auditor = Auditor()  # what the run checks before it writes
    auditor.add_bytes(result, name)
    if auditor.coexistence_leaks():
        return None
    return whole, [(name, result)]


# Two servers, each with its document; Mail1 reads both through the group.
TWO = GenDirectory(
    servers=(A, B, MAIL),
    groups=(GenGroup("Servers", (MAIL,), "0"),),
    roles=(),
    acl=(),
    documents=(
        GenDocument("D0C" + "0" * 28 + "1", "20230101T120000,00+01", A, A, ()),
        GenDocument("D0C" + "0" * 28 + "2", "20230102T120000,00+01", None, "Coex2/Hub/Acme", ()),
    ),
    split=True,
)


# Directories the fix can always fix (two or three coexistence servers), or, more
# broadly, any with two or three: those the run's own audit refuses are passed over,
# and drawing only those would leave Hypothesis too few to judge by.
@given(st.one_of(fixable_directories(min_documents=2), high_availability()))
@example(TWO)
def test_after_coexistence_readers_every_loss_of_one_coexistence_server_is_survived(
    directory: GenDirectory,
) -> None:
    fixed = _fixed(directory)
    assume(fixed is not None)
    assert fixed is not None
    whole, exports = fixed
    report = audit_bytes(exports)
    (audit,) = report.domains
    failover = report.failover(audit)
    owners = {_calendar_server(document) for document in whole.documents}
    assert {name_key(server) for server in failover.coexistence_servers} == owners
    assume(len(owners) >= 2)
    for scenario in failover.scenarios:
        assert scenario.mail_ok, scenario
        assert scenario.free_busy_ok, scenario
    assert report.problems_with("failover-mail-held") == ()
    assert report.problems_with("failover-free-busy-fails") == ()


def _named(route: Route) -> set[str]:
    names = {route.server, *route.mail_path}
    names |= {name for name in (route.mail, route.free_busy, route.free_busy_target) if name}
    return {name_key(name) for name in names}


def _check_routes_avoid_the_down(report: AuditReport) -> None:
    for audit in report.domains:
        servers = {name_key(view.server) for view in audit.servers}
        for scenario in report.failover(audit).scenarios:
            down = {name_key(server) for server in scenario.down}
            assert [r.server for r in scenario.routes] == sorted(
                (r.server for r in scenario.routes), key=str.casefold
            )
            assert {name_key(route.server) for route in scenario.routes} == servers - down
            for route in scenario.routes:
                assert not _named(route) & down, (scenario.down, route)


@given(down_servers())
def test_routes_never_name_a_down_server(case: tuple[GenDirectory, tuple[str, ...]]) -> None:
    directory, down = case
    chosen = audit_bytes(directory.exports(), down=down)
    assert chosen.down is not None
    assert {name_key(server) for server in chosen.down} == {name_key(name) for name in down}
    assert all(server == canonicalize(server) for server in chosen.down)
    _check_routes_avoid_the_down(chosen)
    _check_routes_avoid_the_down(audit_bytes(directory.exports()))


@given(directories(mail_elsewhere=True))
def test_failover_problems_only_where_another_coexistence_server_is_still_up(
    directory: GenDirectory,
) -> None:
    report = audit_bytes(directory.exports())
    owners = {_calendar_server(document) for document in directory.documents}
    for problem in report.problems:
        if not problem.code.startswith("failover-"):
            continue
        # "BTEx with CN=... down: ...": the lost server owns a document, another is up.
        lost = problem.message.removeprefix("BTEx with ").split(" down: ")[0]
        assert name_key(lost) in owners, problem
        assert owners - {name_key(lost)}, problem
        assert problem.server is not None and name_key(problem.server) != name_key(lost)
    if len(owners) < 2:
        assert not [p for p in report.problems if p.code.startswith("failover-")]


# -- the model worked out server by server ------------------------------------------------
#
# DOMAIN.md section 7 followed literally, one server at a time, over the audit's views
# (tested on their own) and the servers the generated documents name. The model shares
# one route among the servers whose routes differ only in their own name; this does not.


def _mail_key(document: GenDocument) -> str | None:
    server = document.mail_server or document.calendar_server
    return name_key(server) if server else None


# (hands the mail over, the mail's path, held at, answers, request sent to, fails at, warns)
_Expected = tuple[
    str | None, tuple[str, ...], str | None, str | None, str | None, str | None, str | None
]


def _expected_routes(views: dict[str, list[GenDocument]], down: set[str]) -> dict[str, _Expected]:
    expected: dict[str, _Expected] = {}
    for server in views:
        if server in down:
            continue
        path, mail, held_at = [server], None, None
        while True:
            at = path[-1]
            first = [d for d in views.get(at, []) if _mail_key(d) and _mail_key(d) not in down]
            if not first:
                held_at = at
                break
            hop = _mail_key(first[0])
            assert hop is not None
            if hop == at:
                mail = at
                break
            if hop in path:  # a loop
                held_at = at
                break
            path.append(hop)
        usable = [
            d for d in views[server] if _calendar_server(d) and _calendar_server(d) not in down
        ]
        answer = target = fails_at = warned = None
        if not usable:
            fails_at = server
        else:
            target = _calendar_server(usable[0])
            assert target is not None
            own = views.get(target, [])
            warned = target if len(own) > 1 else None
            if own and _calendar_server(own[0]) == target:
                answer = target
            else:
                fails_at = target
        expected[server] = (mail, tuple(path), held_at, answer, target, fails_at, warned)
    return expected


def _keys(route: Route) -> _Expected:
    def key(name: str | None) -> str | None:
        return None if name is None else name_key(name)

    held_at = key(route.mail_path[-1]) if route.mail_held is not None else None
    failure = route.free_busy_failure
    fails_at = key(route.free_busy_target or route.server) if failure is not None else None
    path = tuple(name_key(hop) for hop in route.mail_path)
    target = key(route.free_busy_target)
    return (
        key(route.mail),
        path,
        held_at,
        key(route.free_busy),
        target,
        fails_at,
        key(route.warned_at),
    )


APP = "CN=App1/OU=Apps/O=Acme"
RELAY = "CN=Relay/O=Partner"


def _document(number: int, mail: str, calendar: str, *readers: str) -> GenDocument:
    items = (GenItem("$Readers", True, readers),) if readers else ()
    modified = f"2023010{number}T120000,00+01"
    return GenDocument(f"D0C{number:029d}", modified, mail, calendar, items)


# Mail1, App1 and Relay: no document names them; Mail1 sees another view than the others.
PLAIN_VIEWS = GenDirectory(
    servers=(A, B, MAIL, APP, RELAY),
    groups=(),
    roles=(),
    acl=(),
    documents=(_document(2, A, A, A, MAIL), _document(1, B, B)),
    split=False,
)
# App1's mail gets through and its free/busy fails with every server up; with Coex1
# down its mail is held.
MAIL_ONLY = GenDirectory(
    servers=(A, B, APP),
    groups=(),
    roles=(),
    acl=(),
    documents=(_document(1, A, B, APP, A, B), _document(2, B, A, B)),
    split=False,
)


@given(down_servers())
@example((PLAIN_VIEWS, ()))
@example((MAIL_ONLY, (A,)))
def test_the_routes_are_the_model_worked_out_server_by_server(
    case: tuple[GenDirectory, tuple[str, ...]],
) -> None:
    directory, down = case
    documents = {document.unid: document for document in directory.documents}
    for chosen in (None, down):
        report = audit_bytes(directory.exports(), down=chosen)
        (audit,) = report.domains
        views = {
            name_key(view.server): [documents[label] for label in view.visible]
            for view in audit.servers
        }
        failover = report.failover(audit)
        baseline = _expected_routes(views, set())
        for scenario in failover.scenarios:
            lost = {name_key(server) for server in scenario.down}
            expected = _expected_routes(views, lost)
            assert {name_key(r.server): _keys(r) for r in scenario.routes} == expected
            for route in scenario.routes:  # each reason names where the route stops
                if route.mail_held is not None:
                    assert route.mail_held.startswith(f"held at {route.mail_path[-1]}: ")
                if route.free_busy_failure is not None:
                    at = route.free_busy_target or route.server
                    assert route.free_busy_failure.startswith(f"fails at {at}: ")
            # What breaks: each server whose route fails where it works with nothing down.
            broken = {
                (kind, name_key(failure.at), name_key(server))
                for failure in failover.failures(scenario)
                for kind in (failure.kind.value,)
                for server in failure.servers
            }
            assert broken == {
                (kind, at, server)
                for server, route in expected.items()
                for kind, at, worked in (
                    ("mail", route[2], baseline[server][0]),
                    ("free/busy", route[5], baseline[server][3]),
                )
                if at is not None and worked is not None
            }
