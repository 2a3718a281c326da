"""The README's examples, run as written and compared with what they show.

As black tests its documentation, every fenced block of README.md is taken
by its language, so an example added to the README is tested without
touching this file:

``console``
    Lines starting with ``$ `` are commands; the lines after one, up to the
    next ``$ `` line, are what it prints (standard output and standard error
    together, in the order written, as a terminal shows them). A line
    holding only ``...`` stands for any number of lines. The commands of a
    block run in order in one ``bash``, so ``cd`` and ``$?`` carry over; a
    command may exit with a status other than 0 only when the next command
    is ``echo $?``, which shows the status.
``sh``
    Every line is a command, run in order in one ``bash``; what it prints is
    not compared. It must exit 0, unless its comment says ``exit N``.
    Lines that cannot run in a test (``make``, ``pip``, the benchmarks) are
    listed in :data:`NOT_RUN` with the reason.
``toml``, ``python``, ``cron``, ``bat``
    Run by the tests named after them below: the settings file is the one
    the scheduled examples use, the agent file is run, the library example
    is executed, and the cron and Task Scheduler lines are run through their
    equivalent on this machine, from another working folder.

Each block runs in a fresh sandbox: a temporary folder holding a copy of
``fixtures/*.dxl`` (``names.dxl``, ``foreign-domains.dxl``,
``foreign-domain-single.dxl``), which is where the README says its
examples run. Commands written for Windows are run with their equivalent
here (:data:`EQUIVALENTS`), and the test says so. Commands shown inline in
the prose (in backquotes) are not run: a runnable example belongs in a block.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from dxltools.agents import load_agent
from dxltools.cli.main import cli
from tests.clitools import NAMES, dxltools_command
from tests.shared import FIXTURES, ROOT, SCHEMAS

README = ROOT / "README.md"
PROMPT = "$ "
ANY_LINES = "..."
# Lines of sh blocks that a test cannot run, by how they start, and why.
NOT_RUN = {
    "make ": "make demo and make test are what runs these tests",
    ".venv/bin/pip ": "installs packages over the network",
    ".venv/bin/python -m benchmarks": "the benchmarks take 20 minutes and 12 GB",
}
# Windows paths in commands, and what stands for them here.
WINDOWS_DTD_DIR = '"C:\\Program Files\\HCL\\Notes\\xmlschemas"'
EQUIVALENTS = {WINDOWS_DTD_DIR: f'"{SCHEMAS}"'}
STATUS_MARK = re.compile(r"\x1e(\d+)\x1f\n")
EXPECTED_EXIT = re.compile(r"#.*\bexit (\d+)\b")


@attrs.frozen
class Block:
    language: str
    text: str
    line: int  # of the opening fence, 1-based

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.language or 'plain'}"


@attrs.frozen
class Step:
    command: str
    expected: tuple[str, ...] = ()  # console: the lines shown after the command
    status: int = 0  # sh: the exit status the comment announces


def readme_blocks(text: str | None = None) -> list[Block]:
    """Every fenced block of the README, with its language and line."""
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = re.fullmatch(r"(\s*)```(\w*)\s*", lines[index])
        if opening is None:
            index += 1
            continue
        indent = len(opening.group(1))
        start = index
        index += 1
        body = []
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index][indent:])
            index += 1
        blocks.append(Block(opening.group(2), "\n".join(body), start + 1))
        index += 1
    return blocks


def blocks_of(language: str) -> list[Block]:
    return [block for block in readme_blocks() if block.language == language]


def console_steps(block: Block) -> list[Step]:
    steps: list[Step] = []
    for line in block.text.splitlines():
        if line.startswith(PROMPT):
            steps.append(Step(line[len(PROMPT) :]))
        elif steps:
            last = steps[-1]
            steps[-1] = attrs.evolve(last, expected=(*last.expected, line))
        elif line.strip():
            raise AssertionError(f"{block.id}: output before the first '$ ' command: {line!r}")
    return steps


def sh_steps(block: Block) -> list[Step]:
    steps = []
    for line in block.text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if any(line.startswith(prefix) for prefix in NOT_RUN):
            continue
        status = EXPECTED_EXIT.search(line)
        steps.append(Step(line, status=int(status.group(1)) if status else 0))
    return steps


def equivalent(command: str) -> str:
    """The command as it runs here: Windows paths replaced (see EQUIVALENTS)."""
    for windows, here in EQUIVALENTS.items():
        command = command.replace(windows, here)
    return command


def lines_match(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether `actual` is `expected`, where a line `...` stands for any lines
    (trailing white space aside: editors strip it from the README)."""
    if not expected:
        return not actual
    if expected[0].strip() == ANY_LINES:
        return any(lines_match(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    same = bool(actual) and expected[0].rstrip() == actual[0].rstrip()
    return same and lines_match(expected[1:], actual[1:])


# -- running a block -------------------------------------------------------------------------


def sandbox(folder: Path) -> Path:
    """A copy of the fixtures, where every README example runs."""
    folder.mkdir(parents=True, exist_ok=True)
    for fixture in sorted(FIXTURES.glob("*.dxl")):
        shutil.copyfile(fixture, folder / fixture.name)
    return folder


def environment(tmp_path: Path) -> dict[str, str]:
    """dxltools first on PATH, unbuffered (so stdout and stderr keep their
    order), no terminal; `less` is `cat` when this machine has no pager."""
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    if shutil.which("less") is None:
        (tools / "less").write_text('#!/bin/sh\nexec cat "$@"\n', encoding="utf-8")
        (tools / "less").chmod(0o755)
    path = os.pathsep.join([str(Path(dxltools_command()).parent), str(tools), os.environ["PATH"]])
    return {
        "PATH": path,
        "HOME": str(tmp_path),
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "100",
        "TERM": "dumb",
    }


def run_steps(steps: Sequence[Step], cwd: Path, env: dict[str, str]) -> list[tuple[int, str]]:
    """Run the commands in one bash, in order; each one's status and output."""
    script = "".join(
        f"{step.command}\n__status=$?; printf '\\036%d\\037\\n' $__status; (exit $__status)\n"
        for step in steps
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=600,
        check=False,
    )
    output = done.stdout.decode("utf-8", "replace")
    pieces = STATUS_MARK.split(output)
    results = [(int(pieces[i + 1]), pieces[i]) for i in range(0, len(pieces) - 1, 2)]
    assert len(results) == len(steps), f"the script stopped early: {output[-2000:]}"
    return results


def _needs_schemas(block: Block) -> None:
    if WINDOWS_DTD_DIR in block.text and not SCHEMAS.is_dir():
        pytest.skip(f"{block.id}: ../shared/dxl-schemas stands for the Notes DTD folder; absent")


@pytest.mark.parametrize("block", blocks_of("console"), ids=lambda block: block.id)
def test_console_block_prints_what_the_readme_shows(block: Block, tmp_path: Path) -> None:
    _needs_schemas(block)
    steps = console_steps(block)
    assert steps, f"{block.id}: a console block without a '$ ' command"
    results = run_steps(
        [attrs.evolve(step, command=equivalent(step.command)) for step in steps],
        sandbox(tmp_path / "try"),
        environment(tmp_path),
    )
    for index, (step, (status, output)) in enumerate(zip(steps, results, strict=True)):
        shown = index + 1 < len(steps) and steps[index + 1].command == "echo $?"
        assert status == 0 or shown, f"{block.id}: `{step.command}` exited {status}:\n{output}"
        actual = output.splitlines()
        assert lines_match(step.expected, actual), (
            f"{block.id}: `{step.command}` printed:\n{output}\nthe README shows:\n"
            + "\n".join(step.expected)
        )


@pytest.mark.parametrize("block", blocks_of("sh"), ids=lambda block: block.id)
def test_sh_block_runs_with_the_status_it_announces(block: Block, tmp_path: Path) -> None:
    steps = sh_steps(block)
    if not steps:
        pytest.skip(f"{block.id}: only commands listed in NOT_RUN")
    _needs_schemas(block)
    results = run_steps(
        [attrs.evolve(step, command=equivalent(step.command)) for step in steps],
        sandbox(tmp_path / "try"),
        environment(tmp_path),
    )
    for step, (status, output) in zip(steps, results, strict=True):
        assert status == step.status, f"{block.id}: `{step.command}` exited {status}:\n{output}"
        assert "Traceback" not in output


def test_every_block_has_a_language_this_test_knows() -> None:
    """An output shown in a block nobody runs would drift: JSON output, for
    example, belongs in a console block under the command that prints it."""
    known = {"console", "sh", "toml", "python", "cron", "bat"}
    plain_ok = {"bytes ──► split", "dxltools run AGENT"}  # the data path, the synopsis
    for block in readme_blocks():
        if block.language:
            assert block.language in known, f"{block.id}: no test runs ```{block.language}"
        else:
            assert any(block.text.lstrip().startswith(s) for s in plain_ok), block.id


# -- the harness itself ----------------------------------------------------------------------


def test_the_harness_reads_blocks_steps_and_wildcards() -> None:
    text = (
        "a\n```console\n$ echo hi\nhi\n$ false\n$ echo $?\n1\n```\n  ```sh\n  x # exit 1\n  ```\n"
    )
    console, sh = readme_blocks(text)
    assert (console.language, console.line, sh.language, sh.line) == ("console", 2, "sh", 9)
    assert console_steps(console) == [
        Step("echo hi", ("hi",)),
        Step("false"),
        Step("echo $?", ("1",)),
    ]
    assert sh_steps(sh) == [Step("x # exit 1", status=1)]
    assert lines_match(["a", "...", "d"], ["a", "b", "c", "d"])
    assert lines_match(["a", "...", "d"], ["a", "d"])
    assert not lines_match(["a", "...", "d"], ["a", "b"])
    assert not lines_match(["a"], ["a", "b"])


def test_the_harness_sees_a_wrong_output_and_a_wrong_status(tmp_path: Path) -> None:
    results = run_steps(
        [Step("printf 'no newline'"), Step("false"), Step("echo $?"), Step("echo err >&2")],
        tmp_path,
        environment(tmp_path),
    )
    assert results == [(0, "no newline"), (1, ""), (0, "1\n"), (0, "err\n")]


# -- the synopsis, the settings file, the agent file, the library ----------------------------


def _synopsis() -> dict[str, str]:
    block = next(b for b in readme_blocks() if b.text.startswith("dxltools run AGENT"))
    chunks = re.split(r"^(?=dxltools )", block.text, flags=re.M)
    return {chunk.split()[1]: chunk for chunk in chunks if chunk.strip()}


def test_the_synopsis_lists_every_option_of_every_command() -> None:
    synopsis = _synopsis()
    assert set(synopsis) == set(cli.commands)
    for name, command in cli.commands.items():
        for param in command.params:
            names = [*param.opts, *param.secondary_opts]
            if param.param_type_name != "option" or "--help" in names:
                continue
            assert any(
                re.search(rf"(?<![\w-]){re.escape(opt)}\b", synopsis[name]) for opt in names
            ), f"dxltools {name} {'/'.join(names)} is not in the README's synopsis"


def settings_file() -> str:
    """The README's settings file (the toml block that says it is dxltools.toml)."""
    return next(
        block.text for block in blocks_of("toml") if block.text.startswith("# dxltools.toml")
    )


def test_the_agent_file_example_loads_and_runs(tmp_path: Path) -> None:
    text = next(block.text for block in blocks_of("toml") if block.text.startswith("name = "))
    agent_file = tmp_path / "mine.toml"
    agent_file.write_text(text, encoding="utf-8")
    agent = load_agent(str(agent_file), {"owner": "CN=Admin/O=Acme"})
    assert agent.name == "tag-partner-domain"
    done = subprocess.run(
        [
            dxltools_command(),
            "run",
            str(agent_file),
            str(NAMES),
            "--set",
            "owner=CN=Jana Novak/O=Acme",
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.count(b"<text>CN=Jana Novak/O=Acme</text>")
        == NAMES.read_bytes().count(b"<text>CN=Jana Novak/O=Acme</text>") + 1
    )


@pytest.mark.parametrize("block", blocks_of("python"), ids=lambda block: block.id)
def test_the_library_examples_run(tmp_path: Path, block: Block) -> None:
    done = subprocess.run(
        [sys.executable, "-c", block.text],
        cwd=sandbox(tmp_path / "try"),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    if 'backup=".bak"' in block.text:  # the rewrite example keeps the original beside it
        assert (tmp_path / "try" / "names.dxl.bak").read_bytes() == NAMES.read_bytes()


def test_the_readme_shows_the_library() -> None:
    assert any('backup=".bak"' in block.text for block in blocks_of("python"))


# -- the scheduled jobs, run from another working folder -------------------------------------


def _exports_with_settings(folder: Path) -> Path:
    sandbox(folder)
    (folder / "dxltools.toml").write_text(settings_file(), encoding="utf-8")
    return folder


def _changed_files(folder: Path) -> list[str]:
    return sorted(
        path.name
        for path in folder.glob("*.dxl")
        if path.read_bytes() != (FIXTURES / path.name).read_bytes()
    )


def _cron_line() -> str:
    (block,) = blocks_of("cron")
    (line,) = [line for line in block.text.splitlines() if line.strip()]
    return line


def test_the_cron_line_works_from_any_working_folder(tmp_path: Path) -> None:
    """cron runs its line with /bin/sh from the user's home folder; here: bash
    from an unrelated folder, with the line's paths mapped to temporary ones."""
    fields = _cron_line().split(None, 5)
    assert fields[:5] == ["30", "2", "*", "*", "*"]
    command = fields[5].replace("\\%", "%")  # cron's escape for %
    exports = _exports_with_settings(tmp_path / "srv" / "domino-exports")
    logs = tmp_path / "log"
    logs.mkdir()
    command = (
        command.replace("/opt/dxltools/bin/dxltools", dxltools_command())
        .replace("/srv/domino-exports", str(exports))
        .replace("/var/log/dxltools", str(logs))
    )
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    done = subprocess.run(
        ["bash", "-c", command], cwd=elsewhere, capture_output=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    (log,) = logs.glob("*.json")
    report = json.loads(log.read_text(encoding="utf-8"))
    assert report["summary"] == {"files": 3, "changed": 3, "errors": 0}
    assert _changed_files(exports) == sorted(p.name for p in FIXTURES.glob("*.dxl"))
    again = subprocess.run(
        ["bash", "-c", command], cwd=elsewhere, capture_output=True, check=False, timeout=300
    )
    assert again.returncode == 0, again.stderr


def _schtasks_command() -> list[str]:
    """The program and arguments of the README's `schtasks /Create ... /TR "..."`."""
    (block,) = blocks_of("bat")
    task = re.search(r'/TR "((?:\\"|[^"])*)"', block.text)
    assert task is not None, block.text
    command = task.group(1).replace('\\"', '"')
    return [quoted or bare for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', command)]


def test_the_task_scheduler_line_works_from_any_working_folder(tmp_path: Path) -> None:
    """Task Scheduler starts the task in C:\\Windows\\System32; here: the same
    arguments from an unrelated folder, "D:\\Domino Exports" a temporary folder."""
    program, *arguments = _schtasks_command()
    assert program == "C:\\dxltools\\Scripts\\dxltools.exe"
    exports = _exports_with_settings(tmp_path / "Domino Exports")
    arguments = [str(exports) if a == "D:\\Domino Exports" else a for a in arguments]
    assert str(exports) in arguments
    elsewhere = tmp_path / "System32"
    elsewhere.mkdir()
    done = subprocess.run(
        [dxltools_command(), *arguments],
        cwd=elsewhere,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert _changed_files(exports) == sorted(p.name for p in FIXTURES.glob("*.dxl"))
