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
