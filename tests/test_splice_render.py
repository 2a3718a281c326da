"""Splice and render on small notes written by hand, with the expected bytes
written by hand (DECISIONS.md, "Writing"): found by mutation testing, where the
generated properties left room (issue 19)."""

from __future__ import annotations

import pytest

from dxltools.dxl.model import ItemFlags
from dxltools.dxl.parse import parse_note
from dxltools.edit.changes import ByteChange, InsertItem, NewItem, RemoveItem, ReplaceItem
from dxltools.edit.render import render_item
from dxltools.edit.splice import splice
from dxltools.errors import EditError

NEW = NewItem("N", ("v",))
NEW_BYTES = b"<item name='N'><text>v</text></item>"


def _spliced(data: bytes, change: str) -> bytes:
    note = parse_note(data)
    if change == "insert":
        return splice(note, [InsertItem(NEW)])
    (target,) = note.items_named("B")
    if change == "remove":
        return splice(note, [RemoveItem(target)])
    return splice(note, [ReplaceItem(target, NEW)])


@pytest.mark.parametrize(
    ("data", "change", "result"),
    [
        # No items, Domino's layout: the new item on its own line after the header.
        (
            b"<document form='X'>\n<noteinfo noteid='1'/></document>",
            "insert",
            b"<document form='X'>\n<noteinfo noteid='1'/>\n" + NEW_BYTES + b"</document>",
        ),
        # No items, indented: the header line's indentation.
        (
            b"<document form='X'>\n\t <noteinfo noteid='1'/>\n</document>",
            "insert",
            b"<document form='X'>\n\t <noteinfo noteid='1'/>\n\t " + NEW_BYTES + b"\n</document>",
        ),
        # No items, indented, the header's line holding text before it.
        (
            b"<document form='X'>\n  <updatedby/><noteinfo noteid='1'/>\n</document>",
            "insert",
            b"<document form='X'>\n  <updatedby/><noteinfo noteid='1'/>\n  "
            + NEW_BYTES
            + b"\n</document>",
        ),
        # No items, a header over several lines: the indentation of its last line.
        (
            b"<document>\n  <noteinfo noteid='1'/>\n\t<updatedby/>\n</document>",
            "insert",
            b"<document>\n  <noteinfo noteid='1'/>\n\t<updatedby/>\n\t"
            + NEW_BYTES
            + b"\n</document>",
        ),
        # ... and only its white space (an attribute wrapped onto the line is no indentation).
        (
            b"<document>\n<noteinfo noteid='1'\nX='2'/>\n</document>",
            "insert",
            b"<document>\n<noteinfo noteid='1'\nX='2'/>\n" + NEW_BYTES + b"\n</document>",
        ),
        # No items, the end tag on the header's line: a plain line break, even
        # when the header line is indented.
        (
            b"<document>\n  <noteinfo noteid='1'/> </document>",
            "insert",
            b"<document>\n  <noteinfo noteid='1'/>\n" + NEW_BYTES + b" </document>",
        ),
        # After the last item, with the white space before it.
        (
            b"<document>\n  <item name='A'><text/></item>\n  <item name='B'><text/></item>\n"
            b"</document>",
            "insert",
            b"<document>\n  <item name='A'><text/></item>\n  <item name='B'><text/></item>\n  "
            + NEW_BYTES
            + b"\n</document>",
        ),
        # The last item on the end tag's line: the end tag moves up.
        (
            b"<document>\n<item name='A'><text/></item>\n<item name='B'><text/></item></document>",
            "remove",
            b"<document>\n<item name='A'><text/></item></document>",
        ),
        # White space without a line break stays.
        (
            b"<document>\n<item name='A'><text/></item> <item name='B'><text/></item>\n</document>",
            "remove",
            b"<document>\n<item name='A'><text/></item> \n</document>",
        ),
        # The first item after the header: its line break goes, the header's stays.
        (
            b"<document>\n<noteinfo noteid='1'/>\r\n\t<item name='B'><text/></item>\n</document>",
            "remove",
            b"<document>\n<noteinfo noteid='1'/>\n</document>",
        ),
        (
            b"<document>\n<item name='A'><text/></item>\n<item name='B'><text>x</text></item>\n"
            b"</document>",
            "replace",
            b"<document>\n<item name='A'><text/></item>\n" + NEW_BYTES + b"\n</document>",
        ),
    ],
    ids=[
        "insert-plain",
        "insert-indented",
        "insert-indented-after-text",
        "insert-header-lines",
        "insert-wrapped-attribute",
        "insert-end-tag-on-header-line",
        "insert-after-last",
        "remove-last",
        "remove-inline",
        "remove-after-header",
        "replace",
    ],
)
def test_splice_writes_exactly_these_bytes(data: bytes, change: str, result: bytes) -> None:
    assert _spliced(data, change) == result


def test_an_attribute_value_keeps_every_character() -> None:
    new = NewItem("a&b<c'd\ne\rf\tg>h\"i", ("v",))
    assert render_item(new) == (
        b"<item name='a&amp;b&lt;c&apos;d&#xa;e&#xd;f&#x9;g>h\"i'><text>v</text></item>"
    )


def test_a_text_value_is_escaped_as_domino_writes_it() -> None:
    new = NewItem("T", ("a&b<c]]>d\re\x01f>g\"h'i\nj",))
    assert render_item(new) == (
        b"<item name='T'><text>a&amp;b&lt;c]]&gt;d&#xd;e<nonxmlchar value='1'/>f>g\"h'i"
        b"<break/>j</text></item>"
    )


@pytest.mark.parametrize(
    ("new", "result"),
    [
        (NewItem("E", ("",)), b"<item name='E'><text/></item>"),
        (NewItem("E", ()), b"<item name='E'><textlist></textlist></item>"),
        (
            NewItem("L", ("x",), as_list=True),
            b"<item name='L'><textlist><text>x</text></textlist></item>",
        ),
        (NewItem("S", ("x",), as_list=False), b"<item name='S'><text>x</text></item>"),
        (
            NewItem("L", ("x", "y"), as_list=False),
            b"<item name='L'><textlist><text>x</text><text>y</text></textlist></item>",
        ),
        (
            NewItem(
                "F",
                ("x",),
                ItemFlags(summary=False, readers=True, names=True, protected=False, sign=True),
            ),
            b"<item name='F' summary='false' sign='true' names='true' readers='true'"
            b" protected='false'><text>x</text></item>",
        ),
        (
            NewItem(
                "F",
                ("x",),
                ItemFlags(
                    summary=True,
                    authors=True,
                    seal=True,
                    sealed=True,
                    placeholder=True,
                    protected=True,
                ),
            ),
            b"<item name='F' summary='true' seal='true' sealed='true' authors='true'"
            b" placeholder='true' protected='true'><text>x</text></item>",
        ),
        (NewItem("É", ("ü",)), "<item name='É'><text>ü</text></item>".encode()),
    ],
    ids=[
        "empty",
        "no-values",
        "one-as-list",
        "one-not-as-list",
        "two",
        "flags",
        "more-flags",
        "utf-8",
    ],
)
def test_items_are_rendered_as_written_here(new: NewItem, result: bytes) -> None:
    assert render_item(new) == result


def test_a_character_the_encoding_lacks_becomes_a_reference() -> None:
    assert render_item(NewItem("É", ("€",)), "latin-1") == (
        b"<item name='\xc9'><text>&#8364;</text></item>"
    )


def test_changes_say_what_they_do() -> None:
    note = parse_note(b"<document>\n<item name='B' names='true'><text>x</text></item></document>")
    (item,) = note.items
    new = NewItem("B", ("a", "b"), ItemFlags(readers=True, names=True))
    assert ReplaceItem(item, new).describe() == "set B (readers, names): a; b"
    assert InsertItem(NewItem("C", ())).describe() == "added C (no flags): (empty)"
    assert InsertItem(NewItem("C", ("a", "b"))).describe() == "added C (no flags): a; b"
    assert RemoveItem(item).describe() == "removed B (names): x"


def test_new_items_take_the_quote_of_the_items_before_that_of_the_start_tag() -> None:
    note = parse_note(b"<document form=\"X\">\n<item name='B'><text>x</text></item></document>")
    assert splice(note, [ReplaceItem(note.items[0], NEW)]) == (
        b'<document form="X">\n' + NEW_BYTES + b"</document>"
    )
    bare = parse_note(b'<document form="X">\n<noteinfo noteid="1"/></document>')
    assert splice(bare, [InsertItem(NEW)]) == (
        b'<document form="X">\n<noteinfo noteid="1"/>\n<item name="N"><text>v</text></item>'
        b"</document>"
    )


def test_changes_in_any_order_give_the_same_bytes() -> None:
    note = parse_note(
        b"<document>\n<item name='A'><text>a</text></item>\n"
        b"<item name='B'><text>b</text></item>\n<item name='C'><text>c</text></item></document>"
    )
    first, _, last = note.items
    backwards: list[ByteChange] = [ReplaceItem(last, NEW), RemoveItem(first)]
    assert splice(note, backwards) == (
        b"<document>\n<item name='B'><text>b</text></item>\n" + NEW_BYTES + b"</document>"
    )


def test_two_changes_to_one_item_are_refused() -> None:
    note = parse_note(b"<document>\n<item name='B'><text>x</text></item></document>")
    (item,) = note.items
    with pytest.raises(EditError, match="two changes target item B"):
        splice(note, [RemoveItem(item), ReplaceItem(item, NEW)])
