"""The candidates for `servers_group` and the fix the audit suggests: small directories
written out by hand, each with its expected candidates written literally, the fixtures,
and a brute-force reference on generated directories."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from dxltools.audit.collect import Auditor, audit_files
from dxltools.audit.fix import (
    Candidate,
    ServersGroupChoice,
    candidates_of,
    describe_choice,
    fix_command,
    fix_to_json,
    fixes,
    format_fix,
    missing_servers_group_hint,
    servers_group_candidates,
    suggest_fix,
)
from dxltools.audit.report import AuditReport
from dxltools.audit.views import Problem
from dxltools.errors import MissingParameterError
from dxltools.names import is_wildcard, name_key, wildcard_matches
from tests.directory_strategies import (
    GenDirectory,
    GenDocument,
    GenGroup,
    GenItem,
    directories,
    fixable_directories,
)
from tests.shared import FIXTURES

C1 = "CN=Coex1/OU=Hub/O=Acme"
C2 = "CN=Coex2/OU=Hub/O=Acme"
C3 = "CN=Coex3/OU=Hub/O=Acme"
C4 = "CN=Coex4/O=Acme"
MAIL = "CN=Mail1/O=Acme"
APP = "CN=App1/OU=Apps/O=Acme"
RELAY = "CN=Relay/O=Partner"
ADMIN = "CN=Admin/O=Acme"
JANA = "CN=Jana Novak/OU=Hub/O=Acme"
# The ordinary servers of the directory below, and its two coexistence servers, sorted.
MUST_HOLD = (APP, MAIL)
MUST_NOT = (C1, C2)


def document(number: int, own: str, domain: str = "BTEx") -> GenDocument:
    dxl_access = GenItem("DocumentAccess", False, ("[NetModifier]",))
    return GenDocument(
        f"D0C{number:029X}", "20230101T120000,00+01", own, own, (dxl_access,), domain
    )


BTEX = (document(1, C1), document(2, C2))


def choice(
    *groups: GenGroup,
    documents: tuple[GenDocument, ...] = BTEX,
    servers: tuple[str, ...] = (C1, C2, MAIL, APP),
) -> ServersGroupChoice:
    directory = GenDirectory(servers, groups, (), (), documents, split=False)
    auditor = Auditor()
    for name, data in directory.exports():
        auditor.add_bytes(data, name)
    return candidates_of(auditor)


def group(name: str, *members: str, group_type: str = "0") -> GenGroup:
    return GenGroup(name, members, group_type)


# -- the directories of the issue ------------------------------------------------------------


def test_one_exact_group() -> None:
    found = choice(
        group("Ordinary", MAIL, "App1/Apps/Acme"),  # abbreviated: the same server
        group("Everyone", MAIL, APP, C1, C2),
        group("Admins", ADMIN),
    )
    assert found == ServersGroupChoice(
        MUST_HOLD, MUST_NOT, (Candidate("Ordinary", True, (), False),)
    )
    assert found.best == Candidate("Ordinary", True, (), False)


def test_no_group_qualifies() -> None:
    found = choice(group("Everyone", MAIL, APP, C1), group("MailOnly", MAIL))
    assert found == ServersGroupChoice(MUST_HOLD, MUST_NOT, ())
    assert found.best is None
    assert describe_choice(found) == (
        "no group in the input qualifies: it must hold CN=App1/OU=Apps/O=Acme, "
        "CN=Mail1/O=Acme (directly or through nested groups) and none of "
        "CN=Coex1/OU=Hub/O=Acme, CN=Coex2/OU=Hub/O=Acme"
    )


def test_exact_first_then_the_fewest_extra_members() -> None:
    # Neither the alphabetical order nor its reverse: Mid, Zeta, Alpha.
    found = choice(
        group("Alpha", MAIL, APP, ADMIN, "*/OU=Apps/O=Acme"),
        group("Zeta", JANA, MAIL, APP),
        group("Mid", APP, MAIL),
    )
    assert found.candidates == (
        Candidate("Mid", True, (), False),
        Candidate("Zeta", False, (JANA,), False),
        Candidate("Alpha", False, ("*/OU=Apps/O=Acme", ADMIN), False),
    )
    assert describe_choice(found) == (
        "candidates in the input: Mid (exact), Zeta (1 extra member: "
        "CN=Jana Novak/OU=Hub/O=Acme), Alpha (2 extra members: */OU=Apps/O=Acme, "
        "CN=Admin/O=Acme)"
    )


def test_the_right_servers_only_through_nested_groups() -> None:
    found = choice(
        group("Outer", "Left", "Right"),
        group("Left", MAIL),
        group("Right", "Deeper"),
        group("Deeper", APP),
    )
    # Left, Right and Deeper hold one ordinary server each: not candidates.
    assert found.candidates == (Candidate("Outer", True, (), False),)


def test_a_servers_only_group_comes_last_with_a_note() -> None:
    found = choice(
        group("ServersOnly", MAIL, APP, group_type="4"),
        group("Mixed", MAIL, APP, ADMIN),
    )
    assert found.candidates == (
        Candidate("Mixed", False, (ADMIN,), False),
        Candidate("ServersOnly", True, (), True),
    )
    assert describe_choice(found).endswith(
        "ServersOnly (exact; servers only: a readers field may not honour it)"
    )


def test_a_group_holding_a_coexistence_server_through_nesting_is_no_candidate() -> None:
    found = choice(
        group("Outer", MAIL, APP, "Coex"),
        group("Coex", C1),
        group("ByWildcard", MAIL, APP, "*/OU=Hub/O=Acme"),  # matches both coexistence servers
        group("Good", MAIL, APP),
    )
    assert found.candidates == (Candidate("Good", True, (), False),)


def test_two_multi_document_foreign_domains() -> None:
    found = choice(
        group("Ordinary", MAIL, APP, RELAY),
        group("WithCoex3", MAIL, APP, RELAY, C3),
        group("NoRelay", MAIL, APP),
        documents=(
            *BTEX,
            document(3, C3, "Cloud"),
            document(4, C4, "Cloud"),
            document(5, RELAY, "Solo"),  # one document: its server is an ordinary one
        ),
        servers=(C1, C2, C3, C4, MAIL, APP, RELAY),
    )
    assert found == ServersGroupChoice(
        (APP, MAIL, RELAY), (C1, C2, C3, C4), (Candidate("Ordinary", True, (), False),)
    )


def test_no_ordinary_server_known_means_no_candidate() -> None:
    found = choice(group("Admins", ADMIN), servers=(C1, C2))
    assert found == ServersGroupChoice((), MUST_NOT, ())
    assert describe_choice(found) == (
        "no ordinary server is known from the input (no Server document, no server named "
        "but the coexistence servers), so no group can be told to qualify: give the "
        "directory export as well (the group must hold every ordinary server and none of "
        "CN=Coex1/OU=Hub/O=Acme, CN=Coex2/OU=Hub/O=Acme)"
    )


# -- the fixtures ------------------------------------------------------------------------------

NAMES = FIXTURES / "names.dxl"
FOREIGN = FIXTURES / "foreign-domains.dxl"
SINGLE = FIXTURES / "foreign-domain-single.dxl"
ORDINARY = ("CN=DominoApp1/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme")
COEX = ("CN=DominoCoex1/O=Acme", "CN=DominoCoex2/O=Acme")


def fixture_choice(*paths: object) -> ServersGroupChoice:
    auditor = Auditor()
    for path in paths:
        auditor.add_file(str(path))
    return candidates_of(auditor)


def test_the_fixture_has_one_exact_group() -> None:
    # LocalDomainServers and AcmeCoexServers hold the coexistence servers.
    expected = ServersGroupChoice(ORDINARY, COEX, (Candidate("AcmeMailServers", True, (), False),))
    assert fixture_choice(NAMES) == expected
    assert fixture_choice(FOREIGN, NAMES) == expected


def test_exports_without_groups_have_none() -> None:
    assert fixture_choice(FOREIGN) == ServersGroupChoice((), COEX, ())
    # One document: its server is no coexistence server to keep out.
    assert fixture_choice(SINGLE) == ServersGroupChoice(("CN=DominoCoex1/O=Acme",), (), ())


# -- the fix -------------------------------------------------------------------------------


def test_what_coexistence_readers_fixes() -> None:
    fixed = ["document-access-present", "unrestricted", "multiple-visible"]
    fixed += ["failover-mail-held", "failover-free-busy-fails", "failover-anything"]
    for code in fixed:
        assert fixes(Problem(code, "")), code
    for code in ["none-visible", "authors-grant-read", "unknown-name", "group-cycle"]:
        assert not fixes(Problem(code, "")), code
    assert not fixes(Problem("servers-only-group", ""))


def _report(*problems: Problem) -> AuditReport:
    return AuditReport(("names.dxl",), "ForeignDomain", (), problems)


def test_a_failover_problem_alone_gets_a_fix() -> None:
    best = ServersGroupChoice((MAIL,), (C1,), (Candidate("Mail", True, (), False),))
    fix = suggest_fix(_report(Problem("failover-mail-held", "held")), best, ["names.dxl"])
    assert fix is not None
    assert fix.command == (
        "dxltools run coexistence-readers names.dxl --set servers_group=Mail -i --backup .orig"
    )
    assert suggest_fix(_report(Problem("none-visible", "")), best, ["names.dxl"]) is None
    assert suggest_fix(_report(), best, ["names.dxl"]) is None
    assert format_fix(fix).splitlines()[0] == (
        "coexistence-readers fixes 1 of these problems (failover-mail-held)"
    )
    two = _report(Problem("failover-mail-held", "held"), Problem("failover-mail-held", "again"))
    fixed_two = suggest_fix(two, best, ["names.dxl"])
    assert fixed_two is not None
    assert format_fix(fixed_two).splitlines()[0] == (
        "coexistence-readers fixes 2 of these problems (failover-mail-held)"
    )


def test_the_command_is_quoted_for_the_shell() -> None:
    command = fix_command(
        ["my exports/o'brien.dxl", "b.dxl"],
        {"servers_group": "Acme Mail Servers", "admins_group": "Admins"},
        include=["*.DXL"],
        exclude=["old dir"],
    )
    assert command == (
        "dxltools run coexistence-readers 'my exports/o'\"'\"'brien.dxl' b.dxl "
        "--include '*.DXL' --exclude 'old dir' "
        "--set 'servers_group=Acme Mail Servers' --set admins_group=Admins -i --backup .orig"
    )
    # Standard input: a filter, nothing written in place.
    assert fix_command([], {"servers_group": "G"}) == (
        "dxltools run coexistence-readers --set servers_group=G"
    )
    assert fix_command(["-"], {"servers_group": "G"}) == (
        "dxltools run coexistence-readers --set servers_group=G"
    )


def test_the_fix_of_the_fixture() -> None:
    report = audit_files([NAMES])
    auditor = Auditor()
    auditor.add_file(NAMES)
    choice = servers_group_candidates(report, auditor.access())
    fix = suggest_fix(report, choice, ["fixtures/names.dxl"], domain="BTEx")
    assert fix is not None
    assert len(fix.problems) == 7  # with failover-free-busy-fails (issue 12)
    assert fix_to_json(fix) == {
        "agent": "coexistence-readers",
        "problems": 7,
        "parameters": {"servers_group": "AcmeMailServers", "domain": "BTEx"},
        "candidates": [
            {"group": "AcmeMailServers", "exact": True, "extra_members": [], "servers_only": False}
        ],
        "must_hold": list(ORDINARY),
        "must_not_hold": list(COEX),
        "command": "dxltools run coexistence-readers fixtures/names.dxl "
        "--set servers_group=AcmeMailServers --set domain=BTEx -i --backup .orig",
    }
    assert format_fix(fix) == (
        "coexistence-readers fixes 7 of these problems "
        "(document-access-present, unrestricted, multiple-visible, failover-free-busy-fails)\n"
        "  run: dxltools run coexistence-readers fixtures/names.dxl "
        "--set servers_group=AcmeMailServers --set domain=BTEx -i --backup .orig\n"
        "  (review first: the same command with --diff in place of -i --backup .orig)\n"
        "  servers_group: AcmeMailServers (exact)\n"
    )
    assert fix_to_json(None) is None


def test_the_fix_without_a_candidate() -> None:
    report = audit_files([SINGLE])
    fix = suggest_fix(report, ServersGroupChoice((COEX[0],), (), ()), ["single.dxl"])
    assert fix is not None
    document = fix_to_json(fix)
    assert document is not None
    assert document["parameters"] == {"servers_group": None}
    assert document["command"] is None
    assert document["candidates"] == []
    assert format_fix(fix).splitlines()[1:] == [
        "  no group in the input qualifies: it must hold CN=DominoCoex1/O=Acme "
        "(directly or through nested groups)",
        "  create such a group, then run: dxltools run coexistence-readers single.dxl "
        "--set servers_group=GROUP -i --backup .orig",
    ]


def test_other_candidates_are_listed() -> None:
    report = audit_files([NAMES])
    two = ServersGroupChoice(
        ORDINARY,
        COEX,
        (Candidate("A", True, (), False), Candidate("B", False, (ADMIN,), True)),
    )
    fix = suggest_fix(report, two, ["n.dxl"], settings={"servers_group": "X", "admins_group": "Y"})
    assert fix is not None
    assert fix.parameters == {"servers_group": "A", "admins_group": "Y"}
    assert format_fix(fix).splitlines()[-1] == (
        "  other candidates: B (1 extra member: CN=Admin/O=Acme; "
        "servers only: a readers field may not honour it)"
    )


# -- generated directories against a brute-force reference -----------------------------------


def reference_candidates(directory: GenDirectory) -> set[str]:
    """Keys of the groups that qualify, the slow way: membership as a fixpoint over
    (server, group) pairs; coexistence servers are the owners of a domain's documents
    when it has several."""
    groups = {name_key(group.name): group for group in directory.groups}

    def lists(member: str, name: str, belongs: set[str]) -> bool:
        if is_wildcard(member):
            return wildcard_matches(member, name)
        return name_key(member) == name_key(name) or name_key(member) in belongs

    belongs: dict[str, set[str]] = {name_key(server): set() for server in directory.servers}
    names = {name_key(server): server for server in directory.servers}
    changed = True
    while changed:
        changed = False
        for key, found in belongs.items():
            for group_key, group in groups.items():
                if group_key not in found and any(
                    lists(m, names[key], found) for m in group.members
                ):
                    found.add(group_key)
                    changed = True
    owners = {name_key(d.calendar_server or d.mail_server or "") for d in directory.documents}
    coexistence = owners if len(directory.documents) > 1 else set()
    ordinary = [key for key in belongs if key not in coexistence]
    if not ordinary:
        return set()
    qualify = set(groups)
    for key in ordinary:
        qualify &= belongs[key]
    for key in coexistence:
        qualify -= belongs[key]
    return qualify


@given(st.one_of(fixable_directories(), directories()))
def test_candidates_agree_with_a_brute_force_reference(directory: GenDirectory) -> None:
    auditor = Auditor()
    for name, data in directory.exports():
        auditor.add_bytes(data, name)
    found = candidates_of(auditor)
    assert {name_key(c.group) for c in found.candidates} == reference_candidates(directory)
    servers_only = {name_key(g.name) for g in directory.groups if g.group_type == "4"}
    assert {name_key(c.group) for c in found.candidates if c.servers_only} == (
        servers_only & reference_candidates(directory)
    )
    ranks = [(c.servers_only, not c.exact, len(c.extra_members)) for c in found.candidates]
    assert ranks == sorted(ranks)
    assert all(c.exact == (not c.extra_members) for c in found.candidates)


def test_long_lists_are_cut_short_in_text() -> None:
    many = ("CN=A/O=X", "CN=B/O=X", "CN=C/O=X", "CN=D/O=X")
    candidates = tuple(Candidate(f"G{n}", False, many, False) for n in range(7))
    assert describe_choice(ServersGroupChoice((MAIL,), (), candidates)) == (
        "candidates in the input: "
        + ", ".join(f"G{n} (4 extra members: CN=A/O=X, CN=B/O=X, CN=C/O=X, ...)" for n in range(5))
        + " and 2 more (audit --json lists them all)"
    )
    three = Candidate("Three", False, many[:3], False)
    assert describe_choice(ServersGroupChoice((MAIL,), (), (three,))) == (
        "candidates in the input: Three (3 extra members: CN=A/O=X, CN=B/O=X, CN=C/O=X)"
    )


def test_five_candidates_are_all_shown_and_a_sixth_is_counted() -> None:
    names = ["G1", "G2", "G3", "G4", "G5", "G6"]
    exact = [Candidate(name, True, (), False) for name in names]
    five = describe_choice(ServersGroupChoice(MUST_HOLD, MUST_NOT, tuple(exact[:5])))
    assert five == "candidates in the input: " + ", ".join(f"{name} (exact)" for name in names[:5])
    six = describe_choice(ServersGroupChoice(MUST_HOLD, MUST_NOT, tuple(exact)))
    assert six == five + " and 1 more (audit --json lists them all)"


def test_the_hint_is_only_for_a_missing_servers_group() -> None:
    other = MissingParameterError("missing admins_group", parameter="admins_group")
    assert (
        missing_servers_group_hint(other, [str(FIXTURES / "names.dxl")], io.BytesIO(), settings={})
        == ""
    )
    wanted = MissingParameterError("missing servers_group", parameter="servers_group")
    hint = missing_servers_group_hint(
        wanted, [str(FIXTURES / "names.dxl")], io.BytesIO(), settings={}
    )
    assert hint.startswith("; candidates in the input: ")
