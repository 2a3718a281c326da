"""Hypothesis strategies that generate whole DXL files, byte for byte.

Every strategy returns a description (``GenItem``, ``GenNote``, ``GenFile``)
together with the exact markup it generated, so that property tests of a
byte-exact editor can check a no-op rewrite, locate items and notes in the
bytes, and compare a parse with what was written.

The markup imitates what Domino exports (single-quoted attributes, no
indentation, start tags wrapped by a newline *inside* the tag, ``<break/>``
for newlines in text) and what the hand-written jnx test files look like
(tab or space indentation, double-quoted attributes). Everything is built with
``"\\n"`` and converted to the file's newline at the very end by
``dxl_files``: text values never hold a raw newline (it is written as
``<break/>``), so the conversion only touches markup.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

DXL_NS = "http://www.lotus.com/dxl"

#: Value element kinds ``items()`` draws from.
KINDS: tuple[str, ...] = (
    "text",
    "textlist",
    "number",
    "numberlist",
    "datetime",
    "datetimelist",
    "richtext",
    "rawitemdata",
    "object",
    "formula",
)

#: Kinds whose ``GenItem.values`` is left empty.
OPAQUE_KINDS: frozenset[str] = frozenset({"richtext", "rawitemdata", "object", "formula"})

#: Attribute order of ``<item>`` in the DTD (after ``name``).
FLAG_ORDER: tuple[str, ...] = (
    "sign",
    "seal",
    "sealed",
    "summary",
    "authors",
    "names",
    "readers",
    "placeholder",
    "protected",
)


# --------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------


@attrs.frozen
class GenItem:
    name: str  # the item name as written (unescaped)
    flags: tuple[tuple[str, str], ...]  # attributes after name, in order
    kind: str  # localname of the value element
    values: tuple[str, ...]  # decoded text values / raw number & datetime strings
    xml: str  # the exact markup of this <item ...>...</item>


@attrs.frozen
class GenNote:
    tag: str  # "document" or "note"
    form: str | None
    unid: str  # 32 upper-case hex, unique within a file
    items: tuple[GenItem, ...]
    xml: str  # exact markup of the whole note element


@attrs.frozen
class GenFile:
    data: bytes  # the whole file, encoded UTF-8
    root: str  # "database", "document" or "note"
    notes: tuple[GenNote, ...]
    newline: str  # "\n" or "\r\n"
    namespaced: bool  # whether the root declares xmlns='http://www.lotus.com/dxl'


@attrs.frozen
class _Style:
    """How one note (or the root) is laid out."""

    quote: str = "'"  # attribute quote
    indent: str = ""  # "" = Domino export layout, else one indentation unit
    wrap: bool = True  # start tags may be broken inside the tag


_STYLES: tuple[_Style, ...] = (
    _Style("'", "", True),  # Domino export
    _Style("'", "", False),  # Domino export, short tags
    _Style('"', "\t", False),  # jnx basicnote.xml
    _Style("'", "\t", False),  # jnx testHtmlRendering
    _Style('"', "    ", False),  # jnx testDocumentSelection
    _Style("'", "", True),  # weight the Domino layout
    _Style("'", "", True),
)


# --------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------


def escape_attr(value: str, quote: str = "'") -> str:
    """Escape an attribute value the way Domino does for ``quote``-quoted values."""
    out = value.replace("&", "&amp;").replace("<", "&lt;")
    if quote == "'":
        return out.replace("'", "&apos;")
    return out.replace('"', "&quot;")


def escape_text(value: str) -> str:
    """Escape character data: ``&``, ``<``, and ``>`` only after ``]]``."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;")


def _cdata(value: str) -> str:
    """A CDATA section (split where needed) that decodes to ``value``."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _comment(text: str) -> str:
    while "--" in text:
        text = text.replace("--", "-")
    if text.endswith("-"):
        text += " "
    return f"<!--{text}-->"


# --------------------------------------------------------------------------
# Small building blocks
# --------------------------------------------------------------------------

_SEPARATORS = st.sampled_from([" ", " ", " ", " ", "\n", "\n "])
_CLOSE_WRAPPED = st.sampled_from(["", "", "", "", "", "\n"])
_CLOSE_INDENTED = st.sampled_from(["", "", " "])


def _rarely(draw: st.DrawFn, one_in: int = 6) -> bool:
    return draw(st.integers(0, one_in - 1)) == one_in - 1


def _start_tag(
    draw: st.DrawFn,
    tag: str,
    attributes: Sequence[tuple[str, str]],
    style: _Style,
    *,
    empty: bool = False,
) -> str:
    """``<tag a='v' ...>`` (or ``/>``), maybe broken over lines inside the tag."""
    q = style.quote
    out = ["<", tag]
    for key, value in attributes:
        sep = draw(_SEPARATORS) if style.wrap else " "
        out.append(f"{sep}{key}={q}{escape_attr(value, q)}{q}")
    if style.wrap:
        out.append(draw(_CLOSE_WRAPPED))
    elif style.indent and empty:
        out.append(draw(_CLOSE_INDENTED))
    out.append("/>" if empty else ">")
    return "".join(out)


def _hex(digits: int) -> SearchStrategy[str]:
    return st.integers(0, 16**digits - 1).map(lambda i: f"{i:0{digits}X}")


def unids() -> SearchStrategy[str]:
    """32 upper-case hex digits."""
    return _hex(32)


def _safe_case(c: str) -> bool:
    up, low = c.upper(), c.lower()
    return len(up) == 1 and len(low) == 1 and up.lower() == low and low.upper() == up


def _recase(draw: st.DrawFn, name: str) -> str:
    """``name`` in another case (only characters with a 1:1 case mapping change)."""
    mode = draw(st.sampled_from(["keep", "lower", "upper", "mixed"]))
    if mode == "keep":
        return name
    if mode == "mixed":
        mask = draw(st.integers(0, 2 ** len(name) - 1))
        chars = [
            (c.upper() if mask >> i & 1 else c.lower()) if _safe_case(c) else c
            for i, c in enumerate(name)
        ]
        return "".join(chars)
    return "".join(
        (c.lower() if mode == "lower" else c.upper()) if _safe_case(c) else c for c in name
    )


# --------------------------------------------------------------------------
# Item names and text values
# --------------------------------------------------------------------------

_REALISTIC_NAMES: tuple[str, ...] = (
    "Form",
    "DomainName",
    "DomainType",
    "DocumentAccess",
    "MailServer",
    "CalendarServer",
    "LocalAdmin",
    "Owner",
    "$Readers",
    "$UpdatedBy",
    "$Revisions",
    "Subject",
    "Body",
    "ServerName",
    "FullName",
)
_ODD_NAMES: tuple[str, ...] = (
    "A&B",
    "O'Brien",
    'Say "hi"',
    "a<b",
    "x>y",
    "&amp;",
    "Grüße",
    "名前",
    "_private",
    "Field_2",
    "x1",
    "$$Return",
    "Ünïcödé_Ñame",
    "'",
    '"',
)
#: Names of the items inside generated design elements (``<form>``); never item names.
DESIGN_ITEM_NAMES: frozenset[str] = frozenset({"$fields", "$info", "$title"})

_NAME_CHARS = st.one_of(
    st.sampled_from("_$&'\"<>-.:"),
    st.characters(categories=("L", "N"), codec="utf-8"),
)


@st.composite
def _item_names(draw: st.DrawFn, exclude: frozenset[str] = frozenset()) -> str:
    """Item names; ``exclude`` holds case-folded names never to return."""
    banned = DESIGN_ITEM_NAMES | exclude
    realistic = [n for n in _REALISTIC_NAMES if n.casefold() not in banned]
    odd = [n for n in _ODD_NAMES if n.casefold() not in banned]
    which = draw(st.sampled_from(["realistic", "realistic", "odd", "random"]))
    if which == "realistic":
        return _recase(draw, draw(st.sampled_from(realistic)))
    if which == "odd":
        return draw(st.sampled_from(odd))
    return draw(
        st.text(_NAME_CHARS, min_size=1, max_size=12).filter(lambda n: n.casefold() not in banned)
    )


def item_names() -> SearchStrategy[str]:
    """Realistic and odd item names (unescaped, never empty, no whitespace)."""
    return _item_names()


_TEXT_FRAGMENTS: tuple[str, ...] = (
    "&",
    "<",
    ">",
    "'",
    '"',
    "]]>",
    "]]",
    "]",
    "\n",
    " ",
    "  ",
    "\t",
    "Grüße",
    "名前",
    "€",
    "\U0001f600",
    "\u2028",
    "\u00a0",
    "&amp;",
    "<break/>",
    "<![CDATA[x]]>",
    "-->",
    "[NetModifier]",
    "CN=DominoCoex1/O=Acme",
)
_XML_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"))


def text_values() -> SearchStrategy[str]:
    """Decoded text values: XML-legal characters; ``"\\n"`` stands for ``<break/>``."""
    return st.lists(
        st.one_of(st.sampled_from(_TEXT_FRAGMENTS), st.text(_XML_CHARS, max_size=6)),
        max_size=5,
    ).map("".join)


# --------------------------------------------------------------------------
# Value elements
# --------------------------------------------------------------------------


def _text_content(draw: st.DrawFn, value: str) -> str:
    """Content of a ``<text>``: escaped text, CDATA sections, ``<break/>``."""
    pieces = []
    for piece in value.split("\n"):
        mode = draw(st.sampled_from(["plain", "plain", "plain", "plain", "cdata", "mixed"]))
        if mode == "plain" or not piece:
            pieces.append(escape_text(piece))
        elif mode == "cdata":
            pieces.append(_cdata(piece))
        else:
            cut = draw(st.integers(0, len(piece)))
            pieces.append(escape_text(piece[:cut]) + _cdata(piece[cut:]))
    return "<break/>".join(pieces)


def _text_element(draw: st.DrawFn, style: _Style, value: str) -> str:
    if not value:
        if _rarely(draw, 5):
            return "<text></text>"
        return _start_tag(draw, "text", (), style, empty=True)
    return _start_tag(draw, "text", (), style) + _text_content(draw, value) + "</text>"


def _nl(style: _Style, level: int) -> str:
    """Separator between sibling children at ``level`` (indentation depth)."""
    return "\n" + style.indent * level


def _list(style: _Style, tag: str, children: Sequence[str], level: int) -> str:
    if style.indent and len(children) > 1:
        inner = "".join(_nl(style, level + 1) + c for c in children)
        return f"<{tag}>{inner}{_nl(style, level)}</{tag}>"
    return f"<{tag}>{''.join(children)}</{tag}>"


_NUMBERS = st.one_of(
    st.sampled_from(["7", "-3.5", "1.0E+20", "0", "3.14159265358979", "1.5E-7", "-0.25"]),
    st.integers(-(10**9), 10**9).map(str),
    st.tuples(st.integers(-9999, 9999), st.integers(0, 999)).map(lambda t: f"{t[0]}.{t[1]}"),
)


@st.composite
def datetime_values(draw: st.DrawFn) -> str:
    """Domino TIMEDATE strings: full, date-only or time-only."""
    y, mo, d = draw(st.tuples(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 28)))
    h, mi, s, cs = draw(
        st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.integers(0, 99))
    )
    date = f"{y:04d}{mo:02d}{d:02d}"
    time = f"T{h:02d}{mi:02d}{s:02d},{cs:02d}"
    form = draw(st.sampled_from(["full", "full", "full", "date", "time"]))
    if form == "date":
        return date
    if form == "time":
        return time
    sign, zh = draw(st.tuples(st.sampled_from("+-"), st.integers(0, 14)))
    zm = draw(st.sampled_from(["", "", "", "00", "30", "45"]))
    return f"{date}{time}{sign}{zh:02d}{zm}"


def _datetime_element(draw: st.DrawFn, style: _Style, value: str) -> str:
    if not value:
        return _start_tag(draw, "datetime", (), style, empty=True)
    dst: tuple[tuple[str, str], ...] = (("dst", "true"),) if draw(st.booleans()) else ()
    return _start_tag(draw, "datetime", dst, style) + value + "</datetime>"


def _base64_lines(data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


_PAR_TEXTS = st.one_of(
    st.sampled_from(["I am", "some", "multiline", "content", "", "Grüße & <Co>"]),
    text_values(),
)


def _richtext(draw: st.DrawFn, style: _Style, level: int) -> str:
    children = []
    n_defs = draw(st.integers(1, 2))
    for i in range(1, n_defs + 1):
        pardef_attrs: list[tuple[str, str]] = [("id", str(i))]
        if draw(st.booleans()):
            pardef_attrs += [("leftmargin", "0.1250in"), ("tabs", "L2.1250in")]
        if _rarely(draw, 3):
            pardef_attrs += [("keepwithnext", "true"), ("keeptogether", "true")]
        children.append(_start_tag(draw, "pardef", pardef_attrs, style, empty=True))
    for _ in range(draw(st.integers(1, 3))):
        par_def = str(draw(st.integers(1, n_defs)))
        content = escape_text(draw(_PAR_TEXTS)).replace("\n", "<break/>")
        if draw(st.booleans()):
            font = _start_tag(
                draw, "font", (("size", "9pt"), ("name", "Helvetica Neue")), style, empty=True
            )
            content = f"<run>{font}{content}</run>"
        if not content and style.indent and draw(st.booleans()):
            children.append(_start_tag(draw, "par", (("def", par_def),), style, empty=True))
        else:
            children.append(
                _start_tag(draw, "par", (("def", par_def),), style) + content + "</par>"
            )
    if style.indent:
        inner = "".join(_nl(style, level + 1) + c for c in children)
        return f"<richtext>{inner}{_nl(style, level)}</richtext>"
    return "<richtext>\n" + "\n".join(children) + "</richtext>"


_FORMULAS = st.sampled_from(
    [
        '@If(Form = "Domain"; "yes"; "no")',
        'SELECT Form = "Person" & Type != "Group"',
        'FIELD $Readers := "[NetModifier]" : "LocalDomainAdmins"',
        "@Contains(DomainType; {Foreign}) & x < 3 & y > 2",
        '"/local/backup" + {/} + FileName',
        "]]> edge",
    ]
)


def _value(draw: st.DrawFn, style: _Style, kind: str, level: int) -> tuple[str, tuple[str, ...]]:
    """Markup of one value element of ``kind`` at ``level`` and its described values."""
    if kind == "text":
        value = draw(text_values())
        return _text_element(draw, style, value), (value,)
    if kind == "textlist":
        values = tuple(draw(st.lists(text_values(), min_size=1, max_size=4)))
        texts = [_text_element(draw, style, v) for v in values]
        return _list(style, "textlist", texts, level), values
    if kind == "number":
        value = draw(_NUMBERS)
        return f"<number>{value}</number>", (value,)
    if kind == "numberlist":
        values = tuple(draw(st.lists(_NUMBERS, min_size=1, max_size=4)))
        return _list(style, "numberlist", [f"<number>{v}</number>" for v in values], level), values
    if kind == "datetime":
        value = "" if _rarely(draw, 5) else draw(datetime_values())
        return _datetime_element(draw, style, value), (value,)
    if kind == "datetimelist":
        values = tuple(draw(st.lists(datetime_values(), min_size=1, max_size=3)))
        children = [_datetime_element(draw, style, v) for v in values]
        if _rarely(draw, 4):
            pair = draw(st.tuples(datetime_values(), datetime_values()))
            values += pair
            a, b = (_datetime_element(draw, style, v) for v in pair)
            children.append(f"<datetimepair>{a}{b}</datetimepair>")
        return _list(style, "datetimelist", children, level), values
    if kind == "richtext":
        return _richtext(draw, style, level), ()
    if kind == "rawitemdata":
        raw_type = draw(st.sampled_from(["1", "1", "6", "502", "14", "400"]))
        data = draw(st.binary(min_size=1, max_size=120))
        start = _start_tag(draw, "rawitemdata", (("type", raw_type),), style)
        return f"{start}\n{_base64_lines(data)}\n</rawitemdata>", ()
    if kind == "object":
        name = draw(st.sampled_from(["report.txt", "Grüße & Co.pdf", "it's <here>.bin"]))
        data = draw(st.binary(min_size=1, max_size=60))
        file_tag = _start_tag(
            draw,
            "file",
            (
                ("hosttype", "msdos"),
                ("compression", "none"),
                ("flags", "storedindoc"),
                ("encoding", "none"),
                ("name", name),
                ("size", str(len(data))),
            ),
            style,
        )
        created = _datetime_element(draw, style, draw(datetime_values()))
        modified = _datetime_element(draw, style, draw(datetime_values()))
        return (
            f"<object>{file_tag}<created>{created}</created><modified>{modified}</modified>"
            f"<filedata>\n{_base64_lines(data)}\n</filedata></file></object>"
        ), ()
    if kind == "formula":
        expr = draw(st.one_of(_FORMULAS, text_values().map(lambda s: s.replace("\n", " "))))
        return f"<formula>{escape_text(expr)}</formula>", ()
    raise ValueError(f"unknown kind {kind!r}")


# --------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------

_FLAG = st.tuples(
    st.sampled_from(
        ["summary", "sign", "seal", "authors", "names", "readers", "protected", "placeholder"]
    ),
    st.sampled_from(["true", "false"]),
)


def _ordered(flags: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(flags, key=lambda f: FLAG_ORDER.index(f[0])))


def item_flags() -> SearchStrategy[tuple[tuple[str, str], ...]]:
    """No flag, one flag, or a few, in DTD order."""
    return st.one_of(
        st.just(()),
        _FLAG.map(lambda f: (f,)),
        st.just(()),
        _FLAG.map(lambda f: (f,)),
        st.lists(_FLAG, max_size=4, unique_by=lambda f: f[0]).map(_ordered),
    )


def _render_item(
    draw: st.DrawFn,
    style: _Style,
    level: int,
    name: str,
    flags: tuple[tuple[str, str], ...],
    kind: str,
    body: str,
    values: tuple[str, ...],
) -> GenItem:
    start = _start_tag(draw, "item", (("name", name), *flags), style)
    if style.indent:
        xml = f"{start}{_nl(style, level + 1)}{body}{_nl(style, level)}</item>"
    else:
        pre = "\n" if kind == "rawitemdata" or _rarely(draw, 12) else ""
        xml = f"{start}{pre}{body}</item>"
    return GenItem(name=name, flags=flags, kind=kind, values=values, xml=xml)


def _draw_item(
    draw: st.DrawFn,
    style: _Style,
    level: int,
    name: str | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
) -> GenItem:
    if name is None:
        name = draw(_item_names(exclude))
    flags = draw(item_flags())
    kind = draw(
        st.sampled_from(
            [*KINDS, "text", "text", "textlist", "text", "textlist", "number", "datetime"]
        )
    )
    body, values = _value(draw, style, kind, level + 1)
    return _render_item(draw, style, level, name, flags, kind, body, values)


def _text_item(
    draw: st.DrawFn,
    style: _Style,
    level: int,
    name: str,
    flags: tuple[tuple[str, str], ...],
    values: tuple[str, ...],
) -> GenItem:
    """A text item with given values: ``<text>`` or ``<textlist>`` (also for one value)."""
    if len(values) == 1 and not _rarely(draw, 4):
        kind, body = "text", _text_element(draw, style, values[0])
    else:
        texts = [_text_element(draw, style, v) for v in values]
        kind, body = "textlist", _list(style, "textlist", texts, level + 1)
    return _render_item(draw, style, level, name, flags, kind, body, values)


@st.composite
def _items(draw: st.DrawFn, name: str | None) -> GenItem:
    return _draw_item(draw, draw(st.sampled_from(_STYLES)), 1, name)


def items(name: str | None = None) -> SearchStrategy[GenItem]:
    """One ``<item>`` of any kind, with random flags; ``name`` fixes its name."""
    return _items(name)


# --------------------------------------------------------------------------
# Notes
# --------------------------------------------------------------------------

_COMMENT_FRAGMENTS: tuple[str, ...] = (
    " ",
    "license",
    " exported by Domino ",
    "<document form='Domain'>",
    "<document form='Domain'/>",
    "<item name='Form'>",
    "<text>x</text>",
    "&",
    "&amp;",
    "<",
    ">",
    "\n",
    "Grüße",
    "'",
    '"',
    "- ",
    "-",
    "====",
    "]]>",
    "<![CDATA[",
)
_LICENSE = """
    ==========================================================================
    Copyright (C) 2019-2021 HCL ( http://www.hcl.com/ )
                               All rights reserved.
    ==========================================================================
    Licensed under the  Apache License, Version 2.0  (the "License").

"""


def comments() -> SearchStrategy[str]:
    """``<!-- ... -->`` markup (may span lines, hold markup-like text, never ``--``)."""
    return st.one_of(
        st.lists(st.sampled_from(_COMMENT_FRAGMENTS), max_size=6).map(lambda f: "".join(f)),
        st.text(_XML_CHARS, max_size=10),
    ).map(_comment)


_NAMES = st.sampled_from(
    [
        "CN=Arcturus/O=Frost",
        "CN=Jesse Gallagher/O=IKSG",
        "CN=Admin/OU=IT/O=Acme & Co",
        "Müller/Acme",
        "LocalDomainAdmins",
    ]
)


def _noteinfo(draw: st.DrawFn, style: _Style, unid: str) -> str:
    noteid = f"{draw(st.integers(1, 0xFFFFF)):x}"
    sequence = str(draw(st.integers(1, 99)))
    start = _start_tag(
        draw, "noteinfo", (("noteid", noteid), ("unid", unid), ("sequence", sequence)), style
    )
    parts = []
    for tag in ("created", "modified", "revised", "lastaccessed", "addedtofile"):
        if tag in ("created", "modified") or draw(st.booleans()):
            dt = _datetime_element(draw, style, draw(datetime_values()))
            parts.append(f"<{tag}>{dt}</{tag}>")
    return start + "\n" + "\n".join(parts) + "</noteinfo>"


def _header(draw: st.DrawFn, style: _Style, unid: str) -> list[str]:
    """Note prolog parts: noteinfo?, updatedby?, revisions?."""
    parts = []
    if not _rarely(draw, 5):
        parts.append(_noteinfo(draw, style, unid))
    if draw(st.booleans()):
        names = draw(st.lists(_NAMES, min_size=1, max_size=2))
        parts.append(
            "<updatedby>"
            + "".join(f"<name>{escape_text(n)}</name>" for n in names)
            + "</updatedby>"
        )
    if draw(st.booleans()):
        dts = draw(st.lists(datetime_values(), min_size=1, max_size=3))
        parts.append(
            "<revisions>"
            + "".join(_datetime_element(draw, style, dt) for dt in dts)
            + "</revisions>"
        )
    return parts


_EXTRA_DOC_ATTRS = st.lists(
    st.sampled_from(
        [
            ("response", "true"),
            ("conflict", "false"),
            ("truncated", "false"),
            ("version", "9.0"),
            ("parent", "8FD8E55C12D1A9764F03FE20DF203FE7"),
        ]
    ),
    max_size=2,
    unique_by=lambda a: a[0],
)
_FORMS = st.one_of(
    st.sampled_from(["Domain", "ServerConfig", "Memo", "Person", "Example"]), item_names()
)


def _render_note(
    draw: st.DrawFn,
    style: _Style,
    tag: str,
    form: str | None,
    unid: str,
    note_items: Sequence[GenItem],
) -> GenNote:
    attributes: list[tuple[str, str]] = []
    if tag == "document":
        if form is not None:
            attributes.append(("form", form))
        attributes += draw(_EXTRA_DOC_ATTRS)
    else:
        attributes.append(("class", "document"))
        if _rarely(draw, 4):
            attributes.append(("private", "false"))
    start = _start_tag(draw, tag, attributes, style)
    children = _header(draw, style, unid)
    for item in note_items:
        if _rarely(draw, 8):
            children.append(draw(comments()))
        children.append(item.xml)
    if _rarely(draw, 10):
        children.append(draw(comments()))
    if style.indent:
        body = "".join(_nl(style, 1) + c for c in children) + "\n"
    elif children:
        body = "\n" + "\n".join(children) + draw(st.sampled_from(["", "", "", "\n"]))
    else:
        body = draw(st.sampled_from(["", "\n"]))
    return GenNote(
        tag=tag,
        form=form if tag == "document" else None,
        unid=unid,
        items=tuple(note_items),
        xml=f"{start}{body}</{tag}>",
    )


@st.composite
def _notes(draw: st.DrawFn, tag: str) -> GenNote:
    style = draw(st.sampled_from(_STYLES))
    unid = draw(unids())
    form = draw(_FORMS) if tag == "document" and not _rarely(draw, 5) else None
    names: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        if names and _rarely(draw, 4):
            names.append(_recase(draw, draw(st.sampled_from(names))))
        else:
            names.append(draw(item_names()))
    note_items = [_draw_item(draw, style, 1, n) for n in names]
    return _render_note(draw, style, tag, form, unid, note_items)


def notes(tag: str = "document") -> SearchStrategy[GenNote]:
    """A ``<document>`` (or ``<note class='document'>``) with header and 0..8 items."""
    if tag not in ("document", "note"):
        raise ValueError(f"tag must be 'document' or 'note', not {tag!r}")
    return _notes(tag)


#: Case-folded item names ``domain_notes()`` controls; its random extra items avoid them.
DOMAIN_ITEM_NAMES: frozenset[str] = frozenset(
    n.casefold()
    for n in (
        "Form",
        "DomainType",
        "DomainName",
        "MailServer",
        "CalendarServer",
        "DocumentAccess",
        "LocalAdmin",
        "Owner",
        "$Readers",
    )
)
_NAMES_FLAGS = (("names", "true"),)
_AUTHORS_FLAGS = (("authors", "true"), ("names", "true"))
_SERVERS = st.sampled_from(
    [
        "CN=DominoCoex1/O=Acme",
        "DominoCoex2/Acme",
        "CN=Gateway/OU=Mail/O=Acme",
        "",
        "CN=Grüße & Co/O=Acme",
    ]
)


@st.composite
def domain_notes(draw: st.DrawFn) -> GenNote:
    """A Foreign-Domain-like ``<document form='Domain'>`` with its items in random order."""
    style = draw(st.sampled_from(_STYLES))
    unid = draw(unids())
    found: list[GenItem] = []

    def text_item(name: str, flags: tuple[tuple[str, str], ...], values: Sequence[str]) -> None:
        found.append(_text_item(draw, style, 1, name, flags, tuple(values)))

    text_item("Form", (), ["Domain"])
    domain_type = draw(
        st.sampled_from(
            [
                "ForeignDomain",
                "ForeignDomain",
                "ForeignDomain",
                "ForeignDomain",
                "AdjacentDomain",
                "foreigndomain",
                "FOREIGNDOMAIN",
                "NonAdjacentDomain",
            ]
        )
    )
    text_item("DomainType", (), [domain_type])
    text_item(
        "DomainName", (), [draw(st.sampled_from(["BTEx", "BTEx", "ExchangeCoex", "Grüße&Co"]))]
    )
    for server_item in ("MailServer", "CalendarServer"):
        if not _rarely(draw, 4):
            flags: tuple[tuple[str, str], ...] = () if _rarely(draw, 5) else _NAMES_FLAGS
            text_item(server_item, flags, [draw(_SERVERS)])
    for _ in range(draw(st.integers(0, 3))):
        flags = draw(
            st.sampled_from(
                [
                    _AUTHORS_FLAGS,
                    _AUTHORS_FLAGS,
                    _AUTHORS_FLAGS,
                    _NAMES_FLAGS,
                    (("names", "true"), ("readers", "true")),
                    (("authors", "true"),),
                    (),
                    (("summary", "false"), ("authors", "true"), ("names", "true")),
                ]
            )
        )
        values = draw(
            st.sampled_from(
                [
                    ["[NetModifier]"],
                    ["[NetModifier]"],
                    ["[NetModifier]", "LocalDomainAdmins"],
                    ["LocalDomainAdmins", "[NetModifier]", "CN=Admin/O=Acme"],
                    ["[netmodifier]"],
                ]
            )
        )
        text_item(_recase(draw, "DocumentAccess"), flags, values)
    for admin_item in ("LocalAdmin", "Owner"):
        if draw(st.booleans()):
            values = draw(st.lists(_NAMES, min_size=1, max_size=3))
            text_item(admin_item, _AUTHORS_FLAGS, values)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        values = draw(
            st.sampled_from(
                [["LocalDomainAdmins"], ["[NetModifier]", "*/Acme"], ["CN=Reader/O=Acme"]]
            )
        )
        text_item("$Readers", (("names", "true"), ("readers", "true")), values)
    for _ in range(draw(st.integers(0, 3))):
        found.append(_draw_item(draw, style, 1, exclude=DOMAIN_ITEM_NAMES))
    ordered = draw(st.permutations(found))
    return _render_note(draw, style, "document", "Domain", unid, ordered)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------

_DECLARATIONS = st.sampled_from(
    [
        "<?xml version='1.0' encoding='utf-8'?>",
        "<?xml version='1.0' encoding='utf-8'?>",
        '<?xml version="1.0"?>',
        "<?xml version='1.0'?>",
    ]
)
_DTD_VERSIONS = st.sampled_from(["9_0_1", "9_0_1", "10_0_1", "11_0_1", "12_0_1", "8_5_3"])
_PIS = st.sampled_from(["<?pi data?>", "<?dxltools-test a & b <c> 'd'?>", "<?pi?>"])


def _database_start(draw: st.DrawFn, style: _Style, namespaced: bool) -> str:
    attributes: list[tuple[str, str]] = []
    if namespaced:
        attributes.append(("xmlns", DXL_NS))
    attributes.append(("version", draw(st.sampled_from(["9.0", "11.0", "12.0"]))))
    if draw(st.booleans()):
        attributes.append(("maintenanceversion", "1.0"))
    attributes.append(("replicaid", draw(_hex(16))))
    if draw(st.booleans()):
        attributes.append(
            ("path", draw(st.sampled_from(["names.nsf", "CN=pluto/O=NotesLab!!names.nsf"])))
        )
    if draw(st.booleans()):
        title = draw(st.sampled_from(["Domino Directory", "Acme's <Directory> & Co", "Grüße"]))
        attributes.append(("title", title))
    if draw(st.booleans()):
        attributes += [("fromtemplate", "StdR4PublicAddressBook"), ("increasemaxfields", "true")]
    return _start_tag(draw, "database", attributes, style)


def _database_children(draw: st.DrawFn, style: _Style) -> list[str]:
    """databaseinfo?, acl? as Domino writes them."""
    parts = []
    if draw(st.booleans()):
        start = _start_tag(
            draw,
            "databaseinfo",
            (
                ("dbid", draw(_hex(16))),
                ("odsversion", "53"),
                ("diskspace", "3407872"),
                ("percentused", "70.4176682692308"),
                ("numberofdocuments", str(draw(st.integers(0, 99)))),
            ),
            style,
            empty=_rarely(draw, 3),
        )
        if not start.endswith("/>"):
            dm = _datetime_element(draw, style, draw(datetime_values()))
            gm = _datetime_element(draw, style, draw(datetime_values()))
            start += (
                f"<datamodified>{dm}</datamodified><designmodified\n>{gm}</designmodified>"
                "</databaseinfo>"
            )
        parts.append(start)
    if draw(st.booleans()):
        acl = [
            _start_tag(
                draw,
                "acl",
                (("adminserver", "CN=Galatea-VCC/O=IKSG"), ("maxinternetaccess", "editor")),
                style,
            )
        ]
        if draw(st.booleans()):
            acl.append("<role>[NetModifier]</role>")
        entries = draw(
            st.lists(
                st.sampled_from(
                    [
                        ("-Default-", "", "noaccess"),
                        ("LocalDomainServers", "servergroup", "manager"),
                        ("CN=Jesse Gallagher/O=IKSG", "person", "manager"),
                        ("OtherDomainServers", "servergroup", "noaccess"),
                        ("LocalDomainAdmins", "persongroup", "editor"),
                    ]
                ),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        for name, kind, level in entries:
            attributes = [("name", name)]
            if kind:
                attributes.append(("type", kind))
            attributes += [("level", level), ("deletedocs", "true")]
            if draw(st.booleans()):
                acl.append(_start_tag(draw, "aclentry", attributes, style, empty=True))
            else:
                entry = _start_tag(draw, "aclentry", attributes, style)
                acl.append(f"{entry}<role>[NetModifier]</role></aclentry>")
        if draw(st.booleans()):
            acl.append("<logentry>12/20/2021 05:03:13 PM Admin/Acme updated Anonymous</logentry>")
        parts.append("\n".join(acl) + "</acl>")
    if _rarely(draw, 4):
        parts.append(
            "<launchsettings><noteslaunch whenopened='openframeset' frameset='Main'/>"
            "</launchsettings>"
        )
    return parts


def _design_element(draw: st.DrawFn, style: _Style, unid: str | None) -> str:
    """A ``<form>`` design note, whose items are named from ``DESIGN_ITEM_NAMES``."""
    start = _start_tag(
        draw, "form", (("name", draw(st.sampled_from(["x", "Domain", "Memo & Co"]))),), style
    )
    parts = [start]
    if unid is not None:
        parts.append(_noteinfo(draw, style, unid))
    parts.append("<body><richtext>\n<pardef id='1'/>\n<par def='1'>Domain:</par></richtext></body>")
    if draw(st.booleans()):
        parts.append(
            "<item name='$Fields'><textlist><text>DocumentAccess</text><text>Form</text>"
            "</textlist></item>"
        )
    if draw(st.booleans()):
        parts.append("<item name='$TITLE'><text>Domain</text></item>")
    return "\n".join(parts) + "</form>"


def _filler(draw: st.DrawFn, style: _Style, used: set[str]) -> str:
    which = draw(st.sampled_from(["comment", "comment", "pi", "form"]))
    if which == "comment":
        return draw(comments())
    if which == "pi":
        return draw(_PIS)
    unid = draw(unids())
    if unid in used:
        return _design_element(draw, style, None)
    used.add(unid)
    return _design_element(draw, style, unid)


def _with_xmlns(draw: st.DrawFn, note: GenNote) -> GenNote:
    """Declare the DXL namespace on a note that becomes the root element."""
    quote = draw(st.sampled_from(["'", '"']))
    decl = f" xmlns={quote}{DXL_NS}{quote}"
    pos = len(note.tag) + 1
    first = re.match(r"<\w+(\s+[\w:]+=(?:'[^']*'|\"[^\"]*\"))", note.xml)
    if first is not None and draw(st.booleans()):
        pos = first.end()
    return attrs.evolve(note, xml=note.xml[:pos] + decl + note.xml[pos:])


def _crlf(note: GenNote) -> GenNote:
    return attrs.evolve(
        note,
        xml=note.xml.replace("\n", "\r\n"),
        items=tuple(attrs.evolve(i, xml=i.xml.replace("\n", "\r\n")) for i in note.items),
    )


@st.composite
def _dxl_files(
    draw: st.DrawFn, note_strategy: SearchStrategy[GenNote] | None, root: str | None
) -> GenFile:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    root_tag = root or draw(
        st.sampled_from(["database", "database", "database", "document", "note"])
    )
    namespaced = not _rarely(draw, 4)
    style = draw(st.sampled_from(_STYLES))

    out = [draw(_DECLARATIONS), "\n"]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        out += [_comment(_LICENSE) if draw(st.booleans()) else draw(comments()), "\n"]
    if draw(st.booleans()):
        out += [f"<!DOCTYPE {root_tag} SYSTEM 'xmlschemas/domino_{draw(_DTD_VERSIONS)}.dtd'>\n"]

    generic = st.one_of(notes(), notes(), notes("note"))
    candidates = generic if note_strategy is None else st.one_of(note_strategy, generic)
    found: list[GenNote] = []
    if root_tag == "database":
        used: set[str] = set()
        children = _database_children(draw, style)
        for _ in range(draw(st.integers(0, 6))):
            if _rarely(draw, 4):
                children.append(_filler(draw, style, used))
            for _attempt in range(3):
                note = draw(candidates)
                if note.unid not in used and not any(
                    note.xml in n.xml or n.xml in note.xml for n in found
                ):
                    used.add(note.unid)
                    found.append(note)
                    children.append(note.xml)
                    break
        if _rarely(draw, 5):
            children.append(_filler(draw, style, used))
        body = draw(st.sampled_from(["", "\n"]))
        if children:
            body = "\n" + "\n".join(children) + "\n"
        out += [_database_start(draw, style, namespaced), body, "</database>"]
    else:
        note = draw(candidates if note_strategy is not None else notes(root_tag))
        if note.tag != root_tag:
            note = draw(notes(root_tag))
        if namespaced:
            note = _with_xmlns(draw, note)
        found.append(note)
        out.append(note.xml)
    trailer = draw(st.sampled_from(["", "\n", "\n", "\n", "\n\n", "\n!", "\n!\n"]))
    out.append(trailer.replace("!", draw(comments())) if "!" in trailer else trailer)

    text = "".join(out)
    if newline == "\r\n":
        text = text.replace("\n", "\r\n")
        found = [_crlf(n) for n in found]
    return GenFile(
        data=text.encode("utf-8"),
        root=root_tag,
        notes=tuple(found),
        newline=newline,
        namespaced=namespaced,
    )


def dxl_files(
    note_strategy: SearchStrategy[GenNote] | None = None, root: str | None = None
) -> SearchStrategy[GenFile]:
    """A whole DXL file as bytes, with a description of its notes.

    ``root`` is ``"database"``, ``"document"``, ``"note"`` or None (random). With
    ``note_strategy`` the notes are a mix of it and ``notes()``; for a
    single-note root a note of another tag than ``root`` is replaced by
    ``notes(root)``.
    """
    if root not in (None, "database", "document", "note"):
        raise ValueError(f"bad root {root!r}")
    return _dxl_files(note_strategy, root)
