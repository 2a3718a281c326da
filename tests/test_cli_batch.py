"""`dxltools run` over many files: folders, globs, jobs, locks, progress, config,
and what is left on disk when a run is killed.

Every test works on copies in `tmp_path`; the subprocess tests run the
installed `dxltools` command, as a scheduled job would.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dxltools.cli import progress as progress_module
from dxltools.cli import run as run_module
from tests.clitools import (
    COEX,
    FOREIGN,
    NAMES,
    SERVERS,
    SINGLE,
    TEMP_SUFFIX,
    copy,
    dxltools,
    dxltools_command,
    dxltools_in_one_log,
    error_line,
    expected,
    file_state,
    invoke,
    leftover_temporaries,
    options_given,
)
from tests.hostile import watchdog

LOCK_TIMEOUT = 120  # seconds: far beyond a run of names.dxl; only a hang reaches it
PERSON = re.compile(rb"<document form='Person'>.*?</document>\r?\n", re.DOTALL)


def fixture_folder(folder: Path) -> dict[Path, Path]:
    """Every fixture export copied into `folder` (one in a subfolder): copy -> fixture."""
    return {
        copy(NAMES, folder / "names.dxl"): NAMES,
        copy(FOREIGN, folder / "collections" / "foreign-domains.dxl"): FOREIGN,
        copy(SINGLE, folder / "single.xml"): SINGLE,
    }


# -- folders, include and exclude --------------------------------------------------------


def test_check_exits_1_before_the_fix_and_0_after_on_a_folder_of_fixtures(
    tmp_path: Path,
) -> None:
    copies = fixture_folder(tmp_path / "exports")
    before = invoke([*COEX, "--check", str(tmp_path / "exports")])
    assert before.exit_code == 1, before.stderr
    assert before.stderr.count("would change") == len(copies)
    assert all(path.read_bytes() == fixture.read_bytes() for path, fixture in copies.items())

    fix = invoke([*COEX, "-i", str(tmp_path / "exports")])
    assert fix.exit_code == 0, fix.stderr
    assert all(path.read_bytes() == expected(fixture) for path, fixture in copies.items())

    after = invoke([*COEX, "--check", str(tmp_path / "exports")])
    assert after.exit_code == 0, after.stderr
    assert "would change" not in after.stderr


def test_include_and_exclude_choose_what_a_folder_walk_takes(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    fixture_folder(folder)
    copy(NAMES, folder / "archive" / "names-2024.dxl")
    copy(NAMES, folder / "notes.txt")

    def checked(*options: str) -> list[str]:
        result = invoke([*COEX, "--check", "--json", *options, str(folder)])
        assert result.exit_code == 1, result.stderr
        return [Path(str(entry["path"])).relative_to(folder).as_posix() for entry in _files(result)]

    assert checked() == [
        "archive/names-2024.dxl",
        "collections/foreign-domains.dxl",
        "names.dxl",
        "single.xml",
    ]
    assert checked("--exclude", "archive", "--exclude", "*.xml") == [
        "collections/foreign-domains.dxl",
        "names.dxl",
    ]
    assert checked("--include", "*.txt") == ["notes.txt"]


def _files(result: object) -> list[dict[str, object]]:
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    files: list[dict[str, object]] = report["files"]
    return files


# -- jobs --------------------------------------------------------------------------------


def many_copies(folder: Path, count: int) -> list[Path]:
    return [copy(NAMES if n % 2 else FOREIGN, folder / f"export-{n:02d}.dxl") for n in range(count)]


def test_jobs_give_the_same_report_in_input_order(tmp_path: Path) -> None:
    serial = many_copies(tmp_path / "serial", 6)
    parallel = many_copies(tmp_path / "parallel", 6)
    one = invoke([*COEX, "-i", "-v", "--json", str(tmp_path / "serial")])
    two = invoke([*COEX, "-i", "-v", "--json", "-j", "3", str(tmp_path / "parallel")])
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert two.stderr.replace("parallel", "serial") == one.stderr
    assert two.stdout.replace("parallel", "serial") == one.stdout
    assert [path.read_bytes() for path in parallel] == [path.read_bytes() for path in serial]
    assert [path.read_bytes() for path in parallel] == [
        expected(NAMES if n % 2 else FOREIGN) for n in range(6)
    ]


def test_jobs_report_a_bad_file_in_its_place(tmp_path: Path) -> None:
    paths = many_copies(tmp_path, 4)
    paths[1].write_bytes(NAMES.read_bytes()[:5000])
    result = invoke([*COEX, "--check", "-j", "2", str(tmp_path)])
    assert result.exit_code == 2
    # Each file's lines (its summary and warnings) in input order, the error in its place.
    files_in_order = dict.fromkeys(line.split(":")[0] for line in result.stderr.splitlines())
    assert list(files_in_order) == [
        str(paths[0]),
        "dxltools",
        str(paths[2]),
        str(paths[3]),
    ]


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_jobs_must_be_positive(jobs: str) -> None:
    result = invoke([*COEX, "--check", "-j", jobs, str(NAMES)])
    assert result.exit_code == 2
    assert "-j/--jobs" in error_line(result.stderr)


# -- progress ----------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_bar_only_when_asked_or_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    many_copies(tmp_path, 3)
    quick = functools.partial(progress_module.Progress, delay=0.0, interval=0.0)
    monkeypatch.setattr("dxltools.cli.run.Progress", quick)
    plain = invoke([*COEX, "--check", "-j", jobs, str(tmp_path)])
    assert "\r" not in plain.stderr  # CliRunner's stderr is not a terminal
    shown = invoke([*COEX, "--check", "--progress", "-j", jobs, str(tmp_path)])
    assert shown.exit_code == 1
    assert "\r" in shown.stderr
    # The bar counts the files and bytes done, whichever process did them.
    for done in range(1, 4):
        assert f"{done}/3 files" in shown.stderr
    assert "100%" in shown.stderr
    # The report lines are the same, each starting on a clean line.
    cleaned = [line.rsplit("\r", 1)[-1] for line in shown.stderr.split("\n")]
    assert [line for line in cleaned if line.strip()] == plain.stderr.splitlines()
    quiet = invoke([*COEX, "--check", "--progress", "-q", str(tmp_path)])
    assert quiet.stderr == ""


def test_the_bar_is_erased_before_a_run_says_it_waits_for_a_lock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lock_holder: Callable[[Path], Callable[[], None]],
) -> None:
    first = copy(NAMES, tmp_path / "a" / "names.dxl")
    second = copy(NAMES, tmp_path / "b" / "names.dxl")
    release = lock_holder(second)
    quick = functools.partial(progress_module.Progress, delay=0.0, interval=0.0)
    monkeypatch.setattr("dxltools.cli.run.Progress", quick)
    say = run_module._RunReport.say

    def say_then_release(report: run_module._RunReport, text: str) -> None:
        say(report, text)
        if "waiting for another dxltools run" in text:
            release()  # the event the run waits for, once it has said so

    monkeypatch.setattr(run_module._RunReport, "say", say_then_release)
    with watchdog(LOCK_TIMEOUT):  # a run that never says it waits is never released
        result = invoke([*COEX, "-i", "--progress", str(first), str(second)])
    assert result.exit_code == 0, result.stderr
    assert "1/2 files" in result.stderr  # the bar was drawn before the wait
    cleaned = [line.rsplit("\r", 1)[-1].rstrip() for line in result.stderr.split("\n")]
    assert f"{second}: waiting for another dxltools run to finish with it" in cleaned


# -- configuration -----------------------------------------------------------------------


def test_settings_come_from_dxltools_toml_and_the_command_line_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    copy(NAMES, project / "exports" / "names.dxl")
    copy(NAMES, project / "exports" / "old" / "names.dxl")
    (project / "dxltools.toml").write_text(
        'exclude = ["old"]\njobs = 2\n\n'
        '[agents.coexistence-readers]\nservers_group = "AcmeMailServers"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(project / "exports")
    result = invoke(["run", "coexistence-readers", "--diff", "."])
    assert result.exit_code == 0, result.stderr
    assert "old/names.dxl" not in result.stdout
    assert result.stdout.count("<text>AcmeMailServers</text>") == 2

    override = invoke(
        ["run", "coexistence-readers", "--set", "servers_group=OtherServers", "--diff", "."]
    )
    assert override.stdout.count("<text>OtherServers</text>") == 2
    assert "AcmeMailServers" not in override.stdout


def test_a_broken_config_file_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dxltools]\njobz = 2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    copy(NAMES, tmp_path / "names.dxl")  # settings are looked up from the inputs
    result = invoke([*COEX, "--check", "names.dxl"])
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert "pyproject.toml" in line and "jobz" in line


# -- locks -------------------------------------------------------------------------------

HOLD_LOCK = """
import sys
from pathlib import Path
from dxltools.fs.lock import locked
with locked(Path(sys.argv[1])):
    print("ready", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@pytest.fixture
def lock_holder() -> Iterator[Callable[[Path], Callable[[], None]]]:
    """Starts a process holding the lock of a file; returns what releases it.
    Events through pipes (it says "ready"; closing its stdin releases), no polling."""
    holders: list[subprocess.Popen[bytes]] = []

    def release(holder: subprocess.Popen[bytes]) -> None:
        assert holder.stdin is not None
        if not holder.stdin.closed:
            holder.stdin.close()

    def hold(target: Path) -> Callable[[], None]:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(target)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        holders.append(holder)
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"ready\n", "the lock holder did not start"
        return functools.partial(release, holder)

    yield hold
    for holder in holders:
        release(holder)
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()


def test_no_wait_fails_clearly_while_another_run_holds_the_file(
    tmp_path: Path, lock_holder: Callable[[Path], Callable[[], None]]
) -> None:
    target = copy(NAMES, tmp_path / "exports" / "names.dxl")
    before = file_state(target)
    lock_holder(target)
    result = dxltools([*COEX, "-i", "--no-wait", str(target)])
    assert result.returncode == 2
    line = error_line(result.stderr.decode("utf-8"))
    assert str(target) in line and "lock" in line
    assert file_state(target) == before


def test_a_second_run_waits_for_the_first(
    tmp_path: Path, lock_holder: Callable[[Path], Callable[[], None]]
) -> None:
    target = copy(NAMES, tmp_path / "exports" / "names.dxl")
    before = file_state(target)
    release = lock_holder(target)
    waiting = subprocess.Popen(
        [dxltools_command(), *COEX, "-i", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert waiting.stderr is not None
    # The event, not a guess at how long it takes: the run says it is waiting.
    with watchdog(LOCK_TIMEOUT):  # a run that never says so would block this read
        said = waiting.stderr.readline().decode("utf-8")
    assert said == f"{target}: waiting for another dxltools run to finish with it\n"
    assert waiting.poll() is None, "the second run did not wait for the lock"
    assert file_state(target) == before
    release()
    _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, stderr
    assert target.read_bytes() == expected(NAMES)


# -- signals: nothing half-written -------------------------------------------------------


def big_export(copies: int) -> bytes:
    """names.dxl with `copies` more Person documents: a few MB that take a while."""
    data = NAMES.read_bytes()
    person = PERSON.search(data)
    assert person is not None
    end = data.rindex(b"</database>")
    return data[:end] + person.group(0) * copies + data[end:]


@functools.cache
def big_expected(copies: int) -> bytes:
    result = invoke([*COEX], stdin=big_export(copies))
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def write_batch(folder: Path, files: int, copies: int) -> list[Path]:
    original = big_export(copies)
    paths = []
    for n in range(files):
        path = folder / f"export {n:02d}.dxl"  # a space, as Windows admins name files
        path.write_bytes(original)
        paths.append(path)
    return paths


def start_batch(
    folder: Path, files: int, copies: int, jobs: str = "1"
) -> tuple[subprocess.Popen[bytes], list[Path]]:
    paths = write_batch(folder, files, copies)
    process = subprocess.Popen(
        [dxltools_command(), *COEX, "-i", "-q", "-j", jobs, str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, paths


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "the run ended before the moment to stop it"
        assert time.monotonic() < deadline
        time.sleep(0.001)


def states(paths: list[Path], copies: int) -> list[str]:
    """'old' or 'new' for every file; anything else fails the test."""
    old, new = big_export(copies), big_expected(copies)
    found = []
    for path in paths:
        data = path.read_bytes()
        assert data in (old, new), f"{path} is neither the old nor the new export"
        found.append("old" if data == old else "new")
    return found


COPIES = 6000  # about 5 MB per file


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", ["while-writing", "between-files"])
def test_sigkill_leaves_every_file_old_or_new(tmp_path: Path, moment: str) -> None:
    process, paths = start_batch(tmp_path, files=8, copies=COPIES)
    old = big_export(COPIES)

    def writing() -> bool:
        return bool(leftover_temporaries(tmp_path))

    def some_done() -> bool:
        return any(path.read_bytes() != old for path in paths[:2])

    wait_for(writing if moment == "while-writing" else some_done, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    found = states(paths, COPIES)
    assert "old" in found, "the run finished before it was killed"

    again = dxltools([*COEX, "-i", "-q", str(tmp_path)])
    assert again.returncode == 0, again.stderr
    assert states(paths, COPIES) == ["new"] * len(paths)
    assert leftover_temporaries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM from outside is POSIX")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_cleanly_and_removes_its_temporary_file(tmp_path: Path, jobs: str) -> None:
    # With -j 2, the files not yet started are given up, not rewritten before the exit.
    process, paths = start_batch(tmp_path, files=8, copies=COPIES, jobs=jobs)
    wait_for(lambda: bool(leftover_temporaries(tmp_path)), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "interrupted" in error_line(stderr.decode("utf-8"))
    assert "old" in states(paths, COPIES)
    assert leftover_temporaries(tmp_path) == []


def test_a_parallel_run_left_early_gives_up_the_files_not_yet_started(tmp_path: Path) -> None:
    # An interrupt that lands while the run reports a file (not while it waits for the
    # next) leaves the outcomes unread: the files still queued must not be rewritten
    # before the run exits.
    from dxltools.agents import load_agent
    from dxltools.cli.run_options import RunOptions, Work, WriteMode
    from dxltools.fs.files import InputFile

    paths = write_batch(tmp_path, 8, COPIES)
    settings = dict([SERVERS.split("=", 1)])
    options = RunOptions(
        "coexistence-readers", settings=settings, write=WriteMode(in_place=True), work=Work(jobs=2)
    )
    files = [InputFile(path, Path(path.name)) for path in paths]
    report = run_module._RunReport(options.report, options.write, io.BytesIO(), io.StringIO())
    progress = progress_module.Progress(io.StringIO(), 0, len(files), enabled=False)
    agent = load_agent(options.agent, settings)
    outcomes = run_module._outcomes(options, agent, files, [0] * 8, progress, report)
    assert next(outcomes).written
    outcomes.close()  # what an exception in the caller's loop does to it
    assert "old" in states(paths, COPIES)


# -- the installed command ---------------------------------------------------------------


def test_command_in_place_on_a_folder_with_two_jobs(tmp_path: Path) -> None:
    copies = fixture_folder(tmp_path / "my exports")
    check = dxltools([*COEX, "--check", "-j", "2", str(tmp_path / "my exports")])
    assert check.returncode == 1, check.stderr
    done = dxltools([*COEX, "-i", "-j", "2", str(tmp_path / "my exports")])
    assert done.returncode == 0, done.stderr
    assert all(path.read_bytes() == expected(fixture) for path, fixture in copies.items())
    again = dxltools([*COEX, "--check", "--diff", str(tmp_path / "my exports")])
    assert again.returncode == 0, again.stderr
    assert again.stdout == b""
    assert not [p for p in (tmp_path / "my exports").rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_a_run_without_flags_is_what_the_options_default_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A library user's RunOptions(agent, paths) behaves as the bare command does:
    # DXL on stdout, one process, waiting for locks, the agent's audit on, not strict.
    from dxltools.cli.run_options import ReportStyle, Work, WriteMode

    path = copy(NAMES, tmp_path / "names.dxl")
    asked = options_given(
        monkeypatch, run_module, "run_agent", ["run", "remove-document-access", str(path)]
    )
    assert [(o.write, o.work, o.report) for o in asked] == [(WriteMode(), Work(), ReportStyle())]
    assert WriteMode().writes_stdout and not WriteMode().writes_file


def test_a_run_on_standard_input_writes_no_file(tmp_path: Path) -> None:
    # The rewritten DXL goes to stdout, the JSON report to stderr: no file is written.
    result = invoke(["run", "remove-document-access", "-", "--json"], stdin=NAMES.read_bytes())
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stderr)
    assert [(f["path"], f["changed"], f["written"]) for f in report["files"]] == [
        ("<stdin>", True, False)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["IN", "-j", "0"], "-j/--jobs: 0: give a number of processes, 1 or more"),
        (["-", "-i"], "-i/--in-place: needs files, not standard input"),
        (
            ["IN", "IN2", "-o", "FILE"],
            "-o/--output: FILE: several inputs need a folder, not a file",
        ),
    ],
)
def test_options_that_cannot_work_are_refused_by_name(
    args: list[str], message: str, tmp_path: Path
) -> None:
    names = {
        "IN": str(copy(NAMES, tmp_path / "names.dxl")),
        "IN2": str(copy(FOREIGN, tmp_path / "foreign.dxl")),
        "FILE": str(tmp_path / "out.txt"),
    }
    (tmp_path / "out.txt").write_bytes(b"")
    result = invoke(
        ["run", "remove-document-access", *(names.get(arg, arg) for arg in args)],
        stdin=NAMES.read_bytes(),
    )
    assert result.exit_code == 2
    assert error_line(result.stderr) == f"dxltools: {message.replace('FILE', names['FILE'])}"
    assert (tmp_path / "out.txt").read_bytes() == b""


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["-i", "-o", "OUT"], "-o/--output: cannot go with -i/--in-place: write in place or to -o"),
        (["--check", "-i"], "--check: writes nothing, -i/--in-place writes: give one of them"),
        (["--check", "-o", "OUT"], "--check: writes nothing, -o/--output writes: give one of them"),
    ],
)
def test_writing_and_not_writing_at_once_is_refused_by_name(
    flags: list[str], message: str, tmp_path: Path
) -> None:
    path = copy(NAMES, tmp_path / "names.dxl")
    out = tmp_path / "out.dxl"
    result = invoke(
        ["run", "remove-document-access", str(path)]
        + [str(out) if flag == "OUT" else flag for flag in flags]
    )
    assert result.exit_code == 2
    assert error_line(result.stderr) == f"dxltools: {message}"
    assert path.read_bytes() == NAMES.read_bytes() and not out.exists()


def test_in_one_log_each_files_diff_comes_before_its_line_and_a_later_error(
    tmp_path: Path,
) -> None:
    # A job's `2>&1`: the diff (stdout) and the line about each file (stderr) in the
    # order they were written, as a terminal shows them; then a later file's error.
    first = copy(NAMES, tmp_path / "a.dxl")
    second = copy(NAMES, tmp_path / "b.dxl")
    broken = tmp_path / "c.dxl"
    broken.write_bytes(NAMES.read_bytes()[:5000])
    result = dxltools_in_one_log(
        ["run", "remove-document-access", "--diff", str(first), str(second), str(broken)]
    )
    assert result.returncode == 2
    heads = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("--- ", "dxltools: ")) or " would change " in line
    ]
    assert heads[:4] == [
        f"--- {first.as_posix()}",  # an absolute path: no a/ prefix
        f"{first}: would change 2 of 18 notes",
        f"--- {second.as_posix()}",
        f"{second}: would change 2 of 18 notes",
    ]
    assert len(heads) == 5 and heads[4].startswith(f"dxltools: {broken}:"), heads
    # Quiet: only the diffs, then the error.
    quiet = dxltools_in_one_log(
        ["run", "remove-document-access", "-q", "--diff", str(first), str(second), str(broken)]
    )
    lines = quiet.stdout.splitlines()
    assert quiet.returncode == 2
    assert [line for line in lines if line.startswith("--- ")] == heads[0:3:2]
    assert lines[-1].startswith(f"dxltools: {broken}:") and len(lines) > 3


def test_a_library_caller_gets_the_refusals_the_command_line_gets(tmp_path: Path) -> None:
    # run_agent checks the options itself: a RunOptions made in Python, not by click,
    # is refused before any input is read, with the command line's error line.
    from dxltools.cli.run_options import RunOptions, WriteMode

    path = copy(NAMES, tmp_path / "names.dxl")
    before = file_state(path)
    options = RunOptions(
        "remove-document-access", paths=(str(path),), write=WriteMode(in_place=True, check=True)
    )
    stderr = io.StringIO()
    status = run_module.run_agent(options, io.BytesIO(), io.BytesIO(), stderr)
    assert status == 2
    assert stderr.getvalue() == (
        "dxltools: --check: writes nothing, -i/--in-place writes: give one of them\n"
    )
    assert file_state(path) == before


def test_verbose_says_when_a_file_has_nothing_to_change(tmp_path: Path) -> None:
    done = tmp_path / "done.dxl"
    done.write_bytes(expected(NAMES))  # already what the agent makes of it
    result = invoke([*COEX, "--check", "-v", str(done)])
    assert result.exit_code == 0, result.stderr
    said = f"{done}: nothing to change (18 notes)"
    assert said in result.stderr.splitlines()
    assert said not in invoke([*COEX, "--check", str(done)]).stderr


def test_in_one_log_the_json_report_comes_after_the_diffs(tmp_path: Path) -> None:
    # --diff --json: the diffs on stdout, the report on stderr, after them.
    first = copy(NAMES, tmp_path / "a.dxl")
    result = dxltools_in_one_log([*COEX, "--diff", "--json", str(first)])
    assert result.returncode == 0
    diff, report = result.stdout.split("\n{\n", 1)
    assert diff.startswith(f"--- {first.as_posix()}\n")
    assert json.loads("{\n" + report)["files"][0]["path"] == str(first)
