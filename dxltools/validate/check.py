"""`dxltools validate`: well-formedness, DXL structure and DTD validity of exports.

The normal splitter (scan.py) checks only what an edit needs; this is the full
pass. The splitter walks the file as usual (it knows where each note starts,
to the byte) and feeds every byte to one streaming lxml parser, which checks
everything: libxml2 checks well-formedness, the structure rules run on each
note as it ends, and, when the DOCTYPE's DTD is in the DTD folder, libxml2
validates while it parses. Elements are cleared as soon as they are checked,
so memory stays flat however large the export.

Nothing the document says makes the parser read anything: it never loads a
DTD by itself, never expands entities, never uses the network, and every
request it makes goes to a resolver that serves DTD files from the DTD folder
(by file name) and answers everything else (an ``http://`` DTD, a
``file:///etc/passwd`` entity) with an empty document.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any, Literal, TextIO

import attrs
from lxml import etree

from dxltools.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS
from dxltools.dxl.scan import (
    NOTE_TAGS,
    ElementLayout,
    Prolog,
    Scanner,
    Segment,
    SegmentKind,
    element_layout,
)
from dxltools.errors import DxlError, NotDxlError, UnsupportedInputError, UsageError
from dxltools.fs.files import STDIN_NAME, InputFile, find_inputs, read_error, reads_stdin

CHUNK_SIZE = 1 << 20
DTD_SUBFOLDER = "xmlschemas"  # admins point at the Notes program folder or at this one
# The header part of a note, in the order the DTD wants, before any <item>.
HEADER_TAGS = ("noteinfo", "updatedby", "revisions", "wassignedby", "textproperties", "mime")
# Problems after which the rest of the file cannot be checked (exit status 2).
FATAL_CODES = frozenset({"not-well-formed", "not-dxl", "unsupported", "dtd-unusable"})
LIBXML2_MAX_ERRORS = 100  # libxml2 stops reporting errors of one parse after this many

Severity = Literal["error", "note"]

_UNID_RE = re.compile(r"[0-9A-Fa-f]{32}")
_NOTEID_RE = re.compile(r"[0-9A-Fa-f]+")
_DTD_NAME_RE = re.compile(r"[\w.+-]+\.dtd", re.IGNORECASE)
_SYSTEM_ID_RE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+\s+(?:SYSTEM|PUBLIC\s+(?:'[^']*'|\"[^\"]*\"))\s*"
    rb"(?:'([^']*)'|\"([^\"]*)\")"
)
_TOP_LEVEL = (SegmentKind.NOTE, SegmentKind.ELEMENT)
_RELEASE_RE = re.compile(r"\d+(?:\.\d+)*")


@attrs.frozen
class Problem:
    """One finding in one file. ``column`` is 1-based, or 0 when only the line is known."""

    source: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = "error"  # "note": information that leaves the file valid

    @property
    def fatal(self) -> bool:
        """The file could not be checked past this problem."""
        return self.code in FATAL_CODES

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" + (f":{self.column}" if self.column else "")
        kind = "note: " if self.severity == "note" else ""
        return f"{where}: {kind}{self.code}: {self.message}"


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


def _parser(resolver: DtdResolver, validate: bool) -> etree.XMLPullParser:
    """A streaming parser that reads nothing but the bytes it is fed; when it
    validates, it reads DTDs through `resolver` only."""
    parser = etree.XMLPullParser(
        events=("end",),
        load_dtd=validate,
        dtd_validation=validate,
        resolve_entities=False,
        no_network=True,
        huge_tree=True,  # attachments make text nodes over libxml2's 10 MB default
        remove_comments=True,
        remove_pis=True,
    )
    parser.resolvers.add(resolver)
    return parser


# -- how a file starts: root and DOCTYPE ------------------------------------------------


class _Stop(Exception):
    """Ends the check of a file with a fatal problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _scan_problem(error: DxlError, source: str) -> Problem:
    """A splitter error as the fatal problem it is."""
    code = "not-well-formed"
    if isinstance(error, NotDxlError):
        code = "not-dxl"
    elif isinstance(error, UnsupportedInputError):
        code = "unsupported"
    return Problem(source, error.line or 1, error.column or 0, code, error.reason)


@attrs.frozen
class _Head:
    """What the splitter read before the root: the segments and what they say."""

    segments: tuple[Segment, ...]
    prolog: Prolog
    system_id: str | None  # the DTD the DOCTYPE names
    doctype_line: int  # 1 without a DOCTYPE


def _read_head(segments: Iterator[Segment], scanner: Scanner, source: str) -> _Head:
    """The segments up to and including the root's start (or the root note)."""
    taken: list[Segment] = []
    try:
        for segment in segments:
            taken.append(segment)
            if segment.kind in (SegmentKind.ROOT_START, SegmentKind.NOTE, SegmentKind.ELEMENT):
                break
    except DxlError as error:
        raise _Stop(_scan_problem(error, source)) from None
    if scanner.prolog is None:  # the splitter raises first; kept so no input can crash us
        raise _Stop(Problem(source, 1, 0, "not-well-formed", "no DXL root element"))
    doctype = next((s for s in taken if s.kind is SegmentKind.DOCTYPE), None)
    system_id = None
    if doctype is not None:
        found = _SYSTEM_ID_RE.match(doctype.data)
        if found is not None:
            raw = found.group(1) if found.group(1) is not None else found.group(2)
            system_id = raw.decode(scanner.prolog.encoding, "replace")
    line = doctype.line if doctype is not None else 1
    return _Head(tuple(taken), scanner.prolog, system_id, line)


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


def _chosen_doctype(head: _Head, dtd: Path) -> bytes:
    """The DOCTYPE that makes libxml2 validate against `dtd`: the root's name
    and the DTD's file name (served by :class:`DtdResolver`)."""
    name = head.prolog.root_name.encode("ascii")
    system_id = dtd.name.replace('"', "%22").encode("utf-8")
    return b"<!DOCTYPE " + name + b' SYSTEM "' + system_id + b'">'


def _choose_dtd(head: _Head, dtd_dir: Path, source: str) -> tuple[Path | None, Problem | None]:
    """The DTD to validate against, or the problem (or note) saying why there is none."""
    if not head.system_id:
        note = Problem(
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
    return None, Problem(source, head.doctype_line, 0, "dtd-not-found", message)


# -- UNIDs seen in one file ---------------------------------------------------------------


class SeenUnids:
    """The UNIDs of one file, as 16-byte keys in one bytearray (open addressing),
    each with a line number: under 40 bytes a note where a set of strings takes
    over 150, so a million notes stay small."""

    def __init__(self) -> None:
        self._count = 0
        self._allocate(1024)

    def _allocate(self, slots: int) -> None:
        self._slots = slots
        self._keys = bytearray(16 * slots)
        self._lines = array("I", bytes(4 * slots))  # 0: an empty slot

    def __len__(self) -> int:
        return self._count

    def add(self, key: bytes, line: int) -> int | None:
        """Remember a 16-byte `key` seen at `line`; for a key seen before, its line."""
        index = self._find(key)
        first = self._lines[index]
        if first:
            return first
        self._put(index, key, line)
        self._count += 1
        if 3 * self._count > 2 * self._slots:
            self._grow()
        return None

    def _put(self, index: int, key: bytes, line: int) -> None:
        self._keys[16 * index : 16 * index + 16] = key
        self._lines[index] = min(max(line, 1), 0xFFFFFFFF)

    def _find(self, key: bytes) -> int:
        """The slot holding `key`, or the empty slot where it goes."""
        mask = self._slots - 1
        index = hash(key) & mask
        while self._lines[index] and self._keys[16 * index : 16 * index + 16] != key:
            index = (index + 1) & mask
        return index

    def _grow(self) -> None:
        keys, lines = self._keys, self._lines
        self._allocate(2 * self._slots)
        for index, line in enumerate(lines):
            if line:
                key = bytes(keys[16 * index : 16 * index + 16])
                self._put(self._find(key), key, line)


# -- where an element of a note is --------------------------------------------------------


class _Place:
    """Exact positions of the children of one top-level element, from its bytes.

    lxml's line numbers stop being exact past line 65535 (libxml2 keeps 16
    bits), and exports are longer than that; the splitter's byte offsets are
    exact, so problems are placed from those, laid out only when one is found.
    """

    def __init__(self, segment: Segment | None, element: etree._Element, source: str) -> None:
        self.segment = segment
        self.element = element
        self.source = source
        self._layout: ElementLayout | None = None

    @property
    def line(self) -> int:
        """The element's own line."""
        if self.segment is not None:
            return self.segment.line
        return self.element.sourceline or 1

    def of(self, index: int, child: etree._Element) -> tuple[int, int]:
        """(line, column) of the element's `index`-th child element."""
        segment = self.segment
        if segment is not None:
            if self._layout is None:
                try:
                    self._layout = element_layout(segment.data, self.source)
                except DxlError:  # libxml2 has its own word on such bytes
                    self._layout = ElementLayout(0, 0, ())
            if index < len(self._layout.children):
                start = self._layout.children[index].start
                line = segment.line + segment.data.count(b"\n", 0, start)
                newline = segment.data.rfind(b"\n", 0, start)
                column = start - newline if newline >= 0 else segment.column + start
                return line, column
        return child.sourceline or 1, 0


# -- the checking pass --------------------------------------------------------------------


def _entry_problem(entry: etree._LogEntry, source: str, code: str) -> Problem:
    message = entry.message.strip() or "error"
    return Problem(source, max(entry.line, 1), max(entry.column, 0), code, message)


def _fatal_from(error: etree.XMLSyntaxError, source: str) -> Problem:
    """The problem an XMLSyntaxError stands for when the log said nothing of it."""
    line, column = error.position if error.position else (1, 0)
    reason = str(error.msg or error).strip() or "not well-formed"
    return Problem(source, max(line, 1), max(column, 0), "not-well-formed", reason)


def _order_message(header: str, before: str) -> str:
    if header == before:
        return f"a second <{header}>: a note has at most one"
    return f"<{header}> after <{before}>: the header order is " + ", ".join(HEADER_TAGS)


class _Pass:
    """One streaming parse of a file: well-formedness, structure and (with a DTD) validity."""

    def __init__(
        self,
        head: _Head,
        source: str,
        dtd: Path | None,
        dtd_dir: Path | None,
        chunk_size: int,
        chosen: bool = False,
    ) -> None:
        """`chosen`: `dtd` replaces the DTD the DOCTYPE names (`validate --dtd`)."""
        self.head = head
        self.source = source
        self.dtd = dtd
        self.chunk_size = chunk_size
        self.resolver = DtdResolver(
            dtd_dir if dtd is not None else None, dtd if chosen and dtd is not None else None
        )
        self.parser = _parser(self.resolver, validate=dtd is not None)
        self.doctype = _chosen_doctype(head, dtd) if chosen and dtd is not None else None
        self.root_is_note = head.prolog.root_name in NOTE_TAGS
        # A design element, the ACL...: one element, checked as a design note is.
        self.root_is_element = not self.root_is_note and head.prolog.root_name != "database"
        self.root: etree._Element | None = None
        namespace = head.prolog.namespace
        prefix = f"{{{namespace}}}" if namespace else ""
        self.note_tags = frozenset(prefix + tag for tag in NOTE_TAGS)
        self.item_tag = prefix + "item"
        self.noteinfo_tag = prefix + "noteinfo"
        self.header_order = {prefix + tag: index for index, tag in enumerate(HEADER_TAGS)}
        self.expected: deque[Segment] = deque()  # top-level elements fed, not ended yet
        self.unids = SeenUnids()
        self.found: list[Problem] = []
        self.errors_seen = 0
        self.refusals_seen = 0
        self.validity_errors = 0

    def run(self, segments: Iterable[Segment]) -> Iterator[Problem]:
        """Feed the head's segments and the rest, about a chunk at a time."""
        pending: list[bytes] = []
        size = 0
        try:
            for segment in itertools.chain(self.head.segments, segments):
                if segment.kind in _TOP_LEVEL:
                    self.expected.append(segment)
                pending.append(self._fed(segment))
                size += len(segment.data)
                if size >= self.chunk_size:
                    yield from self._step(b"".join(pending))
                    pending, size = [], 0
        except DxlError as error:
            # What libxml2 says of the bytes before the splitter's error comes first.
            yield from self._step(b"".join(pending))
            raise _Stop(_scan_problem(error, self.source)) from None
        yield from self._step(b"".join(pending))
        yield from self._step(None)

    def _fed(self, segment: Segment) -> bytes:
        """What libxml2 is fed of a segment: its bytes, but for `validate --dtd`
        the chosen DTD's DOCTYPE instead of the file's (with as many line breaks,
        so that lines stay where they are), or before the root when there is none."""
        if self.doctype is None:
            return segment.data
        if segment.kind is SegmentKind.DOCTYPE:
            return self.doctype + b"\n" * segment.data.count(b"\n")
        if segment is self.head.segments[-1] and not any(
            s.kind is SegmentKind.DOCTYPE for s in self.head.segments
        ):
            return self.doctype + segment.data
        return segment.data

    def _step(self, data: bytes | None) -> Iterator[Problem]:
        """Feed `data` (None: the end), check what ended, report what was found."""
        failure: etree.XMLSyntaxError | None = None
        try:
            if data is None:
                self.parser.close()
            elif data:
                self.parser.feed(data)
        except etree.XMLSyntaxError as error:
            failure = error
        for _, element in self.parser.read_events():
            self._ended(element)
        fatal = self._read_log()
        self._read_refusals()
        if fatal is None and failure is not None and not (data is None and self.validity_errors):
            fatal = _fatal_from(failure, self.source)  # the close() of an invalid file raises too
        self.found.sort(key=lambda problem: problem.line)
        yield from self.found
        self.found.clear()
        if fatal is not None:
            raise _Stop(fatal)

    def _read_log(self) -> Problem | None:
        """New entries of the parser's log as problems; the fatal one, if any, is returned."""
        fresh = list(self.parser.feed_error_log)[self.errors_seen :]
        self.errors_seen += len(fresh)
        for entry in fresh:
            if entry.level < etree.ErrorLevels.ERROR:
                continue
            if self.dtd is not None and entry.filename == str(self.dtd):
                problem = _entry_problem(entry, self.source, "dtd-unusable")
                return attrs.evolve(
                    problem,
                    line=self.head.doctype_line,
                    column=0,
                    message=f"{self.dtd} line {entry.line}: {problem.message}",
                )
            if entry.domain != etree.ErrorDomains.VALID:
                return _entry_problem(entry, self.source, "not-well-formed")
            self._validity_error(entry)
        return None

    def _validity_error(self, entry: etree._LogEntry) -> None:
        self.found.append(_entry_problem(entry, self.source, "dtd"))
        self.validity_errors += 1
        if self.validity_errors == LIBXML2_MAX_ERRORS:
            self.found.append(
                Problem(
                    self.source,
                    max(entry.line, 1),
                    0,
                    "dtd-errors-capped",
                    f"libxml2 reports at most {LIBXML2_MAX_ERRORS} errors per file: "
                    "any later DTD errors are not listed",
                    "note",
                )
            )

    def _read_refusals(self) -> None:
        for url in self.resolver.refused[self.refusals_seen :]:
            self._problem(
                (self.head.doctype_line, 0),
                "entity-refused",
                f"external entity {url!r} not read: only DTD files in the DTD folder are read",
            )
        self.refusals_seen = len(self.resolver.refused)

    # -- what happens when an element ends ------------------------------------------------

    def _ended(self, element: etree._Element) -> None:
        root = self.root
        if root is None:
            root = self.root = element.getroottree().getroot()
        parent = element.getparent()
        if parent is root:
            if not self.root_is_note and not self.root_is_element:
                self._top_level_ended(element, root)
        elif parent is None:
            if self.root_is_note:
                self._check_note(element, self._place(element))
            elif self.root_is_element:
                self._check_design_note(element, self._place(element))
        elif self.root_is_note or parent.getparent() is not root:
            # Below a note's children: checked by libxml2 already, not needed any more.
            element.clear(keep_tail=True)

    def _place(self, element: etree._Element) -> _Place:
        """Where the top-level element that just ended is: the oldest one fed."""
        segment = self.expected.popleft() if self.expected else None
        return _Place(segment, element, self.source)

    def _top_level_ended(self, element: etree._Element, root: etree._Element) -> None:
        place = self._place(element)
        if element.tag in self.note_tags:
            self._check_note(element, place)
        else:  # design notes (<form>, <view>...) have UNIDs too
            self._check_design_note(element, place)
        element.clear(keep_tail=True)
        if self.dtd is None:
            while element.getprevious() is not None:
                del root[0]
        else:
            self._drop_repeat(element, root)

    def _drop_repeat(self, element: etree._Element, root: etree._Element) -> None:
        """While validating, libxml2 checks the root's children when the root ends, so
        they stay (cleared); of a run of same-named ones only the first and the last
        are kept, which gives the same verdict for the DXL root's content model."""
        middle = element.getprevious()
        first = middle.getprevious() if middle is not None else None
        if (
            middle is not None
            and first is not None
            and first.tag == middle.tag == element.tag
            and not (middle.tail or "").strip()
        ):
            root.remove(middle)

    # -- the structure rules ------------------------------------------------------------

    def _check_note(self, note: etree._Element, place: _Place) -> None:
        """Header elements in order and before any item; every item named, with one value.

        One header problem per note: the headers after a misplaced one would all
        be reported for the same mistake."""
        first_item: tuple[int, etree._Element] | None = None
        order_reported = False
        last: tuple[int, str] = (-1, "")
        for index, child in enumerate(note.iterchildren(etree.Element)):
            tag = child.tag
            if tag == self.item_tag:
                first_item = first_item or (index, child)
                self._check_item(child, place, index)
                continue
            order = self.header_order.get(str(tag))
            if order is None:
                continue
            local = HEADER_TAGS[order]
            message = None
            if first_item is not None:
                item_line = place.of(*first_item)[0]
                message = (
                    f"<{local}> after an <item> (line {item_line}): "
                    "header elements come before the items"
                )
            elif order <= last[0]:
                message = _order_message(local, last[1])
            if message is not None and not order_reported:
                order_reported = True
                self._problem(place.of(index, child), "header-order", message)
            last = max(last, (order, local))
            if local == "noteinfo":
                self._check_noteinfo(child, place, index)

    def _check_design_note(self, element: etree._Element, place: _Place) -> None:
        for index, child in enumerate(element.iterchildren(etree.Element)):
            if child.tag == self.noteinfo_tag:
                self._check_noteinfo(child, place, index)
                return

    def _check_item(self, item: etree._Element, place: _Place, index: int) -> None:
        """A name and exactly one value element (which kinds are allowed is the DTD's business)."""
        name = item.get("name")
        if not name:
            self._problem(place.of(index, item), "item-name", "<item> without a name")
        if len(item) == 1 and isinstance(item[0].tag, str):
            return  # the common case, without a look at the children's names
        values = [etree.QName(child).localname for child in item.iterchildren(etree.Element)]
        if len(values) != 1:
            label = f"item {name!r}" if name else "<item>"
            found = f"{len(values)} ({', '.join(values)})" if values else "none"
            self._problem(
                place.of(index, item),
                "item-value",
                f"{label} must hold exactly one value element, found {found}",
            )

    def _check_noteinfo(self, info: etree._Element, place: _Place, index: int) -> None:
        """Hexadecimal noteid, 32-digit unid used by no other note of the file."""
        noteid = info.get("noteid")
        if noteid is not None and not _NOTEID_RE.fullmatch(noteid):
            self._problem(place.of(index, info), "noteid", f"noteid {noteid!r} is not hexadecimal")
        unid = info.get("unid")
        if unid is None:
            return
        if not _UNID_RE.fullmatch(unid):
            message = f"unid {unid!r} is not 32 hexadecimal digits"
            self._problem(place.of(index, info), "unid", message)
            return
        first = self.unids.add(bytes.fromhex(unid), place.line)
        if first is not None:
            message = f"UNID {unid} already used by the note at line {first}"
            self._problem(place.of(index, info), "duplicate-unid", message)

    def _problem(self, where: tuple[int, int], code: str, message: str) -> None:
        self.found.append(Problem(self.source, where[0], where[1], code, message))


# -- one input ----------------------------------------------------------------------------


class FileCheck:
    """The check of one input: iterate :meth:`problems`; :attr:`dtd` then names
    the DTD it was validated against (None: no DTD validation)."""

    def __init__(
        self,
        stream: IO[bytes],
        source: str = "<input>",
        dtd_dir: Path | None = None,
        chunk_size: int = CHUNK_SIZE,
        *,
        dtd: Path | None = None,
    ) -> None:
        """`dtd`: validate against this DTD file instead of the one the DOCTYPE
        names (with or without a DOCTYPE), see :func:`chosen_dtd`."""
        self.stream = stream
        self.source = source
        self.dtd_dir = dtd_dir
        self.chunk_size = chunk_size
        self.chosen = dtd
        self.dtd: Path | None = None

    def problems(self) -> Iterator[Problem]:
        """Every problem, as it is found (about in file order); a fatal one (not
        well-formed, not DXL) comes last. Problems of severity "note" leave the
        file valid."""
        try:
            scanner = Scanner(self.stream, self.source, self.chunk_size)
            segments = scanner.segments()
            head = _read_head(segments, scanner, self.source)
            if self.chosen is not None:
                self.dtd = self.chosen
            elif self.dtd_dir is not None:
                self.dtd, why = _choose_dtd(head, self.dtd_dir, self.source)
                if why is not None:
                    yield why
            check = _Pass(
                head,
                self.source,
                self.dtd,
                self.dtd_dir,
                self.chunk_size,
                chosen=self.chosen is not None,
            )
            yield from check.run(segments)
        except _Stop as stop:
            yield stop.problem


def iter_problems(
    stream: IO[bytes],
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Problem]:
    """Every problem of one input as it is found; see :meth:`FileCheck.problems`.
    Without `dtd_dir`, no DTD validation."""
    return FileCheck(stream, source, dtd_dir, chunk_size).problems()


def validate_stream(
    stream: IO[bytes],
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[Problem]:
    """All problems of one input; see :meth:`FileCheck.problems`."""
    return list(iter_problems(stream, source, dtd_dir, chunk_size))


def validate_bytes(
    data: bytes,
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[Problem]:
    """All problems of an in-memory input."""
    return validate_stream(io.BytesIO(data), source, dtd_dir, chunk_size)


def is_valid(problems: Sequence[Problem]) -> bool:
    """No problem but notes."""
    return all(problem.severity == "note" for problem in problems)


# -- the command ----------------------------------------------------------------------------


@attrs.frozen
class ValidateOptions:
    paths: tuple[str, ...] = ()
    dtd_dir: str | None = None
    dtd: str | None = None  # a DTD file or a release, instead of the DOCTYPE's
    json: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    quiet: bool = False


@attrs.define
class FileResult:
    """What validate found in one file. The problems are kept for the JSON report
    only: the text report prints them as they come, so a file with a million
    problems costs no memory."""

    path: str
    problems: list[Problem] = attrs.field(factory=list)
    errors: int = 0  # problems that make the file invalid
    error: str | None = None  # the file could not be checked to its end
    dtd: Path | None = None
    skipped: str | None = None  # found by a folder walk, not DXL: why it was skipped

    @property
    def valid(self) -> bool:
        return self.error is None and not self.errors

    @property
    def status(self) -> int:
        if self.error is not None:
            return EXIT_ERROR
        return EXIT_OK if self.valid else EXIT_PROBLEMS

    def add(self, problem: Problem, keep: bool) -> None:
        if problem.fatal:
            self.error = str(problem)
        elif problem.severity == "error":
            self.errors += 1
        if keep:
            self.problems.append(problem)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "dtd": str(self.dtd) if self.dtd is not None else None,
            "problems": [
                {
                    "line": problem.line,
                    "column": problem.column or None,
                    "code": problem.code,
                    "severity": problem.severity,
                    "message": problem.message,
                }
                for problem in self.problems
            ],
            "error": self.error,
        }


def _dtd_dir(option: str | None) -> Path | None:
    if option is None:
        return None
    path = Path(option)
    if not path.is_dir():
        reason = "not a folder" if path.exists() else "no such folder"
        raise UsageError(f"{option}: {reason}", source="--dtd-dir")
    return path


class _Reporter:
    """Prints problems as they are found (text) or collects them (JSON)."""

    def __init__(self, options: ValidateOptions, stdout: TextIO, stderr: TextIO) -> None:
        self.options = options
        self.stdout = stdout
        self.stderr = stderr
        self.results: list[FileResult] = []
        self.skipped: list[FileResult] = []

    def problem(self, problem: Problem) -> None:
        if self.options.json:
            return
        if problem.fatal:  # the file could not be checked: an error, in the one format
            print(f"dxltools: {problem}", file=self.stderr)
        elif problem.severity == "note":
            if not self.options.quiet:
                print(problem, file=self.stderr)
        else:
            print(problem, file=self.stdout)

    def skip(self, result: FileResult) -> None:
        self.skipped.append(result)
        if not (self.options.quiet or self.options.json):
            print(f"{result.path}: skipped: {result.skipped}", file=self.stderr)

    def failed(self, result: FileResult) -> None:
        """The file could not be read: one line on stderr, whatever the output format."""
        print(f"dxltools: {result.error}", file=self.stderr)

    def finish(self, dtd_dir: Path | None) -> int:
        self.stdout.flush()
        if self.options.json:
            report = {
                "files": [r.to_json() for r in self.results],
                "skipped": [{"path": r.path, "reason": r.skipped} for r in self.skipped],
                "summary": self._summary(dtd_dir),
            }
            self.stdout.write(json.dumps(report, indent=2) + "\n")
        elif not self.options.quiet:
            print(self._summary_line(dtd_dir), file=self.stderr)
        return max((result.status for result in self.results), default=EXIT_OK)

    def _summary(self, dtd_dir: Path | None) -> dict[str, Any]:
        results = self.results
        return {
            "files": len(results),
            "valid": sum(r.valid for r in results),
            "invalid": sum(r.status == EXIT_PROBLEMS for r in results),
            "errors": sum(r.status == EXIT_ERROR for r in results),
            "problems": sum(r.errors for r in results),
            "dtd_dir": str(dtd_dir) if dtd_dir is not None else None,
        }

    def _summary_line(self, dtd_dir: Path | None) -> str:
        summary = self._summary(dtd_dir)
        if not summary["files"]:
            return "no DXL files found"
        line = (
            f"{_count(summary['files'], 'file')} checked: {summary['valid']} valid, "
            f"{summary['invalid']} with problems ({_count(summary['problems'], 'problem')}), "
            f"{summary['errors']} unreadable, not well-formed or not DXL"
        )
        if self.skipped:
            line += f"; {len(self.skipped)} skipped (not DXL)"
        if dtd_dir is None and self.options.dtd is None:
            line += "; no DTD validation (give --dtd-dir)"
        return line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _validate(
    opened: AbstractContextManager[IO[bytes]],
    source: str,
    dtd_dir: Path | None,
    reporter: _Reporter,
    *,
    dtd: Path | None = None,
    item: InputFile | None = None,
) -> FileResult:
    """Check one input; a file that cannot be read is reported on stderr, a file
    a folder walk found that is not DXL is skipped (`item`: None for stdin)."""
    result = FileResult(source)
    try:
        with opened as stream:
            check = FileCheck(stream, source, dtd_dir, dtd=dtd)
            for problem in check.problems():
                if problem.code == "not-dxl" and item is not None and item.walked:
                    result.skipped = problem.message
                    reporter.skip(result)
                    return result
                result.add(problem, keep=reporter.options.json)
                reporter.problem(problem)
            result.dtd = check.dtd
    except OSError as error:
        result.error = str(read_error(error, source))
    else:
        return result
    reporter.failed(result)
    return result


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The file, opened only when the check starts: a missing file is its error."""
    with path.open("rb") as stream:
        yield stream


def run_validate(options: ValidateOptions, stdin: IO[bytes], stdout: TextIO, stderr: TextIO) -> int:
    """`dxltools validate`: the exit status. 0: every file valid; 1: some file is
    well-formed DXL with structure or DTD problems; 2: bad usage, a file missing
    or unreadable, not well-formed or not DXL."""
    try:
        dtd_dir = _dtd_dir(options.dtd_dir)
        dtd = chosen_dtd(options.dtd, dtd_dir) if options.dtd is not None else None
    except UsageError as error:
        print(f"dxltools: {error}", file=stderr)
        return EXIT_ERROR
    reporter = _Reporter(options, stdout, stderr)
    if reads_stdin(options.paths):
        stdin_result = _validate(nullcontext(stdin), STDIN_NAME, dtd_dir, reporter, dtd=dtd)
        reporter.results.append(stdin_result)
    else:
        for item in find_inputs(options.paths, options.include, options.exclude):
            source = str(item.path)
            result = _validate(_opened(item.path), source, dtd_dir, reporter, dtd=dtd, item=item)
            if result.skipped is None:
                reporter.results.append(result)
    return reporter.finish(dtd_dir)
