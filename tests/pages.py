"""Reading the audit's HTML page back, for the tests: lxml.html parses it and these
helpers find the matrix, the failover table and the problems by the page's visible
structure (header texts and positions), never by the ids the renderer computes, and
list everything that would make the page unsafe or not self-contained.

Import from a test module as ``from tests.pages import ...``.
"""

from __future__ import annotations

import re

import attrs
import lxml.html
from lxml.html import HtmlElement

# Everything the page may hold: a hostile string can only become text or an attribute
# value, so a tag or attribute outside these lists means markup was injected.
ALLOWED_TAGS = frozenset(
    (
        *("html", "head", "meta", "title", "style", "body", "header", "main", "footer"),
        *("section", "div", "h1", "h2", "h3", "p", "table", "caption", "thead", "tbody"),
        *("tr", "th", "td", "ul", "ol", "li", "dl", "dt", "dd", "code", "pre", "span"),
        *("strong", "a", "q", "time"),
    )
)
ALLOWED_ATTRIBUTES = frozenset(
    (
        *("class", "id", "href", "scope", "title", "aria-label", "aria-hidden"),
        *("data-state", "charset", "name", "content", "lang", "datetime"),
    )
)
URL_ATTRIBUTES = frozenset(
    (
        *("href", "src", "action", "formaction", "data", "poster", "background"),
        *("cite", "srcset", "xlink:href"),
    )
)
_URL_IN_CSS = re.compile(r"url\s*\(|@import|//", re.IGNORECASE)


def parse(page: bytes) -> HtmlElement:
    return lxml.html.document_fromstring(page)


def one(element: HtmlElement, path: str) -> HtmlElement:
    """The element at `path` under `element`, which must be there."""
    found = element.find(path)
    assert found is not None, path
    return found


def unsafe(root: HtmlElement) -> list[str]:
    """What makes the page unsafe or fetch anything: scripts, event handlers,
    ``javascript:`` or any other URL than a ``#`` fragment that names an id of the page,
    unexpected tags or attributes, CSS that could load something."""
    found = []
    ids = [element.get("id") for element in root.iter() if element.get("id") is not None]
    if len(ids) != len(set(ids)):
        found.append("duplicate ids")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        if element.tag == "script":
            found.append("a script element")
        if element.tag not in ALLOWED_TAGS:
            found.append(f"tag {element.tag}")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"event attribute {name}")
            if name not in ALLOWED_ATTRIBUTES:
                found.append(f"attribute {name} on {element.tag}")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                found.append(f"javascript: URL in {name}")
            if name == "href" and (not value.startswith("#") or value[1:] not in ids):
                found.append(f"href {value!r} is not a fragment of this page")
    styles = list(root.iter("style"))
    if len(styles) != 1 or _URL_IN_CSS.search(styles[0].text_content()):
        found.append("style sheets other than one that loads nothing")
    return found


# -- the matrix ---------------------------------------------------------------------------


def domain_section(root: HtmlElement, domain: str) -> HtmlElement:
    """The section of one foreign domain, found by its heading's quoted name."""
    found = [
        section
        for section in root.iter("section")
        if "domain" in (section.get("class") or "").split()
        and [q.text_content() for q in section.findall("h2/q")] == [domain]
    ]
    assert len(found) == 1, f"{len(found)} sections for {domain!r}"
    return found[0]


def own_text(element: HtmlElement) -> str:
    """The text an element holds before its first child: a name shown with badges."""
    return element.text or ""


@attrs.frozen
class Cell:
    state: str  # the visible text of the cell's state
    label: str  # its aria-label
    own: bool  # marked as the server's own document
    element: HtmlElement = attrs.field(eq=False, repr=False)


def matrix(section: HtmlElement) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """The documents across the top, the servers down the side, and each cell, by
    (server, document) as the headers name them."""
    (table,) = section.find_class("matrix")
    header = one(table, "thead/tr")
    unids = [one(th, ".//code").text_content() for th in header[1:]]
    servers, cells = [], {}
    for row in one(table, "tbody"):
        server = own_text(row[0])
        servers.append(server)
        assert len(row) == 1 + len(unids), "a row with the wrong number of cells"
        for unid, td in zip(unids, row[1:], strict=True):
            (state,) = td.find_class("state")
            own = bool(td.find_class("own-mark"))
            cells[(server, unid)] = Cell(state.text_content(), td.get("aria-label", ""), own, td)
    return unids, servers, cells


# -- the failover table -------------------------------------------------------------------


@attrs.frozen
class ScenarioRow:
    down: str
    mail: str
    free_busy: str
    routes: dict[str, str]  # server (column header) -> the cell's text, spaces collapsed
    element: HtmlElement = attrs.field(eq=False, repr=False)


def text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def failover(section: HtmlElement) -> list[ScenarioRow]:
    tables = section.find_class("failover")
    if not tables:
        return []
    (table,) = tables
    header = [text(th) for th in one(table, "thead/tr")]
    assert header[:3] == ["down", "mail", "free/busy"], header
    rows = []
    for row in one(table, "tbody"):
        # A route cell is two lines (mail, free/busy): joined with " / ".
        cells = [
            " / ".join(text(line) for line in cell.findall("div")) or text(cell) for cell in row
        ]
        routes = dict(zip(header[3:], cells[3:], strict=True))
        rows.append(ScenarioRow(cells[0], cells[1], cells[2], routes, row))
    return rows


# -- problems ----------------------------------------------------------------------------


@attrs.frozen
class ListedProblem:
    code: str
    message: str
    target: HtmlElement | None = attrs.field(eq=False, repr=False)


def target(problem: ListedProblem) -> HtmlElement:
    """The element a problem links to, which must be there."""
    assert problem.target is not None, f"{problem.code} links nowhere"
    return problem.target


def problems(root: HtmlElement) -> list[ListedProblem]:
    """Every problem the page lists, with the element its link points at."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    listed = []
    for item in root.find_class("problem"):
        (code,) = item.find_class("code")
        (message,) = item.find_class("message")
        links = item.find_class("goto")
        target = by_id.get(links[0].get("href", "")[1:]) if links else None
        listed.append(ListedProblem(code.text_content(), message.text_content(), target))
    return listed
