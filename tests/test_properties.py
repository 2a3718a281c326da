"""Property tests on generated DXL files: byte-exact round trips, minimal edits,
idempotent agents and actions, and a model of Notes item semantics."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from dxltools import (
    Change,
    EditError,
    InsertItem,
    NewItem,
    Note,
    ReplaceItem,
    rewrite_bytes,
    scan_bytes,
)
from dxltools.agents import load_agent
from dxltools.dxl.model import ItemFlags, Text, TextList
from dxltools.dxl.parse import parse_note
from dxltools.dxl.segments import SegmentKind
from dxltools.edit.edits import add_names, remove_item, remove_names, set_item
from dxltools.rewrite.stream import RewriteResult
from tests.strategies import (
    GenFile,
    GenItem,
    GenNote,
    domain_notes,
    dxl_files,
    item_names,
    text_values,
)

SERVERS = {"servers_group": "AcmeMailServers", "admins_group": "LocalDomainAdmins"}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def no_change(note: Note) -> Sequence[Change]:
    return []


def parsed_notes(data: bytes) -> list[Note]:
    """Every note of a file, parsed as the engine parses it."""
    notes = []
    scanner_segments = scan_bytes(data)
    for segment in scanner_segments:
        if segment.kind is SegmentKind.NOTE:
            notes.append(parse_note(segment.data, line=segment.line))
    return notes


def note_spans(data: bytes) -> list[bytes]:
    return [s.data for s in scan_bytes(data) if s.kind is SegmentKind.NOTE]


def assert_well_formed(data: bytes) -> None:
    etree.fromstring(data, PARSER)


def without_items(note: GenNote, removed: Sequence[GenItem]) -> bytes:
    """The note's bytes with `removed` taken out by hand, as DECISIONS.md says: an
    item goes with the white space before it when that white space holds a line
    break; every other byte (comments, white space, the header) stays."""
    xml, cursor, spans = note.xml, 0, []
    for item in note.items:
        start = xml.index(item.xml, cursor)  # no comment holds a whole item
        cursor = start + len(item.xml)
        if item in removed:
            spans.append((start, cursor))
    for start, end in reversed(spans):
        space = start
        while space > 0 and xml[space - 1] in " \t\r\n":
            space -= 1
        cut = space if "\n" in xml[space:start] else start
        xml = xml[:cut] + xml[end:]
    return xml.encode()


# -- the engine (issue 2) --------------------------------------------------------------


@given(dxl_files())
def test_no_op_returns_the_input_bytes(generated: GenFile) -> None:
    result = rewrite_bytes(generated.data, no_change)
    assert result.data == generated.data
    assert not result.report.changed
    assert result.report.notes_seen == len(generated.notes)
    assert result.report.notes_parsed == len(generated.notes)


@given(dxl_files(), st.integers(1, 64))
def test_split_is_the_same_in_any_chunk_size(generated: GenFile, chunk: int) -> None:
    import io

    from dxltools.dxl.scan import Scanner

    assert list(Scanner(io.BytesIO(generated.data), chunk_size=chunk).segments()) == scan_bytes(
        generated.data
    )


@given(dxl_files(), st.data())
def test_removing_an_item_changes_only_its_bytes(generated: GenFile, data: st.DataObject) -> None:
    names = [item.name for note in generated.notes for item in note.items]
    assume(names)
    target = data.draw(st.sampled_from(names))
    result = rewrite_bytes(generated.data, remove_item(target))
    assert result.report.changed
    assert_well_formed(result.data)
    before, after = note_spans(generated.data), note_spans(result.data)
    assert len(before) == len(after)
    for old, new, gen in zip(before, after, generated.notes, strict=True):
        targeted = [item for item in gen.items if item.name.casefold() == target.casefold()]
        if not targeted:
            assert old == new
            continue
        kept = [item for item in gen.items if item not in targeted]
        note = parse_note(new)
        assert not note.items_named(target)
        assert [note.item_bytes(item) for item in note.items] == [
            item.xml.encode() for item in kept
        ]
        assert new == without_items(gen, targeted)  # and the bytes between the items
    # Outside the notes nothing moved.
    outside = [s.data for s in scan_bytes(generated.data) if s.kind is not SegmentKind.NOTE]
    assert outside == [s.data for s in scan_bytes(result.data) if s.kind is not SegmentKind.NOTE]


@given(dxl_files(), text_values(), item_names(), st.data())
def test_replace_and_insert_keep_other_items(
    generated: GenFile, value: str, name: str, data: st.DataObject
) -> None:
    assume(generated.notes)
    index = data.draw(st.integers(0, len(generated.notes) - 1))
    target = generated.notes[index]
    new = NewItem(name, (value,), ItemFlags(names=True))

    seen = []  # notes come in file order; a generated note may have no UNID

    def edit(note: Note) -> Sequence[Change]:
        seen.append(note)
        if len(seen) - 1 != index:
            return []
        return [ReplaceItem(note.items[0], new)] if note.items else [InsertItem(new)]

    result = rewrite_bytes(generated.data, edit)
    assert_well_formed(result.data)
    before, after = note_spans(generated.data), note_spans(result.data)
    assert len(before) == len(after) == len(generated.notes)
    for old_bytes, new_bytes, gen in zip(before, after, generated.notes, strict=True):
        if gen is not target:
            assert new_bytes == old_bytes
            continue
        note = parse_note(new_bytes)
        # Every other item, in order, duplicates and all, byte for byte.
        assert [note.item_bytes(item) for item in note.items[1:]] == [
            item.xml.encode() for item in gen.items[1:]
        ]
        (written, *_) = note.items
        assert (written.name, written.texts, written.flags.names) == (name, (value,), True)
        # Outside the written item (and, for an insert, the line break before
        # it), the note's bytes are the old ones.
        rest = new_bytes.replace(note.item_bytes(written), b"", 1)
        if gen.items:
            assert rest == gen.xml.replace(gen.items[0].xml, "", 1).encode()
        else:
            # One line break and indentation (seen from wherever the two agree).
            assert re.fullmatch(rb"[ \t\r]*\n[ \t\r]*", inserted(old_bytes, rest)), rest


def inserted(old: bytes, new: bytes) -> bytes:
    """The bytes `new` has in one place more than `old` (asserted to be so)."""
    same = 0
    while same < len(old) and old[same] == new[same]:
        same += 1
    extra = new[same : same + len(new) - len(old)]
    assert new[:same] + extra + old[same:] == new
    return extra


# -- agents and actions (issue 3) ------------------------------------------------------


def run(agent_name: str, data: bytes, **settings: str) -> RewriteResult | None:
    agent = load_agent(agent_name, settings).start()
    try:
        return rewrite_bytes(data, agent.edit, select=agent.wants)
    except EditError:
        return None  # a document without a coexistence server: nothing written


AGENTS = [("remove-document-access", {}), ("coexistence-readers", SERVERS)]


@pytest.mark.parametrize(("agent", "settings"), AGENTS, ids=[a for a, _ in AGENTS])
@given(generated=dxl_files(domain_notes()))
def test_bundled_agents_are_idempotent(
    agent: str, settings: dict[str, str], generated: GenFile
) -> None:
    once = run(agent, generated.data, **settings)
    assume(once is not None)
    assert once is not None
    assert once.report.changed == (once.data != generated.data)
    twice = run(agent, once.data, **settings)
    assert twice is not None
    assert twice.data == once.data
    assert not twice.report.changed


def run_parsing_every_note(agent_name: str, data: bytes, **settings: str) -> object:
    """What the agent's run gives when no note is ruled out by its bytes (by form only)."""
    agent = load_agent(agent_name, settings).start()
    try:
        result = rewrite_bytes(data, agent.edit, select=agent.agent.wants)
    except EditError as error:
        return str(error)
    return result.data, attrs.evolve(result.report, notes_parsed=0), agent.warnings()


@pytest.mark.parametrize("domain", ["", "BTEx", "Gr\u00fc\u00dfe&Co"])
@pytest.mark.parametrize(("agent", "settings"), AGENTS, ids=[a for a, _ in AGENTS])
@given(generated=dxl_files(domain_notes()))
def test_notes_ruled_out_by_their_bytes_are_notes_the_agent_leaves_alone(
    agent: str, settings: dict[str, str], domain: str, generated: GenFile
) -> None:
    run_ = load_agent(agent, {**settings, "domain": domain}).start()
    try:
        result = rewrite_bytes(generated.data, run_.edit, select=run_.wants)
        fast: object = result.data, attrs.evolve(result.report, notes_parsed=0), run_.warnings()
    except EditError as error:
        fast = str(error)
    assert fast == run_parsing_every_note(agent, generated.data, **settings, domain=domain)


def is_selected(note: Note) -> bool:
    types = {v.casefold() for item in note.items_named("DomainType") for v in item.texts}
    return (note.form or "").casefold() == "domain" and "foreigndomain" in types


@given(dxl_files(domain_notes()))
def test_remove_document_access_leaves_no_such_item(generated: GenFile) -> None:
    result = run("remove-document-access", generated.data)
    assert result is not None
    pairs = zip(parsed_notes(generated.data), parsed_notes(result.data), strict=True)
    for (old, new), gen in zip(pairs, generated.notes, strict=True):
        if is_selected(old):
            assert not new.items_named("DocumentAccess")
            untouched = [old.item_bytes(i) for i in old.items if not i.is_named("DocumentAccess")]
            assert [new.item_bytes(i) for i in new.items] == untouched
            removed = [i for i in gen.items if i.name.casefold() == "documentaccess"]
            assert new.data == without_items(gen, removed)  # the bytes between items too
        else:
            assert new.data == old.data


# The canonical form of each server domain_notes() writes, by hand.
CANONICAL = {
    "CN=DominoCoex1/O=Acme": "CN=DominoCoex1/O=Acme",
    "DominoCoex2/Acme": "CN=DominoCoex2/O=Acme",
    "CN=Gateway/OU=Mail/O=Acme": "CN=Gateway/OU=Mail/O=Acme",
    "CN=Grüße & Co/O=Acme": "CN=Grüße & Co/O=Acme",
}


@given(dxl_files(domain_notes()))
def test_coexistence_readers_sets_exactly_the_three_names(generated: GenFile) -> None:
    result = run("coexistence-readers", generated.data, **SERVERS)
    assume(result is not None)
    assert result is not None
    pairs = zip(parsed_notes(generated.data), parsed_notes(result.data), strict=True)
    for (old, new), gen in zip(pairs, generated.notes, strict=True):
        if not is_selected(old):
            assert new.data == old.data
            continue
        assert not new.items_named("DocumentAccess")
        (readers,) = new.items_named("$Readers")
        assert readers.flags.readers and readers.flags.summary is not False
        server = next(
            v
            for name in ("CalendarServer", "MailServer")
            for item in gen.items
            if item.name == name
            for v in item.values
            if v.strip()
        )
        # Rewritten (no generated $Readers holds AcmeMailServers) in this order.
        assert readers.texts == ("AcmeMailServers", "LocalDomainAdmins", CANONICAL[server])
        targeted = ("DocumentAccess", "$Readers")
        kept = [old.item_bytes(i) for i in old.items if not any(i.is_named(t) for t in targeted)]
        assert [new.item_bytes(i) for i in new.items if not i.is_named("$Readers")] == kept


ACTIONS = {
    "remove-item": lambda name, values: remove_item(name),
    "set-item": lambda name, values: set_item(name, values, ItemFlags(names=True)),
    "add-names": lambda name, values: add_names(name, values),
    "remove-names": lambda name, values: remove_names(name, values),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@given(
    generated=dxl_files(),
    name=item_names(),
    values=st.lists(
        st.sampled_from(["CN=A/O=X", "b/x", "LocalDomainAdmins", "[Role]", "é"]), max_size=3
    ),
)
def test_every_action_is_idempotent(
    action: str, generated: GenFile, name: str, values: list[str]
) -> None:
    edit = ACTIONS[action](name, values)
    once = rewrite_bytes(generated.data, edit)
    assert once.report.changed == (once.data != generated.data)
    twice = rewrite_bytes(once.data, edit)
    assert twice.data == once.data


# -- a model of Notes item semantics ---------------------------------------------------


@attrs.frozen
class ModelItem:
    name: str
    values: tuple[str, ...]
    xml: str | None = None  # the item's markup while no operation has rewritten it


def model_of(note: GenNote) -> list[ModelItem]:
    return [ModelItem(item.name, item.values, item.xml) for item in note.items]


def model_remove(items: list[ModelItem], name: str) -> list[ModelItem]:
    """NotesDocument.RemoveItem: every item of that name, any case."""
    return [item for item in items if item.name.casefold() != name.casefold()]


def model_replace(items: list[ModelItem], name: str, values: tuple[str, ...]) -> list[ModelItem]:
    """NotesDocument.ReplaceItemValue: one item of that name left, holding the values
    (dxltools keeps it where the first one stood; a new one goes last)."""
    matches = [i for i, item in enumerate(items) if item.name.casefold() == name.casefold()]
    if not matches:
        return [*items, ModelItem(name, values)]
    first = matches[0]
    kept = [item for i, item in enumerate(items) if i not in matches[1:]]
    kept[first] = ModelItem(name, values)
    return kept


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["remove", "replace"]),
        item_names(),
        st.lists(text_values(), min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=4,
)


@given(note=dxl_files(root="document"), operations=OPERATIONS)
def test_remove_and_replace_agree_with_a_model_of_notes(
    note: GenFile, operations: list[tuple[str, str, list[str]]]
) -> None:
    (gen,) = note.notes
    expected = model_of(gen)
    data = note.data
    for kind, name, values in operations:
        if kind == "remove":
            edit = remove_item(name)
            expected = model_remove(expected, name)
        else:
            edit = set_item(name, values)
            expected = model_replace(expected, name, tuple(values))
        data = rewrite_bytes(data, edit).data
    (result,) = parsed_notes(data)
    got = [(item.name.casefold(), item.texts) for item in result.items]
    want = [(item.name.casefold(), item.values) for item in expected]
    assert [name for name, _ in got] == [name for name, _ in want]
    for model, item in zip(expected, result.items, strict=True):
        if model.xml is not None:  # never rewritten: its bytes, whatever its kind
            assert result.item_bytes(item) == model.xml.encode()
        else:  # written by set-item: text, with the values set
            assert isinstance(item.value, Text | TextList)
            assert item.texts == model.values
