"""Parsing one note into the model: values, flags, spans, datetimes."""

from __future__ import annotations

import datetime as dt

import pytest

from dxltools.dxl.model import (
    DateTime,
    DateTimeList,
    DxlDateTime,
    Number,
    NumberList,
    Opaque,
    Text,
    TextList,
)
from dxltools.dxl.parse import parse_note
from dxltools.errors import DxlSyntaxError, UnsupportedInputError

NOTE = (
    b"<document form='Domain'>\n"
    b"<noteinfo noteid='8fa' unid='0123456789ABCDEF0123456789ABCDEF' sequence='4'>\n"
    b"<created><datetime dst='true'>20210328T120508,71+02</datetime></created>\n"
    b"<modified><datetime>20210402T092731,42-0430</datetime></modified></noteinfo>\n"
    b"<updatedby><name>CN=Admin/O=Acme</name></updatedby>\n"
    b"<item name='DomainName'><text>BTEx &amp; co</text></item>\n"
    b"<item name='DocumentAccess' authors='true' names='true'><text\n>[NetModifier]</text></item>\n"
    b"<item name='List'><textlist><text>a<break/>b</text><text/></textlist></item>\n"
    b"<item name='Count' summary='false'><number>7.5</number></item>\n"
    b"<item name='Counts'><numberlist><number>1</number><number>2</number></numberlist></item>\n"
    b"<item name='When'><datetime>20210328</datetime></item>\n"
    b"<item name='Whens'><datetimelist><datetime>T120508,71</datetime>"
    b"<datetimepair><datetime>20210101</datetime><datetime>20210102</datetime></datetimepair>"
    b"</datetimelist></item>\n"
    b"<item name='Body'><richtext><par>x</par></richtext></item>\n"
    b"<item name='Odd'><text><![CDATA[a<b]]><nonxmlchar value='1'/></text></item></document>"
)


def test_note_header_and_items() -> None:
    note = parse_note(NOTE, line=10)
    assert note.form == "Domain"
    assert note.unid == "0123456789ABCDEF0123456789ABCDEF"
    assert note.noteid == "8fa"
    assert note.sequence == 4
    assert note.created is not None and note.created.dst
    assert note.modified is not None
    assert note.modified.value == dt.datetime(
        2021, 4, 2, 9, 27, 31, 420000, tzinfo=dt.timezone(-dt.timedelta(hours=4, minutes=30))
    )
    values = {item.name: item.value for item in note.items}
    assert values["DomainName"] == Text("BTEx & co")
    assert values["DocumentAccess"] == Text("[NetModifier]")
    assert values["List"] == TextList(("a\nb", ""))
    assert values["Count"] == Number(7.5, "7.5")
    assert values["Counts"] == NumberList((Number(1.0, "1"), Number(2.0, "2")))
    assert isinstance(values["When"], DateTime)
    assert values["When"].value.value == dt.date(2021, 3, 28)
    assert isinstance(values["Whens"], DateTimeList)
    assert len(values["Whens"].values) == 2
    assert values["Body"] == Opaque("richtext")
    assert values["Odd"] == Text("a<b\x01")


def test_item_spans_flags_and_lines() -> None:
    note = parse_note(NOTE, line=10)
    access = note.items_named("documentaccess")[0]
    assert note.item_bytes(access).startswith(b"<item name='DocumentAccess'")
    assert note.item_bytes(access).endswith(b"</item>")
    assert access.flags.authors and access.flags.names and not access.flags.readers
    assert access.line == 16
    count = note.items_named("COUNT")[0]
    assert count.flags.summary is False
    assert note.data[note.header_end - len(b"</updatedby>") : note.header_end] == b"</updatedby>"
    assert note.data[note.end_tag_start :] == b"</document>"


def test_namespaced_note() -> None:
    note = parse_note(
        b"<note class='document'><item name='Form'><text>Domain</text></item></note>",
        namespace="http://www.lotus.com/dxl",
    )
    assert note.tag == "note"
    assert note.form == "Domain"  # from the Form item when the tag has no form attribute


def test_form_item_among_other_items() -> None:
    note = parse_note(
        b"<document><item name='DomainName'><text>BTEx</text></item>"
        b"<item name='Form'><text>Domain</text></item></document>"
    )
    assert note.form == "Domain"  # the Form item's, not the first text met


def test_blank_text_around_a_break_is_read() -> None:
    # Blanks beside an element are text too: " \n  " is a value, not indentation.
    note = parse_note(b"<document><item name='Lines'><text> <break/>  </text></item></document>")
    assert note.items[0].value == Text(" \n  ")


@pytest.mark.parametrize(
    ("code", "char"), [("0", "\x00"), ("1f", "\x1f"), ("10FFFF", "\U0010ffff")]
)
def test_nonxmlchar_code_points_up_to_the_last(code: str, char: str) -> None:
    data = f"<document><item name='a'><text>a<nonxmlchar value='{code}'/></text></item></document>"
    assert parse_note(data.encode()).items[0].value == Text("a" + char)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "20210328T120508,71+02",
            dt.datetime(2021, 3, 28, 12, 5, 8, 710000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
        (
            "20210328T120508,7-0530",
            dt.datetime(
                2021,
                3,
                28,
                12,
                5,
                8,
                700000,
                tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30)),
            ),
        ),
        ("20210328T120508Z", dt.datetime(2021, 3, 28, 12, 5, 8, tzinfo=dt.UTC)),
        ("20210328", dt.date(2021, 3, 28)),
        ("T120508,71", dt.time(12, 5, 8, 710000, tzinfo=dt.UTC)),
        ("", None),
    ],
)
def test_datetimes(raw: str, expected: object) -> None:
    parsed = DxlDateTime.parse(raw)
    assert parsed.value == expected
    value = parsed.value
    if isinstance(value, dt.datetime | dt.time):
        assert value.tzinfo is not None


def test_bad_datetime() -> None:
    with pytest.raises(ValueError, match="not a DXL datetime"):
        DxlDateTime.parse("yesterday")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<document><item name='a'><text>x</item></document>", "not well-formed"),
        # Declared or not, an entity is never read: unsupported, not necessarily ill-formed.
        (b"<document><item name='a'><text>&ent;</text></item></document>", "entity &ent; is not"),
        (b"<document><item name='a'><text>x</text><text>y</text></item></document>", "exactly one"),
        (b"<document><item><text>x</text></item></document>", "no name"),
        (b"<document><item name='a'><text/></item><noteinfo/></document>", "after the items"),
        (
            b"<document><item name='a'><text><nonxmlchar value='110000'/></text></item></document>",
            "not a hex code point",
        ),
    ],
)
def test_bad_notes_are_located_errors(data: bytes, reason: str) -> None:
    wanted = UnsupportedInputError if "entity" in reason else DxlSyntaxError
    with pytest.raises(wanted, match=reason) as caught:
        parse_note(data, line=40, source="x.dxl")
    assert caught.value.line == 40
    assert str(caught.value).startswith("x.dxl:40")


def test_entities_are_never_expanded() -> None:
    data = b"<document><item name='a'><text>&xxe;</text></item></document>"
    with pytest.raises(UnsupportedInputError, match="entity &xxe; is not defined"):
        parse_note(data)
