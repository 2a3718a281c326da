"""Well-formedness (issue 16): by default everything but the inside of a note
passed over unread is checked, so a broken `<databaseinfo>`, `<acl>`, design
element, note boundary or selected note stops `run`, `show` and `audit` with a
one-line error and nothing written; `--strict` checks the notes passed over
too, in the same pass. Hand-made files, several read sizes, one pass and
`-j 2` (dxltools.rewrite.parts), the command line and the library."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import attrs
import pytest

from dxltools.agents import load_agent
from dxltools.audit.collect import Auditor
from dxltools.dxl.tokens import NOTE_START_RE
from dxltools.errors import DxlError, DxlSyntaxError
from dxltools.rewrite import parts as parts_module
from dxltools.rewrite.file import rewrite_file
from dxltools.rewrite.stream import rewrite_stream
from dxltools.rewrite.taps import Observers
from dxltools.show.summary import show_stream
from tests.clitools import NAMES, error_line, invoke
from tests.hostile import billion_laughs, secret_file, watchdog, with_doctype
from tests.shared import fixture_files, real_dxl_files
from tests.test_fuzz import Trickle

READ_SIZES = (1, 7, 64, 4096, 1 << 20)
AGENT = "remove-document-access"  # selects the Domain documents; Person ones are passed over


@attrs.frozen
class Damage:
    """names.dxl with `old` (found once) replaced by `new`; where the error is:
    the line of `at` (the first occurrence, in the damaged file, at or after
    `near`), and its column when `column` is true. `unread`: the damage lies
    inside a note the agent passes over, so only --strict refuses it."""

    name: str
    old: bytes
    new: bytes
    near: bytes  # the damaged file's text that the error is at or after
    at: bytes
    unread: bool = False
    column: bool = True

    def data(self) -> bytes:
        source = NAMES.read_bytes()
        assert source.count(self.old) == 1, self.name
        return source.replace(self.old, self.new)

    def where(self) -> tuple[int, int]:
        """(line, column) of `at`, found by searching the bytes (the oracle)."""
        data = self.data()
        offset = data.index(self.at, data.index(self.near))
        line = data.count(b"\n", 0, offset) + 1
        return line, offset - data.rfind(b"\n", 0, offset)


PERSON_CDC = b"<item name='FirstName'><text>Peter</text></item>"  # in the Person note at line 329
DAMAGES = [
    Damage(
        "<designmodified> never closed inside <databaseinfo>",
        b"</designmodified></databaseinfo>",
        b"</databaseinfo>",
        near=b"<designmodified",
        at=b"</databaseinfo>",
    ),
    Damage(
        "a <role> never closed inside <acl>",
        b"name='LocalDomainAdmins' type='persongroup' level='manager' deletedocs='true'><role\n"
        b">GroupCreator</role>",
        b"name='LocalDomainAdmins' type='persongroup' level='manager' deletedocs='true'><role\n"
        b">GroupCreator",
        near=b">GroupCreator<role>",
        at=b"</aclentry>",
    ),
    Damage(
        "broken nesting in a design element among the root's children",
        b"</acl>\n",
        b"</acl>\n<form name='F'><body><richtext><par>x</richtext></body></form>\n",
        near=b"<form name='F'>",
        at=b"</richtext>",
    ),
    Damage(
        "broken nesting in a selected document",
        b"<item name='DomainName'><text>Partner</text></item>",
        b"<item name='DomainName'><text>Partner</item>",
        near=b"<text>Partner</item>",
        at=b"</item>",
        column=False,  # lxml, which parses the selected note, names the line only
    ),
    Damage(
        "a note's end tag missing",
        b"[UserModifier]</text></item></document>\n<document form='Server'>",
        b"[UserModifier]</text></item>\n<document form='Server'>",
        near=b"<noteinfo noteid='cdc'",
        at=b"",
        column=False,  # placed at the note's start tag: see where() below
    ),
    Damage(
        "text that is not well-formed among the notes",
        b"</document>\n<document form='Person'>\n<noteinfo noteid='cdc'",
        b"</document>\nR&D\n<document form='Person'>\n<noteinfo noteid='cdc'",
        near=b"R&D",
        at=b"&D",
        column=False,  # expat names the byte where the reference goes wrong
    ),
    Damage(
        "text that is not well-formed among notes passed over",
        b"[UserModifier]</text></item></document>\n<document form='Server'>",
        b"[UserModifier]</text></item></document>\nR&D\n<document form='Server'>",
        near=b"R&D",
        at=b"&D",
        column=False,
    ),
    Damage(
        "broken nesting in a design element among notes passed over",
        b"[UserModifier]</text></item></document>\n<document form='Server'>",
        b"[UserModifier]</text></item></document>\n<view name='V'><column></view>\n"
        b"<document form='Server'>",
        near=b"<view name='V'>",
        at=b"</view>",
    ),
    Damage(
        "broken nesting in a document the agent passes over",
        PERSON_CDC,
        b"<item name='FirstName'><text>Peter</item>",
        near=b"<text>Peter</item>",
        at=b"</item>",
        unread=True,
    ),
]


def _expected_line(damage: Damage) -> int:
    if damage.name == "a note's end tag missing":  # at the start tag of the note left open
        data = damage.data()
        start = data.rindex(b"<document", 0, data.index(damage.near))
        return data.count(b"\n", 0, start) + 1
    return damage.where()[0]


def _check_error_line(line: str, path: Path, damage: Damage) -> None:
    found = re.match(rf"dxltools: {re.escape(str(path))}:(\d+)(?::(\d+))?: ", line)
    assert found is not None, line
    assert int(found.group(1)) == _expected_line(damage), line
    if damage.column:
        assert found.group(2) is not None and int(found.group(2)) == damage.where()[1], line


def _write(damage: Damage, folder: Path) -> Path:
    path = folder / "names.dxl"
    path.write_bytes(damage.data())
    return path


# -- the command line ---------------------------------------------------------------------------


COMMANDS = {
    "run": ("run", AGENT, "-i"),
    "show": ("show", "--form", "Domain"),
    "audit": ("audit",),
}
OK_STATUS = {"run": 0, "show": 0, "audit": 1}  # audit finds problems in names.dxl


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.name)
def test_a_file_that_is_not_well_formed_is_refused(
    damage: Damage, command: str, strict: bool, tmp_path: Path
) -> None:
    path = _write(damage, tmp_path)
    before = path.read_bytes()
    result = invoke([*COMMANDS[command], str(path), *(["--strict"] if strict else [])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.dxl"]  # nothing else written
    if damage.unread and not strict:
        assert result.exit_code == OK_STATUS[command], result.stderr
        return
    assert path.read_bytes() == before
    assert result.exit_code == 2, result.stderr
    _check_error_line(error_line(result.stderr), path, damage)


def test_the_unread_damage_goes_through_by_default_and_the_note_is_copied(tmp_path: Path) -> None:
    damage = next(d for d in DAMAGES if d.unread)
    path = _write(damage, tmp_path)
    result = invoke(["run", AGENT, str(path)])
    assert result.exit_code == 0, result.stderr
    assert b"<item name='FirstName'><text>Peter</item>" in result.stdout_bytes


def test_the_library_passes_over_unread_damage_by_default_as_the_command_does(
    tmp_path: Path,
) -> None:
    path = _write(next(d for d in DAMAGES if d.unread), tmp_path)
    out = tmp_path / "out.dxl"
    run = load_agent(AGENT, {}).start()
    rewrite_file(path, run.edit, select=run.wants, output=out)
    assert b"<item name='FirstName'><text>Peter</item>" in out.read_bytes()
    out.unlink()
    with pytest.raises(DxlSyntaxError):
        rewrite_file(path, run.edit, select=run.wants, output=out, strict=True)
    assert not out.exists()


def test_show_without_a_form_reads_every_note_so_it_refuses_the_unread_damage(
    tmp_path: Path,
) -> None:
    path = _write(next(d for d in DAMAGES if d.unread), tmp_path)
    assert invoke(["show", str(path)]).exit_code == 2


def test_pipe_mode_writes_nothing_on_a_broken_databaseinfo() -> None:
    result = invoke(["run", AGENT], stdin=DAMAGES[0].data())
    assert result.exit_code == 2
    assert result.stdout_bytes == b""


# -- the library, at several read sizes ---------------------------------------------------------


def _run(data: bytes, read_size: int, strict: bool) -> bytes:
    run = load_agent(AGENT, {}).start()
    output = io.BytesIO()
    rewrite_stream(
        cast(IO[bytes], Trickle(data, read_size)),
        output,
        run.edit,
        select=run.wants,
        strict=strict,
    )
    return output.getvalue()


def _show(data: bytes, read_size: int, strict: bool) -> object:
    stream = cast(IO[bytes], Trickle(data, read_size))
    return list(show_stream(stream, "<t>", ("Domain",), strict=strict))


def _audit(data: bytes, read_size: int, strict: bool) -> object:
    Auditor().add_stream(cast(IO[bytes], Trickle(data, read_size)), "<t>", strict)
    return None


READERS = {"run": _run, "show": _show, "audit": _audit}


@pytest.mark.parametrize("read_size", READ_SIZES)
@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.name)
def test_every_read_size_gives_the_same_verdict(
    damage: Damage, reader: str, read_size: int
) -> None:
    data = damage.data()
    for strict in (False, True):
        refuses = strict or not damage.unread
        if refuses:
            with pytest.raises(DxlSyntaxError) as raised:
                READERS[reader](data, read_size, strict)
            assert raised.value.line == _expected_line(damage)
        else:
            READERS[reader](data, read_size, strict)


def _sources() -> Iterator[Path]:
    yield from fixture_files()
    yield from real_dxl_files()


@pytest.mark.parametrize("read_size", [1, 13, 1 << 20])
def test_well_formed_exports_pass_the_strict_check_at_any_read_size(read_size: int) -> None:
    for path in _sources():
        data = path.read_bytes()
        assert _run(data, read_size, strict=True) == _run(data, 1 << 20, strict=False), path
        _show(data, read_size, strict=True)
        _audit(data, read_size, strict=True)


# Well-formed: what may follow a note passed over, up to the end of the input.
LAST_NOTES = [
    b"<document form='Person'><item name='X'><text>y</text></item></document>\n<!---->\n",
    b"<document form='Person'><item name='X'><text>y</text></item></document>\n<?pi x?>",
    b"<document form='Person'/><document form='Person'></document >\n",
    b"<document form='Person'><item name='X'><text>y</text></item></document>",
]


@pytest.mark.parametrize("read_size", READ_SIZES)
@pytest.mark.parametrize("last", LAST_NOTES, ids=repr)
def test_what_follows_the_last_note_passed_over_is_read_at_any_read_size(
    last: bytes, read_size: int
) -> None:
    source = NAMES.read_bytes()
    data = source.replace(b"</database>", last + b"</database>")
    assert data != source
    expected = _run(source, 1 << 20, strict=False).replace(b"</database>", last + b"</database>")
    for strict in (False, True):
        assert _run(data, read_size, strict) == expected
        _show(data, read_size, strict)
        _audit(data, read_size, strict)


# -- -j 2: one file in parts --------------------------------------------------------------------


def _cuts_at_every_note(path: Path, size: int, parts: int, source: str) -> Any:
    """Parts 2, 3...: one before every note after the root's start tag."""
    with open(path, "rb") as stream:
        found = parts_module.read_prolog(stream, source)
    assert found is not None
    prolog, floor, head = found
    cuts = [m.start() for m in NOTE_START_RE.finditer(path.read_bytes()) if m.start() >= floor]
    return prolog, head, cuts


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Any file is cut before every note; tells for each rewrite whether the
    parts did it (True) or the one-pass rewrite (False)."""
    pytestmark_fork()
    monkeypatch.setattr(parts_module, "plan_cuts", _cuts_at_every_note)
    done: list[bool] = []
    real = parts_module.rewrite_in_parts

    def recorded(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        done.append(outcome is not None)
        return outcome

    monkeypatch.setattr(parts_module, "rewrite_in_parts", recorded)
    return done


def pytestmark_fork() -> None:
    if not parts_module.can_fork():
        pytest.skip("parts need fork()")


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.name)
def test_in_parts_the_verdict_is_that_of_one_pass(
    damage: Damage, strict: bool, in_parts: list[bool], tmp_path: Path
) -> None:
    path = _write(damage, tmp_path)
    out = tmp_path / "out.dxl"
    run = load_agent(AGENT, {}).start()
    if strict or not damage.unread:
        with pytest.raises(DxlError) as raised:
            rewrite_file(
                path,
                run.edit,
                select=run.wants,
                output=out,
                parts=2,
                observers=Observers(learners=(run,)),
                strict=strict,
            )
        assert raised.value.line == _expected_line(damage)
        assert not out.exists()
        assert in_parts == [False]  # a part failed: the one pass gave the true error
    else:
        rewrite_file(
            path,
            run.edit,
            select=run.wants,
            output=out,
            parts=2,
            observers=Observers(learners=(run,)),
        )
        assert in_parts == [True]
        assert out.read_bytes() == _run(path.read_bytes(), 1 << 20, strict=False)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_well_formed_files_are_rewritten_in_parts(
    strict: bool, in_parts: list[bool], tmp_path: Path
) -> None:
    """The parts after the first are checked from the file's DOCTYPE and root
    start tag (wellformed.PartHead): a well-formed file passes in parts."""
    for index, path in enumerate(p for p in _sources() if b"<database" in p.read_bytes()):
        out = tmp_path / f"{index}.dxl"
        run = load_agent(AGENT, {}).start()
        rewrite_file(
            path,
            run.edit,
            select=run.wants,
            output=out,
            parts=2,
            observers=Observers(learners=(run,)),
            strict=strict,
        )
        assert out.read_bytes() == _run(path.read_bytes(), 1 << 20, strict=False), path
    assert in_parts and all(in_parts)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_j2_on_the_command_line(strict: bool, in_parts: list[bool], tmp_path: Path) -> None:
    unread = next(d for d in DAMAGES if d.unread)
    for damage in (DAMAGES[0], unread):
        path = _write(damage, tmp_path)
        before = path.read_bytes()
        result = invoke(["run", AGENT, "-i", "-j", "2", str(path), *(["--strict"] * strict)])
        if damage is unread and not strict:
            assert result.exit_code == 0, result.stderr
            assert path.read_bytes() != before
        else:
            assert result.exit_code == 2
            _check_error_line(error_line(result.stderr), path, damage)
            assert path.read_bytes() == before


# -- entities in the parts checked by default: never expanded, never read ------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_entities_in_checked_parts_are_neither_expanded_nor_read(
    strict: bool, tmp_path: Path
) -> None:
    """The billion laughs and a local file, declared in the internal subset and
    referenced in <databaseinfo> (checked by default): the DOCTYPE is checked
    on its own and the main parser never sees the declarations, so the run
    ends at once with the bytes as they were and the secret nowhere."""
    secret, marker = secret_file(tmp_path)
    subset = billion_laughs() + b"<!ENTITY xxe SYSTEM '" + secret.as_uri().encode() + b"'>"
    doctype = b"<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd' [" + subset + b"]>"
    data = with_doctype(doctype).replace(b"</designmodified>", b"&lol9;&xxe;</designmodified>")
    path = tmp_path / "names.dxl"
    path.write_bytes(data)
    with watchdog(60):
        result = invoke(["run", AGENT, str(path), *(["--strict"] * strict)])
    assert result.exit_code == 0, result.stderr
    assert marker.encode() not in result.stdout_bytes and marker not in result.stderr
    expected = _run(NAMES.read_bytes(), 1 << 20, strict=False)
    assert result.stdout_bytes == with_doctype(doctype, expected).replace(
        b"</designmodified>", b"&lol9;&xxe;</designmodified>"
    )


def test_an_undeclared_entity_with_no_doctype_is_an_error(tmp_path: Path) -> None:
    source = NAMES.read_bytes()
    data = re.sub(rb"<!DOCTYPE[^>]*>\n", b"", source).replace(
        b"</designmodified>", b"&nowhere;</designmodified>"
    )
    path = tmp_path / "names.dxl"
    path.write_bytes(data)
    result = invoke(["run", AGENT, str(path)])
    assert result.exit_code == 2
    assert "undefined entity" in error_line(result.stderr)
