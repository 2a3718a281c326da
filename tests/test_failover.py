"""Failover (DOMAIN.md section 7): where mail and free/busy requests go when coexistence
servers are down, on hand-built directories whose routes are written out literally."""

from __future__ import annotations

import io
import json

import pytest

from dxltools.audit.collect import audit_bytes
from dxltools.audit.failover import DomainFailover, FailoverScenario, simulate, verdict
from dxltools.audit.render import audit_to_json, format_audit, write_audit_json
from dxltools.audit.report import AuditReport
from dxltools.errors import UsageError
from tests.directory_strategies import GenDirectory, GenDocument, GenGroup, GenItem

A = "CN=DominoA/O=Acme"  # coexistence servers
B = "CN=DominoB/O=Acme"
C = "CN=DominoC/O=Acme"
M = "CN=Mail1/O=Acme"  # an ordinary mail server
X = "CN=Lonely/O=Acme"  # an ordinary server no document lets in

UA = "DA000000000000000000000000000001"  # the documents of A, B and C
UB = "DB000000000000000000000000000002"
UC = "DC000000000000000000000000000003"

NEWEST, NEWER, OLDER = "20230301T120000,00+01", "20230201T120000,00+01", "20230101T120000,00+01"
SERVERS_GROUP = GenGroup("Servers", (M,), "0")

Routes = dict[str, tuple[str | None, str | None]]


def fd(
    unid: str,
    modified: str,
    *readers: str,
    mail: str | None = None,
    calendar: str | None = None,
) -> GenDocument:
    """A Foreign Domain document; `readers`: its $Readers entries (none: unrestricted)."""
    items = (GenItem("$Readers", True, readers),) if readers else ()
    return GenDocument(unid, modified, mail, calendar, items)


def own(unid: str, modified: str, server: str, restricted: bool) -> GenDocument:
    """The document of one coexistence server (both server items), restricted to the
    ordinary servers and itself as coexistence-readers writes it, or left open."""
    readers = ("Servers", server) if restricted else ()
    return fd(unid, modified, *readers, mail=server, calendar=server)


def report_of(
    *documents: GenDocument,
    servers: tuple[str, ...] = (A, B, M),
    down: tuple[str, ...] | None = None,
) -> AuditReport:
    directory = GenDirectory(servers, (SERVERS_GROUP,), (), (), documents, split=False)
    return audit_bytes(directory.exports(), down=down)


def failover_of(
    *documents: GenDocument,
    servers: tuple[str, ...] = (A, B, M),
    down: tuple[str, ...] | None = None,
) -> DomainFailover:
    report = report_of(*documents, servers=servers, down=down)
    (audit,) = report.domains
    return report.failover(audit)


def routes(scenario: FailoverScenario) -> Routes:
    return {route.server: (route.mail, route.free_busy) for route in scenario.routes}


def scenario_with(failover: DomainFailover, *down: str) -> FailoverScenario:
    (found,) = [s for s in failover.scenarios if s.down == down]
    return found


def codes(report: AuditReport) -> list[tuple[str, str | None]]:
    return [(p.code, p.server) for p in report.problems if p.code.startswith("failover-")]


# -- the guide's case: two coexistence servers ---------------------------------------------


def test_the_guides_case_without_readers_fields_mail_survives_free_busy_fails() -> None:
    failover = failover_of(own(UA, NEWER, A, False), own(UB, OLDER, B, False))
    assert failover.coexistence_servers == (A, B)
    assert [s.down for s in failover.scenarios] == [(), (A,), (B,)]
    assert routes(scenario_with(failover)) == {A: (A, A), B: (A, A), M: (A, A)}
    a_down = scenario_with(failover, A)
    assert routes(a_down) == {B: (B, None), M: (B, None)}
    reason = f"fails at {B}: {B} sees the document of {A} first and does not relay"
    assert [route.free_busy_failure for route in a_down.routes] == [reason, reason]
    assert [route.free_busy_target for route in a_down.routes] == [B, B]
    # B's connector sees both documents: it logs 'Multiple documents detected'.
    assert [route.warned_at for route in a_down.routes] == [B, B]
    assert (a_down.mail_ok, a_down.free_busy_ok) == (True, False)
    assert routes(scenario_with(failover, B)) == {A: (A, A), M: (A, A)}
    assert verdict(failover) == (
        f"the loss of {A} breaks free/busy (fails at {B} for 2 servers); "
        "mail survives the loss of any one coexistence server"
    )


def test_the_guides_case_with_readers_fields_survives() -> None:
    failover = failover_of(own(UA, NEWER, A, True), own(UB, OLDER, B, True))
    assert routes(scenario_with(failover)) == {A: (A, A), B: (B, B), M: (A, A)}
    assert routes(scenario_with(failover, A)) == {B: (B, B), M: (B, B)}
    assert [route.warned_at for route in scenario_with(failover, A).routes] == [None, None]
    assert routes(scenario_with(failover, B)) == {A: (A, A), M: (A, A)}
    assert all(s.mail_ok and s.free_busy_ok for s in failover.scenarios)
    assert verdict(failover) == "survives the loss of any one coexistence server (mail, free/busy)"


def test_the_guides_case_as_problems() -> None:
    open_report = report_of(own(UA, NEWER, A, False), own(UB, OLDER, B, False))
    assert codes(open_report) == [("failover-free-busy-fails", B)]
    (problem,) = open_report.problems_with("failover-free-busy-fails")
    assert problem.domain == "BTEx"
    assert problem.message == (
        f"BTEx with {A} down: free/busy from {B}, {M} fails at {B}: "
        f"{B} sees the document of {A} first and does not relay"
    )
    assert open_report.exit_code == 1
    fixed = report_of(own(UA, NEWER, A, True), own(UB, OLDER, B, True))
    assert fixed.problems == ()
    assert fixed.exit_code == 0


def test_the_text_report_ends_the_domain_with_the_verdict() -> None:
    text = format_audit(report_of(own(UA, NEWER, A, False), own(UB, OLDER, B, False)))
    lines = text.splitlines()
    start = lines.index(f"  with {A} down:")
    assert lines[start + 1] == (
        f"    {B}  mail {B}  free/busy fails at {B}: {B} sees the document of {A} first "
        "and does not relay"
    )
    assert lines[start + 2].startswith(f"    {M}    mail {B}  free/busy fails at {B}")
    assert lines[lines.index("  with nothing down:") + 1] == f"    {A}  mail {A}  free/busy {A}"
    (verdict_line,) = [line for line in lines if line.startswith("  failover: ")]
    assert verdict_line == (
        f"  failover: the loss of {A} breaks free/busy (fails at {B} for 2 servers); "
        "mail survives the loss of any one coexistence server"
    )
    assert lines.index(verdict_line) == lines.index("5 problems:") - 1


# -- more servers, fewer items ------------------------------------------------------------------


def test_three_coexistence_servers_with_readers_fields() -> None:
    failover = failover_of(
        own(UA, NEWEST, A, True),
        own(UB, NEWER, B, True),
        own(UC, OLDER, C, True),
        servers=(A, B, C, M),
    )
    assert failover.coexistence_servers == (A, B, C)
    assert routes(scenario_with(failover, A)) == {B: (B, B), C: (C, C), M: (B, B)}
    assert routes(scenario_with(failover, B)) == {A: (A, A), C: (C, C), M: (A, A)}
    assert routes(scenario_with(failover, C)) == {A: (A, A), B: (B, B), M: (A, A)}
    assert verdict(failover) == "survives the loss of any one coexistence server (mail, free/busy)"
    two_down = failover_of(
        own(UA, NEWEST, A, True),
        own(UB, NEWER, B, True),
        own(UC, OLDER, C, True),
        servers=(A, B, C, M),
        down=(B, A),
    )
    (scenario,) = two_down.scenarios
    assert scenario.down == (A, B)
    assert routes(scenario) == {C: (C, C), M: (C, C)}


def test_three_coexistence_servers_without_readers_fields() -> None:
    documents = (own(UA, NEWEST, A, False), own(UB, NEWER, B, False), own(UC, OLDER, C, False))
    failover = failover_of(*documents, servers=(A, B, C, M))
    # A down: everyone turns to B's document; B's connector still sees A's first.
    assert routes(scenario_with(failover, A)) == {B: (B, None), C: (B, None), M: (B, None)}
    assert routes(scenario_with(failover, B)) == {A: (A, A), C: (A, A), M: (A, A)}
    assert routes(scenario_with(failover, C)) == {A: (A, A), B: (A, A), M: (A, A)}
    assert verdict(failover) == (
        f"the loss of {A} breaks free/busy (fails at {B} for 3 servers); "
        "mail survives the loss of any one coexistence server"
    )
    report = report_of(*documents, servers=(A, B, C, M), down=(A, B))
    (scenario,) = report.failover(report.domains[0]).scenarios
    assert routes(scenario) == {C: (C, None), M: (C, None)}
    assert scenario.routes[0].free_busy_failure == (
        f"fails at {C}: {C} sees the document of {A} first and does not relay"
    )
    assert codes(report) == [("failover-free-busy-fails", C)]


def test_documents_that_name_no_calendar_server_use_the_mail_server() -> None:
    failover = failover_of(
        fd(UA, NEWER, "Servers", A, mail=A),
        fd(UB, OLDER, "Servers", B, mail=B),
    )
    assert routes(scenario_with(failover)) == {A: (A, A), B: (B, B), M: (A, A)}
    assert routes(scenario_with(failover, A)) == {B: (B, B), M: (B, B)}
    assert [route.free_busy_target for route in scenario_with(failover, A).routes] == [B, B]
    assert failover.coexistence_servers == (A, B)
    assert verdict(failover) == "survives the loss of any one coexistence server (mail, free/busy)"


def test_a_document_that_names_no_server_at_all_is_passed_over_until_it_is_first() -> None:
    nameless = "D0000000000000000000000000000000"
    failover = failover_of(fd(nameless, NEWEST), own(UA, NEWER, A, False), servers=(A, M))
    # M passes over the newest document (no server to send to); A's connector cannot.
    assert routes(scenario_with(failover)) == {A: (A, None), M: (A, None)}
    assert scenario_with(failover).routes[1].free_busy_failure == (
        f"fails at {A}: its first BTEx document, {nameless}, names no calendar server"
    )
    assert verdict(failover) == "no failover: one coexistence server"


def test_a_mail_loop_between_two_servers_is_held() -> None:
    # Each coexistence server reads one document only, and its mail goes to the other.
    failover = failover_of(
        fd(UA, NEWER, "Servers", A, mail=B, calendar=A),
        fd(UB, OLDER, "Servers", B, mail=A, calendar=B),
    )
    baseline = scenario_with(failover)
    assert routes(baseline) == {A: (None, A), B: (None, B), M: (None, A)}
    by_server = {route.server: route for route in baseline.routes}
    assert by_server[A].mail_path == (A, B)
    assert by_server[A].mail_held == f"held at {B}: a loop, {A} > {B} > {A}"
    assert by_server[M].mail_path == (M, B, A)
    assert by_server[M].mail_held == f"held at {A}: a loop, {B} > {A} > {B}"  # the loop only
    assert not baseline.mail_ok
    # A down: B's mail goes nowhere (its one document names A), M's goes to B, then A is down.
    assert routes(scenario_with(failover, A)) == {B: (None, B), M: (None, B)}
    assert scenario_with(failover, A).routes[0].mail_held == (
        f"held at {B}: no BTEx document {B} sees names a mail server that is up"
    )


def test_a_server_that_sees_no_document() -> None:
    failover = failover_of(own(UA, NEWER, A, True), own(UB, OLDER, B, True), servers=(A, B, M, X))
    lonely = scenario_with(failover).route(X)
    assert lonely is not None
    assert (lonely.mail, lonely.free_busy, lonely.free_busy_target) == (None, None, None)
    assert lonely.mail_held == f"held at {X}: {X} sees no BTEx document"
    assert lonely.free_busy_failure == f"fails at {X}: {X} sees no BTEx document"
    # Already lost with every server up: no loss breaks it, and none-visible says why.
    assert verdict(failover) == "survives the loss of any one coexistence server (mail, free/busy)"
    assert not scenario_with(failover, A).mail_ok
    report = report_of(own(UA, NEWER, A, True), own(UB, OLDER, B, True), servers=(A, B, M, X))
    assert [(p.code, p.server) for p in report.problems] == [("none-visible", X)]


def test_a_coexistence_server_that_cannot_read_its_own_document() -> None:
    report = report_of(
        fd(UA, NEWER, "Servers", A, mail=A, calendar=A),
        fd(UB, OLDER, "Servers", mail=B, calendar=B),
    )
    failover = report.failover(report.domains[0])
    assert routes(scenario_with(failover, A)) == {B: (None, None), M: (None, None)}
    m_route = scenario_with(failover, A).route(M)
    assert m_route is not None
    assert m_route.mail_path == (M, B)
    assert m_route.mail_held == f"held at {B}: {B} sees no BTEx document"
    assert m_route.free_busy_failure == f"fails at {B}: {B} sees no BTEx document"
    assert codes(report) == [("failover-mail-held", B), ("failover-free-busy-fails", B)]
    # B's own routes fail with every server up too (none-visible): only M's are broken.
    assert verdict(failover) == (
        f"the loss of {A} breaks mail (held at {B} for 1 server) "
        f"and free/busy (fails at {B} for 1 server)"
    )
    assert report.problems_with("failover-mail-held")[0].message == (
        f"BTEx with {A} down: mail from {M} is held at {B}: {B} sees no BTEx document"
    )


def test_one_coexistence_server_is_no_failover_and_no_problem() -> None:
    report = report_of(own(UA, NEWER, A, True), servers=(A, M))
    failover = report.failover(report.domains[0])
    assert verdict(failover) == "no failover: one coexistence server"
    assert routes(scenario_with(failover, A)) == {M: (None, None)}
    assert report.problems == ()
    assert format_audit(report).splitlines()[-2] == (
        "  failover: no failover: one coexistence server"
    )


# -- --down ------------------------------------------------------------------------------------


def test_down_of_an_ordinary_mail_server() -> None:
    documents = (own(UA, NEWER, A, False), own(UB, OLDER, B, False))
    report = report_of(*documents, down=("mail1/acme",))
    assert report.down == (M,)
    failover = report.failover(report.domains[0])
    (scenario,) = failover.scenarios
    assert scenario.down == (M,)
    assert routes(scenario) == {A: (A, A), B: (A, A)}
    assert report.problems_with("failover-free-busy-fails") == ()
    assert verdict(failover) == f"with {M} down: nothing breaks that works with every server up"


def test_down_names_canonical_or_abbreviated_in_any_case() -> None:
    documents = (own(UA, NEWER, A, False), own(UB, OLDER, B, False))
    for written in ("dominoa/acme", "cn=DOMINOA/o=acme", A):
        report = report_of(*documents, down=(written, "DominoA/Acme"))
        assert report.down == (A,)
        (scenario,) = report.scenarios()
        assert routes(scenario) == {B: (B, None), M: (B, None)}
        assert verdict(report.failover(report.domains[0])) == (
            f"the loss of {A} breaks free/busy (fails at {B} for 2 servers)"
        )


def test_down_of_an_unknown_server_names_it_and_the_known_servers() -> None:
    with pytest.raises(UsageError) as caught:
        report_of(own(UA, NEWER, A, False), down=(A, "DominoZ/Acme"))
    assert str(caught.value) == (
        f"--down: DominoZ/Acme is no server known to the exports; known servers: {A}, {B}, {M}"
    )


def test_servers_named_only_by_documents_are_known() -> None:
    elsewhere = "CN=Relay/O=Partner"  # no Server document: named by a MailServer item
    report = report_of(
        fd(UA, NEWER, mail=elsewhere, calendar=A), servers=(A, M), down=("relay/partner",)
    )
    assert report.down == (elsewhere,)
    (scenario,) = report.scenarios()
    assert routes(scenario) == {A: (None, A), M: (None, A)}


# -- order --------------------------------------------------------------------------------------


def test_ties_in_modification_time_go_to_the_smaller_unid_as_in_the_audit() -> None:
    # Same time: B's document has the smaller UNID, so it is everyone's first.
    tie = "D0B00000000000000000000000000000"
    for documents in (
        (own(UA, NEWER, A, False), own(tie, NEWER, B, False)),
        (own(tie, NEWER, B, False), own(UA, NEWER, A, False)),
    ):
        report = report_of(*documents)
        (audit,) = report.domains
        assert {view.primary for view in audit.servers} == {tie}
        failover = report.failover(audit)
        assert routes(scenario_with(failover)) == {A: (B, B), B: (B, B), M: (B, B)}
        assert routes(scenario_with(failover, B)) == {A: (A, None), M: (A, None)}
        assert verdict(failover).startswith(f"the loss of {B} breaks free/busy (fails at {A}")


def test_simulate_lists_every_server_that_is_up_sorted_by_name() -> None:
    report = report_of(own(UA, NEWER, A, True), own(UB, OLDER, B, True), servers=(M, B, X, A))
    (audit,) = report.domains
    scenario = simulate(audit, ("lonely/acme",))
    assert scenario.down == (X,)
    assert [route.server for route in scenario.routes] == [A, B, M]
    assert scenario.label == f"{X} down"
    assert simulate(audit).label == "nothing down"
    two = simulate(audit, ("mail1/acme", A))
    assert two.down == (A, M)
    assert two.label == f"{A}, {M} down"
    assert [route.server for route in two.routes] == [B, X]


def test_servers_with_one_view_each_get_their_own_path() -> None:
    # App1 and Mail1 are named by no document and see what DominoA and DominoB see.
    app = "CN=App1/O=Acme"
    failover = failover_of(
        own(UA, NEWER, A, False), own(UB, OLDER, B, False), servers=(app, A, B, M)
    )
    paths = {route.server: route.mail_path for route in scenario_with(failover).routes}
    assert paths == {app: (app, A), A: (A,), B: (B, A), M: (M, A)}
    a_down = {route.server: route.mail_path for route in scenario_with(failover, A).routes}
    assert a_down == {app: (app, B), B: (B,), M: (M, B)}


def test_a_relay_that_shares_a_view_with_an_ordinary_server_hands_the_mail_over_itself() -> None:
    app, relay = "CN=App1/O=Acme", "CN=Relay/O=Acme"
    failover = failover_of(fd(UA, NEWER, mail=relay, calendar=A), servers=(app, A, relay))
    baseline = {route.server: route for route in scenario_with(failover).routes}
    assert {server: route.mail_path for server, route in baseline.items()} == {
        app: (app, relay),
        A: (A, relay),
        relay: (relay,),
    }
    assert {route.mail for route in baseline.values()} == {relay}
    assert {route.free_busy for route in baseline.values()} == {A}


# -- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "documents",
    [
        (own(UA, NEWER, A, False), own(UB, OLDER, B, False)),
        (own(UA, NEWER, A, True),),
        (),
    ],
    ids=["two", "one", "none"],
)
def test_the_streamed_json_is_the_json_of_the_report(documents: tuple[GenDocument, ...]) -> None:
    for down in (None, (M,)):
        report = report_of(*documents, down=down)
        out = io.StringIO()
        write_audit_json(report, out)
        assert out.getvalue() == json.dumps(audit_to_json(report), indent=2) + "\n"
    scenarios = json.loads(out.getvalue())["failover"]
    assert [(s["domain"], s["down"]) for s in scenarios] == ([("BTEx", [M])] if documents else [])
