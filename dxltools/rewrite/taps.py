"""What watches a rewrite: taps that see the output as it is written, helpers
that learn from the notes they see, and the check that may refuse the result.

Its own module so that the core (:mod:`dxltools.rewrite.stream`) and the split
over processes (:mod:`dxltools.rewrite.parts`) both build on it without
importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs

from dxltools.dxl.model import Note
from dxltools.dxl.segments import Prolog, Segment
from dxltools.dxl.skim import Interest
from dxltools.records import Record


class Tap(Protocol):
    """Sees the output as it is written: every note and element of its
    `interest`, each segment holding the new bytes (used by a run to audit
    its own result without reading it again)."""

    @property
    def interest(self) -> Interest: ...

    def __call__(self, segment: Segment, prolog: Prolog, note: Note | None = None, /) -> None:
        """`note`: the note of a NOTE segment as the rewrite parsed it (from the
        new bytes), when it did; a tap that needs it need not parse it again."""
        ...


class PartState(Protocol):
    """Something that learns from the notes it sees, and can take in what its
    copy in another part's process learnt."""

    def part_state(self) -> object:
        """What this part taught it, picklable."""
        ...

    def absorb_part(self, state: object) -> None:
        """Take in the `part_state` of the next part, in file order."""
        ...


class PartTap(Tap, PartState, Protocol):
    """A tap of a rewrite that may run in parts: each part's copy of it sees
    that part's output, and what they learnt is absorbed in file order."""


@attrs.frozen(repr=False)
class Observers(Record):
    """What watches the rewrite of one file (:func:`dxltools.rewrite.file.rewrite_file`).

    `tap` sees the output as it is written; it is a :class:`PartState` too, so
    a rewrite in several processes always carries it (it cannot be left out
    and quietly force one process). `learners`: the other helpers that learn
    from the notes they see (the edit's and the selection's, such as an agent
    run counting what it selected), whose state each part sends back. `check`,
    called when something changed, once the new bytes are written and read
    back and before anything is replaced, may raise a
    :class:`dxltools.errors.DxlError` to refuse them.
    """

    tap: PartTap | None = None
    check: Callable[[], None] | None = None
    learners: tuple[PartState, ...] = ()

    @property
    def stateful(self) -> tuple[PartState, ...]:
        """Every helper whose state each part sends back, the tap last."""
        return self.learners if self.tap is None else (*self.learners, self.tap)


NO_OBSERVERS = Observers()  # nothing watches: a plain rewrite
