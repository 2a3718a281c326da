"""The DXL fixtures are well-formed, DTD-valid and consistent; what the real exports validate as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from tests.shared import (
    FIXTURES,
    REAL_DXL,
    SCHEMAS,
    doctype_system_id,
    dtd_errors,
    dtd_path_for,
    fixture_files,
    is_dtd_valid,
    real_dxl_params,
    requires_schemas,
    requires_shared,
)

DXL_NS = "http://www.lotus.com/dxl"
NS = {"d": DXL_NS}
DTD_9 = "domino_9_0_1.dtd"
DTD_10 = "domino_10_0_1.dtd"

NAMES = FIXTURES / "names.dxl"
COLLECTION = FIXTURES / "foreign-domains.dxl"
SINGLE = FIXTURES / "foreign-domain-single.dxl"

# A <document ...> start tag (attributes may wrap over lines) through its </document>.
DOCUMENT_SPAN = re.compile(rb"<document\b[^>]*>.*?</document>", re.DOTALL)
BTEX_MARKERS = (
    b"<item name='DomainType'><text>ForeignDomain</text></item>",
    b"<item name='DomainName'><text>BTEx</text></item>",
)


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        load_dtd=False, resolve_entities=False, no_network=True, dtd_validation=False
    )
    return etree.fromstring(data, parser)


def _item_text(doc: etree._Element, name: str) -> list[str]:
    """Text values of every item called ``name`` (case-insensitive) in ``doc``."""
    values: list[str] = []
    for item in doc.iterfind("d:item", NS):
        if str(item.get("name", "")).lower() == name.lower():
            values.extend("".join(t.itertext()) for t in item.iter(f"{{{DXL_NS}}}text"))
    return values


def _btex_spans(data: bytes) -> list[bytes]:
    return [s for s in DOCUMENT_SPAN.findall(data) if all(m in s for m in BTEX_MARKERS)]


# --- every fixture -----------------------------------------------------------------------


def test_fixtures_present() -> None:
    names = {p.name for p in fixture_files()}
    assert {"names.dxl", "foreign-domains.dxl", "foreign-domain-single.dxl"} <= names


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_is_well_formed_dxl(path: Path) -> None:
    root = _parse(path.read_bytes())
    assert root.tag in {f"{{{DXL_NS}}}database", f"{{{DXL_NS}}}document"}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_has_export_style(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE ")
    assert doctype_system_id(data) == f"xmlschemas/{DTD_9}"
    assert b"\r" not in data, "fixtures are LF"
    assert b'="' not in data, "attributes are single-quoted"
    assert re.search(rb"<[a-z]+\n[ >]", data), "no start tag wrapped inside the tag"


@requires_schemas
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_is_valid_against_domino_9_0_1_dtd(path: Path) -> None:
    data = path.read_bytes()
    dtd = dtd_path_for(data)
    assert dtd is not None
    assert dtd.name == DTD_9
    assert dtd_errors(data, dtd) == []
    assert is_dtd_valid(data) is True


# --- names.dxl ---------------------------------------------------------------------------


def test_names_has_two_btex_foreign_domains_with_document_access() -> None:
    root = _parse(NAMES.read_bytes())
    foreign = [
        doc
        for doc in root.iterfind("d:document", NS)
        if doc.get("form") == "Domain"
        and _item_text(doc, "DomainType") == ["ForeignDomain"]
        and _item_text(doc, "DomainName") == ["BTEx"]
    ]
    assert len(foreign) == 2
    for doc in foreign:
        assert _item_text(doc, "DocumentAccess") == ["[NetModifier]"]
    unids = {doc.xpath("string(d:noteinfo/@unid)", namespaces=NS) for doc in foreign}
    assert len(unids) == 2
    modified = {doc.xpath("string(d:noteinfo/d:modified)", namespaces=NS) for doc in foreign}
    assert len(modified) == 2, "the two BTEx documents need different modification times"


def test_names_has_the_other_directory_documents() -> None:
    root = _parse(NAMES.read_bytes())
    servers = {
        v
        for d in root.iterfind("d:document[@form='Server']", NS)
        for v in _item_text(d, "ServerName")
    }
    assert servers == {
        "CN=DominoHub1/O=Acme",
        "CN=DominoMail1/O=Acme",
        "CN=DominoApp1/O=Acme",
        "CN=DominoCoex1/O=Acme",
        "CN=DominoCoex2/O=Acme",
    }
    groups = {
        _item_text(d, "ListName")[0]: d for d in root.iterfind("d:document[@form='Group']", NS)
    }
    assert {
        "LocalDomainServers",
        "LocalDomainAdmins",
        "AcmeMailServers",
        "OtherDomainServers",
    } <= set(groups)
    assert len(_item_text(groups["LocalDomainServers"], "Members")) == 5
    assert _item_text(groups["OtherDomainServers"], "Members") == [""]
    assert "4" in {_item_text(d, "GroupType")[0] for d in groups.values()}
    domain_types = sorted(
        (_item_text(d, "DomainType")[0], _item_text(d, "DomainName")[0])
        for d in root.iterfind("d:document[@form='Domain']", NS)
    )
    assert domain_types == [
        ("AdjacentDomain", "Partner"),
        ("ForeignDomain", "BTEx"),
        ("ForeignDomain", "BTEx"),
        ("ForeignSMTPDomain", "Internet"),
    ]
    acl = root.find("d:acl", NS)
    assert acl is not None
    servers_entry = acl.find("d:aclentry[@name='LocalDomainServers']", NS)
    assert servers_entry is not None
    assert "NetModifier" in [r.text for r in servers_entry.iterfind("d:role", NS)]


# --- the collection and single-document exports ------------------------------------------


def test_collection_btex_documents_are_byte_identical_to_names() -> None:
    in_names = _btex_spans(NAMES.read_bytes())
    in_collection = _btex_spans(COLLECTION.read_bytes())
    assert len(in_names) == 2
    assert in_collection == in_names
    assert len(DOCUMENT_SPAN.findall(COLLECTION.read_bytes())) == 2


def test_single_document_export_matches_first_btex_document() -> None:
    first = _btex_spans(NAMES.read_bytes())[0]
    single = SINGLE.read_bytes()
    body = first[first.index(b">") + 1 :]
    assert single.rstrip(b"\n").endswith(body)
    root = _parse(single)
    assert root.tag == f"{{{DXL_NS}}}document"
    assert root.get("form") == "Domain"
    assert root.get("replicaid") == _parse(NAMES.read_bytes()).get("replicaid")


# --- helpers ---------------------------------------------------------------------------


@requires_schemas
def test_dtd_path_for_maps_the_system_id_basename() -> None:
    doctype = b"<?xml version='1.0'?>\n<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd'>\n"
    assert dtd_path_for(doctype + b"<database/>") == SCHEMAS / DTD_9
    assert dtd_path_for(b'<!DOCTYPE document SYSTEM "domino_10_0_1.dtd"><document/>') == (
        SCHEMAS / DTD_10
    )
    assert dtd_path_for(b"<!DOCTYPE database SYSTEM 'xmlschemas/domino_99.dtd'><database/>") is None
    assert dtd_path_for(b"<!-- <!DOCTYPE x SYSTEM 'domino_9_0_1.dtd'> --><database/>") is None
    assert dtd_path_for(b"<document xmlns='http://www.lotus.com/dxl'/>") is None
    assert is_dtd_valid(b"<document xmlns='http://www.lotus.com/dxl'/>") is None


# --- real exports ------------------------------------------------------------------------

# Facts from ../shared/real-dxl/SOURCES.md, checked explicitly below and in the report.
EXPECTED_VALIDITY: dict[str, dict[str, bool]] = {
    "nsfodp-dbprops2.xml": {DTD_10: True, DTD_9: False},
    "jnx-testDocumentSelection-document.xml": {DTD_9: False},
}


@requires_schemas
@pytest.mark.parametrize("path", real_dxl_params(), ids=lambda p: p.name)
def test_real_dxl_dtd_report(path: Path) -> None:
    """Which real export is valid against which DTD: the one it names, and each one we have."""
    data = path.read_bytes()
    _parse(data)  # every real export is well-formed
    named = doctype_system_id(data)
    named_dtd = dtd_path_for(data)
    against = {dtd.name: not dtd_errors(data, dtd) for dtd in sorted(SCHEMAS.glob("*.dtd"))}
    print(
        f"{path.name}: names {named or 'no DTD'}"
        f"{'' if named is None else (' (available)' if named_dtd else ' (not available)')};"
        f" valid against named DTD: {is_dtd_valid(data)}; by DTD: {against}"
    )
    if named_dtd is not None:
        assert is_dtd_valid(data) is True, f"{path.name} is invalid against the DTD it names"
    for dtd_name, valid in EXPECTED_VALIDITY.get(path.name, {}).items():
        assert against[dtd_name] is valid, f"{path.name} vs {dtd_name}"


@requires_shared
@requires_schemas
def test_nsfodp_dbprops2_is_valid_against_10_0_1_not_9_0_1() -> None:
    data = (REAL_DXL / "nsfodp-dbprops2.xml").read_bytes()
    assert dtd_path_for(data) is None  # it has no DOCTYPE: validate explicitly
    assert dtd_errors(data, SCHEMAS / DTD_10) == []
    errors = dtd_errors(data, SCHEMAS / DTD_9)
    assert errors
    assert any("noreplicate" in e for e in errors)


@requires_shared
@requires_schemas
def test_jnx_document_selection_is_not_valid_against_9_0_1() -> None:
    data = (REAL_DXL / "jnx-testDocumentSelection-document.xml").read_bytes()
    errors = dtd_errors(data, SCHEMAS / DTD_9)
    assert errors
    assert any("Form" in e for e in errors)
