"""The command line: `audit` ends with the command that fixes what it found, the
suggested command runs and leaves nothing to fix, and `run coexistence-readers`
without `servers_group` names the candidates of its input."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given

from dxltools.audit.fix import fixes
from dxltools.audit.views import Problem
from dxltools.names import name_key
from tests.clitools import (
    FOREIGN,
    NAMES,
    SINGLE,
    copy,
    dxltools,
    dxltools_command,
    error_line,
    invoke,
)
from tests.directory_strategies import GenDirectory, fixable_directories

ORDINARY = ["CN=DominoApp1/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme"]
COEX = ["CN=DominoCoex1/O=Acme", "CN=DominoCoex2/O=Acme"]
ACME = {"group": "AcmeMailServers", "exact": True, "extra_members": [], "servers_only": False}
MISSING = (
    "parameters.servers_group: required parameter missing: give it with --set servers_group=VALUE; "
)


def audit_json(*args: str) -> dict[str, Any]:
    result = invoke(["audit", "--json", *args])
    assert result.exit_code in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def fixable(report: dict[str, Any]) -> list[str]:
    return [p["code"] for p in report["problems"] if fixes(Problem(p["code"], ""))]


def run_suggested(command: str) -> None:
    """Run the suggested command as a shell would split it, through the CLI."""
    words = shlex.split(command)
    assert words[:3] == ["dxltools", "run", "coexistence-readers"]
    result = invoke(words[1:])
    assert result.exit_code == 0, result.stderr


# -- audit ------------------------------------------------------------------------------------


def test_audit_text_ends_with_the_command(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    result = invoke(["audit", str(target)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-4:] == [
        "coexistence-readers fixes 7 of these problems "
        "(document-access-present, unrestricted, multiple-visible, failover-free-busy-fails)",
        f"  run: dxltools run coexistence-readers {target} "
        "--set servers_group=AcmeMailServers -i --backup .orig",
        "  (review first: the same command with --diff in place of -i --backup .orig)",
        "  servers_group: AcmeMailServers (exact)",
    ]


def test_audit_json_has_a_fix_object() -> None:
    report = audit_json(str(FOREIGN), str(NAMES))
    assert report["fix"] == {
        "agent": "coexistence-readers",
        "problems": 7,
        "parameters": {"servers_group": "AcmeMailServers"},
        "candidates": [ACME],
        "must_hold": ORDINARY,
        "must_not_hold": COEX,
        "command": f"dxltools run coexistence-readers {FOREIGN} {NAMES} "
        "--set servers_group=AcmeMailServers -i --backup .orig",
    }


def test_nothing_to_fix_is_null_and_no_suggestion(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    run_suggested(audit_json(str(target))["fix"]["command"])
    report = audit_json(str(target))
    assert report["problems"] == []
    assert report["fix"] is None
    text = invoke(["audit", str(target)]).stdout
    assert text.endswith("no problem found\n")


def test_no_candidate_in_json_and_text() -> None:
    report = audit_json(str(SINGLE))
    assert report["fix"]["parameters"] == {"servers_group": None}
    assert report["fix"]["candidates"] == []
    assert report["fix"]["command"] is None
    assert report["fix"]["must_hold"] == ["CN=DominoCoex1/O=Acme"]
    assert report["fix"]["must_not_hold"] == []
    lines = invoke(["audit", str(FOREIGN)]).stdout.splitlines()
    assert lines[-2].startswith("  no ordinary server is known from the input")
    assert lines[-1] == (
        f"  or run: dxltools run coexistence-readers {FOREIGN} "
        "--set servers_group=GROUP -i --backup .orig"
    )


def test_the_suggested_command_fixes_what_the_audit_found(tmp_path: Path) -> None:
    # A path a shell would split or misread unless quoted.
    target = copy(NAMES, tmp_path / "my exports" / "o'brien $names.dxl")
    report = audit_json(str(target))
    assert fixable(report)
    command = report["fix"]["command"]
    assert shlex.quote(str(target)) in command
    run_suggested(command)
    assert (target.parent / (target.name + ".orig")).read_bytes() == NAMES.read_bytes()
    after = audit_json(str(target))
    assert fixable(after) == []
    assert after["fix"] is None


def test_the_suggested_command_runs_in_a_real_shell(tmp_path: Path) -> None:
    # What an admin does: paste the line into sh. Spaces, quotes and $ must survive.
    target = copy(NAMES, tmp_path / "it's $HOME" / "names *.dxl")
    audited = dxltools(["audit", "--json", str(target)])
    command = json.loads(audited.stdout)["fix"]["command"]
    installed = Path(dxltools_command()).parent
    environment = {**os.environ, "PATH": f"{installed}{os.pathsep}{os.environ.get('PATH', '')}"}
    shell = subprocess.run(
        ["sh", "-c", command], capture_output=True, env=environment, check=False, timeout=120
    )
    assert shell.returncode == 0, shell.stderr
    assert target.with_name(target.name + ".orig").read_bytes() == NAMES.read_bytes()
    after = dxltools(["audit", "--json", str(target)])
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["fix"] is None


def test_the_suggestion_names_every_file_and_the_audits_domain(tmp_path: Path) -> None:
    directory = copy(NAMES, tmp_path / "directory.dxl")
    collection = copy(FOREIGN, tmp_path / "foreign.dxl")
    report = audit_json(str(collection), str(directory), "--domain", "btex")
    command = report["fix"]["command"]
    assert command == (
        f"dxltools run coexistence-readers {collection} {directory} "
        "--set servers_group=AcmeMailServers --set domain=btex -i --backup .orig"
    )
    run_suggested(command)
    assert fixable(audit_json(str(collection), str(directory))) == []


def test_a_folder_and_globs_are_passed_on(tmp_path: Path) -> None:
    copy(NAMES, tmp_path / "exports" / "names.dxl")
    copy(NAMES, tmp_path / "exports" / "old" / "names.dxl")
    folder = str(tmp_path / "exports")
    command = audit_json(folder, "--exclude", "old")["fix"]["command"]
    assert command == (
        f"dxltools run coexistence-readers {folder} --exclude old "
        "--set servers_group=AcmeMailServers -i --backup .orig"
    )
    run_suggested(command)
    assert audit_json(folder, "--exclude", "old")["fix"] is None
    assert (tmp_path / "exports" / "old" / "names.dxl").read_bytes() == NAMES.read_bytes()


def test_standard_input_gets_a_filter() -> None:
    result = invoke(["audit", "--json"], stdin=NAMES.read_bytes())
    command = json.loads(result.stdout)["fix"]["command"]
    assert command == "dxltools run coexistence-readers --set servers_group=AcmeMailServers"
    fixed = invoke(shlex.split(command)[1:], stdin=NAMES.read_bytes())
    assert fixed.exit_code == 0, fixed.stderr
    after = invoke(["audit", "--json"], stdin=fixed.stdout_bytes)
    assert json.loads(after.stdout)["fix"] is None


def test_after_a_wrong_group_the_right_one_is_suggested_keeping_other_settings(
    tmp_path: Path,
) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    wrong = ("--after", "coexistence-readers", "--set", "servers_group=LocalDomainServers")
    report = audit_json(str(target), *wrong, "--set", "readers_item=Readers")
    assert "multiple-visible" in fixable(report)
    command = report["fix"]["command"]
    assert command == (
        f"dxltools run coexistence-readers {target} --set servers_group=AcmeMailServers "
        "--set readers_item=Readers -i --backup .orig"
    )
    run_suggested(command)
    assert b"<item name='Readers' readers='true'>" in target.read_bytes()
    assert fixable(audit_json(str(target))) == []


def test_audit_after_with_the_suggested_parameters_finds_nothing_to_fix() -> None:
    for paths in ([NAMES], [FOREIGN, NAMES], [NAMES, FOREIGN]):
        names = [str(path) for path in paths]
        fix = audit_json(*names)["fix"]
        group = fix["parameters"]["servers_group"]
        assert group == "AcmeMailServers"
        after = audit_json(
            *names, "--after", "coexistence-readers", "--set", f"servers_group={group}"
        )
        assert fixable(after) == []
        assert after["fix"] is None


# -- run without servers_group -------------------------------------------------------------


def test_run_without_servers_group_names_the_candidates() -> None:
    result = invoke(["run", "coexistence-readers", str(NAMES)])
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.endswith(MISSING + "candidates in the input: AcmeMailServers (exact)")
    piped = invoke(["run", "coexistence-readers"], stdin=NAMES.read_bytes())
    assert piped.exit_code == 2
    assert error_line(piped.stderr) == line
    assert piped.stdout == ""


def test_run_without_servers_group_and_no_candidate() -> None:
    result = invoke(["run", "coexistence-readers", str(SINGLE), "--check"])
    assert result.exit_code == 2
    assert error_line(result.stderr).endswith(
        MISSING + "no group in the input qualifies: it must hold CN=DominoCoex1/O=Acme "
        "(directly or through nested groups)"
    )


def test_run_without_servers_group_on_an_unreadable_input_says_only_what_is_missing() -> None:
    result = invoke(["run", "coexistence-readers", "no-such-file.dxl", "--check"])
    assert result.exit_code == 2
    assert error_line(result.stderr).endswith("give it with --set servers_group=VALUE")


def test_audit_after_without_servers_group_names_the_candidates() -> None:
    result = invoke(["audit", str(NAMES), "--after", "coexistence-readers"])
    assert result.exit_code == 2
    assert error_line(result.stderr).endswith(
        MISSING + "candidates in the input: AcmeMailServers (exact)"
    )


def test_the_installed_command_names_the_candidates() -> None:
    result = dxltools(["run", "coexistence-readers", str(NAMES), "--diff"])
    assert result.returncode == 2
    assert result.stdout == b""
    line = error_line(result.stderr.decode())
    assert line.endswith("candidates in the input: AcmeMailServers (exact)")


# -- the property ----------------------------------------------------------------------------


@given(fixable_directories())
def test_the_suggested_servers_group_is_never_refused_and_fixes_everything(
    directory: GenDirectory,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, data in directory.exports():
            path = Path(folder) / name
            path.write_bytes(data)
            paths.append(str(path))
        fix = audit_json(*paths)["fix"]
        if fix is None or fix["command"] is None:
            event("nothing to fix" if fix is None else "no candidate")
            return  # the property says nothing
        event(f"a candidate, {len(directory.documents)} documents")
        words = shlex.split(fix["command"])
        result = invoke(words[1:])
        assert result.exit_code == 0, result.stderr  # never refused by its own audit
        after = audit_json(*paths)
        assert fixable(after) == [], after["problems"]
        assert after["fix"] is None
        # And every ordinary server still sees every document.
        owners = {name_key(d.calendar_server or "") for d in directory.documents}
        coexistence = owners if len(directory.documents) > 1 else set()
        (domain,) = after["domains"]
        every = sorted(d.unid for d in directory.documents)
        for view in domain["servers"]:
            if name_key(view["server"]) not in coexistence:
                assert sorted(view["visible"]) == every, view
