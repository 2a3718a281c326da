"""Which DTD `validate` checks a file against, and how a file starts.

The DTD folder (`--dtd-dir`, or its ``xmlschemas`` subfolder) serves DTD files
by file name only; `--dtd VERSION|FILE` names one instead of the one the
DOCTYPE names. The head of a file is what the splitter reads up to the root:
the prolog and the DOCTYPE's system id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from lxml import etree

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import Prolog, Segment, SegmentKind
from dxltools.errors import DxlError, UsageError
from dxltools.records import Record
from dxltools.validate.problems import CheckStopped, ValidationProblem, scan_problem

DTD_SUBFOLDER = "xmlschemas"  # admins point at the Notes program folder or at this one
_DTD_NAME_RE = re.compile(r"[\w.+-]+\.dtd", re.IGNORECASE)
_SYSTEM_ID_RE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+\s+(?:SYSTEM|PUBLIC\s+(?:'[^']*'|\"[^\"]*\"))\s*"
    rb"(?:'([^']*)'|\"([^\"]*)\")"
)
_RELEASE_RE = re.compile(r"\d+(?:\.\d+)*")


# -- the DTD folder ---------------------------------------------------------------------


def dtd_folders(dtd_dir: Path) -> tuple[Path, ...]:
    """Where DTDs are looked up: the folder itself and its xmlschemas subfolder."""
    return (dtd_dir, dtd_dir / DTD_SUBFOLDER)


def dtd_name(system_id: str) -> str:
    """The file name a DOCTYPE or entity URL ends with (either slash)."""
    return re.split(r"[/\\]", system_id.split("?", 1)[0].split("#", 1)[0])[-1]


def find_dtd(system_id: str, dtd_dir: Path) -> Path | None:
    """The DTD file named by `system_id` in the DTD folder, or None.

    Only a plain ``*.dtd`` file name is looked up, so no URL can point
    elsewhere (``../``, a drive letter, a query)."""
    name = dtd_name(system_id)
    if not _DTD_NAME_RE.fullmatch(name):
        return None
    for folder in dtd_folders(dtd_dir):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def available_dtds(dtd_dir: Path) -> list[str]:
    """The DTD file names in the DTD folder, for the message when one is missing."""
    found = {
        p.name for folder in dtd_folders(dtd_dir) if folder.is_dir() for p in folder.glob("*.dtd")
    }
    return sorted(found)


class DtdResolver(etree.Resolver):
    """Serves DTD files from the DTD folder (none: serves nothing) and refuses
    every other URL.

    Every parser gets one, validating or not, so nothing reaches libxml2's own
    loader even if some option makes it ask (``collect_ids=False`` does: it
    loads the external DTD). A refusal answers with an empty document rather
    than None, since None would let libxml2 load the URL itself. Refused URLs
    are kept for the report.
    """

    def __init__(self, dtd_dir: Path | None = None, chosen: Path | None = None) -> None:
        super().__init__()
        self.dtd_dir = dtd_dir
        self.chosen = chosen  # `validate --dtd`: served for its own file name, wherever it is
        self.refused: list[str] = []

    def resolve(
        self, system_url: str | None, public_id: str | None, context: object
    ) -> Any:  # lxml's _InputDocument is not public
        if self.chosen is not None and dtd_name(system_url or "") == self.chosen.name:
            return self.resolve_filename(str(self.chosen), context)
        path = find_dtd(system_url or "", self.dtd_dir) if self.dtd_dir is not None else None
        if path is None:
            self.refused.append(system_url or f"PUBLIC {public_id!r}")
            return self.resolve_string(b"", context)
        return self.resolve_filename(str(path), context)


# -- how a file starts: root and DOCTYPE ------------------------------------------------


@attrs.frozen(repr=False)
class FileHead(Record):
    """What the splitter read before the root: the segments and what they say."""

    segments: tuple[Segment, ...]
    prolog: Prolog
    system_id: str | None  # the DTD the DOCTYPE names
    doctype: Segment | None  # the DOCTYPE, internal subset and all

    @property
    def doctype_line(self) -> int:
        """Where the DOCTYPE is, for problems about the DTD; 1 without a DOCTYPE."""
        return self.doctype.line if self.doctype is not None else 1


def read_head(segments: Iterator[Segment], scanner: Scanner, source: str) -> FileHead:
    """The segments up to and including the root's start (or the root note)."""
    taken: list[Segment] = []
    try:
        for segment in segments:
            taken.append(segment)
            if segment.kind in (SegmentKind.ROOT_START, SegmentKind.NOTE, SegmentKind.ELEMENT):
                break
    except DxlError as error:
        raise CheckStopped(scan_problem(error, source)) from None
    if scanner.prolog is None:  # the splitter raises first; kept so no input can crash us
        raise CheckStopped(
            ValidationProblem(source, 1, 0, "not-well-formed", "no DXL root element")
        )
    doctype = next((s for s in taken if s.kind is SegmentKind.DOCTYPE), None)
    system_id = None
    if doctype is not None:
        found = _SYSTEM_ID_RE.match(doctype.data)
        if found is not None:
            raw = found.group(1) if found.group(1) is not None else found.group(2)
            system_id = raw.decode(scanner.prolog.encoding, "replace")
    return FileHead(tuple(taken), scanner.prolog, system_id, doctype)


def chosen_dtd(option: str, dtd_dir: Path | None) -> Path:
    """The DTD `validate --dtd` names: a file, or a release (``10.0.1``: the
    ``domino_10_0_1.dtd`` of the DTD folder)."""
    path = Path(option)
    if path.is_file():
        return path
    if not _RELEASE_RE.fullmatch(option):
        raise UsageError(
            f"--dtd {option}: no such file (give a DTD file or a release such as 10.0.1)",
            source="dxltools validate",
        )
    name = f"domino_{option.replace('.', '_')}.dtd"
    if dtd_dir is None:
        raise UsageError(
            f"--dtd {option}: give --dtd-dir, the folder that holds {name}",
            source="dxltools validate",
        )
    found = find_dtd(name, dtd_dir)
    if found is None:
        there = ", ".join(available_dtds(dtd_dir)) or "no DTD"
        raise UsageError(
            f"--dtd {option}: {name} is not in {dtd_dir} nor in its {DTD_SUBFOLDER} "
            f"folder (found: {there})",
            source="dxltools validate",
        )
    return found


def chosen_doctype(head: FileHead, dtd: Path) -> bytes:
    """The DOCTYPE that makes libxml2 validate against `dtd`: the root's name
    and the DTD's file name (served by :class:`DtdResolver`)."""
    name = head.prolog.root_name.encode("ascii")
    system_id = dtd.name.replace('"', "%22").encode("utf-8")
    return b"<!DOCTYPE " + name + b' SYSTEM "' + system_id + b'">'


def choose_dtd(
    head: FileHead, dtd_dir: Path, source: str
) -> tuple[Path | None, ValidationProblem | None]:
    """The DTD to validate against, or the problem (or note) saying why there is none."""
    if not head.system_id:
        note = ValidationProblem(
            source,
            head.doctype_line,
            0,
            "no-doctype",
            "no DOCTYPE naming a DTD: DTD validation skipped",
            "note",
        )
        return None, note
    dtd = find_dtd(head.system_id, dtd_dir)
    if dtd is not None:
        return dtd, None
    found = available_dtds(dtd_dir)
    message = (
        f"the DOCTYPE names {head.system_id!r}: {dtd_name(head.system_id)} is not in {dtd_dir} "
        f"nor in its {DTD_SUBFOLDER} folder"
        + (f" (found: {', '.join(found)})" if found else " (no DTD there)")
    )
    return None, ValidationProblem(source, head.doctype_line, 0, "dtd-not-found", message)
