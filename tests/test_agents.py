"""Actions and agents at the library level: selection, set-readers, warnings, loader errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxltools import EditError, rewrite_bytes
from dxltools.agents import load_agent
from dxltools.agents.loader import describe_agent
from dxltools.dxl.model import ItemFlags
from dxltools.dxl.parse import parse_note
from dxltools.edit.edits import add_names, remove_names, set_item, set_readers
from dxltools.errors import AgentError
from dxltools.rewrite.stream import RewriteResult
from tests.shared import FIXTURES, dtd_errors, dtd_path_for, fixture_files, requires_schemas

SERVERS = {"servers_group": "AcmeMailServers"}
REMOVE_A = "[[actions]]\naction = 'remove-item'\nitem = 'a'\n"


def run_agent(name: str, data: bytes, **settings: str) -> RewriteResult:
    agent = load_agent(name, settings).start()
    return rewrite_bytes(data, agent.edit, select=agent.wants)


def domain(*items: str, form: str = "Domain") -> bytes:
    return (
        f"<database xmlns='http://www.lotus.com/dxl'>\n<document form='{form}'>\n"
        "<noteinfo noteid='8f4' unid='0123456789ABCDEF0123456789ABCDEF' sequence='1'/>\n"
        + "\n".join(items)
        + "</document>\n</database>\n"
    ).encode()


FOREIGN = "<item name='DomainType'><text>ForeignDomain</text></item>"
BTEX = "<item name='DomainName'><text>BTEx</text></item>"
ACCESS = "<item name='DocumentAccess' authors='true' names='true'><text>[NetModifier]</text></item>"
CALENDAR = "<item name='CalendarServer' names='true'><text>DominoB/Acme</text></item>"
MAIL = "<item name='MailServer' names='true'><text>CN=DominoA/O=Acme</text></item>"


def test_coexistence_readers_on_the_fixture_is_idempotent_and_dtd_valid() -> None:
    data = (FIXTURES / "names.dxl").read_bytes()
    once = run_agent("coexistence-readers", data, **SERVERS)
    assert once.report.notes_changed == 2
    twice = run_agent("coexistence-readers", once.data, **SERVERS)
    assert twice.data == once.data
    assert not twice.report.changed


@requires_schemas
@pytest.mark.parametrize("agent", ["coexistence-readers", "remove-document-access"])
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_agents_keep_the_fixtures_dtd_valid(agent: str, path: Path) -> None:
    data = path.read_bytes()
    dtd = dtd_path_for(data)
    assert dtd is not None
    result = run_agent(agent, data, **(SERVERS if agent == "coexistence-readers" else {}))
    assert result.report.changed
    assert dtd_errors(result.data, dtd) == []


def test_selection_by_type_name_and_case() -> None:
    data = domain(FOREIGN.replace("ForeignDomain", "foreigndomain"), BTEX, ACCESS)
    assert run_agent("remove-document-access", data).report.changed
    assert run_agent("remove-document-access", data, domain="btex").report.changed
    assert not run_agent("remove-document-access", data, domain="Other").report.changed
    adjacent = domain(FOREIGN.replace("ForeignDomain", "AdjacentDomain"), ACCESS)
    result = run_agent("remove-document-access", adjacent)
    assert not result.report.changed
    person = domain(FOREIGN, ACCESS, form="Person")
    assert not run_agent("remove-document-access", person).report.changed


def test_remove_document_access_removes_every_case_and_flag() -> None:
    data = domain(
        FOREIGN,
        ACCESS,
        "<item name='documentaccess'><text>x</text></item>",
        "<item name='DOCUMENTACCESS' readers='true'><textlist><text>a</text></textlist></item>",
        BTEX,
    )
    result = run_agent("remove-document-access", data)
    assert b"ocumentaccess" not in result.data.lower()
    assert len(result.report.notes[0].changes) == 3
    assert BTEX.encode() in result.data


def test_set_readers_uses_calendar_server_then_mail_server_canonicalised() -> None:
    result = run_agent("coexistence-readers", domain(FOREIGN, MAIL, CALENDAR, ACCESS), **SERVERS)
    assert (
        b"<item name='$Readers' readers='true'><textlist><text>AcmeMailServers</text>"
        b"<text>LocalDomainAdmins</text><text>CN=DominoB/O=Acme</text></textlist></item>"
    ) in result.data
    mail_only = run_agent("coexistence-readers", domain(FOREIGN, MAIL), **SERVERS)
    assert b"<text>CN=DominoA/O=Acme</text></textlist></item>" in mail_only.data


def test_set_readers_leaves_equivalent_names_alone() -> None:
    existing = (
        "<item name='$READERS' readers='true'><textlist><text>cn=dominob/o=acme</text>"
        "<text>localdomainadmins</text><text>ACMEMAILSERVERS</text></textlist></item>"
    )
    data = domain(FOREIGN, CALENDAR, existing)
    result = run_agent("coexistence-readers", data, **SERVERS)
    assert result.data == data
    assert not result.report.changed


@pytest.mark.parametrize(
    "existing",
    [
        "<item name='$Readers'><textlist><text>AcmeMailServers</text><text>LocalDomainAdmins</text>"
        "<text>CN=DominoB/O=Acme</text></textlist></item>",  # not flagged readers
        "<item name='$Readers' readers='true' summary='false'><textlist>"
        "<text>AcmeMailServers</text><text>LocalDomainAdmins</text><text>CN=DominoB/O=Acme</text></textlist></item>",
        "<item name='$Readers' readers='true'><text>CN=DominoA/O=Acme</text></item>",  # the twin
    ],
    ids=["unflagged", "not-summary", "wrong-server"],
)
def test_set_readers_fixes_a_wrong_item_in_place(existing: str) -> None:
    data = domain(FOREIGN, existing, CALENDAR)
    result = run_agent("coexistence-readers", data, **SERVERS)
    assert result.report.changed
    note = parse_note(
        result.data[result.data.index(b"<document") : result.data.rindex(b"\n</database")]
    )
    (readers,) = note.items_named("$Readers")
    assert readers.flags.readers and readers.flags.summary is not False
    assert readers.texts == ("AcmeMailServers", "LocalDomainAdmins", "CN=DominoB/O=Acme")
    assert note.items[1].name == "$Readers"  # replaced where it stood


def test_several_readers_items_collapse_into_one() -> None:
    extra = "<item name='$readers' readers='true'><text>[Admin]</text></item>"
    data = domain(FOREIGN, CALENDAR, extra, extra.replace("Admin", "Other"))
    result = run_agent("coexistence-readers", data, **SERVERS)
    assert result.data.lower().count(b"name='$readers'") == 1


def test_a_document_without_a_server_is_an_error_naming_its_unid() -> None:
    data = domain(FOREIGN, "<item name='MailServer'><text/></item>", ACCESS)
    with pytest.raises(EditError, match="0123456789ABCDEF0123456789ABCDEF") as caught:
        run_agent("coexistence-readers", data, **SERVERS)
    assert "no coexistence server" in str(caught.value)


def test_warnings_for_signed_documents_and_authors_items() -> None:
    signed = "<item name='Owner' authors='true' sign='true'><text>CN=Admin/O=Acme</text></item>"
    result = run_agent("coexistence-readers", domain(FOREIGN, CALENDAR, ACCESS, signed), **SERVERS)
    warnings = result.report.notes[0].warnings
    assert any("signed" in warning for warning in warnings)
    assert any("Owner still grants read access to CN=Admin/O=Acme" in w for w in warnings)


def test_domain_type_never_seen_is_a_file_warning() -> None:
    agent = load_agent("remove-document-access", {"domain_type": "Foreign"}).start()
    data = domain(FOREIGN, ACCESS)
    assert not rewrite_bytes(data, agent.edit, select=agent.wants).report.changed
    (warning,) = agent.warnings()
    assert "DomainType Foreign never appears" in warning
    assert "ForeignDomain" in warning


def test_a_condition_of_several_values_never_seen_names_them_all(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        "name = 'x'\n[select]\nforms = ['Domain']\n"
        "[select.where]\nDomainType = ['GlobalDomain', 'LocalDomain']\n" + REMOVE_A
    )
    agent = load_agent(str(path)).start()
    assert not rewrite_bytes(domain(FOREIGN), agent.edit, select=agent.wants).report.changed
    assert agent.warnings() == (
        "no document selected: DomainType GlobalDomain or LocalDomain never appears in this "
        "file (values seen: ForeignDomain)",
    )


def test_flags_of_set_item_and_add_names_in_an_agent_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        "name = 'x'\n[select]\nforms = ['Domain']\n"
        "[[actions]]\naction = 'set-item'\nitem = 'Owners'\nvalues = ['CN=A/O=Acme']\n"
        "flags = ['names', 'readers']\n"
        "[[actions]]\naction = 'add-names'\nitem = 'Editors'\nnames = ['CN=B/O=Acme']\n"
        "[[actions]]\naction = 'remove-names'\nitem = 'Editors'\nnames = ['CN=C/O=Acme']\n"
    )
    agent = load_agent(str(path)).start()
    result = rewrite_bytes(domain(FOREIGN, ACCESS), agent.edit, select=agent.wants)
    written = parse_note(
        result.data[result.data.index(b"<document") : result.data.index(b"</database>")]
    )
    flags = {item.name: item.flags for item in written.items}
    assert flags["Owners"] == ItemFlags(names=True, readers=True)
    assert flags["Editors"] == ItemFlags(names=True)  # add-names' default
    # No action sets readers the way set-readers does: no warning that the
    # DocumentAccess authors item still grants read access.
    (note,) = result.report.notes
    assert note.warnings == ()


def domain_document(domain_type: str, unid: str, domain_name: str = "BTEx") -> str:
    return (
        f"<document form='Domain'><noteinfo noteid='1' unid='{unid}' sequence='1'/>"
        f"<item name='DomainType'><text>{domain_type}</text></item>"
        f"<item name='DomainName'><text>{domain_name}</text></item>{ACCESS}</document>\n"
    )


@pytest.mark.parametrize(
    ("types", "parsed"),
    [
        (["ForeignDomain", "AdjacentDomain", "NonAdjacentDomain"], 1),
        (["AdjacentDomain", "ForeignDomain", "NonAdjacentDomain"], 2),  # until one is selected
        (["AdjacentDomain", "NonAdjacentDomain"], 2),  # nothing selected: the warning needs all
        (["ForeignDomain", "Foreign<!-- -->Domain", "AdjacentDomain"], 2),
    ],
)
def test_once_a_note_is_selected_the_notes_whose_bytes_lack_the_values_are_not_parsed(
    types: list[str], parsed: int
) -> None:
    unids = [f"{number:032X}" for number in range(len(types))]
    documents = "".join(map(domain_document, types, unids))
    data = f"<database xmlns='http://www.lotus.com/dxl'>\n{documents}</database>\n".encode()
    agent = load_agent("remove-document-access", {}).start()
    report = rewrite_bytes(data, agent.edit, select=agent.wants).report
    assert (report.notes_seen, report.notes_parsed) == (len(types), parsed)
    foreign = {unid for unid, kind in zip(unids, types, strict=True) if "Foreign" in kind}
    assert {note.unid for note in report.notes} == foreign


def test_every_condition_must_be_in_the_bytes_for_the_note_to_be_parsed() -> None:
    # The second document has the type but another domain: the domain rules it out.
    names = ["BTEx", "Other", "btex"]
    unids = [f"{number:032X}" for number in range(len(names))]
    documents = "".join(
        domain_document("ForeignDomain", unid, name)
        for unid, name in zip(unids, names, strict=True)
    )
    data = f"<database xmlns='http://www.lotus.com/dxl'>\n{documents}</database>\n".encode()
    agent = load_agent("remove-document-access", {"domain": "BTEx"}).start()
    report = rewrite_bytes(data, agent.edit, select=agent.wants).report
    assert (report.notes_seen, report.notes_parsed) == (3, 2)
    assert {note.unid for note in report.notes} == {unids[0], unids[2]}


def test_set_item_add_and_remove_names() -> None:
    note = parse_note(
        b"<document><item name='Members' names='true'><textlist><text>CN=A/O=X</text>"
        b"<text>B/X</text></textlist></item><item name='members'><text>c</text></item></document>"
    )
    assert add_names("Members", ["a/x"])(note)  # collapses the two items
    single = parse_note(
        b"<document><item name='Members' names='true'><textlist><text>CN=A/O=X</text>"
        b"<text>CN=B/O=X</text></textlist></item></document>"
    )
    assert add_names("members", ["A/X", "cn=b/o=x"])(single) == []
    (change,) = add_names("Members", ["C/X"])(single)
    assert change.new.values == ("CN=A/O=X", "CN=B/O=X", "CN=C/O=X")  # type: ignore[union-attr]
    (change,) = remove_names("Members", ["b/x"])(single)
    assert change.new.values == ("CN=A/O=X",)  # type: ignore[union-attr]
    assert remove_names("Members", ["Z/X"])(single) == []
    flags = ItemFlags(names=True)
    assert set_item("Members", ["CN=A/O=X", "CN=B/O=X"], flags)(single) == []
    assert set_item("Members", ["x"], flags)(single)


def test_set_readers_edit_directly() -> None:
    note = parse_note(
        domain(FOREIGN, MAIL)[len(b"<database xmlns='http://www.lotus.com/dxl'>\n") : -12]
    )
    (change,) = set_readers("S", "A")(note)
    assert change.new.values == ("S", "A", "CN=DominoA/O=Acme")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name = 'x'\nbogus = 1\n[[actions]]\naction = 'remove-item'\nitem = 'a'\n", "bogus"),
        ("name = 'x'\n[[actions]]\naction = 'explode'\n", "actions[0].action"),
        ("name = 'x'\n[[actions]]\naction = 'remove-item'\n", "actions[0].item"),
        (
            "name = 'x'\n[[actions]]\naction = 'remove-item'\nitem = 'a'\nextra = 1\n",
            "actions[0].extra",
        ),
        ("name = 'x'\n[[actions]]\naction = 'remove-item'\nitem = '{nope}'\n", "actions[0].item"),
        (
            "name = 'x'\n[parameters.p]\ntype = 'int'\n" + REMOVE_A,
            "parameters.p.type",
        ),
        (
            "name = 'x'\n[parameters.p]\nrequired = true\n" + REMOVE_A.replace("'a'", "'{p}'"),
            "parameters.p",
        ),
        (
            "name = 'x'\n[select]\nform = 'Domain'\n" + REMOVE_A,
            "select.form",
        ),
        ("name = 'x'\n", "actions"),
        ("name = \n", "not valid TOML"),
    ],
)
def test_agent_file_errors_name_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(AgentError) as caught:
        load_agent(str(path))
    message = str(caught.value)
    assert message.startswith(str(path) + ": ")
    assert key in message
    assert "\n" not in message


@pytest.mark.parametrize("default", ["['a', 1]", "5"])
def test_a_list_default_must_be_strings(tmp_path: Path, default: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f"name = 'x'\n[parameters.p]\ntype = 'list'\ndefault = {default}\n" + REMOVE_A)
    with pytest.raises(AgentError) as caught:
        load_agent(str(path))
    assert str(caught.value) == (
        f"{path}: parameters.p.default: must be a string or a list of strings"
    )


ACTION_A = "[[actions]]\naction = 'remove-item'\nitem = '{item}'\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[parameters.p]\nbogus = 1\n" + REMOVE_A,
            "parameters.p.bogus: unknown key (allowed: default, description, required, type)",
        ),
        (
            "[parameters.p]\ntype = 'int'\n" + REMOVE_A,
            "parameters.p.type: must be 'string' or 'list'",
        ),
        (
            "[parameters.p]\nrequired = 'yes'\n" + REMOVE_A,
            "parameters.p.required: must be true or false",
        ),
        ("actions = []\n", "actions: must be a non-empty array of tables ([[actions]])"),
        ("actions = 'remove-item'\n", "actions: must be a non-empty array of tables ([[actions]])"),
        (ACTION_A.format(item=" "), "actions[0].item: must not be empty"),
        (
            "[[actions]]\naction = 'set-item'\nitem = 'a'\nvalues = ['b']\nflags = ['bold']\n",
            "actions[0].flags: unknown flag 'bold'",
        ),
        (
            REMOVE_A + "[audit]\nbogus = 1\n",
            "audit.bogus: unknown key (allowed: domain, domain_type, server_items)",
        ),
    ],
)
def test_agent_file_errors_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("name = 'x'\n" + text)
    with pytest.raises(AgentError) as caught:
        load_agent(str(path))
    assert str(caught.value) == f"{path}: {message}"


def test_a_setting_for_an_agent_without_parameters(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("name = 'x'\n" + REMOVE_A)
    with pytest.raises(AgentError) as caught:
        load_agent(str(path), {"domain": "BTEx"})
    assert str(caught.value) == f"{path}: --set domain: unknown parameter (known: none)"


@pytest.mark.parametrize(("written", "domain"), [("BTEx", "BTEx"), (" ", None), ("", None)])
def test_the_audit_of_an_agent_file_names_its_domain_or_none(
    tmp_path: Path, written: str, domain: str | None
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f"name = 'x'\n{REMOVE_A}[audit]\ndomain = '{written}'\n")
    audit = load_agent(str(path)).audit
    assert audit is not None and audit.domain == domain


def test_describing_an_agent_file_refuses_an_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("name = 'x'\nbogus = 1\n" + REMOVE_A)
    with pytest.raises(AgentError) as caught:
        describe_agent(path)
    allowed = "actions, audit, description, name, parameters, select"
    assert str(caught.value) == f"{path}: bogus: unknown key (allowed: {allowed})"


def test_unknown_setting_and_unknown_agent() -> None:
    with pytest.raises(AgentError, match="unknown parameter"):
        load_agent("remove-document-access", {"domian": "BTEx"})
    with pytest.raises(AgentError, match="no bundled agent"):
        load_agent("no-such-agent")
    with pytest.raises(AgentError, match="servers_group"):
        load_agent("coexistence-readers")
