"""The audit's HTML page (`dxltools audit --html FILE`), parsed back with lxml.html:
the matrix, the failover table and the problems say what the audit's JSON says, on the
fixtures, on generated directories and on hand-built failover scenarios; hostile names
stay text; the file is written atomically and the command otherwise behaves as before."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dxltools.audit.collect import audit_bytes
from dxltools.audit.page import PageContext, PageInput, render_html
from dxltools.audit.page.blocks import clean
from dxltools.audit.render import audit_to_json
from tests.clitools import (
    BTEX_UNIDS,
    FOREIGN,
    NAMES,
    SERVERS,
    error_line,
    invoke,
    leftover_temporaries,
)
from tests.clitools import copy as copy_file
from tests.directory_strategies import (
    GenDirectory,
    GenDocument,
    GenGroup,
    GenItem,
    directories,
    failover_scenarios,
)
from tests.pages import domain_section, failover, matrix, one, parse, problems, target, text, unsafe
from tests.shared import FIXTURES, real_dxl_files, requires_shared

AFTER = ("--after", "coexistence-readers", "--set", SERVERS)
WHEN = dt.datetime(2026, 12, 4, 18, 30, tzinfo=dt.UTC)
UNID0, UNID1, UNID2 = (f"D0C{n:029d}" for n in range(3))
COEX1, COEX2 = "CN=DominoCoex1/O=Acme", "CN=DominoCoex2/O=Acme"
HUB, MAIL, APP = "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme", "CN=DominoApp1/O=Acme"


def page_of(model: dict[str, Any], **context: Any) -> bytes:
    inputs = context.pop("inputs", (PageInput("names.dxl", 100),))
    return render_html(model, PageContext(inputs, WHEN, **context))


def expected_state(server: dict[str, Any], unid: str) -> str:
    """The oracle, from the README's JSON schema: `primary` is the one it uses,
    `visible` every one it can read."""
    if server["primary"] == unid:
        return "primary"
    if unid in server["visible"]:
        return "sees"
    return "does not see"


def assert_page_says_what_the_json_says(page: bytes, model: dict[str, Any]) -> None:
    root = parse(page)
    assert unsafe(root) == []
    for domain in model["domains"]:
        section = domain_section(root, domain["domain"])
        unids, servers, cells = matrix(section)
        assert unids == [d["unid"] for d in domain["documents"]]  # newest first, as the JSON
        assert servers == [s["server"] for s in domain["servers"]]
        assert len(cells) == len(unids) * len(servers)
        owners = {d["unid"]: d["coexistence_server"] for d in domain["documents"]}
        for server in domain["servers"]:
            for unid in unids:
                cell = cells[(server["server"], unid)]
                state = expected_state(server, unid)
                assert cell.state == state, (server["server"], unid)
                assert server["server"] in cell.label
                assert state in cell.label
                assert unid in cell.label
                owner = owners[unid]
                assert cell.own == (
                    owner is not None and owner.casefold() == server["server"].casefold()
                )
        badges = {
            row[0].text: bool(row[0].find_class("badge"))
            for row in one(section.find_class("matrix")[0], "tbody")
        }
        assert badges == {s["server"]: s["coexistence"] for s in domain["servers"]}
        documents = one(section.find_class("documents")[0], "tbody")
        assert [one(row[0], ".//code").text_content() for row in documents] == unids
        for row, document in zip(documents, domain["documents"], strict=True):
            who = text(row[5])
            if document["readable_by"] == ["*"]:
                assert who == "everyone (no readers item with a value)"
            else:
                assert [text(li) for li in row[5].iter("li")] == document["readable_by"] or (
                    not document["readable_by"] and who == "nobody"
                )
            for column, kind in ((3, "readers"), (4, "authors")):
                shown = [text(li) for li in row[column].iter("li")]
                assert shown == [
                    f"{item['item']}: {', '.join(item['entries']) or 'no value'}"
                    for item in document[kind]
                ]
    # Every problem, once: by domain on the page, those of no domain at the end.
    listed = problems(root)
    assert sorted((p.code, p.message) for p in listed) == sorted(
        (p["code"], p["message"]) for p in model["problems"]
    )


# -- the fixtures, through the command ---------------------------------------------------


def audit_with_page(tmp_path: Path, *args: str, status: int) -> tuple[dict[str, Any], bytes]:
    target = tmp_path / "audit.html"
    result = invoke(["audit", "--json", "--html", str(target), *args])
    assert result.exit_code == status, result.stderr
    return json.loads(result.stdout), target.read_bytes()


FIXTURE_RUNS = [
    pytest.param((str(path),), id=path.name) for path in sorted(FIXTURES.glob("*.dxl"))
] + [
    pytest.param((*AFTER, str(NAMES)), id="names.dxl-after"),
    pytest.param((str(NAMES), str(FOREIGN)), id="two-exports"),
]


@pytest.mark.parametrize("args", FIXTURE_RUNS)
def test_the_page_of_each_fixture_says_what_its_json_says(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    status = invoke(["audit", *args]).exit_code
    model, page = audit_with_page(tmp_path, *args, status=status)
    assert model["domains"], "every fixture holds BTEx documents"
    assert_page_says_what_the_json_says(page, model)


def test_the_fixture_before_the_fix_by_hand(tmp_path: Path) -> None:
    _, page = audit_with_page(tmp_path, str(NAMES), status=1)
    section = domain_section(parse(page), "BTEx")
    unids, servers, cells = matrix(section)
    newest, oldest = BTEX_UNIDS[1], BTEX_UNIDS[0]
    assert unids == [newest, oldest]
    assert servers == [APP, COEX1, COEX2, HUB, MAIL]
    assert {server: cells[(server, newest)].state for server in servers} == dict.fromkeys(
        servers, "primary"
    )
    assert {server: cells[(server, oldest)].state for server in servers} == dict.fromkeys(
        servers, "sees"
    )
    assert cells[(COEX1, oldest)].own and cells[(COEX2, newest)].own
    assert not cells[(HUB, newest)].own
    listed = problems(parse(page))
    assert [p.code for p in listed] == [
        "document-access-present",
        "unrestricted",
        "document-access-present",
        "unrestricted",
        "multiple-visible",
        "multiple-visible",
        "failover-free-busy-fails",
    ]
    # Linked to what they are about: the document's row, the server's matrix row.
    assert text(target(listed[0])).startswith(newest)
    assert text(target(listed[2])).startswith(oldest)
    assert listed[4].target is not None and listed[4].target[0].text == COEX1
    assert listed[5].target is not None and listed[5].target[0].text == COEX2


def test_the_fixture_after_the_fix_by_hand(tmp_path: Path) -> None:
    _, page = audit_with_page(tmp_path, *AFTER, str(NAMES), status=0)
    root = parse(page)
    _, _, cells = matrix(domain_section(root, "BTEx"))
    newest, oldest = BTEX_UNIDS[1], BTEX_UNIDS[0]
    assert cells[(COEX1, newest)].state == "does not see"
    assert cells[(COEX1, oldest)].state == "primary"
    assert cells[(COEX2, oldest)].state == "does not see"
    assert cells[(HUB, oldest)].state == "sees"
    assert problems(root) == []
    assert "coexistence-readers" in text(root.get_element_by_id("inputs"))


# -- generated directories ---------------------------------------------------------------


# Free/busy from App1 fails at Coex1 with Mail1 down, while Coex1's own requests are
# answered: the problem (about Coex1) links to App1's cell, not to Coex1's column.
# (Found by hypothesis: the link went to the table's heading.)
FAILS_AT_ANOTHER_SERVER = GenDirectory(
    (
        "CN=Coex1/OU=Hub/O=Acme",
        "CN=Mail1/O=Acme",
        "CN=App1/OU=Apps/O=Acme",
        "CN=Coex2/OU=Hub/O=Acme",
    ),
    (GenGroup("Servers", (), "0"),),
    ("NetModifier",),
    (),
    (
        GenDocument(
            UNID0,
            "20230101T120000,00+01",
            "CN=Coex1/OU=Hub/O=Acme",
            "CN=Coex1/OU=Hub/O=Acme",
            (),
            "BTEx",
        ),
        GenDocument(
            UNID1,
            "20230102T120000,00+01",
            "CN=Coex2/OU=Hub/O=Acme",
            "CN=Coex2/OU=Hub/O=Acme",
            (GenItem("$Readers", True, ("*/OU=Hub/O=Acme",)),),
            "BTEx",
        ),
        GenDocument(
            UNID2, "20230102T120000,00+01", "CN=Mail1/O=Acme", "CN=Mail1/O=Acme", (), "BTEx"
        ),
    ),
    False,
)


@given(directories())
@example(FAILS_AT_ANOTHER_SERVER)
def test_the_page_of_generated_directories_says_what_the_json_says(
    directory: GenDirectory,
) -> None:
    model = audit_to_json(audit_bytes(directory.exports()))
    assert_page_says_what_the_json_says(page_of(model), model)
    # Every problem about a server or a document links to that server's matrix row or
    # that document's row, found here by the names they show.
    root = parse(page_of(model))
    for problem, listed in zip(model["problems"], problems(root), strict=True):
        if problem["domain"] is None:
            assert listed.target is None
        elif problem["code"].startswith("failover-"):
            # A failover problem links to a cell of the failover table, in a scenario with
            # a server down, whose route stops at the problem's server as it says.
            cell = listed.target
            assert cell is not None and cell.tag == "td"
            (table,) = cell.iterancestors("table")
            (row,) = cell.iterancestors("tr")
            assert "failover" in table.get("class", "")
            assert text(row[0]) != "nothing down"
            stops = (
                "mail: held" if problem["code"] == "failover-mail-held" else "not answered — fails"
            )
            assert f"{stops} at {problem['server']}: " in text(cell)
        elif problem["server"] is not None:
            assert listed.target is not None and listed.target[0].text == problem["server"]
        elif problem["unid"] is not None:
            assert text(target(listed)).startswith(problem["unid"])


@given(st.data(), directories())
def test_the_failover_table_of_generated_scenarios(
    data: st.DataObject, directory: GenDirectory
) -> None:
    model = audit_to_json(audit_bytes(directory.exports()))
    (domain,) = model["domains"]
    servers = tuple(s["server"] for s in domain["servers"])
    coexistence = tuple(s["server"] for s in domain["servers"] if s["coexistence"])
    model["failover"] = data.draw(failover_scenarios("BTEx", servers, coexistence))
    assert_failover_table(page_of(model), model)


def assert_failover_table(page: bytes, model: dict[str, Any]) -> None:
    root = parse(page)
    assert unsafe(root) == []
    for domain in model["domains"]:
        rows = failover(domain_section(root, domain["domain"]))
        scenarios = [s for s in model["failover"] if s["domain"] == domain["domain"]]
        assert len(rows) == len(scenarios)
        for row, scenario in zip(rows, scenarios, strict=True):
            assert row.down == (", ".join(scenario["down"]) or "nothing down")
            assert row.mail == ("✓ gets through" if scenario["mail_ok"] else "✗ held")
            assert row.free_busy == ("✓ answered" if scenario["free_busy_ok"] else "✗ fails")
            routes = {route["server"]: route for route in scenario["routes"]}
            for server, shown in row.routes.items():
                if server in scenario["down"]:
                    assert shown == "down"
                    continue
                route = routes[server]
                mail = route["mail"] or route.get("mail_held") or "held"
                free_busy = route["free_busy"] or (
                    f"not answered — {route['free_busy_failure']}"
                    if route["free_busy_failure"]
                    else "not answered"
                )
                assert shown == f"mail: {mail} / free/busy: {free_busy}", server
            assert set(routes) <= set(row.routes)


# -- hand-built failover scenarios (the schema of issue 12) ------------------------------


def fixture_model() -> dict[str, Any]:
    """The fixture's audit without its failover part and its fix: the tests below add
    hand-built scenarios (and fixes) to it."""
    result = invoke(["audit", "--json", str(NAMES)])
    model: dict[str, Any] = json.loads(result.stdout)
    model["problems"] = [p for p in model["problems"] if not p["code"].startswith("failover-")]
    del model["failover"], model["fix"]
    return model


def route(server: str, mail: str | None, free_busy: str | None, why: str | None = None) -> Any:
    return {"server": server, "mail": mail, "free_busy": free_busy, "free_busy_failure": why}


FAILS_AT_COEX1 = f"fails at {COEX1}: it sees the document of {COEX2} first and does not relay"
GUIDE_CASE = [
    {
        "domain": "BTEx",
        "down": [],
        "routes": [route(s, COEX2, COEX2) for s in (APP, COEX1, COEX2, HUB, MAIL)],
        "mail_ok": True,
        "free_busy_ok": True,
    },
    {
        "domain": "BTEx",
        "down": [COEX1],
        "routes": [route(s, COEX2, COEX2) for s in (APP, COEX2, HUB, MAIL)],
        "mail_ok": True,
        "free_busy_ok": True,
    },
    {
        "domain": "BTEx",
        "down": [COEX2],
        "routes": [
            route(APP, COEX1, None, FAILS_AT_COEX1),
            route(COEX1, COEX1, None, FAILS_AT_COEX1),
            route(HUB, None, None, "no document left on CN=DominoHub1/O=Acme"),
            route(MAIL, COEX1, COEX1),
        ],
        "mail_ok": False,
        "free_busy_ok": False,
    },
]


def test_the_failover_table_of_the_guide_case_by_hand() -> None:
    model = fixture_model()
    model["failover"] = copy.deepcopy(GUIDE_CASE)
    model["problems"].append(
        {
            "code": "failover-free-busy-fails",
            "message": f"with {COEX2} down, free/busy of {APP}, {COEX1} {FAILS_AT_COEX1}",
            "domain": "BTEx",
            "unid": None,
            "server": COEX1,  # where it fails, as the audit writes it
        }
    )
    model["problems"].append(
        {
            "code": "failover-mail-held",
            "message": f"with {COEX2} down, mail of {HUB} is held",
            "domain": "BTEx",
            "unid": None,
            "server": HUB,
        }
    )
    page = page_of(model)
    assert_failover_table(page, model)
    root = parse(page)
    rows = failover(domain_section(root, "BTEx"))
    assert [row.down for row in rows] == ["nothing down", COEX1, COEX2]
    assert rows[2].routes[COEX2] == "down"
    assert rows[2].routes[HUB] == (
        "mail: held / free/busy: not answered — no document left on CN=DominoHub1/O=Acme"
    )
    assert rows[2].routes[MAIL] == f"mail: {COEX1} / free/busy: {COEX1}"
    assert rows[0].mail == "✓ gets through" and rows[2].free_busy == "✗ fails"
    # The failover problems link to the first cell of a scenario whose route stops at
    # that server: App1's, whose requests fail at Coex1. The held mail has no reason
    # (as in a JSON of an older release): Hub1's own cell.
    listed = {p.code: p for p in problems(root)}
    assert listed["failover-free-busy-fails"].target == rows[2].element[3]
    assert text(target(listed["failover-free-busy-fails"])).startswith(f"mail: {COEX1}")
    assert listed["failover-free-busy-fails"].target in rows[2].element
    assert listed["failover-mail-held"].target in rows[2].element
    assert text(target(listed["failover-mail-held"])).startswith("mail: held")
    verdict = text(domain_section(root, "BTEx").find_class("verdict")[0])
    assert verdict == f"8 problems; failover: mail and free/busy fail with {COEX2} down"


def test_the_verdicts_of_failover() -> None:
    model = fixture_model()
    model["failover"] = [copy.deepcopy(s) for s in GUIDE_CASE[:2]]
    survives = one(parse(page_of(model)).get_element_by_id("verdicts"), ".//tbody/tr/td")
    assert text(survives) == (
        "6 problems; failover: survives the loss of any one coexistence server (mail, free/busy)"
    )
    single = fixture_model()
    single["domains"][0]["servers"] = [
        {**server, "coexistence": server["server"] == COEX1}
        for server in single["domains"][0]["servers"]
    ]
    single["failover"] = []
    single_verdict = one(parse(page_of(single)).get_element_by_id("verdicts"), ".//tbody/tr/td")
    assert text(single_verdict) == "6 problems; failover: no failover: one coexistence server"
    nobody = fixture_model()
    for server in nobody["domains"][0]["servers"]:
        server["coexistence"] = False
    for document in nobody["domains"][0]["documents"]:
        document["coexistence_server"] = None
    nobody["failover"] = []
    none = one(parse(page_of(nobody)).get_element_by_id("verdicts"), ".//tbody/tr/td")
    assert text(none) == "6 problems; failover: no failover: no coexistence server"
    # Without the failover key (this base), no failover table and no failover verdict.
    plain = parse(page_of(fixture_model()))
    assert failover(domain_section(plain, "BTEx")) == []
    assert text(one(plain.get_element_by_id("verdicts"), ".//tbody/tr/td")) == "6 problems"


def test_the_fix_suggestion() -> None:
    model = fixture_model()
    command = f"dxltools run coexistence-readers {NAMES} --set servers_group=AcmeMailServers -i"
    model["fix"] = {
        "agent": "coexistence-readers",
        "parameters": {"servers_group": "AcmeMailServers"},
        "candidates": [
            {"group": "AcmeMailServers", "exact": True, "extra_members": [], "servers_only": False},
            {
                "group": "AcmeCoexServers",
                "exact": False,
                "extra_members": ["CN=Relay/O=Acme"],
                "servers_only": True,
            },
        ],
        "command": command,
    }
    root = parse(page_of(model))
    fix = root.get_element_by_id("fix")
    assert one(fix, ".//pre").text_content() == command
    rows = [[text(cell) for cell in row] for row in one(fix.find_class("candidates")[0], "tbody")]
    assert rows == [
        ["AcmeMailServers", "exact", "none", "no"],
        ["AcmeCoexServers", "not exact", "CN=Relay/O=Acme", "yes (may not be honoured)"],
    ]
    model["fix"] = None
    assert text(one(parse(page_of(model)).get_element_by_id("fix"), "p")) == "Nothing to fix."
    assert parse(page_of(fixture_model())).find(".//section[@id='fix']") is None


# -- hostile names ---------------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>",
    '" onmouseover="alert(2)',
    "javascript:alert(3)",
    "' onfocus='alert(4)",
    "</style><script>alert(5)</script>",
    "<img src=x onerror=alert(6)>",
)


def hostile_export() -> bytes:
    """A directory whose every string the page shows is hostile: the domain, the
    servers, a group and its members, item names and entries."""
    (script, quote, js, single, style, img) = HOSTILE

    def item(name: str, values: tuple[str, ...], flags: str = "") -> str:
        texts = "".join(f"<text>{escape(value)}</text>" for value in values)
        return f"<item name={quoteattr(name)}{flags}><textlist>{texts}</textlist></item>"

    def document(unid: str, modified: str, own: str, readers: tuple[str, ...]) -> str:
        return "\n".join(
            [
                "<document form='Domain'>",
                f"<noteinfo noteid='1' unid='{unid}' sequence='1'>"
                f"<modified><datetime>{modified}</datetime></modified></noteinfo>",
                item("DomainType", ("ForeignDomain",)),
                item("DomainName", (script,)),
                item("MailServer", (own,), " names='true'"),
                item(quote, readers, " readers='true' names='true'"),
                item(style, (img, js), " authors='true' names='true'"),
                "</document>",
            ]
        )

    servers = [f"CN={single}/O=Acme", f"CN={img}/O=Acme", f"CN={js}/O=Acme"]
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>",
        "<database xmlns='http://www.lotus.com/dxl' version='9.0' replicaid='C1257B55002760FD'>",
        *(
            f"<document form='Server'><noteinfo noteid='2' unid='5E{i:030X}' sequence='1'/>"
            + item("ServerName", (server,), " names='true'")
            + "</document>"
            for i, server in enumerate(servers)
        ),
        "<document form='Group'><noteinfo noteid='3' unid='6F000000000000000000000000000000'"
        " sequence='1'/>"
        + item("ListName", (quote,))
        + item("Members", (servers[2], script), " names='true'")
        + "</document>",
        document(
            "D0C00000000000000000000000000001",
            "20230101T120000,00+01",
            servers[0],
            (quote, servers[0], "[" + script + "]"),
        ),
        document(
            "D0C00000000000000000000000000002",
            "20230102T120000,00+01",
            servers[1],
            (servers[1], js),
        ),
        "</database>",
    ]
    return "\n".join(parts).encode()


def assert_hostile_text_shown(page: bytes) -> None:
    root = parse(page)
    assert unsafe(root) == []
    assert not list(root.iter("script"))
    shown = root.text_content()
    for payload in HOSTILE:
        assert payload in shown, payload


def test_hostile_names_in_an_export_stay_text(tmp_path: Path) -> None:
    folder = tmp_path / HOSTILE[0].replace("/", "|")  # a hostile folder name as well
    folder.mkdir()
    export = folder / f"{HOSTILE[1]}.dxl"
    export.write_bytes(hostile_export())
    target = tmp_path / "audit.html"
    result = invoke(["audit", "--json", "--html", str(target), str(export)])
    assert result.exit_code == 1, result.stderr
    model = json.loads(result.stdout)
    assert [d["domain"] for d in model["domains"]] == [HOSTILE[0]]
    page = target.read_bytes()
    assert_hostile_text_shown(page)
    assert_page_says_what_the_json_says(page, model)
    assert str(export) in text(parse(page).get_element_by_id("inputs"))


def hostile_model() -> dict[str, Any]:
    """Every string field of the JSON, the failover scenarios and the fix hostile."""
    (script, quote, js, single, style, img) = HOSTILE
    servers = [script, quote, js]
    return {
        "domains": [
            {
                "domain": style,
                "documents": [
                    {
                        "unid": img,
                        "coexistence_server": script,
                        "modified": quote,
                        "readable_by": [js, single],
                        "source": style,
                        "line": 1,
                        "readers": [{"item": script, "entries": [quote, js]}],
                        "authors": [{"item": single, "entries": [img]}],
                    }
                ],
                "servers": [
                    {"server": s, "visible": [img], "primary": img, "coexistence": s == script}
                    for s in servers
                ],
            }
        ],
        "problems": [
            {"code": code, "message": message, "domain": domain, "unid": unid, "server": server}
            for code, message, domain, unid, server in (
                (script, quote, style, img, None),
                (js, single, style, None, quote),
                ("failover-mail-held", img, style, None, js),
                (style, script, None, None, None),
                (quote, js, style, img, script),
            )
        ],
        "failover": [
            {
                "domain": style,
                "down": [script],
                "routes": [route(quote, script, None, img), route(js, None, style)],
                "mail_ok": False,
                "free_busy_ok": False,
            }
        ],
        "fix": {
            "agent": script,
            "parameters": {"servers_group": quote},
            "candidates": [
                {"group": js, "exact": False, "extra_members": [img], "servers_only": True}
            ],
            "command": f"dxltools run {single} {style}",
        },
    }


def test_hostile_strings_in_every_field_of_the_model_stay_text() -> None:
    model = hostile_model()
    inputs = (PageInput(HOSTILE[0], 1), PageInput(HOSTILE[1], None))
    page = page_of(model, inputs=inputs, after=HOSTILE[2])
    assert_hostile_text_shown(page)
    assert_page_says_what_the_json_says(page, model)
    assert_failover_table(page, model)


def test_characters_xml_cannot_hold_are_shown_escaped() -> None:
    model = hostile_model()
    model["domains"][0]["servers"][0]["server"] = "CN=Bell\x07/O=Acme"
    model["problems"][0]["message"] = "a \x00 b \ufffe"
    shown = parse(page_of(model)).text_content()
    assert "CN=Bell\\x07/O=Acme" in shown
    assert "a \\x00 b \\xfffe" in shown


def _xml_char(char: str) -> bool:
    """XML 1.0's Char production, written out from the spec."""
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    )


def _escaped_by_hand(text_in: str) -> str:
    return "".join(c if _xml_char(c) else f"\\x{ord(c):02x}" for c in text_in)


@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_clean_escapes_exactly_what_xml_cannot_hold(text_in: str) -> None:
    assert clean(text_in) == _escaped_by_hand(text_in)


# The edges of XML's ranges, which a draw of any character rarely reaches.
@pytest.mark.parametrize(
    "edge", "\x00\x08\t\n\x0b\r\x1f \x7f\ud7ff\ud800\udfff\ue000\ufffd\ufffe\uffff\U00010000"
)
def test_clean_at_the_edges_of_what_xml_can_hold(edge: str) -> None:
    assert clean(f"CN=A{edge}B/O=Acme") == _escaped_by_hand(f"CN=A{edge}B/O=Acme")


# -- the command -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ((str(NAMES),), 1),
        ((*AFTER, str(NAMES)), 0),
        (("--json", str(NAMES)), 1),
        (("--down", "DominoCoex2/Acme", str(NAMES)), 1),
        (("--down", "dominocoex2/acme", *AFTER, "--json", str(NAMES)), 0),
    ],
)
def test_html_leaves_stdout_and_status_as_they_were(
    tmp_path: Path, args: tuple[str, ...], status: int
) -> None:
    plain = invoke(["audit", *args])
    target = tmp_path / "page.html"
    with_page = invoke(["audit", *args, "--html", str(target)])
    assert (plain.exit_code, with_page.exit_code) == (status, status)
    assert with_page.stdout == plain.stdout
    assert with_page.stderr == plain.stderr == ""
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")
    assert leftover_temporaries(tmp_path) == []


def test_the_page_with_down_shows_that_scenario_alone(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    result = invoke(
        ["audit", "--json", "--down", "DominoCoex2/Acme", str(NAMES), "--html", str(target)]
    )
    model = json.loads(result.stdout)
    assert_failover_table(target.read_bytes(), model)
    rows = failover(domain_section(parse(target.read_bytes()), "BTEx"))
    assert [row.down for row in rows] == ["CN=DominoCoex2/O=Acme"]
    assert rows[0].routes["CN=DominoCoex2/O=Acme"] == "down"


def test_the_page_names_the_inputs_their_sizes_and_the_time(tmp_path: Path) -> None:
    first = copy_file(NAMES, tmp_path / "a" / "names.dxl")
    second = copy_file(FOREIGN, tmp_path / "b" / "foreign.dxl")
    target = tmp_path / "page.html"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert invoke(["audit", str(first), str(second), "--html", str(target)]).exit_code == 1
    after = dt.datetime.now(dt.UTC)
    inputs = parse(target.read_bytes()).get_element_by_id("inputs")
    rows = [[text(cell) for cell in row] for row in one(inputs, ".//tbody")]
    size1, size2 = first.stat().st_size, second.stat().st_size
    assert rows == [
        [str(first), f"{size1 / 1024:.1f} KB ({size1:,} bytes)"],
        [str(second), f"{size2 / 1024:.1f} KB ({size2:,} bytes)"],
    ]
    stamp = dt.datetime.fromisoformat(one(inputs, ".//time").get("datetime", ""))
    assert before <= stamp <= after


def test_the_page_of_standard_input(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    data = NAMES.read_bytes()
    assert invoke(["audit", "--html", str(target)], stdin=data).exit_code == 1
    inputs = parse(target.read_bytes()).get_element_by_id("inputs")
    assert [text(cell) for cell in one(inputs, ".//tbody/tr")] == [
        "<stdin>",
        f"{len(data) / 1024:.1f} KB ({len(data):,} bytes)",
    ]


def test_the_page_names_no_file_a_folder_walk_skipped(tmp_path: Path) -> None:
    export = copy_file(NAMES, tmp_path / "exports" / "names.dxl")
    (tmp_path / "exports" / "settings.xml").write_text("<?xml version='1.0'?>\n<config/>\n")
    target = tmp_path / "page.html"
    result = invoke(["audit", str(tmp_path / "exports"), "--html", str(target)])
    assert result.exit_code == 1
    assert "settings.xml: skipped: " in result.stderr
    inputs = parse(target.read_bytes()).get_element_by_id("inputs")
    assert [text(row[0]) for row in one(inputs, ".//tbody")] == [str(export)]


def test_standard_input_with_a_page_on_standard_output_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a page named "-" would land
    result = invoke(["audit", "--html", "-"], stdin=NAMES.read_bytes())
    assert result.exit_code == 2
    assert result.stdout == ""
    assert error_line(result.stderr) == (
        "dxltools: dxltools audit: --html needs a file name (standard output carries the report)"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_page_replaces_an_older_one_atomically(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_bytes(b"yesterday")
    target.chmod(0o640)
    assert invoke(["audit", str(NAMES), "--html", str(target)]).exit_code == 1
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o640  # the atomic writer keeps the mode
    assert leftover_temporaries(tmp_path) == []


@pytest.mark.parametrize("where", ["missing-folder", "an-input", "stdout", "a-folder"])
def test_a_page_that_cannot_be_written_is_exit_2_and_no_report(tmp_path: Path, where: str) -> None:
    export = copy_file(NAMES, tmp_path / "names.dxl")
    target = {
        "missing-folder": str(tmp_path / "nowhere" / "page.html"),
        "an-input": str(export),
        "stdout": "-",
        "a-folder": str(tmp_path),
    }[where]
    result = invoke(["audit", str(export), "--html", target])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert error_line(result.stderr).startswith("dxltools: ")
    assert export.read_bytes() == NAMES.read_bytes()
    assert leftover_temporaries(tmp_path) == []


@requires_shared
@pytest.mark.parametrize("path", real_dxl_files(), ids=lambda path: path.name)
def test_the_page_of_real_exports(tmp_path: Path, path: Path) -> None:
    target = tmp_path / "page.html"
    result = invoke(["audit", "--json", str(path), "--html", str(target)])
    assert result.exit_code in (0, 1), result.stderr
    model = json.loads(result.stdout)
    assert_page_says_what_the_json_says(target.read_bytes(), model)


# -- greyscale -------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rgb or #rrggbb colour."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(2 * digit for digit in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: float, second: float) -> float:
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def rule(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match is not None, selector
    return match.group(1)


def test_matrix_states_differ_in_greyscale_and_their_text_is_readable() -> None:
    """Without colour, a cell's state still shows: its word, and a fill of clearly
    different lightness (primary dark, sees light, does not see white with a hatch);
    the text on each fill passes WCAG AA (4.5:1)."""
    (style,) = parse(page_of(fixture_model())).iter("style")
    css = style.text_content()
    primary, sees, hidden = (rule(css, f".cell-{s}") for s in ("primary", "sees", "hidden"))
    fill = {
        "primary": luminance(re.findall(r"background: (#\w+)", primary)[0]),
        "sees": luminance(re.findall(r"background: (#\w+)", sees)[0]),
        "hidden": luminance("#fff"),  # the hatch's lighter stripe
    }
    text_colour = {
        "primary": luminance(re.findall(r"(?<!-)color: (#\w+)", primary)[0]),
        "sees": luminance(re.findall(r"(?<!-)color: (#\w+)", sees)[0]),
        "hidden": luminance(re.findall(r"(?<!-)color: (#\w+)", hidden)[0]),
    }
    assert "repeating-linear-gradient" in hidden  # the hatch
    assert contrast(fill["primary"], fill["sees"]) >= 3
    for state in fill:
        assert contrast(fill[state], text_colour[state]) >= 4.5, state
    assert "print-color-adjust: exact" in css and "@media print" in css
