"""dxltools: byte-exact edits of Domino DXL exports.

The public API: split and parse (`Scanner`, `parse_note`), the model (`Note`,
`Item`, ...), changes and edits, the rewrite functions by input kind, agents
(`load_agent`, and `apply_agent_to_file` / `apply_agent_to_bytes`, which run
one as `dxltools run` does, its own audit included), and every error class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The names below are imported when first used (PEP 562): `dxltools --version` and
# the command line start without loading lxml and every module of the package.
if TYPE_CHECKING:
    from dxltools.agents import Agent, load_agent
    from dxltools.agents.apply import apply_agent_to_bytes, apply_agent_to_file
    from dxltools.dxl.model import DxlDateTime, Item, ItemFlags, Note
    from dxltools.dxl.parse import parse_note
    from dxltools.dxl.scan import Scanner, scan_bytes
    from dxltools.dxl.segments import Segment, SegmentKind
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
        AgentError,
        AuditRefusal,
        ConfigError,
        DxlError,
        DxlSyntaxError,
        EditError,
        LockError,
        MissingParameterError,
        NotDxlError,
        ReadError,
        UnsupportedInputError,
        UsageError,
        VerifyError,
        WriteError,
    )
    from dxltools.rewrite.file import rewrite_file
    from dxltools.rewrite.stream import (
        NoteReport,
        RewriteReport,
        RewriteResult,
        rewrite_bytes,
        rewrite_stream,
    )

_MODULES: dict[str, tuple[str, ...]] = {
    "dxltools.agents": ("Agent", "load_agent"),
    "dxltools.agents.apply": ("apply_agent_to_bytes", "apply_agent_to_file"),
    "dxltools.dxl.model": ("DxlDateTime", "Item", "ItemFlags", "Note"),
    "dxltools.dxl.parse": ("parse_note",),
    "dxltools.dxl.scan": ("Scanner", "scan_bytes"),
    "dxltools.dxl.segments": ("Segment", "SegmentKind"),
    "dxltools.dxl.select": ("NoteHead", "by_form"),
    "dxltools.edit.changes": (
        "Change",
        "Edit",
        "InsertItem",
        "NewItem",
        "RemoveItem",
        "ReplaceItem",
        "Warn",
    ),
    "dxltools.edit.edits": ("remove_item",),
    "dxltools.errors": (
        "AgentError",
        "AuditRefusal",
        "ConfigError",
        "DxlError",
        "DxlSyntaxError",
        "EditError",
        "LockError",
        "MissingParameterError",
        "NotDxlError",
        "ReadError",
        "UnsupportedInputError",
        "UsageError",
        "VerifyError",
        "WriteError",
    ),
    "dxltools.rewrite.file": ("rewrite_file",),
    "dxltools.rewrite.stream": (
        "NoteReport",
        "RewriteReport",
        "RewriteResult",
        "rewrite_bytes",
        "rewrite_stream",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

# Written out for the type checker and linters; a test checks it against _MODULES.
__all__ = [
    "Agent",
    "AgentError",
    "AuditRefusal",
    "Change",
    "ConfigError",
    "DxlDateTime",
    "DxlError",
    "DxlSyntaxError",
    "Edit",
    "EditError",
    "InsertItem",
    "Item",
    "ItemFlags",
    "LockError",
    "MissingParameterError",
    "NewItem",
    "NotDxlError",
    "Note",
    "NoteHead",
    "NoteReport",
    "ReadError",
    "RemoveItem",
    "ReplaceItem",
    "RewriteReport",
    "RewriteResult",
    "Scanner",
    "Segment",
    "SegmentKind",
    "UnsupportedInputError",
    "UsageError",
    "VerifyError",
    "Warn",
    "WriteError",
    "__version__",
    "apply_agent_to_bytes",
    "apply_agent_to_file",
    "by_form",
    "load_agent",
    "parse_note",
    "remove_item",
    "rewrite_bytes",
    "rewrite_file",
    "rewrite_stream",
    "scan_bytes",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dxltools' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
