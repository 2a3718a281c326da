"""dxl.spelling: a note whose text casefolds to a value is never ruled out by its bytes.

The notes are written with every spelling a parser reads as the same text (references,
CDATA, comments, processing instructions, ``<nonxmlchar/>``, an element inside the
text, letters that casefold to ASCII); what the text is comes from the parser itself.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxltools.dxl.parse import note_from_segment
from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import SegmentKind
from dxltools.dxl.spelling import may_hold, spelt_otherwise, text_needle

PROLOG = b"<?xml version='1.0' encoding='utf-8'?>\n<database xmlns='http://www.lotus.com/dxl'>\n"

# Each way of writing one ASCII character that the parser reads as that character, or
# as one that casefolds to it (the letter in the other case, or a character that
# casefolds to it: Kelvin sign, long s).
OTHER_FOLDS = {"k": ["\u212a"], "s": ["\u017f"]}


@st.composite
def spelt(draw: st.DrawFn, char: str) -> str:
    """`char` as a note may write it, with markup the parser leaves out around it."""
    same = [char, char.swapcase(), *OTHER_FOLDS.get(char.lower(), [])]
    written = draw(st.sampled_from(same))
    way = draw(st.sampled_from(["plain", "decimal", "hex", "cdata", "nonxmlchar"]))
    if way == "decimal":
        written = f"&#{ord(written)};"
    elif way == "hex":
        written = f"&#x{ord(written):x};"
    elif way == "cdata":
        written = f"<![CDATA[{written}]]>"
    elif way == "nonxmlchar":
        written = f"<nonxmlchar value='{ord(written):x}'/>"
    elif written in "<&":
        written = {"<": "&lt;", "&": "&amp;"}[written]
    left_out = draw(st.sampled_from(["", "", "", "<!-- c -->", "<?pi x?>", "<wrap/>"]))
    return left_out + written


@st.composite
def spelt_word(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1))
    plainly = draw(st.booleans())  # half of them plainly: the needle finds those
    if plainly:
        return word, word.replace("&", "&amp;").replace("<", "&lt;")
    return word, "".join(draw(spelt(char)) for char in word)


def note_bytes(texts: list[str]) -> bytes:
    values = "".join(f"<text>{text}</text>" for text in texts)
    return (
        b"<document form='Domain'><noteinfo unid='D0000000000000000000000000000001'/>"
        b"<item name='DomainName'><text>BTEx</text></item>"
        b"<item name='DomainType'><textlist>" + values.encode() + b"</textlist></item></document>"
    )


def parsed_texts(note: bytes) -> tuple[bytes, list[str]]:
    """The note's bytes as the splitter gives them, and its texts as the parser reads them."""
    scanner = Scanner(io.BytesIO(PROLOG + note + b"\n</database>\n"), "names.dxl")
    for segment in scanner.segments():
        if segment.kind is SegmentKind.NOTE:
            assert scanner.prolog is not None
            parsed = note_from_segment(segment, scanner.prolog, "names.dxl")
            return segment.data, [text for item in parsed.items for text in item.texts]
    raise AssertionError("no note")


@given(spelt_word(), st.lists(spelt_word(), max_size=2))
def test_a_note_holding_the_value_may_hold_it(
    wanted: tuple[str, str], others: list[tuple[str, str]]
) -> None:
    word, written = wanted
    data, texts = parsed_texts(note_bytes([other for _, other in others] + [written]))
    assert texts[-1].casefold() == word.casefold()  # the parser reads what was meant
    assert may_hold(data, "utf-8", text_needle([word, "AdjacentDomain"]))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["AdjacentDomain"], False),
        (["Foreign Domain"], False),
        (["ForeignDomai"], False),
        (["ForeignDomain"], True),
        (["xx FOREIGNdomain yy"], True),  # a byte search is no parse: may hold
        (["Foreign<wrap/>Domai"], True),  # markup inside a text: only a parse can tell
        (["Foreign&#68;omain"], True),
    ],
)
def test_plain_bytes_without_the_value_cannot_hold_it(texts: list[str], expected: bool) -> None:
    data, _ = parsed_texts(note_bytes(texts))
    assert may_hold(data, "utf-8", text_needle(["ForeignDomain"])) is expected


@pytest.mark.parametrize(
    "data",
    [
        b"<text>a</text><text/><textlist><text>b</text></textlist><text >c</text >",
        b"<x:text>a</x:text><text a='1'>b</text>",
        b"<text/>\n<item name='a'/>",
        b"<text />\n<item name='a'/><!-- a comment --><?pi outside a text?>",
    ],
)
def test_plain_texts_are_not_spelt_otherwise(data: bytes) -> None:
    assert not spelt_otherwise(data, "utf-8")


@pytest.mark.parametrize(
    ("written", "word"),
    [
        ("\u212aelvin", "kelvin"),  # the Kelvin sign
        ("Cla\u017fs", "CLASS"),  # the long s
        ("Stra\u00dfe", "strasse"),  # sharp s: two letters
        ("\ufb01ne", "fine"),  # the fi ligature
    ],
)
def test_letters_that_casefold_to_ascii_may_spell_the_value(written: str, word: str) -> None:
    data, texts = parsed_texts(note_bytes([written]))
    assert texts[-1].casefold() == word.casefold()
    assert may_hold(data, "utf-8", text_needle([word]))


@pytest.mark.parametrize("values", [["Foreign\nDomain"], ["D\u00f6m\u00e4ne"], [""], []])
def test_a_value_a_byte_search_cannot_find_has_no_needle(values: list[str]) -> None:
    assert text_needle(values) is None


@pytest.mark.parametrize(
    ("encoding", "value"),
    [("shift_jis_2004", "Acme\\Mail"), ("shift_jisx0213", "a~b")],
)
def test_where_ascii_is_not_its_own_bytes_the_bytes_rule_nothing_out(
    encoding: str, value: str
) -> None:
    data = f"<item name='DomainName'><text>{value}</text></item>".encode(encoding)
    needle = text_needle([value])
    assert needle is not None  # the value is printable ASCII
    assert needle.search(data) is None  # but not written as such
    assert may_hold(data, encoding, needle)
    assert may_hold(data, "utf-8", needle) is False  # what the guard prevents
