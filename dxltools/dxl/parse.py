"""The safe parser: a note's bytes to a :class:`~dxltools.dxl.model.Note`.

A note is parsed from its own bytes only (the scanner found them), with lxml
and the root's namespace, and with a parser that never loads a DTD, never uses
the network and never expands entities.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from dxltools.dxl.layout import ElementLayout, element_layout
from dxltools.dxl.model import (
    DateTime,
    DateTimeList,
    DxlDateTime,
    Item,
    ItemFlags,
    ItemValue,
    Note,
    NoteItems,
    Number,
    NumberList,
    Opaque,
    Span,
    Text,
    TextList,
    Value,
)
from dxltools.dxl.segments import Prolog, Segment, SegmentKind
from dxltools.errors import DxlSyntaxError, UnsupportedInputError

if TYPE_CHECKING:
    from lxml import etree

_WRAPPER = "dxltools-note"

# -- parsing ---------------------------------------------------------------------------


@functools.cache
def safe_parser() -> etree.XMLParser:
    """The one parser configuration for note-sized fragments: no DTD, no network,
    no entity expansion. (collect_ids=False is left out on purpose: it makes
    libxml2 load an external DTD even with load_dtd=False.) huge_tree lifts
    libxml2's 10 MB cap on one text node, which attachments and pictures in real
    exports pass (validate.py parses with it too); nesting stays capped at 2048
    levels, and with no DTD in a note's bytes there is no entity to expand.

    lxml is imported here, when the first note is parsed: a run that parses none
    (no note of the form it selects) does not load it at all."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_blank_text=False,
        huge_tree=True,
    )


# libxml2 words a limit as advice to its own callers ("use XML_PARSE_HUGE").
_PARSER_ADVICE_RE = re.compile(r",?\s*(?:use|try) XML_PARSE_HUGE(?: option)?")
_UNDEFINED_ENTITY_RE = re.compile(r"Entity '([^']*)' not defined")
_MAX_CODE_POINT = 0x10FFFF


def local_name(element: etree._Element) -> str:
    """An element's name without its namespace ("" for comments and PIs)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _element_children(element: etree._Element) -> list[tuple[str, etree._Element]]:
    """The child elements (not comments or PIs) with their local names."""
    return [
        (tag.rpartition("}")[2], child) for child in element if isinstance(tag := child.tag, str)
    ]


def _text_of(element: etree._Element) -> str:
    """A ``<text>``'s string: ``<break/>`` is a line break, ``<nonxmlchar>`` its code."""
    if not len(element):  # no <break/> nor <nonxmlchar/>: its text is the string
        return element.text or ""
    parts = [element.text or ""]
    for child in element:
        name = local_name(child)
        if name == "break":
            parts.append("\n")
        elif name == "nonxmlchar":
            parts.append(_nonxmlchar(child.get("value", "")))
        parts.append(child.tail or "")
    return "".join(parts)


def _nonxmlchar(code: str) -> str:
    """The character a ``<nonxmlchar value='hex'/>`` stands for ('' when empty)."""
    if not code:
        return ""
    try:
        number = int(code, 16)
    except ValueError:
        number = -1
    if not 0 <= number <= _MAX_CODE_POINT:
        raise ValueError(f"<nonxmlchar value={code[:20]!r}> is not a hex code point (0 to 10FFFF)")
    return chr(number)


def _datetime_of(element: etree._Element) -> DxlDateTime:
    return DxlDateTime.parse(element.text or "", element.get("dst") == "true")


def _value_of(item: etree._Element) -> Value:
    if len(item) == 1 and isinstance(item[0].tag, str):
        element = item[0]  # the usual item: its only child is its value
        kind = local_name(element)
    else:
        children = _element_children(item)
        if len(children) != 1:
            raise ValueError(f"an item holds {len(children)} values, expected exactly one")
        ((kind, element),) = children
    if kind == "text":
        return Text(_text_of(element))
    if kind == "textlist":
        return TextList(tuple(_text_of(child) for child in element if local_name(child) == "text"))
    if kind == "number":
        return _number_of(element)
    if kind == "numberlist":
        return NumberList(
            tuple(_number_of(child) for child in element if isinstance(child.tag, str))
        )
    if kind == "datetime":
        return DateTime(_datetime_of(element))
    if kind == "datetimelist":
        values: list[DxlDateTime | tuple[DxlDateTime, DxlDateTime]] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if local_name(child) == "datetimepair":
                first, second = (_datetime_of(part) for part in child if isinstance(part.tag, str))
                values.append((first, second))
            else:
                values.append(_datetime_of(child))
        return DateTimeList(tuple(values))
    return Opaque(kind)


def _number_of(element: etree._Element) -> Number:
    raw = (element.text or "").strip()
    return Number(float(raw) if raw else 0.0, raw)


def _as_utf8(data: bytes, encoding: str, line: int, source: str) -> bytes:
    """`data` in UTF-8 for lxml. Other encodings are decoded by Python,
    whose codecs also encode what edits write (libxml2 knows fewer of them, and
    under other names); a line break is one byte 0x0A in both, so lines hold."""
    try:
        if codecs.lookup(encoding).name == "utf-8":
            return data
    except LookupError:
        raise UnsupportedInputError(
            f"unknown encoding {encoding!r}", source=source, line=line
        ) from None
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as error:
        where = line + data.count(b"\n", 0, error.start)
        raise DxlSyntaxError(
            f"not well-formed: bytes that are not {encoding}: {data[error.start : error.end]!r}",
            source=source,
            line=where,
        ) from None


def parse_fragment(
    data: bytes,
    *,
    namespace: str | None = None,
    encoding: str = "utf-8",
    line: int = 1,
    source: str = "<input>",
) -> etree._Element:
    """Parse the bytes of top-level elements of an export (a note, the ACL) with
    :func:`safe_parser`, inside a wrapper element that declares the root's
    namespace; returns the wrapper. A file's encoding is read by Python's codecs
    (see :func:`_as_utf8`), and an lxml error becomes a one-line
    :class:`DxlSyntaxError` naming the line in the file."""
    utf8 = _as_utf8(data, encoding, line, source)
    xmlns = f" xmlns='{namespace}'" if namespace else ""
    head = f"<?xml version='1.0' encoding='utf-8'?><{_WRAPPER}{xmlns}>".encode("ascii")
    parser = safe_parser()
    from lxml import etree  # loaded by safe_parser(): a lookup in sys.modules

    try:
        return etree.fromstring(head + utf8 + f"</{_WRAPPER}>".encode("ascii"), parser)
    except etree.XMLSyntaxError as error:
        error_line = line + max(error.lineno or 1, 1) - 1
        reason = _parser_reason(error)
        undefined = _UNDEFINED_ENTITY_RE.fullmatch(reason)
        if undefined is not None:
            # Well-formed XML when the DOCTYPE declares it: the file is not wrong, only
            # beyond what dxltools reads (no DTD is ever loaded, no entity expanded).
            raise UnsupportedInputError(
                f"entity &{undefined.group(1)}; is not defined where dxltools reads: it reads "
                "no entity declarations, in the DOCTYPE or a DTD (Domino writes none); "
                "write its text instead",
                source=source,
                line=error_line,
            ) from None
        raise DxlSyntaxError(f"not well-formed: {reason}", source=source, line=error_line) from None


def _parser_reason(error: etree.XMLSyntaxError) -> str:
    """libxml2's message on one line, without its position, and a limit named as a
    limit. (Some messages end in a line break: the error must stay one line.)"""
    reason = " ".join(str(error.msg or error).split(", line ")[0].split())
    without_advice = _PARSER_ADVICE_RE.sub("", reason)
    if without_advice != reason:
        return f"{without_advice} (a limit of the XML parser)"
    return reason


def parse_note(
    data: bytes,
    *,
    namespace: str | None = None,
    encoding: str = "utf-8",
    newline: bytes = b"\n",
    line: int = 1,
    source: str = "<input>",
) -> Note:
    """Parse one note's bytes (from its start tag to its end tag) into a :class:`Note`."""
    element = _note_element(data, namespace=namespace, encoding=encoding, line=line, source=source)
    layout = element_layout(data, source)
    try:
        return _build_note(element, data, layout, line, newline, encoding)
    except ValueError as error:
        raise DxlSyntaxError(f"bad note: {error}", source=source, line=line) from None


def _note_element(
    data: bytes, *, namespace: str | None, encoding: str, line: int, source: str
) -> etree._Element:
    """The one element of a note's bytes, parsed."""
    wrapper = parse_fragment(data, namespace=namespace, encoding=encoding, line=line, source=source)
    elements = [child for child in wrapper if isinstance(child.tag, str)]
    if len(elements) != 1:
        raise DxlSyntaxError("a note span holds more than one element", source=source, line=line)
    return elements[0]


def _build_note(
    element: etree._Element,
    data: bytes,
    layout: ElementLayout,
    line: int,
    newline: bytes,
    encoding: str,
) -> Note:
    children = _element_children(element)
    spans = layout.children
    if [name for name, _ in children] != [span.name.rpartition(":")[2] for span in spans]:
        raise ValueError("the note's children do not match its bytes")
    items: list[Item] = []
    header_end = layout.start_tag_end
    noteinfo: etree._Element | None = None
    counted, item_line = 0, line  # lines counted up to `counted`, once through the note
    for (name, child), span in zip(children, spans, strict=True):
        if name != "item":
            if items:
                raise ValueError(f"<{name}> stands after the items")
            header_end = span.end
            if name == "noteinfo":
                noteinfo = child
            continue
        item_name = child.get("name")
        if item_name is None:
            raise ValueError("an item has no name")
        item_line += data.count(b"\n", counted, span.start)
        counted = span.start
        items.append(
            Item(
                name=item_name,
                flags=flags_of(child),
                value=_value_of(child),
                span=Span(span.start, span.end),
                line=item_line,
            )
        )
    return Note(
        tag=local_name(element),
        form=element.get("form") or _form_item(items),
        unid=noteinfo.get("unid") if noteinfo is not None else None,
        noteid=noteinfo.get("noteid") if noteinfo is not None else None,
        sequence=_int_or_none(noteinfo.get("sequence") if noteinfo is not None else None),
        created=_noteinfo_datetime(noteinfo, "created"),
        modified=_noteinfo_datetime(noteinfo, "modified"),
        items=tuple(items),
        data=data,
        header_end=header_end,
        end_tag_start=layout.end_tag_start,
        line=line,
        newline=newline,
        encoding=encoding,
    )


def _form_item(items: Sequence[Item | ItemValue]) -> str | None:
    for item in items:
        if item.name.casefold() == "form" and item.texts:
            return item.texts[0]
    return None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _noteinfo_datetime(noteinfo: etree._Element | None, name: str) -> DxlDateTime | None:
    if noteinfo is None:
        return None
    for child in noteinfo:
        if isinstance(child.tag, str) and local_name(child) == name:
            for inner in child:
                if isinstance(inner.tag, str):
                    return _datetime_of(inner)
    return None


def read_items(segment: Segment, prolog: Prolog, source: str, names: frozenset[str]) -> NoteItems:
    """The items of a note named in `names` (casefolded), with its form and
    UNID; the note must be well-formed, but is not split into item spans."""
    element = _note_element(
        segment.data,
        namespace=_namespace_of(segment, prolog),
        encoding=prolog.encoding,
        line=segment.line,
        source=source,
    )
    unid, items = None, []
    for name, child in _element_children(element):
        if name == "noteinfo":
            unid = child.get("unid")
        elif name == "item" and (child.get("name") or "").casefold() in names:
            try:
                items.append(ItemValue(child.get("name") or "", _value_of(child)))
            except ValueError as error:
                raise DxlSyntaxError(
                    f"bad note: {error}", source=source, line=segment.line
                ) from None
    form = element.get("form") or _form_item(items)
    return NoteItems(form, unid, tuple(items))


def _namespace_of(segment: Segment, prolog: Prolog) -> str | None:
    """The namespace a note's bytes are parsed in: the root's, unless the note is the root."""
    return prolog.namespace if segment.kind is SegmentKind.NOTE else None


def note_from_segment(segment: Segment, prolog: Prolog, source: str) -> Note:
    """Parse a note the splitter found (a child of the root, or the root itself)."""
    return parse_note(
        segment.data,
        namespace=_namespace_of(segment, prolog),
        encoding=prolog.encoding,
        newline=prolog.newline,
        line=segment.line,
        source=source,
    )


# -- item flags --------------------------------------------------------------------------

_FLAG_ATTRIBUTES = tuple(field.name for field in attrs.fields(ItemFlags))
_FLAGS_SEEN: dict[tuple[str | None, ...], ItemFlags] = {}
_NO_FLAGS = ItemFlags()


def flags_of(element: etree._Element) -> ItemFlags:
    """The flags of an ``<item>`` element; the few combinations a file holds are
    built once each."""
    if len(element.attrib) == 1:  # `name` alone, as most items are written
        return _NO_FLAGS
    key = tuple(map(element.get, _FLAG_ATTRIBUTES))
    flags = _FLAGS_SEEN.get(key)
    if flags is None:
        written = {
            name: value
            for name, value in zip(_FLAG_ATTRIBUTES, key, strict=True)
            if value is not None
        }
        flags = ItemFlags.from_attributes(written)
        if len(_FLAGS_SEEN) < 1024:
            _FLAGS_SEEN[key] = flags
    return flags
