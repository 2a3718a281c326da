"""Which files a command takes (folders walked, include and exclude globs) and
where `-o` writes each one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxltools.errors import WriteError
from dxltools.fs.files import InputFile, find_inputs, reads_stdin
from dxltools.fs.output import OutputTarget, backups_of


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


def test_output_target_is_a_folder_for_several_inputs_a_folder_or_an_existing_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "there").mkdir()
    one = str(tmp_path / "a.dxl")
    assert not OutputTarget.of(str(tmp_path / "out.dxl"), [one]).folder
    assert OutputTarget.of(str(tmp_path / "out"), [one, one]).folder
    assert OutputTarget.of(str(tmp_path / "out"), [str(tmp_path / "in")]).folder
    assert OutputTarget.of(str(tmp_path / "there"), [one]).folder


def test_output_target_of_an_input(tmp_path: Path) -> None:
    item = InputFile(tmp_path / "in" / "sub" / "a.dxl", Path("sub/a.dxl"), walked=True)
    folder = OutputTarget(str(tmp_path / "out"), folder=True)
    assert folder.target_of(item) == tmp_path / "out" / "sub" / "a.dxl"
    folder.make_folders(folder.target_of(item))
    assert (tmp_path / "out" / "sub").is_dir()
    assert OutputTarget(str(tmp_path / "b.dxl"), folder=False).target_of(item) == tmp_path / "b.dxl"


def test_a_single_output_file_needs_its_folder(tmp_path: Path) -> None:
    OutputTarget(str(tmp_path / "b.dxl"), folder=False).check_file_folder()
    with pytest.raises(WriteError, match="no such folder"):
        OutputTarget(str(tmp_path / "none" / "b.dxl"), folder=False).check_file_folder()


def test_numbered_backups_in_number_order(tmp_path: Path) -> None:
    target = tmp_path / "a.dxl"
    for number in (10, 2, 1):
        (tmp_path / f"a.dxl.orig.{number}").write_bytes(b"")
    assert [path.name for path in backups_of(target, ".orig")] == [
        "a.dxl.orig.1",
        "a.dxl.orig.2",
        "a.dxl.orig.10",
    ]
    assert backups_of(target, None) == []
