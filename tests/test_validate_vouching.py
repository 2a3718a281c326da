"""`validate` leaves to the DTD the structure rules it enforces (vouching.py):
what it reports must not change, whatever the DTD, the faults or the read size.

The oracle is the same check with vouching turned off (every note through every
rule), code that has its own tests; the content models are worked out by hand.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from dxltools.validate import check as check_module
from dxltools.validate.check import validate_bytes
from dxltools.validate.content_model import may_follow, one_element
from dxltools.validate.problems import ValidationProblem
from dxltools.validate.structure import StructureRules
from dxltools.validate.vouching import Vouching, dtd_checks_structure
from tests.shared import FIXTURES, SCHEMAS, requires_schemas
from tests.strategies import dxl_files

if TYPE_CHECKING:
    from lxml.etree._dtd import _DTDElementDecl

NAMES = FIXTURES / "names.dxl"
READ_SIZES = [64, 1297, 1 << 20]


def names() -> bytes:
    return NAMES.read_bytes()


def full_check(data: bytes, dtd_dir: Path | None, chunk_size: int) -> list[ValidationProblem]:
    """The oracle: the check with no note vouched for."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(check_module, "dtd_checks_structure", lambda dtd: False)
        return validate_bytes(data, "v.dxl", dtd_dir, chunk_size)


def dtd(text: str) -> etree.DTD:
    return etree.DTD(io.StringIO(text))


# -- content models, worked out by hand -------------------------------------------------


def model(content: str) -> _DTDElementDecl:
    names_used = sorted(set(re.findall(r"[a-z]+", content)) - {"pcdata"})
    declarations = "".join(f"<!ELEMENT {name} EMPTY>" for name in names_used if name != "x")
    return next(
        element
        for element in dtd(f"<!ELEMENT x {content}>{declarations}").iterelements()
        if element.name == "x"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("(a, b?, c*)", {"a": "bc", "b": "c", "c": "c"}),
        ("(a | b)+", {"a": "ab", "b": "ab"}),
        ("((a, b)*, c)", {"a": "abc", "b": "abc"}),
        ("(a?, (b | c), d)", {"a": "bcd", "b": "d", "c": "d"}),
        ("(#PCDATA | a | b)*", {"a": "ab", "b": "ab"}),
        ("(a, (b, c)?)", {"a": "bc", "b": "c"}),
        ("(a)", {}),
    ],
)
def test_what_may_follow_each_child(content: str, expected: dict[str, str]) -> None:
    found = may_follow(model(content).content)
    assert {name: "".join(sorted(after)) for name, after in found.items() if after} == expected


@pytest.mark.parametrize(
    ("content", "one"),
    [
        ("(a)", True),
        ("(a | b)", True),
        ("(a | (b | c))", True),
        ("(a | b)?", False),
        ("(a | b*)", False),
        ("(a, b)", False),
        ("(a | (b, c))", False),
        ("(a+)", False),
        ("ANY", False),
        ("EMPTY", False),
        ("(#PCDATA | a)*", False),
    ],
)
def test_a_model_of_exactly_one_element(content: str, one: bool) -> None:
    assert one_element(model(content).content) is one


# -- which DTDs enforce the rules ---------------------------------------------------------

VALUES = "(text | number)"
ITEM = f"<!ELEMENT item {VALUES}><!ATTLIST item name CDATA #REQUIRED>"
DOCUMENT = "<!ELEMENT document ((noteinfo?, updatedby?), item*)>"
LEAVES = "".join(f"<!ELEMENT {name} EMPTY>" for name in ("text", "number", "noteinfo", "updatedby"))


@requires_schemas
@pytest.mark.parametrize("name", ["domino_9_0_1.dtd", "domino_10_0_1.dtd"])
def test_the_dxl_dtds_enforce_the_rules(name: str) -> None:
    assert dtd_checks_structure(etree.DTD(str(SCHEMAS / name)))


@pytest.mark.parametrize(
    ("declarations", "enforces"),
    [
        (ITEM + DOCUMENT, True),
        (ITEM, True),  # no note declared: each one is a validity error
        (f"<!ELEMENT item {VALUES}><!ATTLIST item name CDATA #IMPLIED>" + DOCUMENT, False),
        (f"<!ELEMENT item {VALUES}><!ATTLIST item other CDATA #REQUIRED>" + DOCUMENT, False),
        (f"<!ELEMENT item {VALUES}><!ATTLIST item x:name CDATA #REQUIRED>" + DOCUMENT, False),
        (f"<!ELEMENT item {VALUES}*><!ATTLIST item name CDATA #REQUIRED>" + DOCUMENT, False),
        ("<!ELEMENT item ANY><!ATTLIST item name CDATA #REQUIRED>" + DOCUMENT, False),
        ("<!ELEMENT item (text, number)><!ATTLIST item name CDATA #REQUIRED>" + DOCUMENT, False),
        (DOCUMENT, False),  # no item declared
        (ITEM + "<!ELEMENT document (item*, noteinfo?)>", False),
        (ITEM + "<!ELEMENT document ((noteinfo | updatedby)*, item*)>", False),
        (ITEM + "<!ELEMENT document (updatedby?, noteinfo?, item*)>", False),
        (ITEM + "<!ELEMENT document ANY>", False),
        (ITEM + "<!ELEMENT note (noteinfo?, item*, updatedby?)>" + DOCUMENT, False),
        (ITEM + "<!ELEMENT document (noteinfo*, item*)>", False),
        # `x:item` is no <item> to libxml2, but may be one to lxml (and to the rules).
        ("<!ELEMENT x:item ANY>" + ITEM + DOCUMENT, False),
    ],
)
def test_which_dtds_enforce_the_rules(declarations: str, enforces: bool) -> None:
    assert dtd_checks_structure(dtd(declarations + LEAVES)) is enforces


# -- what is reported does not change -----------------------------------------------------


class Calls:
    def __init__(self) -> None:
        self.full = 0
        self.vouched = 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    counted = Calls()
    full, vouched = StructureRules.check_note, StructureRules.check_vouched_note

    def check_note(self: StructureRules, *args: object) -> None:
        counted.full += 1
        full(self, *args)  # type: ignore[arg-type]

    def check_vouched_note(self: StructureRules, *args: object) -> None:
        counted.vouched += 1
        vouched(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(StructureRules, "check_note", check_note)
    monkeypatch.setattr(StructureRules, "check_vouched_note", check_vouched_note)
    return counted


@requires_schemas
@pytest.mark.parametrize("chunk_size", READ_SIZES)
def test_a_valid_export_is_checked_without_a_walk_of_its_items(
    chunk_size: int, calls: Calls
) -> None:
    data = names()
    assert validate_bytes(data, "names.dxl", SCHEMAS, chunk_size) == []
    assert (calls.full, calls.vouched) == (0, data.count(b"<document "))


def test_without_a_dtd_every_note_gets_every_rule(calls: Calls) -> None:
    data = names()
    assert validate_bytes(data, "names.dxl") == []
    assert (calls.full, calls.vouched) == (data.count(b"<document "), 0)


# Each fault, put in the middle of names.dxl, and the problem the rules name it by.
ITEM_BEFORE = b"<item name='ListName'>"
FAULTS = {
    "two values": (
        ITEM_BEFORE,
        b"<item name='Two'><text>a</text><text>b</text></item>",
        "item-value",
    ),
    "no value": (ITEM_BEFORE, b"<item name='None'></item>", "item-value"),
    "no name": (ITEM_BEFORE, b"<item><text>a</text></item>", "item-name"),
    "empty name": (ITEM_BEFORE, b"<item name=''><text>a</text></item>", "item-name"),
    "empty name, spaced": (ITEM_BEFORE, b'<item name = ""><text>a</text></item>', "item-name"),
    "header after an item": (ITEM_BEFORE, b"<updatedby><name>X</name></updatedby>", "header-order"),
    "second noteinfo": (ITEM_BEFORE, b"<noteinfo noteid='9'/>", "header-order"),
}


@requires_schemas
@pytest.mark.parametrize("chunk_size", READ_SIZES)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_note_the_dtd_objects_to_gets_every_rule(fault: str, chunk_size: int) -> None:
    before, inserted, code = FAULTS[fault]
    data = names()
    at = data.index(before)
    data = data[:at] + inserted + data[at:]
    problems = validate_bytes(data, "v.dxl", SCHEMAS, chunk_size)
    assert code in [problem.code for problem in problems]
    assert problems == full_check(data, SCHEMAS, chunk_size)


@requires_schemas
@pytest.mark.parametrize("chunk_size", READ_SIZES)
def test_past_the_errors_libxml2_reports_every_note_gets_every_rule(chunk_size: int) -> None:
    # 120 DTD errors first; libxml2 reports 100 and then nothing, not even a note
    # with two values, which the rules must still name.
    data = names()
    first = data.index(b"<item ")
    data = data[:first] + b"<item name='x' zork='1'><text/></item>" * 120 + data[first:]
    last = data.rindex(b"<item ")
    data = data[:last] + b"<item name='Two'><text>a</text><text>b</text></item>" + data[last:]
    problems = validate_bytes(data, "v.dxl", SCHEMAS, chunk_size)
    assert [p.line for p in problems if p.code == "item-value"] == [data.count(b"\n", 0, last) + 1]
    assert problems == full_check(data, SCHEMAS, chunk_size)


@requires_schemas
@pytest.mark.parametrize("chunk_size", READ_SIZES)
def test_an_internal_subset_that_loosens_the_dtd_leaves_every_note_to_every_rule(
    chunk_size: int, calls: Calls
) -> None:
    # Read first, the internal subset's ATTLIST wins: a name is no longer required,
    # so the DTD says nothing of an item without one.
    subset = b" [<!ATTLIST item name CDATA #IMPLIED>]>"
    data = names().replace(b"domino_9_0_1.dtd'>", b"domino_9_0_1.dtd'" + subset, 1)
    last = data.rindex(b"<item ")
    data = data[:last] + b"<item><text>a</text></item>" + data[last:]
    problems = validate_bytes(data, "v.dxl", SCHEMAS, chunk_size)
    assert [(p.line, p.code) for p in problems] == [(data.count(b"\n", 0, last) + 1, "item-name")]
    assert calls.vouched == 0
    assert problems == full_check(data, SCHEMAS, chunk_size)


@requires_schemas
@pytest.mark.parametrize("chunk_size", READ_SIZES)
def test_a_dtd_of_ones_own_that_allows_more_leaves_every_note_to_every_rule(
    chunk_size: int, tmp_path: Path, calls: Calls
) -> None:
    # The 9.0.1 DTD with items that may hold any number of values, chosen with --dtd.
    text = (SCHEMAS / "domino_9_0_1.dtd").read_text("utf-8")
    loose = re.sub(r"<!ELEMENT item \(", "<!ELEMENT item (#PCDATA | ", text, count=1)
    loose = re.sub(r"(<!ELEMENT item \([^>]*\))>", r"\1*>", loose, count=1)
    assert loose != text
    own = tmp_path / "loose.dtd"
    own.write_text(loose, "utf-8")
    data = names()
    last = data.rindex(b"<item ")
    data = data[:last] + b"<item name='Two'><text>a</text><text>b</text></item>" + data[last:]
    found = list(
        check_module.FileCheck(io.BytesIO(data), "v.dxl", SCHEMAS, chunk_size, dtd=own).problems()
    )
    assert [problem.code for problem in found] == ["item-value"]
    assert calls.vouched == 0


@requires_schemas
@pytest.mark.parametrize("quote", ["'", '"'])
@pytest.mark.parametrize("chunk_size", READ_SIZES)
def test_a_name_of_entities_that_stand_for_nothing_is_empty(
    quote: str, chunk_size: int, tmp_path: Path
) -> None:
    # A DTD of one's own may declare an entity; the bytes show `name='&nothing;'`.
    own = tmp_path / "own.dtd"
    own.write_text((SCHEMAS / "domino_9_0_1.dtd").read_text("utf-8") + '<!ENTITY nothing "">\n')
    data = names()
    last = data.rindex(b"<item ")
    item = f"<item name={quote}&nothing;{quote}><text>a</text></item>".encode()
    data = data[:last] + item + data[last:]
    checked = check_module.FileCheck(io.BytesIO(data), "v.dxl", SCHEMAS, chunk_size, dtd=own)
    found = [(p.line, p.code) for p in checked.problems()]
    assert found == [(data.count(b"\n", 0, last) + 1, "item-name")]


def test_a_note_is_vouched_for_only_if_no_step_it_spans_was_suspect() -> None:
    trusted = Vouching()
    trusted.begin_step(b"<document>")  # step 1: a note begins, libxml2 objects
    trusted.end_step(logged=True, capped=False)
    trusted.begin_step(b"</document><document>")  # step 2: it ends, the next begins
    trusted.end_step(logged=False, capped=False)
    assert not trusted.vouches(1, lambda: True)
    assert trusted.vouches(2, lambda: True)
    trusted.begin_step(b"<item name=''/></document>")  # step 3: an empty name
    trusted.end_step(logged=False, capped=False)
    assert not trusted.vouches(2, lambda: True)
    trusted.begin_step(b"<document/>")
    trusted.end_step(logged=False, capped=True)  # libxml2 may say no more
    assert not trusted.vouches(4, lambda: True)


def test_without_a_dtd_that_enforces_the_rules_no_note_is_vouched_for() -> None:
    asked: list[bool] = []

    def trusted() -> bool:
        asked.append(False)
        return False

    vouching = Vouching()
    for _ in range(2):
        vouching.begin_step(b"<document/>")
        vouching.end_step(logged=False, capped=False)
        assert not vouching.vouches(vouching.steps, trusted)
    assert asked == [False]  # asked once


# -- generated files ----------------------------------------------------------------------

# What may be put after an item's end tag: each breaks one rule, or none.
INSERTS = [
    b"<item name='Two'><text>a</text><text>b</text></item>",
    b"<item name='None'/>",
    b"<item><text>a</text></item>",
    b"<item name=''><text>a</text></item>",
    b'<item name= ""><number>1</number></item>',
    b"<item name='&amp;x'><text>a</text></item>",
    b"<item name='Mixed'>a<text>b</text></item>",
    b"<item name='Fine' zork='1'><text>a</text></item>",
    b"<noteinfo noteid='1A' unid='0123456789ABCDEF0123456789ABCDEF'/>",
    b"<updatedby><name>X</name></updatedby>",
    b"<item name='Fine'><text>a</text></item>",
]


@st.composite
def faulty_files(draw: st.DrawFn) -> bytes:
    """Generated exports naming the 9.0.1 DTD, with a few faults after random items."""
    f = draw(dxl_files(root="database"))
    data = re.sub(rb"<!DOCTYPE[^>]*>\r?\n", b"", f.data)
    end = data.index(b"?>") + 2
    data = (
        data[:end]
        + f"{f.newline}<!DOCTYPE database SYSTEM 'domino_9_0_1.dtd'>".encode()
        + data[end:]
    )
    spots = [match.end() for match in re.finditer(rb"</item>", data)]
    if spots:
        chosen = draw(st.lists(st.sampled_from(spots), max_size=3, unique=True))
        for spot in sorted(chosen, reverse=True):
            data = data[:spot] + draw(st.sampled_from(INSERTS)) + data[spot:]
    return data


@requires_schemas
@settings(max_examples=80)
@given(faulty_files(), st.sampled_from([48, 200, 1297, 1 << 20]))
def test_generated_exports_get_the_same_report_as_with_every_rule(
    data: bytes, chunk_size: int
) -> None:
    problems = validate_bytes(data, "v.dxl", SCHEMAS, chunk_size)
    assert problems == full_check(data, SCHEMAS, chunk_size)
