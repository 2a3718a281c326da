"""What the splitter produces: the kinds of span of a DXL export, and what it
learns of a file before its first note.

Also which roots are DXL: every element the DTD gives the root attributes.
"""

from __future__ import annotations

import enum

import attrs

from dxltools.records import Record

DXL_NAMESPACE = "http://www.lotus.com/dxl"
NOTE_TAGS = frozenset({"document", "note"})
# The design elements of the DXL DTD (its %design.elements; entity, the same in
# domino_9_0_1.dtd and domino_10_0_1.dtd): Domino Designer exports each on its own too.
DESIGN_ELEMENTS = frozenset(
    {
        "form",
        "subform",
        "page",
        "frameset",
        "view",
        "folder",
        "sharedfield",
        "sharedactions",
        "imageresource",
        "appletresource",
        "agent",
        "webservice",
        "agentdata",
        "scriptlibrary",
        "databasescript",
        "helpusingdocument",
        "helpaboutdocument",
        "dataconnection",
        "sharedcolumn",
        "fileresource",
        "stylesheetresource",
        "outline",
        "db2accessview",
    }
)
# What the DTD lets stand among <database>'s children (its content model, with
# %note.types;): the elements that come one after the other at the top level.
DATABASE_CHILDREN = (
    frozenset({"databaseinfo", "acl", "fulltextsettings", "launchsettings", "profiledocument"})
    | NOTE_TAGS
    | DESIGN_ELEMENTS
)
# Every element the DTD gives the root attributes (%root.attrs;): each may be the
# root of a DXL file. Only <database> holds notes; a note is its own root; the
# others are files with no document in them.
ROOT_TAGS = (
    frozenset({"database", "acl", "profiledocument", "viewentries"}) | NOTE_TAGS | DESIGN_ELEMENTS
)


class SegmentKind(enum.Enum):
    """What a span of the input is."""

    DECLARATION = "declaration"  # <?xml ...?>, with a UTF-8 byte-order mark before it
    COMMENT = "comment"
    PI = "pi"
    DOCTYPE = "doctype"
    TEXT = "text"  # white space (or CDATA/text) between the parts
    ROOT_START = "root-start"  # the <database ...> start tag
    ELEMENT = "element"  # a child of the root that is not a note: databaseinfo, acl, form...
    NOTE = "note"  # a <document> or <note>, or the root itself when it is one
    SKIPPED = "skipped"  # root children of no interest (see Interest), passed over whole
    ROOT_END = "root-end"
    TRAILER = "trailer"  # everything after the root: white space, comments, PIs


@attrs.frozen(repr=False)
class Segment(Record):
    """One span of the input: its kind, its bytes, where it starts."""

    kind: SegmentKind
    data: bytes
    offset: int  # byte offset of data[0] in the input
    line: int  # 1-based line of data[0]
    column: int  # 1-based byte column of data[0]
    name: str = ""  # element name, for ROOT_START, ELEMENT, NOTE
    start_tag_end: int = 0  # for ELEMENT and NOTE: length of the start tag in data
    notes: int = 0  # for SKIPPED: how many notes the span holds

    @property
    def start_tag(self) -> bytes:
        return self.data[: self.start_tag_end]


@attrs.frozen(repr=False)
class Prolog(Record):
    """What the scanner learnt before the first note: what edits need to know."""

    encoding: str  # Python codec name of the file's encoding
    declared_encoding: str | None
    newline: bytes  # b"\r\n" when the file's first line break is CRLF
    root_name: str
    namespace: str | None  # the root's default namespace, None when it declares none
    root_attributes: dict[str, str]


@attrs.frozen(repr=False)
class PartStart(Record):
    """Where a scanner that reads a part of an input (see :mod:`dxltools.rewrite.parts`)
    begins: a boundary between the root's children, its line and line start,
    and what the first part learnt of the file."""

    offset: int
    line: int
    line_start: int  # input offset of the first byte of `line`
    prolog: Prolog
