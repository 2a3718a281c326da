"""The page's safe building blocks (every element through lxml's factory), its model
(the audit's JSON) and the ids its links point at."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
from lxml import etree
from lxml.builder import E

from dxltools.records import Record

EVERYONE = "*"  # readable_by of an unrestricted document
PRIMARY, SEES, HIDDEN = "primary", "sees", "does not see"
FAILOVER_PREFIX = "failover-"
MAIL_HELD, FREE_BUSY_FAILS = "failover-mail-held", "failover-free-busy-fails"

# Elements of plain XML documents, serialised as HTML: libxml2 registers the `id` of an
# element of an HTML document in lxml's dictionary, shared by the whole thread and
# never emptied, so every id of a page written a section at a time would stay behind.
Element: TypeAlias = etree._Element
Child: TypeAlias = "str | Element | Iterable[Child] | None"
Json: TypeAlias = Mapping[str, Any]


@attrs.frozen(repr=False)
class PageInput(Record):
    """One input of the audit as the page names it: its name and size in bytes."""

    name: str
    size: int | None = None


@attrs.frozen(repr=False)
class PageContext(Record):
    """What the page says besides the JSON: the inputs, when, and the what-if agent."""

    inputs: tuple[PageInput, ...]
    audited_at: dt.datetime
    after: str | None = None  # --after AGENT: the page shows that agent's result
    generator: str = "dxltools"


# -- safe building blocks --------------------------------------------------------------------

# Characters XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/U+FFFF): lxml refuses
# them, and a page must show such a name rather than fail.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9]+")


def clean(text: str) -> str:
    if text.isprintable():  # no control, surrogate or non-character: nothing to replace
        return text
    return _NOT_XML.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def flat(children: Iterable[Child]) -> Iterator[str | Element]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            yield clean(child)
        elif isinstance(child, Element):
            yield child
        else:
            yield from flat(child)


def el(tag: str, *children: Child, **attributes: str | None) -> Element:
    """An element; `class_` is ``class``, other underscores are hyphens (``aria_label``).
    Attributes that are None are left out; every string is cleaned, and escaped later
    by the serialiser."""
    attrib = {
        _attribute_name(name): clean(value)
        for name, value in attributes.items()
        if value is not None
    }
    return E(tag, attrib, *flat(children))


@functools.cache
def _attribute_name(keyword: str) -> str:
    return keyword.rstrip("_").replace("_", "-")


def stamped(template: Element, **attributes: str) -> Element:
    """A copy of `template` with `attributes` set as :func:`el` sets them: the cells of a
    large page repeat a few shapes, and lxml copies a shape in C several times faster
    than :func:`el` builds it again. Each attribute must stand in the template already
    (with any value): setting it keeps its place, so the copy serialises as the element
    :func:`el` would build; the template itself is never put in a page."""
    stamp = copy.copy(template)  # lxml copies an element with everything inside it
    for name, value in attributes.items():
        attribute = _attribute_name(name)
        if stamp.get(attribute) is None:
            raise ValueError(f"the template has no {attribute} attribute to set")
        stamp.set(attribute, clean(value))
    return stamp


def anchor(kind: str, *parts: str) -> str:
    """A stable id for what `parts` name: a readable tail of letters and digits, and a
    hash of the exact parts, so two names that sanitise alike still differ."""
    joined = "\x1f".join(parts)
    digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    readable = _readable(parts[-1] if parts else "")
    return f"{kind}-{readable}-{digest}" if readable else f"{kind}-{digest}"


@functools.lru_cache(maxsize=4096)
def _readable(part: str) -> str:
    """An id's readable tail: the last part names a server or a UNID, each met in many
    ids (a server's every cell and route)."""
    return _UNSAFE_ID.sub("-", part).strip("-")[:32].strip("-")


def link(target: str | None, *children: Child) -> Element:
    if target is None:
        return el("span", *children)
    return el("a", *children, href=f"#{target}")


def name_list(names: Sequence[str], empty: str = "none") -> Element:
    if not names:
        return el("span", empty, class_="muted")
    return el("ul", [el("li", name) for name in names], class_="names")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- reading the model -------------------------------------------------------------------------


def cell_state(server: Json, unid: str) -> str:
    """What one matrix cell says: the server's primary, one it sees, or neither."""
    if server.get("primary") == unid:
        return PRIMARY
    return SEES if unid in server.get("visible", []) else HIDDEN


def name_key_of(name: str | None) -> str:
    return (name or "").casefold()


def coexistence_servers(domain: Json) -> list[str]:
    """The domain's coexistence servers: flagged in the JSON, else the documents' own."""
    flagged = [s["server"] for s in domain.get("servers", []) if s.get("coexistence")]
    if flagged:
        return flagged
    owners = {
        name_key_of(d.get("coexistence_server")): d.get("coexistence_server")
        for d in domain.get("documents", [])
    }
    return [name for key, name in owners.items() if key and name]


class Ids:
    """The ids of one domain's rows and cells, and which problem links where."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def section(self) -> str:
        return anchor("domain", self.domain)

    def document(self, unid: str) -> str:
        return anchor("doc", self.domain, unid)

    def column(self, unid: str) -> str:
        return anchor("col", self.domain, unid)

    def server(self, server: str) -> str:
        return anchor("srv", self.domain, server)

    def cell(self, server: str, unid: str) -> str:
        return anchor("cell", self.domain, server, unid)

    def failover(self) -> str:
        return anchor("failover", self.domain)

    def scenario(self, down: Sequence[str]) -> str:
        return anchor("scenario", self.domain, *down)

    def route(self, down: Sequence[str], server: str) -> str:
        return anchor("route", self.domain, *down, "\x1e", server)


def problem_target(problem: Json, scenarios: Sequence[Json]) -> str | None:
    """The id of the row or cell a problem of a domain on the page is about; `scenarios`
    are that domain's."""
    ids = Ids(problem["domain"])
    server, unid = problem.get("server"), problem.get("unid")
    code = str(problem.get("code", ""))
    if code.startswith(FAILOVER_PREFIX):
        return _failover_target(scenarios, ids, code, server)
    if server is not None and unid is not None:
        return ids.cell(server, unid)
    if server is not None:
        return ids.server(server)
    if unid is not None:
        return ids.document(unid)
    return ids.section()


def _failover_target(scenarios: Sequence[Json], ids: Ids, code: str, server: str | None) -> str:
    """The first cell of a scenario with a server down where a route stops at `server`
    as `code` says, having got through with nothing down; else the table. (The route
    may be another server's: free/busy from an application server can fail at a
    coexistence server whose own requests are answered.)"""
    kind = _STOPS.get(code)
    if kind is None or server is None:
        return ids.failover()
    field, why_field, verb = kind
    baseline = {
        route.get("server"): route.get(field)
        for scenario in scenarios
        if not scenario.get("down")
        for route in scenario.get("routes", [])
    }
    for scenario in scenarios:
        if not scenario.get("down"):
            continue  # what fails with nothing down is no failover problem
        for route in scenario.get("routes", []):
            origin = route.get("server")
            if route.get(field) is not None or (baseline and baseline.get(origin) is None):
                continue
            why = route.get(why_field)
            # Without a reason (a JSON of an older release), the server's own route.
            if why.startswith(f"{verb} at {server}: ") if why else origin == server:
                return ids.route(scenario.get("down", []), str(origin))
    return ids.failover()


# A failover problem's code: the route field that is null, the field that says why it
# stops (each reason starts "<verb> at <server>: ", see dxltools.audit.routing).
_STOPS = {
    MAIL_HELD: ("mail", "mail_held", "held"),
    FREE_BUSY_FAILS: ("free_busy", "free_busy_failure", "fails"),
}


# -- verdicts and problem lists, shared by the page and its domain sections ----------------


def domain_verdict(domain: Json, scenarios: Sequence[Json] | None, problems: int) -> str:
    """One line per domain: its problems and, when the audit simulated failover
    (`scenarios` is not None), whether mail and free/busy survive the loss of one
    coexistence server."""
    verdict = plural(problems, "problem") if problems else "no problem"
    if scenarios is None:
        return verdict
    return f"{verdict}; failover: {_failover_verdict(domain, scenarios)}"


def _failover_verdict(domain: Json, scenarios: Sequence[Json]) -> str:
    servers = len(coexistence_servers(domain))
    if servers < 2:
        return f"no failover: {'one' if servers else 'no'} coexistence server"
    broken = []
    for scenario in scenarios:
        lost = [
            what
            for what, ok in (("mail", "mail_ok"), ("free/busy", "free_busy_ok"))
            if not scenario.get(ok, True)
        ]
        if lost:
            down = ", ".join(scenario.get("down", [])) or "nothing"
            broken.append(
                f"{' and '.join(lost)} fail{'s' if len(lost) == 1 else ''} with {down} down"
            )
    if not broken:
        return "survives the loss of any one coexistence server (mail, free/busy)"
    return "; ".join(broken)


def problem_list(
    numbered: list[tuple[int, Json]], scenarios: Sequence[Json] | None = None
) -> Element:
    """The problems with their numbers: those of a domain on the page, with its
    `scenarios`, link to what they are about; None: problems of no domain on the page."""
    if not numbered:
        return el("p", "No problem.", class_="good")
    items = []
    for number, problem in numbered:
        target = problem_target(problem, scenarios) if scenarios is not None else None
        items.append(
            el(
                "li",
                el("code", str(problem.get("code", "")), class_="code"),
                " ",
                el("span", str(problem.get("message", "")), class_="message"),
                " ",
                el("a", "show", href=f"#{target}", class_="goto") if target else None,
                id=f"problem-{number}",
                class_="problem",
            )
        )
    return el("ol", items, class_="problems")
