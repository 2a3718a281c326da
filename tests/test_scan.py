"""The splitter: every byte in exactly one segment, in any chunk size; errors located."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dxltools.dxl.layout import element_layout
from dxltools.dxl.scan import Scanner, scan_bytes
from dxltools.dxl.segments import SegmentKind
from dxltools.errors import DxlError, DxlSyntaxError, NotDxlError, UnsupportedInputError
from tests.shared import FIXTURES, fixture_files, real_dxl_params

INPUTS = [*real_dxl_params(), *fixture_files()]


def segments_in_chunks(data: bytes, chunk_size: int) -> list[object]:
    return list(Scanner(io.BytesIO(data), "t.dxl", chunk_size=chunk_size).segments())


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: path.name)
def test_segments_cover_every_byte_in_order(path: Path) -> None:
    data = path.read_bytes()
    segments = scan_bytes(data)
    assert b"".join(segment.data for segment in segments) == data
    offsets = [segment.offset for segment in segments]
    assert offsets == sorted(offsets)
    assert any(segment.kind is SegmentKind.NOTE for segment in segments)


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: path.name)
@pytest.mark.parametrize("chunk_size", [1, 7, 64, 4096])
def test_chunk_size_does_not_change_the_split(path: Path, chunk_size: int) -> None:
    data = path.read_bytes()
    assert segments_in_chunks(data, chunk_size) == scan_bytes(data)


def test_database_export_parts() -> None:
    data = (
        b"<?xml version='1.0' encoding='utf-8'?>\n"
        b"<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd'>\n"
        b"<database xmlns='http://www.lotus.com/dxl' version='9.0'\n"
        b" replicaid='0123456789ABCDEF'>\n"
        b"<databaseinfo dbid='0123456789ABCDEF'/>\n"
        b"<document form='Domain'>\n<item name='A'><text>x</text></item></document>\n"
        b"<!-- <document form='fake'> -->\n"
        b"<note class='document'><item name='B'><text\n>y</text></item></note>\n"
        b"</database>\n"
    )
    segments = scan_bytes(data)
    kinds = [(segment.kind, segment.name, segment.line) for segment in segments]
    assert (SegmentKind.ROOT_START, "database", 3) in kinds
    assert (SegmentKind.ELEMENT, "databaseinfo", 5) in kinds
    assert (SegmentKind.NOTE, "document", 6) in kinds
    assert (SegmentKind.COMMENT, "", 8) in kinds
    assert (SegmentKind.NOTE, "note", 9) in kinds
    assert (SegmentKind.ROOT_END, "database", 11) in kinds
    assert segments[-1].kind is SegmentKind.TRAILER
    document = next(s for s in segments if s.name == "document")
    assert document.start_tag == b"<document form='Domain'>"


def test_prolog_describes_the_file() -> None:
    data = b"<?xml version='1.0' encoding='ISO-8859-1'?>\r\n<database xmlns='http://www.lotus.com/dxl'>\r\n</database>"
    scanner = Scanner.from_bytes(data)
    list(scanner.segments())
    assert scanner.prolog is not None
    assert scanner.prolog.encoding == "iso8859-1"
    assert scanner.prolog.newline == b"\r\n"
    assert scanner.prolog.namespace == "http://www.lotus.com/dxl"


def test_markup_inside_comments_cdata_and_doctype_is_skipped() -> None:
    data = (
        b"<!DOCTYPE database [ <!ENTITY x '</database>'> <!-- ]> --> ]>\n"
        b"<database><document><item name='a'><text><![CDATA[</document>]]></text></item>"
        b"<!-- </document> --><?pi </document>?></document></database>"
    )
    segments = scan_bytes(data)
    notes = [segment for segment in segments if segment.kind is SegmentKind.NOTE]
    assert len(notes) == 1
    assert notes[0].data.endswith(b"?></document>")


def test_document_root_is_one_note() -> None:
    data = (
        b"<?xml version='1.0'?>\n"
        b"<document xmlns='http://www.lotus.com/dxl' form='X'>\n</document>\n"
    )
    kinds = [segment.kind for segment in scan_bytes(data)]
    assert kinds == [
        SegmentKind.DECLARATION,
        SegmentKind.TEXT,
        SegmentKind.NOTE,
        SegmentKind.TRAILER,
    ]


def test_element_layout_finds_children_and_end_tag() -> None:
    data = b"<document>\n<noteinfo/>\n<!-- c --><item name='a'><text>x</text></item>\n</document>"
    layout = element_layout(data)
    assert layout.start_tag_end == len(b"<document>")
    assert [child.name for child in layout.children] == ["noteinfo", "item"]
    assert data[layout.end_tag_start :] == b"</document>"


BAD_INPUTS = {
    "empty": (b"", DxlSyntaxError, "empty input", 1),
    "only-space": (b"\n\n  ", DxlSyntaxError, "no root element", 3),
    "garbage": (b"\x89PNG\r\n\x1a\n\x00\x00", DxlSyntaxError, "not XML", 1),
    "text": (b"hello world", DxlSyntaxError, "not XML", 1),
    "truncated-note": (
        b"<database>\n<document form='x'>\n<item name='a'><text>x</text></item>\n",
        DxlSyntaxError,
        "<document> opened here is never closed",
        2,
    ),
    "truncated-root": (b"<database>\n<document/>\n", DxlSyntaxError, "never closed", 3),
    "truncated-tag": (b"<database>\n<document form='x", DxlSyntaxError, "never closed", 2),
    "unbalanced-root": (b"<database>\n<document/>\n</dtabase>", DxlSyntaxError, "unbalanced", 3),
    "after-root": (b"<database/>\n<database/>", DxlSyntaxError, "after the root", 2),
    "html-root": (b"<html><body/></html>", NotDxlError, "not a DXL export", 1),
    "foreign-namespace": (
        b"<database xmlns='urn:other'/>",
        NotDxlError,
        "not a DXL export",
        1,
    ),
    "utf-16": ("<database/>".encode("utf-16"), UnsupportedInputError, "UTF-16", 1),
    "unknown-encoding": (
        b"<?xml version='1.0' encoding='klingon'?><database/>",
        UnsupportedInputError,
        "unknown encoding",
        1,
    ),
    "unclosed-comment": (b"<database>\n<!-- x", DxlSyntaxError, "comment is never closed", 2),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_located_one_line_error(name: str) -> None:
    data, kind, reason, line = BAD_INPUTS[name]
    with pytest.raises(kind) as caught:
        scan_bytes(data, "bad.dxl")
    error = caught.value
    assert isinstance(error, DxlError)
    assert reason in str(error)
    assert error.line == line
    assert str(error).startswith(f"bad.dxl:{line}")
    assert "\n" not in str(error)


@pytest.mark.parametrize("fixture", ["foreign-domains.dxl", "names.dxl"])
def test_every_chunk_size_gives_the_same_split(fixture: str) -> None:
    """Reads end everywhere, inside every tag name included (a root end tag cut
    as `</databas` + `e>` was once taken for another element)."""
    data = (FIXTURES / fixture).read_bytes()
    whole = scan_bytes(data)
    sizes = range(1, len(data) + 1) if len(data) < 5000 else range(1, len(data) + 1, 7)
    for chunk_size in sizes:
        assert segments_in_chunks(data, chunk_size) == whole, chunk_size
