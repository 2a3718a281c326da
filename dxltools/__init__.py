"""dxltools: byte-exact edits of Domino DXL exports.

The public API: split and parse (`Scanner`, `parse_note`), the model (`Note`,
`Item`, ...), changes and edits, and the rewrite functions by input kind.
"""

__version__ = "0.1.0"

from dxltools.dxl.model import DxlDateTime, Item, ItemFlags, Note, parse_note
from dxltools.dxl.scan import Scanner, Segment, SegmentKind, scan_bytes
from dxltools.dxl.select import NoteHead, by_form
from dxltools.edit.changes import Change, Edit, InsertItem, NewItem, RemoveItem, ReplaceItem, Warn
from dxltools.edit.edits import remove_item
from dxltools.errors import (
    DxlError,
    DxlSyntaxError,
    EditError,
    NotDxlError,
    UnsupportedInputError,
    VerifyError,
    WriteError,
)
from dxltools.rewrite.stream import (
    NoteReport,
    RewriteReport,
    RewriteResult,
    rewrite_bytes,
    rewrite_file,
    rewrite_stream,
)

__all__ = [
    "Change",
    "DxlDateTime",
    "DxlError",
    "DxlSyntaxError",
    "Edit",
    "EditError",
    "InsertItem",
    "Item",
    "ItemFlags",
    "NewItem",
    "NotDxlError",
    "Note",
    "NoteHead",
    "NoteReport",
    "RemoveItem",
    "ReplaceItem",
    "RewriteReport",
    "RewriteResult",
    "Scanner",
    "Segment",
    "SegmentKind",
    "UnsupportedInputError",
    "VerifyError",
    "Warn",
    "WriteError",
    "__version__",
    "by_form",
    "parse_note",
    "remove_item",
    "rewrite_bytes",
    "rewrite_file",
    "rewrite_stream",
    "scan_bytes",
]
