"""The engine end to end: no-op identity, minimal diffs, atomic files, located errors."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from dxltools import (
    Change,
    DxlError,
    InsertItem,
    NewItem,
    Note,
    RemoveItem,
    ReplaceItem,
    WriteError,
    by_form,
    remove_item,
    rewrite_bytes,
    rewrite_file,
)
from dxltools.dxl.model import ItemFlags
from dxltools.dxl.scan import scan_bytes
from dxltools.dxl.segments import SegmentKind
from tests.shared import (
    FIXTURES,
    dtd_errors,
    dtd_path_for,
    fixture_files,
    real_dxl_params,
    requires_schemas,
)

NAMES = FIXTURES / "names.dxl"
BTEX_UNIDS = {"26DD6B87DB3B179DC12586EE00284E2F", "F0BB1D6DF75A17A8C12586EE0028BA35"}
READERS = NewItem(
    "$Readers",
    ("AcmeMailServers", "LocalDomainAdmins", "CN=DominoCoex1/O=Acme"),
    ItemFlags(readers=True),
)


def no_change(note: Note) -> Sequence[Change]:
    return []


def is_foreign_domain(note: Note) -> bool:
    types = [value.casefold() for item in note.items_named("DomainType") for value in item.texts]
    return "foreigndomain" in types


def strip_foreign_domain_access(note: Note) -> Sequence[Change]:
    return remove_item("DocumentAccess")(note) if is_foreign_domain(note) else []


def notes_by_unid(data: bytes) -> dict[str, bytes]:
    found = {}
    for segment in scan_bytes(data):
        if segment.kind is SegmentKind.NOTE:
            unid = segment.data.split(b"unid='", 1)[-1][:32].decode()
            found[unid] = segment.data
    return found


@pytest.mark.parametrize("path", [*real_dxl_params(), *fixture_files()], ids=lambda p: p.name)
def test_a_run_that_changes_nothing_returns_the_input_bytes(path: Path) -> None:
    data = path.read_bytes()
    result = rewrite_bytes(data, no_change)
    assert result.data == data
    assert not result.report.changed
    assert rewrite_bytes(data, remove_item("NoSuchItem")).data == data


def test_removing_foreign_domain_access_changes_only_those_items() -> None:
    data = NAMES.read_bytes()
    result = rewrite_bytes(data, strip_foreign_domain_access, select=by_form("Domain"))
    assert result.report.changed
    changed = {note.unid for note in result.report.notes if note.changed}
    assert changed == BTEX_UNIDS
    before, after = notes_by_unid(data), notes_by_unid(result.data)
    assert before.keys() == after.keys()
    for unid in before.keys() - BTEX_UNIDS:
        assert before[unid] == after[unid], unid
    for unid in BTEX_UNIDS:
        # Exactly the item and the line break before it are gone.
        item = re.compile(rb"\n<item name='DocumentAccess'.*?</item>", re.DOTALL)
        assert item.search(before[unid])
        assert after[unid] == item.sub(b"", before[unid])
    assert result.report.notes_parsed < result.report.notes_seen  # selection skipped most


def test_removal_takes_the_items_line_break_with_it() -> None:
    data = (
        b"<database>\n<document form='x'>\n<noteinfo unid='A'/>\n"
        b"<item name='a'><text>1</text></item>\n"
        b"<item name='documentaccess' authors='true'><text>[R]</text></item>\n"
        b"<item name='c'><text>3</text></item>\n"
        b"<item name='DOCUMENTACCESS'><text\n>[R]</text></item></document>\n</database>\n"
    )
    result = rewrite_bytes(data, remove_item("DocumentAccess"))
    assert result.data == (
        b"<database>\n<document form='x'>\n<noteinfo unid='A'/>\n"
        b"<item name='a'><text>1</text></item>\n"
        b"<item name='c'><text>3</text></item></document>\n</database>\n"
    )
    assert len(result.report.notes[0].changes) == 2


def test_crlf_and_indented_exports_keep_their_style() -> None:
    data = (
        b"<document xmlns='http://www.lotus.com/dxl' form='x'>\r\n"
        b"\t<item name='a'>\r\n\t\t<text>1</text>\r\n\t</item>\r\n"
        b"\t<item name='b'><text>2</text></item>\r\n</document>\r\n"
    )

    def edit(note: Note) -> Sequence[Change]:
        return [RemoveItem(note.items[0]), InsertItem(READERS)]

    result = rewrite_bytes(data, edit)
    assert result.data == (
        b"<document xmlns='http://www.lotus.com/dxl' form='x'>\r\n"
        b"\t<item name='b'><text>2</text></item>\r\n"
        b"\t<item name='$Readers' readers='true'><textlist><text>AcmeMailServers</text>"
        b"<text>LocalDomainAdmins</text><text>CN=DominoCoex1/O=Acme</text></textlist></item>\r\n"
        b"</document>\r\n"
    )


def test_replace_and_insert_in_export_style() -> None:
    data = b"<document form='x'>\n<item name='a'><text>1</text></item></document>"

    def edit(note: Note) -> Sequence[Change]:
        new = NewItem("a", ('it\'s <&> "ok"', "Grüße\nzwei"), ItemFlags(names=True))
        return [ReplaceItem(note.items[0], new), InsertItem(NewItem("b", ("x",)))]

    result = rewrite_bytes(data, edit)
    assert result.data == (
        b"<document form='x'>\n<item name='a' names='true'><textlist>"
        b'<text>it\'s &lt;&amp;> "ok"</text><text>Gr\xc3\xbc\xc3\x9fe<break/>zwei</text>'
        b"</textlist></item>\n<item name='b'><text>x</text></item></document>"
    )


def test_insert_into_a_note_without_items_goes_after_the_header() -> None:
    data = b"<database>\n<document form='x'>\n<noteinfo unid='A'/></document>\n</database>"
    result = rewrite_bytes(data, lambda note: [InsertItem(NewItem("n", ("v",)))])
    assert result.data == (
        b"<database>\n<document form='x'>\n<noteinfo unid='A'/>\n"
        b"<item name='n'><text>v</text></item></document>\n</database>"
    )


def test_non_utf8_files_are_written_in_their_own_encoding() -> None:
    data = (
        b"<?xml version='1.0' encoding='ISO-8859-1'?>\n"
        b"<document form='x'>\n<item name='a'><text>M\xfcller</text></item></document>"
    )
    result = rewrite_bytes(data, lambda note: [InsertItem(NewItem("b", ("Jürgen 名",)))])
    assert b"<item name='b'><text>J\xfcrgen &#21517;</text></item>" in result.data
    assert b"M\xfcller" in result.data


@requires_schemas
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_output_stays_dtd_valid(path: Path) -> None:
    data = path.read_bytes()
    dtd = dtd_path_for(data)
    assert dtd is not None
    assert dtd_errors(data, dtd) == []

    def edit(note: Note) -> Sequence[Change]:
        changes = list(strip_foreign_domain_access(note))
        if is_foreign_domain(note):
            changes.append(InsertItem(READERS))
        return changes

    result = rewrite_bytes(data, edit)
    assert result.report.changed
    assert dtd_errors(result.data, dtd) == []


def test_rewrite_file_in_place_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    target.chmod(0o640)
    report = rewrite_file(target, strip_foreign_domain_access, backup=".bak")
    assert report.changed and report.notes_changed == 2
    assert b"[NetModifier]</text></item></document>" in (tmp_path / "names.dxl.bak").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert (
        target.read_bytes() == rewrite_bytes(NAMES.read_bytes(), strip_foreign_domain_access).data
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.dxl", "names.dxl.bak"]


def test_an_unchanged_file_is_not_touched(tmp_path: Path) -> None:
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    os.utime(target, (1_000_000, 1_000_000))
    report = rewrite_file(target, remove_item("NoSuchItem"))
    assert not report.changed
    assert target.stat().st_mtime == 1_000_000
    assert [p.name for p in tmp_path.iterdir()] == ["names.dxl"]


def _untouched(path: Path) -> tuple[int, int]:
    os.utime(path, (1_000_000, 1_000_000))
    return path.stat().st_ino, path.stat().st_mtime_ns


@pytest.mark.parametrize("name", ["names.dxl", "sub/../names.dxl"], ids=["same", "other-spelling"])
def test_an_output_that_is_the_input_under_any_name_is_in_place(tmp_path: Path, name: str) -> None:
    """Nothing to change and `output` names the input itself: not touched, as in place."""
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    (tmp_path / "sub").mkdir()
    before = _untouched(target)
    assert not rewrite_file(target, remove_item("NoSuchItem"), output=tmp_path / name).changed
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == before


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links")
def test_an_output_that_is_a_hard_link_to_the_input_is_in_place(tmp_path: Path) -> None:
    """A second name for the same file: writing it would break the link for nothing."""
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    other_name = tmp_path / "linked.dxl"
    os.link(target, other_name)
    before = _untouched(target)
    assert not rewrite_file(target, remove_item("NoSuchItem"), output=other_name).changed
    assert (other_name.stat().st_ino, other_name.stat().st_mtime_ns) == before
    assert other_name.stat().st_nlink == 2


def test_output_elsewhere_and_dry_run(tmp_path: Path) -> None:
    out = tmp_path / "out.dxl"
    report = rewrite_file(NAMES, strip_foreign_domain_access, output=out, dry_run=True)
    assert report.changed and not out.exists()
    rewrite_file(NAMES, strip_foreign_domain_access, output=out)
    assert out.read_bytes() == rewrite_bytes(NAMES.read_bytes(), strip_foreign_domain_access).data


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x00\x01\x02garbage",
        b"<database>\n<document form='x'>\n<item name='a'><text>1</text></item>\n",
        b"<database>\n<document/>\n</datbase>\n",
        b"<html/>",
        b"<database>\n<document form='x'>\n<item name='a'><text>1</item></document></database>",
    ],
    ids=["empty", "garbage", "truncated", "unbalanced-root", "not-dxl", "unbalanced-note"],
)
def test_bad_input_raises_and_writes_nothing(tmp_path: Path, bad: bytes) -> None:
    target = tmp_path / "bad.dxl"
    target.write_bytes(bad)
    with pytest.raises(DxlError) as caught:
        rewrite_file(target, remove_item("a"))
    message = str(caught.value)
    assert message.startswith(str(target) + ":")
    assert caught.value.line is not None and "\n" not in message
    assert target.read_bytes() == bad
    assert [p.name for p in tmp_path.iterdir()] == ["bad.dxl"]


def test_a_write_failure_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        rewrite_file(target, strip_foreign_domain_access)
    assert target.read_bytes() == NAMES.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["names.dxl"]


def test_a_symlink_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.dxl"
    real.write_bytes(NAMES.read_bytes())
    link = tmp_path / "link.dxl"
    link.symlink_to(real)
    rewrite_file(link, strip_foreign_domain_access)
    assert link.is_symlink()
    assert (
        b"[NetModifier]</text></item></document>\n<document form='Domain'>" not in real.read_bytes()
    )
    assert real.read_bytes() == rewrite_bytes(NAMES.read_bytes(), strip_foreign_domain_access).data
