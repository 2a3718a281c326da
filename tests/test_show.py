"""`dxltools show` (library part): an export in, one line or one JSON object per note out.

Fixtures are never modified: tests that need a variant write it to `tmp_path`.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

import dxltools.dxl.wellformed
import dxltools.show.summary
from dxltools.cli.show import ShowOptions, run_show
from dxltools.dxl.model import Note
from dxltools.dxl.parse import note_from_segment, parse_note
from dxltools.dxl.segments import Prolog, Segment
from dxltools.errors import DxlError, DxlSyntaxError
from dxltools.show.summary import (
    ItemSummary,
    NoteSummary,
    format_line,
    show_stream,
    summarize_note,
)
from tests.clitools import dxltools_in_one_log
from tests.shared import FIXTURES, real_dxl_params
from tests.strategies import GenFile, domain_notes, dxl_files

NAMES = FIXTURES / "names.dxl"
FOREIGN = FIXTURES / "foreign-domains.dxl"
SINGLE = FIXTURES / "foreign-domain-single.dxl"
BTEX_1, BTEX_2 = "26DD6B87DB3B179DC12586EE00284E2F", "F0BB1D6DF75A17A8C12586EE0028BA35"
DOMAIN_LINES = (162, 308, 437, 462)  # the four Domain documents of names.dxl
NAMES_NOTES = 18


def btex_line(path: str, line: int, unid: str, server: str, calendar: str, more: str) -> str:
    """The text line of a BTEx Foreign Domain document of the fixtures."""
    return "\t".join(
        [
            f"{path}:{line}:",
            "form=Domain",
            f"unid={unid}",
            "DomainType=ForeignDomain",
            "DomainName=BTEx",
            f"MailServer={server}",
            f"CalendarServer={calendar}",
            f"authors:LocalAdmin=LocalDomainAdmins; CN=Admin/O=Acme{more}",
        ]
    )


def btex_coex1(path: str, line: int) -> str:
    server = "CN=DominoCoex1/O=Acme"
    return (
        btex_line(path, line, BTEX_1, server, server, "")
        + "\tauthors:Owner=CN=Admin/O=Acme\tauthors:DocumentAccess=[NetModifier]"
    )


def btex_coex2(path: str, line: int) -> str:
    server, calendar, more = "CN=DominoCoex2/O=Acme", "DominoCoex2/Acme", "; CN=Jana Novak/O=Acme"
    return (
        btex_line(path, line, BTEX_2, server, calendar, more)
        + "\tauthors:Owner=\tauthors:DocumentAccess=[NetModifier]"
    )


def btex_lines(path: str, first: int, second: int) -> list[str]:
    return [btex_coex1(path, first), btex_coex2(path, second)]


def show(
    *paths: str | Path, stdin: bytes = b"", **options: Any
) -> tuple[int, list[str], list[str]]:
    """run_show as the command line calls it: exit status, stdout lines, stderr lines."""
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_show(
        ShowOptions(paths=tuple(str(p) for p in paths), **options),
        io.BytesIO(stdin),
        stdout,
        stderr,
    )
    return status, stdout.getvalue().splitlines(), stderr.getvalue().splitlines()


def show_json(*paths: str | Path, stdin: bytes = b"", **options: Any) -> tuple[int, Any, list[str]]:
    status, out, err = show(*paths, stdin=stdin, json=True, **options)
    return status, json.loads("\n".join(out)), err


def summaries(path: Path, forms: Sequence[str] = ()) -> list[NoteSummary]:
    with open(path, "rb") as stream:
        return list(show_stream(stream, str(path), forms))


def corrupt_person(tmp_path: Path) -> Path:
    """names.dxl with a Person document whose inside is not well-formed (the scanner
    still splits it: only its items are broken)."""
    data = NAMES.read_bytes()
    good = b"<item name='ShortName'><text>admin</text></item>"
    assert data.count(good) == 1
    broken = tmp_path / "broken.dxl"
    broken.write_bytes(data.replace(good, b"<item name='ShortName'><text>admin</item>"))
    return broken


def one_error(err: list[str]) -> str:
    assert len(err) == 1, err
    assert err[0].startswith("dxltools: ")
    return err[0]


# -- text output ---------------------------------------------------------------------------


def test_names_shows_every_note_and_the_btex_documents_in_full() -> None:
    status, out, err = show(NAMES)
    assert (status, err) == (0, [])
    assert len(out) == NAMES_NOTES
    assert all(line.startswith(f"{NAMES}:") for line in out)
    assert out[-2:] == btex_lines(str(NAMES), 437, 462)


def test_lines_are_grep_friendly_and_omit_empty_fields() -> None:
    _, out, _ = show(NAMES)
    server = out[0].split("\t")
    assert server == [
        f"{NAMES}:42:",
        "form=Server",
        "unid=BDD529505F8DDABFC1257B550027DF73",
        "authors:Owner=CN=Admin/O=Acme",
        "authors:LocalAdmin=LocalDomainAdmins",
        "authors:DocumentAccess=[ServerModifier]",
    ]
    # A person's MailServer is shown; domain fields it lacks are left out.
    assert "\tMailServer=CN=DominoHub1/O=Acme\t" in out[1]
    assert "DomainType" not in out[1]


def test_form_filter_gives_exactly_the_domain_documents_whatever_the_case() -> None:
    for form in ("Domain", "domain", "DOMAIN"):
        status, out, err = show(NAMES, forms=(form,))
        assert (status, err) == (0, [])
        assert [int(line.split(":")[1]) for line in out] == list(DOMAIN_LINES)
        assert all("\tform=Domain\t" in line for line in out)
        assert out[2:] == btex_lines(str(NAMES), 437, 462)


def test_several_forms_are_all_shown() -> None:
    _, out, _ = show(NAMES, forms=("Server", "Person"))
    assert len(out) == 5 + 3
    assert {line.split("\t")[1] for line in out} == {"form=Server", "form=Person"}


def test_notes_of_other_forms_are_never_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = corrupt_person(tmp_path)
    status, out, err = show(broken, forms=("Domain",))
    assert (status, err) == (0, [])
    assert len(out) == len(DOMAIN_LINES)
    # Without the filter the broken note is parsed, and found out.
    status, out, err = show(broken)
    assert status == 2
    assert one_error(err).startswith(f"dxltools: {broken}:")
    assert "not well-formed" in err[0]
    assert len(out) == 1  # the Server document before the broken Person one

    parsed: list[int] = []

    def counting_parse(segment: Segment, prolog: Prolog, source: str) -> Note:
        parsed.append(segment.line)
        return note_from_segment(segment, prolog, source)

    monkeypatch.setattr(dxltools.show.summary, "note_from_segment", counting_parse)
    summaries(NAMES, ("Domain",))
    assert parsed == list(DOMAIN_LINES)


def test_a_single_document_export() -> None:
    status, out, err = show(SINGLE)
    assert (status, err) == (0, [])
    assert out == [btex_coex1(str(SINGLE), 3)]


def test_a_collection_export_shows_the_same_documents() -> None:
    _, out, _ = show(FOREIGN)
    assert out == btex_lines(str(FOREIGN), 7, 32)


def test_standard_input_when_no_path_or_dash() -> None:
    data = FOREIGN.read_bytes()
    for paths in ((), ("-",)):
        status, out, err = show(*paths, stdin=data)
        assert (status, err) == (0, [])
        assert out == btex_lines("<stdin>", 7, 32)


def test_standard_input_is_read_but_not_closed() -> None:
    stdin = io.BytesIO(SINGLE.read_bytes())
    assert run_show(ShowOptions(), stdin, io.StringIO(), io.StringIO()) == 0
    assert not stdin.closed


def test_folders_are_walked_with_include_and_exclude(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.dxl").write_bytes(SINGLE.read_bytes())
    (tmp_path / "sub" / "b.DXL").write_bytes(FOREIGN.read_bytes())
    (tmp_path / "notes.txt").write_bytes(b"not an export")
    _, out, err = show(tmp_path)
    assert err == []
    assert [line.split(":")[0] for line in out] == [str(tmp_path / "a.dxl")] + 2 * [
        str(tmp_path / "sub" / "b.DXL")
    ]
    _, out, _ = show(tmp_path, exclude=("sub",))
    assert len(out) == 1


def test_readers_items_are_shown_by_name_with_their_values(tmp_path: Path) -> None:
    readers = (
        b"<item name='$Readers' readers='true' names='true'><textlist><text>AcmeMailServers"
        b"</text><text>CN=DominoCoex1/O=Acme</text></textlist></item>"
        b"<item name='Both' readers='true' authors='true'><text>[Admin]</text></item></document>"
    )
    variant = tmp_path / "readers.dxl"
    variant.write_bytes(FOREIGN.read_bytes().replace(b"</document>", readers, 1))
    _, out, _ = show(variant)
    fields = out[0].split("\t")
    assert fields[7:9] == [
        "readers:$Readers=AcmeMailServers; CN=DominoCoex1/O=Acme",
        "readers:Both=[Admin]",
    ]
    assert fields[-1] == "authors:Both=[Admin]"
    assert "readers:" not in out[1]


def test_a_line_break_in_a_value_is_escaped_so_a_note_stays_on_one_line() -> None:
    note = parse_note(
        b"<document form='Domain'><noteinfo noteid='1' unid='AB'/>"
        b"<item name='DomainName'><text>two<break/>lines\tand \\ kept</text></item>"
        b"<item name='Owner' authors='true'><text>Gr\xc3\xbc\xc3\x9fe &amp; Co</text></item>"
        b"</document>"
    )
    summary = summarize_note(note, "x.dxl")
    assert summary.domain_name == "two\nlines\tand \\ kept"  # the data stays exact
    assert format_line(summary) == (
        "x.dxl:1:\tform=Domain\tunid=AB\tDomainName=two\\nlines\\tand \\ kept"
        "\tauthors:Owner=Grüße & Co"
    )


def test_the_note_id_stands_in_for_a_missing_unid() -> None:
    note = parse_note(b"<note class='document'><noteinfo noteid='8f4'/></note>", line=5)
    assert format_line(summarize_note(note, "raw.dxl")) == "raw.dxl:5:\tnoteid=8f4"


def test_summary_values_are_stored_values_of_any_type() -> None:
    note = parse_note(
        b"<document><item name='Form'><text>Domain</text></item>"
        b"<item name='DomainType'><number>3</number></item>"
        b"<item name='MailServer'><textlist><text>A</text><text>B</text></textlist></item>"
        b"<item name='MailServer'><text>ignored: the first item counts</text></item>"
        b"<item name='CalendarServer'><text/></item>"
        b"<item name='Stamp' readers='true'><datetime>20210328T120508,71+02</datetime></item>"
        b"<item name='Span' readers='true'><datetimelist><datetimepair><datetime>20210328"
        b"</datetime><datetime>20210402</datetime></datetimepair></datetimelist></item>"
        b"<item name='Blob' authors='true'><rawitemdata type='1'>AA==</rawitemdata></item>"
        b"</document>"
    )
    summary = summarize_note(note, "x")
    assert (summary.form, summary.domain_type, summary.mail_server) == ("Domain", "3", "A; B")
    assert summary.calendar_server == ""
    assert summary.readers == (
        ItemSummary("Stamp", ("20210328T120508,71+02",)),
        ItemSummary("Span", ("20210328 - 20210402",)),
    )
    assert summary.authors == (ItemSummary("Blob", ()),)
    assert "CalendarServer" not in format_line(summary)


# -- JSON output ---------------------------------------------------------------------------


def test_json_lists_files_and_notes_with_every_field() -> None:
    status, report, err = show_json(NAMES, SINGLE, forms=("Domain",))
    assert (status, err) == (0, [])
    assert [f["path"] for f in report["files"]] == [str(NAMES), str(SINGLE)]
    assert [f["error"] for f in report["files"]] == [None, None]
    notes = report["files"][0]["notes"]
    assert [n["line"] for n in notes] == list(DOMAIN_LINES)
    assert notes[3] == {
        "line": 462,
        "form": "Domain",
        "unid": BTEX_2,
        "noteid": "e84",
        "domain_type": "ForeignDomain",
        "domain_name": "BTEx",
        "mail_server": "CN=DominoCoex2/O=Acme",
        "calendar_server": "DominoCoex2/Acme",
        "readers": [],
        "authors": [
            {
                "item": "LocalAdmin",
                "values": ["LocalDomainAdmins", "CN=Admin/O=Acme", "CN=Jana Novak/O=Acme"],
            },
            {"item": "Owner", "values": [""]},
            {"item": "DocumentAccess", "values": ["[NetModifier]"]},
        ],
    }
    assert notes[0]["mail_server"] is None  # the Internet domain names no server
    assert report["files"][1]["notes"][0]["unid"] == BTEX_1


def test_json_of_standard_input_and_of_an_empty_selection() -> None:
    status, report, _ = show_json(stdin=SINGLE.read_bytes(), forms=("Person",))
    assert status == 0
    assert report == {"files": [{"path": "<stdin>", "notes": [], "error": None}], "skipped": []}


def test_json_stays_valid_when_files_fail(tmp_path: Path) -> None:
    missing = tmp_path / "missing.dxl"
    truncated = tmp_path / "truncated.dxl"
    data = NAMES.read_bytes()[:20000]
    truncated.write_bytes(data)
    status, report, err = show_json(SINGLE, missing, truncated, FOREIGN)
    assert status == 2
    files = report["files"]
    assert [f["path"] for f in files] == [str(p) for p in (SINGLE, missing, truncated, FOREIGN)]
    assert files[1] == {"path": str(missing), "notes": [], "error": f"{missing}: no such file"}
    # The notes read before the failure are kept, and the error says where it failed.
    assert len(files[2]["notes"]) == data.count(b"</document>") > 0
    assert files[2]["error"].startswith(f"{truncated}:")
    assert "truncated input" in files[2]["error"]
    assert [len(files[0]["notes"]), len(files[3]["notes"])] == [1, 2]
    assert err == [f"dxltools: {files[1]['error']}", f"dxltools: {files[2]['error']}"]


# -- errors ----------------------------------------------------------------------------------


def test_a_missing_file_among_good_ones(tmp_path: Path) -> None:
    missing = tmp_path / "missing.dxl"
    status, out, err = show(SINGLE, missing, FOREIGN)
    assert status == 2
    assert out == [btex_coex1(str(SINGLE), 3), *btex_lines(str(FOREIGN), 7, 32)]
    assert one_error(err) == f"dxltools: {missing}: no such file"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html><body>hello</body></html>", ":1:1: not a DXL export: root element is <html>"),
        # Named as written, in the file's encoding, not up to its first letter beyond ASCII.
        (
            "<d\u00e4tabase xmlns='http://www.lotus.com/dxl'/>".encode(),
            ":1:1: not a DXL export: root element is <d\u00e4tabase> in namespace",
        ),
        (
            "<?xml version='1.0' encoding='iso-8859-1'?><d\u00e4tabase/>".encode("latin-1"),
            ":1:44: not a DXL export: root element is <d\u00e4tabase>,",
        ),
        (b"name,unid\nBTEx,26DD\n", ":1:1: not XML"),
        (b"", ":1:1: empty input"),
        (b"\xff\xfe<\x00", ":1:1: UTF-16 or UTF-32 export"),
    ],
)
def test_a_file_that_is_not_dxl(tmp_path: Path, content: bytes, reason: str) -> None:
    bad = tmp_path / "bad.dxl"
    bad.write_bytes(content)
    status, out, err = show(bad, SINGLE)
    assert status == 2
    assert one_error(err).startswith(f"dxltools: {bad}{reason}")
    assert len(out) == 1  # the good file is still shown


def test_an_unreadable_path_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    plain = tmp_path / "plain.dxl"
    plain.write_bytes(SINGLE.read_bytes())
    status, out, err = show(plain / "inside.dxl", plain)
    assert status == 2
    assert one_error(err) == f"dxltools: {plain / 'inside.dxl'}: cannot read: Not a directory"
    assert len(out) == 1


class BrokenOutput(io.StringIO):
    """stdout whose reader went away (`dxltools show ... | head -1`)."""

    def write(self, text: str) -> int:
        if "unid" in text:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_failing_stdout_is_not_blamed_on_the_input() -> None:
    stderr = io.StringIO()
    with pytest.raises(BrokenPipeError):
        run_show(ShowOptions(paths=(str(SINGLE),)), io.BytesIO(), BrokenOutput(), stderr)
    assert stderr.getvalue() == ""


def test_show_stream_raises_located_errors() -> None:
    with pytest.raises(DxlSyntaxError) as caught:
        list(show_stream(io.BytesIO(NAMES.read_bytes()[:3000]), "cut.dxl"))
    assert str(caught.value).startswith("cut.dxl:")
    assert isinstance(caught.value, DxlError)


# -- streaming -------------------------------------------------------------------------------

_HEAD = b"<?xml version='1.0' encoding='utf-8'?>\n<database xmlns='http://www.lotus.com/dxl'>\n"


@functools.cache
def _owners(size: int) -> str:
    return "".join(f"<text>CN=Owner {n:05}/O=Acme</text>" for n in range(size // 34))


def _note(number: int, form: str, size: int) -> bytes:
    """A note of about `size` bytes, most of them in an authors item."""
    owners = _owners(size)
    return (
        f"<document form='{form}'>\n<noteinfo noteid='{number:x}' unid='{number:032X}'/>\n"
        f"<item name='DomainName'><text>D{number}</text></item>\n"
        f"<item name='Owner' authors='true'><textlist>{owners}</textlist></item>\n</document>\n"
    ).encode()


class GeneratedExport(io.RawIOBase):
    """An export made up while it is read: `notes` notes of about `size` bytes, every
    `domain_every`-th a Domain document, the others Person documents; fails if read past
    `limit` bytes."""

    def __init__(
        self, notes: int, domain_every: int = 1, limit: int | None = None, size: int = 400
    ) -> None:
        self.parts = itertools.chain(
            [_HEAD],
            (_note(n, "Domain" if n % domain_every == 0 else "Person", size) for n in range(notes)),
            [b"</database>\n"],
        )
        self.pending = b""
        self.read_so_far = 0
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer):
            part = next(self.parts, None)
            if part is None:
                break
            self.pending += part
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.read_so_far += size
        if self.limit is not None and self.read_so_far > self.limit:
            raise AssertionError(f"read {self.read_so_far} bytes: the input is not streamed")
        return size


def test_show_stream_yields_each_note_as_soon_as_it_is_read() -> None:
    # 10 million notes (about 5 GB): only streaming gets the first three.
    export = GeneratedExport(10_000_000, limit=8 << 20)
    first = list(itertools.islice(show_stream(io.BufferedReader(export), "big"), 3))
    assert [summary.domain_name for summary in first] == ["D0", "D1", "D2"]


class WatchedOutput(io.StringIO):
    """stdout that notes how much of the input had been read at each write."""

    def __init__(self, export: GeneratedExport) -> None:
        super().__init__()
        self.export = export
        self.read_at_write: list[tuple[int, str]] = []

    def write(self, text: str) -> int:
        self.read_at_write.append((self.export.read_so_far, text))
        return super().write(text)


@pytest.mark.parametrize("as_json", [False, True])
def test_run_show_writes_notes_while_it_reads(as_json: bool) -> None:
    export = GeneratedExport(20_000, domain_every=1000)  # about 9 MB, 20 Domain documents
    stdout = WatchedOutput(export)
    options = ShowOptions(forms=("Domain",), json=as_json)
    assert run_show(options, io.BufferedReader(export), stdout, io.StringIO()) == 0
    total = export.read_so_far
    first = "DomainName=D0\t" if not as_json else '"domain_name": "D0"'
    first_note = next(read for read, text in stdout.read_at_write if first in text)
    assert first_note < total / 4
    if as_json:
        notes = json.loads(stdout.getvalue())["files"][0]["notes"]
        assert [note["domain_name"] for note in notes] == [f"D{n}" for n in range(0, 20_000, 1000)]
    else:
        assert len(stdout.getvalue().splitlines()) == 20


def _peak_memory(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class NullOutput(io.StringIO):
    """stdout that keeps nothing, so that only what `show` holds is measured."""

    def write(self, text: str) -> int:
        return len(text)


def test_memory_stays_flat_on_a_large_export() -> None:
    # 11 MB in, 160 Domain documents out as JSON. The peak (the scanner's 1 MB chunks)
    # does not depend on the input's size; a run that held the input would exceed it.
    export = GeneratedExport(16_000, domain_every=100, size=500)
    options = ShowOptions(forms=("Domain",), json=True)
    peak = _peak_memory(
        lambda: run_show(options, io.BufferedReader(export), NullOutput(), io.StringIO())
    )
    assert export.read_so_far > 10 << 20
    assert peak < export.read_so_far / 2, (peak, export.read_so_far)


# -- generated and real exports ----------------------------------------------------------


@given(dxl_files(domain_notes()))
def test_every_generated_note_is_shown_with_its_readers_and_authors(file: GenFile) -> None:
    found = list(show_stream(io.BytesIO(file.data), "gen.dxl"))
    assert len(found) == len(file.notes)
    for summary, note in zip(found, file.notes, strict=True):
        assert summary.unid == (note.unid if note.unid in note.xml else None)
        for flag, shown in (("readers", summary.readers), ("authors", summary.authors)):
            expected = [item for item in note.items if (flag, "true") in item.flags]
            assert [item.name for item in shown] == [item.name for item in expected]
            for item, generated in zip(shown, expected, strict=True):
                if generated.kind in ("text", "textlist"):
                    assert item.values == generated.values
        line = format_line(summary)
        assert "\n" not in line
        assert line.startswith(f"gen.dxl:{summary.line}:")


@pytest.mark.parametrize("path", real_dxl_params(), ids=lambda p: p.name)
def test_every_real_export_is_shown(path: Path) -> None:
    status, out, err = show(path)
    assert (status, err) == (0, [])
    assert len(out) == len(summaries(path)) >= 1
    status, report, err = show_json(path)
    assert (status, err) == (0, [])
    assert report["files"][0]["error"] is None


# -- --form passes the other notes over unread ---------------------------------------------


def _of_form(lines: list[str], form: str) -> list[str]:
    """The lines of notes whose form field is `form` (any case): what --form must give."""
    return [line for line in lines if f"\tform={form.casefold()}\t" in line.casefold() + "\t"]


@pytest.mark.parametrize(
    "path", [*real_dxl_params(), NAMES, FOREIGN, SINGLE], ids=lambda p: Path(p).name
)
def test_form_gives_the_lines_the_unfiltered_listing_gives_for_that_form(path: Path) -> None:
    status, everything, err = show(path)
    assert (status, err) == (0, [])
    forms = {line.split("\t")[1].removeprefix("form=") for line in everything if "\tform=" in line}
    for form in [*sorted(forms), "NoSuchForm"]:
        assert show(path, forms=(form,))[1] == _of_form(everything, form), form


@given(dxl_files(domain_notes()))
def test_form_on_generated_files_gives_the_unfiltered_lines_of_that_form(file: GenFile) -> None:
    everything = [format_line(s) for s in show_stream(io.BytesIO(file.data), "gen.dxl")]
    for form in ("Domain", "Person", "Server"):
        found = [format_line(s) for s in show_stream(io.BytesIO(file.data), "gen.dxl", (form,))]
        assert found == _of_form(everything, form)


def test_form_lets_the_splitter_pass_the_other_notes_over(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds: list[str] = []
    real = dxltools.dxl.wellformed.checked_segments

    def recording(scanner: Any, checker: Any, **options: Any) -> Any:
        for segment in real(scanner, checker, **options):
            kinds.append(segment.kind.name)
            yield segment

    monkeypatch.setattr(dxltools.show.summary, "checked_segments", recording)
    summaries(NAMES, ("Domain",))
    assert "SKIPPED" in kinds
    assert kinds.count("NOTE") == len(DOMAIN_LINES)
    kinds.clear()
    summaries(NAMES)
    assert "SKIPPED" not in kinds


def test_the_notes_shown_come_before_the_error_that_stops_a_later_file(tmp_path: Path) -> None:
    # stdout and stderr in one pipe (a job's log): the first file's notes, then the
    # second's up to where it breaks, then the error, in that order.
    data = NAMES.read_bytes()
    broken = tmp_path / "broken.dxl"
    broken.write_bytes(data[: data.rindex(b"<document ")] + b"<document form='Domain'><item")
    result = dxltools_in_one_log(["show", str(NAMES), str(broken)])
    lines = result.stdout.splitlines()
    assert result.returncode == 2
    assert lines[-1].startswith(f"dxltools: {broken}:"), lines[-1]
    assert len(lines) == 2 * NAMES_NOTES  # 18 notes, 17 before the break, the error
    assert all(not line.startswith("dxltools:") for line in lines[:-1])
