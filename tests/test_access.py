"""Who can read a note: readers and authors items, groups, roles, wildcards, names."""

from __future__ import annotations

import pytest

from dxltools.access.resolver import (
    Access,
    Acl,
    AclEntry,
    Directory,
    Group,
    NoteAccess,
    group_of,
    parse_acl,
    role_key,
    server_name_of,
)
from dxltools.dxl.parse import parse_note
from dxltools.dxl.scan import scan_bytes
from dxltools.dxl.segments import SegmentKind
from dxltools.errors import DxlSyntaxError
from tests.shared import FIXTURES

HUB = "CN=DominoHub1/O=Acme"
MAIL = "CN=DominoMail1/O=Acme"
COEX1 = "CN=DominoCoex1/OU=Gw/O=Acme"
COEX2 = "CN=DominoCoex2/OU=Gw/O=Acme"
PARTNER = "CN=Relay/O=Partner"
SERVERS = (HUB, MAIL, COEX1, COEX2, PARTNER)


def text(values: tuple[str, ...]) -> str:
    if not values:
        return "<text/>"
    return "<textlist>" + "".join(f"<text>{value}</text>" for value in values) + "</textlist>"


def readers(*values: str, name: str = "$Readers") -> str:
    return f"<item name='{name}' readers='true' names='true'>{text(values)}</item>"


def authors(*values: str, name: str = "LocalAdmin") -> str:
    return f"<item name='{name}' authors='true' names='true'>{text(values)}</item>"


def note_access(*items: str) -> NoteAccess:
    data = ("<document form='Domain'>\n" + "\n".join(items) + "</document>").encode()
    return NoteAccess.of(parse_note(data))


def group(name: str, *members: str, group_type: str = "0") -> Group:
    return Group((name,), members, group_type)


def access(*groups: Group, acl: Acl | None = None) -> Access:
    return Access(Directory(SERVERS, groups, acl))


def who_reads(resolver: Access, note: NoteAccess) -> set[str]:
    return {server for server in SERVERS if resolver.can_read(server, note)}


# -- readers and authors items --------------------------------------------------------


def test_no_readers_item_lets_every_server_read() -> None:
    note = note_access("<item name='Subject'><text>x</text></item>")
    assert not note.restricted
    assert who_reads(access(), note) == set(SERVERS)
    assert access().readable_by(note) == ("*",)


@pytest.mark.parametrize(
    "item",
    [
        readers(),
        "<item name='$Readers' readers='true'><text>  </text></item>",
        "<item name='$Readers' readers='true'><textlist><text/><text/></textlist></item>",
        "<item name='$Readers' readers='true'><number>3</number></item>",
    ],
    ids=["empty", "blank", "blank-list", "not-text"],
)
def test_empty_readers_items_do_not_restrict(item: str) -> None:
    note = note_access(item, readers(name="Other"))
    assert not note.restricted
    assert who_reads(access(), note) == set(SERVERS)


def test_authors_only_documents_are_unrestricted() -> None:
    note = note_access(authors(HUB), authors("[NetModifier]", name="DocumentAccess"))
    assert not note.restricted
    assert who_reads(access(), note) == set(SERVERS)


def test_every_readers_and_authors_item_grants_read_once_restricted() -> None:
    note = note_access(readers(HUB), readers(MAIL, name="Extra"), authors(COEX1, name="Owner"))
    assert note.restricted
    assert who_reads(access(), note) == {HUB, MAIL, COEX1}


def test_an_item_flagged_readers_and_authors_restricts() -> None:
    note = note_access(f"<item name='X' readers='true' authors='true'><text>{HUB}</text></item>")
    assert note.restricted
    assert note.authors_items == ()
    assert who_reads(access(), note) == {HUB}


# -- names ------------------------------------------------------------------------------


def test_abbreviated_and_canonical_names_are_equal_in_any_case() -> None:
    note = note_access(readers("dominocoex1/GW/acme", "cn=DOMINOHUB1/o=ACME"))
    assert who_reads(access(), note) == {COEX1, HUB}
    assert access().readable_by(note) == (COEX1, HUB)


def test_wildcards_match_hierarchical_names_under_them() -> None:
    assert who_reads(access(), note_access(readers("*/O=Acme"))) == {HUB, MAIL, COEX1, COEX2}
    assert who_reads(access(), note_access(readers("*/ou=gw/o=acme"))) == {COEX1, COEX2}
    assert who_reads(access(), note_access(readers("*/Gw/Acme"))) == {COEX1, COEX2}
    assert who_reads(access(), note_access(readers("*"))) == set(SERVERS)
    assert who_reads(access(), note_access(readers("*/O=Nowhere"))) == set()


def test_readable_by_names_the_wildcards_it_reaches() -> None:
    resolver = access(group("Partners", "*/O=Partner"))
    note = note_access(readers("Partners", HUB))
    assert resolver.readable_by(note) == ("*/O=Partner", HUB, PARTNER)


# -- groups -----------------------------------------------------------------------------


def test_groups_nest() -> None:
    resolver = access(
        group("Outer", "Middle", MAIL),
        group("Middle", "inner"),
        group("Inner", "DominoCoex2/Gw/Acme"),
    )
    assert who_reads(resolver, note_access(readers("OUTER"))) == {MAIL, COEX2}
    assert who_reads(resolver, note_access(readers("Middle"))) == {COEX2}
    assert resolver.groups_of(COEX2) == {"outer", "middle", "inner"}


def test_group_members_may_be_wildcards() -> None:
    resolver = access(group("Gateways", "*/OU=Gw/O=Acme"), group("All", "Gateways"))
    assert who_reads(resolver, note_access(readers("All"))) == {COEX1, COEX2}


def test_a_group_with_several_names_answers_to_each() -> None:
    resolver = Access(Directory(SERVERS, (Group(("Hubs", "HubServers"), (HUB,)),)))
    assert who_reads(resolver, note_access(readers("hubservers"))) == {HUB}
    assert who_reads(resolver, note_access(readers("Hubs"))) == {HUB}


def test_group_cycles_end_and_are_reported() -> None:
    resolver = access(group("A", "B", HUB), group("B", "C"), group("C", "A", MAIL), group("D", "D"))
    assert who_reads(resolver, note_access(readers("B"))) == {HUB, MAIL}
    assert resolver.cycles() == (("A", "B", "C", "A"), ("D", "D"))
    assert set(resolver.expand(["A"]).groups) == {"A", "B", "C"}


def test_no_cycle_in_a_diamond() -> None:
    resolver = access(group("Top", "Left", "Right"), group("Left", "Base"), group("Right", "Base"))
    assert resolver.cycles() == ()


def test_group_documents_are_read_from_their_items() -> None:
    data = (FIXTURES / "names.dxl").read_bytes()
    notes = [
        parse_note(segment.data, namespace="http://www.lotus.com/dxl")
        for segment in scan_bytes(data)
        if segment.kind is SegmentKind.NOTE
    ]
    groups = [found for found in map(group_of, notes) if found is not None]
    by_name = {found.name: found for found in groups}
    assert set(by_name) == {
        "LocalDomainServers",
        "OtherDomainServers",
        "LocalDomainAdmins",
        "AcmeMailServers",
        "Terminations",
        "AcmeCoexServers",
    }
    assert by_name["AcmeCoexServers"].servers_only
    assert by_name["OtherDomainServers"].members == ()
    assert by_name["AcmeMailServers"].members == (
        "CN=DominoHub1/O=Acme",
        "CN=DominoMail1/O=Acme",
        "CN=DominoApp1/O=Acme",
    )
    servers = [found for found in map(server_name_of, notes) if found is not None]
    assert "CN=DominoCoex2/O=Acme" in servers
    assert len(servers) == 5


def test_group_type_may_be_a_number() -> None:
    data = (
        b"<document form='Group'><item name='ListName'><text>G</text></item>"
        b"<item name='GroupType'><number>4</number></item></document>"
    )
    found = group_of(parse_note(data))
    assert found is not None
    assert found.servers_only


# -- roles ------------------------------------------------------------------------------


def fixture_acl() -> Acl:
    data = (FIXTURES / "names.dxl").read_bytes()
    (segment,) = [s for s in scan_bytes(data) if s.kind is SegmentKind.ELEMENT and s.name == "acl"]
    return parse_acl(segment.data, namespace="http://www.lotus.com/dxl", line=segment.line)


def test_the_fixture_acl_writes_roles_without_brackets() -> None:
    acl = fixture_acl()
    assert "NetModifier" in acl.roles
    entries = {entry.name: entry for entry in acl.entries}
    assert entries["-Default-"].default
    assert "NetModifier" in entries["LocalDomainServers"].roles
    assert entries["OtherDomainServers"].roles == ()


def test_roles_reach_servers_through_acl_groups() -> None:
    resolver = access(
        group("LocalDomainServers", HUB, "Gateways"), group("Gateways", COEX1), acl=fixture_acl()
    )
    note = note_access(
        readers("LocalDomainAdmins"), authors("[NetModifier]", name="DocumentAccess")
    )
    assert who_reads(resolver, note) == {HUB, COEX1}
    assert resolver.names_list(COEX1).roles >= {"netmodifier", "servermodifier"}


@pytest.mark.parametrize("written", ["[NetModifier]", "[netmodifier]", "[ NetModifier ]"])
def test_roles_match_with_or_without_brackets_in_any_case(written: str) -> None:
    resolver = access(acl=Acl(("[NetModifier]",), (AclEntry(HUB, ("NetModifier",)),)))
    assert who_reads(resolver, note_access(readers(written))) == {HUB}
    assert role_key(written) == "netmodifier"


def test_an_own_acl_entry_overrides_the_roles_of_groups() -> None:
    acl = Acl(
        ("NetModifier",),
        (AclEntry("Servers", ("NetModifier",)), AclEntry("DominoMail1/Acme", ())),
    )
    resolver = access(group("Servers", HUB, MAIL), acl=acl)
    assert who_reads(resolver, note_access(readers("[NetModifier]"))) == {HUB}


def test_group_entries_add_up_and_override_wildcard_entries() -> None:
    acl = Acl(
        ("A", "B", "W"),
        (
            AclEntry("G1", ("A",)),
            AclEntry("G2", ("B",)),
            AclEntry("*/O=Acme", ("W",)),
            AclEntry("-Default-", ("A", "B", "W"), default=True),
        ),
    )
    resolver = access(group("G1", HUB), group("G2", HUB, MAIL), acl=acl)
    assert resolver.names_list(HUB).roles == {"a", "b"}
    assert resolver.names_list(MAIL).roles == {"b"}
    assert resolver.names_list(COEX1).roles == {"w"}  # only the wildcard entry matches
    assert resolver.names_list(PARTNER).roles == {"a", "b", "w"}  # -Default-
    assert who_reads(resolver, note_access(readers("[W]"))) == {COEX1, COEX2, PARTNER}


def test_without_an_acl_roles_grant_nothing() -> None:
    assert who_reads(access(), note_access(readers("[NetModifier]"))) == set()


def test_a_broken_acl_names_file_and_line() -> None:
    with pytest.raises(DxlSyntaxError, match=r"^names\.dxl:12: not well-formed"):
        parse_acl(b"<acl><role>x</acl>", source="names.dxl", line=12)


# -- what is known ----------------------------------------------------------------------


def test_known_names() -> None:
    resolver = access(
        group("Admins", "CN=Jana Novak/O=Acme", "*/OU=Ops/O=Acme"),
        acl=Acl(("NetModifier",), (AclEntry("CN=Auditor/O=Acme", ("Reader",)),)),
    )
    known = [
        "dominohub1/acme",  # a server
        "admins",  # a group
        "Jana Novak/Acme",  # a group member
        "CN=Auditor/O=Acme",  # an ACL entry
        "CN=Anyone/OU=Ops/O=Acme",  # under a wildcard the directory writes
        "*/ou=ops/o=acme",  # that wildcard itself
        "*/O=Acme",  # a wildcard that matches known names
        "*",
        "[NetModifier]",  # declared by the ACL
        "[reader]",  # held by an ACL entry
    ]
    unknown = ["CN=Ghost/O=Acme", "NoSuchGroup", "[Missing]", "*/O=Nowhere", "*/OU=Dev/O=Acme"]
    assert [entry for entry in known if not resolver.is_known(entry)] == []
    assert [entry for entry in unknown if resolver.is_known(entry)] == []


def test_expand_follows_groups_and_roles() -> None:
    acl = Acl(("R",), (AclEntry("Servers", ("R",)), AclEntry("*/O=Partner", ("R",))))
    resolver = access(
        group("Servers", HUB, "Gateways"), group("Gateways", COEX1, "*/OU=Gw/O=Acme"), acl=acl
    )
    expansion = resolver.expand(["[r]", "CN=Someone/O=Acme"])
    assert expansion.roles == ("r",)
    # Depth first, in the order of the entries, the ACL and the members.
    assert expansion.groups == ("Servers", "Gateways")
    assert expansion.names == (HUB, COEX1, "CN=Someone/O=Acme")
    assert expansion.wildcards == ("*/OU=Gw/O=Acme", "*/O=Partner")


def test_two_group_documents_of_one_name_both_count() -> None:
    resolver = access(group("Servers", HUB), group("servers", MAIL))
    assert who_reads(resolver, note_access(readers("Servers"))) == {HUB, MAIL}
