"""What keeps the audit of a large directory small: every name kept once, a Group
document as numbers, each distinct server view and readers list once. These tests
check the sharing itself, not memory use: they fail if a store starts keeping copies."""

from __future__ import annotations

import io

from dxltools.access.resolver import Access, Directory, Group, GroupStore, NameTable
from dxltools.agents import load_agent
from dxltools.audit.collect import audit_bytes, audit_files
from dxltools.audit.render import format_audit, write_audit
from dxltools.audit.report import AuditReport
from dxltools.names import canonicalize, name_key, name_kind
from dxltools.rewrite.stream import rewrite_bytes
from tests.shared import FIXTURES

NAMES = FIXTURES / "names.dxl"
SERVERS = ("CN=Mail1/O=Acme", "CN=Coex1/O=Acme")


def fresh(text: str) -> str:
    """An equal string that is another object, as each parsed document makes its own."""
    return (text + ".")[:-1]


def people(count: int) -> list[str]:
    return [f"CN=Person {number}/OU=Sales/O=Acme" for number in range(count)]


# -- names ----------------------------------------------------------------------------------


def test_a_name_added_again_keeps_its_number() -> None:
    table = NameTable()
    first = table.add("CN=Jana Novák/O=Acme")
    assert table.add(fresh("CN=Jana Novák/O=Acme")) == first
    assert table.add("Other") == first + 1
    assert len(table) == 2
    assert table.text(first) == "CN=Jana Novák/O=Acme"


def test_spellings_of_one_name_keep_their_text_and_share_a_key_id() -> None:
    table = NameTable()
    spellings = ["CN=Jana/OU=Hub/O=Acme", "jana/hub/acme", "cn=JANA/ou=hub/o=acme"]
    numbers = [table.add(spelling) for spelling in spellings]
    assert len(set(numbers)) == 3
    assert [table.text(number) for number in numbers] == spellings
    assert {table.key_id_of(number) for number in numbers} == {numbers[0]}
    assert table.key_id(name_key("Jana/Hub/Acme")) == numbers[0]
    assert table.key_id("cn=someone else/o=acme") is None
    assert table.canonical(numbers[1]) == "CN=jana/OU=hub/O=acme"


def test_thousands_of_names_and_odd_text_survive_the_table_growing() -> None:
    table = NameTable()
    odd = ["", " padded ", "[Role]", "*/O=Acme", "\ud800 lone surrogate", "日本/Acme"]
    names = people(5000) + odd
    numbers = [table.add(name) for name in names]
    assert numbers == list(range(len(names)))
    assert [table.text(number) for number in numbers] == names
    assert [table.add(fresh(name)) for name in names] == numbers


# -- groups ---------------------------------------------------------------------------------


def test_a_member_of_many_groups_is_kept_once() -> None:
    store = GroupStore()
    members = people(50)
    for number in range(1000):
        group = Group((f"Team{number}",), tuple(map(fresh, members)))
        store.add(f"unid{number}", group)
    assert len(store) == 1000
    assert len(store.names) == 50 + 1000  # the members once, and each group's name
    documents = list(store.documents())
    assert store.members_of(documents[0]) == store.members_of(documents[-1])
    assert [store.names.text(n) for n in store.members_of(documents[-1])] == members


def test_a_document_added_again_replaces_the_first_and_moves_last() -> None:
    store = GroupStore()
    store.add("a", Group(("Old",), ("CN=Mail1/O=Acme",)))
    store.add("b", Group(("Other",), ()))
    store.add("a", Group(("New",), ("CN=Coex1/O=Acme",), "4"))
    store.discard("b")
    store.discard("never added")
    (document,) = store.documents()
    assert len(store) == 1
    assert [store.names.text(n) for n in store.names_of(document)] == ["New"]
    assert store.servers_only(document)
    resolver = Access(Directory(SERVERS, store))
    assert not resolver.is_group("Old")
    assert not resolver.is_group("Other")
    assert resolver.groups_of("CN=Coex1/O=Acme") == {"new"}
    assert resolver.groups_of("CN=Mail1/O=Acme") == frozenset()


def test_a_store_and_a_tuple_of_groups_answer_alike() -> None:
    groups = (
        Group(("Servers", "AllServers"), ("Mail1/Acme", "Coexistence")),
        Group(("Coexistence",), ("CN=Coex1/O=Acme", "*/OU=Gw/O=Acme"), "4"),
        Group(("servers",), ("CN=Person 1/OU=Sales/O=Acme",)),
    )
    as_tuple = Access(Directory(SERVERS, groups))
    as_store = Access(Directory(SERVERS, GroupStore.of(groups)))
    for resolver in (as_tuple, as_store):
        assert resolver.readers_of(["Servers"]) == (
            "*/OU=Gw/O=Acme",
            "CN=Coex1/O=Acme",
            "CN=Mail1/O=Acme",
            "CN=Person 1/OU=Sales/O=Acme",
        )
        assert "CN=Person 1/OU=Sales/O=Acme" not in resolver.readers_of(["AllServers"])
        assert resolver.groups_of("CN=Coex1/O=Acme") == {"coexistence", "servers", "allservers"}
        assert resolver.is_servers_only("coexistence")
    assert as_tuple.principals() == as_store.principals()


def test_indexing_a_directory_leaves_the_name_caches_alone() -> None:
    # Its names are mostly met once: cached, they would all stay alive.
    store = GroupStore()
    for number, member in enumerate(people(3000)):
        store.add(str(number), Group((f"Team{number % 30}",), (member,)))
    for cached in (canonicalize, name_key, name_kind):
        cached.cache_clear()
    resolver = Access(Directory(SERVERS, store))
    assert resolver.is_known("CN=Person 2999/OU=Sales/O=Acme")
    for cached in (canonicalize, name_key, name_kind):
        assert cached.cache_info().currsize < 100


# -- the report -----------------------------------------------------------------------------


def fixed(data: bytes) -> bytes:
    agent = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"}).start()
    return rewrite_bytes(data, agent.edit, select=agent.wants).data


def two_domains() -> AuditReport:
    """The fixture's BTEx, and a copy of its documents as a domain Other."""
    collection = (FIXTURES / "foreign-domains.dxl").read_bytes()
    other = collection.replace(b"BTEx", b"Other").replace(b"C12586EE", b"C12586EF")
    return audit_bytes([("names.dxl", fixed(NAMES.read_bytes())), ("other.dxl", fixed(other))])


def test_each_distinct_server_view_is_kept_once() -> None:
    btex, other = two_domains().domains
    assert btex.views.servers is other.views.servers  # the directory's, shared
    # Three servers see both documents, each coexistence server its own.
    assert len(btex.views.servers) == 5
    assert len(btex.views.distinct) == 3
    assert [view.server for view in btex.servers] == list(btex.views.servers)
    assert btex.server("dominocoex1/acme") == btex.servers[1]


def test_equal_readers_and_entries_are_kept_once() -> None:
    btex, other = two_domains().domains
    for mine, theirs in zip(btex.documents, other.documents, strict=True):
        assert mine.readable_by == theirs.readable_by
        assert mine.readable_by is theirs.readable_by
        assert mine.document.domain != theirs.document.domain
        for item, twin in zip(
            mine.document.access.items, theirs.document.access.items, strict=True
        ):
            assert item.entries is twin.entries
            assert item.name is twin.name


def test_the_text_written_a_domain_at_a_time_is_the_formatted_text() -> None:
    for report in (two_domains(), audit_files([NAMES]), audit_files([NAMES], domain="None")):
        out = io.StringIO()
        write_audit(report, out)
        assert out.getvalue() == format_audit(report)


# -- problems -------------------------------------------------------------------------------


def test_problems_listing_the_same_servers_share_the_listing() -> None:
    # Each DocumentAccess problem lists every server its role lets in: in a large
    # directory, thousands of problems name the same hundred servers.
    report = audit_files([NAMES])
    present = [p for p in report.problems if p.code == "document-access-present"]
    assert len(present) == 2
    listings = [next(part for part in p.parts if part.startswith("CN=")) for p in present]
    assert listings[0] is listings[1]
    assert listings[0] == "CN=DominoApp1/O=Acme, CN=DominoCoex1/O=Acme, " + ", ".join(
        ["CN=DominoCoex2/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme"]
    )
    assert all(p.message == "".join(p.parts) for p in report.problems)
