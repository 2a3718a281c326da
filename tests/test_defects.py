"""Issue 18: the defects a new user met following the README, one test each.

Every test here was written before its fix and seen failing. Expected values
are written by hand (file bytes, message words, exit statuses), never made by
the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import dxltools
from dxltools.errors import DxlError
from tests.clitools import (
    COEX,
    NAMES,
    READERS,
    copy,
    diff_body,
    dxltools_command,
    error_line,
    invoke,
)
from tests.clitools import (
    dxltools as dxltools_run,
)
from tests.shared import package_modules

SETTINGS = '[agents.coexistence-readers]\nservers_group = "AcmeMailServers"\n'
COEX_NO_SET = ("run", "coexistence-readers")
RDA = ("run", "remove-document-access")


def _exports(tmp_path: Path, settings: str = SETTINGS) -> Path:
    exports = tmp_path / "exports"
    copy(NAMES, exports / "names.dxl")
    (exports / "dxltools.toml").write_text(settings, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    return exports


# -- 1. settings are looked up from the inputs, not the working folder ----------------------


def test_settings_beside_the_exports_are_found_from_another_folder(tmp_path: Path) -> None:
    exports = _exports(tmp_path)
    result = dxltools_run([*COEX_NO_SET, "../exports", "--check"], cwd=tmp_path / "elsewhere")
    assert result.returncode == 1, result.stderr  # would change: servers_group was found
    assert b"servers_group" not in result.stderr
    assert (exports / "names.dxl").read_bytes() == NAMES.read_bytes()


def test_settings_nearest_the_inputs_win_over_the_working_folders(tmp_path: Path) -> None:
    exports = _exports(tmp_path)
    (tmp_path / "elsewhere" / "dxltools.toml").write_text(
        SETTINGS.replace("AcmeMailServers", "WrongServers"), encoding="utf-8"
    )
    result = dxltools_run([*COEX_NO_SET, str(exports / "names.dxl")], cwd=tmp_path / "elsewhere")
    assert result.returncode == 0, result.stderr
    assert b"<text>AcmeMailServers</text>" in result.stdout
    assert b"WrongServers" not in result.stdout


def test_settings_of_several_inputs_come_from_their_common_folder(tmp_path: Path) -> None:
    exports = _exports(tmp_path)
    first = copy(NAMES, exports / "a" / "one.dxl")
    second = copy(NAMES, exports / "b" / "two.dxl")
    result = dxltools_run(
        [*COEX_NO_SET, str(first), str(second), "--check"], cwd=tmp_path / "elsewhere"
    )
    assert result.returncode == 1, result.stderr


def test_standard_input_takes_the_settings_of_the_working_folder(tmp_path: Path) -> None:
    exports = _exports(tmp_path)
    result = dxltools_run([*COEX_NO_SET], stdin=NAMES.read_bytes(), cwd=exports)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(READERS) == 2


def test_verbose_says_which_settings_file_was_used(tmp_path: Path) -> None:
    exports = _exports(tmp_path)
    result = dxltools_run([*COEX_NO_SET, "../exports", "--check", "-v"], cwd=tmp_path / "elsewhere")
    lines = result.stderr.decode().splitlines()
    assert f"settings: {(exports / 'dxltools.toml').resolve()}" in lines
    bare = dxltools_run([*RDA, str(exports / "names.dxl"), "--check", "-v"], cwd=tmp_path)
    # Found above the exports too: the one in exports/ is the nearest.
    assert f"settings: {(exports / 'dxltools.toml').resolve()}" in bare.stderr.decode()
    (exports / "dxltools.toml").unlink()
    none = dxltools_run([*RDA, str(exports / "names.dxl"), "--check", "-v"], cwd=tmp_path)
    assert any(
        line.startswith("settings: none found") for line in none.stderr.decode().splitlines()
    )


# -- 2. --diff never cancels -i or -o ---------------------------------------------------------


def test_diff_with_in_place_writes_backs_up_and_shows_the_diff(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    result = invoke([*RDA, str(target), "--diff", "-i", "--backup", ".orig"])
    assert result.exit_code == 0, result.stderr
    marker = b"name='DocumentAccess'"
    assert target.read_bytes().count(marker) == NAMES.read_bytes().count(marker) - 2
    assert (tmp_path / "c.dxl.orig").read_bytes() == NAMES.read_bytes()
    removed, added = diff_body(result.stdout)
    assert any("DocumentAccess" in line for line in removed)
    assert not any("DocumentAccess" in line for line in added)
    assert f"{target}: changed 2 of 18 notes" in result.stderr.splitlines()


def test_diff_with_output_writes_the_output_and_shows_the_diff(tmp_path: Path) -> None:
    out = tmp_path / "out.dxl"
    result = invoke([*COEX, str(NAMES), "--diff", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().count(READERS) == 2
    assert result.stdout.count("+<item name='$Readers'") == 2


def test_check_diff_writes_nothing_and_says_would_change(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    for mode in (["--check", "--diff"], ["--diff"]):
        result = invoke([*RDA, str(target), *mode])
        assert result.exit_code == (1 if "--check" in mode else 0), result.stderr
        assert f"{target}: would change 2 of 18 notes" in result.stderr.splitlines()
        assert target.read_bytes() == NAMES.read_bytes()


def test_check_with_a_write_is_refused_not_silently_dropped(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    for write in (["-i"], ["-o", str(tmp_path / "out.dxl")]):
        result = invoke([*RDA, str(target), "--check", *write])
        assert result.exit_code == 2, write
        assert error_line(result.stderr).startswith("dxltools: --check: ")
    assert target.read_bytes() == NAMES.read_bytes()
    assert not (tmp_path / "out.dxl").exists()


def test_json_report_says_whether_the_file_was_written(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    checked = json.loads(invoke([*RDA, str(target), "--check", "--json"]).stdout)
    assert checked["files"][0]["changed"] is True
    assert checked["files"][0]["written"] is False
    written = json.loads(invoke([*RDA, str(target), "-i", "--json"]).stdout)
    assert written["files"][0]["written"] is True


# -- 3. --json goes to stderr when stdout carries a diff ----------------------------------------


def test_json_with_diff_goes_to_stderr_and_stdout_is_the_diff_alone(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    result = invoke([*RDA, str(target), "--diff", "--json"])
    assert result.exit_code == 0
    assert result.stdout.startswith("--- ")
    assert "{" not in result.stdout.split("\n")[0]
    report = json.loads(result.stderr)
    assert report["summary"] == {"files": 1, "changed": 1, "errors": 0}


# -- 4. one error format everywhere ----------------------------------------------------------


def test_validate_prints_its_fatal_error_on_stderr_with_the_prefix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dxl"
    bad.write_bytes(b"<database xmlns='http://www.lotus.com/dxl'><document></database>")
    result = invoke(["validate", "-q", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {bad}:1:")
    assert "not-well-formed" in line


def test_an_unknown_option_is_one_line_and_a_hint(tmp_path: Path) -> None:
    for args in (["run", "remove-document-access", "--nope"], ["show", "--nope"]):
        result = invoke(args)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert lines[0] == "dxltools: --nope: no such option", result.stderr
        assert len(lines) <= 2 and all(line.startswith("hint: ") for line in lines[1:])
        assert "Usage:" not in result.stderr


def test_a_bad_option_value_names_the_option() -> None:
    result = invoke([*RDA, "-j", "many", str(NAMES)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("dxltools: -j/--jobs: ")
    unknown = invoke(["frobnicate"])
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines()[0] == "dxltools: frobnicate: no such command"


@pytest.mark.parametrize(
    ("args", "first"),
    [
        ([], "dxltools: COMMAND: missing"),
        (["run"], "dxltools: AGENT: missing argument"),
        (["run", "remove-document-access", "--jobs"], "dxltools: --jobs: requires an argument"),
        (["show", "--form"], "dxltools: --form: requires an argument"),
        (["--nope"], "dxltools: --nope: no such option"),
    ],
)
def test_every_click_usage_error_takes_the_one_format(args: list[str], first: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == first
    assert len(lines) == 2 and lines[1].startswith("hint: "), result.stderr


def test_usage_errors_name_the_option_they_are_about(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    cases = {
        ("-i", "-o", str(tmp_path / "x.dxl")): "dxltools: -o/--output: ",
        ("--backup", ".orig"): "dxltools: --backup: ",
        ("-j", "0"): "dxltools: -j/--jobs: ",
        ("--set", "nothing"): "dxltools: --set: ",
    }
    for args, start in cases.items():
        result = invoke([*RDA, str(target), *args])
        assert result.exit_code == 2, args
        assert result.stderr.splitlines()[0].startswith(start), result.stderr


def test_backup_must_be_a_plain_suffix_checked_before_any_work(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    for suffix in ("/x", "sub/.orig", "..\\x", "", "."):
        result = invoke([*RDA, str(target), "-i", "--backup", suffix])
        assert result.exit_code == 2, suffix
        line = error_line(result.stderr)
        assert line.startswith("dxltools: --backup: "), line
        assert "internal error" not in line
    # Checked before the agent is even loaded: a missing parameter is not what is said.
    early = invoke([*COEX_NO_SET, str(target), "-i", "--backup", "/x"])
    assert error_line(early.stderr).startswith("dxltools: --backup: ")
    assert target.read_bytes() == NAMES.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.dxl"]


def test_an_output_that_cannot_be_written_is_named_as_the_output(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "x.dxl"
    result = invoke([*RDA, str(NAMES), "-o", str(out)])
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.startswith(f"dxltools: {out}: "), line
    assert "no such" in line
    assert not (tmp_path / "no").exists()


# -- 5. quiet surprises ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["run", "remove-document-access"], ["audit"], ["show"], ["validate"]]
)
def test_no_path_and_a_terminal_on_stdin_is_refused_with_a_hint(args: list[str]) -> None:
    pty = pytest.importorskip("pty", reason="a pseudo-terminal needs POSIX")
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [dxltools_command(), *args],
            stdin=terminal,
            capture_output=True,
            timeout=60,  # a silent wait for input would end here, as a failure
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert lines[0].startswith("dxltools: "), lines
    assert "standard input" in lines[0]
    assert len(lines) == 2 and lines[1].startswith("hint: ")


def test_output_file_name_with_several_inputs_is_refused(tmp_path: Path) -> None:
    first = copy(NAMES, tmp_path / "in" / "a.dxl")
    copy(NAMES, tmp_path / "in" / "b.dxl")
    for inputs in ([str(first), str(tmp_path / "in" / "b.dxl")], [str(tmp_path / "in")]):
        for name in ("single.dxl", "SINGLE.XML"):
            result = invoke([*RDA, *inputs, "-o", str(tmp_path / name)])
            assert result.exit_code == 2, (inputs, name)
            assert error_line(result.stderr).startswith("dxltools: -o/--output: ")
            assert not (tmp_path / name).exists()


def test_backup_over_an_existing_backup_keeps_the_old_one_numbered(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "c.dxl")
    (tmp_path / "c.dxl.orig").write_bytes(b"the first backup")
    (tmp_path / "c.dxl.orig.1").write_bytes(b"an older one")
    result = invoke([*RDA, str(target), "-i", "--backup", ".orig"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "c.dxl.orig").read_bytes() == NAMES.read_bytes()
    assert (tmp_path / "c.dxl.orig.1").read_bytes() == b"an older one"
    assert (tmp_path / "c.dxl.orig.2").read_bytes() == b"the first backup"
    assert f"{target}: earlier backup kept as {tmp_path / 'c.dxl.orig.2'}" in result.stderr


def test_audit_of_a_domain_no_document_has_warns_and_exits_1() -> None:
    result = invoke(["audit", str(NAMES), "--domain", "Nope"])
    assert result.exit_code == 1
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warning == [
        "--domain Nope: warning: no ForeignDomain document of that domain (domains seen: BTEx)"
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "remove-document-access", "--check"],
        ["show"],
        ["audit"],
        ["validate"],
    ],
)
def test_a_folder_without_dxl_is_one_warning_line(tmp_path: Path, args: list[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an export", encoding="utf-8")
    result = invoke([*args, str(empty)])
    assert result.exit_code in (0, 1)
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [f"{empty}: warning: no file matching *.dxl, *.xml in this folder"]


def test_the_library_runs_an_agent_with_its_own_audit(tmp_path: Path) -> None:
    from dxltools import AuditRefusal, apply_agent_to_file, load_agent

    target = copy(NAMES, tmp_path / "names.dxl")
    leaky = load_agent("coexistence-readers", {"servers_group": "LocalDomainServers"})
    with pytest.raises(AuditRefusal, match="multiple-visible"):
        apply_agent_to_file(target, leaky)
    assert target.read_bytes() == NAMES.read_bytes()
    report = apply_agent_to_file(target, leaky, audit=False)
    assert report.changed
    assert b"<text>LocalDomainServers</text>" in target.read_bytes()


def test_the_command_uses_the_library_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dxltools.agents.apply import apply_agent_to_file as real
    from dxltools.cli import run as runner

    called: list[Path] = []

    def spy(path: Path, *args: object, **kwargs: object) -> object:
        called.append(Path(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "apply_agent_to_file", spy)
    target = copy(NAMES, tmp_path / "names.dxl")
    assert invoke([*COEX, str(target), "-i"]).exit_code == 0
    assert called == [target]


def test_every_error_class_is_importable_from_dxltools() -> None:
    found = {
        value
        for module in package_modules()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, DxlError)
    }
    assert {"AgentError", "AuditRefusal", "ConfigError", "LockError"} <= {c.__name__ for c in found}
    for error_class in found:
        assert getattr(dxltools, error_class.__name__) is error_class, error_class
        assert error_class.__name__ in dxltools.__all__


# -- 6. new items follow the export's quoting ------------------------------------------------

DOUBLE_QUOTED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<database xmlns="http://www.lotus.com/dxl" version="9.0" replicaid="C12586EE0027A1B2">\n'
    b'\t<document form="Domain">\n'
    b'\t\t<noteinfo noteid="e64" unid="26DD6B87DB3B179DC12586EE00284E2F" sequence="4"/>\n'
    b'\t\t<item name="DomainType"><text>ForeignDomain</text></item>\n'
    b'\t\t<item name="DomainName"><text>BTEx</text></item>\n'
    b'\t\t<item name="CalendarServer" names="true"><text>CN=DominoCoex1/O=Acme</text></item>\n'
    b'\t\t<item name="DocumentAccess" authors="true" names="true"><text>[NetModifier]</text>'
    b"</item>\n"
    b"\t</document>\n"
    b"</database>\n"
)
DOUBLE_QUOTED_AFTER = DOUBLE_QUOTED.replace(
    b'\t\t<item name="DocumentAccess" authors="true" names="true"><text>[NetModifier]</text>'
    b"</item>\n",
    b'\t\t<item name="$Readers" readers="true"><textlist><text>AcmeMailServers</text>'
    b"<text>LocalDomainAdmins</text><text>CN=DominoCoex1/O=Acme</text></textlist></item>\n",
)


def test_new_items_follow_a_double_quoted_tab_indented_export(tmp_path: Path) -> None:
    result = invoke([*COEX, "--no-audit"], stdin=DOUBLE_QUOTED)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == DOUBLE_QUOTED_AFTER
    again = invoke([*COEX, "--no-audit"], stdin=result.stdout_bytes)
    assert again.stdout_bytes == DOUBLE_QUOTED_AFTER


def test_a_double_quoted_value_holding_a_double_quote_is_escaped() -> None:
    from dxltools.dxl.model import ItemFlags
    from dxltools.edit.changes import NewItem
    from dxltools.edit.render import render_item

    new = NewItem("Say \"hi\" & 'bye'", ("a\x01b",), ItemFlags(readers=True))
    assert render_item(new, quote='"') == (
        b'<item name="Say &quot;hi&quot; &amp; \'bye\'" readers="true">'
        b'<text>a<nonxmlchar value="1"/>b</text></item>'
    )
    assert render_item(new) == (
        b"<item name='Say \"hi\" &amp; &apos;bye&apos;' readers='true'>"
        b"<text>a<nonxmlchar value='1'/>b</text></item>"
    )


# -- 6. the README's claims ------------------------------------------------------------------


def test_exclude_with_a_backslash_or_two_excludes_the_folder(tmp_path: Path) -> None:
    copy(NAMES, tmp_path / "ex" / "old" / "a.dxl")
    kept = copy(NAMES, tmp_path / "ex" / "new.dxl")
    for pattern in ("old\\*.dxl", "old\\\\*.dxl", "old/*.dxl"):
        result = invoke(["show", "--form", "Domain", "--exclude", pattern, str(tmp_path / "ex")])
        assert result.exit_code == 0, pattern
        shown = {line.split(":")[0] for line in result.stdout.splitlines()}
        assert shown == {str(kept)}, pattern
