"""Rewriting one file in parts (dxltools.rewrite.parts): whatever the cuts, the result
is byte for byte and report for report that of one pass, or that pass itself."""

from __future__ import annotations

import errno
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dxltools.agents import AgentRun, AuditSpec, load_agent
from dxltools.agents.apply import OwnAudit as _OwnAudit
from dxltools.audit.report import AuditReport
from dxltools.dxl.select import FormSelect
from dxltools.dxl.tokens import NOTE_START_RE
from dxltools.errors import DxlError
from dxltools.rewrite import parts as parts_module
from dxltools.rewrite.file import rewrite_file
from dxltools.rewrite.stream import RewriteReport
from dxltools.rewrite.taps import Observers
from tests.clitools import COEX, FOREIGN, NAMES, copy, invoke, leftover_temporaries
from tests.hostile import watchdog
from tests.shared import fixture_files, real_dxl_params
from tests.strategies import GenFile, domain_notes, dxl_files

STOP_TIMEOUT = 60.0  # a rewrite of names.dxl takes well under a second

pytestmark = pytest.mark.skipif(not parts_module.can_fork(), reason="parts need fork()")

AGENTS = {
    "remove-document-access": {},
    "coexistence-readers": {"servers_group": "AcmeMailServers"},
}


def _rewrite(
    path: Path, out: Path, parts: int, agent: str = "remove-document-access"
) -> tuple[bytes, RewriteReport, AgentRun]:
    run = load_agent(agent, AGENTS[agent]).start()
    observers = Observers(learners=(run,))
    report = rewrite_file(
        path, run.edit, select=run.wants, output=out, parts=parts, observers=observers
    )
    return out.read_bytes(), report, run


def _every_note_start(path: Path, size: int, parts: int, source: str) -> Any:
    """Cuts before every `<document`/`<note` after the root's start tag, even
    those inside comments and CDATA sections, which are no boundaries: the
    parts must notice and the rewrite fall back to one pass."""
    with open(path, "rb") as stream:
        found = parts_module.read_prolog(stream, source)
    if found is None:
        return None
    prolog, floor, head = found
    cuts = [m.start() for m in NOTE_START_RE.finditer(path.read_bytes()) if m.start() >= floor]
    return (prolog, head, cuts) if cuts else None


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Parts of any size, so that small files are cut too; tells, for each
    rewrite in parts, whether the parts did it (rather than one pass)."""
    monkeypatch.setattr(parts_module, "MIN_PART_BYTES", 1)
    done: list[bool] = []
    real = parts_module.rewrite_in_parts

    def recorded(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        done.append(outcome is not None)
        return outcome

    monkeypatch.setattr(parts_module, "rewrite_in_parts", recorded)
    return done


@pytest.fixture
def cut_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts_module, "plan_cuts", _every_note_start)


def _outcome(path: Path, out: Path, parts: int, agent: str) -> object:
    """The bytes, report and run state of a rewrite, or its error."""
    try:
        data, report, run = _rewrite(path, out, parts, agent)
    except DxlError as error:
        return ("error", str(error), out.exists())
    # How many notes were parsed is each pass's own: a run parses every note of its
    # forms until it selects one, then only those whose bytes may hold the values
    # (agents.model.RunSelect), and a part starts afresh. What the run saw is told by
    # its warnings.
    return data, attrs.evolve(report, notes_parsed=0), (run.selected, run.warnings())


def _assert_same_as_one_pass(path: Path, tmp: Path, parts: int, agent: str) -> None:
    one = _outcome(path, tmp / "one.dxl", 1, agent)
    many = _outcome(path, tmp / "many.dxl", parts, agent)
    assert many == one
    assert leftover_temporaries(tmp) == []


@pytest.mark.parametrize("agent", sorted(AGENTS))
@pytest.mark.parametrize("parts", [2, 3, 7])
@pytest.mark.parametrize(
    "path", [*fixture_files(), *real_dxl_params()], ids=lambda path: Path(path).name
)
def test_fixtures_and_real_exports_cut_in_parts(
    path: Path, parts: int, agent: str, tmp_path: Path, small_parts: list[bool]
) -> None:
    _assert_same_as_one_pass(path, tmp_path, parts, agent)
    if path in (NAMES, FOREIGN):  # plain exports: the parts do the work, nothing falls back
        assert small_parts[-1]


@pytest.mark.parametrize("agent", sorted(AGENTS))
@pytest.mark.parametrize("path", [NAMES, FOREIGN], ids=lambda path: path.name)
def test_cuts_before_every_note_start_even_where_none_can_be(
    path: Path, agent: str, tmp_path: Path, cut_everywhere: None, small_parts: list[bool]
) -> None:
    _assert_same_as_one_pass(path, tmp_path, 2, agent)
    # Neither fixture has a comment or CDATA section: every cut is a boundary,
    # so the parts did the work.
    assert small_parts[-1]


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_the_values_every_part_saw_are_in_the_warning(
    agent: str, tmp_path: Path, cut_everywhere: None, small_parts: list[bool]
) -> None:
    # No document is selected, and each part sees another domain type: the warning of
    # the parts, as of one pass, lists both.
    data = FOREIGN.read_bytes()
    first = data.index(b">ForeignDomain<")
    data = data[:first] + data[first:].replace(b">ForeignDomain<", b">AdjacentDomain<", 1)
    path = tmp_path / "types.dxl"
    path.write_bytes(data.replace(b">ForeignDomain<", b">GlobalDomain<"))
    _assert_same_as_one_pass(path, tmp_path, 2, agent)
    *_, run = _rewrite(path, tmp_path / "again.dxl", 2, agent)
    assert small_parts[-1] and run.selected == 0
    assert run.warnings() == (
        "no document selected: DomainType ForeignDomain never appears in this file "
        "(values seen: AdjacentDomain, GlobalDomain)",
    )


def test_a_cut_inside_a_comment_falls_back_to_one_pass(
    tmp_path: Path, cut_everywhere: None, small_parts: list[bool]
) -> None:
    data = NAMES.read_bytes()
    first = data.index(b"<document ")
    commented = tmp_path / "commented.dxl"
    commented.write_bytes(data[:first] + b"<!-- <document form='X'> -->\n" + data[first:])
    _assert_same_as_one_pass(commented, tmp_path, 2, "coexistence-readers")
    assert not small_parts[-1]  # the cut in the comment is no boundary: one pass


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(dxl_files(domain_notes(), root="database"), st.integers(2, 5), st.booleans())
def test_generated_files_cut_in_parts(
    tmp_path_factory: pytest.TempPathFactory, generated: GenFile, parts: int, everywhere: bool
) -> None:
    tmp = tmp_path_factory.mktemp("parts")
    path = tmp / "in.dxl"
    path.write_bytes(generated.data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts_module, "MIN_PART_BYTES", 1)
        if everywhere:
            patch.setattr(parts_module, "plan_cuts", _every_note_start)
        _assert_same_as_one_pass(path, tmp, parts, "coexistence-readers")


def test_a_failing_part_falls_back_to_one_pass(
    tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = parts_module._rewrite_part
    started: list[bool] = []

    def second_part_dies(job: Any, index: int) -> Any:
        if index == 1:
            os._exit(3)  # as a process killed by the kernel
        return real(job, index)

    def counted(*args: Any, **kwargs: Any) -> Any:
        outcome = real_in_parts(*args, **kwargs)
        started.append(outcome is not None)
        return outcome

    real_in_parts = parts_module.rewrite_in_parts
    monkeypatch.setattr(parts_module, "_rewrite_part", second_part_dies)
    monkeypatch.setattr(parts_module, "rewrite_in_parts", counted)
    _assert_same_as_one_pass(NAMES, tmp_path, 3, "coexistence-readers")
    assert started and not started[-1]  # the parts were tried, gave up: one pass did it


def test_parts_still_at_work_are_stopped_before_one_pass_begins(
    tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first part dies; the others never finish on their own. They write into
    # the temporary file that the one pass rewrites: each must be stopped and
    # waited for first (else this hangs, and the watchdog ends the run).
    real = parts_module._rewrite_part

    def first_dies_others_wait(job: Any, index: int) -> Any:
        if index == 0:
            os._exit(3)
        signal.pause()  # until the parent stops it
        return real(job, index)

    monkeypatch.setattr(parts_module, "_rewrite_part", first_dies_others_wait)
    with watchdog(STOP_TIMEOUT):
        _assert_same_as_one_pass(NAMES, tmp_path, 3, "coexistence-readers")


def test_bad_input_gives_the_error_of_one_pass(tmp_path: Path, small_parts: None) -> None:
    data = NAMES.read_bytes()
    last = data.rindex(b"</document>")
    broken = tmp_path / "broken.dxl"
    broken.write_bytes(data[:last] + b"</documen>" + data[last + len(b"</document>") :])
    errors = []
    for parts in (1, 3):
        with pytest.raises(DxlError) as raised:
            _rewrite(broken, tmp_path / f"out{parts}.dxl", parts)
        errors.append(str(raised.value))
        assert not (tmp_path / f"out{parts}.dxl").exists()
    assert errors[0] == errors[1]
    assert re.search(r":\d+:\d+: ", errors[0])
    assert leftover_temporaries(tmp_path) == []


def test_appending_without_copy_file_range(
    tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuses(*args: Any) -> int:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "copy_file_range", refuses, raising=False)
    _assert_same_as_one_pass(NAMES, tmp_path, 3, "remove-document-access")


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="no os.copy_file_range here")
def test_appending_when_copy_file_range_fails_midway(
    tmp_path: Path, small_parts: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel copies some bytes of a part, then refuses (as across some file
    # systems): what it copied is cut off and the whole part is copied again.
    real = os.copy_file_range
    calls: list[int] = []

    def gives_up_midway(source: int, target: int, count: int, *args: Any) -> int:
        calls.append(count)
        if len(calls) == 1:
            return real(source, target, 100)
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "copy_file_range", gives_up_midway)
    _assert_same_as_one_pass(NAMES, tmp_path, 3, "remove-document-access")
    assert small_parts[-1] and len(calls) >= 2


def test_a_small_file_is_not_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real: Callable[..., Any] = parts_module._run_parts

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(parts_module, "_run_parts", counting)
    _rewrite(NAMES, tmp_path / "out.dxl", 4)
    assert calls == []  # far below MIN_PART_BYTES


def test_the_command_with_jobs_cuts_one_file_and_reports_as_one_pass(
    tmp_path: Path, small_parts: None
) -> None:
    results = []
    for jobs in ("1", "3"):
        folder = tmp_path / jobs
        target = copy(NAMES, folder / "names.dxl")
        result = invoke([*COEX, "-i", "--json", "-j", jobs, str(target)])
        assert result.exit_code == 0, result.stderr
        results.append((target.read_bytes(), result.stdout.replace(f"/{jobs}/", "/N/")))
        assert leftover_temporaries(folder) == []
    assert results[0] == results[1]


# A comment in a Group document's items: read with the parser when the note is met,
# not from its bytes later, and kept as parsed.
NAMES_GROUPS = 6  # Group documents in fixtures/names.dxl, counted by hand
PARSED_AT_ONCE = NAMES.read_bytes().replace(
    b"<item name='Members'", b"<!-- parsed at once --><item name='Members'"
)


Keyed = list[tuple[str, tuple[str, ...]]]


def _own_audits(
    data: bytes, tmp_path: Path, forms: frozenset[str] | None = None
) -> tuple[list[AuditReport], list[Keyed]]:
    """The own audit of coexistence-readers on `data`, in one pass and in 4 parts: its
    reports and its groups (key and names), one pass first. `forms`: the rewrite
    parses the notes of these forms (casefolded) instead of the agent's."""
    source = tmp_path / "names.dxl"
    source.write_bytes(data)
    reports: list[AuditReport] = []
    groups: list[Keyed] = []
    for parts in (1, 4):
        run = load_agent("coexistence-readers", AGENTS["coexistence-readers"]).start()
        audit = _OwnAudit(
            AuditSpec(None, "ForeignDomain", ("CalendarServer", "MailServer")), str(source)
        )
        rewrite_file(
            source,
            run.edit,
            select=run.wants if forms is None else FormSelect(forms),
            output=tmp_path / f"out{parts}.dxl",
            observers=Observers(tap=audit, learners=(run,)),
            parts=parts,
        )
        reports.append(audit.auditor.report())
        groups.append([(key, group.names) for key, group in audit.auditor.groups().items()])
    return reports, groups


@pytest.mark.parametrize("data", [NAMES.read_bytes(), PARSED_AT_ONCE], ids=["skimmed", "parsed"])
def test_the_audit_tap_absorbs_its_parts_into_the_audit_of_one_pass(
    data: bytes, tmp_path: Path, small_parts: list[bool]
) -> None:
    reports, groups = _own_audits(data, tmp_path)
    assert small_parts[-1]  # the parts did the work
    assert reports[0] == reports[1]
    assert reports[0].domains  # the fixture's Foreign Domain documents were audited
    # Every Group document of the fixture, whichever part read it.
    assert groups[0] == groups[1]
    assert len(groups[0]) == data.count(b"<document form='Group'>") == NAMES_GROUPS


def _unid_before(data: bytes, text: bytes, after: int = 0) -> str:
    """The UNID of the document that holds the first `text` after `after`."""
    start = data.rindex(b"unid='", 0, data.index(text, after)) + len(b"unid='")
    return data[start : data.index(b"'", start)].decode()


def _in_the_last_part(data: bytes, later: bytes) -> bytes:
    """`data` with `later` at its end, after Person documents enough that, of 4 parts,
    `later` is in the last one."""
    person = (
        b"<document form='Person'>"
        b"<item name='FullName'><text>CN=P/O=Acme</text></item></document>\n"
    )
    return data.replace(
        b"</database>", person * (4 * len(data) // len(person)) + later + b"</database>"
    )


def test_a_later_part_replaces_a_document_exported_again_under_another_form(
    tmp_path: Path, small_parts: list[bool]
) -> None:
    # At the end of the file, in the last part: a Server document with a Group
    # document's UNID, a Group document with a Server document's, a Domain document
    # of another type with a Foreign Domain document's, a Foreign Domain document with
    # another Server document's. The earlier copies count in no audit.
    data = NAMES.read_bytes()
    group = _unid_before(data, b"<item name='ListName'")
    server = _unid_before(data, b"<item name='ServerName'")
    other_server = _unid_before(data, b"<item name='ServerName'", data.index(b"'ServerName'") + 1)
    domain = _unid_before(data, b"<text>ForeignDomain</text>")
    later = (
        f"<document form='Server'><noteinfo unid='{group}'/>"
        "<item name='ServerName'><text>CN=Mail9/O=Acme</text></item></document>\n"
        f"<document form='Group'><noteinfo unid='{server}'/>"
        "<item name='ListName'><text>Others</text></item>"
        "<item name='Members'><text>CN=Jo/O=Acme</text></item></document>\n"
        f"<document form='Domain'><noteinfo unid='{domain}'/>"
        "<item name='DomainType'><text>AdjacentDomain</text></item></document>\n"
        f"<document form='Domain'><noteinfo unid='{other_server}'/>"
        "<item name='DomainType'><text>ForeignDomain</text></item>"
        "<item name='DomainName'><text>Other</text></item>"
        "<item name='MailServer'><text>CN=Mail9/O=Acme</text></item></document>\n"
    ).encode()
    data = _in_the_last_part(data, later)
    reports, groups = _own_audits(data, tmp_path)
    assert small_parts[-1]
    assert reports[0] == reports[1]
    assert groups[0] == groups[1]
    keys = [key for key, _ in groups[0]]
    assert group.casefold() not in keys and server.casefold() in keys
    unids = [item.document.unid for audit in reports[0].domains for item in audit.documents]
    assert domain not in unids and other_server in unids and server != other_server


def test_the_tap_is_always_among_what_the_parts_send_back() -> None:
    run = load_agent("coexistence-readers", AGENTS["coexistence-readers"]).start()
    audit = _OwnAudit(AuditSpec(None, "ForeignDomain", ("MailServer",)), str(NAMES))
    assert Observers(tap=audit, learners=(run,)).stateful == (run, audit)
    assert Observers(tap=audit).stateful == (audit,)
    assert Observers(learners=(run,)).stateful == (run,)


def test_the_command_refuses_a_leaking_result_with_jobs_as_in_one_pass(
    tmp_path: Path, small_parts: list[bool]
) -> None:
    lines = []
    for jobs in ("1", "3"):
        target = copy(NAMES, tmp_path / jobs / "names.dxl")
        before = target.read_bytes()
        # every server reads every document: refused, whatever the jobs
        args = ["run", "coexistence-readers", "--set", "servers_group=LocalDomainServers"]
        result = invoke([*args, "-i", "-j", jobs, str(target)])
        assert result.exit_code == 2
        assert target.read_bytes() == before
        lines.append(result.stderr.replace(f"/{jobs}/", "/N/"))
        assert leftover_temporaries(target.parent) == []
    assert "refusing to write" in lines[0]
    assert lines[0] == lines[1]
    assert small_parts[-1]


def test_progress_counts_the_whole_file_once_when_parts_did_the_reading(
    tmp_path: Path, small_parts: list[bool]
) -> None:
    """The parts read the file in other processes: the progress bar is told
    its size once they are done, as if one pass had read it."""
    run = load_agent("remove-document-access", {}).start()
    told: list[int] = []
    rewrite_file(
        NAMES,
        run.edit,
        select=run.wants,
        output=tmp_path / "out.dxl",
        parts=3,
        observers=Observers(learners=(run,)),
        on_read=told.append,
    )
    assert small_parts == [True]
    assert told == [NAMES.stat().st_size]


def test_what_parts_that_gave_up_left_in_the_file_is_emptied_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts that give up leave anything in the temporary file, longer than the
    rewrite and with the position anywhere: one pass starts from an empty file."""

    def left_a_mess(path: Path, temporary: Any, *args: Any, **kwargs: Any) -> None:
        temporary.stream.write(b"x" * (3 * NAMES.stat().st_size))
        temporary.stream.seek(17)
        return None

    one = _rewrite(NAMES, tmp_path / "one.dxl", 1)[0]
    monkeypatch.setattr(parts_module, "rewrite_in_parts", left_a_mess)
    assert _rewrite(NAMES, tmp_path / "many.dxl", 3)[0] == one


def test_a_later_part_drops_an_unread_copy_that_counts_no_more(
    tmp_path: Path, small_parts: list[bool]
) -> None:
    # The two copies the audit drops without parsing them (the rewrite parses Person
    # documents only here): a Group document without a ListName, skimmed, with a Group
    # document's UNID; a Domain document of another type, passed over, with a Foreign
    # Domain document's. In the last of 4 parts, they still replace the first copies.
    data = NAMES.read_bytes()
    group = _unid_before(data, b"<item name='ListName'")
    domain = _unid_before(data, b"<text>ForeignDomain</text>")
    later = (
        f"<document form='Group'><noteinfo unid='{group}'/>"
        "<item name='Members'><text>CN=Jo/O=Acme</text></item></document>\n"
        f"<document form='Domain'><noteinfo unid='{domain}'/>"
        "<item name='DomainType'><text>AdjacentDomain</text></item></document>\n"
    ).encode()
    data = _in_the_last_part(data, later)
    reports, groups = _own_audits(data, tmp_path, forms=frozenset({"person"}))
    assert small_parts[-1]
    assert reports[0] == reports[1]
    assert groups[0] == groups[1]
    assert group.casefold() not in [key for key, _ in groups[0]]
    unids = [item.document.unid for audit in reports[0].domains for item in audit.documents]
    assert unids and domain not in unids
