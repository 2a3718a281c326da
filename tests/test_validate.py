"""`dxltools validate`: a file in, the problems (or the exit status and report) out."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from dxltools.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS
from dxltools.cli.validate import ValidateOptions, run_validate
from dxltools.dxl.scan import scan_bytes
from dxltools.errors import UsageError
from dxltools.validate import check as check_module
from dxltools.validate import structure
from dxltools.validate.check import FileCheck, validate_bytes
from dxltools.validate.dtd import DtdResolver, chosen_dtd, find_dtd
from dxltools.validate.ids import kept_attributes
from dxltools.validate.problems import ValidationProblem
from dxltools.validate.structure import SeenUnids
from tests.clitools import dxltools_in_one_log
from tests.hostile import watchdog
from tests.shared import (
    FIXTURES,
    REAL_DXL,
    ROOT,
    SCHEMAS,
    dtd_errors,
    fixture_files,
    real_dxl_params,
    requires_schemas,
    requires_shared,
    shared_or_skip,
)
from tests.strategies import GenFile, domain_notes, dxl_files

NAMES = FIXTURES / "names.dxl"
SINGLE = FIXTURES / "foreign-domain-single.dxl"
DTD_9 = "domino_9_0_1.dtd"
FIRST_UNID = b"BDD529505F8DDABFC1257B550027DF73"  # the first Server document of names.dxl


def names() -> bytes:
    return NAMES.read_bytes()


def line_of(data: bytes, marker: bytes) -> int:
    """1-based line of the first `marker` in `data`."""
    index = data.index(marker)
    return data.count(b"\n", 0, index) + 1


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def errors(problems: list[ValidationProblem]) -> list[ValidationProblem]:
    """The problems that make a file invalid (not the notes)."""
    return [problem for problem in problems if problem.severity == "error"]


def codes(problems: list[ValidationProblem]) -> list[str]:
    return [problem.code for problem in errors(problems)]


def run(
    *paths: str | Path,
    dtd_dir: str | Path | None = None,
    stdin: bytes = b"",
    as_json: bool = False,
    quiet: bool = False,
) -> tuple[int, str, str]:
    """Run the command as the CLI does: (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    options = ValidateOptions(
        paths=tuple(str(path) for path in paths),
        dtd_dir=str(dtd_dir) if dtd_dir is not None else None,
        json=as_json,
        quiet=quiet,
    )
    status = run_validate(options, io.BytesIO(stdin), stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def run_json(*paths: str | Path, dtd_dir: str | Path | None = None) -> tuple[int, Any]:
    status, out, _ = run(*paths, dtd_dir=dtd_dir, as_json=True)
    return status, json.loads(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def xmlschemas_layout(tmp_path: Path) -> Path:
    """A Notes program folder as admins have it: PROGRAM/xmlschemas/domino_9_0_1.dtd."""
    program = tmp_path / "notes"
    (program / "xmlschemas").mkdir(parents=True)
    (program / "xmlschemas" / DTD_9).symlink_to(SCHEMAS / DTD_9)
    return program


# -- valid files ------------------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_is_valid_without_dtd(path: Path) -> None:
    assert validate_bytes(path.read_bytes(), path.name) == []


@requires_schemas
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_is_valid_against_its_dtd(path: Path) -> None:
    with path.open("rb") as stream:
        check = FileCheck(stream, path.name, SCHEMAS)
        assert list(check.problems()) == []
    assert check.dtd == SCHEMAS / DTD_9


@requires_schemas
def test_fixtures_folder_is_valid_with_dtd_dir() -> None:
    status, out, err = run(FIXTURES, dtd_dir=SCHEMAS)
    assert (status, out) == (EXIT_OK, "")
    assert err == (
        "3 files checked: 3 valid, 0 with problems (0 problems), "
        "0 unreadable, not well-formed or not DXL\n"
    )


def test_without_dtd_dir_the_summary_says_so() -> None:
    status, out, err = run(NAMES)
    assert (status, out) == (EXIT_OK, "")
    assert err.endswith("; no DTD validation (give --dtd-dir)\n")


@requires_schemas
def test_dtd_dir_may_be_the_notes_program_folder(tmp_path: Path) -> None:
    program = xmlschemas_layout(tmp_path)
    status, report = run_json(FIXTURES, dtd_dir=program)
    assert status == EXIT_OK
    assert {entry["dtd"] for entry in report["files"]} == {str(program / "xmlschemas" / DTD_9)}
    assert report["summary"]["valid"] == 3


@requires_schemas
def test_dtd_dir_may_be_the_xmlschemas_folder(tmp_path: Path) -> None:
    schemas = xmlschemas_layout(tmp_path) / "xmlschemas"
    status, report = run_json(NAMES, dtd_dir=schemas)
    assert status == EXIT_OK
    assert report["files"][0]["dtd"] == str(schemas / DTD_9)


# -- DTD validity ------------------------------------------------------------------------


@requires_schemas
def test_unknown_child_of_an_item_is_a_dtd_problem_with_its_line(tmp_path: Path) -> None:
    data = replace_once(names(), b"<text>BTEx</text>", b"<text>BTEx</text><bogus/>")
    path = write(tmp_path, "names.dxl", data)
    status, out, _ = run(path, dtd_dir=SCHEMAS)
    assert status == EXIT_PROBLEMS
    line = line_of(data, b"<bogus/>")
    assert f"{path}:{line}:50: dtd: No declaration for element bogus\n" in out
    assert f"{path}:{line}:1: item-value: item 'DomainName' must hold exactly one value" in out


@requires_schemas
def test_undeclared_attribute_is_a_dtd_problem() -> None:
    data = replace_once(names(), b"<document form='Group'>", b"<document form='Group' zork='1'>")
    problems = validate_bytes(data, "names.dxl", SCHEMAS)
    line = line_of(data, b"zork=")
    assert [(p.line, p.code, p.message) for p in problems] == [
        (line, "dtd", "No declaration for attribute zork of element document")
    ]


@requires_schemas
def test_problems_found_in_one_read_are_reported_in_line_order() -> None:
    # One chunk: the structure rules see the later note's noteid as its note ends, the
    # DTD's error on the earlier note comes from libxml2's log afterwards.
    data = replace_once(names(), b"<document form='Group'>", b"<document form='Group' zork='1'>")
    data = data[: data.rindex(b"noteid='")] + data[data.rindex(b"noteid='") :].replace(
        b"noteid='", b"noteid='x", 1
    )
    problems = validate_bytes(data, "names.dxl", SCHEMAS)
    assert [(p.line, p.code) for p in problems] == [
        (line_of(data, b"zork="), "dtd"),
        (line_of(data, b"noteid='x"), "noteid"),
    ]


@requires_schemas
def test_dtd_checks_the_order_of_the_root_children_past_many_notes() -> None:
    # The ACL moved after every document: only the root's content model says it is wrong,
    # and libxml2 checks it when the root ends, long after the documents were cleared.
    data = names()
    acl = data[data.index(b"<acl ") : data.index(b"</acl>") + len(b"</acl>")]
    moved = data.replace(acl + b"\n", b"").replace(b"</database>", acl + b"\n</database>")
    problems = validate_bytes(moved, "names.dxl", SCHEMAS)
    assert codes(problems) == ["dtd"]
    assert "Element database content does not follow the DTD" in problems[0].message
    assert dtd_errors(moved, SCHEMAS / DTD_9)  # the whole-tree oracle agrees


@requires_schemas
def test_root_must_match_the_doctype() -> None:
    data = names().replace(b"<!DOCTYPE database", b"<!DOCTYPE document")
    problems = validate_bytes(data, "names.dxl", SCHEMAS)
    assert [(p.code, p.message) for p in problems] == [
        ("dtd", "root and DTD name do not match 'database' and 'document'")
    ]


@requires_schemas
def test_dtd_not_in_the_folder_is_a_problem_naming_what_is_there(tmp_path: Path) -> None:
    data = names().replace(b"domino_9_0_1.dtd", b"domino_11_0_1.dtd")
    path = write(tmp_path, "names.dxl", data)
    status, out, _ = run(path, dtd_dir=SCHEMAS)
    assert status == EXIT_PROBLEMS
    assert out == (
        f"{path}:2: dtd-not-found: the DOCTYPE names 'xmlschemas/domino_11_0_1.dtd': "
        f"domino_11_0_1.dtd is not in {SCHEMAS} nor in its xmlschemas folder "
        "(found: domino_10_0_1.dtd, domino_9_0_1.dtd)\n"
    )


def test_dtd_not_found_in_an_empty_folder(tmp_path: Path) -> None:
    problems = validate_bytes(names(), "names.dxl", tmp_path)
    assert codes(problems) == ["dtd-not-found"]
    assert problems[0].message.endswith("(no DTD there)")


def test_no_doctype_with_dtd_dir_is_a_note_not_a_problem(tmp_path: Path) -> None:
    data = re.sub(rb"<!DOCTYPE[^>]*>\n", b"", names())
    path = write(tmp_path, "names.dxl", data)
    status, out, err = run(path, dtd_dir=tmp_path)
    assert (status, out) == (EXIT_OK, "")
    assert err.splitlines()[0] == (
        f"{path}:1: note: no-doctype: no DOCTYPE naming a DTD: DTD validation skipped"
    )
    assert run(path, dtd_dir=tmp_path, quiet=True) == (EXIT_OK, "", "")


def test_a_broken_dtd_in_the_folder_stops_the_check(tmp_path: Path) -> None:
    write(tmp_path, DTD_9, b"<!ELEMENT database (oops")
    problems = validate_bytes(names(), "names.dxl", tmp_path)
    assert codes(problems) == ["dtd-unusable"]
    assert problems[0].fatal
    assert problems[0].line == 2
    assert str(tmp_path / DTD_9) in problems[0].message


@requires_schemas
def test_dtd_errors_past_libxml2s_limit_are_announced() -> None:
    data = names().replace(b"<item name='", b"<item zork='1' name='")
    problems = validate_bytes(data, "names.dxl", SCHEMAS)
    assert codes(problems).count("dtd") == 100
    assert [p.code for p in problems if p.severity == "note"] == ["dtd-errors-capped"]


# -- structure rules ------------------------------------------------------------------------

# Each case: what to change in names.dxl, the start of the element the problem is about
# (it gives the line and column), and the problem.
STRUCTURE_CASES = [
    pytest.param(
        b"<updatedby><name>CN=Admin/O=Acme</name><name>CN=DominoHub1/O=Acme</name></updatedby>",
        b"<item name='Early'><text>x</text></item>\n<updatedby><name>CN=Admin/O=Acme</name>"
        b"<name>CN=DominoHub1/O=Acme</name></updatedby>",
        b"<updatedby>",
        "header-order",
        "<updatedby> after an <item> (line 49): header elements come before the items",
        id="header-after-item",
    ),
    pytest.param(
        b"</noteinfo>\n<updatedby>",
        b"</noteinfo>\n<wassignedby><name>CN=Admin/O=Acme</name></wassignedby>\n<updatedby>",
        b"<updatedby>",
        "header-order",
        "<updatedby> after <wassignedby>: the header order is noteinfo, updatedby, revisions, "
        "wassignedby, textproperties, mime",
        id="headers-out-of-order",
    ),
    pytest.param(
        b"</noteinfo>\n",
        b"</noteinfo>\n<noteinfo noteid='8f5'/>\n",
        b"<noteinfo noteid='8f5'/>",
        "header-order",
        "a second <noteinfo>: a note has at most one",
        id="second-noteinfo",
    ),
    pytest.param(
        b"<item name='DomainName'><text>BTEx",
        b"<item><text>BTEx",
        b"<item><text>BTEx",
        "item-name",
        "<item> without a name",
        id="item-without-name",
    ),
    pytest.param(
        b"<item name='DomainName'><text>BTEx",
        b"<item name=''><text>BTEx",
        b"<item name=''>",
        "item-name",
        "<item> without a name",
        id="item-with-empty-name",
    ),
    pytest.param(
        b"<item name='DomainName'><text>BTEx</text></item>",
        b"<item name='DomainName'>BTEx</item>",
        b"<item name='DomainName'>BTEx",
        "item-value",
        "item 'DomainName' must hold exactly one value element, found none",
        id="item-without-value",
    ),
    pytest.param(
        b"<item name='DomainName'><text>BTEx</text></item>",
        # An undeclared entity is kept as a node, not an element: the one child is no value.
        b"<item name='DomainName'>&bogus;</item>",
        b"<item name='DomainName'>&bogus;",
        "item-value",
        "item 'DomainName' must hold exactly one value element, found none",
        id="item-holding-only-an-entity-reference",
    ),
    pytest.param(
        b"<item name='DomainName'><text>BTEx</text>",
        b"<item name='DomainName'><text>BTEx</text><textlist/>",
        b"<item name='DomainName'><text>BTEx</text><textlist/>",
        "item-value",
        "item 'DomainName' must hold exactly one value element, found 2 (text, textlist)",
        id="item-with-two-values",
    ),
    pytest.param(
        b"unid='" + FIRST_UNID + b"'",
        b"unid='BDD529505F8DDABFC1257B550027DF7'",
        b"<noteinfo noteid='8f4' unid='BDD529505F8DDABFC1257B550027DF7'",
        "unid",
        "unid 'BDD529505F8DDABFC1257B550027DF7' is not 32 hexadecimal digits",
        id="unid-31-digits",
    ),
    pytest.param(
        b"unid='" + FIRST_UNID + b"'",
        b"unid='BDD529505F8DDABFC1257B550027DF7G'",
        b"<noteinfo noteid='8f4' unid='BDD529505F8DDABFC1257B550027DF7G'",
        "unid",
        "unid 'BDD529505F8DDABFC1257B550027DF7G' is not 32 hexadecimal digits",
        id="unid-not-hex",
    ),
    pytest.param(
        b"noteid='8f4'",
        b"noteid='NT8f4'",
        b"<noteinfo noteid='NT8f4'",
        "noteid",
        "noteid 'NT8f4' is not hexadecimal",
        id="noteid-not-hex",
    ),
]


def position(data: bytes, marker: bytes) -> tuple[int, int]:
    """1-based line and byte column of the first `marker` in `data`."""
    index = data.index(marker)
    return data.count(b"\n", 0, index) + 1, index - data.rfind(b"\n", 0, index)


@pytest.mark.parametrize(("old", "new", "where", "code", "message"), STRUCTURE_CASES)
def test_structure_rule(
    tmp_path: Path, old: bytes, new: bytes, where: bytes, code: str, message: str
) -> None:
    data = replace_once(names(), old, new)
    line, column = position(data, where)
    problems = validate_bytes(data, "names.dxl")
    assert [(p.line, p.column, p.code, p.message) for p in problems] == [
        (line, column, code, message)
    ]
    path = write(tmp_path, "names.dxl", data)
    status, out, _ = run(path)
    assert status == EXIT_PROBLEMS
    assert out == f"{path}:{line}:{column}: {code}: {message}\n"


def test_duplicate_unid_names_both_lines() -> None:
    data = names()
    second = re.findall(rb"unid='([0-9A-F]{32})'", data)[1]
    data = data.replace(second, FIRST_UNID.lower())  # UNIDs compare case-insensitively
    problems = validate_bytes(data, "names.dxl")
    first_note = line_of(data, FIRST_UNID) - 1  # the <document> before its <noteinfo>
    assert [(p.line, p.column, p.code, p.message) for p in problems] == [
        (
            line_of(data, FIRST_UNID.lower()),
            1,
            "duplicate-unid",
            f"UNID {FIRST_UNID.lower().decode()} already used by the note at line {first_note}",
        )
    ]


def test_design_notes_have_their_unids_checked_too() -> None:
    form = (
        b"<form name='Memo'>\n<noteinfo noteid='12a' unid='" + FIRST_UNID + b"' sequence='1'/>\n"
        b"</form>\n</database>"
    )
    data = replace_once(names(), b"</database>", form)
    problems = validate_bytes(data, "names.dxl")
    line, column = position(data, b"<noteinfo noteid='12a'")
    assert [(p.line, p.column, p.code) for p in problems] == [(line, column, "duplicate-unid")]


def test_duplicate_unid_across_files_is_fine() -> None:
    # foreign-domains.dxl holds the two BTEx documents of names.dxl, UNIDs and all.
    assert run(NAMES, FIXTURES / "foreign-domains.dxl")[0] == EXIT_OK


def test_structure_of_a_single_document_root() -> None:
    data = replace_once(SINGLE.read_bytes(), b"<item name='DomainName'>", b"<item>")
    problems = validate_bytes(data, "single.dxl")
    assert [(p.line, p.code) for p in problems] == [(line_of(data, b"<item>"), "item-name")]


def test_structure_problems_come_in_file_order() -> None:
    data = names()
    data = replace_once(data, b"<item name='DomainName'>", b"<item>")  # the 9th document
    data = replace_once(data, b"noteid='8f4'", b"noteid='x'")  # the first document
    problems = validate_bytes(data, "names.dxl", chunk_size=512)
    assert codes(problems) == ["noteid", "item-name"]


# -- well-formedness -----------------------------------------------------------------------


def test_malformed_note_deep_inside_is_caught_with_its_line(tmp_path: Path) -> None:
    coex2 = b"<text>CN=DominoCoex2/O=Acme</text>"
    data = replace_once(names(), coex2, coex2.replace(b"</text>", b"</txet>"))
    scan_bytes(data)  # the splitter passes it through: it does not look inside notes
    path = write(tmp_path, "names.dxl", data)
    status, out, err = run(path)
    assert status == EXIT_ERROR
    line = line_of(data, b"</txet>")
    assert out == ""
    assert err.splitlines()[0] == (
        f"dxltools: {path}:{line}:49: not-well-formed: Opening and ending tag mismatch: "
        f"text line {line} and txet"
    )


def test_undefined_namespace_prefix_is_not_well_formed() -> None:
    data = replace_once(names(), b"<item name='DomainName'>", b"<x:item name='DomainName'>")
    problems = validate_bytes(data, "names.dxl")
    assert codes(problems) == ["not-well-formed"]
    assert problems[0].line == line_of(data, b"<x:item")


def test_truncated_file_is_not_well_formed() -> None:
    data = names()[:20000]
    problems = validate_bytes(data, "names.dxl")
    assert [(p.line, p.code, p.message) for p in problems] == [
        (
            data.count(b"\n", 0, data.rindex(b"<document")) + 1,
            "not-well-formed",
            "truncated input: <document> opened here is never closed",
        )
    ]


def test_utf16_is_not_supported() -> None:
    data = names().replace(b"encoding='utf-8'", b"encoding='utf-16'").decode().encode("utf-16")
    problems = validate_bytes(data, "names.dxl")
    assert codes(problems) == ["unsupported"]
    assert problems[0].fatal


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "not-well-formed", "empty input: no DXL root element"),
        (b"hello", "not-well-formed", "not XML: expected '<' of the DXL root element"),
        (b"<?xml version='1.0'?>\n<database", "not-well-formed", "truncated input"),
        (b"<?xml version='1.0'?>\n<html><body/></html>\n", "not-dxl", "root element is <html>"),
        (b"<database xmlns='urn:other'/>", "not-dxl", "in namespace 'urn:other'"),
    ],
    ids=["empty", "text", "no-root-end", "html", "other-namespace"],
)
def test_not_xml_or_not_dxl_is_bad_input(
    tmp_path: Path, data: bytes, code: str, message: str
) -> None:
    problems = validate_bytes(data, "in.xml")
    assert codes(problems) == [code]
    assert problems[0].fatal
    assert message in problems[0].message
    path = write(tmp_path, "in.xml", data)
    status, report = run_json(path)
    assert status == EXIT_ERROR
    entry = report["files"][0]
    assert (entry["valid"], entry["error"]) == (
        False,
        str(attrs.evolve(problems[0], source=str(path))),
    )


def test_dxl_without_namespace_is_dxl() -> None:
    data = names().replace(b" xmlns='http://www.lotus.com/dxl'", b"")
    assert validate_bytes(data, "names.dxl") == []


# -- nothing is read but the file --------------------------------------------------------

HTTP_DTD = b"""<?xml version='1.0'?>
<!DOCTYPE document SYSTEM 'http://example.invalid/x.dtd'>
<document xmlns='http://www.lotus.com/dxl' form='Memo'><item name='A'><text>a</text></item>
</document>
"""


def entity_file(system_id: str, entity: bytes = b"<!ENTITY xxe SYSTEM '{url}'>") -> bytes:
    """A one-document export whose internal subset declares an external entity it uses."""
    declaration = entity.replace(b"{url}", system_id.encode())
    return (
        b"<?xml version='1.0'?>\n"
        b"<!DOCTYPE document SYSTEM 'xmlschemas/domino_9_0_1.dtd' [" + declaration + b"]>\n"
        b"<document xmlns='http://www.lotus.com/dxl' form='Memo'>\n"
        b"<item name='A'><text>&xxe;</text></item></document>\n"
    )


def test_http_doctype_is_never_fetched() -> None:
    assert validate_bytes(HTTP_DTD, "memo.dxl") == []


@requires_schemas
def test_http_doctype_is_looked_up_by_name_in_the_dtd_dir() -> None:
    problems = validate_bytes(HTTP_DTD, "memo.dxl", SCHEMAS)
    assert codes(problems) == ["dtd-not-found"]  # and no network error: nothing was tried
    data = HTTP_DTD.replace(b"x.dtd", DTD_9.encode())
    assert validate_bytes(data, "memo.dxl", SCHEMAS) == []


@requires_schemas
def test_file_entity_is_refused_and_not_read(tmp_path: Path) -> None:
    # Were the entity read, its <bogus> element would be a DTD problem and its text
    # could show in messages.
    secret = write(tmp_path, "secret.xml", b"<bogus>SECRET-42</bogus>")
    for url in (secret.as_uri(), "file:///etc/passwd"):
        data = entity_file(url)
        status, out, err = run(write(tmp_path, "memo.dxl", data), dtd_dir=SCHEMAS)
        assert status == EXIT_PROBLEMS
        assert out == (
            f"{tmp_path / 'memo.dxl'}:2: entity-refused: external entity '{url}' not read: "
            "only DTD files in the DTD folder are read\n"
        )
        assert "SECRET" not in out + err
        assert "root:" not in out + err


@requires_schemas
def test_parameter_entity_is_refused_and_not_read(tmp_path: Path) -> None:
    garbage = write(tmp_path, "evil.ent", b"this is not a DTD <<<")
    data = entity_file(garbage.as_uri(), b"<!ENTITY % pe SYSTEM '{url}'> %pe; <!ENTITY xxe 'x'>")
    problems = validate_bytes(data, "memo.dxl", SCHEMAS)
    assert codes(problems) == ["entity-refused"]


def test_entities_are_not_even_asked_for_without_dtd_dir(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.xml", b"<bogus>SECRET-42</bogus>")
    assert validate_bytes(entity_file(secret.as_uri()), "memo.dxl") == []


def test_doctype_naming_a_local_file_is_not_loaded(tmp_path: Path) -> None:
    # Loading this DTD would be a fatal error; libxml2 must not even open it.
    evil = write(tmp_path, "evil.dtd", b"<!ELEMENT broken")
    data = names().replace(b"xmlschemas/domino_9_0_1.dtd", evil.as_uri().encode())
    assert validate_bytes(data, "names.dxl") == []
    assert codes(validate_bytes(data, "names.dxl", tmp_path / "nothing-here")) == ["dtd-not-found"]


@requires_schemas
def test_doctype_url_is_served_from_the_dtd_dir_by_file_name(tmp_path: Path) -> None:
    elsewhere = (tmp_path / "elsewhere" / DTD_9).as_uri()  # does not exist
    data = names().replace(b"xmlschemas/domino_9_0_1.dtd", elsewhere.encode())
    assert validate_bytes(data, "names.dxl", SCHEMAS) == []


@pytest.mark.parametrize(
    "system_id",
    [
        "http://example.invalid/x.dtd",
        "file:///etc/passwd",
        "../../etc/passwd",
        "xmlschemas/notes.ini",
        "C:domino_9_0_1.dtd",
        "",
    ],
)
def test_resolver_serves_only_dtd_files_from_the_folder(tmp_path: Path, system_id: str) -> None:
    write(tmp_path, "notes.ini", b"secret")
    assert find_dtd(system_id, tmp_path) is None


def test_resolver_refuses_every_url_outside_the_dtd_folder(tmp_path: Path) -> None:
    # A parser that would load and expand everything, but for the resolver.
    resolver = DtdResolver(tmp_path)
    parser = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=False)
    parser.resolvers.add(resolver)
    data = (
        b"<!DOCTYPE r SYSTEM 'http://example.invalid/x.dtd' "
        b"[<!ENTITY e SYSTEM 'file:///etc/passwd'>]><r>&e;</r>"
    )
    root = etree.fromstring(data, parser)
    assert resolver.refused == ["http://example.invalid/x.dtd", "file:///etc/passwd"]
    assert "".join(root.itertext()) == ""


@requires_schemas
def test_resolver_finds_dtds_in_both_layouts(tmp_path: Path) -> None:
    program = xmlschemas_layout(tmp_path)
    assert find_dtd("xmlschemas/domino_9_0_1.dtd", program) == program / "xmlschemas" / DTD_9
    assert find_dtd("domino_9_0_1.dtd", program / "xmlschemas") == program / "xmlschemas" / DTD_9
    assert find_dtd("C:\\Notes\\xmlschemas\\domino_9_0_1.dtd", SCHEMAS) == SCHEMAS / DTD_9


# -- real exports --------------------------------------------------------------------------


@pytest.mark.parametrize("path", real_dxl_params(), ids=lambda p: p.name)
def test_real_export_is_well_formed_dxl(path: Path) -> None:
    assert validate_bytes(path.read_bytes(), path.name) == []


@requires_shared
@requires_schemas
def test_real_exports_with_dtd_dir() -> None:
    # borg names the 11.0.1 DTD, which we do not have: a problem naming it. The jnx
    # and nsfodp files have no DOCTYPE: a note each, and they stay valid.
    status, report = run_json(REAL_DXL, dtd_dir=SCHEMAS)
    assert status == EXIT_PROBLEMS
    by_name = {Path(entry["path"]).name: entry for entry in report["files"]}
    borg = by_name.pop("domino-container-borg-config.dxl")
    assert [(p["line"], p["code"]) for p in borg["problems"]] == [(2, "dtd-not-found")]
    assert "domino_11_0_1.dtd is not in" in borg["problems"][0]["message"]
    for entry in by_name.values():
        assert entry["valid"], entry
        assert [p["code"] for p in entry["problems"]] == ["no-doctype"]


def with_doctype(data: bytes, root: str, dtd: str) -> bytes:
    """`data` with a DOCTYPE naming `dtd` inserted after its XML declaration."""
    end = data.index(b"?>") + 2
    return data[:end] + f"\n<!DOCTYPE {root} SYSTEM 'xmlschemas/{dtd}'>".encode() + data[end:]


@requires_shared
@requires_schemas
def test_real_database_export_is_valid_against_10_not_9() -> None:
    data = (REAL_DXL / "nsfodp-dbprops2.xml").read_bytes()
    assert (
        validate_bytes(with_doctype(data, "database", "domino_10_0_1.dtd"), "p.xml", SCHEMAS) == []
    )
    problems = validate_bytes(with_doctype(data, "database", DTD_9), "p.xml", SCHEMAS)
    assert problems
    assert set(codes(problems)) == {"dtd"}


@requires_shared
@requires_schemas
def test_real_hand_edited_export_is_invalid_against_the_dtd() -> None:
    data = (REAL_DXL / "jnx-testDocumentSelection-document.xml").read_bytes()
    problems = validate_bytes(with_doctype(data, "document", DTD_9), "doc.xml", SCHEMAS)
    messages = [p.message for p in problems]
    assert "No declaration for attribute Form of element document" in messages


# -- the command -------------------------------------------------------------------------------


def test_json_report(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.dxl", replace_once(names(), b"noteid='8f4'", b"noteid='x'"))
    status, report = run_json(NAMES, bad, tmp_path / "missing.dxl")
    assert status == EXIT_ERROR
    assert report["files"] == [
        {"path": str(NAMES), "valid": True, "dtd": None, "problems": [], "error": None},
        {
            "path": str(bad),
            "valid": False,
            "dtd": None,
            "problems": [
                {
                    "line": 43,
                    "column": 1,
                    "code": "noteid",
                    "severity": "error",
                    "message": "noteid 'x' is not hexadecimal",
                }
            ],
            "error": None,
        },
        {
            "path": str(tmp_path / "missing.dxl"),
            "valid": False,
            "dtd": None,
            "problems": [],
            "error": f"{tmp_path / 'missing.dxl'}: no such file",
        },
    ]
    assert report["summary"] == {
        "files": 3,
        "valid": 1,
        "invalid": 1,
        "errors": 1,
        "problems": 1,
        "dtd_dir": None,
    }


def test_missing_file_is_an_error_on_stderr(tmp_path: Path) -> None:
    status, out, err = run(NAMES, tmp_path / "missing.dxl")
    assert (status, out) == (EXIT_ERROR, "")
    assert err.splitlines()[0] == f"dxltools: {tmp_path / 'missing.dxl'}: no such file"


def test_exit_status_is_the_worst_file(tmp_path: Path) -> None:
    invalid = write(tmp_path, "a.dxl", replace_once(names(), b"noteid='8f4'", b"noteid='x'"))
    malformed = write(tmp_path, "b.dxl", names()[:5000])
    assert run(NAMES)[0] == EXIT_OK
    assert run(NAMES, invalid)[0] == EXIT_PROBLEMS
    assert run(invalid, malformed, NAMES)[0] == EXIT_ERROR


@pytest.mark.parametrize("bad", ["missing", "file"])
def test_dtd_dir_must_be_a_folder(tmp_path: Path, bad: str) -> None:
    option = tmp_path / "missing" if bad == "missing" else NAMES
    status, out, err = run(NAMES, dtd_dir=option)
    assert (status, out) == (EXIT_ERROR, "")
    reason = "no such folder" if bad == "missing" else "not a folder"
    assert err == f"dxltools: --dtd-dir: {option}: {reason}\n"


@pytest.mark.parametrize("paths", [(), ("-",)], ids=["no-path", "dash"])
def test_stdin(paths: tuple[str, ...]) -> None:
    # No path, or "-", reads standard input; problems name it <stdin>.
    data = replace_once(names(), b"noteid='8f4'", b"noteid='x'")
    status, out, _ = run(*paths, stdin=data)
    assert (status, out) == (EXIT_PROBLEMS, "<stdin>:43:1: noteid: noteid 'x' is not hexadecimal\n")


def test_read_error_is_bad_input() -> None:
    class Failing(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            raise OSError(5, "Input/output error")

    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_validate(ValidateOptions(), Failing(), stdout, stderr)
    assert (status, stdout.getvalue()) == (EXIT_ERROR, "")
    assert stderr.getvalue().splitlines()[0] == "dxltools: <stdin>: cannot read: Input/output error"


def test_quiet_prints_problems_only(tmp_path: Path) -> None:
    data = replace_once(names(), b"noteid='8f4'", b"noteid='x'")
    status, out, err = run(write(tmp_path, "a.dxl", data), quiet=True)
    assert (status, err) == (EXIT_PROBLEMS, "")
    assert out.endswith("noteid: noteid 'x' is not hexadecimal\n")


def test_folder_without_dxl_files(tmp_path: Path) -> None:
    assert run(tmp_path) == (EXIT_OK, "", "no DXL files found\n")


def test_problem_text_form() -> None:
    assert str(ValidationProblem("a.dxl", 3, 7, "dtd", "bad")) == "a.dxl:3:7: dtd: bad"
    assert str(ValidationProblem("a.dxl", 3, 0, "unid", "bad")) == "a.dxl:3: unid: bad"
    assert (
        str(ValidationProblem("a.dxl", 1, 0, "no-doctype", "x", "note"))
        == "a.dxl:1: note: no-doctype: x"
    )


# -- streaming -----------------------------------------------------------------------------


def test_seen_unids_grow_and_remember_first_lines() -> None:
    seen = SeenUnids()
    keys = [i.to_bytes(16, "big") for i in range(5000)]
    assert all(seen.add(key, line) is None for line, key in enumerate(keys, 1))
    assert len(seen) == 5000
    assert [seen.add(keys[i], 99999) for i in (0, 1234, 4999)] == [1, 1235, 5000]
    assert len(seen) == 5000


def test_seen_unids_reach_every_slot_when_keys_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys of one hash take the slots after it one by one, past the half of the table:
    # a probe that skipped slots would find none free there and never return.
    monkeypatch.setattr(structure, "hash", lambda key: 0, raising=False)
    seen = SeenUnids()
    keys = [i.to_bytes(16, "big") for i in range(600)]  # 1,024 slots until 683 keys
    with watchdog(60):
        assert all(seen.add(key, line) is None for line, key in enumerate(keys, 1))
        assert [seen.add(keys[i], 99999) for i in (0, 511, 599)] == [1, 512, 600]
    assert len(seen) == 600


def far_file(mutate: bytes, into: bytes) -> bytes:
    """names.dxl with a second copy of its documents 70000 lines down, mutated there."""
    data = names()
    start, end = data.index(b"<document"), data.rindex(b"</document>") + len(b"</document>")
    copy = re.sub(rb"unid='[0-9A-F]{8}", b"unid='FFFFFFFF", data[start:end])
    copy = replace_once(copy, mutate, into)
    return data[:end] + b"\n" * 70000 + copy + data[end:]


def test_line_numbers_past_65535() -> None:
    big = far_file(b"noteid='8f4'", b"noteid='x'")
    line = line_of(big, b"noteid='x'")
    assert line > 65535
    assert [(p.line, p.code) for p in validate_bytes(big, "big.dxl")] == [(line, "noteid")]


@requires_schemas
def test_dtd_line_numbers_past_65535() -> None:
    big = far_file(b"<document form='Group'>", b"<document form='Group' zork='1'>")
    problems = validate_bytes(big, "big.dxl", SCHEMAS)
    assert [(p.line, p.code) for p in problems] == [(line_of(big, b"zork"), "dtd")]


@given(st.integers(1, 4096))
@settings(max_examples=20)
def test_chunk_size_does_not_change_the_problems(chunk_size: int) -> None:
    data = replace_once(names(), b"<item name='DomainName'>", b"<item>")
    data = replace_once(data, b"noteid='8f4'", b"noteid='x'")
    expected = validate_bytes(data, "names.dxl")
    assert codes(expected) == ["noteid", "item-name"]
    found = validate_bytes(data, "names.dxl", chunk_size=chunk_size)
    assert found == expected


def test_root_end_tag_split_across_reads() -> None:
    data = replace_once(names(), b"<item name='DomainName'>", b"<item>")
    data = replace_once(data, b"noteid='8f4'", b"noteid='x'")
    assert codes(validate_bytes(data, "names.dxl", chunk_size=1295)) == ["noteid", "item-name"]


class _SilentParser:
    """Raises `error` as lxml's parser would, with nothing in its log."""

    def __init__(self, error: etree.XMLSyntaxError) -> None:
        self.error = error
        self.feed_error_log: list[object] = []

    def feed(self, data: bytes) -> None:
        raise self.error

    def close(self) -> None:
        raise self.error

    def read_events(self) -> list[object]:
        return []


@pytest.mark.parametrize(
    ("message", "reason"), [("Premature end of data", "Premature end of data"), ("", None)]
)
def test_a_parse_error_the_log_does_not_hold_is_reported_from_the_error(
    message: str, reason: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = etree.XMLSyntaxError(message, 4, 3, 9)
    monkeypatch.setattr(check_module, "_parser", lambda *args, **kwargs: _SilentParser(error))
    problems = validate_bytes(names(), "names.dxl")
    assert [(p.line, p.column, p.code, p.message) for p in problems] == [
        (3, 9, "not-well-formed", reason or "not well-formed")
    ]


# A DTD of one's own for `validate --dtd`, with IDs and what the DXL DTDs lack, an
# IDREF: on notes, on items (a name no event announces) and on <note>s inside items
# (a name events announce, deep down).
LINKED_DTD = b"""<!ELEMENT database (document*)>
<!ATTLIST database xmlns CDATA #IMPLIED>
<!ELEMENT document (noteinfo, item*)>
<!ATTLIST document form CDATA #IMPLIED key ID #IMPLIED parent IDREF #IMPLIED>
<!ELEMENT noteinfo EMPTY>
<!ATTLIST noteinfo noteid CDATA #IMPLIED unid CDATA #IMPLIED>
<!ELEMENT item (text | note)>
<!ATTLIST item name CDATA #REQUIRED tag ID #IMPLIED>
<!ELEMENT note (note?)>
<!ATTLIST note key ID #IMPLIED>
<!ELEMENT text (#PCDATA)>
"""

# (attributes of the second note, its item's attributes, its item's value) for the
# first and the fourth of four notes; what libxml2 says of line 6, the fourth.
LINKED_CASES = {
    "reference": (
        (" key='k1'", "", "<text>1</text>"),
        (" parent='k1'", "", "<text>1</text>"),
        None,
    ),
    "dangling": (
        (" key='k1'", "", "<text>1</text>"),
        (" parent='k9'", "", "<text>1</text>"),
        'IDREF attribute parent references an unknown ID "k9"',
    ),
    "same key": (
        (" key='k1'", "", "<text>1</text>"),
        (" key='k1'", "", "<text>1</text>"),
        "ID k1 already defined",
    ),
    "same item tag": (
        ("", " tag='t1'", "<text>1</text>"),
        ("", " tag='t1'", "<text>1</text>"),
        "ID t1 already defined",
    ),
    "same inner key": (
        ("", "", "<note key='n1'/>"),
        ("", "", "<note key='n1'/>"),
        "ID n1 already defined",
    ),
    "same key inside a note inside": (
        ("", "", "<note><note key='n1'/></note>"),
        ("", "", "<note><note key='n1'/></note>"),
        "ID n1 already defined",
    ),
}


@requires_schemas
@pytest.mark.parametrize("chunk_size", [64, 1 << 20])
def test_an_id_the_internal_subset_declares_is_checked_across_the_whole_file(
    chunk_size: int,
) -> None:
    # lxml does not list an ATTLIST of the internal subset for an element the DXL DTD
    # declares: validate reads it from the DOCTYPE, prefixes and all.
    data = names()
    doctype = re.search(rb"<!DOCTYPE[^>]*", data)
    assert doctype is not None
    data = replace_once(
        data, doctype.group(0), doctype.group(0) + b" [<!ATTLIST item xml:id ID #IMPLIED>]"
    )
    items = [m.start() for m in re.finditer(rb"<item ", data)]
    for at in (items[40], items[1]):  # the later first, so that offsets hold
        data = data[:at] + b"<item xml:id='t1' " + data[at + len(b"<item ") :]
    problems = validate_bytes(data, "names.dxl", SCHEMAS, chunk_size=chunk_size)
    second = data.rindex(b"xml:id='t1'")
    line = data.count(b"\n", 0, second) + 1
    assert [(p.line, p.code, p.message) for p in problems] == [
        (line, "dtd", "ID t1 already defined")
    ]


def test_the_attributes_kept_are_those_the_dtd_types_id_idref_or_idrefs(tmp_path: Path) -> None:
    # A freed IDREF leaves libxml2 a dangling pointer, which no output shows: the
    # declarations read must hold it.
    dtd = tmp_path / "linked.dtd"
    dtd.write_bytes(LINKED_DTD.replace(b"tag ID", b"tag IDREFS"))
    data = b"<!DOCTYPE database SYSTEM 'linked.dtd'>\n<database/>"
    parser = etree.XMLParser(load_dtd=True, no_network=True, resolve_entities=False)
    parser.resolvers.add(DtdResolver(tmp_path))
    tree = etree.ElementTree(etree.fromstring(data, parser, base_url=str(tmp_path / "x.dxl")))
    assert kept_attributes(tree).by_element == {
        "document": frozenset({"key", "parent"}),
        "item": frozenset({"tag"}),
        "note": frozenset({"key"}),
    }


@pytest.mark.parametrize("chunk_size", [64, 1 << 20])
@pytest.mark.parametrize("case", sorted(LINKED_CASES))
def test_ids_and_references_are_checked_across_the_whole_file(
    case: str, chunk_size: int, tmp_path: Path
) -> None:
    # libxml2 remembers IDs (a second one is an error) and checks IDREFs against them
    # when the document ends: the notes that hold them must outlive their checks,
    # even when a plain note of the same name stands before and after them.
    dtd = tmp_path / "linked.dtd"
    dtd.write_bytes(LINKED_DTD)
    first, second, message = LINKED_CASES[case]
    plain = ("", "", "<text>0</text>")
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        "<database xmlns='http://www.lotus.com/dxl'>",
    ]
    for n, (attributes, item, value) in enumerate([plain, first, plain, second]):
        lines.append(
            f"<document form='F'{attributes}><noteinfo noteid='{n + 1}' unid='{n + 1:032X}'/>"
            f"<item name='x'{item}>{value}</item></document>"
        )
    data = "\n".join([*lines, "</database>", ""]).encode()
    check = FileCheck(io.BytesIO(data), "linked.dxl", chunk_size=chunk_size, dtd=dtd)
    problems = [(p.line, p.code, p.message) for p in check.problems()]
    assert problems == ([] if message is None else [(6, "dtd", message)])


MEMORY_SCRIPT = textwrap.dedent(
    """
    import io, itertools, re, resource, sys
    from pathlib import Path
    from dxltools.validate.check import iter_problems

    class Export(io.RawIOBase):
        # names.dxl with its documents repeated, UNIDs made unique, made as it is read.
        def __init__(self, data, copies):
            start = data.index(b"<document")
            end = data.rindex(b"</document>") + len(b"</document>")
            body = data[start:end] + b"\\n"
            if tag != "document":  # a child the DTD does not know: no event announces it
                body = body.replace(b"<document", b"<" + tag.encode())
                body = body.replace(b"</document>", b"</" + tag.encode() + b">")
            bodies = (re.sub(rb"unid='[0-9A-F]{8}", b"unid='%08X" % n, body) for n in range(copies))
            # bare: nothing before them but the root's start tag (no <databaseinfo>)
            head = data[: data.index(b">", data.index(b"<database")) + 1] if bare else data[:start]
            self.parts = itertools.chain([head], bodies, [data[end:]])
            self.pending = memoryview(b"")

        def readable(self):
            return True

        def readinto(self, buffer):
            if not self.pending:
                self.pending = memoryview(next(self.parts, b""))
            size = min(len(buffer), len(self.pending))
            buffer[:size] = self.pending[:size]
            self.pending = self.pending[size:]
            return size

    data = Path(sys.argv[1]).read_bytes()
    dtd = Path(sys.argv[2]) if sys.argv[2] != "-" else None
    tag, bare = sys.argv[3], sys.argv[4] == "bare"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    problems = list(iter_problems(io.BufferedReader(Export(data, 500)), "big", dtd))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(problems), (after - before) // 1024)
    """
)


def _many_notes(copies: int, between: bytes = b"") -> bytes:
    """names.dxl with its documents `copies` times, UNIDs made unique, `between`
    before each."""
    data = names().replace(b"\n<document", b"\n" + between + b"<document")
    start = data.index(b"<document")
    end = data.rindex(b"</document>") + len(b"</document>")
    body = data[start:end] + b"\n"
    bodies = (re.sub(rb"unid='[0-9A-F]{8}", b"unid='%08X" % n, body) for n in range(copies))
    return data[:start] + b"".join(bodies) + data[end:]


@pytest.mark.parametrize("between", [b"", b"<!-- a comment -->", b"<?pi x?>"])
@pytest.mark.parametrize("dtd_dir", [None, pytest.param(SCHEMAS, marks=requires_schemas)])
def test_the_tree_keeps_next_to_nothing_of_the_notes_checked(
    dtd_dir: Path | None, between: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the memory test cannot see at its size: after every read, the notes checked
    # are emptied and, but for the few libxml2's content model check needs, gone.
    seen: list[tuple[int, int]] = []
    real_step = check_module._Pass._step

    def step(self: Any, data: bytes | None) -> Any:
        yield from real_step(self, data)
        if self.root is not None:
            checked = self.root[:-1]  # the last one may still be open
            seen.append((len(self.root), sum(len(child) for child in checked)))

    monkeypatch.setattr(check_module._Pass, "_step", step)
    data = _many_notes(30, between)
    assert data.count(b"<document") == 30 * names().count(b"<document") > 500
    problems = validate_bytes(data, "names.dxl", dtd_dir, chunk_size=4096)
    assert errors(problems) == []
    assert len(seen) > 50
    children, inside = max(child for child, _ in seen), max(kept for _, kept in seen)
    assert inside == 0
    # Without the DTD: the last note checked and the one open; with it, the first
    # and last of each run of one name too (<databaseinfo>, <document>).
    assert children <= (2 if dtd_dir is None else 5)


@requires_schemas
@pytest.mark.parametrize("chunk_size", [64, 1 << 20])
def test_text_between_the_notes_breaks_the_roots_content_whatever_the_reads(
    chunk_size: int,
) -> None:
    # The emptied notes of a run are dropped from the tree, but not one followed by
    # text: libxml2 judges the root's content when it ends, text included.
    data = names()
    at = [m.start() for m in re.finditer(rb"\n<document", data)][5]
    data = data[:at] + b"\nstray words" + data[at:]
    problems = validate_bytes(data, "names.dxl", SCHEMAS, chunk_size=chunk_size)
    assert [(p.line, p.code) for p in problems] == [(line_of(data, b"</database>"), "dtd")]
    assert problems[0].message.startswith("Element database content does not follow the DTD")


@pytest.mark.parametrize(
    ("tag", "head"), [("document", "full"), ("custom", "full"), ("custom", "bare")]
)
@pytest.mark.parametrize("with_dtd", [False, True], ids=["no-dtd", "dtd"])
def test_memory_stays_flat_on_a_large_export(with_dtd: bool, tag: str, head: str) -> None:
    # 9000 documents, 15 MB, never held whole: kept as a tree they would take over 200 MB.
    # As <custom> elements, unknown to the DTD, they are invalid but still let go.
    if with_dtd:
        shared_or_skip(SCHEMAS, "DTD validation tests")
    dtd = str(SCHEMAS) if with_dtd else "-"
    # bare: the strangers come first, so no event but the root's start precedes them.
    args = [sys.executable, "-c", MEMORY_SCRIPT, str(NAMES), dtd, tag, head]
    result = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    problems, growth_mb = map(int, result.stdout.split())
    if tag == "document":
        assert problems == 0
    assert growth_mb < 30


# -- generated files -----------------------------------------------------------------------


@settings(max_examples=60)
@given(dxl_files(domain_notes()))
def test_generated_files_have_no_problems(f: GenFile) -> None:
    assert errors(validate_bytes(f.data, "gen.dxl")) == []


def force_doctype(f: GenFile, dtd: str) -> bytes:
    data = re.sub(rb"<!DOCTYPE[^>]*>\r?\n", b"", f.data)
    end = data.index(b"?>") + 2
    return data[:end] + f"{f.newline}<!DOCTYPE {f.root} SYSTEM '{dtd}'>".encode() + data[end:]


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """Generated files, some made DTD-invalid at a random item."""
    f = draw(dxl_files())
    data = force_doctype(f, f"xmlschemas/{DTD_9}")
    spots = [m.start() for m in re.finditer(rb"<item ", data)]
    if not spots or draw(st.booleans()):
        return data
    at = draw(st.sampled_from(spots)) + len(b"<item ")
    return add_attribute(data, at, draw(st.sampled_from([b"zork='1' ", b"readers='maybe' "])))


# The rest of a start tag, quotes respected (an item name may hold '>'), and
# its attributes' names.
_TAG_REST = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ATTRIBUTE = re.compile(rb"""([-\w:.]+)\s*=\s*(?:'[^']*'|"[^"]*")""")


def add_attribute(data: bytes, at: int, attribute: bytes) -> bytes:
    """`attribute` written at `at`, inside a start tag; `zork` instead when the
    tag has that attribute already (two of one name are not well-formed, and
    this test is about DTD problems only)."""
    tag = _TAG_REST.match(data, at)
    assert tag is not None
    present = {match.group(1) for match in _ATTRIBUTE.finditer(tag.group())}
    if attribute.split(b"=")[0] in present:
        attribute = b"zork='1' "
    return data[:at] + attribute + data[at:]


def test_an_attribute_is_never_written_twice() -> None:
    """The flaky case: '>' in an item name ended the tag too early for the old
    guard, which then wrote a second readers attribute."""
    data = b"<item name='x>y' readers='true'><text/></item>"
    at = len(b"<item ")
    assert add_attribute(data, at, b"readers='maybe' ") == (
        b"<item zork='1' name='x>y' readers='true'><text/></item>"
    )
    plain = b"<item name='x>y'><text/></item>"
    assert add_attribute(plain, at, b"readers='maybe' ") == (
        b"<item readers='maybe' name='x>y'><text/></item>"
    )


@requires_schemas
@settings(max_examples=60)
@given(mutated_files())
def test_streaming_dtd_validation_agrees_with_whole_tree_validation(data: bytes) -> None:
    problems = validate_bytes(data, "gen.dxl", SCHEMAS)
    oracle = dtd_errors(data, SCHEMAS / DTD_9)
    assert bool(oracle) == bool(errors(problems)), (oracle, problems)
    assert set(codes(problems)) <= {"dtd"}


# -- children of the root the DTD does not know (no event announces them) -------------------

UNKNOWN_CHILD = (
    b"<custom>\n<noteinfo noteid='12a' unid='" + FIRST_UNID + b"' sequence='1'/>\n</custom>\n"
)


@pytest.mark.parametrize("dtd_dir", [None, pytest.param(SCHEMAS, marks=requires_schemas)])
@pytest.mark.parametrize("where", ["middle", "last"])
@pytest.mark.parametrize("chunk_size", [64, 1295, 1 << 20])
def test_a_child_the_dtd_does_not_know_is_checked_too(
    where: str, chunk_size: int, dtd_dir: Path | None
) -> None:
    data = names()
    if where == "last":
        data = replace_once(data, b"</database>", UNKNOWN_CHILD + b"</database>")
    else:
        data = replace_once(
            data, b"<document form='Domain'", UNKNOWN_CHILD + b"<document form='Domain'"
        )
    problems = validate_bytes(data, "names.dxl", dtd_dir, chunk_size=chunk_size)
    line, column = position(data, b"<noteinfo noteid='12a'")
    found = [(p.line, p.column, p.code) for p in problems if not p.code.startswith("dtd")]
    assert found == [(line, column, "duplicate-unid")]
    # With the DTD, libxml2 names the stranger too, and the root's content it breaks.
    dtd_lines = {p.line for p in problems if p.code == "dtd"}
    custom_line = line_of(data, b"</custom>")  # libxml2 names it when it ends
    assert dtd_lines == (set() if dtd_dir is None else {custom_line, line_of(data, b"</database>")})


def test_children_the_dtd_does_not_know_are_checked_in_file_order() -> None:
    data = names()
    for n in range(3):
        unid = b"%032X" % n
        child = b"<custom%d>\n<noteinfo noteid='x%d' unid='%s'/>\n</custom%d>\n" % (n, n, unid, n)
        data = replace_once(data, b"</database>", child + b"</database>")
    problems = validate_bytes(data, "names.dxl", chunk_size=100)
    assert [p.line for p in problems] == [line_of(data, b"noteid='x%d'" % n) for n in range(3)]
    assert codes(problems) == ["noteid"] * 3


@pytest.mark.parametrize("holds", [(), ("domino_9_0_1.dtd",), ("a.dtd", "domino_9_0_1.dtd")])
def test_a_release_not_in_the_dtd_folder_names_what_is_there(
    holds: tuple[str, ...], tmp_path: Path
) -> None:
    for name in holds:
        (tmp_path / name).write_text("<!ELEMENT database ANY>\n")
    with pytest.raises(UsageError) as caught:
        chosen_dtd("10.0.1", tmp_path)
    there = ", ".join(holds) if holds else "no DTD"
    assert str(caught.value) == (
        f"dxltools validate: --dtd 10.0.1: domino_10_0_1.dtd is not in {tmp_path} nor in its "
        f"xmlschemas folder (found: {there})"
    )


def test_in_one_log_an_earlier_files_problems_come_before_a_later_files_error(
    tmp_path: Path,
) -> None:
    # A job's `2>&1`: problems go to stdout, errors to stderr.
    data = names()
    with_problem = write(tmp_path, "a.dxl", replace_once(data, FIRST_UNID, b"zz"))
    truncated = write(tmp_path, "b.dxl", data[: data.index(b"<document ")] + b"<document>")
    result = dxltools_in_one_log(["validate", "-q", str(with_problem), str(truncated)])
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{with_problem}:{line_of(data, FIRST_UNID)}:")
    assert ": unid: unid 'zz' is not 32 hexadecimal digits" in lines[0]
    assert lines[1].startswith(f"dxltools: {truncated}:{line_of(data, b'<document ')}:1: ")


def test_in_one_log_the_summary_comes_after_the_problems(tmp_path: Path) -> None:
    # A job's `2>&1`: the problems (stdout) of the last file, then the summary (stderr).
    data = names()
    with_problem = write(tmp_path, "a.dxl", replace_once(data, FIRST_UNID, b"zz"))
    result = dxltools_in_one_log(["validate", str(with_problem)])
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{with_problem}:{line_of(data, FIRST_UNID)}:")
    assert lines[-1].startswith("1 file checked: 0 valid, 1 with problems (1 problem)"), lines
