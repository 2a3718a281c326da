"""What `dxltools show` tells of a note: its summary, as one text line or one JSON object.

For each note: its form, UNID (the note id when there is no UNID), the Domain
document fields ``DomainType``, ``DomainName``, ``MailServer`` and
``CalendarServer``, and every item flagged ``readers='true'`` or
``authors='true'`` with its values. Everything streams: one note is in memory
at a time, and with ``--form`` the notes of other forms are never parsed (their
form is read from the start tag, as agents select notes; only a note without a
``form`` attribute, as in raw ``<note>`` exports, is parsed to read its ``Form`` item).

Text layout, one line per note, fields separated by a TAB (so ``grep`` finds a
note by any field and ``cut -f`` or ``awk -F'\\t'`` splits them; names with
spaces stay in one field)::

    PATH:LINE:<TAB>form=Domain<TAB>unid=26DD...<TAB>DomainType=ForeignDomain<TAB>
    DomainName=BTEx<TAB>MailServer=CN=DominoCoex1/O=Acme<TAB>...<TAB>
    readers:$Readers=LocalDomainAdmins; CN=DominoCoex1/O=Acme<TAB>
    authors:DocumentAccess=[NetModifier]

(shown wrapped here; it is one line). ``LINE`` is the line of the note's start
tag. The fixed fields come in that order and are left out when the note has no
such item; ``noteid=`` replaces ``unid=`` only when the note has no UNID. Then
one ``readers:ITEM=`` field per readers item and one ``authors:ITEM=`` field per
authors item, in file order (an item flagged both appears as both); these are
shown even when empty, since an empty readers or authors item is worth seeing.
Values are shown exactly as stored, never abbreviated; the values of a list are
joined by ``"; "`` (a datetime range is ``start - end``). Only control characters
and line separators are escaped (``\\n``, ``\\t``, ``\\r``, ``\\xNN``, ``\\uNNNN``) so
that a note stays on one line; backslashes and non-ASCII text are left as they are.
JSON output (:func:`summary_json`, one object per note) is exact (and ASCII:
non-ASCII characters are ``\\u`` escapes).

The whole JSON document, and how a failed or skipped file shows in it, are
the command's (:mod:`dxltools.cli.show`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

import attrs

from dxltools.dxl.model import DateTime, DateTimeList, Item, Note, Number, NumberList
from dxltools.dxl.parse import note_from_segment
from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import SegmentKind
from dxltools.dxl.select import NoteHead, by_form
from dxltools.dxl.skim import Interest
from dxltools.dxl.tokens import parse_attributes
from dxltools.dxl.wellformed import Checker, checked_segments
from dxltools.records import Record

VALUE_SEPARATOR = "; "

# (NoteSummary attribute, item name) of the single-valued fields, in display order.
FIELD_ITEMS: tuple[tuple[str, str], ...] = (
    ("domain_type", "DomainType"),
    ("domain_name", "DomainName"),
    ("mail_server", "MailServer"),
    ("calendar_server", "CalendarServer"),
)


@attrs.frozen(repr=False)
class ItemSummary(Record):
    """A readers or authors item: its name as written and its values as stored."""

    name: str
    values: tuple[str, ...]


@attrs.frozen(repr=False)
class NoteSummary(Record):
    """What `show` tells about one note."""

    source: str
    line: int
    form: str | None
    unid: str | None
    noteid: str | None
    domain_type: str | None
    domain_name: str | None
    mail_server: str | None
    calendar_server: str | None
    readers: tuple[ItemSummary, ...]
    authors: tuple[ItemSummary, ...]


# -- one note ------------------------------------------------------------------------------


def _strings(item: Item) -> tuple[str, ...]:
    """An item's values as stored: texts, raw numbers and raw datetimes; () for the rest."""
    value = item.value
    if isinstance(value, Number):
        return (value.raw,)
    if isinstance(value, NumberList):
        return tuple(number.raw for number in value.values)
    if isinstance(value, DateTime):
        return (value.value.raw,)
    if isinstance(value, DateTimeList):
        return tuple(
            " - ".join(part.raw for part in entry) if isinstance(entry, tuple) else entry.raw
            for entry in value.values
        )
    return item.texts


def _field(note: Note, name: str) -> str | None:
    """The first item of that name, as Notes' GetItemValue reads it; None when absent."""
    found = note.items_named(name)
    return VALUE_SEPARATOR.join(_strings(found[0])) if found else None


def summarize_note(note: Note, source: str) -> NoteSummary:
    """The summary of a parsed note found in `source`."""
    fields = {attribute: _field(note, name) for attribute, name in FIELD_ITEMS}
    return NoteSummary(
        source=source,
        line=note.line,
        form=note.form,
        unid=note.unid,
        noteid=note.noteid,
        readers=tuple(ItemSummary(i.name, _strings(i)) for i in note.items if i.flags.readers),
        authors=tuple(ItemSummary(i.name, _strings(i)) for i in note.items if i.flags.authors),
        **fields,
    )


# -- one stream ----------------------------------------------------------------------------


def _form_filter(
    forms: Sequence[str],
) -> tuple[Callable[[NoteHead], bool], Callable[[Note], bool], Interest | None]:
    """Two checks: on the start tag (skip without parsing), then on the parsed note,
    for notes whose form is only known from their Form item; and what the splitter
    may pass over unread (the notes whose start tag names another form)."""
    if not forms:
        return (lambda head: True), (lambda note: True), None
    wanted = {form.casefold() for form in forms}
    select = by_form(*forms)
    return select, (lambda note: (note.form or "").casefold() in wanted), select.interest


def show_stream(
    stream: IO[bytes], source: str, forms: Sequence[str] = (), *, strict: bool = False
) -> Iterator[NoteSummary]:
    """Summaries of the notes of one export, as they are read (case-insensitive `forms`).

    Raises :class:`DxlError` at the first bad input, after the notes before it.
    With `forms`, the splitter passes the notes of other forms over unread, as a
    run passes over the notes its agent does not select; everything but those is
    checked for well-formedness (:mod:`dxltools.dxl.wellformed`); `strict`: those too.
    """
    wants_head, wants_note, interest = _form_filter(forms)
    scanner = Scanner(stream, source, interest=interest)
    for segment in checked_segments(scanner, Checker(source, strict=strict)):
        if segment.kind is not SegmentKind.NOTE:
            continue
        prolog = scanner.prolog
        assert prolog is not None  # known once the root start tag has been read
        head = NoteHead(segment.name, parse_attributes(segment.start_tag, prolog.encoding))
        if not wants_head(head):
            continue
        note = note_from_segment(segment, prolog, source)
        if wants_note(note):
            yield summarize_note(note, source)


# -- text ----------------------------------------------------------------------------------


_ESCAPED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})  # controls, line and paragraph separators
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(text: str) -> str:
    """Control characters and line separators escaped, so that a note stays on one line;
    everything else (non-ASCII letters, spaces, backslashes) is shown as stored."""
    if text.isprintable():
        return text
    return "".join(_escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    if unicodedata.category(char) not in _ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    return _NAMED_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def format_line(summary: NoteSummary) -> str:
    """The text line of a note, without its line break (see the module docstring)."""
    fields = [f"{summary.source}:{summary.line}:"]
    if summary.form is not None:
        fields.append(f"form={summary.form}")
    if summary.unid is not None:
        fields.append(f"unid={summary.unid}")
    elif summary.noteid is not None:
        fields.append(f"noteid={summary.noteid}")
    for attribute, name in FIELD_ITEMS:
        value = getattr(summary, attribute)
        if value:
            fields.append(f"{name}={value}")
    for kind, found in (("readers", summary.readers), ("authors", summary.authors)):
        fields.extend(f"{kind}:{item.name}={VALUE_SEPARATOR.join(item.values)}" for item in found)
    return "\t".join(_escape(field) for field in fields)


# -- JSON ----------------------------------------------------------------------------------


def summary_json(summary: NoteSummary) -> dict[str, Any]:
    """The JSON object of a note (its file is named once, by the enclosing file object)."""

    def items(found: tuple[ItemSummary, ...]) -> list[dict[str, Any]]:
        return [{"item": item.name, "values": list(item.values)} for item in found]

    return {
        "line": summary.line,
        "form": summary.form,
        "unid": summary.unid,
        "noteid": summary.noteid,
        **{attribute: getattr(summary, attribute) for attribute, _ in FIELD_ITEMS},
        "readers": items(summary.readers),
        "authors": items(summary.authors),
    }
