"""The generators in ``strategies`` produce well-formed DXL that matches its description."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.strategies import (
    DXL_NS,
    OPAQUE_KINDS,
    GenFile,
    GenItem,
    GenNote,
    domain_notes,
    dxl_files,
    escape_attr,
    escape_text,
    item_names,
    items,
    notes,
    text_values,
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _elements(el: etree._Element) -> list[etree._Element]:
    """Element children (no comments or processing instructions)."""
    return [c for c in el if isinstance(c.tag, str)]


def _text_value(el: etree._Element) -> str:
    parts = [el.text or ""]
    for child in el:
        assert _local(child) == "break"
        parts += ["\n", child.tail or ""]
    return "".join(parts)


def _values(value: etree._Element) -> tuple[str, ...]:
    kind = _local(value)
    if kind == "text":
        return (_text_value(value),)
    if kind == "textlist":
        return tuple(_text_value(t) for t in _elements(value))
    if kind in ("number", "datetime"):
        return (value.text or "",)
    if kind == "numberlist":
        return tuple(n.text or "" for n in _elements(value))
    if kind == "datetimelist":
        return tuple(d.text or "" for d in value.iter(f"{{{DXL_NS}}}datetime", "datetime"))
    return ()


def _check_item(el: etree._Element, item: GenItem) -> None:
    assert _local(el) == "item"
    assert el.get("name") == item.name
    assert list(el.attrib.items())[1:] == list(item.flags)
    (value,) = _elements(el)
    assert _local(value) == item.kind
    if item.kind in OPAQUE_KINDS:
        assert item.values == ()
    else:
        assert _values(value) == item.values


def _check_note(el: etree._Element, note: GenNote) -> None:
    assert _local(el) == note.tag
    if note.tag == "document":
        assert el.get("form") == note.form
    else:
        assert note.form is None
        assert el.get("class") == "document"
    children = _elements(el)
    for child in children:
        if _local(child) == "noteinfo":
            assert child.get("unid") == note.unid
    found = [c for c in children if _local(c) == "item"]
    assert len(found) == len(note.items)
    for item_el, item in zip(found, note.items, strict=True):
        _check_item(item_el, item)
        assert item.xml in note.xml
    assert re.fullmatch("[0-9A-F]{32}", note.unid)


def _check_newlines(text: str, newline: str) -> None:
    if newline == "\n":
        assert "\r" not in text
    else:
        assert text.count("\r") == text.count("\n") == text.count("\r\n")


def _check_file(f: GenFile) -> None:
    root = _parse(f.data)
    assert not f.data.startswith(b"\xef\xbb\xbf")
    assert f.data.startswith(b"<?xml version")
    text = f.data.decode("utf-8")
    _check_newlines(text, f.newline)
    assert _local(root) == f.root
    assert (etree.QName(root).namespace == DXL_NS) == f.namespaced
    if not f.namespaced:
        assert etree.QName(root).namespace is None
    if f.root == "database":
        parsed = [c for c in _elements(root) if _local(c) in ("document", "note")]
    else:
        parsed = [root]
        assert len(f.notes) == 1
    assert len(parsed) == len(f.notes)
    assert len({n.unid for n in f.notes}) == len(f.notes)
    for el, note in zip(parsed, f.notes, strict=True):
        assert text.count(note.xml) == 1
        _check_newlines(note.xml, f.newline)
        _check_note(el, note)


@settings(max_examples=200)
@given(dxl_files())
def test_dxl_files_are_well_formed_and_described(f: GenFile) -> None:
    _check_file(f)


@settings(max_examples=200)
@given(dxl_files(domain_notes()))
def test_domain_files_are_well_formed_and_described(f: GenFile) -> None:
    _check_file(f)


@settings(max_examples=50)
@given(dxl_files(domain_notes(), root="document"))
def test_single_document_root(f: GenFile) -> None:
    assert f.root == "document"
    _check_file(f)


@settings(max_examples=50)
@given(dxl_files(root="note"))
def test_single_note_root(f: GenFile) -> None:
    assert f.root == "note"
    _check_file(f)


@settings(max_examples=200)
@given(notes() | notes("note") | domain_notes())
def test_notes_parse_alone(note: GenNote) -> None:
    _check_note(_parse(note.xml.encode("utf-8")), note)


@settings(max_examples=200)
@given(items())
def test_items_parse_alone(item: GenItem) -> None:
    _check_item(_parse(item.xml.encode("utf-8")), item)


@settings(max_examples=200)
@given(item_names(), text_values(), st.sampled_from(["'", '"']))
def test_escaping_round_trips(name: str, value: str, quote: str) -> None:
    assert name
    assert not any(c in name for c in "\t\r\n")
    assert "\r" not in value
    escaped = escape_attr(name, quote)
    if quote == "'":
        assert '"' not in name or '"' in escaped
    content = escape_text(value).replace("\n", "<break/>")
    assert "]]>" not in content
    el = _parse(f"<item name={quote}{escaped}{quote}><text>{content}</text></item>".encode())
    assert el.get("name") == name
    assert _text_value(el[0]) == value


@settings(max_examples=100)
@given(st.data())
def test_items_with_given_name(data: st.DataObject) -> None:
    item = data.draw(items(name="DocumentAccess"))
    assert item.name == "DocumentAccess"
    assert item.xml.startswith("<item")


def test_domain_notes_shape() -> None:
    @settings(max_examples=100)
    @given(domain_notes())
    def check(note: GenNote) -> None:
        assert note.tag == "document"
        assert note.form == "Domain"
        by_name = [i.name for i in note.items]
        assert by_name.count("Form") == 1
        assert by_name.count("DomainType") == 1
        assert by_name.count("DomainName") == 1
        access = [i for i in note.items if i.name.casefold() == "documentaccess"]
        assert len(access) <= 3

    check()


# Features the property tests rely on must actually be generated.
_FEATURES: dict[str, Callable[[GenFile], bool]] = {
    "one-value textlist": lambda f: any(
        i.kind == "textlist" and len(i.values) == 1 for n in f.notes for i in n.items
    ),
    "CDATA": lambda f: b"<![CDATA[" in f.data,
    "newline inside a tag": lambda f: re.search(rb"<text\r?\n>", f.data) is not None,
    "comment between items": lambda f: re.search(rb"</item>\r?\n<!--", f.data) is not None,
    "same name twice": lambda f: any(
        len({i.name.casefold() for i in n.items}) < len(n.items) for n in f.notes
    ),
    "CRLF": lambda f: f.newline == "\r\n",
    "no namespace": lambda f: not f.namespaced,
    "document root": lambda f: f.root == "document",
    "break": lambda f: b"<break/>" in f.data,
    "processing instruction": lambda f: b"<?pi" in f.data or b"<?dxltools-test" in f.data,
    "design element": lambda f: b"<form" in f.data,
    "apos in name": lambda f: b"&apos;" in f.data,
    "several DocumentAccess": lambda f: any(
        sum(i.name.casefold() == "documentaccess" for i in n.items) > 1 for n in f.notes
    ),
}


def test_features_are_generated() -> None:
    seen: set[str] = set()

    @settings(max_examples=300)
    @given(dxl_files(domain_notes()))
    def observe(f: GenFile) -> None:
        seen.update(name for name, predicate in _FEATURES.items() if predicate(f))

    observe()
    assert seen == set(_FEATURES)
