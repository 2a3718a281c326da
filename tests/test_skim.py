"""Skimming: with an Interest, the splitter passes over notes of no interest in
SKIPPED segments, and must agree with the exact walk on everything else."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxltools.dxl.scan import Scanner, scan_bytes
from dxltools.dxl.segments import Segment, SegmentKind
from dxltools.dxl.skim import Interest, passed_over_notes
from dxltools.dxl.tokens import parse_attributes
from tests.directory_strategies import GenDirectory, directories
from tests.shared import fixture_files, real_dxl_params
from tests.strategies import GenFile, domain_notes, dxl_files

FORM_SETS = [frozenset({"Domain"}), frozenset({"domain", "Person"}), frozenset(), frozenset({"X"})]


def skim(data: bytes, interest: Interest, chunk_size: int = 1 << 20) -> list[Segment]:
    return list(Scanner(io.BytesIO(data), "t.dxl", chunk_size, interest=interest).segments())


def wanted(segment: Segment, interest: Interest) -> bool:
    form = parse_attributes(segment.start_tag).get("form")
    return form is None or form.casefold() in {f.casefold() for f in interest.forms}


def assert_agrees(data: bytes, interest: Interest, chunk_size: int = 1 << 20) -> None:
    exact = scan_bytes(data)
    skimmed = skim(data, interest, chunk_size)
    assert b"".join(segment.data for segment in skimmed) == data
    count = sum(
        s.notes if s.kind is SegmentKind.SKIPPED else s.kind is SegmentKind.NOTE for s in skimmed
    )
    assert count == sum(s.kind is SegmentKind.NOTE for s in exact)
    must = [s for s in exact if s.kind is SegmentKind.NOTE and wanted(s, interest)]
    notes = [s for s in skimmed if s.kind is SegmentKind.NOTE]
    assert [s for s in notes if wanted(s, interest)] == must  # same bytes, offsets, lines
    for segment in skimmed:  # what was passed over holds no note of interest
        if segment.kind is SegmentKind.SKIPPED:
            assert not any(
                s.offset >= segment.offset and s.offset < segment.offset + len(segment.data)
                for s in must
            )
    ends = [s for s in skimmed if s.kind in (SegmentKind.ROOT_END, SegmentKind.TRAILER)]
    assert ends == [s for s in exact if s.kind in (SegmentKind.ROOT_END, SegmentKind.TRAILER)]


@given(dxl_files(domain_notes()), st.sampled_from(FORM_SETS), st.sampled_from([7, 64, 1 << 20]))
def test_skimming_agrees_with_the_exact_walk(
    generated: GenFile, forms: frozenset[str], chunk_size: int
) -> None:
    assert_agrees(generated.data, Interest(forms), chunk_size)


@pytest.mark.parametrize("path", [*real_dxl_params(), *fixture_files()], ids=lambda p: p.name)
@pytest.mark.parametrize("forms", FORM_SETS, ids=lambda f: ",".join(sorted(f)) or "none")
def test_skimming_real_exports_and_fixtures(path: object, forms: frozenset[str]) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    data = path.read_bytes()
    for chunk_size in (5, 333, 1 << 20):
        assert_agrees(data, Interest(forms, frozenset({"acl"})), chunk_size)


HEAD = b"<?xml version='1.0' encoding='utf-8'?>\n<database xmlns='http://www.lotus.com/dxl'>\n"
DOMAIN = (
    b"<document form='Domain'><noteinfo unid='%s'/><item name='A'><text>x</text></item>"
    b"</document>\n"
)
PERSON = (
    b"<document form='Person'><noteinfo unid='P'/><item name='A'><text>y</text></item></document>\n"
)


@pytest.mark.parametrize(
    "body",
    [
        PERSON * 3 + DOMAIN % b"1" + PERSON,
        b"<!-- <document form='Domain'> -->\n" + PERSON + DOMAIN % b"2",
        PERSON.replace(b"<text>y", b"<text><![CDATA[</database><document form='Domain'>]]>y")
        + DOMAIN % b"3",
        b"<databaseinfo><x/></databaseinfo>\n" + PERSON + b"<?pi </database>?>\n" + DOMAIN % b"4",
        b"<agent name='a'><documentset><query/></documentset></agent>\n" + DOMAIN % b"5",
        b"<note class='document'><noteinfo unid='N'/></note>\n" + PERSON + DOMAIN % b"6",
        b"<document\nform='domain'\n><noteinfo unid='7'/></document>\n" + PERSON,
        b"<document form=\"DOMAIN\" x='>'><noteinfo unid='8'/></document>\n" + PERSON * 2,
        b"<acl><aclentry name='x'/></acl>\n" + PERSON + DOMAIN % b"9",
        b"<note class='document' form='Person'><noteinfo unid='N'/></note>\n" + DOMAIN % b"10",
    ],
    ids=[
        "plain",
        "comment",
        "cdata",
        "pi",
        "documentset",
        "raw-note",
        "wrapped",
        "quotes",
        "acl",
        "raw-note-passed-over",
    ],
)
def test_skimming_hand_made_cases(body: bytes) -> None:
    data = HEAD + body + b"</database>\n"
    for chunk_size in range(1, 40):
        assert_agrees(data, Interest(frozenset({"Domain"}), frozenset({"acl"})), chunk_size)


def test_a_long_start_tag_cut_by_a_read_anywhere() -> None:
    # The form comes more than a hundred bytes after `<document`: every read
    # that ends inside the tag must still find the note of interest.
    long_domain = DOMAIN.replace(b"form='Domain'", b"x='" + b"y" * 150 + b"' form='Domain'")
    data = HEAD + PERSON + long_domain % b"1" + PERSON + long_domain % b"2" + b"</database>\n"
    for chunk_size in range(1, 260):
        assert_agrees(data, Interest(frozenset({"Domain"})), chunk_size)


def test_a_file_cut_short_is_still_an_error() -> None:
    from dxltools.errors import DxlSyntaxError

    data = HEAD + PERSON * 50
    with pytest.raises(DxlSyntaxError, match="never closed"):
        skim(data, Interest(frozenset({"Domain"})))


PERSONS = (
    b"<?xml version='1.0'?>\n<database xmlns='http://www.lotus.com/dxl'>\n"
    b"<document form='Person'></document>\n"
    b"<document form='Person'><item name='a'><text>x</text></item></document>\n"
    b"<document form='Person' ></document>\n"
    b"<document form='Domain'><item name='b'><text>y</text></item></document>\n"
    b"</database>\n"
)
SELF_CLOSING = PERSONS.replace(b"<document form='Person'></document>", b"<document form='Person'/>")


@pytest.mark.parametrize("chunk_size", [7, 64, 1 << 20])
def test_the_notes_passed_over_are_counted_once_each(chunk_size: int) -> None:
    interest = Interest(frozenset({"Domain"}))
    segments = skim(PERSONS, interest, chunk_size)
    assert sum(s.notes for s in segments if s.kind is SegmentKind.SKIPPED) == 3
    # Notes that close themselves are counted as the exact walk counts them.
    assert_agrees(SELF_CLOSING, interest, chunk_size)


@pytest.mark.parametrize(
    ("data", "persons"),
    [
        (PERSONS, 3),
        (SELF_CLOSING, 3),
        (HEAD + PERSON * 3 + DOMAIN % b"1" + PERSON + b"</database>\n", 4),
        (
            HEAD
            + b"<note class='document' form='Person'><noteinfo unid='N'/></note>\n"
            + DOMAIN % b"2"
            + b"</database>\n",
            1,
        ),
    ],
    ids=["persons", "self-closing", "plain", "raw-note"],
)
def test_notes_among_notes_are_all_passed_over_wherever_reads_end(
    data: bytes, persons: int
) -> None:
    # Only notes and white space: nothing for the exact walk to take, whatever the
    # read size (what is passed over never depends on where reads end). The
    # agreement tests above cannot see a skimmer that stops too often: this can.
    interest = Interest(frozenset({"Domain"}), frozenset({"acl"}))
    for chunk_size in [*range(1, 60), 1 << 20]:
        segments = skim(data, interest, chunk_size)
        walked = [s for s in segments if s.kind is SegmentKind.NOTE and not wanted(s, interest)]
        assert walked == [], chunk_size
        assert sum(s.notes for s in segments if s.kind is SegmentKind.SKIPPED) == persons


# -- the notes of one form among those passed over ----------------------------------------


def form_of(segment: Segment) -> str:
    return (parse_attributes(segment.start_tag).get("form") or "").casefold()


def notes_found(data: bytes, form: str, interest: Interest, chunk_size: int) -> list[Segment]:
    """The notes of `form` as a reader finds them: from the SKIPPED spans, and those the
    splitter hands over (when it walks a span exactly)."""
    found: list[Segment] = []
    for segment in skim(data, interest, chunk_size):
        if segment.kind is SegmentKind.SKIPPED:
            found.extend(passed_over_notes(segment, form))
        elif segment.kind is SegmentKind.NOTE and form_of(segment) == form.casefold():
            found.append(segment)
    return found


def assert_finds(data: bytes, form: str, chunk_size: int = 1 << 20) -> None:
    exact = [s for s in scan_bytes(data) if s.kind is SegmentKind.NOTE and form_of(s) == form]
    interest = Interest(frozenset({"server", "domain"}), frozenset({"acl"}))
    assert notes_found(data, form, interest, chunk_size) == exact  # bytes, offsets, lines


@given(directories(), st.sampled_from([7, 64, 1 << 20]))
def test_the_groups_passed_over_are_those_the_exact_walk_finds(
    directory: GenDirectory, chunk_size: int
) -> None:
    for _, data in directory.exports():
        assert_finds(data, "group", chunk_size)


@pytest.mark.parametrize("path", [*real_dxl_params(), *fixture_files()], ids=lambda p: p.name)
def test_the_groups_passed_over_in_real_exports_and_fixtures(path: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    for chunk_size in (5, 333, 1 << 20):
        assert_finds(path.read_bytes(), "group", chunk_size)


GROUP = (
    b"<document form='Group'><noteinfo unid='G%s'/>"
    b"<item name='ListName'><text>g</text></item></document>\n"
)


@pytest.mark.parametrize(
    "body",
    [
        PERSON + GROUP % b"1" + PERSON + GROUP % b"2" + GROUP % b"3",
        GROUP % b"1" + PERSON,
        PERSON.replace(b"<text>y", b"<text>form='Group' form=\"group\"") + GROUP % b"1",
        PERSON.replace(b"form='Person'", b"x=\"form='group'\" form='Person'") + PERSON,
        PERSON + b"<document\nform = \"GROUP\"\n><noteinfo unid='G'/></document>\n" + PERSON,
        PERSON + b"<document form='Group'/>\n" + PERSON + b"<document form='group' />\n",
        PERSON + b"<document form='Groups'></document>\n" + b"<document form='XGroup'/>\n",
        PERSON + DOMAIN % b"1" + GROUP % b"1" + PERSON,
        PERSON + b"<!-- x -->\n" + GROUP % b"1" + PERSON,
        (DOMAIN % b"1").rstrip() + PERSON.rstrip() + GROUP % b"1",
    ],
    ids=[
        "among-persons",
        "first",
        "in-a-text",
        "in-another-attribute",
        "wrapped-and-upper-case",
        "self-closing",
        "other-forms-alike",
        "after-a-note-of-interest",
        "after-a-comment",
        "on-one-line",
    ],
)
def test_the_groups_passed_over_hand_made_cases(body: bytes) -> None:
    data = HEAD + body + b"</database>\n"
    for chunk_size in range(1, 40):
        assert_finds(data, "group", chunk_size)
