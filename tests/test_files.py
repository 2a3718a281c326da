"""Which files a command takes: folders walked, include and exclude globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxltools.fs.files import InputFile, find_inputs, reads_stdin


def tree(root: Path, *names: str) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"<database/>")
    return root


def relatives(found: list[InputFile]) -> list[str]:
    return [item.relative.as_posix() for item in found]


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return tree(
        tmp_path / "exports",
        "names.dxl",
        "B.XML",
        "notes.txt",
        "sub/mail.DXL",
        "archive/2025/old.dxl",
        "with space/dir name.dxl",
        ".names.dxl.abc.dxltools-tmp",
    )


def test_a_folder_gives_its_dxl_and_xml_files_sorted(exports: Path) -> None:
    found = find_inputs([str(exports)])
    assert relatives(found) == [
        "B.XML",
        "archive/2025/old.dxl",
        "names.dxl",
        "sub/mail.DXL",
        "with space/dir name.dxl",
    ]
    assert all(item.path == exports / item.relative for item in found)


def test_exclude_prunes_folders_at_any_depth(exports: Path) -> None:
    assert "archive/2025/old.dxl" not in relatives(find_inputs([str(exports)], exclude=["2025"]))
    assert relatives(find_inputs([str(exports)], exclude=["archive", "with space"])) == [
        "B.XML",
        "names.dxl",
        "sub/mail.DXL",
    ]


def test_include_replaces_the_default(exports: Path) -> None:
    assert relatives(find_inputs([str(exports)], include=["*.xml"])) == ["B.XML"]
    assert relatives(find_inputs([str(exports)], include=["*.txt"])) == ["notes.txt"]


def test_patterns_with_folders_match_the_tail_of_the_path(exports: Path) -> None:
    assert relatives(find_inputs([str(exports)], include=["sub/*.dxl"])) == ["sub/mail.DXL"]
    # A Windows admin's backslash works as well.
    assert relatives(find_inputs([str(exports)], exclude=["archive\\2025"])) == [
        "B.XML",
        "names.dxl",
        "sub/mail.DXL",
        "with space/dir name.dxl",
    ]


def test_a_named_file_is_taken_whatever_the_globs(exports: Path) -> None:
    named = exports / "notes.txt"
    found = find_inputs([str(named)], exclude=["*.txt"])
    assert found == [InputFile(named, Path("notes.txt"))]


def test_arguments_keep_their_order_and_missing_paths_pass_through(
    exports: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.dxl"
    found = find_inputs([str(exports / "sub"), str(missing), str(exports / "names.dxl")])
    assert [item.path for item in found] == [
        exports / "sub" / "mail.DXL",
        missing,
        exports / "names.dxl",
    ]


def test_stdin_is_no_path_or_a_dash() -> None:
    assert reads_stdin([])
    assert reads_stdin(["-"])
    assert not reads_stdin(["-", "names.dxl"])
    assert not reads_stdin(["names.dxl"])
