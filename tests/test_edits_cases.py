"""set-readers and the signed-document warning on hand-written notes, the
expected changes written by hand (DECISIONS.md, "Agents and actions"): found
by mutation testing (issue 19)."""

from __future__ import annotations

import pytest

from dxltools.dxl.model import ItemFlags, Note
from dxltools.dxl.parse import parse_note
from dxltools.edit.changes import InsertItem, NewItem, RemoveItem, ReplaceItem, Warn
from dxltools.edit.edits import add_names, remove_names, set_item, set_readers, signed_warning
from dxltools.errors import EditError

UNID = "0123456789ABCDEF0123456789ABCDEF"


def note(*items: str) -> Note:
    body = "\n".join(items)
    head = f"<document form='Domain'>\n<noteinfo noteid='1' unid='{UNID}'/>\n"
    return parse_note(f"{head}{body}</document>".encode())


CAL = "<item name='CalendarServer'><text>Coex1/Acme</text></item>"
MAIL = "<item name='MailServer'><text>CN=Mail1/O=Acme</text></item>"


def test_by_default_the_calendar_server_wins_and_the_item_is_readers() -> None:
    changes = set_readers("Servers", "Admins")(note(MAIL, CAL))
    assert changes == [
        InsertItem(
            NewItem("$Readers", ("Servers", "Admins", "CN=Coex1/O=Acme"), ItemFlags(readers=True))
        )
    ]


def test_the_mail_server_when_there_is_no_calendar_server() -> None:
    (change,) = set_readers("Servers", "Admins")(note(MAIL))
    assert isinstance(change, InsertItem)
    assert change.new.values == ("Servers", "Admins", "CN=Mail1/O=Acme")


def test_no_server_is_an_error_naming_the_items_and_the_line() -> None:
    data = f"<document form='Domain'><noteinfo noteid='1' unid='{UNID}'/></document>".encode()
    with pytest.raises(EditError) as caught:
        set_readers("Servers", "Admins")(parse_note(data, line=7))
    assert caught.value.reason == (
        f"note {UNID}: no coexistence server in CalendarServer or MailServer; file not rewritten"
    )
    assert caught.value.line == 7


READY = (
    "<item name='$Readers' readers='true'><textlist><text>admins</text><text>SERVERS</text>"
    "<text>CN=Coex1/O=Acme</text></textlist></item>"
)


@pytest.mark.parametrize(
    "readers",
    [READY, READY.replace("<text>admins</text>", "<text>admins</text><text>Admins</text>")],
    ids=["same", "duplicates-ignored"],
)
def test_a_readers_item_already_right_is_left_alone(readers: str) -> None:
    assert set_readers("Servers", "Admins")(note(CAL, readers)) == []


def test_a_second_readers_item_is_removed_and_the_first_kept() -> None:
    both = note(CAL, READY, READY.replace("SERVERS", "Servers"))
    _, second = both.items_named("$Readers")
    assert set_readers("Servers", "Admins")(both) == [RemoveItem(second)]


@pytest.mark.parametrize(
    "readers",
    [
        READY.replace(" readers='true'", ""),  # not flagged readers
        READY.replace("readers='true'", "readers='true' summary='false'"),
        READY.replace("<text>admins</text>", "<text>admins</text><text> </text>"),  # a blank
        READY.replace("<text>SERVERS</text>", ""),  # one name missing
    ],
    ids=["no-flag", "summary-false", "blank", "missing"],
)
def test_a_readers_item_not_quite_right_is_rewritten(readers: str) -> None:
    changes = set_readers("Servers", "Admins")(note(CAL, readers))
    assert changes
    (first, *_) = changes
    assert isinstance(first, ReplaceItem)
    assert first.new.values == ("Servers", "Admins", "CN=Coex1/O=Acme")
    assert first.new.flags.readers and first.new.flags.summary is None


def test_a_signed_note_draws_a_warning() -> None:
    message = f"note {UNID} was signed; the change invalidates its signature"
    assert signed_warning(note("<item name='$Signature'><text/></item>")) == Warn(message)
    assert signed_warning(note("<item name='X' sign='true'><text/></item>")) == Warn(message)
    assert signed_warning(note("<item name='X'><text/></item>")) is None


def test_set_readers_keeps_the_other_flags_of_the_item_it_rewrites() -> None:
    wrong = "<item name='$Readers' readers='true' names='true'><text>Other</text></item>"
    (change,) = set_readers("Servers", "Admins")(note(CAL, wrong))
    assert isinstance(change, ReplaceItem)
    assert change.new.flags == ItemFlags(readers=True, names=True)


ONE = "<item name='X'><text>a</text></item>"


def test_set_item_with_the_value_already_there_twice_removes_the_second() -> None:
    both = note(ONE, ONE)
    _, second = both.items
    assert set_item("X", ["a"])(both) == [RemoveItem(second)]
    assert set_item("X", ["a"])(note(ONE)) == []


def test_add_names_creates_a_names_item_and_keeps_the_flags_of_one_there() -> None:
    assert add_names("X", ["B/Acme"])(note()) == [
        InsertItem(NewItem("X", ("CN=B/O=Acme",), ItemFlags(names=True)))
    ]
    readers = note("<item name='X' readers='true'><text>A</text></item>")
    (change,) = add_names("X", ["B"])(readers)
    assert isinstance(change, ReplaceItem)
    assert change.new == NewItem("X", ("A", "B"), ItemFlags(readers=True))


def test_remove_names_keeps_the_flags_and_leaves_an_empty_value() -> None:
    authors = note("<item name='X' authors='true'><text>A</text></item>")
    (change,) = remove_names("X", ["a"])(authors)
    assert isinstance(change, ReplaceItem)
    assert change.new == NewItem("X", ("",), ItemFlags(authors=True))
