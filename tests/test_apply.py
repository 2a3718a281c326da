"""The library's way to run an agent (dxltools.agents.apply), as the command runs it: its
own audit refuses a leaking result unless told not to, notes passed over are checked
only when strict, and a check writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dxltools import AuditRefusal, apply_agent_to_bytes, apply_agent_to_file, load_agent
from dxltools.agents.apply import own_audit
from dxltools.errors import DxlSyntaxError
from dxltools.rewrite.stream import RewriteReport
from tests.clitools import NAMES, copy

# LocalDomainServers holds every server: each coexistence server would read both
# BTEx documents.
LEAKY = {"servers_group": "LocalDomainServers"}
SAFE = {"servers_group": "AcmeMailServers"}
BROKEN_PERSON = b"<document form='Person'><item name='X'><text>a</item></document>\n"


def apply(
    way: str, data: bytes, path: Path, settings: dict[str, str], **options: Any
) -> RewriteReport:
    """The agent's report on `data`: in memory, or as a check of (or a rewrite of) the
    file at `path`, which holds `data`."""
    agent = load_agent("coexistence-readers", settings)
    path.write_bytes(data)
    if way == "bytes":
        return apply_agent_to_bytes(data, agent, **options).report
    return apply_agent_to_file(path, agent, check=way == "check", **options)


WAYS = ["bytes", "check", "file"]


@pytest.mark.parametrize("way", WAYS)
def test_a_leaking_result_is_refused_unless_the_audit_is_off(way: str, tmp_path: Path) -> None:
    path = tmp_path / "names.dxl"
    data = NAMES.read_bytes()
    with pytest.raises(AuditRefusal, match="multiple-visible"):
        apply(way, data, path, LEAKY)
    assert path.read_bytes() == data
    assert apply(way, data, path, LEAKY, audit=False).changed
    assert (path.read_bytes() == data) is (way != "file")


@pytest.mark.parametrize("way", WAYS)
def test_notes_passed_over_are_checked_only_when_strict(way: str, tmp_path: Path) -> None:
    data = NAMES.read_bytes()
    first = data.index(b"<document ")
    data = data[:first] + BROKEN_PERSON + data[first:]
    path = tmp_path / "names.dxl"
    assert apply(way, data, path, SAFE).changed
    with pytest.raises(DxlSyntaxError, match="not well-formed"):
        apply(way, data, path, SAFE, strict=True)


def test_a_check_counts_what_it_reads(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    read: list[int] = []
    agent = load_agent("coexistence-readers", SAFE)
    report = apply_agent_to_file(target, agent, check=True, on_read=read.append)
    assert report.changed and target.read_bytes() == NAMES.read_bytes()
    assert sum(read) == NAMES.stat().st_size


def test_an_agent_with_an_audit_is_audited_unless_told() -> None:
    agent = load_agent("coexistence-readers", SAFE)
    assert own_audit(agent, "names.dxl") is not None
    assert own_audit(agent, "names.dxl", enabled=False) is None
    assert own_audit(load_agent("remove-document-access"), "names.dxl") is None
