"""The checking pass of `validate`: well-formedness, DXL structure and DTD validity.

The normal splitter (scan.py) checks only what an edit needs; this is the full
pass. The splitter walks the file as usual (it knows where each note starts,
to the byte) and feeds every byte to one streaming lxml parser, which checks
everything: libxml2 checks well-formedness, the structure rules
(:mod:`dxltools.validate.structure`) run on each note as it ends, and, when
the DOCTYPE's DTD is in the DTD folder (:mod:`dxltools.validate.dtd`), libxml2
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
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import attrs
from lxml import etree

from dxltools.dxl.scan import Scanner
from dxltools.dxl.segments import DATABASE_CHILDREN, NOTE_TAGS, ROOT_TAGS, Segment, SegmentKind
from dxltools.errors import DxlError
from dxltools.validate.dtd import DtdResolver, FileHead, choose_dtd, chosen_doctype, read_head
from dxltools.validate.ids import KeptAttributes, kept_attributes
from dxltools.validate.problems import CheckStopped, ValidationProblem, scan_problem
from dxltools.validate.structure import Place, StructureRules
from dxltools.validate.vouching import Vouching, dtd_checks_structure

CHUNK_SIZE = 1 << 20
LIBXML2_MAX_ERRORS = 100  # libxml2 stops reporting errors of one parse after this many

_TOP_LEVEL = (SegmentKind.NOTE, SegmentKind.ELEMENT)
# The elements whose start and end the parser reports, wherever they stand.
_ANNOUNCED = DATABASE_CHILDREN | ROOT_TAGS


def _parser(resolver: DtdResolver, validate: bool, watched: frozenset[str]) -> etree.XMLPullParser:
    """A streaming parser that reads nothing but the bytes it is fed; when it
    validates, it reads DTDs through `resolver` only. It reports the start and
    end of the `watched` elements only: lxml filters the events in C, so no
    Python code runs for the millions of elements inside the notes."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=sorted(watched),
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


# -- the checking pass --------------------------------------------------------------------


def _entry_problem(entry: etree._LogEntry, source: str, code: str) -> ValidationProblem:
    message = entry.message.strip() or "error"
    return ValidationProblem(source, max(entry.line, 1), max(entry.column, 0), code, message)


def _fatal_from(error: etree.XMLSyntaxError, source: str) -> ValidationProblem:
    """The problem an XMLSyntaxError stands for when the log said nothing of it
    (libxml2 logs what it raises for: a safety net, not a path of its own)."""
    line, column = error.position
    reason = (error.msg or "").strip() or "not well-formed"
    return ValidationProblem(source, max(line, 1), max(column, 0), "not-well-formed", reason)


class _Pass:
    """One streaming parse of a file: well-formedness, structure and (with a DTD) validity."""

    def __init__(
        self,
        head: FileHead,
        source: str,
        dtd: Path | None,
        dtd_dir: Path | None,
        chunk_size: int,
        *,
        chosen: bool,
    ) -> None:
        """`chosen`: `dtd` replaces the DTD the DOCTYPE names (`validate --dtd`)."""
        self.head = head
        self.source = source
        self.dtd = dtd
        self.chunk_size = chunk_size
        self.resolver = DtdResolver(
            dtd_dir if dtd is not None else None, dtd if chosen and dtd is not None else None
        )
        namespace = head.prolog.namespace
        prefix = f"{{{namespace}}}" if namespace else ""
        watched = frozenset(prefix + tag for tag in _ANNOUNCED)
        self.parser = _parser(self.resolver, validate=dtd is not None, watched=watched)
        self.doctype = chosen_doctype(head, dtd) if chosen and dtd is not None else None
        self.root_is_note = head.prolog.root_name in NOTE_TAGS
        # A design element, the ACL...: one element, checked as a design note is.
        self.root_is_element = not self.root_is_note and head.prolog.root_name != "database"
        self.root: etree._Element | None = None
        self.done: etree._Element | None = None  # the last child of the root checked
        self.root_ended = False  # then every child of the root is whole
        self.kept: KeptAttributes | None = None  # read from the DTD once the root has begun
        self.unannounced: tuple[str, ...] = ()  # of those, the names without events ("{*}x")
        # Elements kept whole (ids.py) and what holds them: held here, they outlive even
        # their removal from the tree (lxml frees no node a Python object refers to).
        self.holders: set[etree._Element] = set()
        self.note_tags = frozenset(prefix + tag for tag in NOTE_TAGS)
        # Top-level elements fed, not ended yet, each with the step that fed its first byte.
        self.expected: deque[tuple[Segment, int]] = deque()
        self.found: list[ValidationProblem] = []
        self.rules = StructureRules(namespace, source, self.found)
        self.errors_seen = 0
        self.refusals_seen = 0
        self.validity_errors = 0
        self.vouching = Vouching()

    def run(self, segments: Iterable[Segment]) -> Iterator[ValidationProblem]:
        """Feed the head's segments and the rest, about a chunk at a time."""
        pending: list[bytes] = []
        size = 0
        try:
            for segment in itertools.chain(self.head.segments, segments):
                if segment.kind in _TOP_LEVEL:
                    self.expected.append((segment, self.vouching.steps + 1))
                pending.append(self._fed(segment))
                size += len(segment.data)
                if size >= self.chunk_size:
                    yield from self._step(b"".join(pending))
                    pending, size = [], 0
        except DxlError as error:
            # What libxml2 says of the bytes before the splitter's error comes first.
            yield from self._step(b"".join(pending))
            raise CheckStopped(scan_problem(error, self.source)) from None
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
        if segment is self.head.segments[-1] and self.head.doctype is None:
            return self.doctype + segment.data
        return segment.data

    def _step(self, data: bytes | None) -> Iterator[ValidationProblem]:
        """Feed `data` (None: the end), check what ended, report what was found."""
        failure: etree.XMLSyntaxError | None = None
        self.vouching.begin_step(data)
        try:
            if data is None:
                self.parser.close()
            elif data:
                self.parser.feed(data)
        except etree.XMLSyntaxError as error:
            failure = error
        logged = len(self.parser.feed_error_log)
        self.vouching.end_step(logged > self.errors_seen, logged >= LIBXML2_MAX_ERRORS)
        for event, element in self.parser.read_events():
            if event == "end":
                self._ended(element)
            elif self.root is None:
                self.root = element.getroottree().getroot()
        if self.root is not None and len(self.root):
            # Children the DTD does not know get no event: those a later sibling
            # follows are whole, and once the root has ended all are (even when
            # close() then raises because the file is not valid).
            self._catch_up(None if self.root_ended else self.root[-1])
        fatal = self._read_log()
        self._read_refusals()
        if fatal is None and failure is not None and not (data is None and self.validity_errors):
            fatal = _fatal_from(failure, self.source)  # the close() of an invalid file raises too
        self.found.sort(key=lambda problem: problem.line)
        yield from self.found
        self.found.clear()
        if fatal is not None:
            raise CheckStopped(fatal)

    def _read_log(self) -> ValidationProblem | None:
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
                ValidationProblem(
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
        """One of the watched elements ended: the root, a child of the root, or an
        element of such a name deeper down."""
        root = self.root
        if root is None:
            root = self.root = element.getroottree().getroot()
        parent = element.getparent()
        if parent is root:
            if not self.root_is_note and not self.root_is_element:
                self._catch_up(element)
                self._top_level_ended(element, root)
                self.done = element
        elif parent is None:
            self.root_ended = True
            if self.root_is_note:
                self.rules.check_note(element, self._place(element)[0])
            elif self.root_is_element:
                self.rules.check_design_note(element, self._place(element)[0])
        elif self.root_is_note or parent.getparent() is not root:
            # Below a note's children: checked by libxml2 already, not needed any more,
            # unless libxml2 still needs its attributes.
            if element in self.holders or self._kept().held_by(element):
                self._hold_ancestors(element, root)
            else:
                element.clear(keep_tail=True)

    def _catch_up(self, until: etree._Element | None) -> None:
        """Check the children of the root that no event announced (names the DTD
        does not give <database>'s children) and that stand before `until`, which
        has begun, so they are whole (None: all of them, at the end of the file)."""
        root = self.root
        if root is None or self.root_is_note or self.root_is_element:
            return
        child = self.done.getnext() if self.done is not None else (root[0] if len(root) else None)
        while child is not None and child is not until:
            following = child.getnext()
            if isinstance(child.tag, str):
                self._top_level_ended(child, root)
                self.done = child
            child = following

    def _kept(self) -> KeptAttributes:
        if self.kept is None:
            root = self.root
            if self.dtd is not None and root is not None:
                self.kept = kept_attributes(root.getroottree(), self._doctype_text())
            else:
                self.kept = KeptAttributes()
            self.unannounced = tuple("{*}" + name for name in self.kept.unannounced(_ANNOUNCED))
        return self.kept

    def _doctype_text(self) -> str:
        """The file's DOCTYPE as libxml2 read it (not `validate --dtd`'s own)."""
        doctype = self.head.doctype
        if self.doctype is not None or doctype is None:
            return ""
        return doctype.data.decode(self.head.prolog.encoding, "replace")

    def _hold_ancestors(self, element: etree._Element, root: etree._Element) -> None:
        """Keep whole the elements that hold `element`, up to the child of the root
        (one of them may end later with an event of its own)."""
        parent = element.getparent()
        while parent is not None and parent is not root:
            self.holders.add(parent)
            parent = parent.getparent()

    def _holds_kept(self, element: etree._Element) -> bool:
        """Whether the child of the root `element` holds attributes libxml2 still needs."""
        if element in self.holders:
            return True
        kept = self._kept()
        if not kept.by_element:
            return False
        # Those deeper down with names the parser announces were seen as they ended.
        if kept.held_by(element) or (
            self.unannounced
            and any(kept.held_by(inner) for inner in element.iterdescendants(*self.unannounced))
        ):
            self.holders.add(element)
            return True
        return False

    def _place(self, element: etree._Element) -> tuple[Place, int]:
        """Where the top-level element that just ended is (the oldest one fed), and
        the step that fed its first byte (0: not known)."""
        segment, first_step = self.expected.popleft() if self.expected else (None, 0)
        return Place(segment, element, self.source), first_step

    def _dtd_checks_structure(self) -> bool:
        """Whether libxml2 validates against a DTD that enforces the structure rules.
        lxml's view of the external DTD is what libxml2 made of it, the file's internal
        subset read first (an ATTLIST there hides the external one's: a `name` no
        longer #REQUIRED); without DTD validation, libxml2 reads no external DTD."""
        if self.root is None:  # not before the root has begun (and the DTD was read)
            return False
        return dtd_checks_structure(self.root.getroottree().docinfo.externalDTD)

    def _top_level_ended(self, element: etree._Element, root: etree._Element) -> None:
        place, first_step = self._place(element)
        if element.tag in self.note_tags:
            if self.vouching.vouches(first_step, self._dtd_checks_structure):
                self.rules.check_vouched_note(element, place)
            else:
                self.rules.check_note(element, place)
        else:  # design notes (<form>, <view>...) have UNIDs too
            self.rules.check_design_note(element, place)
        if not self._holds_kept(element):
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

    def _problem(self, where: tuple[int, int], code: str, message: str) -> None:
        self.found.append(ValidationProblem(self.source, where[0], where[1], code, message))


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
        names (with or without a DOCTYPE), see :func:`dxltools.validate.dtd.chosen_dtd`."""
        self.stream = stream
        self.source = source
        self.dtd_dir = dtd_dir
        self.chunk_size = chunk_size
        self.chosen = dtd
        self.dtd: Path | None = None

    def problems(self) -> Iterator[ValidationProblem]:
        """Every problem, as it is found (about in file order); a fatal one (not
        well-formed, not DXL) comes last. Problems of severity "note" leave the
        file valid."""
        try:
            scanner = Scanner(self.stream, self.source, self.chunk_size)
            segments = scanner.segments()
            head = read_head(segments, scanner, self.source)
            if self.chosen is not None:
                self.dtd = self.chosen
            elif self.dtd_dir is not None:
                self.dtd, why = choose_dtd(head, self.dtd_dir, self.source)
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
        except CheckStopped as stop:
            yield stop.problem


def iter_problems(
    stream: IO[bytes],
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[ValidationProblem]:
    """Every problem of one input as it is found; see :meth:`FileCheck.problems`.
    Without `dtd_dir`, no DTD validation."""
    return FileCheck(stream, source, dtd_dir, chunk_size).problems()


def validate_stream(
    stream: IO[bytes],
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[ValidationProblem]:
    """All problems of one input; see :meth:`FileCheck.problems`."""
    return list(iter_problems(stream, source, dtd_dir, chunk_size))


def validate_bytes(
    data: bytes,
    source: str = "<input>",
    dtd_dir: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[ValidationProblem]:
    """All problems of an in-memory input."""
    return validate_stream(io.BytesIO(data), source, dtd_dir, chunk_size)


def is_valid(problems: Sequence[ValidationProblem]) -> bool:
    """No problem but notes."""
    return all(problem.severity == "note" for problem in problems)
