"""The check before writing, made to fire (issue 19, item 1).

A splice or a render that goes wrong (a byte dropped, an item added, the
nesting broken, a value changed) must be caught by `verify_note` before
anything is written: the run refuses with exit 2, one line naming the file
and the note's line, and leaves the file and its folder as they were. Each
fault is injected into each kind of change (remove, replace, insert), and
each case is checked first without the fault, so it is the fault, not the
setup, that makes the run refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import dxltools.edit.render
import dxltools.edit.splice
import dxltools.rewrite.stream
from dxltools.dxl.model import Note
from dxltools.dxl.parse import parse_note
from dxltools.edit.changes import ByteChange, InsertItem, NewItem
from dxltools.edit.splice import splice as real_splice
from dxltools.edit.verify import verify_note
from dxltools.errors import VerifyError
from tests.clitools import error_line, invoke

# One document, written here so the line numbers below are plain to see: the
# note starts on line 3.
DOCUMENT = b"""<?xml version='1.0' encoding='utf-8'?>
<!-- one Foreign Domain document -->
<document xmlns='http://www.lotus.com/dxl' version='9.0' form='Domain'>
<noteinfo noteid='e64' unid='26DD6B87DB3B179DC12586EE00284E2F' sequence='4'/>
<item name='Type'><text>Domain</text></item>
<item name='DomainName'><text>BTEx</text></item>
<item name='DocumentAccess' authors='true' names='true'><text>[NetModifier]</text></item>
</document>
"""
NOTE_LINE = 3

# The three kinds of change, each an agent file: what it does to DOCUMENT.
AGENTS = {
    "remove": """
name = "remove"
[[actions]]
action = "remove-item"
item = "DocumentAccess"
""",
    "replace": """
name = "replace"
[[actions]]
action = "set-item"
item = "DomainName"
values = ["Other"]
""",
    "insert": """
name = "insert"
[[actions]]
action = "set-item"
item = "Comment"
values = ["added"]
""",
}

# What the run writes without a fault, by hand: the oracle of the control run.
EXPECTED = {
    "remove": DOCUMENT.replace(
        b"\n<item name='DocumentAccess' authors='true' names='true'><text>[NetModifier]"
        b"</text></item>",
        b"",
    ),
    "replace": DOCUMENT.replace(b"<text>BTEx</text>", b"<text>Other</text>"),
    "insert": DOCUMENT.replace(
        b"</text></item>\n</document>",
        b"</text></item>\n<item name='Comment'><text>added</text></item>\n</document>",
    ),
}

Splice = Callable[[Note, Sequence[ByteChange]], bytes]
Render = Callable[[NewItem, str, str], bytes]


def _drop_a_byte_of_a_kept_item(data: bytes) -> bytes:
    """`Domain` loses its last letter in the item no change names."""
    return data.replace(b"<text>Domain</text>", b"<text>Domai</text>", 1)


def _add_an_item(data: bytes) -> bytes:
    return data.replace(b"</document>", b"<item name='Stray'><text>x</text></item></document>")


def _break_the_nesting(data: bytes) -> bytes:
    """The first item's end tag goes: <item> now holds the next items."""
    return data.replace(b"</text></item>", b"</text>", 1)


SPLICE_FAULTS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    # fault -> (what it does to the spliced note, the reason verify gives)
    "drops a byte": (_drop_a_byte_of_a_kept_item, "an item no change named lost bytes"),
    "adds an item": (_add_an_item, "the rewritten note has the wrong number of items"),
    "breaks the nesting": (_break_the_nesting, "the rewritten note does not parse"),
}

RENDER_FAULTS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "drops a byte": (lambda item: item[:-1], "the rewritten note does not parse"),
    "adds an item": (lambda item: item + item, "the rewritten note has the wrong number of items"),
    "writes another value": (
        lambda item: item.replace(b"</text>", b"X</text>"),
        "does not read back as written",
    ),
    "breaks the nesting": (
        lambda item: item.replace(b"</text>", b"", 1),
        "the rewritten note does not parse",
    ),
}


def _agent(tmp_path: Path, kind: str) -> Path:
    agent = tmp_path / "agents" / f"{kind}.toml"
    agent.parent.mkdir()
    agent.write_text(AGENTS[kind], encoding="utf-8")
    return agent


def _folder(tmp_path: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file()}


def _run(tmp_path: Path, kind: str) -> tuple[Path, dict[Path, bytes], int, str]:
    """Run the agent of `kind` in place on a copy of DOCUMENT; the file, the
    folder before the run, the exit status and stderr."""
    agent = _agent(tmp_path, kind)
    target = tmp_path / "work" / "one.dxl"
    target.parent.mkdir()
    target.write_bytes(DOCUMENT)
    before = _folder(tmp_path)
    result = invoke(["run", str(agent), str(target), "-i"])
    return target, before, result.exit_code, result.stderr


def _assert_refused(tmp_path: Path, kind: str, reason: str) -> None:
    target, before, status, stderr = _run(tmp_path, kind)
    assert status == 2, stderr
    line = error_line(stderr)
    assert line.startswith(f"dxltools: {target}:{NOTE_LINE}: note "), line
    assert reason in line, line
    assert line.endswith("; nothing written"), line
    assert _folder(tmp_path) == before  # the file as it was, and nothing beside it


@pytest.mark.parametrize("kind", sorted(AGENTS))
def test_without_a_fault_the_run_writes_what_the_agent_asks(tmp_path: Path, kind: str) -> None:
    target, _, status, stderr = _run(tmp_path, kind)
    assert status == 0, stderr
    assert target.read_bytes() == EXPECTED[kind]


@pytest.mark.parametrize("fault", sorted(SPLICE_FAULTS))
@pytest.mark.parametrize("kind", sorted(AGENTS))
def test_a_faulty_splice_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, fault: str
) -> None:
    damage, reason = SPLICE_FAULTS[fault]
    real: Splice = dxltools.edit.splice.splice

    def faulty(note: Note, changes: Sequence[ByteChange]) -> bytes:
        new = real(note, changes)
        damaged = damage(new)
        assert damaged != new, "the fault must change the spliced bytes"
        return damaged

    monkeypatch.setattr(dxltools.rewrite.stream, "splice", faulty)
    _assert_refused(tmp_path, kind, reason)


@pytest.mark.parametrize("fault", sorted(RENDER_FAULTS))
@pytest.mark.parametrize("kind", ["replace", "insert"])  # a removal renders nothing
def test_a_faulty_render_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, fault: str
) -> None:
    damage, reason = RENDER_FAULTS[fault]
    real: Render = dxltools.edit.render.render_item

    def faulty(new: NewItem, encoding: str = "utf-8", quote: str = "'") -> bytes:
        rendered = real(new, encoding, quote)
        damaged = damage(rendered)
        assert damaged != rendered, "the fault must change the rendered item"
        return damaged

    monkeypatch.setattr(dxltools.edit.splice, "render_item", faulty)
    _assert_refused(tmp_path, kind, reason)


def test_a_removal_that_leaves_the_item_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A splice that forgets the removal: the note parses, every kept item is
    there, but one item too many."""
    monkeypatch.setattr(dxltools.rewrite.stream, "splice", lambda note, changes: note.data)
    _assert_refused(tmp_path, "remove", "the rewritten note has the wrong number of items")


# -- the check on its own: promises a kept item cannot keep for a new one ------------------

NOTE_WITH_A_COMMENT = (
    b"<document form='Domain'>\n"
    b"<item name='Type'><text>Domain</text></item>\n"
    b"<item name='Comment'><text>added</text></item>\n"
    b"</document>"
)


def test_a_new_item_is_judged_by_the_bytes_written_not_by_a_kept_twin() -> None:
    """The new Comment reads back wrong; a kept Comment with the promised value
    must not stand in for it (only the bytes the changes added are looked at)."""
    old = parse_note(NOTE_WITH_A_COMMENT)
    changes = [InsertItem(NewItem("Comment", ("added",)))]
    good = real_splice(old, changes)
    assert verify_note(old, good, changes, "one.dxl").items[-1].texts == ("added",)
    wrong = good.replace(
        b"<text>added</text></item>\n</document>", b"<text>addedX</text></item>\n</document>"
    )
    assert wrong != good
    with pytest.raises(VerifyError, match="item Comment does not read back as written"):
        verify_note(old, wrong, changes, "one.dxl")
