"""The cyclic garbage collector while the command starts.

Importing click, attrs, lxml and the command's modules allocates some hundred
thousand objects that live until the process ends; the collector, counting
allocations, runs dozens of collections over them that find nothing (15 to 18
ms of a run on a small export, docs/DECISIONS.md). So the console script
pauses it until the command has imported what it needs, then freezes what the
imports made (kept out of every later collection, and out of copy-on-write in
forked parts) and resumes it before any input is read.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def resume() -> None:
    """Collect again, from here on. A no-op where the collector was not paused
    (the command run in-process, as the tests do): nothing is frozen then."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
