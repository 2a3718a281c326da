"""XML that is not DXL beside the exports (issue 16): a folder walk skips it
with one line on stderr (hidden by -q) and the same exit status as without
it; `--json` lists it with the reason; named on the command line it is an
error (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.clitools import NAMES, dxltools_in_one_log, error_line, invoke

POM = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
    b"<modelVersion>4.0.0</modelVersion></project>\n"
)
WEB = b"<?xml version='1.0'?>\n<web-app><display-name>x</display-name></web-app>\n"
POM_REASON = (
    "not a DXL export: root element is <project> in namespace 'http://maven.apache.org/POM/4.0.0'"
)
WEB_REASON = "not a DXL export: root element is <web-app>"

COMMANDS = {
    "run": ["run", "remove-document-access", "--check"],
    "show": ["show", "--form", "Domain"],
    "audit": ["audit"],
    "validate": ["validate"],
}


def _folder(tmp_path: Path, *, others: bool) -> Path:
    folder = tmp_path / "exports"
    (folder / "sub").mkdir(parents=True)
    shutil.copyfile(NAMES, folder / "names.dxl")
    if others:
        (folder / "pom.xml").write_bytes(POM)
        (folder / "sub" / "web.xml").write_bytes(WEB)
    return folder


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_walk_skips_xml_that_is_not_dxl(command: str, tmp_path: Path) -> None:
    alone = invoke([*COMMANDS[command], str(_folder(tmp_path / "a", others=False))])
    folder = _folder(tmp_path / "b", others=True)
    result = invoke([*COMMANDS[command], str(folder)])
    assert result.exit_code == alone.exit_code != 2
    assert result.stdout == alone.stdout.replace(str(tmp_path / "a"), str(tmp_path / "b"))
    skipped = [line for line in result.stderr.splitlines() if ": skipped: " in line]
    assert skipped == [
        f"{folder / 'pom.xml'}: skipped: {POM_REASON}, expected a root of the DXL DTD "
        "(<database>, <document>, <note>, a design element...) in namespace "
        "'http://www.lotus.com/dxl'",
        f"{folder / 'sub' / 'web.xml'}: skipped: {WEB_REASON}, expected a root of the DXL DTD "
        "(<database>, <document>, <note>, a design element...) in namespace "
        "'http://www.lotus.com/dxl'",
    ]
    assert "dxltools:" not in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_quiet_hides_the_skipped_lines(command: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, others=True)
    result = invoke([*COMMANDS[command], str(folder), "-q"])
    assert result.exit_code != 2
    assert "skipped" not in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_json_report_lists_the_skipped_files(command: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, others=True)
    result = invoke([*COMMANDS[command], str(folder), "--json"])
    assert result.exit_code != 2
    report = json.loads(result.stdout)
    paths = [entry["path"] for entry in report["skipped"]]
    assert paths == [str(folder / "pom.xml"), str(folder / "sub" / "web.xml")]
    assert report["skipped"][0]["reason"].startswith(POM_REASON)
    assert report["skipped"][1]["reason"].startswith(WEB_REASON)
    listed = json.dumps({key: value for key, value in report.items() if key != "skipped"})
    assert "pom.xml" not in listed and "web.xml" not in listed


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_named_on_the_command_line_it_is_an_error(command: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, others=True)
    result = invoke([*COMMANDS[command], str(folder / "pom.xml")])
    assert result.exit_code == 2
    if command == "validate":  # its problem code, then its summary line
        line = result.stderr.splitlines()[0]
        assert line.startswith(f"dxltools: {folder / 'pom.xml'}:2:1: not-dxl: {POM_REASON}")
        return
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {folder / 'pom.xml'}:2:1: {POM_REASON}")


def test_a_broken_dxl_file_in_a_folder_is_still_an_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, others=True)
    (folder / "broken.dxl").write_bytes(NAMES.read_bytes()[:5000])
    result = invoke(["run", "remove-document-access", "--check", str(folder)])
    assert result.exit_code == 2
    assert f"dxltools: {folder / 'broken.dxl'}:" in result.stderr


def test_with_j2_the_skips_are_the_same(tmp_path: Path) -> None:
    folder = _folder(tmp_path, others=True)
    one = invoke(["run", "remove-document-access", "--check", "--json", str(folder)])
    two = invoke(["run", "remove-document-access", "--check", "--json", "-j", "2", str(folder)])
    assert (one.exit_code, one.stdout) == (two.exit_code, two.stdout)


def test_validate_counts_the_skipped_files_in_its_summary(tmp_path: Path) -> None:
    alone = invoke(["validate", str(_folder(tmp_path / "a", others=False))])
    result = invoke(["validate", str(_folder(tmp_path / "b", others=True))])
    summary, without = result.stderr.splitlines()[-1], alone.stderr.splitlines()[-1]
    assert summary.startswith("1 file checked: 1 valid") and "skipped" not in without
    assert summary == without.replace("; no DTD", "; 2 skipped (not DXL); no DTD")


def test_in_one_log_show_says_a_file_was_skipped_after_the_notes_before_it(
    tmp_path: Path,
) -> None:
    # A job's `2>&1`: names.dxl's notes (stdout) come before the skip of pom.xml, found
    # after it by the walk (stderr), as on a terminal.
    folder = _folder(tmp_path, others=True)
    result = dxltools_in_one_log(["show", "--form", "Domain", str(folder)])
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    skips = [at for at, line in enumerate(lines) if ": skipped: " in line]
    notes = [at for at, line in enumerate(lines) if line.startswith(str(folder / "names.dxl"))]
    assert len(skips) == 2 and notes
    assert max(notes) < min(skips), lines
