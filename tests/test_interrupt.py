"""Termination requests inside `graceful_termination` unwind as an exception, and the
handlers from before the block are back after it."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from dxltools.cli.interrupt import Terminated, graceful_termination

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals sent to oneself are POSIX")
# Looked up by name: Windows has no SIGHUP, and the module must import there to be skipped.
HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def test_a_termination_request_in_the_block_raises_terminated() -> None:
    for number in HANDLED:
        # The handler runs, and raises, at the next instruction after the kill.
        with pytest.raises(Terminated) as caught, graceful_termination():
            os.kill(os.getpid(), number)
        assert caught.value.args == (number,)


def test_the_handlers_from_before_the_block_are_back_after_it() -> None:
    def mine(signum: int, frame: object) -> None:
        raise AssertionError("not expected to run")

    before = {number: signal.signal(number, mine) for number in HANDLED}
    try:
        with graceful_termination():
            assert all(signal.getsignal(number) is not mine for number in HANDLED)
        assert all(signal.getsignal(number) is mine for number in HANDLED)
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def test_outside_the_main_thread_the_block_changes_no_handler() -> None:
    # Only the main thread may set handlers: elsewhere the block runs as it is.
    before = {number: signal.getsignal(number) for number in HANDLED}
    seen: list[dict[int, object]] = []

    def work() -> None:
        with graceful_termination():
            seen.append({number: signal.getsignal(number) for number in HANDLED})

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before]
