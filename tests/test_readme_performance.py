"""The README's Performance section shows the committed benchmark run: every figure of
its table, and its start-up and ``-j 2`` figures, are those of ``benchmarks/RESULTS.md``,
rounded. A run regenerated without the README (or the README edited by hand) fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.shared import ROOT

README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
TABLE_HEADER = "| tool | 200 MB | x lxml | x `cp` | 1 GB | x `cp` | peak at 1 GB |"
# The README's labels that are not the name RESULTS.md gives the tool in backquotes.
LABELS = {
    "lxml parse + serialise": "lxml parse+serialise",
    "lxml `iterparse`, the same edit": "lxml iterparse edit",
    "`audit` after the fix": "audit after coexistence-readers",
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _rows(lines: list[str], header: str) -> Iterator[list[str]]:
    """The cells of the rows of the table under `header` (its first line)."""
    start = lines.index(header) + 2  # past the header and its rule
    for line in lines[start:]:
        if not line.startswith("|"):
            return
        yield [cell.strip() for cell in line.strip().strip("|").split("|")]


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _results_sizes() -> dict[str, dict[str, list[str]]]:
    """RESULTS.md's tables at 200MB and 1GB: tool name -> its cells after the name."""
    text = RESULTS.read_text("utf-8")
    sizes: dict[str, dict[str, list[str]]] = {}
    for size in ("200MB", "1GB"):
        lines = _section(text, f"## {size}").splitlines()
        header = next(line for line in lines if line.startswith("| tool | median s |"))
        sizes[size] = {row[0].strip("`"): row[1:] for row in _rows(lines, header)}
    return sizes


def _label_name(label: str) -> str:
    """The RESULTS.md name of a README row: the command in its first backquotes."""
    if label in LABELS:
        return LABELS[label]
    found = re.match(r"`([^`]+)`", label)
    return found.group(1) if found else re.sub(r"\s*\(.*\)$", "", label)


def _decimals(shown: str) -> int:
    return len(shown.split(".")[1]) if "." in shown else 0


def rounds_to(shown: str, measured: str) -> bool:
    """Whether the figure `shown` (any unit, bold or `<=`) is `measured` rounded to the
    digits it shows: the same number when it shows as many digits, else within half a
    unit of its last digit (inclusive, so 9.195 may show as 9.19 or 9.20)."""
    shown_number = _NUMBER.search(shown.replace("*", ""))
    measured_number = _NUMBER.search(measured)
    if shown_number is None or measured_number is None:
        return False
    shown_digits = _decimals(shown_number.group())
    if shown_digits >= _decimals(measured_number.group()):
        return float(shown_number.group()) == float(measured_number.group())
    slack = 0.5 * 10.0**-shown_digits
    return abs(float(shown_number.group()) - float(measured_number.group())) <= slack * 1.000001


def _readme_rows() -> list[list[str]]:
    lines = _section(README.read_text("utf-8"), "## Performance").splitlines()
    return list(_rows(lines, TABLE_HEADER))


@pytest.mark.parametrize("row", _readme_rows(), ids=lambda row: row[0])
def test_each_figure_of_the_readme_table_is_the_committed_run_s(row: list[str]) -> None:
    label, at_200, lxml_ratio, cp_ratio, at_1gb, cp_ratio_1gb, peak = row
    name = _label_name(label)
    results = _results_sizes()
    assert name in results["200MB"], f"{label}: no row {name!r} at 200MB in RESULTS.md"
    seconds, _, _, lxml_measured, cp_measured = results["200MB"][name]
    assert rounds_to(at_200, seconds), (label, at_200, seconds)
    assert rounds_to(lxml_ratio, lxml_measured), (label, lxml_ratio, lxml_measured)
    assert rounds_to(cp_ratio, cp_measured), (label, cp_ratio, cp_measured)
    large = results["1GB"][name]
    if at_1gb.startswith("skipped"):
        assert large[0].startswith("skipped"), (label, large)
        return
    assert rounds_to(at_1gb, large[0]), (label, at_1gb, large[0])
    assert rounds_to(cp_ratio_1gb, large[4]), (label, cp_ratio_1gb, large[4])
    assert rounds_to(peak, large[2]), (label, peak, large[2])


def _verdict(target: str) -> str:
    """The measured cell of RESULTS.md's verdict row for `target`."""
    lines = _section(RESULTS.read_text("utf-8"), "## Targets").splitlines()
    header = next(line for line in lines if line.startswith("| target |"))
    return next(row[2] for row in _rows(lines, header) if row[0] == target)


def test_the_start_up_and_parallel_figures_are_the_committed_run_s() -> None:
    text = " ".join(_section(README.read_text("utf-8"), "## Performance").split())
    figure = r"(\d+(?:\.\d+)?)"
    version = re.search(rf"`dxltools --version` {figure} s", text)
    small = re.search(rf"`run` on a 10 KB export {figure} s", text)
    parallel = re.search(rf"`-j 2` over 8 files of 50 MB: {figure} times `-j 1`", text)
    ceiling = re.search(rf"the machine's own ceiling, measured the same way, was {figure}", text)
    assert version and small and parallel and ceiling
    assert rounds_to(version.group(1), _verdict("`dxltools --version` at most 0.1 s"))
    assert rounds_to(small.group(1), _verdict("`run on 10KB` at most 0.1 s"))
    measured = _verdict("`-j 2` at least 1.6 x faster than `-j 1`")
    assert rounds_to(parallel.group(1), measured.split(" x ")[0])
    assert rounds_to(ceiling.group(1), measured.split("ceiling: ")[1])


def test_the_start_up_floor_is_the_committed_run_s() -> None:
    readme = " ".join(_section(README.read_text("utf-8"), "## Performance").split())
    results = " ".join(RESULTS.read_text("utf-8").split())
    figure = r"(\d+(?:\.\d+)?)"
    said = re.search(rf"importing click and attrs and nothing of dxltools, took {figure} s", readme)
    measured = re.search(rf"`Python \+ click \+ attrs` \([^)]*\), took {figure} s", results)
    assert said and measured
    assert rounds_to(said.group(1), measured.group(1))


def test_rounding_is_judged_to_the_digits_shown() -> None:
    assert rounds_to("2.06 s", "2.063")
    assert rounds_to("**0.30**", "0.301")
    assert rounds_to("0.011", "0.0106")
    assert rounds_to("10 MB", "<= 10")
    assert rounds_to("11.4 s", "11.438")
    assert not rounds_to("2.07 s", "2.063")
    assert not rounds_to("0.29", "0.301")
    assert not rounds_to("11.5 s", "11.438")
    assert not rounds_to("skipped", "2.0")
    assert not rounds_to("88 MB", "89")
    assert not rounds_to("1.97", "1.96")
    assert rounds_to("9.20 s", "9.195")
    assert rounds_to("9.19 s", "9.195")
