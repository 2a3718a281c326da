"""One foreign domain on the page: its documents, the visibility matrix, the failover table."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from dxltools.audit.page.blocks import (
    EVERYONE,
    FAILOVER_PREFIX,
    HIDDEN,
    PRIMARY,
    SEES,
    Element,
    Ids,
    Json,
    cell_state,
    domain_verdict,
    el,
    link,
    name_key_of,
    name_list,
    problem_list,
    stamped,
)
from dxltools.audit.page.model import DomainPart

# -- one domain --------------------------------------------------------------------------------


def domain_section(part: DomainPart, numbered: list[tuple[int, Json]], failover: bool) -> Element:
    """One domain's section; `numbered`: its problems with their numbers on the page;
    `failover`: whether the audit simulated failover."""
    domain, name = part.domain, part.name
    ids = Ids(name)
    mine = Numbered(numbered)
    scenarios = part.scenarios if failover else None
    parts: list[Element] = [
        el("h2", "Foreign domain ", el("q", name)),
        el("p", domain_verdict(domain, scenarios, len(numbered)), class_="verdict"),
        el("h3", "Documents, newest first"),
        _documents(domain, ids, mine),
        el("h3", "Visibility"),
        _legend(),
        el("div", _matrix(domain, ids, mine), class_="scroll"),
    ]
    if scenarios is not None:
        parts += [el("h3", "Failover", id=ids.failover()), _failover(domain, scenarios, ids)]
    parts += [el("h3", "Problems"), problem_list(numbered, part.scenarios)]
    return el("section", parts, id=ids.section(), class_="domain")


class Numbered:
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


def _problem_links(mine: Numbered, field: str, value: str) -> Element | None:
    found = mine.about(field, value)
    if not found:
        return None
    return el(
        "span",
        [el("a", f"⚠ {p.get('code')}", href=f"#problem-{n}", class_="flag") for n, p in found],
        class_="flags",
    )


def _access_items(items: Sequence[Json]) -> Element:
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


def _who(readable_by: Sequence[str]) -> Element:
    if list(readable_by) == [EVERYONE]:
        return el("span", "everyone (no readers item with a value)", class_="everyone")
    return name_list(readable_by, "nobody")


def _documents(domain: Json, ids: Ids, mine: Numbered) -> Element:
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


def _legend() -> Element:
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


def _state_mark(state: str) -> Element:
    return stamped(_state_mark_template(state))


@functools.cache
def _state_mark_template(state: str) -> Element:
    return el(
        "span",
        el("span", _GLYPH[state], aria_hidden="true"),
        " ",
        el("span", state, class_="state"),
        class_=f"mark {_CLASS[state]}",
    )


def _matrix(domain: Json, ids: Ids, mine: Numbered) -> Element:
    documents = domain.get("documents", [])
    name = domain.get("domain", "")
    header = el(
        "tr",
        el("th", "server \\ document", scope="col"),
        [
            el(
                "th",
                link(
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
    domain: str, server: Json, documents: Sequence[Json], ids: Ids, mine: Numbered
) -> Element:
    name = str(server.get("server", ""))
    coexistence = bool(server.get("coexistence"))
    cells = []
    for document in documents:
        unid = str(document.get("unid", ""))
        state = cell_state(server, unid)
        own = name_key_of(document.get("coexistence_server")) == name_key_of(name)
        label = f"{name}: {state} {domain} document {unid}" + (" (its own)" if own else "")
        cells.append(
            stamped(
                _matrix_cell_template(state, own),
                id=ids.cell(name, unid),
                title=label,
                aria_label=label,
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


@functools.cache
def _matrix_cell_template(state: str, own: bool) -> Element:
    """A cell of the matrix, its id and labels blank (:func:`stamped` fills them)."""
    return el(
        "td",
        _state_mark(state),  # a copy: an element put in another moves there
        el("span", "own", class_="own-mark") if own else None,
        class_=f"cell {_CLASS[state]}" + (" own" if own else ""),
        id="",
        title="",
        aria_label="",
        data_state=state,
    )


# -- failover --------------------------------------------------------------------------------


def _failover(domain: Json, scenarios: Sequence[Json], ids: Ids) -> Element:
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


def _ok(ok: bool, good: str, bad: str) -> Element:
    return el(
        "td",
        el("span", "✓" if ok else "✗", aria_hidden="true"),
        " ",
        good if ok else bad,
        class_="good" if ok else "bad",
    )


def _scenario_row(scenario: Json, servers: Sequence[str], ids: Ids) -> Element:
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


def _route_cell(route: Json, cell_id: str) -> Element:
    shape = _route_template(
        route.get("mail"),
        route.get("mail_held"),
        route.get("free_busy"),
        route.get("free_busy_failure"),
    )
    return stamped(shape, id=cell_id)


# A domain's routes go to its few coexistence servers: a table of thousands of cells
# holds a few dozen shapes.
@functools.lru_cache(maxsize=256)
def _route_template(
    mail: str | None, held: str | None, free_busy: str | None, failure: str | None
) -> Element:
    """A route cell, its id blank (:func:`stamped` fills it)."""
    return el(
        "td",
        el(
            "div",
            el("span", "mail: ", class_="what"),
            el("span", mail, class_="route-mail")
            if mail
            else el("strong", held or "held", class_="route-mail"),  # "held at X: why"
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
        id="",
        class_="route",
    )
