"""Every root the DXL DTD allows is DXL (issue 16): a design element, the ACL,
a profile document... exported on its own. `run` leaves such a file byte for
byte as it is, `show` lists nothing, `audit` finds nothing, all with exit 0;
`validate` validates it against the DTD. The list of roots is read from the
DTDs here (an element is a root when its attributes include %root.attrs;) and
also written out by hand, so each checks the other and both check the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dxltools.dxl.segments import DATABASE_CHILDREN, DXL_NAMESPACE, ROOT_TAGS
from tests.clitools import error_line, invoke
from tests.shared import SCHEMAS, requires_schemas

# By hand, from the DTD's %design.elements; and the other elements given %root.attrs;.
DESIGN_ELEMENTS = [
    "agent",
    "agentdata",
    "appletresource",
    "databasescript",
    "dataconnection",
    "db2accessview",
    "fileresource",
    "folder",
    "form",
    "frameset",
    "helpaboutdocument",
    "helpusingdocument",
    "imageresource",
    "outline",
    "page",
    "scriptlibrary",
    "sharedactions",
    "sharedcolumn",
    "sharedfield",
    "stylesheetresource",
    "subform",
    "view",
    "webservice",
]
OTHER_ROOTS_WITHOUT_NOTES = ["acl", "profiledocument", "viewentries"]
ROOTS_WITH_NOTES = ["database", "document", "note"]
EXPECTED_ROOTS = sorted(DESIGN_ELEMENTS + OTHER_ROOTS_WITHOUT_NOTES + ROOTS_WITH_NOTES)
NO_NOTE_ROOTS = sorted(DESIGN_ELEMENTS + OTHER_ROOTS_WITHOUT_NOTES)

# What each root needs to be valid against both DTDs (attributes, content); found by hand.
VALID = {
    "acl": ("", "<aclentry name='-Default-' level='reader'/>"),
    "agent": (" name='A'", "<trigger type='actionsmenu'/>"),
    "appletresource": ("", "<code event='applet'><javaproject/></code>"),
    "dataconnection": (" class='rdbms' type='db2'", ""),
    "fileresource": (" name='a.txt'", "<filedata>aGk=</filedata>"),
    "form": (" name='F'", "<body><richtext/></body>"),
    "frameset": ("", "<frame/>"),
    "helpaboutdocument": ("", "<body><richtext/></body>"),
    "helpusingdocument": ("", "<body><richtext/></body>"),
    "imageresource": ("", "<gif>R0lGODlh</gif>"),
    "page": ("", "<body><richtext/></body>"),
    "profiledocument": (" name='P'", "<item name='X'><text>y</text></item>"),
    "sharedcolumn": ("", "<column/>"),
    "sharedfield": ("", "<field name='f' kind='editable' type='text'/>"),
    "stylesheetresource": (" name='s.css'", "<filedata>aGk=</filedata>"),
    "subform": ("", "<body><richtext/></body>"),
}
NOT_NOTES = ("acl", "viewentries")  # they hold no <noteinfo>
NOTEINFO = "<noteinfo noteid='1f2' unid='0123456789ABCDEF0123456789ABCDEF' sequence='1'/>"


def _dtd_roots(dtd: str) -> list[str]:
    """The elements whose ATTLIST holds %root.attrs;, directly or through
    parameter entities (read from the DTD's text, comments left out)."""
    text = re.sub(r"<!--.*?-->", "", dtd, flags=re.DOTALL)
    entities = dict(re.findall(r'<!ENTITY\s+%\s+([\w.-]+)\s+"([^"]*)"', text))

    def holds_root_attrs(value: str, seen: frozenset[str] = frozenset()) -> bool:
        for name in re.findall(r"%([\w.-]+);", value):
            if name == "root.attrs" or (
                name not in seen and holds_root_attrs(entities.get(name, ""), seen | {name})
            ):
                return True
        return False

    lists = re.findall(r"<!ATTLIST\s+([\w.-]+)(.*?)>", text, flags=re.DOTALL)
    return sorted({name for name, body in lists if holds_root_attrs(body)})


@requires_schemas
@pytest.mark.parametrize("dtd", ["domino_9_0_1.dtd", "domino_10_0_1.dtd"])
def test_the_roots_are_those_the_dtd_gives_root_attributes(dtd: str) -> None:
    assert _dtd_roots((SCHEMAS / dtd).read_text(encoding="utf-8")) == EXPECTED_ROOTS


@requires_schemas
def test_the_design_elements_are_the_dtds() -> None:
    text = (SCHEMAS / "domino_10_0_1.dtd").read_text(encoding="utf-8")
    found = re.search(r'<!ENTITY\s+%\s+design\.elements\s+"([^"]*)"', text)
    assert found is not None
    assert sorted(name.strip() for name in found.group(1).split("|")) == DESIGN_ELEMENTS


def _database_children(dtd: str) -> list[str]:
    """The element names of <database>'s content model, parameter entities expanded."""
    text = re.sub(r"<!--.*?-->", "", dtd, flags=re.DOTALL)
    entities = dict(re.findall(r'<!ENTITY\s+%\s+([\w.-]+)\s+"([^"]*)"', text))
    model = re.search(r"<!ELEMENT\s+database\s+(.*?)>", text, flags=re.DOTALL)
    assert model is not None
    content = model.group(1)
    while (reference := re.search(r"%([\w.-]+);", content)) is not None:
        content = content.replace(reference.group(0), entities[reference.group(1)])
    return sorted(set(re.findall(r"[A-Za-z_][\w.-]*", content)) - {"EMPTY", "ANY", "PCDATA"})


@requires_schemas
@pytest.mark.parametrize("dtd", ["domino_9_0_1.dtd", "domino_10_0_1.dtd"])
def test_the_database_children_are_those_of_the_dtd(dtd: str) -> None:
    # validate asks libxml2 for the end of these elements only (validate/check.py)
    others = ["acl", "databaseinfo", "document", "fulltextsettings", "launchsettings", "note"]
    expected = sorted([*DESIGN_ELEMENTS, *others, "profiledocument"])
    assert _database_children((SCHEMAS / dtd).read_text(encoding="utf-8")) == expected
    assert sorted(DATABASE_CHILDREN) == expected


def test_the_splitter_takes_every_root() -> None:
    assert sorted(ROOT_TAGS) == EXPECTED_ROOTS


def _file(root: str, folder: Path, *, valid: bool = True, namespace: str = DXL_NAMESPACE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    attributes, content = VALID.get(root, ("", ""))
    if not valid:  # what the DTD requires, left out
        attributes, content = "", ""
    text = (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f"<!DOCTYPE {root} SYSTEM 'xmlschemas/domino_10_0_1.dtd'>\n"
        f"<{root} xmlns='{namespace}' version='10.0'{attributes}>\n"
        f"{'' if root in NOT_NOTES else NOTEINFO}{content}</{root}>\n"
    )
    path = folder / f"{root}.xml"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("root", NO_NOTE_ROOTS)
def test_a_file_with_no_document_is_left_as_it_is(root: str, tmp_path: Path) -> None:
    path = _file(root, tmp_path)
    data = path.read_bytes()
    for agent in (["remove-document-access"], ["coexistence-readers", "--set", "servers_group=S"]):
        piped = invoke(["run", *agent, str(path)])
        assert (piped.exit_code, piped.stdout_bytes, piped.stderr) == (0, data, "")
        out = tmp_path / "out" / f"{root}.xml"
        out.parent.mkdir(exist_ok=True)  # -o FILE writes into a folder that exists
        written = invoke(["run", *agent, str(path), "-o", str(out)])
        assert written.exit_code == 0, written.stderr
        assert out.read_bytes() == data
        for flag in ("-i", "--strict"):
            in_place = invoke(["run", *agent, str(path), "-i", flag])
            assert in_place.exit_code == 0, in_place.stderr
    assert path.read_bytes() == data
    shown = invoke(["show", str(path), "--strict"])
    assert (shown.exit_code, shown.stdout, shown.stderr) == (0, "", "")
    assert invoke(["audit", str(path), "--strict"]).exit_code == 0


@requires_schemas
@pytest.mark.parametrize("root", NO_NOTE_ROOTS)
def test_validate_checks_a_design_element_against_the_dtd(root: str, tmp_path: Path) -> None:
    path = _file(root, tmp_path)
    result = invoke(["validate", str(path), "--dtd-dir", str(SCHEMAS), "--json"])
    assert result.exit_code == 0, result.stdout
    assert '"dtd": "' + str(SCHEMAS / "domino_10_0_1.dtd") + '"' in result.stdout
    release = invoke(["validate", str(path), "--dtd", "9.0.1", "--dtd-dir", str(SCHEMAS)])
    assert release.exit_code == 0, release.stdout


@requires_schemas
@pytest.mark.parametrize("root", sorted(VALID))
def test_validate_finds_what_the_dtd_requires_missing(root: str, tmp_path: Path) -> None:
    path = _file(root, tmp_path, valid=False)
    result = invoke(["validate", str(path), "--dtd-dir", str(SCHEMAS)])
    assert result.exit_code == 1, result.stdout
    assert ": dtd: " in result.stdout


def test_a_design_element_checks_its_unid(tmp_path: Path) -> None:
    path = _file("form", tmp_path)
    path.write_bytes(path.read_bytes().replace(b"0123456789ABCDEF0123456789ABCDEF", b"XYZ"))
    result = invoke(["validate", str(path)])
    assert result.exit_code == 1
    assert ":4:" in result.stdout and "unid: unid 'XYZ'" in result.stdout


@pytest.mark.parametrize("root", ["form", "acl"])
def test_a_dxl_root_in_another_namespace_is_not_dxl(root: str, tmp_path: Path) -> None:
    path = _file(root, tmp_path, namespace="urn:other")
    for command in (["run", "remove-document-access"], ["show"], ["audit"]):
        result = invoke([*command, str(path)])
        assert result.exit_code == 2, command
        assert "not a DXL export" in error_line(result.stderr)
    validated = invoke(["validate", str(path)])
    assert validated.exit_code == 2
    first = validated.stderr.splitlines()[0]  # then validate's summary line
    assert first.startswith(f"dxltools: {path}:3:1: not-dxl: not a DXL export")


@requires_schemas
@pytest.mark.parametrize("root", ["form", "acl", "agent"])
def test_validate_dtd_file_without_a_doctype(root: str, tmp_path: Path) -> None:
    """--dtd FILE puts the chosen DTD before the root when there is no DOCTYPE."""
    path = _file(root, tmp_path)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(line for line in lines if not line.startswith(b"<!DOCTYPE")))
    dtd = SCHEMAS / "domino_9_0_1.dtd"
    result = invoke(["validate", str(path), "--dtd", str(dtd), "--json"])
    assert result.exit_code == 0, result.stdout
    assert f'"dtd": "{dtd}"' in result.stdout
    broken = _file(root, tmp_path / "broken", valid=False)
    broken_lines = broken.read_bytes().split(b"\n")
    broken.write_bytes(b"\n".join(x for x in broken_lines if not x.startswith(b"<!DOCTYPE")))
    assert invoke(["validate", str(broken), "--dtd", str(dtd)]).exit_code == 1
