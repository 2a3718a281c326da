"""The audit: exports in, who reads each Foreign Domain document and what each server
uses out, with its problems; checked on the fixtures, rule by rule, and against a
brute-force reference on generated directories."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given

from dxltools.agents import load_agent
from dxltools.audit.collect import Auditor, audit_bytes, audit_files, audit_streams
from dxltools.audit.render import audit_to_json, format_audit
from dxltools.audit.report import AuditReport
from dxltools.errors import DxlError, DxlSyntaxError
from dxltools.rewrite.stream import rewrite_bytes
from tests.directory_strategies import (
    PERSON_POOL,
    GenAclEntry,
    GenDirectory,
    GenDocument,
    GenGroup,
    GenItem,
    directories,
)
from tests.shared import FIXTURES, real_dxl_params

NAMES = FIXTURES / "names.dxl"
DOC1 = "26DD6B87DB3B179DC12586EE00284E2F"  # BTEx via DominoCoex1, the older one
DOC2 = "F0BB1D6DF75A17A8C12586EE0028BA35"  # BTEx via DominoCoex2, the newest
COEX1 = "CN=DominoCoex1/O=Acme"
COEX2 = "CN=DominoCoex2/O=Acme"
ORDINARY = ("CN=DominoApp1/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme")


def fixed(data: bytes) -> bytes:
    """`data` after the bundled coexistence-readers agent, as the README runs it."""
    agent = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"}).start()
    return rewrite_bytes(data, agent.edit, select=agent.wants).data


def codes(report: AuditReport) -> list[tuple[str, str | None, str | None]]:
    return [(problem.code, problem.unid, problem.server) for problem in report.problems]


def visible(report: AuditReport, domain: str = "BTEx") -> dict[str, tuple[str, ...]]:
    audit = report.domain(domain)
    assert audit is not None
    return {view.server: view.visible for view in audit.servers}


# -- the fixture, before and after the fix ------------------------------------------------


def test_the_fixture_before_the_fix() -> None:
    report = audit_files([NAMES])
    assert codes(report) == [
        ("document-access-present", DOC2, None),
        ("unrestricted", DOC2, None),
        ("document-access-present", DOC1, None),
        ("unrestricted", DOC1, None),
        ("multiple-visible", None, COEX1),
        ("multiple-visible", None, COEX2),
        ("failover-free-busy-fails", None, COEX1),  # DominoCoex2 down: fails at DominoCoex1
    ]
    assert report.exit_code == 1
    assert set(visible(report).values()) == {(DOC2, DOC1)}  # every server, newest first
    assert len(visible(report)) == 5
    assert {problem.domain for problem in report.problems} == {"BTEx"}
    assert len(report.coexistence_leaks()) == 2


def test_the_fixture_after_coexistence_readers() -> None:
    report = audit_bytes([("names.dxl", fixed(NAMES.read_bytes()))])
    assert report.problems == ()
    assert report.exit_code == 0
    views = visible(report)
    assert views[COEX1] == (DOC1,)
    assert views[COEX2] == (DOC2,)
    assert {views[server] for server in ORDINARY} == {(DOC2, DOC1)}
    audit = report.domain("btex")
    assert audit is not None
    readers = {item.document.label: item.readable_by for item in audit.documents}
    assert readers[DOC1] == (
        "CN=Admin/O=Acme",
        "CN=DominoApp1/O=Acme",
        COEX1,
        "CN=DominoHub1/O=Acme",
        "CN=DominoMail1/O=Acme",
        "CN=Jana Novak/O=Acme",
    )


def test_json_follows_the_schema_with_canonical_names() -> None:
    report = audit_bytes([("names.dxl", fixed(NAMES.read_bytes()))])
    document = json.loads(json.dumps(audit_to_json(report)))
    assert set(document) == {"domains", "problems", "failover"}
    (domain,) = document["domains"]
    assert set(domain) == {"domain", "documents", "servers"}
    assert domain["domain"] == "BTEx"
    # DominoCoex2's CalendarServer is written abbreviated in the fixture.
    assert domain["documents"][0] == {
        "unid": DOC2,
        "coexistence_server": COEX2,
        "modified": "2023-06-20T15:30:12.880+02:00",
        "readable_by": [
            "CN=Admin/O=Acme",
            "CN=DominoApp1/O=Acme",
            COEX2,
            "CN=DominoHub1/O=Acme",
            "CN=DominoMail1/O=Acme",
            "CN=Jana Novak/O=Acme",
        ],
        # Added for the HTML page: where it is, its items' entries as written.
        "source": "names.dxl",
        "line": 462,
        "readers": [
            {"item": "$Readers", "entries": ["AcmeMailServers", "LocalDomainAdmins", COEX2]}
        ],
        "authors": [
            {
                "item": "LocalAdmin",
                "entries": ["LocalDomainAdmins", "CN=Admin/O=Acme", "CN=Jana Novak/O=Acme"],
            },
            {"item": "Owner", "entries": []},
        ],
    }
    assert {
        "server": COEX1,
        "visible": [DOC1],
        "primary": DOC1,
        "coexistence": True,
    } in domain["servers"]
    assert {
        "server": "CN=DominoHub1/O=Acme",
        "visible": [DOC2, DOC1],
        "primary": DOC2,
        "coexistence": False,
    } in domain["servers"]
    assert document["problems"] == []


def test_json_problems_carry_code_message_domain_unid_server() -> None:
    problems = audit_to_json(audit_files([NAMES]))["problems"]
    assert problems[0] == {
        "code": "document-access-present",
        "message": problems[0]["message"],
        "domain": "BTEx",
        "unid": DOC2,
        "server": None,
    }
    assert "[NetModifier]" in problems[0]["message"]
    assert problems[-2]["server"] == COEX2
    assert problems[-1]["code"] == "failover-free-busy-fails"


def test_the_text_report() -> None:
    text = format_audit(audit_files([NAMES]))
    lines = text.splitlines()
    assert lines[0] == "BTEx: 2 documents, newest first"
    assert lines[1].startswith(f"  {DOC2}  modified 2023-06-20T15:30:12.880+02:00")
    assert f"coexistence server {COEX2}" in lines[1]
    assert lines[2] == "    readable by: everyone (no readers item with a value)"
    assert f"    {COEX1}  uses {DOC2}, also sees {DOC1}" in lines
    assert lines[-8] == "7 problems:"
    assert lines[-2].startswith(f"  multiple-visible: {COEX2}, a coexistence server for BTEx")
    after = format_audit(audit_bytes([("names.dxl", fixed(NAMES.read_bytes()))]))
    assert f"    {COEX1}  uses {DOC1}" in after.splitlines()
    assert after.endswith("no problem found\n")


# -- several exports -------------------------------------------------------------------------


def test_the_documents_in_one_export_and_the_directory_in_another(tmp_path: Path) -> None:
    collection = tmp_path / "foreign-domains.dxl"
    collection.write_bytes(fixed((FIXTURES / "foreign-domains.dxl").read_bytes()))
    report = audit_files([NAMES, collection])
    assert report.problems == ()
    assert visible(report)[COEX2] == (DOC2,)
    assert report.sources == (str(NAMES), str(collection))
    # The same documents in both: the copy in the export named last is the one audited.
    stale = audit_files([collection, NAMES])
    assert [code for code, _, _ in codes(stale)].count("multiple-visible") == 2


def test_a_later_copy_replaces_an_earlier_one_even_when_it_no_longer_counts() -> None:
    auditor = Auditor()
    auditor.add_file(NAMES)
    collection = (FIXTURES / "foreign-domains.dxl").read_bytes()
    auditor.add_bytes(collection.replace(b">ForeignDomain<", b">AdjacentDomain<", 1), "edited")
    report = auditor.report()
    assert report.sources == (str(NAMES), "edited")
    audit = report.domain("BTEx")
    assert audit is not None
    assert [item.document.label for item in audit.documents] == [DOC2]


def test_a_fixed_collection_alone_lacks_the_groups_it_names() -> None:
    data = fixed((FIXTURES / "foreign-domains.dxl").read_bytes())
    report = audit_streams([("foreign-domains.dxl", io.BytesIO(data))])
    unknown = [p.message for p in report.problems if p.code == "unknown-name"]
    assert len(unknown) == 4
    # Without the Group documents, nothing shows that the admins are in LocalDomainAdmins.
    assert {code for code, _, _ in codes(report)} == {"unknown-name", "authors-grant-read"}
    assert "'AcmeMailServers'" in unknown[0]
    assert report.coexistence_leaks() == ()
    assert visible(report) == {COEX1: (DOC1,), COEX2: (DOC2,)}


def test_a_single_document_export() -> None:
    report = audit_files([FIXTURES / "foreign-domain-single.dxl"])
    assert visible(report) == {COEX1: (DOC1,)}
    assert [code for code, _, _ in codes(report)] == ["document-access-present", "unrestricted"]


def test_domain_and_domain_type_select_the_documents() -> None:
    report = audit_files([NAMES], domain="partner", domain_type="adjacentdomain")
    (audit,) = report.domains
    assert audit.domain == "Partner"
    assert audit.documents[0].document.coexistence_server is None
    assert len(audit.servers) == 5
    assert audit_files([NAMES], domain="Nowhere").domains == ()
    assert format_audit(audit_files([NAMES], domain="Nowhere")).startswith(
        "no Foreign Domain document (DomainType ForeignDomain) found\n"
    )


# -- the rules, on small directories --------------------------------------------------------

A1 = "CN=Coex1/OU=Hub/O=Acme"
A2 = "CN=Coex2/OU=Hub/O=Acme"
MAIL = "CN=Mail1/O=Acme"
U1 = "D0C00000000000000000000000000001"
U2 = "D0C00000000000000000000000000002"


def document(
    unid: str, own: str, *items: GenItem, modified: str = "20230101T120000,00+01"
) -> GenDocument:
    return GenDocument(unid, modified, own, own, items)


def readers(*names: str, name: str = "$Readers") -> GenItem:
    return GenItem(name, True, names)


def authors(*names: str, name: str = "Owner") -> GenItem:
    return GenItem(name, False, names)


def audit(
    *documents: GenDocument,
    groups: tuple[GenGroup, ...] = (GenGroup("Mail", (MAIL,), "0"),),
    acl: tuple[GenAclEntry, ...] = (),
    roles: tuple[str, ...] = (),
    split: bool = False,
) -> AuditReport:
    directory = GenDirectory((A1, A2, MAIL), groups, roles, acl, documents, split)
    return audit_bytes(directory.exports())


def test_each_coexistence_server_seeing_its_own_document_is_clean() -> None:
    report = audit(
        document(U1, A1, readers("Mail", A1)),
        document(U2, A2, readers("Mail", "Coex2/Hub/Acme"), modified="20230102T120000,00+01"),
        split=True,
    )
    assert report.problems == ()
    assert visible(report) == {A1: (U1,), A2: (U2,), MAIL: (U2, U1)}


def test_one_wrong_name_shows_as_multiple_and_none_visible() -> None:
    report = audit(document(U1, A1, readers("Mail", A1)), document(U2, A2, readers("Mail", A1)))
    # With Coex1 down, Mail1 turns to Coex2's document, which Coex2 cannot read.
    assert codes(report) == [
        ("multiple-visible", None, A1),
        ("none-visible", None, A2),
        ("failover-mail-held", None, A2),
        ("failover-free-busy-fails", None, A2),
    ]
    assert "no BTEx document" in report.problems[1].message


def test_a_coexistence_server_that_sees_only_its_twin() -> None:
    report = audit(document(U1, A1, readers("Mail", A2)), document(U2, A2, readers("Mail", A1)))
    assert codes(report) == [("multiple-visible", None, A1), ("multiple-visible", None, A2)]
    # One document seen: no "documents", no connector warning, the twin named as used.
    assert report.problems[0].message == (
        f"{A1}, a coexistence server for BTEx, sees 1 BTEx document: {U2} ({A2}) "
        f"and uses {U2}, the document of {A2}"
    )
    assert len(report.coexistence_leaks()) == 2


def test_two_documents_for_one_server_are_multiple_but_no_leak() -> None:
    report = audit(document(U1, A1, readers("Mail", A1)), document(U2, A1, readers("Mail", A1)))
    assert ("multiple-visible", None, A1) in codes(report)
    assert ("none-visible", None, A2) in codes(report)
    assert report.coexistence_leaks() == ()


def test_authors_items_that_widen_access() -> None:
    report = audit(
        document(
            U1,
            A1,
            readers("Mail", A1),
            authors("Mail", "CN=Mail1/O=Acme"),  # already readers: nothing wider
            authors(A2, name="LocalAdmin"),
            authors("[Net]", name="DocumentAccess"),
        ),
        acl=(GenAclEntry("*/OU=Hub/O=Acme", ("Net",)),),
        roles=("Net",),
    )
    assert [(p.code, p.unid) for p in report.problems] == [
        ("document-access-present", U1),
        ("authors-grant-read", U1),
    ]
    assert report.problems[1].message == (
        f"authors item LocalAdmin of BTEx document {U1} also lets {A2} read it"
    )
    assert f": it lets {A1}, {A2} read it whatever" in report.problems[0].message
    assert visible(report)[A2] == (U1,)


def test_a_document_access_item_that_lets_no_server_in() -> None:
    report = audit(
        document(U1, A1, readers("Mail", A1), authors("[Nobody]", name="DocumentAccess")),
        roles=("Nobody",),
    )
    # No server holds [Nobody]: nothing to say about who it lets in, only that it goes.
    assert [(p.code, p.message) for p in report.problems[:2]] == [
        (
            "document-access-present",
            f"BTEx document {U1} still holds a DocumentAccess item ([Nobody]; authors, names); "
            "remove it",
        ),
        (
            "none-visible",
            f"{A2} sees no BTEx document: it cannot route mail or free/busy requests to BTEx",
        ),
    ]


def test_unknown_names_in_readers_items() -> None:
    report = audit(
        document(
            U1,
            A1,
            readers("Mail", A1, "CN=Ghost/O=Acme", "[Nope]", "*/O=Nowhere"),
            authors("CN=Ghost Author/O=Acme"),  # authors entries are not checked
        ),
    )
    unknown = [p.message for p in report.problems if p.code == "unknown-name"]
    assert [message.split(" names ")[1].split(",")[0] for message in unknown] == [
        "'CN=Ghost/O=Acme'",
        "'[Nope]'",
        "'*/O=Nowhere'",
    ]
    assert unknown[0] == (
        f"readers item $Readers of BTEx document {U1} names 'CN=Ghost/O=Acme', which matches "
        "no server, group, role or known name in the exports"
    )


def test_servers_only_groups_in_readers_items() -> None:
    groups = (
        GenGroup("Mail", (MAIL,), "0"),
        GenGroup("Coex", (A1, A2), "4"),
        GenGroup("All", ("Coex", "Mail"), "0"),
    )
    report = audit(
        document(U1, A1, readers("Coex")), document(U2, A2, readers("All")), groups=groups
    )
    messages = [p.message for p in report.problems if p.code == "servers-only-group"]
    assert len(messages) == 2
    assert "the servers-only group Coex:" in messages[0]
    assert "the servers-only group Coex (through All)" in messages[1]
    assert messages[0] == (
        f"readers item $Readers of BTEx document {U1} names the servers-only group Coex: "
        "Domino may not honour it in a readers field; use a multi-purpose or "
        "access-control-list group"
    )


def test_group_cycles_reached_by_the_documents() -> None:
    groups = (
        GenGroup("Mail", ("Loop", MAIL), "0"),
        GenGroup("Loop", ("Mail",), "0"),
        GenGroup("Apart", ("Apart",), "0"),
    )
    report = audit(document(U1, A1, readers("Mail", A1)), groups=groups)
    cycles = [p for p in report.problems if p.code == "group-cycle"]
    assert [p.message.split(";")[0] for p in cycles] == [
        "groups nest in a cycle: Loop > Mail > Loop"
    ]
    assert (cycles[0].domain, cycles[0].unid, cycles[0].server) == (None, None, None)
    assert visible(report)[MAIL] == (U1,)


def test_the_newest_document_is_primary_and_ties_go_by_unid() -> None:
    report = audit(
        document(U2, A1, readers("Mail", A1)),
        document(U1, A2, readers("Mail", A2)),
        document("0" * 32, A2, readers("Mail"), modified=""),
    )
    assert visible(report)[MAIL] == (U1, U2, "0" * 32)


# -- reading the inputs ---------------------------------------------------------------------


def test_only_server_group_and_domain_documents_are_parsed() -> None:
    person = b"<document form='Person'><item><text>no name: never parsed</text></item></document>\n"
    data = NAMES.read_bytes().replace(b"</database>", person + b"</database>")
    assert audit_bytes([("names.dxl", data)]).problems == audit_files([NAMES]).problems
    broken = data.replace(b"<item name='DomainName'><text>BTEx</text>", b"<item><text>BTEx</text>")
    with pytest.raises(DxlSyntaxError, match=r"^names\.dxl:\d+: bad note: an item has no name"):
        audit_bytes([("names.dxl", broken)])


def test_raw_note_exports() -> None:
    data = (FIXTURES / "foreign-domain-single.dxl").read_bytes()
    data = data.replace(b"<document ", b"<note class='document' ").replace(
        b"</document>", b"</note>"
    )
    design = b"<note class='form'><item><text>design notes are skipped</text></item></note>"
    wrapped = b"<database xmlns='http://www.lotus.com/dxl'>" + design
    body = data[data.index(b"<note ") :]
    report = audit_bytes([("raw.dxl", wrapped + body + b"</database>")])
    assert visible(report) == {COEX1: (DOC1,)}


def test_unreadable_inputs_are_dxl_errors(tmp_path: Path) -> None:
    with pytest.raises(DxlError, match=r"missing\.dxl: no such file"):
        audit_files([tmp_path / "missing.dxl"])
    with pytest.raises(DxlError, match="is a folder"):
        audit_files([tmp_path])
    with pytest.raises(DxlError, match=r"^bad\.dxl:1:1: not XML"):
        audit_bytes([("bad.dxl", b"garbage")])


@pytest.mark.parametrize("path", real_dxl_params(), ids=lambda p: p.name)
def test_real_exports_audit_without_error(path: Path) -> None:
    report = audit_files([path])
    assert report.domains == ()
    assert format_audit(report).endswith("no problem found\n")


# -- generated directories against a brute-force reference -----------------------------------


def _role(entry: str) -> str:
    return entry.strip().removeprefix("[").removesuffix("]").strip().casefold()


# Plain string rules for the names the directory strategies write (canonical,
# abbreviated, any case; no country codes, no @domains), so the reference does
# not lean on dxltools.names, the code under test.


def name_key(entry: str) -> str:
    """`CN=A/OU=B/O=C`, `A/B/C` and `a/b/c` all give `a/b/c`; a flat name itself."""
    parts = entry.strip().split("/")
    return "/".join(part.split("=", 1)[-1].strip() for part in parts).casefold()


def is_wildcard(entry: str) -> bool:
    return entry.strip().startswith("*")


def wildcard_matches(wildcard: str, name: str) -> bool:
    """`*` matches anything; `*/O=Acme` a hierarchical name with at least one
    component before the tail `acme`."""
    tail = name_key(wildcard).split("/")[1:]
    parts = name_key(name).split("/")
    return not tail or (len(parts) > len(tail) and parts[-len(tail) :] == tail)


def reference_readers(directory: GenDirectory, names: tuple[str, ...]) -> dict[str, set[str]]:
    """For each document, the keys of the `names` that can read it, computed the slow
    way: membership as a fixpoint over (name, group) pairs, then the ACL's precedence."""
    groups = {name_key(group.name): group for group in directory.groups}

    def lists(member: str, name: str, belongs: set[str]) -> bool:
        if is_wildcard(member):
            return wildcard_matches(member, name)
        return name_key(member) == name_key(name) or name_key(member) in belongs

    belongs: dict[str, set[str]] = {name: set() for name in names}
    changed = True
    while changed:
        changed = False
        for name, found in belongs.items():
            for key, group in groups.items():
                if key not in found and any(lists(m, name, found) for m in group.members):
                    found.add(key)
                    changed = True

    def roles(name: str) -> set[str]:
        named = [e for e in directory.acl if not e.default]
        tiers = [
            [e for e in named if name_key(e.name) == name_key(name)],
            [e for e in named if name_key(e.name) in belongs[name]],
            [e for e in named if is_wildcard(e.name) and wildcard_matches(e.name, name)],
            [e for e in directory.acl if e.default],
        ]
        chosen = next((tier for tier in tiers if tier), [])
        return {role.casefold() for entry in chosen for role in entry.roles}

    def reads(name: str, document: GenDocument) -> bool:
        if not any(item.readers and any(v.strip() for v in item.values) for item in document.items):
            return True
        for value in (v for item in document.items for v in item.values if v.strip()):
            if value.strip().startswith("["):
                granted = _role(value) in roles(name)
            elif is_wildcard(value):
                granted = wildcard_matches(value, name)
            else:
                granted = name_key(value) in {name_key(name), *belongs[name]}
            if granted:
                return True
        return False

    return {d.unid: {name_key(n) for n in names if reads(n, d)} for d in directory.documents}


def _mentioned(directory: GenDirectory, unid: str) -> set[str]:
    """Keys of the people readable_by can list for a document: those the groups, the ACL
    or the document itself write."""
    (document,) = [d for d in directory.documents if d.unid == unid]
    written = [member for group in directory.groups for member in group.members]
    written += [entry.name for entry in directory.acl]
    written += [value for item in document.items for value in item.values]
    keys = {name_key(value) for value in written if value.strip()}
    return {name_key(person) for person in PERSON_POOL} & keys


# An own ACL entry without roles hides the roles of the server's groups.
PRECEDENCE = GenDirectory(
    servers=(A1, MAIL),
    groups=(GenGroup("Servers", (A1, MAIL), "0"),),
    roles=("Net",),
    acl=(GenAclEntry("Servers", ("Net",)), GenAclEntry(A1, ())),
    documents=(document(U1, A1, readers("[Net]")),),
    split=False,
)


@given(directories())
@example(PRECEDENCE)
def test_reader_sets_agree_with_a_brute_force_reference(directory: GenDirectory) -> None:
    servers = reference_readers(directory, directory.servers)
    people = reference_readers(directory, PERSON_POOL)
    report = audit_bytes(directory.exports())
    (domain,) = report.domains
    seen = {name_key(view.server): set(view.visible) for view in domain.servers}
    assert set(seen) == {name_key(server) for server in directory.servers}
    for unid, readers in servers.items():
        assert {server for server, unids in seen.items() if unid in unids} == readers, unid
    for item in domain.documents:
        listed = {name_key(name) for name in item.readable_by}
        if item.unrestricted:
            assert listed == {"*"}
            continue
        assert listed & set(seen) == servers[item.document.label]
        mentioned = _mentioned(directory, item.document.label)
        assert listed & mentioned == people[item.document.label] & mentioned
    newest = {d.unid: (d.modified, d.unid) for d in directory.documents}
    for view in domain.servers:
        if view.visible:
            first = max(view.visible, key=lambda unid: (newest[unid][0], _inverse(unid)))
            assert view.primary == first
    none = {p.server for p in report.problems if p.code == "none-visible"}
    assert {name_key(s) for s in none if s} == {s for s, unids in seen.items() if not unids}


def _inverse(unid: str) -> tuple[int, ...]:
    """Sort key that puts the smaller UNID first under max()."""
    return tuple(-ord(c) for c in unid.casefold())


@given(directories())
@example(PRECEDENCE)
def test_the_check_before_writing_finds_the_leaks_of_the_full_report(
    directory: GenDirectory,
) -> None:
    auditor = Auditor()
    for name, export in directory.exports():
        auditor.add_bytes(export, name)
    assert auditor.coexistence_leaks() == auditor.report().coexistence_leaks()


@pytest.mark.parametrize("servers_group", ["AcmeMailServers", "LocalDomainServers"])
def test_the_check_before_writing_on_the_fixture(servers_group: str) -> None:
    run = load_agent("coexistence-readers", {"servers_group": servers_group}).start()
    auditor = Auditor()
    auditor.add_bytes(rewrite_bytes(NAMES.read_bytes(), run.edit, select=run.wants).data)
    leaks = auditor.report().coexistence_leaks()
    assert auditor.coexistence_leaks() == leaks
    assert bool(leaks) == (servers_group == "LocalDomainServers")


@pytest.mark.parametrize("path", [NAMES, *real_dxl_params()], ids=lambda path: Path(path).name)
def test_groups_and_servers_read_from_a_few_items_as_from_the_whole_note(path: Path) -> None:
    from dxltools.access.resolver import GROUP_ITEMS, SERVER_ITEMS, group_of, server_name_of
    from dxltools.dxl.parse import note_from_segment, read_items
    from dxltools.dxl.scan import Scanner
    from dxltools.dxl.segments import SegmentKind

    with open(path, "rb") as stream:
        scanner = Scanner(stream, str(path))
        for segment in scanner.segments():
            if segment.kind is not SegmentKind.NOTE or scanner.prolog is None:
                continue
            whole = note_from_segment(segment, scanner.prolog, str(path))
            some = read_items(segment, scanner.prolog, str(path), GROUP_ITEMS | SERVER_ITEMS)
            assert (some.form, some.unid) == (whole.form, whole.unid)
            assert group_of(some) == group_of(whole)
            assert server_name_of(some) == server_name_of(whole)
