"""The progress bar: late, throttled, one line, gone on close, silent off a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dxltools.agents import load_agent
from dxltools.cli.progress import Progress
from dxltools.cli.run import Hooks, process_file
from dxltools.cli.run_options import Work, WriteMode
from dxltools.dxl.scan import Scanner
from dxltools.fs.counting import CountingReader
from dxltools.fs.files import InputFile
from tests.clitools import NAMES
from tests.shared import FIXTURES

MB = 1_000_000


class Terminal(io.StringIO):
    """What stderr is in an admin's console."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


def _draws(stream: io.StringIO) -> list[str]:
    """The lines drawn so far, one per carriage return."""
    return stream.getvalue().split("\r")[1:]


def test_nothing_is_drawn_in_the_first_half_second(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 10 * MB, 2, clock=clock)
    clock.now += 0.49
    progress.advance(5 * MB)
    progress.file_done()
    assert terminal.getvalue() == ""


def test_one_line_with_percentage_sizes_files_rate_and_eta(
    terminal: Terminal, clock: Clock
) -> None:
    progress = Progress(terminal, 10 * MB, 2, clock=clock)
    clock.now += 0.5
    progress.advance(2 * MB)
    assert terminal.getvalue() == "\r 20% 2.0/10.0 MB  0/2 files  4.0 MB/s  ETA 0:02"


def test_redrawn_at_most_ten_times_a_second(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 64 * MB, 1, clock=clock)
    for _ in range(64):  # 1 MB every 1/64 s (exact in binary) for a second
        clock.now += 1 / 64
        progress.advance(MB)
    shown = [int(float(line.split()[1].split("/")[0])) for line in _draws(terminal)]
    # The first at 0.5 s, then each at least 0.1 s (7/64 s) after the one before.
    assert shown == [32, 39, 46, 53, 60]


def test_files_done_are_counted(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 2 * MB, 2, clock=clock)
    progress.advance(MB)
    clock.now += 1
    progress.file_done()
    assert _draws(terminal) == [" 50% 1.0/2.0 MB  1/2 files  1.0 MB/s  ETA 0:01"]


def test_a_shorter_line_wipes_the_longer_one_before(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 1000 * MB, 1, clock=clock)
    clock.now += 1
    progress.advance(MB // 5)
    clock.now += 1
    progress.advance(MB * 44 // 5)
    first, second = _draws(terminal)
    assert first == "  0% 0.2/1000.0 MB  0/1 files  0.2 MB/s  ETA 1:23:19"
    assert second == "  1% 9.0/1000.0 MB  0/1 files  4.5 MB/s  ETA 3:40".ljust(len(first))


def test_close_clears_the_line(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 10 * MB, 1, clock=clock)
    clock.now += 1
    progress.advance(MB)
    drawn = _draws(terminal)[0]
    progress.close()
    assert terminal.getvalue().endswith("\r" + " " * len(drawn) + "\r")
    written = terminal.getvalue()
    clock.now += 1
    progress.advance(MB)
    progress.file_done()
    progress.close()
    assert terminal.getvalue() == written


def test_a_short_run_writes_nothing_at_all(terminal: Terminal, clock: Clock) -> None:
    with Progress(terminal, 10 * MB, 1, clock=clock) as progress:
        clock.now += 0.2
        progress.advance(10 * MB)
        progress.file_done()
    assert terminal.getvalue() == ""


def test_leaving_the_block_clears_even_on_error(terminal: Terminal, clock: Clock) -> None:
    def fail_midway() -> None:
        with Progress(terminal, 10 * MB, 1, clock=clock) as progress:
            clock.now += 1
            progress.advance(MB)
            raise KeyError("boom")

    with pytest.raises(KeyError):
        fail_midway()
    drawn = _draws(terminal)[0]
    assert terminal.getvalue().endswith("\r" + " " * len(drawn) + "\r")


def test_clear_makes_room_for_a_message_and_the_bar_comes_back(
    terminal: Terminal, clock: Clock
) -> None:
    progress = Progress(terminal, 10 * MB, 2, clock=clock)
    clock.now += 1
    progress.advance(MB)
    progress.clear()
    terminal.write("names.dxl: 2 notes changed\n")
    progress.file_done()  # at once, not throttled: the line was empty
    assert terminal.getvalue().split("\n")[-1] == (
        "\r 10% 1.0/10.0 MB  1/2 files  1.0 MB/s  ETA 0:09"
    )


def test_no_bar_when_the_stream_is_not_a_terminal(clock: Clock) -> None:
    log = io.StringIO()
    with Progress(log, 10 * MB, 1, clock=clock) as progress:
        clock.now += 5
        progress.advance(5 * MB)
        progress.file_done()
    assert progress.enabled is False
    assert log.getvalue() == ""


def test_disabled_on_a_terminal_writes_nothing(terminal: Terminal, clock: Clock) -> None:
    with Progress(terminal, 10 * MB, 1, enabled=False, clock=clock) as progress:
        clock.now += 5
        progress.advance(5 * MB)
        progress.file_done()
    assert terminal.getvalue() == ""
    assert (progress.bytes_done, progress.files_done) == (0, 0)


def test_enabled_draws_on_any_stream(clock: Clock) -> None:
    log = io.StringIO()
    progress = Progress(log, 10 * MB, 1, enabled=True, clock=clock)
    clock.now += 1
    progress.advance(MB)
    assert log.getvalue().startswith("\r 10%")


def test_a_closed_stream_means_no_bar(clock: Clock) -> None:
    closed = io.StringIO()
    closed.close()  # isatty() now raises
    assert Progress(closed, 1, 1, clock=clock).enabled is False


def test_unknown_sizes_count_files(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 0, 4, clock=clock)
    clock.now += 1
    progress.file_done()
    assert _draws(terminal) == [" 25% 0.0/0.0 MB  1/4 files  0.0 MB/s  ETA -:--"]


def test_counting_reader_counts_every_byte_the_scanner_reads(
    terminal: Terminal, clock: Clock
) -> None:
    data = (FIXTURES / "names.dxl").read_bytes()
    progress = Progress(terminal, len(data), 1, clock=clock)
    reader = CountingReader(io.BytesIO(data), progress.advance)
    segments = list(Scanner(reader, "names.dxl", chunk_size=1000).segments())
    assert b"".join(segment.data for segment in segments) == data
    assert reader.count == progress.bytes_done == len(data)


def test_counting_reader_counts_each_way_of_reading(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 100, 1, clock=clock)
    reader = CountingReader(io.BytesIO(b"<database>\n<document/>\n</database>\n"), progress.advance)
    buffer = bytearray(4)
    assert reader.read(3) == b"<da"
    assert reader.readinto(buffer) == 4
    assert bytes(buffer) == b"taba"
    assert reader.readline() == b"se>\n"
    assert reader.read() == b"<document/>\n</database>\n"
    assert reader.read() == b""
    assert reader.count == progress.bytes_done == 35


def test_closing_the_counting_reader_leaves_the_stream_open(clock: Clock) -> None:
    stream = io.BytesIO(b"abc")
    with CountingReader(stream, Progress(io.StringIO(), 3, 1, clock=clock).advance) as reader:
        assert reader.read() == b"abc"
    assert not stream.closed


@pytest.mark.parametrize(
    "write",
    [WriteMode(), WriteMode(diff=True), WriteMode(check=True), WriteMode(in_place=True)],
    ids=["stdout", "diff", "check", "in-place"],
)
def test_every_way_of_running_tells_the_bar_each_byte_read(
    write: WriteMode, tmp_path: Path
) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(NAMES.read_bytes())
    read: list[int] = []
    agent = load_agent("remove-document-access")
    item = InputFile(path, Path(path.name))
    outcome = process_file(write, Work(), agent, item, Hooks(on_read=read.append))
    assert outcome.error is None
    assert sum(read) == len(NAMES.read_bytes())


class BufferedTerminal(io.TextIOWrapper):
    """A console behind a buffer, as sys.stderr is: nothing shows until flushed (a bar
    has no newline to flush it)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")

    def isatty(self) -> bool:
        return True

    def shown(self) -> str:
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue().decode("utf-8")


def test_the_bar_and_its_erasure_show_at_once(clock: Clock) -> None:
    console = BufferedTerminal()
    progress = Progress(console, 10 * MB, 2, clock=clock)
    clock.now += 1
    progress.advance(MB)
    bar = " 10% 1.0/10.0 MB  0/2 files  1.0 MB/s  ETA 0:09"
    assert console.shown() == "\r" + bar
    progress.clear()
    assert console.shown() == "\r" + bar + "\r" + " " * len(bar) + "\r"


def test_no_time_left_is_guessed_before_a_byte_or_without_a_total(
    terminal: Terminal, clock: Clock
) -> None:
    # A file counted done before any byte of it was read: no rate, no estimate.
    progress = Progress(terminal, 10 * MB, 2, clock=clock)
    clock.now += 1
    progress.file_done()
    assert _draws(terminal) == ["  0% 0.0/10.0 MB  1/2 files  0.0 MB/s  ETA -:--"]
    # Sizes unknown (total 0): the share comes from the files, and no estimate.
    unknown = Terminal()
    progress = Progress(unknown, 0, 4, clock=clock)
    clock.now += 1
    progress.advance(MB)
    clock.now += 1
    progress.file_done()
    assert _draws(unknown)[-1] == " 25% 1.0/0.0 MB  1/4 files  0.5 MB/s  ETA -:--"


def test_redrawn_once_the_interval_has_passed_exactly(terminal: Terminal, clock: Clock) -> None:
    progress = Progress(terminal, 64 * MB, 1, clock=clock, interval=8 / 64)
    for _ in range(64):  # 1 MB every 1/64 s (exact in binary) for a second
        clock.now += 1 / 64
        progress.advance(MB)
    shown = [int(float(line.split()[1].split("/")[0])) for line in _draws(terminal)]
    assert shown == [32, 40, 48, 56, 64]
