"""The page as `audit --html` writes it: read off the report a domain at a time and
written a section at a time. It is, byte for byte, the page of the audit's JSON (whose
content tests/test_audit_html.py checks against the JSON), on the fixtures, the real
exports and generated directories; and it holds one domain at a time."""

from __future__ import annotations

import copy
import gc
import io
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from benchmarks.generate import generate
from dxltools.audit.collect import audit_bytes
from dxltools.audit.failover import coexistence_servers
from dxltools.audit.page import (
    DomainPart,
    PageContext,
    PageInput,
    PageModel,
    model_of_json,
    model_of_report,
    render_html,
    write_html,
)
from dxltools.audit.page.blocks import Ids
from dxltools.audit.render import audit_to_json
from dxltools.audit.report import AuditReport
from tests.clitools import FOREIGN, NAMES
from tests.directory_strategies import GenDirectory, directories, down_servers
from tests.shared import FIXTURES, real_dxl_files, requires_shared
from tests.test_audit_html import WHEN, hostile_model

CONTEXT = PageContext((PageInput("names.dxl", 100),), WHEN, after="coexistence-readers")
FIX = {
    "agent": "coexistence-readers",
    "problems": 2,
    "parameters": {"servers_group": "AcmeMailServers"},
    "candidates": [
        {"group": "AcmeMailServers", "exact": True, "extra_members": [], "servers_only": True}
    ],
    "must_hold": ["CN=DominoHub1/O=Acme"],
    "must_not_hold": [],
    "command": "dxltools run coexistence-readers --set servers_group=AcmeMailServers names.dxl",
}
EXTRAS: list[dict[str, Any]] = [{}, {"fix": None, "skipped": []}, {"fix": FIX}]


def streamed(report: AuditReport, extra: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    write_html(model_of_report(report, extra), CONTEXT, out)
    return out.getvalue()


def assert_streamed_is_the_page_of_the_json(report: AuditReport) -> None:
    for extra in EXTRAS:
        assert streamed(report, extra) == render_html(audit_to_json(report, extra), CONTEXT)


def exports(*paths: Path) -> list[tuple[str, bytes]]:
    return [(str(path), path.read_bytes()) for path in paths]


@pytest.mark.parametrize(
    "paths", [(path,) for path in sorted(FIXTURES.glob("*.dxl"))] + [(NAMES, FOREIGN)], ids=str
)
def test_the_fixtures(paths: tuple[Path, ...]) -> None:
    report = audit_bytes(exports(*paths))
    assert report.domains and report.problems
    assert_streamed_is_the_page_of_the_json(report)
    # --down: the last coexistence server of the first domain alone
    down = coexistence_servers(report.domains[0])[-1:]
    assert_streamed_is_the_page_of_the_json(audit_bytes(exports(*paths), down=down))


def test_two_foreign_domains_with_other_routes() -> None:
    # The fixture's first BTEx document made the only one of BTEy: each domain has
    # another coexistence server, so their scenarios route mail elsewhere.
    data = NAMES.read_bytes().replace(b"<text>BTEx</text>", b"<text>BTEy</text>", 1)
    report = audit_bytes([("names.dxl", data)])
    first, second = (list(report.failover(audit).scenarios) for audit in report.domains)
    assert [s.shapes for s in first] != [s.shapes for s in second]
    assert_streamed_is_the_page_of_the_json(report)


def test_an_export_of_several_foreign_domains() -> None:
    export = io.BytesIO()
    generate(export, 600_000, seed=1)  # the benchmarks' directory, small
    report = audit_bytes([("generated.dxl", export.getvalue())])
    assert len(report.domains) >= 3
    assert_streamed_is_the_page_of_the_json(report)


@requires_shared
@pytest.mark.parametrize("path", real_dxl_files(), ids=lambda path: path.name)
def test_the_real_exports(path: Path) -> None:
    assert_streamed_is_the_page_of_the_json(audit_bytes(exports(path)))


@given(directories())
def test_generated_directories(directory: GenDirectory) -> None:
    assert_streamed_is_the_page_of_the_json(audit_bytes(directory.exports()))


@given(down_servers())
def test_generated_directories_with_servers_down(
    case: tuple[GenDirectory, tuple[str, ...]],
) -> None:
    directory, down = case
    assert_streamed_is_the_page_of_the_json(audit_bytes(directory.exports(), down=down))


def test_a_directory_without_a_foreign_domain() -> None:
    report = audit_bytes([("empty.dxl", b"<database xmlns='http://www.lotus.com/dxl'/>")])
    assert not report.domains
    assert_streamed_is_the_page_of_the_json(report)


# -- one domain at a time ------------------------------------------------------------------


class Watched:
    """A page model whose domains are fresh copies at each reading, watched: when the
    page asks for a domain, every domain of that reading but the one just before (its
    loop variable may still name it) must be gone, and in the reading for the sections
    the one just before must already be written out."""

    def __init__(self, model: dict[str, Any], out: io.BytesIO) -> None:
        self.json = model_of_json(model)
        self.out = out
        self.readings = 0

    def domains(self) -> Iterator[DomainPart]:
        self.readings += 1
        alive: list[weakref.ref[DomainPart]] = []
        for number, part in enumerate(self.json.domains()):
            gc.collect()
            held = [ref() for ref in alive[:-1] if ref() is not None]
            assert held == [], (
                f"reading {self.readings}: domain {number} asked for while earlier ones are held"
            )
            if self.readings == 2 and number > 0:
                written = self.out.getvalue()
                start = written.find(self.section_id(number - 1))
                assert start >= 0 and written.find(b"</section>", start) >= 0
            fresh = DomainPart(copy.deepcopy(part.domain), copy.deepcopy(part.scenarios))
            alive.append(weakref.ref(fresh))
            yield fresh
            del fresh

    def section_id(self, number: int) -> bytes:
        part = list(self.json.domains())[number]
        return f'id="{Ids(part.name).section()}"'.encode()

    def model(self) -> PageModel:
        json = self.json
        return PageModel(json.problems, self.domains, json.failover, json.has_fix, json.fix)


def many_domains() -> dict[str, Any]:
    """The fixture's audit with its domain repeated under other names."""
    model = audit_to_json(audit_bytes(exports(NAMES)))
    (domain,) = model["domains"]
    domains, scenarios = [], []
    for number in range(5):
        name = f"{domain['domain']}{number}"
        domains.append({**copy.deepcopy(domain), "domain": name})
        for scenario in model["failover"]:
            scenarios.append({**copy.deepcopy(scenario), "domain": name})
    problems = [{**p, "domain": f"{p['domain']}3"} for p in model["problems"]]
    return {**model, "domains": domains, "problems": problems, "failover": scenarios}


def test_the_page_holds_one_domain_at_a_time() -> None:
    model = many_domains()
    out = io.BytesIO()
    watched = Watched(model, out)
    write_html(watched.model(), CONTEXT, out)
    assert watched.readings == 2  # the summary, then the sections
    assert out.getvalue() == render_html(model, CONTEXT)


def test_the_hostile_model_streams_as_it_renders() -> None:
    model = hostile_model()
    out = io.BytesIO()
    write_html(Watched(model, out).model(), CONTEXT, out)
    assert out.getvalue() == render_html(model, CONTEXT)
