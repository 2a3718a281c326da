"""What README.md promises and no other test checked (issue 19, item 9): `-v`,
Ctrl-C, the `--json` entry of a failed file, two actions on one item, a list
in `[select.where]`, `--check --diff` together, `jobs` and the globs of a
settings file, the 32 MiB cut, `-o FILE`, `--no-progress`."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import dxltools.cli.progress
from dxltools.rewrite import parts as parts_module
from tests.clitools import (
    BTEX_UNIDS,
    COEX,
    NAMES,
    diff_body,
    expected,
    file_state,
    invoke,
    leftover_temporaries,
)

U1, U2 = BTEX_UNIDS


# -- `-v` adds every change ------------------------------------------------------------------


def test_verbose_adds_every_change_under_its_file(tmp_path: Path) -> None:
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    quiet = invoke([*COEX, "--check", str(target)])
    verbose = invoke([*COEX, "--check", "-v", str(target)])
    assert quiet.exit_code == verbose.exit_code == 1
    added = [line for line in verbose.stderr.splitlines() if line not in quiet.stderr.splitlines()]
    # By hand, from the two BTEx documents of names.dxl (fixtures/README.md).
    assert added == [
        # -v says which settings file the run used (issue 18): none here.
        f"settings: none found (no dxltools.toml or [tool.dxltools] from {tmp_path} upwards)",
        f"  {U1}: removed DocumentAccess (authors, names): [NetModifier]",
        f"  {U1}: added $Readers (readers): AcmeMailServers; LocalDomainAdmins; "
        "CN=DominoCoex1/O=Acme",
        f"  {U2}: removed DocumentAccess (authors, names): [NetModifier]",
        f"  {U2}: added $Readers (readers): AcmeMailServers; LocalDomainAdmins; "
        "CN=DominoCoex2/O=Acme",
    ]
    assert quiet.stderr.splitlines()[0] == f"{target}: would change 2 of 18 notes"


# -- Ctrl-C ------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="interrupts a forked copy of the command")
def test_ctrl_c_stops_between_two_writes_and_exits_2(tmp_path: Path) -> None:
    """SIGINT, as Ctrl-C sends it, arrives just before the first file would be
    replaced (a hook on os.replace: no timing)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    paths = [folder / f"export {n}.dxl" for n in range(3)]
    for path in paths:
        path.write_bytes(NAMES.read_bytes())
    log = tmp_path / "stderr.txt"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            sys.stderr = log.open("w", encoding="utf-8")
            # As in a terminal: a shell starts its background jobs with SIGINT ignored,
            # and pytest run that way would hand it down.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            real = os.replace

            def interrupted(*args: Any, **kwargs: Any) -> None:
                os.kill(os.getpid(), signal.SIGINT)
                real(*args, **kwargs)

            os.replace = interrupted
            sys.argv = ["dxltools", *COEX, "-i", "-q", str(folder)]
            from dxltools.cli.main import main

            main()
        except SystemExit as done:
            sys.stderr.flush()
            os._exit(done.code if isinstance(done.code, int) else 70)
        finally:
            os._exit(70)
    status = os.waitpid(pid, 0)[1]
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 2, status
    # click ends the terminal's `^C` line first (an empty line), then our one line.
    assert log.read_text() == (
        "\ndxltools: interrupted; every file is either as it was or fully rewritten\n"
    )
    assert [path.read_bytes() for path in paths] == [NAMES.read_bytes()] * 3
    assert leftover_temporaries(folder) == []


# -- the --json entry of a failed file ---------------------------------------------------------


def test_json_names_a_failed_file_with_its_error_and_counts_it(tmp_path: Path) -> None:
    good, broken = tmp_path / "names.dxl", tmp_path / "broken.dxl"
    good.write_bytes(NAMES.read_bytes())
    broken.write_bytes(b"<?xml version='1.0'?>\n<database>\n<document>\n")
    result = invoke([*COEX, "--check", "--json", str(good), str(broken)])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    entries = {Path(entry["path"]).name: entry for entry in report["files"]}
    assert entries["broken.dxl"] == {
        "path": str(broken),
        "changed": False,
        "written": False,
        "error": f"{broken}:3:1: truncated input: <document> opened here is never closed",
    }
    assert entries["names.dxl"]["changed"] is True
    assert entries["names.dxl"]["error"] is None
    assert report["summary"] == {"files": 2, "changed": 1, "errors": 1}


# -- two actions on one item -------------------------------------------------------------------

DOCUMENT = b"""<?xml version='1.0' encoding='utf-8'?>
<document xmlns='http://www.lotus.com/dxl' form='Domain'>
<item name='A'><text>1</text></item>
<item name='X'><text>old</text></item>
<item name='Z'><text>2</text></item>
</document>
"""

REMOVE_X = '[[actions]]\naction = "remove-item"\nitem = "X"\n'
SET_X = '[[actions]]\naction = "set-item"\nitem = "X"\nvalues = ["new"]\n'


@pytest.mark.parametrize(
    ("actions", "result"),
    [
        # remove-item, then set-item: set-item no longer sees X, so adds it last.
        (
            REMOVE_X + SET_X,
            DOCUMENT.replace(b"<item name='X'><text>old</text></item>\n", b"").replace(
                b"<text>2</text></item>\n",
                b"<text>2</text></item>\n<item name='X'><text>new</text></item>\n",
            ),
        ),
        # set-item, then remove-item: the item set-item wrote is not seen by
        # remove-item, so it stays where X stood.
        (SET_X + REMOVE_X, DOCUMENT.replace(b"<text>old</text>", b"<text>new</text>")),
    ],
    ids=["remove-then-set", "set-then-remove"],
)
def test_two_actions_on_one_item_run_in_order(tmp_path: Path, actions: str, result: bytes) -> None:
    agent = tmp_path / "two.toml"
    agent.write_text(f'name = "two"\n{actions}', encoding="utf-8")
    target = tmp_path / "one.dxl"
    target.write_bytes(DOCUMENT)
    done = invoke(["run", str(agent), "-i", str(target)])
    assert done.exit_code == 0, done.stderr
    assert target.read_bytes() == result


# -- [select.where] with a list ----------------------------------------------------------------


def test_select_where_takes_a_list_of_values(tmp_path: Path) -> None:
    agent = tmp_path / "tag.toml"
    agent.write_text(
        'name = "tag"\n[select]\nforms = ["Domain"]\n'
        '[select.where]\nDomainName = ["partner", "INTERNET"]\n'
        '[[actions]]\naction = "set-item"\nitem = "Tagged"\nvalues = ["yes"]\n',
        encoding="utf-8",
    )
    result = invoke(["run", str(agent), "--check", "-v", str(NAMES)])
    assert result.exit_code == 1, result.stderr
    # names.dxl: the Internet document starts on line 162, the Partner one on 308.
    settings, first = result.stderr.splitlines()[:2]
    assert settings.startswith("settings: ")
    assert first == f"{NAMES}: would change 2 of 18 notes"
    changed = [line for line in result.stderr.splitlines() if "added Tagged" in line]
    assert len(changed) == 2
    assert "BTEx" not in result.stderr


# -- --check --diff --------------------------------------------------------------------------


def test_check_and_diff_together_print_the_diff_and_exit_1(tmp_path: Path) -> None:
    target = tmp_path / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    before = file_state(target)
    result = invoke([*COEX, "--check", "--diff", str(target)])
    assert result.exit_code == 1
    removed, added = diff_body(result.stdout)
    # Each BTEx document loses its DocumentAccess item and gains a $Readers item.
    assert sum("<item name='DocumentAccess'" in line for line in removed) == 2
    assert sum(line.startswith("<item name='$Readers' readers='true'>") for line in added) == 2
    assert file_state(target) == before


# -- settings: jobs, and the globs the command line replaces -------------------------------


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    for name in ("a.dxl", "b.xml", "archive/c.dxl"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(NAMES.read_bytes())
    (root / "dxltools.toml").write_text(
        'include = ["*.dxl"]\nexclude = ["archive"]\njobs = 2\n', encoding="utf-8"
    )
    return root


def _checked(result_stderr: str) -> list[str]:
    return sorted(
        line.split(":")[0] for line in result_stderr.splitlines() if "would change" in line
    )


def test_settings_globs_and_the_command_line_over_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _folder(tmp_path)
    monkeypatch.chdir(root)
    assert _checked(invoke([*COEX, "--check", "-j", "1", "."]).stderr) == ["a.dxl"]
    # The command line wins, per key: its --include replaces the file's.
    found = invoke([*COEX, "--check", "-j", "1", "--include", "*.xml", "."]).stderr
    assert _checked(found) == ["b.xml"]
    found = invoke([*COEX, "--check", "-j", "1", "--exclude", "b.xml", "."]).stderr
    assert _checked(found) == ["a.dxl", str(Path("archive") / "c.dxl")]


def test_jobs_comes_from_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _folder(tmp_path)
    (root / "more.dxl").write_bytes(NAMES.read_bytes())
    monkeypatch.chdir(root)
    workers: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def recorded(max_workers: int) -> Any:
        workers.append(max_workers)
        return real(max_workers=max_workers)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", recorded)
    assert invoke([*COEX, "--check", "."]).exit_code == 1
    assert workers == [2]
    assert invoke([*COEX, "--check", "-j", "1", "."]).exit_code == 1
    assert workers == [2]  # the command line's -j 1 wins: no pool


# -- the 32 MiB cut --------------------------------------------------------------------------


def _export_of(size: int) -> bytes:
    """names.dxl grown with Person documents, then padded in a comment before the
    root's end tag to exactly `size` bytes."""
    data = NAMES.read_bytes()
    start = data.index(b"<document form='Person'>")
    person = data[start : data.index(b"</document>\n", start) + len(b"</document>\n")]
    end = data.rindex(b"</database>")
    body = data[:end] + person * ((size - len(data)) // len(person) - 1)
    padding = size - len(body) - len(data[end:]) - len(b"<!---->\n")
    grown = body + b"<!--" + b"x" * padding + b"-->\n" + data[end:]
    assert len(grown) == size
    return grown


@pytest.mark.skipif(not parts_module.can_fork(), reason="parts need fork()")
@pytest.mark.parametrize(("size", "cut"), [((32 << 20) - 1, False), (32 << 20, True)])
def test_one_file_of_32_mib_or_more_is_cut_with_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, cut: bool
) -> None:
    target = tmp_path / "big.dxl"
    target.write_bytes(_export_of(size))
    tried: list[bool] = []
    real = parts_module.rewrite_in_parts

    def recorded(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        tried.append(outcome is not None)
        return outcome

    monkeypatch.setattr(parts_module, "rewrite_in_parts", recorded)
    result = invoke([*COEX, "-j", "2", "-o", str(tmp_path / "out.dxl"), str(target)])
    assert result.exit_code == 0, result.stderr
    assert tried == [cut]


# -- -o FILE -----------------------------------------------------------------------------------


def test_output_file_holds_the_result_and_the_input_stays(tmp_path: Path) -> None:
    out = tmp_path / "fixed.dxl"
    before = file_state(NAMES)
    result = invoke([*COEX, "-o", str(out), str(NAMES)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_bytes() == expected(NAMES)
    assert file_state(NAMES) == before


# -- --no-progress -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "shown"), [((), True), (("--no-progress",), False), (("--progress",), True)]
)
def test_no_progress_turns_the_bar_off_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...], shown: bool
) -> None:
    monkeypatch.setattr(dxltools.cli.progress, "_is_terminal", lambda stream: True)
    enabled: list[bool] = []

    class Recorded(dxltools.cli.progress.Progress):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            enabled.append(self.enabled)

    monkeypatch.setattr("dxltools.cli.run.Progress", Recorded)
    result = invoke([*COEX, "--check", *options, str(NAMES), str(NAMES)])
    assert result.exit_code == 1, result.stderr
    assert enabled == [shown]
