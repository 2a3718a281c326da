"""Case files: every bundled agent run on `tests/cases/<agent>/<name>.in.dxl` gives
exactly the bytes of `<name>.out.dxl`, and running it again on those gives them back.

A case is up to three files (see `tests/cases/README.md`): the input, the expected
output, and a side file `<name>.toml` with a `description`, the agent parameters
under `[set]` (what `--set NAME=VALUE` gives), the `warnings` the run must report
(exactly, in order: per note in file order, then the file's own), and, when the
input is a copy of a fixture, `fixture` (the copy is checked to still be one).

Each case runs through the library path `dxltools run` takes: `load_agent` with
the parameters, `Agent.start`, `rewrite_bytes` with the run's edit and
selection, and the run's file warnings. The agent's own `[audit]` of its result
(a check that may only refuse, in the command layer) is not run here.

How the expected outputs were made: none was produced by running dxltools.
Each `.out.dxl` was written by hand as a list of explicit text edits of its
`.in.dxl` (each edit naming the exact old and new text, and required to occur
exactly once), following the documented rules: a removed item takes its bytes
and the line break before it and nothing else; a new item goes on its own line
after the last item, in the export's line ends, single-quoted, flags in
Domino's order, `<textlist>` for several values; names canonical, groups as
given. Every `.out.dxl` was then reviewed line by line with `diff IN OUT`
against its input before the first run of this test, and the warnings were
written from the agent's documented messages. All cases passed on that first
run; no expected file was changed to fit the tool.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from dxltools.agents import bundled_agents, load_agent
from dxltools.rewrite.stream import rewrite_bytes
from tests.shared import FIXTURES, dtd_errors, dtd_path_for, requires_schemas

CASES = Path(__file__).resolve().parent / "cases"
_SIDE_KEYS = {"description", "fixture", "set", "warnings"}


@attrs.frozen
class Case:
    agent: str
    name: str
    settings: Mapping[str, str]
    warnings: tuple[str, ...]
    fixture: str | None

    @property
    def input(self) -> Path:
        return CASES / self.agent / f"{self.name}.in.dxl"

    @property
    def output(self) -> Path:
        return CASES / self.agent / f"{self.name}.out.dxl"


def _side(path: Path) -> dict[str, Any]:
    side = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(side) - _SIDE_KEYS
    assert not unknown, f"{path}: unknown keys {sorted(unknown)} (allowed: {sorted(_SIDE_KEYS)})"
    assert isinstance(side.get("description"), str), f"{path}: a description is required"
    settings = side.get("set", {})
    assert all(isinstance(value, str) for value in settings.values()), f"{path}: [set] values"
    return side


def load_case(agent: str, name: str) -> Case:
    path = CASES / agent / f"{name}.toml"
    side = _side(path) if path.exists() else {}
    return Case(
        agent=agent,
        name=name,
        settings=dict(side.get("set", {})),
        warnings=tuple(side.get("warnings", ())),
        fixture=side.get("fixture"),
    )


def case_names() -> list[tuple[str, str]]:
    return [
        (folder.name, path.name.removesuffix(".in.dxl"))
        for folder in sorted(CASES.iterdir())
        if folder.is_dir()
        for path in sorted(folder.glob("*.in.dxl"))
    ]


CASE_PARAMS = [pytest.param(agent, name, id=f"{agent}/{name}") for agent, name in case_names()]


def run_case(case: Case, data: bytes) -> tuple[bytes, tuple[str, ...], bool]:
    """The bytes, the warnings and whether anything changed, as `dxltools run` gets them."""
    run = load_agent(case.agent, case.settings).start()
    result = rewrite_bytes(data, run.edit, select=run.wants, source=str(case.input))
    report = result.report
    warnings = (
        *(warning for note in report.notes for warning in note.warnings),
        *report.warnings,
        *run.warnings(),
    )
    return result.data, warnings, report.changed


def _diff(expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        "expected",
        "actual",
    )
    return "".join(repr(line)[1:-1] + "\n" for line in lines)


@pytest.mark.parametrize(("agent", "name"), CASE_PARAMS)
def test_case_gives_the_expected_bytes_and_warnings(agent: str, name: str) -> None:
    case = load_case(agent, name)
    expected = case.output.read_bytes()
    data, warnings, changed = run_case(case, case.input.read_bytes())
    assert data == expected, _diff(expected, data)
    assert warnings == case.warnings
    assert changed == (expected != case.input.read_bytes())


@pytest.mark.parametrize(("agent", "name"), CASE_PARAMS)
def test_case_output_is_a_fixed_point(agent: str, name: str) -> None:
    case = load_case(agent, name)
    expected = case.output.read_bytes()
    data, _, changed = run_case(case, expected)
    assert data == expected, _diff(expected, data)
    assert not changed


def test_every_case_is_complete_and_every_bundled_agent_has_cases() -> None:
    folders = {folder.name for folder in CASES.iterdir() if folder.is_dir()}
    assert folders == set(bundled_agents())
    for folder in sorted(CASES / name for name in folders):
        inputs = {path.name.removesuffix(".in.dxl") for path in folder.glob("*.in.dxl")}
        outputs = {path.name.removesuffix(".out.dxl") for path in folder.glob("*.out.dxl")}
        sides = {path.stem for path in folder.glob("*.toml")}
        assert inputs == outputs, f"{folder.name}: inputs and outputs do not pair up"
        assert sides <= inputs, f"{folder.name}: side files without a case: {sides - inputs}"
        assert inputs, f"{folder.name}: no case"


def test_the_cases_cover_what_the_issue_asks() -> None:
    """Every fixture through every bundled agent, a CRLF case, several items of
    one name, wrapped tags and a signed document, for each agent."""
    names = set(case_names())
    fixtures = {(case.agent, case.fixture) for case in (load_case(*pair) for pair in names)}
    for agent in bundled_agents():
        for fixture in sorted(path.name for path in FIXTURES.glob("*.dxl")):
            assert (agent, fixture) in fixtures, f"{agent}: no case from fixtures/{fixture}"
        for name in ("crlf", "several-items", "wrapped-tags", "signed"):
            assert (agent, name) in names
    assert b"\r\n" in (CASES / "coexistence-readers" / "crlf.in.dxl").read_bytes()


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        pytest.param(agent, name, id=f"{agent}/{name}")
        for agent, name in case_names()
        if load_case(agent, name).fixture is not None
    ],
)
def test_fixture_copies_are_still_the_fixture(agent: str, name: str) -> None:
    case = load_case(agent, name)
    assert case.fixture is not None
    assert case.input.read_bytes() == (FIXTURES / case.fixture).read_bytes(), (
        f"fixtures/{case.fixture} changed: copy it to {case.input.name} and review "
        f"{case.output.name} again"
    )


@requires_schemas
@pytest.mark.parametrize(("agent", "name"), CASE_PARAMS)
def test_case_files_are_dtd_valid(agent: str, name: str) -> None:
    """Inputs and expected outputs are exports Domino would import (the DTD their DOCTYPE names)."""
    case = load_case(agent, name)
    for path in (case.input, case.output):
        data = path.read_bytes()
        dtd = dtd_path_for(data)
        assert dtd is not None, f"{path.name}: no DTD of ../shared/dxl-schemas named"
        assert dtd_errors(data, dtd) == [], path.name
