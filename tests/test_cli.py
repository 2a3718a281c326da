"""The `dxltools` command: `run` and `agents` through CliRunner and a real subprocess.

A fixture goes in, the bytes, the exit status and the one-line messages come out.
Fixtures are never modified: every test that writes works on copies in `tmp_path`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.clitools import (
    BTEX_UNIDS,
    COEX,
    FOREIGN,
    NAMES,
    READERS,
    SERVERS,
    btex_documents,
    copy,
    diff_body,
    dxltools,
    error_line,
    expected,
    file_state,
    invoke,
    leftover_temporaries,
)

# What the diff of names.dxl must show, and nothing else.
REMOVED_LINES = [
    "<item name='DocumentAccess' authors='true' names='true'>"
    "<text>[NetModifier]</text></item></document>",
    "<item name='DocumentAccess'",
    " authors='true' names='true'><text>[NetModifier]</text></item></document>",
]
ADDED_LINES = [
    "<item name='$Readers' readers='true'><textlist><text>AcmeMailServers</text>"
    f"<text>LocalDomainAdmins</text><text>CN={server}/O=Acme</text></textlist></item></document>"
    for server in ("DominoCoex1", "DominoCoex2")
]


# -- run: one file, stdin, stdout --------------------------------------------------------


def test_run_file_to_stdout_rewrites_btex_documents_only() -> None:
    before = file_state(NAMES)
    result = invoke([*COEX, str(NAMES)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout_bytes
    assert out.count(READERS) == 2
    documents = btex_documents(out)
    assert len(documents) == 2
    assert all(b"DocumentAccess" not in document for document in documents)
    original = NAMES.read_bytes()
    assert out.count(b"'DocumentAccess'") == original.count(b"'DocumentAccess'") - 2
    assert file_state(NAMES) == before
    assert "changed 2 of 18 notes" in result.stderr


@pytest.mark.parametrize("stdin_args", [["-"], []], ids=["dash", "no-path"])
def test_run_stdin_to_stdout_matches_file_mode(stdin_args: list[str]) -> None:
    result = invoke([*COEX, *stdin_args], stdin=NAMES.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == expected(NAMES)
    assert "<stdin>: changed 2 of 18 notes" in result.stderr


def test_run_check_then_in_place_then_check(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)

    first = invoke([*COEX, "--check", str(target)])
    assert first.exit_code == 1
    assert first.stdout_bytes == b""
    assert "would change 2 of 18 notes" in first.stderr
    assert file_state(target) == before

    rewrite = invoke([*COEX, "-i", str(target)])
    assert rewrite.exit_code == 0, rewrite.stderr
    assert rewrite.stdout_bytes == b""
    assert target.read_bytes() == expected(NAMES)

    after = file_state(target)
    second = invoke([*COEX, "--check", str(target)])
    assert second.exit_code == 0, second.stderr
    assert second.stdout_bytes == b""
    assert "would change" not in second.stderr
    assert file_state(target) == after
    assert leftover_temporaries(tmp_path) == []


def test_run_diff_shows_only_document_access_and_readers_lines(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)
    result = invoke([*COEX, "--diff", str(target)])
    assert result.exit_code == 0, result.stderr
    diff = result.stdout
    assert diff.startswith(f"--- {target}\n+++ {target}\n")
    assert diff.count("\n@@ ") == 2
    removed, added = diff_body(diff)
    assert removed == REMOVED_LINES
    assert added == ADDED_LINES
    assert file_state(target) == before


def test_run_in_place_on_a_folder_with_backup(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    names = copy(NAMES, folder / "names.dxl")
    foreign = copy(FOREIGN, folder / "foreign-domains.dxl")
    result = invoke([*COEX, "-i", "--backup", ".bak", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b""
    assert names.read_bytes() == expected(NAMES)
    assert foreign.read_bytes() == expected(FOREIGN)
    assert (folder / "names.dxl.bak").read_bytes() == NAMES.read_bytes()
    assert (folder / "foreign-domains.dxl.bak").read_bytes() == FOREIGN.read_bytes()
    assert sorted(path.name for path in folder.iterdir()) == [
        "foreign-domains.dxl",
        "foreign-domains.dxl.bak",
        "names.dxl",
        "names.dxl.bak",
    ]


def test_run_output_folder_keeps_relative_paths(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    names = copy(NAMES, folder / "names.dxl")
    foreign = copy(FOREIGN, folder / "btex" / "foreign-domains.dxl")
    out = tmp_path / "out"
    result = invoke([*COEX, "-o", str(out), str(folder)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b""
    assert (out / "names.dxl").read_bytes() == expected(NAMES)
    assert (out / "btex" / "foreign-domains.dxl").read_bytes() == expected(FOREIGN)
    assert names.read_bytes() == NAMES.read_bytes()
    assert foreign.read_bytes() == FOREIGN.read_bytes()
    assert leftover_temporaries(tmp_path) == []


def test_run_output_folder_refuses_two_inputs_with_one_name(tmp_path: Path) -> None:
    first = copy(NAMES, tmp_path / "one" / "export.dxl")
    second = copy(FOREIGN, tmp_path / "two" / "export.dxl")
    out = tmp_path / "out"
    result = invoke([*COEX, "-q", "-o", str(out), str(first), str(second)])
    assert result.exit_code == 2
    assert "export.dxl" in error_line(result.stderr)
    assert not (out / "export.dxl").exists()


def test_run_several_inputs_need_a_mode(tmp_path: Path) -> None:
    first = copy(NAMES, tmp_path / "a.dxl")
    second = copy(FOREIGN, tmp_path / "b.dxl")
    result = invoke([*COEX, str(first), str(second)])
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    line = error_line(result.stderr)
    assert "2 inputs" in line
    assert "-i" in line and "--check" in line
    assert first.read_bytes() == NAMES.read_bytes()
    assert second.read_bytes() == FOREIGN.read_bytes()


# -- run: bad input ----------------------------------------------------------------------


def test_run_bad_file_among_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    good_first = copy(NAMES, folder / "1-names.dxl")
    bad = folder / "2-truncated.dxl"
    bad.write_bytes(NAMES.read_bytes()[:20000])
    bad_before = bad.read_bytes()
    good_last = copy(FOREIGN, folder / "3-foreign-domains.dxl")

    result = invoke([*COEX, "-q", "-i", str(folder)])
    assert result.exit_code == 2
    assert good_first.read_bytes() == expected(NAMES)
    assert good_last.read_bytes() == expected(FOREIGN)
    assert bad.read_bytes() == bad_before
    line = error_line(result.stderr)
    assert re.match(rf"dxltools: {re.escape(str(bad))}:\d+(:\d+)?: ", line), line
    assert leftover_temporaries(tmp_path) == []


def _without_servers(tmp_path: Path) -> Path:
    """foreign-domains.dxl with the first BTEx document's server items blanked out."""
    data = FOREIGN.read_bytes()
    server = b"<text>CN=DominoCoex1/O=Acme</text>"
    assert data.count(server) == 2  # its MailServer and its CalendarServer
    target = tmp_path / "no-servers.dxl"
    target.write_bytes(data.replace(server, b"<text/>"))
    return target


@pytest.mark.parametrize("mode", [["-i"], []], ids=["in-place", "stdout"])
def test_run_foreign_domain_without_server_is_an_error(tmp_path: Path, mode: list[str]) -> None:
    target = _without_servers(tmp_path)
    before = file_state(target)
    result = invoke([*COEX, *mode, str(target)])
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    line = error_line(result.stderr)
    assert str(target) in line
    assert BTEX_UNIDS[0] in line
    assert file_state(target) == before
    assert leftover_temporaries(tmp_path) == []


# -- run: agent files and parameters -----------------------------------------------------

_GOOD_ACTION = '[[actions]]\naction = "remove-item"\nitem = "DocumentAccess"\n'

AGENT_ERRORS = [
    pytest.param(
        "unknown-key.toml",
        f'name = "x"\nfrobnicate = 1\n{_GOOD_ACTION}',
        [],
        ["unknown-key.toml", "frobnicate", "unknown key"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        "unknown-action.toml",
        'name = "x"\n[[actions]]\naction = "frob"\nitem = "X"\n',
        [],
        ["unknown-action.toml", "actions[0].action", "'frob'"],
        id="unknown-action",
    ),
    pytest.param(
        "missing-key.toml",
        'name = "x"\n[[actions]]\naction = "remove-item"\n',
        [],
        ["missing-key.toml", "actions[0].item", "missing"],
        id="action-without-its-key",
    ),
    pytest.param(
        None,
        None,
        [],
        ["coexistence-readers.toml", "servers_group", "required"],
        id="missing-required-parameter",
    ),
    pytest.param(
        None,
        None,
        ["--set", SERVERS, "--set", "nosuch=1"],
        ["coexistence-readers.toml", "--set nosuch", "unknown parameter"],
        id="unknown-set-name",
    ),
    pytest.param(
        None,
        None,
        ["--set", "servers_group"],
        ["--set: 'servers_group'", "NAME=VALUE"],
        id="set-without-equals",
    ),
    pytest.param(
        "absent.toml",
        None,
        [],
        ["absent.toml", "agent file not found"],
        id="agent-file-not-found",
    ),
    pytest.param(
        "broken.toml",
        'name = "x\n',
        [],
        ["broken.toml", "not valid TOML", "line 1"],
        id="invalid-toml",
    ),
]


@pytest.mark.parametrize(("filename", "text", "extra", "wanted"), AGENT_ERRORS)
def test_run_agent_errors_are_one_line(
    tmp_path: Path, filename: str | None, text: str | None, extra: list[str], wanted: list[str]
) -> None:
    target = copy(FOREIGN, tmp_path / "foreign-domains.dxl")
    before = file_state(target)
    if filename is None:
        agent = "coexistence-readers"
    else:
        agent = str(tmp_path / filename)
        if text is not None:
            (tmp_path / filename).write_text(text, encoding="utf-8")
    result = invoke(["run", agent, *extra, "-i", str(target)])
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    line = error_line(result.stderr)
    for part in wanted:
        assert part in line, line
    assert file_state(target) == before


def test_run_unknown_bundled_agent_lists_the_bundled_ones() -> None:
    result = invoke(["run", "no-such-agent", str(FOREIGN)])
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert "no-such-agent" in line
    assert "coexistence-readers" in line and "remove-document-access" in line


USER_AGENT = """\
name = "tidy-btex"
description = "A user's own agent: a comment, one more admin, no owner."

[parameters.extra]
type = "list"
default = ["CN=Extra Admin/O=Acme"]
description = "More administrators."

[select]
forms = ["Domain"]
unids = ["26DD6B87DB3B179DC12586EE00284E2F"]

[[actions]]
action = "set-item"
item = "Comment"
values = ["managed by dxltools"]

[[actions]]
action = "add-names"
item = "LocalAdmin"
names = "{extra}"

[[actions]]
action = "remove-names"
item = "Owner"
names = ["Admin/Acme"]
"""

USER_AGENT_OLD = b"""\
<item name='LocalAdmin' authors='true' names='true'><textlist><text>LocalDomainAdmins</text><text
>CN=Admin/O=Acme</text></textlist></item>
<item name='Owner' authors='true'><text>CN=Admin/O=Acme</text></item>
<item name='DocumentAccess' authors='true' names='true'><text>[NetModifier]</text></item></document>
"""

USER_AGENT_NEW = b"""\
<item name='LocalAdmin' authors='true' names='true'><textlist><text>LocalDomainAdmins</text>\
<text>CN=Admin/O=Acme</text><text>CN=Extra Admin/O=Acme</text>\
<text>Helpdesk</text></textlist></item>
<item name='Owner' authors='true'><text/></item>
<item name='DocumentAccess' authors='true' names='true'><text>[NetModifier]</text></item>
<item name='Comment'><text>managed by dxltools</text></item></document>
"""


def test_run_user_agent_file(tmp_path: Path) -> None:
    agent = tmp_path / "tidy-btex.toml"
    agent.write_text(USER_AGENT, encoding="utf-8")
    target = copy(FOREIGN, tmp_path / "foreign-domains.dxl")
    data = FOREIGN.read_bytes()
    assert data.count(USER_AGENT_OLD) == 1
    args = ["run", str(agent), "--set", "extra=CN=Extra Admin/O=Acme, Helpdesk", "-i"]

    result = invoke([*args, str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == data.replace(USER_AGENT_OLD, USER_AGENT_NEW)
    assert "changed 1 of 2 notes" in result.stderr

    after = file_state(target)
    again = invoke([*args, str(target)])
    assert again.exit_code == 0, again.stderr
    assert file_state(target) == after


def test_run_remove_document_access_unknown_domain_changes_nothing(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)
    result = invoke(["run", "remove-document-access", "--set", "domain=Nowhere", "-i", str(target)])
    assert result.exit_code == 0, result.stderr
    assert file_state(target) == before
    assert "changed" not in result.stderr
    assert "DomainName Nowhere never appears" in result.stderr

    piped = invoke(["run", "remove-document-access", "--set", "domain=Nowhere", str(NAMES)])
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout_bytes == NAMES.read_bytes()


def test_run_unknown_domain_type_warns_with_the_values_seen() -> None:
    result = invoke(
        ["run", "remove-document-access", "--set", "domain_type=NoSuchType", str(NAMES)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == NAMES.read_bytes()
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1, result.stderr
    assert "DomainType NoSuchType never appears" in warnings[0]
    assert "(values seen: AdjacentDomain, ForeignDomain, ForeignSMTPDomain)" in warnings[0]


def test_run_in_place_twice_is_idempotent(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    first = invoke([*COEX, "-i", str(target)])
    assert first.exit_code == 0, first.stderr
    once = file_state(target)
    assert once[0] == expected(NAMES)

    second = invoke([*COEX, "-i", str(target)])
    assert second.exit_code == 0, second.stderr
    assert "changed" not in second.stderr
    assert file_state(target) == once

    check = invoke([*COEX, "--check", str(target)])
    assert check.exit_code == 0, check.stderr


# -- run --json --------------------------------------------------------------------------


def _check_json_report(report: dict[str, Any], paths: Sequence[Path]) -> None:
    files = report["files"]
    assert [entry["path"] for entry in files] == [str(path) for path in paths]
    assert all(entry["changed"] is True and entry["error"] is None for entry in files)
    assert report["summary"] == {"files": len(paths), "changed": len(paths), "errors": 0}
    for entry in files:
        notes = entry["notes"]
        assert sorted(note["unid"] for note in notes) == sorted(BTEX_UNIDS)
        for note in notes:
            assert note["changes"][0].startswith("removed DocumentAccess")
            assert note["changes"][1].startswith("added $Readers (readers): AcmeMailServers")
            assert all("authors item" in warning for warning in note["warnings"])


def test_run_json_in_place(tmp_path: Path) -> None:
    paths = [copy(NAMES, tmp_path / "a.dxl"), copy(FOREIGN, tmp_path / "b.dxl")]
    result = invoke([*COEX, "-q", "-i", "--json", *map(str, paths)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    _check_json_report(json.loads(result.stdout), paths)


def test_run_json_on_stderr_when_stdout_carries_dxl_quiet() -> None:
    result = invoke([*COEX, "-q", "--json", str(NAMES)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == expected(NAMES)
    _check_json_report(json.loads(result.stderr), [NAMES])


def test_run_json_on_stderr_is_only_json() -> None:
    result = invoke([*COEX, "--json", str(NAMES)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == expected(NAMES)
    _check_json_report(json.loads(result.stderr), [NAMES])


# -- agents ------------------------------------------------------------------------------


def test_agents_lists_bundled_agents_with_parameters() -> None:
    result = invoke(["agents"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert re.search(r"^coexistence-readers: \S", text, re.MULTILINE)
    assert re.search(r"^remove-document-access: \S", text, re.MULTILINE)
    coexistence, remove = text.split("remove-document-access:")
    for parameter in (
        "servers_group (string, required)",
        "admins_group (string, default 'LocalDomainAdmins')",
        "domain (string, default '')",
        "domain_type (string, default 'ForeignDomain')",
        "readers_item (string, default '$Readers')",
        "server_items (list, default 'CalendarServer,MailServer')",
    ):
        assert f"  {parameter}: " in coexistence
    for parameter in (
        "domain (string, default '')",
        "domain_type (string, default 'ForeignDomain')",
        "item (string, default 'DocumentAccess')",
    ):
        assert f"  {parameter}: " in remove
    assert "servers_group" not in remove


# -- the installed command, in a real subprocess -----------------------------------------


def test_command_file_to_stdout(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)
    done = dxltools([*COEX, str(target)])
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected(NAMES)
    assert done.stdout.count(READERS) == 2
    assert all(b"DocumentAccess" not in document for document in btex_documents(done.stdout))
    assert file_state(target) == before
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("stdin_args", [["-"], []], ids=["dash", "no-path"])
def test_command_stdin_to_stdout(stdin_args: list[str]) -> None:
    done = dxltools([*COEX, *stdin_args], stdin=NAMES.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected(NAMES)


def test_command_check_in_place_check(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(target)
    check = dxltools([*COEX, "--check", str(target)])
    assert check.returncode == 1, check.stderr
    assert check.stdout == b""
    assert file_state(target) == before

    rewrite = dxltools([*COEX, "-i", str(target)])
    assert rewrite.returncode == 0, rewrite.stderr
    assert target.read_bytes() == expected(NAMES)

    after = file_state(target)
    again = dxltools([*COEX, "--check", str(target)])
    assert again.returncode == 0, again.stderr
    assert again.stdout == b""
    assert file_state(target) == after


def test_command_json_report(tmp_path: Path) -> None:
    paths = [copy(NAMES, tmp_path / "a.dxl"), copy(FOREIGN, tmp_path / "b.dxl")]
    check = dxltools([*COEX, "-q", "--check", "--json", *map(str, paths)])
    assert check.returncode == 1, check.stderr
    assert check.stderr == b""
    _check_json_report(json.loads(check.stdout), paths)

    rewrite = dxltools([*COEX, "-q", "-i", "--json", *map(str, paths)])
    assert rewrite.returncode == 0, rewrite.stderr
    assert rewrite.stderr == b""
    _check_json_report(json.loads(rewrite.stdout), paths)
    assert [path.read_bytes() for path in paths] == [expected(NAMES), expected(FOREIGN)]


def test_command_bad_agent_file_no_traceback(tmp_path: Path) -> None:
    agent = tmp_path / "broken.toml"
    agent.write_text('name = "x\n', encoding="utf-8")
    done = dxltools(["run", str(agent), str(FOREIGN)])
    assert done.returncode == 2
    assert done.stdout == b""
    line = error_line(done.stderr.decode("utf-8"))
    assert str(agent) in line and "not valid TOML" in line


def test_command_bad_file_among_good_ones(tmp_path: Path) -> None:
    good = copy(FOREIGN, tmp_path / "a.dxl")
    bad = tmp_path / "b.dxl"
    bad.write_bytes(FOREIGN.read_bytes()[:1500])
    bad_before = bad.read_bytes()
    done = dxltools([*COEX, "-q", "-i", "."], cwd=tmp_path)
    assert done.returncode == 2
    assert good.read_bytes() == expected(FOREIGN)
    assert bad.read_bytes() == bad_before
    line = error_line(done.stderr.decode("utf-8"))
    assert re.match(r"dxltools: b\.dxl:\d+", line), line
    assert leftover_temporaries(tmp_path) == []


def test_an_unexpected_error_is_one_line_asking_for_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dxltools.cli import main as main_module
    from dxltools.cli import run as run_module

    def run_agent(options: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(run_module, "run_agent", run_agent)
    monkeypatch.setattr(sys, "argv", ["dxltools", "run", "remove-document-access", str(NAMES)])
    with pytest.raises(SystemExit) as stopped:
        main_module.main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "dxltools: internal error: RuntimeError: boom "
        "(please report it at https://github.com/dxltools/dxltools/issues)\n"
    )
