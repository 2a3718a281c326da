"""Where reads end changes nothing the splitter decides (issue 19, item 6).

Skimming decides on a note's start tag only once the whole tag is read: a
tag cut by the end of a read is neither passed over nor handed to the exact
walk on what its first bytes seem to say.
"""

from __future__ import annotations

import io

import pytest

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import SegmentKind
from dxltools.dxl.skim import Interest

# A raw-note export: every note is a `<note>`, two of a form of interest.
RAW = b"""<?xml version='1.0' encoding='utf-8'?>
<database xmlns='http://www.lotus.com/dxl'>
<note class='document' form='Person'><item name='A'><text>1</text></item></note>
<note class='document' form='Domain'><item name='B'><text>2</text></item></note>
<note class='document' form='Person'><item name='C'><text>3</text></item></note>
<note class='document' form='domain'><item name='D'><text>4</text></item></note>
</database>
"""
# By hand: the notes of interest start on these lines, and four notes in all.
DOMAIN_LINES = [4, 6]


def split(data: bytes, size: int) -> tuple[list[int], int]:
    scanner = Scanner(io.BytesIO(data), chunk_size=size, interest=Interest(frozenset({"domain"})))
    found = list(scanner.segments())
    assert b"".join(segment.data for segment in found) == data
    notes = [segment.line for segment in found if segment.kind is SegmentKind.NOTE]
    counted = sum(segment.notes for segment in found if segment.kind is SegmentKind.SKIPPED)
    return notes, counted + len(notes)


@pytest.mark.parametrize("size", range(1, len(RAW) + 1))
def test_notes_of_interest_are_found_at_every_read_size(size: int) -> None:
    assert split(RAW, size) == (DOMAIN_LINES, 4)


# A start tag skimming cannot read as the exact walk does (an unquoted form)
# is handed over, whole reads or not: the exact walk reads it (a note with no
# form it can read, so of interest) at every read size.
UNQUOTED = RAW.replace(b"form='Person'><item name='A'>", b"form=Person><item name='A'>")


@pytest.mark.parametrize("size", [1, 7, 40, 100, len(UNQUOTED)])
def test_a_tag_skimming_cannot_read_goes_to_the_exact_walk(size: int) -> None:
    notes, _ = split(UNQUOTED, size)
    assert notes == [3, *DOMAIN_LINES]


# The declaration's line ends in CRLF, the others in LF: the file's line break
# (for new items) is the first one, CRLF, however much of the file was read.
MIXED = (
    b"<?xml version='1.0'?>\r\n<database xmlns='http://www.lotus.com/dxl'>\n"
    b"<document form='X'>\n</document>\n</database>\n"
)


@pytest.mark.parametrize("size", range(1, len(MIXED) + 1))
def test_the_line_break_is_the_first_one_at_every_read_size(size: int) -> None:
    scanner = Scanner(io.BytesIO(MIXED), chunk_size=size)
    list(scanner.segments())
    assert scanner.prolog is not None
    assert scanner.prolog.newline == b"\r\n"
