"""`dxltools show` and `dxltools validate` through click: every option once,
exit statuses, and what goes to stdout and stderr."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from tests.clitools import NAMES, copy, error_line, invoke, options_given
from tests.shared import SHARED, requires_schemas

SCHEMAS = SHARED / "dxl-schemas"
BTEX_LINES = (
    "unid=26DD6B87DB3B179DC12586EE00284E2F",
    "unid=F0BB1D6DF75A17A8C12586EE0028BA35",
)


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    copy(NAMES, tmp_path / "exports" / "names.dxl")
    copy(NAMES, tmp_path / "exports" / "archive" / "names-2024.dxl")
    return tmp_path / "exports"


def test_show_lists_every_note_and_form_filters(exports: Path) -> None:
    everything = invoke(["show", str(exports / "names.dxl")])
    assert everything.exit_code == 0, everything.stderr
    assert len(everything.stdout.splitlines()) == 18
    domains = invoke(["show", "--form", "domain", str(exports / "names.dxl")])
    lines = domains.stdout.splitlines()
    assert len(lines) == 4 and all("\tform=Domain\t" in line for line in lines)
    for unid in BTEX_LINES:
        (line,) = [line for line in lines if unid in line]
        assert "DomainName=BTEx" in line and "authors:DocumentAccess=[NetModifier]" in line


def test_show_include_exclude_and_json(exports: Path) -> None:
    result = invoke(["show", "--json", "--form", "Domain", "--exclude", "archive", str(exports)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [Path(entry["path"]).name for entry in report["files"]] == ["names.dxl"]
    notes = report["files"][0]["notes"]
    assert len(notes) == 4
    assert {note["domain_name"] for note in notes} == {"BTEx", "Partner", "Internet"}
    only_archive = invoke(["show", "--include", "names-*.dxl", str(exports)])
    assert {line.split(":")[0] for line in only_archive.stdout.splitlines()} == {
        str(exports / "archive" / "names-2024.dxl")
    }


def test_show_a_bad_file_among_good_ones(exports: Path) -> None:
    (exports / "broken.dxl").write_bytes(NAMES.read_bytes()[:3000])
    result = invoke(["show", "--form", "Domain", str(exports)])
    assert result.exit_code == 2
    assert "broken.dxl:" in error_line(result.stderr)
    assert sum(unid in result.stdout for unid in BTEX_LINES) == 2


@requires_schemas
def test_validate_with_a_dtd_folder(exports: Path) -> None:
    result = invoke(["validate", "--dtd-dir", str(SCHEMAS), str(exports)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "2 files checked: 2 valid" in result.stderr


@requires_schemas
def test_validate_reports_problems_with_exit_1_and_json(exports: Path) -> None:
    target = exports / "names.dxl"
    target.write_bytes(target.read_bytes().replace(b"<text>BTEx</text>", b"<txt>BTEx</txt>", 1))
    result = invoke(["validate", "-q", "--dtd-dir", str(SCHEMAS), str(target)])
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.startswith(f"{target}:")
    assert ": dtd: " in result.stdout
    report = json.loads(
        invoke(["validate", "--json", "--dtd-dir", str(SCHEMAS), str(exports)]).stdout
    )
    assert [entry["valid"] for entry in report["files"]] == [True, False]


def test_validate_without_dtd_and_bad_input(exports: Path) -> None:
    assert invoke(["validate", "--exclude", "archive", str(exports)]).exit_code == 0
    (exports / "broken.dxl").write_bytes(NAMES.read_bytes()[:3000])
    result = invoke(["validate", "--include", "broken.dxl", str(exports)])
    assert result.exit_code == 2
    assert result.stdout == ""  # a fatal problem is an error: stderr, the one format
    assert result.stderr.splitlines()[0].startswith(f"dxltools: {exports / 'broken.dxl'}:")
    missing = invoke(["validate", "--dtd-dir", str(exports / "nowhere"), str(exports)])
    assert missing.exit_code == 2
    assert "--dtd-dir" in error_line(missing.stderr)


@pytest.mark.parametrize(
    ("command", "runner", "options"),
    [
        ("show", "run_show", "ShowOptions"),
        ("audit", "run_audit", "AuditOptions"),
        ("validate", "run_validate", "ValidateOptions"),
    ],
)
def test_a_command_without_flags_is_what_its_options_default_to(
    command: str, runner: str, options: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A library user's Options(paths) does what the bare command does: text lines, not
    # quiet, every form and domain, not strict, each file's own DOCTYPE, no filters.
    module = importlib.import_module(f"dxltools.cli.{command}")
    path = copy(NAMES, tmp_path / "names.dxl")
    asked = options_given(monkeypatch, module, runner, [command, str(path)])
    assert asked == [getattr(module, options)(paths=(str(path),))]
