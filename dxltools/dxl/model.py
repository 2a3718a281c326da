"""The parsed form of one note: Note, Item, ItemFlags, typed values, datetimes.

Values only: no lxml here. :mod:`dxltools.dxl.parse` builds them from a note's
bytes. Every item keeps its byte span inside the note, so edits can say
exactly which bytes they change.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping

import attrs

from dxltools.records import Record

# -- datetimes ------------------------------------------------------------------------

_DATETIME_RE = re.compile(
    r"""^(?:(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2}))?
        (?:T(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})(?:,(?P<hundredths>\d{1,2}))?)?
        (?P<zone>Z|[+-]\d{2}(?:\d{2})?)?$""",
    re.VERBOSE,
)


@attrs.frozen(repr=False)
class DxlDateTime(Record):
    """A DXL ``<datetime>``: ``20210328T120508,71+02``, date only, time only or empty.

    A zone-less time is read as UTC (Domino always writes the zone on full
    datetimes; this only makes hand-written files usable).
    """

    raw: str
    date: dt.date | None
    time: dt.time | None  # timezone-aware
    dst: bool = False

    @classmethod
    def parse(cls, raw: str, dst: bool = False) -> DxlDateTime:
        text = raw.strip()
        match = _DATETIME_RE.match(text)
        if match is None:
            raise ValueError(f"not a DXL datetime: {raw!r}")
        parts = match.groupdict()
        date = None
        if parts["year"]:
            date = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        time = None
        if parts["hour"]:
            hundredths = parts["hundredths"] or "0"
            time = dt.time(
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"]),
                int(hundredths.ljust(2, "0")) * 10_000,
                tzinfo=_zone(parts["zone"]),
            )
        return cls(raw, date, time, dst)

    @property
    def is_empty(self) -> bool:
        return self.date is None and self.time is None

    @property
    def value(self) -> dt.datetime | dt.date | dt.time | None:
        """An aware datetime; a date or an aware time for partial values; None when empty."""
        if self.date is not None and self.time is not None:
            return dt.datetime.combine(self.date, self.time)
        return self.date if self.date is not None else self.time


def _zone(text: str | None) -> dt.timezone:
    if not text or text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[3:5] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


# -- item values -----------------------------------------------------------------------


@attrs.frozen(repr=False)
class Text(Record):
    value: str


@attrs.frozen(repr=False)
class TextList(Record):
    values: tuple[str, ...]


@attrs.frozen(repr=False)
class Number(Record):
    value: float
    raw: str


@attrs.frozen(repr=False)
class NumberList(Record):
    values: tuple[Number, ...]


@attrs.frozen(repr=False)
class DateTime(Record):
    value: DxlDateTime


@attrs.frozen(repr=False)
class DateTimeList(Record):
    """Datetimes and ranges; a ``<datetimepair>`` is a tuple of two."""

    values: tuple[DxlDateTime | tuple[DxlDateTime, DxlDateTime], ...]


@attrs.frozen(repr=False)
class Opaque(Record):
    """Rich text, raw item data, objects, formulas: kept as bytes, never interpreted."""

    kind: str


Value = Text | TextList | Number | NumberList | DateTime | DateTimeList | Opaque

# -- items and notes ------------------------------------------------------------------


def _flag(attributes: Mapping[str, str], name: str) -> bool | None:
    value = attributes.get(name)
    return None if value is None else value.strip() == "true"


@attrs.frozen(repr=False)
class ItemFlags(Record):
    """An item's boolean attributes. ``summary``/``protected``: None when not written."""

    summary: bool | None = None
    readers: bool = False
    authors: bool = False
    names: bool = False
    protected: bool | None = None
    sign: bool = False
    seal: bool = False
    sealed: bool = False
    placeholder: bool = False

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, str]) -> ItemFlags:
        def boolean(name: str) -> bool:
            return _flag(attributes, name) is True

        return cls(
            summary=_flag(attributes, "summary"),
            readers=boolean("readers"),
            authors=boolean("authors"),
            names=boolean("names"),
            protected=_flag(attributes, "protected"),
            sign=boolean("sign"),
            seal=boolean("seal"),
            sealed=boolean("sealed"),
            placeholder=boolean("placeholder"),
        )

    def describe(self) -> str:
        """The flags that are set, for reports: ``authors, names``."""
        names = [field.name for field in attrs.fields(ItemFlags) if getattr(self, field.name)]
        return ", ".join(names) or "no flags"


@attrs.frozen(repr=False)
class Span(Record):
    """A byte range inside a note's bytes."""

    start: int
    end: int


@attrs.frozen(repr=False)
class Item(Record):
    """One ``<item>``: name, flags, value, and where its bytes are in the note."""

    name: str
    flags: ItemFlags
    value: Value
    span: Span
    line: int  # line of the item's start in the file

    @property
    def texts(self) -> tuple[str, ...]:
        """The values of a text or text-list item; empty for other kinds."""
        return _texts_of(self.value)

    def is_named(self, name: str) -> bool:
        """Item names compare case-insensitively, as in Notes."""
        return self.name.casefold() == name.casefold()


def _texts_of(value: Value) -> tuple[str, ...]:
    if isinstance(value, Text):
        return (value.value,)
    if isinstance(value, TextList):
        return value.values
    return ()


@attrs.frozen(repr=False)
class ItemValue(Record):
    """An item's name and value, read without its place in the file (see
    :func:`read_items`)."""

    name: str
    value: Value

    @property
    def texts(self) -> tuple[str, ...]:
        return _texts_of(self.value)


@attrs.frozen(repr=False)
class NoteItems(Record):
    """Some items of a note, for a reader that only looks (the audit reads tens
    of thousands of Group documents): parsed by lxml, not split into spans."""

    form: str | None
    unid: str | None
    items: tuple[ItemValue, ...]

    def items_named(self, name: str) -> tuple[ItemValue, ...]:
        key = name.casefold()
        return tuple(item for item in self.items if item.name.casefold() == key)


@attrs.frozen(repr=False)
class Note(Record):
    """One ``<document>`` or ``<note>``, parsed from its own bytes."""

    tag: str
    form: str | None
    unid: str | None
    noteid: str | None
    sequence: int | None
    created: DxlDateTime | None
    modified: DxlDateTime | None
    items: tuple[Item, ...]
    data: bytes = attrs.field(repr=False)
    header_end: int  # where items may start: after the start tag and header elements
    end_tag_start: int  # offset of the note's end tag (len(data) for an empty element)
    line: int
    newline: bytes = b"\n"
    encoding: str = "utf-8"

    def items_named(self, name: str) -> tuple[Item, ...]:
        """The items of `name` (any case), in the note's order."""
        return self._by_name.get(name.casefold(), ())

    @functools.cached_property
    def _by_name(self) -> dict[str, tuple[Item, ...]]:
        # Built at the first lookup: edits, selections and the audit look up a
        # dozen names in each note they read.
        found: dict[str, list[Item]] = {}
        for item in self.items:
            found.setdefault(item.name.casefold(), []).append(item)
        return {key: tuple(items) for key, items in found.items()}

    def item_bytes(self, item: Item) -> bytes:
        return self.data[item.span.start : item.span.end]

    @property
    def label(self) -> str:
        """How reports name this note: its UNID, else its note id, else its line."""
        return self.unid or (f"noteid {self.noteid}" if self.noteid else f"line {self.line}")
