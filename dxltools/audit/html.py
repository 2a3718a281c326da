"""The audit as one self-contained HTML page: per foreign domain its documents, the
visibility matrix (servers down the side, documents across the top), the failover
table and the problems, each linked to the row or cell it is about.

The page is made from the audit's JSON model (:func:`~dxltools.audit.collect.audit_to_json`,
with the ``failover`` and ``fix`` keys when the audit has them), so every cell says
exactly what ``audit --json`` says; what the JSON cannot know (the inputs' sizes, the
time of the audit) comes in a :class:`PageContext`.

Every element is built with lxml's HTML element factory: text and attribute values
are escaped by the serialiser, never pasted into markup, and every string passes
:func:`_clean` (characters XML cannot hold become visible escapes). Links are only
``#`` fragments to ids made by :func:`anchor`. The style sheet is a constant; the page
holds no script and refers to nothing outside itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
import lxml.html
from lxml.html import HtmlElement
from lxml.html.builder import E

__all__ = [
    "EVERYONE",
    "PageContext",
    "PageInput",
    "anchor",
    "cell_state",
    "domain_verdict",
    "el",
    "problem_target",
    "render_html",
]

EVERYONE = "*"  # readable_by of an unrestricted document
PRIMARY, SEES, HIDDEN = "primary", "sees", "does not see"
FAILOVER_PREFIX = "failover-"
MAIL_HELD, FREE_BUSY_FAILS = "failover-mail-held", "failover-free-busy-fails"

Child: TypeAlias = "str | HtmlElement | Iterable[Child] | None"
Json: TypeAlias = Mapping[str, Any]


@attrs.frozen
class PageInput:
    """One input of the audit as the page names it: its name and size in bytes."""

    name: str
    size: int | None = None


@attrs.frozen
class PageContext:
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


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def _flat(children: Iterable[Child]) -> Iterator[str | HtmlElement]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            yield _clean(child)
        elif isinstance(child, HtmlElement):
            yield child
        else:
            yield from _flat(child)


def el(tag: str, *children: Child, **attributes: str | None) -> HtmlElement:
    """An element; `class_` is ``class``, other underscores are hyphens (``aria_label``).
    Attributes that are None are left out; every string is cleaned, and escaped later
    by the serialiser."""
    attrib = {
        name.rstrip("_").replace("_", "-"): _clean(value)
        for name, value in attributes.items()
        if value is not None
    }
    return E(tag, attrib, *_flat(children))


def anchor(kind: str, *parts: str) -> str:
    """A stable id for what `parts` name: a readable tail of letters and digits, and a
    hash of the exact parts, so two names that sanitise alike still differ."""
    joined = "\x1f".join(parts)
    digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    readable = _UNSAFE_ID.sub("-", parts[-1] if parts else "").strip("-")[:32].strip("-")
    return f"{kind}-{readable}-{digest}" if readable else f"{kind}-{digest}"


def _link(target: str | None, *children: Child) -> HtmlElement:
    if target is None:
        return el("span", *children)
    return el("a", *children, href=f"#{target}")


def _names(names: Sequence[str], empty: str = "none") -> HtmlElement:
    if not names:
        return el("span", empty, class_="muted")
    return el("ul", [el("li", name) for name in names], class_="names")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- reading the model -------------------------------------------------------------------------


def _domains(model: Json) -> list[Json]:
    return list(model.get("domains") or [])


def _problems(model: Json) -> list[Json]:
    return list(model.get("problems") or [])


def _scenarios(model: Json, domain: str) -> list[Json]:
    return [s for s in model.get("failover") or [] if s.get("domain") == domain]


def cell_state(server: Json, unid: str) -> str:
    """What one matrix cell says: the server's primary, one it sees, or neither."""
    if server.get("primary") == unid:
        return PRIMARY
    return SEES if unid in server.get("visible", []) else HIDDEN


def _key(name: str | None) -> str:
    return (name or "").casefold()


def _coexistence_servers(domain: Json) -> list[str]:
    """The domain's coexistence servers: flagged in the JSON, else the documents' own."""
    flagged = [s["server"] for s in domain.get("servers", []) if s.get("coexistence")]
    if flagged:
        return flagged
    owners = {
        _key(d.get("coexistence_server")): d.get("coexistence_server")
        for d in domain.get("documents", [])
    }
    return [name for key, name in owners.items() if key and name]


class _Ids:
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


def problem_target(model: Json, problem: Json) -> str | None:
    """The id of the row or cell a problem is about, or None when it is about no row."""
    domain = problem.get("domain")
    known = {d.get("domain") for d in _domains(model)}
    if domain is None or domain not in known:
        return None
    ids = _Ids(domain)
    server, unid = problem.get("server"), problem.get("unid")
    code = str(problem.get("code", ""))
    if code.startswith(FAILOVER_PREFIX):
        return _failover_target(model, ids, code, server)
    if server is not None and unid is not None:
        return ids.cell(server, unid)
    if server is not None:
        return ids.server(server)
    if unid is not None:
        return ids.document(unid)
    return ids.section()


def _failover_target(model: Json, ids: _Ids, code: str, server: str | None) -> str:
    """The first scenario cell where `server` fails as `code` says; else the table."""
    field = {MAIL_HELD: "mail", FREE_BUSY_FAILS: "free_busy"}.get(code)
    for scenario in _scenarios(model, ids.domain):
        for route in scenario.get("routes", []):
            if route.get("server") == server and field and route.get(field) is None:
                return ids.route(scenario.get("down", []), route["server"])
    return ids.failover()


# -- the page ----------------------------------------------------------------------------------


def render_html(model: Json, context: PageContext) -> bytes:
    """The page, as UTF-8 bytes of an HTML5 document."""
    problems = _problems(model)
    numbered = [(number, problem) for number, problem in enumerate(problems, 1)]
    title = "dxltools audit: " + (
        _plural(len(problems), "problem") if problems else "no problem found"
    )
    body = el(
        "body",
        el("header", el("h1", title), _summary(model, context)),
        el(
            "main",
            [_domain_section(model, domain, numbered) for domain in _domains(model)],
            _other_problems(model, numbered),
            _fix(model),
        ),
        el("footer", el("p", f"Made by {context.generator} from the audit's JSON model.")),
    )
    page = el(
        "html",
        el(
            "head",
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("title", title),
            el("style", STYLE),
        ),
        body,
        lang="en",
    )
    return lxml.html.tostring(page, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")


def _summary(model: Json, context: PageContext) -> HtmlElement:
    return el(
        "div",
        el("section", el("h2", "Inputs"), _inputs(context), id="inputs"),
        el("section", el("h2", "Totals"), _totals(model), id="totals"),
        el("section", el("h2", "Verdict"), _verdicts(model), id="verdicts"),
        class_="summary",
    )


def _size(size: int | None) -> str:
    if size is None:
        return "unknown"
    if size < 1024:
        return _plural(size, "byte")
    units, scaled, index = ("KB", "MB", "GB", "TB"), size / 1024, 0
    while scaled >= 1024 and index < len(units) - 1:
        scaled, index = scaled / 1024, index + 1
    return f"{scaled:.1f} {units[index]} ({size:,} bytes)"


def _inputs(context: PageContext) -> list[HtmlElement]:
    when = context.audited_at.isoformat(timespec="seconds")
    rows = [el("tr", el("td", el("code", i.name)), el("td", _size(i.size))) for i in context.inputs]
    parts = [
        el(
            "table",
            el("thead", el("tr", el("th", "file", scope="col"), el("th", "size", scope="col"))),
            el("tbody", rows),
            class_="inputs",
        ),
        el("p", "Audited at ", el("time", when, datetime=when), "."),
    ]
    if context.after:
        parts.append(
            el(
                "p",
                "What-if: the audit of what ",
                el("code", context.after),
                " would make of these inputs (nothing written).",
                class_="after",
            )
        )
    return parts


def _totals(model: Json) -> HtmlElement:
    domains = _domains(model)
    documents = sum(len(d.get("documents", [])) for d in domains)
    servers = {_key(s.get("server")) for d in domains for s in d.get("servers", [])}
    problems = _problems(model)
    by_code: dict[str, int] = {}
    for problem in problems:
        by_code[str(problem.get("code"))] = by_code.get(str(problem.get("code")), 0) + 1
    items = [
        ("foreign domains", str(len(domains))),
        ("documents", str(documents)),
        ("servers", str(len(servers))),
        ("problems", str(len(problems))),
    ]
    items += [(code, str(count)) for code, count in sorted(by_code.items())]
    return el(
        "dl",
        [(el("dt", name), el("dd", value)) for name, value in items],
        class_="totals",
    )


def domain_verdict(model: Json, domain: Json) -> str:
    """One line per domain: its problems and, when the audit simulated failover, whether
    mail and free/busy survive the loss of one coexistence server."""
    name = domain.get("domain")
    count = sum(1 for p in _problems(model) if p.get("domain") == name)
    verdict = _plural(count, "problem") if count else "no problem"
    if "failover" not in model:
        return verdict
    return f"{verdict}; failover: {_failover_verdict(model, domain)}"


def _failover_verdict(model: Json, domain: Json) -> str:
    servers = len(_coexistence_servers(domain))
    if servers < 2:
        return f"no failover: {'one' if servers else 'no'} coexistence server"
    broken = []
    for scenario in _scenarios(model, domain.get("domain", "")):
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


def _verdicts(model: Json) -> HtmlElement:
    domains = _domains(model)
    if not domains:
        return el("p", "No Foreign Domain document found.")
    rows = []
    for domain in domains:
        name = domain.get("domain", "")
        problems = sum(1 for p in _problems(model) if p.get("domain") == name)
        rows.append(
            el(
                "tr",
                el("th", _link(_Ids(name).section(), name), scope="row"),
                el("td", domain_verdict(model, domain), class_="bad" if problems else "good"),
            )
        )
    return el(
        "table",
        el("thead", el("tr", el("th", "domain", scope="col"), el("th", "verdict", scope="col"))),
        el("tbody", rows),
        class_="verdicts",
    )


# -- one domain --------------------------------------------------------------------------------


def _domain_section(model: Json, domain: Json, numbered: list[tuple[int, Json]]) -> HtmlElement:
    name = domain.get("domain", "")
    ids = _Ids(name)
    mine = _Numbered([(number, p) for number, p in numbered if p.get("domain") == name])
    parts: list[HtmlElement] = [
        el("h2", "Foreign domain ", el("q", name)),
        el("p", domain_verdict(model, domain), class_="verdict"),
        el("h3", "Documents, newest first"),
        _documents(domain, ids, mine),
        el("h3", "Visibility"),
        _legend(),
        el("div", _matrix(domain, ids, mine), class_="scroll"),
    ]
    if "failover" in model:
        parts += [el("h3", "Failover", id=ids.failover()), _failover(model, domain, ids)]
    parts += [el("h3", "Problems"), _problem_list(model, mine.all)]
    return el("section", parts, id=ids.section(), class_="domain")


class _Numbered:
    """One domain's problems with their numbers on the page, indexed by the server or
    document they are about (a directory may have thousands of each)."""

    def __init__(self, numbered: list[tuple[int, Json]]) -> None:
        self.all = numbered
        self._index: dict[str, dict[str, list[tuple[int, Json]]]] = {}

    def about(self, field: str, value: str) -> list[tuple[int, Json]]:
        if field not in self._index:
            index: dict[str, list[tuple[int, Json]]] = {}
            for number, problem in self.all:
                code = str(problem.get("code", ""))
                if problem.get(field) is not None and not code.startswith(FAILOVER_PREFIX):
                    index.setdefault(problem[field], []).append((number, problem))
            self._index[field] = index
        return self._index[field].get(value, [])


def _problem_links(mine: _Numbered, field: str, value: str) -> HtmlElement | None:
    found = mine.about(field, value)
    if not found:
        return None
    return el(
        "span",
        [el("a", f"⚠ {p.get('code')}", href=f"#problem-{n}", class_="flag") for n, p in found],
        class_="flags",
    )


def _access_items(items: Sequence[Json]) -> HtmlElement:
    if not items:
        return el("span", "none", class_="muted")
    return el(
        "ul",
        [
            el(
                "li",
                el("code", str(item.get("item", ""))),
                ": ",
                ", ".join(item.get("entries", [])) or el("span", "no value", class_="muted"),
            )
            for item in items
        ],
        class_="items",
    )


def _who(readable_by: Sequence[str]) -> HtmlElement:
    if list(readable_by) == [EVERYONE]:
        return el("span", "everyone (no readers item with a value)", class_="everyone")
    return _names(readable_by, "nobody")


def _documents(domain: Json, ids: _Ids, mine: _Numbered) -> HtmlElement:
    head = [
        "UNID",
        "coexistence server",
        "modified",
        "readers items",
        "authors items",
        "who can read it",
        "where",
    ]
    rows = []
    for document in domain.get("documents", []):
        unid = str(document.get("unid", ""))
        where = f"{document['source']}:{document['line']}" if "source" in document else None
        rows.append(
            el(
                "tr",
                el(
                    "th",
                    el("code", unid, class_="unid"),
                    _problem_links(mine, "unid", unid),
                    scope="row",
                ),
                el("td", document.get("coexistence_server") or el("span", "none", class_="muted")),
                el("td", document.get("modified") or "unknown"),
                el("td", _access_items(document.get("readers", []))),
                el("td", _access_items(document.get("authors", []))),
                el("td", _who(document.get("readable_by", []))),
                el("td", el("code", where) if where else "unknown"),
                id=ids.document(unid),
            )
        )
    return el(
        "div",
        el(
            "table",
            el("thead", el("tr", [el("th", h, scope="col") for h in head])),
            el("tbody", rows),
            class_="documents",
        ),
        class_="scroll",
    )


def _legend() -> HtmlElement:
    return el(
        "p",
        "Each cell: ",
        _state_mark(PRIMARY),
        " the document the server uses first; ",
        _state_mark(SEES),
        " it can read it too; ",
        _state_mark(HIDDEN),
        " it cannot read it. ",
        el("span", "own", class_="own-mark"),
        ": the document names that server as its coexistence server.",
        class_="legend",
    )


_GLYPH = {PRIMARY: "★", SEES: "✓", HIDDEN: "✗"}
_CLASS = {PRIMARY: "cell-primary", SEES: "cell-sees", HIDDEN: "cell-hidden"}


def _state_mark(state: str) -> HtmlElement:
    return el(
        "span",
        el("span", _GLYPH[state], aria_hidden="true"),
        " ",
        el("span", state, class_="state"),
        class_=f"mark {_CLASS[state]}",
    )


def _matrix(domain: Json, ids: _Ids, mine: _Numbered) -> HtmlElement:
    documents = domain.get("documents", [])
    name = domain.get("domain", "")
    header = el(
        "tr",
        el("th", "server \\ document", scope="col"),
        [
            el(
                "th",
                _link(
                    ids.document(str(d.get("unid"))), el("code", str(d.get("unid")), class_="unid")
                ),
                el("div", d.get("coexistence_server") or "no server", class_="owner"),
                scope="col",
                id=ids.column(str(d.get("unid"))),
            )
            for d in documents
        ],
    )
    rows = [_matrix_row(name, server, documents, ids, mine) for server in domain.get("servers", [])]
    return el(
        "table",
        el("caption", f"Which {name} documents each server can read"),
        el("thead", header),
        el("tbody", rows),
        class_="matrix",
    )


def _matrix_row(
    domain: str, server: Json, documents: Sequence[Json], ids: _Ids, mine: _Numbered
) -> HtmlElement:
    name = str(server.get("server", ""))
    coexistence = bool(server.get("coexistence"))
    cells = []
    for document in documents:
        unid = str(document.get("unid", ""))
        state = cell_state(server, unid)
        own = _key(document.get("coexistence_server")) == _key(name)
        label = f"{name}: {state} {domain} document {unid}" + (" (its own)" if own else "")
        cells.append(
            el(
                "td",
                _state_mark(state),
                el("span", "own", class_="own-mark") if own else None,
                class_=f"cell {_CLASS[state]}" + (" own" if own else ""),
                id=ids.cell(name, unid),
                title=label,
                aria_label=label,
                data_state=state,
            )
        )
    return el(
        "tr",
        el(
            "th",
            name,
            el("span", "coexistence server", class_="badge") if coexistence else None,
            _problem_links(mine, "server", name),
            scope="row",
        ),
        cells,
        id=ids.server(name),
        class_="coexistence" if coexistence else None,
    )


# -- failover --------------------------------------------------------------------------------


def _failover(model: Json, domain: Json, ids: _Ids) -> HtmlElement:
    scenarios = _scenarios(model, domain.get("domain", ""))
    if not scenarios:
        return el("p", "No failover scenario for this domain.", class_="muted")
    servers = [str(s.get("server")) for s in domain.get("servers", [])]
    for scenario in scenarios:  # a route may name a server the views do not
        for route in scenario.get("routes", []):
            if route.get("server") not in servers:
                servers.append(str(route.get("server")))
    header = el(
        "tr",
        el("th", "down", scope="col"),
        el("th", "mail", scope="col"),
        el("th", "free/busy", scope="col"),
        [el("th", server, scope="col") for server in servers],
    )
    rows = [_scenario_row(scenario, servers, ids) for scenario in scenarios]
    return el(
        "div",
        el(
            "table",
            el("caption", "Where each server's mail goes and who answers its free/busy requests"),
            el("thead", header),
            el("tbody", rows),
            class_="failover",
        ),
        class_="scroll",
    )


def _ok(ok: bool, good: str, bad: str) -> HtmlElement:
    return el(
        "td",
        el("span", "✓" if ok else "✗", aria_hidden="true"),
        " ",
        good if ok else bad,
        class_="good" if ok else "bad",
    )


def _scenario_row(scenario: Json, servers: Sequence[str], ids: _Ids) -> HtmlElement:
    down = [str(name) for name in scenario.get("down", [])]
    routes = {route.get("server"): route for route in scenario.get("routes", [])}
    cells = []
    for server in servers:
        route = routes.get(server)
        if route is None:
            is_down = server in down
            cells.append(
                el(
                    "td",
                    "down" if is_down else "not simulated",
                    class_="down" if is_down else "muted",
                )
            )
            continue
        cells.append(_route_cell(route, ids.route(down, server)))
    return el(
        "tr",
        el("th", ", ".join(down) if down else "nothing down", scope="row"),
        _ok(bool(scenario.get("mail_ok")), "gets through", "held"),
        _ok(bool(scenario.get("free_busy_ok")), "answered", "fails"),
        cells,
        id=ids.scenario(down),
    )


def _not_answered(failure: str | None) -> str:
    return f"not answered — {failure}" if failure else "not answered"


def _route_cell(route: Json, cell_id: str) -> HtmlElement:
    mail, free_busy = route.get("mail"), route.get("free_busy")
    failure = route.get("free_busy_failure")
    return el(
        "td",
        el(
            "div",
            el("span", "mail: ", class_="what"),
            el("span", mail, class_="route-mail")
            if mail
            else el("strong", "held", class_="route-mail"),
            class_="good" if mail else "bad",
        ),
        el(
            "div",
            el("span", "free/busy: ", class_="what"),
            el("span", free_busy, class_="route-free-busy")
            if free_busy
            else el("strong", _not_answered(failure), class_="route-free-busy"),
            class_="good" if free_busy else "bad",
        ),
        id=cell_id,
        class_="route",
    )


# -- problems and the fix ----------------------------------------------------------------------


def _problem_list(model: Json, numbered: list[tuple[int, Json]]) -> HtmlElement:
    if not numbered:
        return el("p", "No problem.", class_="good")
    items = []
    for number, problem in numbered:
        target = problem_target(model, problem)
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


def _other_problems(model: Json, numbered: list[tuple[int, Json]]) -> HtmlElement | None:
    known = {d.get("domain") for d in _domains(model)}
    other = [(n, p) for n, p in numbered if p.get("domain") not in known]
    if not other:
        return None
    return el(
        "section",
        el("h2", "Problems of the directory"),
        _problem_list(model, other),
        id="other-problems",
    )


def _fix(model: Json) -> HtmlElement | None:
    if "fix" not in model:
        return None
    fix = model["fix"]
    if not fix:
        return el("section", el("h2", "Fix"), el("p", "Nothing to fix."), id="fix")
    candidates = fix.get("candidates", [])
    rows = [
        el(
            "tr",
            el("td", el("code", str(c.get("group", "")))),
            el("td", "exact" if c.get("exact") else "not exact"),
            el("td", ", ".join(c.get("extra_members", [])) or "none"),
            el("td", "yes (may not be honoured)" if c.get("servers_only") else "no"),
        )
        for c in candidates
    ]
    return el(
        "section",
        el("h2", "Fix"),
        el("p", "The agent ", el("code", str(fix.get("agent", ""))), " fixes these problems:"),
        el("pre", el("code", str(fix.get("command", "")))),
        el(
            "table",
            el(
                "thead",
                el(
                    "tr",
                    [
                        el("th", h, scope="col")
                        for h in ("servers group", "match", "extra members", "servers only")
                    ],
                ),
            ),
            el("tbody", rows),
            class_="candidates",
        )
        if candidates
        else el("p", "No group qualifies as the servers group.", class_="bad"),
        id="fix",
    )


# -- style ---------------------------------------------------------------------------------------

# Colours are backed by text, glyphs and patterns, so the page reads in greyscale and
# on paper; system fonts only, nothing is fetched.
STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 1.5rem; color: #111; background: #fff; max-width: 100%; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.3rem; margin: 1.5rem 0 0.5rem; border-bottom: 2px solid #333; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
code, .unid { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.9em; overflow-wrap: anywhere; }
code.unid { overflow-wrap: normal; white-space: nowrap; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; }
caption { text-align: left; font-style: italic; padding: 0.2rem 0; }
th, td { border: 1px solid #888; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
thead th { background: #e8e8e8; }
.scroll { overflow-x: auto; }
.summary { display: flex; flex-wrap: wrap; gap: 0 2.5rem; }
.summary h2 { font-size: 1.1rem; }
dl.totals { display: grid; grid-template-columns: auto auto; gap: 0.1rem 1rem; margin: 0; }
dl.totals dt { font-weight: 600; } dl.totals dd { margin: 0; }
ul.names, ul.items { margin: 0; padding-left: 1.1rem; }
.muted { color: #555; font-style: italic; }
.good { color: #0b5d1e; } .bad { color: #8a1010; font-weight: 600; }
.verdict { font-weight: 600; }
.everyone { color: #8a1010; font-weight: 600; }
.badge { display: inline-block; margin-left: 0.4rem; padding: 0 0.3rem; border: 1px solid #333;
  border-radius: 3px; font-size: 0.8em; font-weight: 600; background: #fff; color: #111; }
.flags { display: block; font-size: 0.85em; font-weight: normal; }
a.flag { color: #8a1010; margin-right: 0.4rem; }
.mark { white-space: nowrap; padding: 0 0.25rem; }
td.cell { text-align: center; min-width: 7rem; }
.cell-primary { background: #1d5c2c; color: #fff; font-weight: 700; }
.cell-sees { background: #bfe0c6; color: #111; }
.cell-hidden { color: #444; font-style: italic;
  background: repeating-linear-gradient(135deg, #fff 0 6px, #e2e2e2 6px 8px); }
td.own { outline: 3px double #111; outline-offset: -4px; }
.own-mark { display: inline-block; margin-left: 0.3rem; padding: 0 0.25rem; font-size: 0.8em;
  border: 1px solid currentColor; border-radius: 3px; font-style: normal; font-weight: 600; }
tr.coexistence > th { background: #f1f1f1; }
td.down { background: repeating-linear-gradient(45deg, #fff 0 5px, #d0d0d0 5px 7px);
  font-weight: 700; text-align: center; }
td.route { min-width: 16rem; }
.what { color: #444; }
ol.problems li { margin: 0.25rem 0; }
.problem .code { font-weight: 700; }
pre { background: #f4f4f4; border: 1px solid #bbb; padding: 0.5rem; overflow-x: auto; }
:target { outline: 3px solid #d08b00; outline-offset: 1px; }
footer { margin-top: 2rem; color: #555; font-size: 0.85em; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { margin: 0; font-size: 9pt; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } tr, li { break-inside: avoid; }
  section.domain { break-before: page; }
  :target { outline: none; }
}
"""
