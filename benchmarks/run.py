"""Time dxltools against cp and lxml on generated directory exports, and check the targets.

``python -m benchmarks.run [--sizes 10MB,100MB,200MB,1GB] [--repeat 5] [--workdir DIR]``

Every tool runs as a child process on the same generated file; its time is the median of
``--repeat`` runs and its peak memory the largest ``ru_maxrss`` that ``os.wait4`` reports
for it. The run prints the tables, and writes ``RESULTS.md`` and ``time-vs-size.png``
(with matplotlib, the ``bench`` extra) to ``--output-dir`` (default: this folder). The
targets of the performance issue are computed from the measurements, never written by
hand. Generated exports live in ``--workdir`` (default: a folder in the system temp
folder), are reused by later runs with the same size and seed, and are never committed.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib
import importlib.util
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from benchmarks.generate import (
    GENERATOR_VERSION,
    SERVERS_GROUP,
    GenerateStats,
    SizeError,
    format_size,
    generate_file,
    parse_size,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DTD_DIR = ROOT.parent / "shared" / "dxl-schemas"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "dxltools-bench"
DEFAULT_SIZES = "10MB,100MB,200MB,1GB"
QUICK_SIZES = "1MB,5MB"
MB = 10**6
PLOT = "time-vs-size.png"

CP = "cp"
TREE = "lxml parse+serialise"
STREAM = "lxml iterparse edit"
# The floor the issue names for the `cp` targets: the file read through Python, `<document`
# counted (baselines.read_count). Not a target: what any Python tool pays at least.
FLOOR = "Python read + count"
# What the data-safety standard costs any rewrite, dxltools' way of writing without the
# DXL: copied through Python to a temporary file beside the output, CRC-32 on the way and
# on the read-back, fsync, rename (baselines.safe_copy). Not a target either.
SAFE_COPY = "Python safe copy"
REMOVE = "run remove-document-access"
COEX = "run coexistence-readers"
REMOVE_J2 = "run remove-document-access -j 2"  # one file, two processes (dxltools.rewrite.parts)
COEX_J2 = "run coexistence-readers -j 2"
STARTUP = "dxltools --version"  # start-up alone: what every run pays whatever the size
SHOW_DOMAIN = "show --form Domain"
SHOW = "show"
AUDIT = "audit"
AUDIT_AFTER = "audit after coexistence-readers"
AUDIT_JSON = "audit --json"
AUDIT_WHAT_IF = "audit --after coexistence-readers"  # the what-if, nothing written
AUDIT_HTML = "audit --html"  # the page, written a domain section at a time
VALIDATE = "validate"
VALIDATE_DTD = "validate --dtd-dir"
XMLLINT = "xmllint --noout --valid"  # libxml2's own validator, same file, same DTD
STARTUP_RUN = "run on 10KB"  # start-up of a real run: what a small export costs
# What start-up stands on: the interpreter importing the two libraries every command needs
# (click, attrs), nothing of dxltools. Not a target: the floor of the start-up targets.
STARTUP_FLOOR = "Python + click + attrs"
# --strict also feeds the notes passed over unread to expat: what that adds to each
# command, against the same command without it (no target; README says what it costs).
STRICT_REMOVE = "run remove-document-access --strict"
STRICT_SHOW_DOMAIN = "show --form Domain --strict"
STRICT_AUDIT = "audit --strict"
STRICT_PAIRS = ((STRICT_REMOVE, REMOVE), (STRICT_SHOW_DOMAIN, SHOW_DOMAIN), (STRICT_AUDIT, AUDIT))
SMALL_SIZE = 10_000
STARTUP_NAMES = (STARTUP, STARTUP_RUN)

# The targets of the issue.
TIME_TARGET_SIZE = 200 * MB
MEMORY_TARGET_SIZE = 10**9
LINEAR_SIZES = (10 * MB, 100 * MB, 10**9)
MAX_TREE_RATIO = 0.10
MAX_CP_RATIO = 5.0
MAX_PEAK = 100 * MB  # decimal, as the issue and the file sizes have it
MAX_LINEAR_DEVIATION = 0.30
MAX_STARTUP = 0.10  # seconds
CP_TARGETS = ((REMOVE, 4.0), (COEX, 5.0), (AUDIT, 5.0))  # at MEMORY_TARGET_SIZE (1GB)
MIN_PARALLEL_SPEEDUP = 1.6
LARGE_SIZE = 500 * MB  # from here on, --large-repeat runs of each command
TREE_MEMORY_FACTOR = 12  # lxml's tree takes about 11 times the file size (measured)


# -- tools -------------------------------------------------------------------------------


@attrs.frozen
class Tool:
    """One command to time; ``{src}`` and ``{out}`` in ``argv`` are the input and output."""

    name: str
    argv: tuple[str, ...]
    dxltools: bool = True
    ok: frozenset[int] = frozenset({0})
    after_agent: bool = False  # reads the export as coexistence-readers leaves it
    unavailable: str | None = None  # why it cannot run here: shown instead of a time
    # Runs at least this many times, whatever --large-repeat says: `cp` of 1 GB is what
    # three targets divide by, and one run of it took 1.35 to 2.04 s where the median of
    # three took 0.31 s (whether a gigabyte of dirty pages waits for the disk varies).
    min_rounds: int = 1

    def command(self, source: Path, output: Path) -> list[str]:
        return [a.replace("{src}", str(source)).replace("{out}", str(output)) for a in self.argv]

    def inputs(self, source: Path) -> tuple[Path, ...]:
        """What the command reads: `source` if its arguments name it (``--version``
        and the run on 10KB read no export of the size measured)."""
        return (source,) if any("{src}" in argument for argument in self.argv) else ()


def dxltools_executable() -> Path:
    """The ``dxltools`` command of the running interpreter's environment."""
    return Path(sys.executable).with_name("dxltools")


def tools(
    dxltools: Path, dtd_dir: Path | None, servers_group: str, small: Path | None = None
) -> list[Tool]:
    """The commands to time; `small`: a 10KB export for the start-up of a real run."""
    python = sys.executable
    baselines = str(HERE / "baselines.py")
    exe = str(dxltools)
    coex = ("--set", f"servers_group={servers_group}")
    listed = [
        Tool(CP, ("cp", "{src}", "{out}"), dxltools=False, min_rounds=3),
        Tool(TREE, (python, baselines, "parse-serialise", "{src}", "{out}"), dxltools=False),
        Tool(STREAM, (python, baselines, "iterparse-edit", "{src}", "{out}"), dxltools=False),
        Tool(
            FLOOR,
            (python, baselines, "read-count", "{src}", "{out}"),
            dxltools=False,
            min_rounds=3,
        ),
        Tool(
            SAFE_COPY,
            (python, baselines, "safe-copy", "{src}", "{out}"),
            dxltools=False,
            min_rounds=3,
        ),
        Tool(REMOVE, (exe, "run", "remove-document-access", "-q", "-o", "{out}", "{src}")),
        Tool(
            STRICT_REMOVE,
            (exe, "run", "remove-document-access", "-q", "--strict", "-o", "{out}", "{src}"),
        ),
        Tool(COEX, (exe, "run", "coexistence-readers", "-q", *coex, "-o", "{out}", "{src}")),
        Tool(
            REMOVE_J2,
            (exe, "run", "remove-document-access", "-q", "-j", "2", "-o", "{out}", "{src}"),
        ),
        Tool(
            COEX_J2,
            (exe, "run", "coexistence-readers", "-q", "-j", "2", *coex, "-o", "{out}", "{src}"),
        ),
        Tool(STARTUP, (exe, "--version")),
        Tool(STARTUP_FLOOR, (python, "-c", "import click, attrs"), dxltools=False),
    ]
    if small is not None:
        listed.append(Tool(STARTUP_RUN, (exe, "run", "remove-document-access", "-q", str(small))))
    listed += [
        Tool(SHOW_DOMAIN, (exe, "show", "{src}", "--form", "Domain")),
        Tool(STRICT_SHOW_DOMAIN, (exe, "show", "{src}", "--form", "Domain", "--strict")),
        Tool(SHOW, (exe, "show", "{src}")),
        # audit exits 1 when it finds problems: a raw export has DocumentAccess everywhere
        Tool(AUDIT, (exe, "audit", "{src}"), ok=frozenset({0, 1})),
        Tool(STRICT_AUDIT, (exe, "audit", "--strict", "{src}"), ok=frozenset({0, 1})),
        # the nightly check of a cleaned export: every readers item resolved
        Tool(AUDIT_AFTER, (exe, "audit", "{src}"), ok=frozenset({0, 1}), after_agent=True),
        # what a scheduled job reads: a domain, a problem, a scenario at a time
        Tool(AUDIT_JSON, (exe, "audit", "--json", "{src}"), ok=frozenset({0, 1})),
        Tool(
            AUDIT_WHAT_IF,
            (exe, "audit", "--after", "coexistence-readers", *coex, "{src}"),
            ok=frozenset({0, 1}),
        ),
        Tool(AUDIT_HTML, (exe, "audit", "{src}", "--html", "{out}"), ok=frozenset({0, 1})),
        Tool(VALIDATE, (exe, "validate", "-q", "{src}")),
    ]
    if dtd_dir is not None:
        listed.append(
            Tool(VALIDATE_DTD, (exe, "validate", "-q", "--dtd-dir", str(dtd_dir), "{src}"))
        )
        listed.append(_xmllint(dtd_dir))
    return listed


def _xmllint(dtd_dir: Path) -> Tool:
    """libxml2's validator on the same file with the same DTD (found as validate finds
    it: in the folder or its xmlschemas/); huge text nodes allowed, as validate does."""
    paths = f"{dtd_dir} {dtd_dir / 'xmlschemas'}"
    argv = ("xmllint", "--noout", "--valid", "--huge", "--path", paths, "{src}")
    missing = None if shutil.which("xmllint") else "skipped: xmllint not installed (libxml2-utils)"
    return Tool(XMLLINT, argv, dxltools=False, unavailable=missing)


# -- measuring ---------------------------------------------------------------------------


@attrs.frozen
class Sample:
    seconds: float
    peak: int  # bytes: the child's own maximum resident set size
    returncode: int
    timed_out: bool = False


def measure(argv: Sequence[str], log: Path, timeout: float | None = None) -> Sample:
    """Run ``argv`` (stdout to /dev/null, stderr to ``log``); wall time and peak memory.

    The command is started by ``spawn.py`` in a bare interpreter, which takes the
    child's own ``ru_maxrss`` from ``os.wait4`` (no ``/usr/bin/time`` needed) while adding
    only its few MiB as a floor. A command still running after ``timeout`` seconds is
    killed.
    """
    result = log.with_name(log.name + ".result")
    result.unlink(missing_ok=True)
    spawner = [sys.executable, "-I", "-S", str(HERE / "spawn.py"), str(result)]
    spawner += [str(timeout or 0), "--", *argv]
    with open(os.devnull, "wb") as null, log.open("wb") as errors:
        start = time.perf_counter()
        done = subprocess.run(spawner, stdin=subprocess.DEVNULL, stdout=null, stderr=errors)
        seconds = time.perf_counter() - start
    try:
        elapsed, maxrss, code, timed_out = result.read_text("ascii").split()
    except (OSError, ValueError):
        # the spawner itself failed (say, no such command): its status and our clock
        return Sample(seconds, 0, done.returncode or 127)
    result.unlink()
    return Sample(float(elapsed), int(maxrss) * 1024, int(code), timed_out == "1")


@attrs.define
class Result:
    """Every sample of one tool on one file; failures keep the reason."""

    samples: list[Sample] = attrs.Factory(list)
    failure: str | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.samples) and self.failure is None and self.skipped is None

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak(self) -> int:
        return max(s.peak for s in self.samples)


@attrs.frozen
class Workload:
    size: int  # the size asked for
    path: Path
    stats: GenerateStats

    @property
    def label(self) -> str:
        return format_size(self.size)


def _stats_path(path: Path) -> Path:
    return path.with_name(path.name + ".stats")


def _write_stats(path: Path, stats: GenerateStats) -> None:
    forms = ",".join(f"{form}={count}" for form, count in sorted(stats.by_form.items()))
    lines = [str(stats.size), str(stats.documents), forms, *stats.foreign_unids]
    _stats_path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _read_stats(path: Path) -> GenerateStats | None:
    try:
        size, documents, forms, *unids = _stats_path(path).read_text("utf-8").splitlines()
        by_form = {k: int(v) for k, v in (pair.split("=") for pair in forms.split(",") if pair)}
        return GenerateStats(int(size), int(documents), by_form, tuple(unids))
    except (OSError, ValueError):
        return None


def workload(workdir: Path, size: int, seed: int, say: Callable[[str], None]) -> Workload:
    """The export of ``size`` bytes for ``seed`` in ``workdir``: reused, or generated."""
    path = workdir / f"names-g{GENERATOR_VERSION}-{format_size(size)}-s{seed}.dxl"
    stats = _read_stats(path) if path.is_file() else None
    if stats is None or stats.size != path.stat().st_size:
        say(f"generating {path} ...")
        started = time.perf_counter()
        stats = generate_file(path, size, seed)
        _write_stats(path, stats)
        took = time.perf_counter() - started
        say(f"  {stats.size} bytes, {stats.documents} documents in {took:.1f} s")
    return Workload(size, path, stats)


def small_export(workdir: Path, seed: int, say: Callable[[str], None]) -> Path:
    """An export of about 10KB (the generator makes 100KB at least): the smallest
    generated one cut after its last document that ends within 10KB."""
    folder = workdir / "small"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"names-g{GENERATOR_VERSION}-{format_size(SMALL_SIZE)}-s{seed}.dxl"
    if not path.is_file():
        data = workload(folder, 100_000, seed, say).path.read_bytes()
        end = data.rfind(b"</document>", 0, SMALL_SIZE - 20) + len(b"</document>")
        path.write_bytes(data[:end] + b"\n</database>\n")
    return path


def _warm(path: Path) -> None:
    # Read whole, so the next command finds the file in the page cache.
    with path.open("rb") as stream:
        while stream.read(1 << 24):
            pass


def _settle(*inputs: Path) -> None:
    """Before a timed command: write out what earlier commands left to write, so the
    kernel's write-back of their output does not land in this command's time (a 1 GB
    `cp` once measured 2.66 s instead of 0.31 s after that), and read the inputs again,
    in case the page cache let them go meanwhile."""
    os.sync()
    for path in inputs:
        _warm(path)


def _available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _tail(log: Path) -> str:
    try:
        lines = log.read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _prepare_after_agent(
    dxltools: Path, work: Workload, servers_group: str, target: Path, log: Path
) -> str | None:
    """The export as coexistence-readers leaves it, for the audit of a cleaned file; None,
    or why it could not be made."""
    argv = [str(dxltools), "run", "coexistence-readers", "-q", "--no-audit"]
    argv += ["--set", f"servers_group={servers_group}", "-o", str(target), str(work.path)]
    sample = measure(argv, log)
    return None if sample.returncode == 0 else f"exit {sample.returncode}: {_tail(log)}"


@attrs.frozen
class Settings:
    """How every command is run: repeats, time limit, and what the agents need."""

    repeat: int
    timeout: float | None
    dxltools: Path
    servers_group: str
    large_repeat: int | None = None  # runs at LARGE_SIZE and above, when fewer are enough
    parallel_repeat: int = 5  # runs of -j 1 and -j 2 in the -j check (the issue asks 5)

    def rounds(self, size: int) -> int:
        if self.large_repeat is not None and size >= LARGE_SIZE:
            return self.large_repeat
        return self.repeat


def bench(
    work: Workload,
    listed: Sequence[Tool],
    settings: Settings,
    scratch: Path,
    say: Callable[[str], None],
    skip: Mapping[str, str] | None = None,
) -> dict[str, Result]:
    """Time every tool ``repeat`` times, round-robin, so drift hits all of them alike.
    ``skip`` names tools not to run, with the reason (say, a timeout on a smaller file)."""
    results = {
        tool.name: Result(skipped=(skip or {}).get(tool.name) or tool.unavailable)
        for tool in listed
    }
    available = _available_memory()
    if available is not None and TREE_MEMORY_FACTOR * work.stats.size > available // 2:
        needed = TREE_MEMORY_FACTOR * work.stats.size / 2**30
        results[TREE].skipped = f"skipped: needs about {needed:.0f} GiB of memory"
    output, log, cleaned = scratch / "out.dxl", scratch / "stderr.log", scratch / "cleaned.dxl"
    if any(t.after_agent and not results[t.name].skipped for t in listed):
        why = _prepare_after_agent(settings.dxltools, work, settings.servers_group, cleaned, log)
        for tool in (t for t in listed if t.after_agent and why):
            results[tool.name].failure = f"no cleaned export: {why}"
    rounds = settings.rounds(work.stats.size)
    wanted = {tool.name: max(rounds, tool.min_rounds) for tool in listed}
    for round_ in range(1, max(wanted.values(), default=0) + 1):
        for tool in listed:
            result = results[tool.name]
            if result.failure or result.skipped or round_ > wanted[tool.name]:
                continue
            say(f"{work.label} {tool.name} ({round_}/{wanted[tool.name]})")
            output.unlink(missing_ok=True)
            source = cleaned if tool.after_agent else work.path
            _settle(*tool.inputs(source))
            sample = measure(tool.command(source, output), log, settings.timeout)
            if sample.timed_out:
                result.failure = f"timed out after {settings.timeout:g} s"
            elif sample.returncode not in tool.ok:
                result.failure = f"exit {sample.returncode}: {_tail(log)}"
            else:
                result.samples.append(sample)
    output.unlink(missing_ok=True)
    cleaned.unlink(missing_ok=True)
    return results


# A bare Python loop: the machine's pace, and what two processes gain side by side.
_BUSY = "n = 0\nwhile n < {loops}:\n    n += 1\n"


@attrs.frozen
class Pace:
    """How fast the machine ran Python around one size's runs, in nanoseconds per
    iteration of a bare loop (:func:`python_pace`): before the first run, after the last."""

    before: float
    after: float


def python_pace(loops: int = 2_000_000, tries: int = 3) -> float:
    """Nanoseconds per iteration of a bare Python loop in a fresh interpreter (timed
    inside it, so start-up does not count), the median of `tries`. This machine is
    shared and its speed moves between runs by more than a change does: this says by
    how much, so that sizes, and runs on other days, can be read against each other."""
    code = (
        "import time\nstart = time.perf_counter()\n"
        + _BUSY.format(loops=loops)
        + "print(time.perf_counter() - start)\n"
    )
    seconds = [
        float(
            subprocess.run(
                [sys.executable, "-I", "-S", "-c", code],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(tries)
    ]
    return statistics.median(seconds) / loops * 1e9


def bench_sizes(
    workloads: Mapping[int, Workload],
    listed: Sequence[Tool],
    settings: Settings,
    scratch: Path,
    say: Callable[[str], None],
    pace: Callable[[], float] = python_pace,
) -> tuple[dict[int, dict[str, Result]], dict[int, Pace]]:
    """Every size, smallest first; a command that timed out is not run on bigger files.
    Also the machine's pace (`pace`, ns per loop iteration) before and after each size."""
    results: dict[int, dict[str, Result]] = {}
    paces: dict[int, Pace] = {}
    skip: dict[str, str] = {}
    for size in sorted(workloads):
        before = pace()
        results[size] = bench(workloads[size], listed, settings, scratch, say, skip)
        paces[size] = Pace(before, pace())
        for name, result in results[size].items():
            if result.failure and result.failure.startswith("timed out") and name not in skip:
                skip[name] = f"skipped: {result.failure} at {workloads[size].label}"
    return results, paces


@attrs.frozen
class Parallel:
    files: int
    size: int
    jobs_1: Result
    jobs_2: Result
    ceiling: float | None = None  # what two busy processes gain on this machine, now

    @property
    def speedup(self) -> float | None:
        if not (self.jobs_1.ok and self.jobs_2.ok):
            return None
        return self.jobs_1.median / self.jobs_2.median


def parallel_ceiling(loops: int) -> float:
    """How much sooner two CPU-bound processes finish side by side than one after the
    other, on this machine with its current load: the most ``-j 2`` can gain. Best of
    two tries each, so a passing hiccup does not lower it."""

    def wall(count: int) -> float:
        start = time.perf_counter()
        argv = [sys.executable, "-I", "-S", "-c", _BUSY.format(loops=loops)]
        for process in [subprocess.Popen(argv) for _ in range(count)]:
            process.wait()
        return time.perf_counter() - start

    one = min(wall(1) for _ in range(2))
    two = min(wall(2) for _ in range(2))
    return 2 * one / two


def bench_parallel(
    workdir: Path,
    files: int,
    size: int,
    seed: int,
    settings: Settings,
    say: Callable[[str], None],
) -> Parallel:
    """``run remove-document-access -o OUTDIR -j N DIR`` over ``files`` exports of ``size``
    (seeds after ``seed``, so the files differ), ``-j 1`` and ``-j 2`` taking turns."""
    folder = workdir / f"parallel-{files}x{format_size(size)}-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        work = workload(workdir, size, seed + 1 + index, say)
        link = folder / work.path.name
        if link.is_symlink() and not link.exists():
            link.unlink()  # left dangling by an earlier run from another folder
        if not link.exists():
            link.symlink_to(work.path)
    results = {1: Result(), 2: Result()}
    outdir, log = workdir / "parallel-out", workdir / "stderr.log"
    argv = [str(settings.dxltools), "run", "remove-document-access", "-q", "-o", str(outdir)]
    for round_ in range(1, settings.parallel_repeat + 1):
        for jobs, result in results.items():
            if result.failure:
                continue
            rounds = settings.parallel_repeat
            say(f"-j {jobs} over {files} x {format_size(size)} ({round_}/{rounds})")
            shutil.rmtree(outdir, ignore_errors=True)
            outdir.mkdir()
            _settle(*sorted(folder.iterdir()))
            sample = measure([*argv, "-j", str(jobs), str(folder)], log, settings.timeout)
            if sample.timed_out:
                result.failure = f"timed out after {settings.timeout:g} s"
            elif sample.returncode != 0:
                result.failure = f"exit {sample.returncode}: {_tail(log)}"
            else:
                result.samples.append(sample)
    shutil.rmtree(outdir, ignore_errors=True)
    log.unlink(missing_ok=True)
    loops = 20_000_000 if size >= 10 * MB else 2_000_000
    return Parallel(files, size, results[1], results[2], parallel_ceiling(loops))


# -- targets -----------------------------------------------------------------------------

Results = Mapping[int, Mapping[str, Result]]  # file size (asked) -> tool -> result


@attrs.frozen
class Verdict:
    target: str
    where: str
    measured: str
    met: bool | None  # None: not measured
    tool: str = ""  # the dxltools command judged, for the profiles of time misses
    timing: bool = False

    @property
    def word(self) -> str:
        return {True: "met", False: "NOT met", None: "not measured"}[self.met]


def _at(sizes: Iterable[int], wanted: int) -> tuple[int, str] | None:
    """The size to judge a target at: the one it names, else the largest measured."""
    measured = sorted(sizes)
    if not measured:
        return None
    if wanted in measured:
        return wanted, format_size(wanted)
    return measured[-1], f"{format_size(measured[-1])} (target is at {format_size(wanted)})"


def _lookup(results: Results, size: int, name: str) -> Result:
    return results[size].get(name) or Result(skipped="not run")


def _ratio_verdict(
    name: str, base: str, limit: float, results: Results, size: int = TIME_TARGET_SIZE
) -> Verdict:
    target = f"`{name}` at most {limit:g} x the time of `{base}`"
    if size != TIME_TARGET_SIZE:
        target += f" at {format_size(size)}"
    at = _at(results, size)
    if at is None:
        return Verdict(target, "-", "-", None, name, True)
    tool, baseline = _lookup(results, at[0], name), _lookup(results, at[0], base)
    if not baseline.ok:
        return Verdict(target, at[1], f"`{base}` not measured", None, name, True)
    if not tool.ok:
        # a command that fails or runs out of time has missed any time target
        reason = tool.failure or tool.skipped or "not measured"
        return Verdict(
            target,
            at[1],
            reason,
            None if "timed out" not in reason and not tool.failure else False,
            name,
            True,
        )
    ratio = tool.median / baseline.median
    measured = f"{ratio:.3g} x ({tool.median:.2f} s / {baseline.median:.2f} s)"
    return Verdict(target, at[1], measured, ratio <= limit, name, True)


def _ratio_verdicts(results: Results) -> list[Verdict]:
    found = [
        _ratio_verdict(name, base, limit, results)
        for name in (REMOVE, REMOVE_J2, COEX, COEX_J2)
        for base, limit in ((TREE, MAX_TREE_RATIO), (CP, MAX_CP_RATIO))
    ]
    found += [_ratio_verdict(name, TREE, MAX_TREE_RATIO, results) for name in (AUDIT, SHOW_DOMAIN)]
    found += [
        _ratio_verdict(name, CP, limit, results, MEMORY_TARGET_SIZE) for name, limit in CP_TARGETS
    ]
    found.append(_ratio_verdict(VALIDATE_DTD, XMLLINT, 1.0, results))
    return found


def _over_sizes(results: Results, name: str) -> tuple[float, int] | None:
    """A command's median over the sizes it ran at (start-up does not grow with size),
    and how many those were; None where it never ran."""
    measured = [r for size in sorted(results) if (r := _lookup(results, size, name)).ok]
    if not measured:
        return None
    return sorted(r.median for r in measured)[len(measured) // 2], len(measured)


def _startup_verdicts(results: Results) -> list[Verdict]:
    verdicts = []
    for name in (STARTUP, STARTUP_RUN):
        target = f"`{name}` at most {MAX_STARTUP:g} s"
        found = _over_sizes(results, name)
        if found is None:
            verdicts.append(Verdict(target, "-", "not measured", None))
            continue
        median, count = found
        where = f"median over {count} size(s)"
        met = median <= MAX_STARTUP
        verdicts.append(Verdict(target, where, f"{median:.3f} s", met, name, True))
    return verdicts


def startup_floor_text(results: Results) -> str:
    """What the start-up targets stand on: `STARTUP_FLOOR`, and each start-up command's
    time beyond it (medians over the sizes, as the verdicts take them)."""
    floor = _over_sizes(results, STARTUP_FLOOR)
    if floor is None:
        return ""
    beyond = [
        f"`{name}` {found[0] - floor[0]:.3f} s more (the target leaves "
        f"{MAX_STARTUP - floor[0]:.3f} s)"
        for name in (STARTUP, STARTUP_RUN)
        if (found := _over_sizes(results, name)) is not None
    ]
    text = (
        f"The floor of the start-up targets, `{STARTUP_FLOOR}` (the interpreter importing "
        "the two libraries every command needs, nothing of dxltools), took "
        f"{floor[0]:.3f} s (median over {floor[1]} size(s))."
    )
    return text + (" Beyond it: " + "; ".join(beyond) + "." if beyond else "")


def _memory_verdicts(results: Results) -> list[Verdict]:
    verdicts = []
    at = _at(results, MEMORY_TARGET_SIZE)
    audits = (AUDIT, AUDIT_AFTER, AUDIT_JSON, AUDIT_WHAT_IF, AUDIT_HTML)
    for name in (REMOVE, REMOVE_J2, COEX, COEX_J2, SHOW_DOMAIN, SHOW, *audits):
        target = f"`{name}` peak memory at most {MAX_PEAK // MB} MB"
        if at is None or not _lookup(results, at[0], name).ok:
            verdicts.append(Verdict(target, at[1] if at else "-", "not measured", None))
            continue
        peak = _lookup(results, at[0], name).peak
        verdicts.append(Verdict(target, at[1], f"{peak / MB:.0f} MB", peak <= MAX_PEAK))
    return verdicts


@attrs.frozen
class Linearity:
    tool: str
    per_gb: dict[int, float]  # size -> seconds per GB
    reference: int
    deviation: float  # the largest |t / proportional - 1| over the other sizes
    net_deviation: float | None = None  # the same with the start-up time taken off first

    @property
    def met(self) -> bool:
        return self.deviation <= MAX_LINEAR_DEVIATION


def linearity(results: Results) -> tuple[list[Linearity], str]:
    """Time against size for each dxltools command: every size within 30% of proportional
    to the largest (which carries the least start-up cost). Judged at 10MB, 100MB and 1GB
    when measured, else at every measured size. Commands that did not run at every one of
    those sizes are left out, and named in the note."""
    sizes = [s for s in LINEAR_SIZES if s in results]
    note = ", ".join(format_size(s) for s in sizes)
    if len(sizes) < 2:
        sizes = sorted(results)
        note = ", ".join(format_size(s) for s in sizes) + " (target is at 10MB, 100MB, 1GB)"
    rows: list[Linearity] = []
    if len(sizes) < 2:
        return rows, note
    missing = []
    for name in _dxltools_names(results):
        if not all(_lookup(results, s, name).ok for s in sizes):
            missing.append(f"`{name}`")
            continue
        per_gb = {s: results[s][name].median / s * 1e9 for s in sizes}
        deviation = max(abs(per_gb[s] / per_gb[sizes[-1]] - 1) for s in sizes)
        rows.append(
            Linearity(name, per_gb, sizes[-1], deviation, _net_deviation(results, sizes, name))
        )
    if missing:
        note += f"; not measured at every size: {', '.join(missing)}"
    return rows, note


def _net_deviation(results: Results, sizes: Sequence[int], name: str) -> float | None:
    """The deviation from proportional of the time left once start-up is taken off."""
    if not all(_lookup(results, s, STARTUP).ok for s in sizes):
        return None
    net = {s: (results[s][name].median - results[s][STARTUP].median) / s for s in sizes}
    if net[sizes[-1]] <= 0:
        return None
    return max(abs(net[s] / net[sizes[-1]] - 1) for s in sizes)


# Baselines (the tools with `dxltools=False`), and start-up (which does not grow with
# the file), are not judged for linearity.
_NOT_LINEAR = (CP, TREE, STREAM, FLOOR, SAFE_COPY, XMLLINT, STARTUP_FLOOR, *STARTUP_NAMES)


def _dxltools_names(results: Results) -> list[str]:
    names: list[str] = []
    for per_tool in results.values():
        for name in per_tool:
            if name not in names and name not in _NOT_LINEAR:
                names.append(name)
    return names


def _linearity_verdict(rows: Sequence[Linearity], note: str) -> Verdict:
    target = f"time within {MAX_LINEAR_DEVIATION:.0%} of proportional to size"
    if not rows:
        return Verdict(target, note or "-", "not measured", None)
    worst = max(rows, key=lambda row: row.deviation)
    measured = f"worst: `{worst.tool}`, {worst.deviation:.0%} off"
    return Verdict(target, note, measured, all(row.met for row in rows))


def _parallel_verdict(parallel: Parallel | None) -> Verdict:
    target = f"`-j 2` at least {MIN_PARALLEL_SPEEDUP:g} x faster than `-j 1`"
    if parallel is None or parallel.speedup is None:
        return Verdict(target, "-", "not measured", None)
    where = f"{parallel.files} files of {format_size(parallel.size)}"
    if parallel.size != 50 * MB or parallel.files != 8:
        where += " (target is 8 files of 50MB)"
    one, two = parallel.jobs_1.median, parallel.jobs_2.median
    measured = f"{parallel.speedup:.2f} x ({one:.2f} s / {two:.2f} s)"
    if parallel.ceiling is not None:
        measured += f"; this machine's ceiling: {parallel.ceiling:.2f} x"
    return Verdict(target, where, measured, parallel.speedup >= MIN_PARALLEL_SPEEDUP)


def floor_text(results: Results) -> str:
    """What the floors of the `cp` targets measured at 1GB (else the largest size): the
    issue's, `FLOOR`, and the data-safety standard's, `SAFE_COPY`, each against `cp`,
    and each `cp` target's command against each."""
    at = _at(results, MEMORY_TARGET_SIZE)
    if at is None:
        return ""
    described = (
        (
            FLOOR,
            "The floor the issue names for the `cp` targets",
            "the file read through Python in the chunks dxltools reads, `<document` "
            "counted, nothing written",
            "the floor",
        ),
        (
            SAFE_COPY,
            "The floor the data-safety standard sets for any rewrite",
            "the file copied through Python in those chunks to a temporary file beside "
            "the output, CRC-32 on the way and on the read-back, `fsync`, rename: how "
            "dxltools writes, without the DXL",
            "the safety floor",
        ),
    )
    texts = []
    for name, title, what, called in described:
        floor, cp = _lookup(results, at[0], name), _lookup(results, at[0], CP)
        if not (floor.ok and cp.ok):
            continue
        text = (
            f"{title}, `{name}` ({what}), took {floor.median:.2f} s at {at[1]}: "
            f"{floor.median / cp.median:.3g} x `cp`."
        )
        against = [
            f"`{command}` {tool.median / floor.median:.3g} x (target {limit:g} x `cp`, "
            f"{limit * cp.median / floor.median:.2g} x {called})"
            for command, limit in CP_TARGETS
            if (tool := _lookup(results, at[0], command)).ok
        ]
        if against:
            text += f" Against {called}: " + "; ".join(against) + "."
        texts.append(text)
    return "\n\n".join(texts)


def verdicts(results: Results, parallel: Parallel | None) -> list[Verdict]:
    rows, note = linearity(results)
    return [
        *_ratio_verdicts(results),
        *_startup_verdicts(results),
        *_memory_verdicts(results),
        _linearity_verdict(rows, note),
        _parallel_verdict(parallel),
    ]


# -- profiles ----------------------------------------------------------------------------


def profile(
    tool: Tool, work: Workload, scratch: Path, timeout: float | None, lines: int = 15
) -> str:
    """cProfile of one run of a dxltools command: the functions that take the time."""
    stats_file, output, log = scratch / "profile.out", scratch / "out.dxl", scratch / "stderr.log"
    argv = tool.command(work.path, output)
    sample = measure([sys.executable, "-m", "cProfile", "-o", str(stats_file), *argv], log, timeout)
    if sample.timed_out:
        return f"(no profile: timed out after {timeout:g} s under cProfile)"
    output.unlink(missing_ok=True)
    if not stats_file.is_file():
        return f"(no profile: {_tail(log)})"
    text = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(lines)
    stats_file.unlink()
    body = text.getvalue()
    return body[body.find("   ncalls") :].rstrip() if "   ncalls" in body else body.rstrip()


# -- report ------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ratio(result: Result, base: Result | None) -> str:
    if base is None or not (result.ok and base.ok):
        return "-"
    return f"{result.median / base.median:.3g}"


def _peak(peak: int, floor: int) -> str:
    # at the floor, the figure is run.py's own memory at fork, not the command's
    return f"<= {floor / MB:.0f}" if peak <= floor * 1.02 else f"{peak / MB:.0f}"


def results_table(work: Workload, results: Mapping[str, Result], floor: int = 0) -> str:
    rows = []
    tree, cp = results.get(TREE), results.get(CP)
    for name, result in results.items():
        if not result.ok:
            rows.append([f"`{name}`", result.skipped or result.failure or "-", "", "", "", ""])
            continue
        rate = work.stats.size / result.median / MB
        rows.append(
            [
                f"`{name}`",
                f"{result.median:.3f}",
                f"{rate:.0f}",
                _peak(result.peak, floor),
                _ratio(result, tree),
                _ratio(result, cp),
            ]
        )
    header = ["tool", "median s", "MB/s", "peak MB", "x lxml parse+serialise", "x cp"]
    return _table(header, rows)


def verdict_table(rows: Sequence[Verdict]) -> str:
    return _table(
        ["target", "measured at", "measured", "verdict"],
        ([v.target, v.where, v.measured, f"**{v.word}**"] for v in rows),
    )


def linearity_table(rows: Sequence[Linearity]) -> str:
    if not rows:
        return "(fewer than two sizes measured)"
    sizes = sorted(rows[0].per_gb)
    header = [
        "tool",
        *(f"s/GB at {format_size(s)}" for s in sizes),
        "worst deviation",
        "verdict",
        "deviation without start-up",
    ]
    body = (
        [
            f"`{row.tool}`",
            *(f"{row.per_gb[s]:.2f}" for s in sizes),
            f"{row.deviation:.0%}",
            "met" if row.met else "NOT met",
            "-" if row.net_deviation is None else f"{row.net_deviation:.0%}",
        ]
        for row in rows
    )
    return _table(header, body)


def strict_table(workloads: Mapping[int, Workload], results: Results) -> str:
    """What ``--strict`` adds to each command it was timed with, size by size: the
    same command without it, on the same file in the same run, is the baseline."""
    rows = []
    for size in sorted(results):
        for strict, plain in STRICT_PAIRS:
            with_it, without = results[size].get(strict), results[size].get(plain)
            if with_it is None or without is None:
                continue
            label = workloads[size].label
            if not (with_it.ok and without.ok):
                why = with_it.skipped or with_it.failure or without.skipped or without.failure
                rows.append([label, f"`{plain}`", why or "-", "", "", ""])
                continue
            added = with_it.median - without.median
            rows.append(
                [
                    label,
                    f"`{plain}`",
                    f"{without.median:.3f}",
                    f"{with_it.median:.3f}",
                    f"{added:+.3f}",
                    f"{with_it.median / without.median:.2f}",
                ]
            )
    if not rows:
        return "Not measured."
    header = ["size", "command", "median s", "with `--strict` s", "added s", "x without"]
    return _table(header, rows)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        total = Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0]
        memory = f"{int(total) / 2**20:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lxml_version = ".".join(map(str, etree.LXML_VERSION[:3]))
    libxml = ".".join(map(str, etree.LIBXML_VERSION))
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} ({usable} usable by this run)",
        "RAM": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "lxml": f"{lxml_version} (libxml2 {libxml})",
        "dxltools": _dxltools_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _dxltools_version() -> str:
    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    try:
        from dxltools import __version__ as version
    except ImportError:  # pragma: no cover - the package is always installed here
        version = "?"
    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return version
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--", "dxltools") else ""
    return f"{version}, commit {commit}{dirty}"


@attrs.frozen
class Report:
    command: str
    repeat: int
    machine: dict[str, str]
    workloads: dict[int, Workload]
    results: dict[int, dict[str, Result]]
    listed: tuple[Tool, ...]
    parallel: Parallel | None
    verdicts: tuple[Verdict, ...]
    plot: str | None  # the PNG's name, or why there is none
    plotted: bool
    profiles: dict[str, str]
    floor: int = 0  # the peak memory `true` shows: what every child inherits at fork
    paces: dict[int, Pace] = attrs.Factory(dict)  # size -> the machine's pace around it


def _runs(results: Mapping[str, Result]) -> str:
    """How many runs the medians are of: the count most commands have, and the commands
    that ran more often (``cp``, see :attr:`Tool.min_rounds`)."""
    counts = {name: len(result.samples) for name, result in results.items() if result.samples}
    if not counts:
        return "0 run(s) of each command"
    tally = Counter(counts.values())
    usual = max(tally, key=lambda count: (tally[count], -count))  # a tie: the fewer runs
    more = [f"`{name}`: {count}" for name, count in counts.items() if count > usual]
    return f"{usual} run(s) of each command" + (f" ({', '.join(more)})" if more else "")


def markdown(report: Report) -> str:
    parts = [
        "# Benchmark results",
        f"Written by `{report.command}`; do not edit by hand, run it again. Times are the "
        f"median of {report.repeat} run(s) (each size says how many) of each command as a "
        "child process on the same file (warm page cache: the file is read again, and the "
        "writes of earlier commands flushed with `sync`, before each run); peak memory is "
        "the largest `ru_maxrss` of the child, from "
        "`os.wait4`. Ratios are to the lxml parse + serialise baseline and to `cp` on the "
        "same file in the same run. A child's `ru_maxrss` starts at the size of the process "
        "that starts it (`spawn.py`, a bare interpreter), so no figure can be below "
        f"{report.floor / MB:.0f} MB (what `true` shows); such figures read `<=`. With "
        "`-j`, the peak is that of the largest process, not the sum. The package is "
        "byte-compiled first, as an installed one is (a machine that sets "
        "`PYTHONDONTWRITEBYTECODE` would otherwise make every command compile it).",
        "## Machine",
        _table(["", ""], ([k, v] for k, v in report.machine.items())),
        "## Targets",
        verdict_table(report.verdicts),
    ]
    if floor := floor_text(report.results):
        parts.append(floor)
    if floor := startup_floor_text(report.results):
        parts.append(floor)
    for size, work in sorted(report.workloads.items()):
        stats = work.stats
        foreign = len(stats.foreign_unids)
        parts += [
            f"## {work.label}",
            f"{stats.size:,} bytes, {stats.documents:,} documents, {foreign:,} of them "
            f"Foreign Domain documents ({stats.foreign_share:.1%}). Median of "
            f"{_runs(report.results[size])}.{_pace_text(report.paces.get(size))}",
            results_table(work, report.results[size], report.floor),
        ]
    rows, note = linearity(report.results)
    parts += ["## Linearity", f"Sizes: {note}.", linearity_table(rows)]
    parts += [
        "## What `--strict` costs",
        "`--strict` checks the notes a command passes over unread for well-formedness "
        "too, in the same pass (their bytes go to expat). Each row sets a command with it "
        "against the same command without it, on the same file in the same run.",
        strict_table(report.workloads, report.results),
    ]
    parts += ["## -j 2 against -j 1", _parallel_text(report.parallel)]
    parts += ["## Time against size"]
    parts.append(f"![time against size]({report.plot})" if report.plotted else f"{report.plot}")
    parts += ["## Commands", _table(["tool", "command"], _commands(report.listed))]
    if report.profiles:
        parts.append("## Profiles of the commands that miss a time target")
        for name, text in report.profiles.items():
            how = (
                "`python -X importtime`, the 15 modules with the most own import time (us)"
                if name.startswith(STARTUP_NAMES)
                else "cProfile, the 15 functions with the most own time"
            )
            parts += [f"`{name}`, {how}:", f"```\n{text}\n```"]
    return "\n\n".join(parts) + "\n"


def _pace_text(pace: Pace | None) -> str:
    if pace is None:
        return ""
    return (
        f" A bare Python loop took {pace.before:.1f} ns an iteration before this size's "
        f"runs and {pace.after:.1f} ns after them (how fast the shared machine ran Python: "
        "read the sizes, and other runs, against each other with it)."
    )


def _parallel_text(parallel: Parallel | None) -> str:
    if parallel is None:
        return "Not measured."
    head = (
        f"`dxltools run remove-document-access -o OUTDIR -j N DIR` over {parallel.files} "
        f"files of {format_size(parallel.size)}; median of "
        f"{len(parallel.jobs_1.samples)} run(s) each."
    )
    rows = []
    for jobs, result in ((1, parallel.jobs_1), (2, parallel.jobs_2)):
        if result.ok:
            rows.append([f"-j {jobs}", f"{result.median:.3f}", f"{result.peak / MB:.0f}"])
        else:
            rows.append([f"-j {jobs}", result.failure or "-", ""])
    speedup = parallel.speedup
    tail = f"Speed-up: {speedup:.2f} x." if speedup is not None else "Speed-up: not measured."
    if parallel.ceiling is not None:
        tail += (
            f" Ceiling on this machine during the run: {parallel.ceiling:.2f} x (two busy "
            "Python processes side by side against one after the other; other work on the "
            "machine and shared cores lower it)."
        )
    return "\n\n".join([head, _table(["jobs", "median s", "peak MB"], rows), tail])


def _commands(listed: Sequence[Tool]) -> Iterable[list[str]]:
    for tool in listed:
        argv = [Path(a).name if os.sep in a else a for a in tool.argv]
        yield [f"`{tool.name}`", "`" + " ".join(argv) + "`"]


def plot(report: Report, path: Path) -> str | None:
    """Time and peak memory against file size, log-log, one line per tool. Returns why
    there is no plot, or None when it was written."""
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no plot"
    matplotlib.use("Agg")
    pyplot: Any = importlib.import_module("matplotlib.pyplot")
    ticker: Any = importlib.import_module("matplotlib.ticker")
    figure, (times, memory) = pyplot.subplots(1, 2, figsize=(14, 5.5))
    colours = pyplot.get_cmap("tab20").colors
    for index, tool in enumerate(report.listed):
        points = [
            (report.workloads[s].stats.size / MB, report.results[s][tool.name])
            for s in sorted(report.results)
            if report.results[s][tool.name].ok
        ]
        if not points:
            continue
        style = {
            "linestyle": "-" if tool.dxltools else "--",
            "marker": "o" if tool.dxltools else "s",
            "color": colours[(2 * index) % 20 + index // 10],
            "label": tool.name,
        }
        megabytes = [p[0] for p in points]
        times.plot(megabytes, [p[1].median for p in points], **style)
        memory.plot(megabytes, [p[1].peak / MB for p in points], **style)
    plain = ticker.FuncFormatter(lambda value, _: f"{value:g}")
    asked = sorted(report.results)
    measured = [report.workloads[s].stats.size / MB for s in asked]
    for axes, label in ((times, "median time (s)"), (memory, "peak memory (MB)")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(ticker.NullFormatter())
        axes.set_xticks(measured, [format_size(s) for s in asked])
        axes.set_xlabel("file size (MB)")
        axes.set_ylabel(label)
        axes.grid(True, which="both", alpha=0.3)
    times.set_title("time against file size")
    memory.set_title("peak memory against file size")
    memory.axhline(MAX_PEAK / MB, color="grey", linestyle=":", label="100 MB target")
    handles, labels = memory.get_legend_handles_labels()
    figure.legend(handles, labels, loc="center right", fontsize=9)
    figure.suptitle(f"dxltools benchmarks, {report.machine['date']}")
    figure.tight_layout(rect=(0, 0, 0.8, 1))
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return None


# -- command line ------------------------------------------------------------------------


@attrs.frozen
class Options:
    sizes: tuple[int, ...]
    seed: int
    workdir: Path
    output_dir: Path
    dtd_dir: Path | None
    parallel_files: int
    parallel_size: int
    profile: bool
    plot: bool
    settings: Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--sizes", help=f"comma-separated sizes (default {DEFAULT_SIZES})")
    add("--repeat", type=int, help="runs of each command, the median is kept (default 5)")
    add("--large-repeat", type=int, help="runs at 500MB and above (default: --repeat)")
    add("--seed", type=int, default=1, help="generator seed (default 1)")
    add("--workdir", type=Path, default=DEFAULT_WORKDIR, help="generated exports (reused)")
    add("--output-dir", type=Path, default=HERE, help="RESULTS.md and the plot (default: here)")
    add("--dtd-dir", type=Path, default=DEFAULT_DTD_DIR, help="DXL DTDs for validate --dtd-dir")
    add("--parallel-files", type=int, default=8, help="files for the -j check (0: skip it)")
    add("--parallel-size", help="size of each file for the -j check (default 50MB)")
    add("--parallel-repeat", type=int, help="runs of -j 1 and -j 2 in the -j check (default 5)")
    add("--servers-group", default=SERVERS_GROUP, help="coexistence-readers' servers_group")
    add("--timeout", type=float, help="seconds before a command is killed (default 600)")
    add("--no-profile", action="store_true", help="no cProfile of commands that miss")
    add("--no-plot", action="store_true", help="no plot (a full run needs matplotlib otherwise)")
    add("--quick", action="store_true", help=f"smoke test: sizes {QUICK_SIZES}, repeat 1")
    return parser


def parse_options(argv: Sequence[str]) -> Options:
    parser = _parser()
    given = parser.parse_args(argv)
    sizes = given.sizes or (QUICK_SIZES if given.quick else DEFAULT_SIZES)
    repeat = given.repeat or (1 if given.quick else 5)
    try:
        parsed = tuple(sorted({parse_size(s) for s in sizes.split(",") if s.strip()}))
        parallel = parse_size(given.parallel_size or ("1MB" if given.quick else "50MB"))
    except SizeError as error:
        parser.error(str(error))
    if repeat < 1 or not parsed:
        parser.error("--repeat must be at least 1 and --sizes must name a size")
    if not (given.quick or given.no_plot) and importlib.util.find_spec("matplotlib") is None:
        # Found out at the end, an hour later, it would leave the run without its plot.
        parser.error("matplotlib is not installed (pip install -e '.[bench]'), or pass --no-plot")
    timeout = given.timeout or (120.0 if given.quick else 600.0)
    if given.large_repeat is not None and given.large_repeat < 1:
        parser.error("--large-repeat must be at least 1")
    parallel_repeat = given.parallel_repeat or (1 if given.quick else 5)
    if parallel_repeat < 1:
        parser.error("--parallel-repeat must be at least 1")
    settings = Settings(
        repeat,
        timeout,
        dxltools_executable(),
        given.servers_group,
        given.large_repeat,
        parallel_repeat,
    )
    return Options(
        sizes=parsed,
        seed=given.seed,
        workdir=given.workdir.resolve(),  # symbolic links to its files stay valid
        output_dir=given.output_dir,
        dtd_dir=given.dtd_dir if given.dtd_dir.is_dir() else None,
        parallel_files=given.parallel_files,
        parallel_size=parallel,
        profile=not given.no_profile,
        plot=not given.no_plot,
        settings=settings,
    )


def import_profile(tool: Tool, scratch: Path, lines: int = 15) -> str:
    """Where a command's start-up goes: the modules with the most own import time."""
    output = scratch / "out.dxl"
    argv = tool.command(output, output)
    python = str(Path(argv[0]).with_name("python"))
    script = "import sys; sys.argv = sys.argv[1:]; from dxltools.cli.launch import main; main()"
    command = [python, "-X", "importtime", "-c", script, *argv]
    done = subprocess.run(command, capture_output=True, text=True, cwd=scratch)
    output.unlink(missing_ok=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self" not in line:
            own, total, module = (part.strip() for part in line[12:].split("|"))
            rows.append((int(own), int(total), module))
    rows.sort(reverse=True)
    table = [f"{'own':>8} {'total':>8}  module"]
    table += [f"{own:>8} {total:>8}  {module}" for own, total, module in rows[:lines]]
    return "\n".join(table)


def _profile_size(results: Results, name: str) -> int | None:
    """The target's size when the command ran there, else the largest where it did."""
    at = _at(results, TIME_TARGET_SIZE)
    if at is not None and _lookup(results, at[0], name).ok:
        return at[0]
    done = [size for size in results if _lookup(results, size, name).ok]
    return max(done) if done else min(results, default=None)


def profiles(
    options: Options,
    listed: Sequence[Tool],
    workloads: Mapping[int, Workload],
    results: Results,
    found: Sequence[Verdict],
) -> dict[str, str]:
    """cProfile each dxltools command that misses a time target."""
    missed = {v.tool for v in found if v.timing and v.met is False}
    chosen = [tool for tool in listed if tool.name in missed] if options.profile else []
    if not chosen:
        return {}
    scratch = Path(tempfile.mkdtemp(prefix="profile-", dir=options.workdir))
    try:
        texts = {}
        for tool in chosen:
            if tool.name in STARTUP_NAMES:
                texts[f"{tool.name} start-up"] = import_profile(tool, scratch)
                continue
            size = _profile_size(results, tool.name)
            if size is not None:
                work = workloads[size]
                body = profile(tool, work, scratch, options.settings.timeout)
                texts[f"{tool.name} on {work.label}"] = body
        return texts
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _byte_compile() -> None:
    """Write the bytecode of the dxltools package, as pip does when it installs one."""
    spec = importlib.util.find_spec("dxltools")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def measure_all(options: Options, say: Callable[[str], None]) -> Report:
    """Generate (or reuse) the exports, time every command, judge the targets."""
    _byte_compile()
    small = small_export(options.workdir, options.seed, say)
    listed = tools(
        options.settings.dxltools, options.dtd_dir, options.settings.servers_group, small
    )
    workloads = {s: workload(options.workdir, s, options.seed, say) for s in options.sizes}
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=options.workdir))
    try:
        results, paces = bench_sizes(workloads, listed, options.settings, scratch, say)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    parallel = None
    if options.parallel_files > 0:
        parallel = bench_parallel(
            options.workdir,
            options.parallel_files,
            options.parallel_size,
            options.seed,
            options.settings,
            say,
        )
    found = verdicts(results, parallel)
    floor = measure(["true"], options.workdir / "true.log")
    (options.workdir / "true.log").unlink(missing_ok=True)
    return Report(
        command="",
        repeat=options.settings.repeat,
        machine=machine(),
        workloads=workloads,
        results=results,
        listed=tuple(listed),
        parallel=parallel,
        verdicts=tuple(found),
        plot=PLOT,
        plotted=False,
        profiles=profiles(options, listed, workloads, results, found),
        floor=floor.peak,
        paces=paces,
    )


def _failures(report: Report) -> list[str]:
    failed = [
        f"{format_size(size)} {name}: {result.failure}"
        for size, per_tool in report.results.items()
        for name, result in per_tool.items()
        if result.failure
    ]
    if report.parallel is not None:
        for jobs, result in ((1, report.parallel.jobs_1), (2, report.parallel.jobs_2)):
            if result.failure:
                failed.append(f"-j {jobs}: {result.failure}")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when every command ran (whether the targets are met or not: see RESULTS.md),
    1 when a command failed or timed out, 2 on bad usage."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not options.settings.dxltools.is_file():
        say(f"no dxltools command beside {sys.executable}: pip install -e . first")
        return 2
    options.workdir.mkdir(parents=True, exist_ok=True)
    options.output_dir.mkdir(parents=True, exist_ok=True)
    report = measure_all(options, say)
    report = attrs.evolve(report, command=" ".join(["python -m benchmarks.run", *arguments]))
    why = plot(report, options.output_dir / PLOT) if options.plot else "no plot (--no-plot)"
    if why is not None:
        say(why)
    report = attrs.evolve(report, plot=why or PLOT, plotted=why is None)
    text = markdown(report)
    (options.output_dir / "RESULTS.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    failed = _failures(report)
    for line in failed:
        say(f"failed: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
