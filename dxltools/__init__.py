"""dxltools: byte-exact edits of Domino DXL exports.

The public API: split and parse (`Scanner`, `parse_note`), the model (`Note`,
`Item`, ...), changes and edits, and the rewrite functions by input kind.
"""

__version__ = "0.1.0"

# The names below are imported when first used (PEP 562): ``dxltools --version`` and
# the command line start without loading lxml and every module of the package.
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dxltools.dxl.model import DxlDateTime, Item, ItemFlags, Note, parse_note
    from dxltools.dxl.scan import Scanner, Segment, SegmentKind, scan_bytes
    from dxltools.dxl.select import NoteHead, by_form
    from dxltools.edit.changes import (
        Change,
        Edit,
        InsertItem,
        NewItem,
        RemoveItem,
        ReplaceItem,
        Warn,
    )
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

_WHERE = {
    "Change": "dxltools.edit.changes",
    "DxlDateTime": "dxltools.dxl.model",
    "DxlError": "dxltools.errors",
    "DxlSyntaxError": "dxltools.errors",
    "Edit": "dxltools.edit.changes",
    "EditError": "dxltools.errors",
    "InsertItem": "dxltools.edit.changes",
    "Item": "dxltools.dxl.model",
    "ItemFlags": "dxltools.dxl.model",
    "NewItem": "dxltools.edit.changes",
    "NotDxlError": "dxltools.errors",
    "Note": "dxltools.dxl.model",
    "NoteHead": "dxltools.dxl.select",
    "NoteReport": "dxltools.rewrite.stream",
    "RemoveItem": "dxltools.edit.changes",
    "ReplaceItem": "dxltools.edit.changes",
    "RewriteReport": "dxltools.rewrite.stream",
    "RewriteResult": "dxltools.rewrite.stream",
    "Scanner": "dxltools.dxl.scan",
    "Segment": "dxltools.dxl.scan",
    "SegmentKind": "dxltools.dxl.scan",
    "UnsupportedInputError": "dxltools.errors",
    "VerifyError": "dxltools.errors",
    "Warn": "dxltools.edit.changes",
    "WriteError": "dxltools.errors",
    "by_form": "dxltools.dxl.select",
    "parse_note": "dxltools.dxl.model",
    "remove_item": "dxltools.edit.edits",
    "rewrite_bytes": "dxltools.rewrite.stream",
    "rewrite_file": "dxltools.rewrite.stream",
    "rewrite_stream": "dxltools.rewrite.stream",
    "scan_bytes": "dxltools.dxl.scan",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dxltools' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
