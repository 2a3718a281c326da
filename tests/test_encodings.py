"""Encodings: UTF-8 with and without a byte-order mark, any ASCII-compatible
encoding the XML declaration names, and UTF-16/UTF-32 refused with a clear
error (re-export as UTF-8) by every command.

An export in another encoding is rewritten in that encoding: the bytes of the
untouched notes are copied, and new items are written in the file's encoding,
with character references for what it cannot hold.
"""

from __future__ import annotations

import codecs
import os
import subprocess
from pathlib import Path

import pytest

from tests.clitools import (
    COEX,
    NAMES,
    dxltools_command,
    error_line,
    expected,
    file_state,
    invoke,
)

DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
# The coexistence server of the first BTEx document: the agent copies it into
# the new $Readers item, so a non-ASCII name there is written by dxltools.
CALENDAR_SERVER = "<item name='CalendarServer' names='true'><text>CN=DominoCoex1/O=Acme</text>"
FIRST_NAME = "<item name='FirstName'><text>Jana</text>"


def names_text(server: str, person: str) -> str:
    """names.dxl as text, with the first coexistence server and a person renamed."""
    text = NAMES.read_text(encoding="utf-8")
    assert text.count(CALENDAR_SERVER) == text.count(FIRST_NAME) == 1
    text = text.replace(CALENDAR_SERVER, CALENDAR_SERVER.replace("DominoCoex1", server))
    text = text.replace("CN=DominoCoex1/O=Acme", f"CN={server}/O=Acme")
    return text.replace(FIRST_NAME, FIRST_NAME.replace("Jana", person))


def declared(text: str, encoding: str) -> str:
    return text.replace("encoding='utf-8'", f"encoding='{encoding}'", 1)


def run_in_place(path: Path, *options: str) -> bytes:
    result = invoke([*COEX, "-i", "-q", *options, str(path)])
    assert result.exit_code == 0, result.stderr
    return path.read_bytes()


# -- UTF-8 -----------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(codecs.BOM_UTF8 + NAMES.read_bytes())
    assert run_in_place(path) == codecs.BOM_UTF8 + expected(NAMES)
    plain = tmp_path / "plain" / "names.dxl"
    plain.parent.mkdir()
    plain.write_bytes(expected(NAMES))
    # The fixed export, mark or not: nothing wrong for any of the three.
    for command, status in (("show", 0), ("audit", 0), ("validate", 0)):
        with_bom, without = invoke([command, str(path)]), invoke([command, str(plain)])
        assert with_bom.exit_code == status, (command, with_bom.stderr)
        assert with_bom.stdout.replace(str(path), "FILE") == without.stdout.replace(
            str(plain), "FILE"
        )


def test_utf8_without_a_declaration(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(NAMES.read_bytes().removeprefix(DECLARATION))
    assert run_in_place(path) == expected(NAMES).removeprefix(DECLARATION)


def test_non_ascii_names_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(names_text("Coex-東京-Müller", "Zoë").encode("utf-8"))
    result = run_in_place(path, "--set", "servers_group=Серверы")
    assert "<text>Серверы</text><text>LocalDomainAdmins</text><text>CN=Coex-東京-Müller/O=Acme" in (
        result.decode("utf-8")
    )


def test_a_latin1_byte_in_a_utf8_export_is_refused_where_dxltools_reads_it(
    tmp_path: Path,
) -> None:
    """The commonest mislabelled export: declared UTF-8, written in Latin-1."""
    path = tmp_path / "names.dxl"
    path.write_bytes(names_text("Coex-Müller", "Zoë").encode("latin-1"))
    before = file_state(path)
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {path}:") and "Invalid bytes in character encoding" in line
    assert file_state(path) == before


# -- other ASCII-compatible encodings --------------------------------------------------------


# The name in the declaration, and names that encoding can hold.
ENCODINGS = [
    ("US-ASCII", "Coex-Zurich", "Zoe"),
    ("ISO-8859-1", "Coex-Zürich", "Zoë"),
    ("ISO-8859-15", "Coex-Zürich-€", "Zoë"),
    ("windows-1252", "Coex-Zürich-€", "Zoë “Z”"),
    ("ISO-8859-2", "Coex-Łódź", "Dvořák"),
    ("windows-1250", "Coex-Łódź", "Dvořák"),
    ("windows-1251", "Коэкс", "Яна"),
    ("KOI8-R", "Коэкс", "Яна"),
    ("macintosh", "Coex-Zürich", "Zoë"),
    ("IBM437", "Coex-Zürich", "Zoë"),
    ("IBM850", "Coex-Zürich", "Zoë"),
    ("Shift_JIS", "東京-サーバー", "表示"),  # 表 and 示 end in byte 0x5C, '\'
    ("EUC-JP", "東京", "山田"),
    ("GBK", "北京", "王芳"),
    ("GB18030", "北京", "王芳"),
    ("Big5", "台北", "陳"),
    ("EUC-KR", "서울", "김"),
]


@pytest.mark.parametrize(
    ("encoding", "server", "person"),
    [pytest.param(*case, id=case[0], marks=[]) for case in ENCODINGS],
)
def test_an_export_in_another_encoding_is_rewritten_in_that_encoding(
    encoding: str, server: str, person: str, tmp_path: Path
) -> None:
    text = declared(names_text(server, person), encoding)
    path = tmp_path / "names.dxl"
    path.write_bytes(text.encode(encoding))
    # The same export in UTF-8, rewritten, then encoded as the file is.
    reference = tmp_path / "reference.dxl"
    reference.write_bytes(names_text(server, person).encode("utf-8"))
    want = declared(run_in_place(reference).decode("utf-8"), encoding).encode(encoding)
    assert run_in_place(path) == want
    shown = invoke(["show", str(path)])
    assert shown.exit_code == 0, shown.stderr
    assert f"readers:$Readers=AcmeMailServers; LocalDomainAdmins; CN={server}/O=Acme" in (
        shown.stdout
    )
    assert f"CalendarServer=CN={server}/O=Acme" in shown.stdout


def test_a_name_the_encoding_cannot_hold_becomes_a_character_reference(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(declared(names_text("Coex-Zürich", "Zoë"), "ISO-8859-1").encode("latin-1"))
    result = run_in_place(path, "--set", "servers_group=Grupa-Łódź")
    assert b"<text>Grupa-&#321;\xf3d&#378;</text>" in result  # Ł and ź are not Latin-1; ó is
    shown = invoke(["show", str(path)])
    assert "readers:$Readers=Grupa-Łódź; LocalDomainAdmins; CN=Coex-Zürich/O=Acme" in shown.stdout


def test_bytes_the_declared_encoding_does_not_have_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    data = declared(names_text("Coex", "Zoe"), "windows-1252").encode("ascii")
    path.write_bytes(data.replace(b"CN=Coex/O=Acme</text>", b"CN=Coex\x81/O=Acme</text>", 1))
    before = file_state(path)
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 2
    assert "bytes that are not cp1252" in error_line(result.stderr)
    assert file_state(path) == before


# -- refused: not ASCII-compatible ------------------------------------------------------------


def utf16_or_32(codec: str, bom: bytes) -> bytes:
    label = codec.split("-")[0] + "-" + codec.split("-")[1]
    return bom + NAMES.read_text(encoding="utf-8").replace("utf-8", label, 1).encode(codec)


WIDE = {
    "UTF-16 with BOM": utf16_or_32("utf-16", b""),  # Python writes the BOM
    "UTF-16LE without BOM": utf16_or_32("utf-16-le", b""),
    "UTF-16BE without BOM": utf16_or_32("utf-16-be", b""),
    "UTF-16BE with BOM": utf16_or_32("utf-16-be", codecs.BOM_UTF16_BE),
    "UTF-32 with BOM": utf16_or_32("utf-32", b""),
    "UTF-32LE without BOM": utf16_or_32("utf-32-le", b""),
    "UTF-8 declared UTF-16": NAMES.read_bytes().replace(b"utf-8", b"UTF-16", 1),
}
REFUSED_FOR = ("UTF-16 or UTF-32", "not ASCII-compatible")


@pytest.mark.parametrize("command", ["run", "show", "audit", "validate"])
@pytest.mark.parametrize("kind", WIDE, ids=str)
def test_utf16_and_utf32_are_refused_with_a_clear_error(
    kind: str, command: str, tmp_path: Path
) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(WIDE[kind])
    before = file_state(path)
    args = [*COEX, "-i"] if command == "run" else [command]
    result = invoke([*args, str(path)])
    assert result.exit_code == 2
    if command == "validate":  # its fatal problem is an error line, then its summary
        assert result.stdout == ""
        line = result.stderr.splitlines()[0]
        assert ": unsupported: " in line
    else:
        line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {path}:1")
    assert any(reason in line for reason in REFUSED_FOR) and "re-export as UTF-8" in line
    assert file_state(path) == before


UTF32BE = {
    "UTF-32BE without BOM": utf16_or_32("utf-32-be", b""),
    "UTF-32BE with BOM": utf16_or_32("utf-32-be", codecs.BOM_UTF32_BE),
}


@pytest.mark.parametrize("kind", UTF32BE, ids=str)
def test_utf32be_is_refused_as_utf32(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(UTF32BE[kind])
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 2
    assert "UTF-16 or UTF-32" in error_line(result.stderr)


NOT_ASCII_SAFE = ["cp500", "cp037", "ISO-2022-JP", "HZ-GB-2312", "UTF-7"]


@pytest.mark.parametrize("encoding", NOT_ASCII_SAFE)
def test_encodings_a_byte_splitter_cannot_read_are_refused_by_name(
    encoding: str, tmp_path: Path
) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(NAMES.read_bytes().replace(b"utf-8", encoding.encode("ascii"), 1))
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 2
    assert "not ASCII-compatible" in error_line(result.stderr)


def test_a_utf8_bom_with_another_declared_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(codecs.BOM_UTF8 + NAMES.read_bytes().replace(b"utf-8", b"ISO-8859-1", 1))
    before = file_state(path)
    result = invoke([*COEX, "-i", "--set", "servers_group=Müller", str(path)])
    assert result.exit_code == 2, "Müller written as Latin-1 after a UTF-8 BOM"
    assert "byte-order mark" in error_line(result.stderr)
    assert file_state(path) == before


def test_a_name_the_console_cannot_show_is_escaped_not_a_crash(tmp_path: Path) -> None:
    # A Windows console's code page, or a pipe set to ASCII: the report still prints.
    path = tmp_path / "names.dxl"
    path.write_bytes(NAMES.read_bytes().replace(b"BTEx", "BTÉx".encode()))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [dxltools_command(), "audit", str(path)], capture_output=True, env=env, check=False
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(b"BT\\xc9x: 2 documents, newest first\n")
