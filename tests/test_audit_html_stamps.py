"""The page's repeated cells are copies of a few templates (`blocks.stamped`, issue 15):
each copy serialises exactly as the cell built element by element (with lxml's own
builder here, so the expectation does not go through the templates), whatever the
names, cache hits or misses alike; a template is never changed by its use; the ids
keep their readable tail and hash."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml.builder import E

from dxltools.audit.page.blocks import HIDDEN, PRIMARY, SEES, Ids, anchor, clean, el, stamped
from dxltools.audit.page.tables import Numbered, _matrix_row, _route_cell

# Names with what clean() must replace, markup characters and other scripts.
_NAMES = st.text(st.characters(exclude_categories=()), max_size=12)
_MAYBE = st.none() | _NAMES


def html(element: etree._Element) -> bytes:
    return etree.tostring(element, method="html", encoding="utf-8")


def _route_cell_built(
    mail: str | None, held: str | None, free_busy: str | None, failure: str | None, cell_id: str
) -> etree._Element:
    """The route cell as the page described it before templates, built by lxml's builder."""
    mail_part = (
        E.span(clean(mail), {"class": "route-mail"})
        if mail
        else E.strong(clean(held) if held else "held", {"class": "route-mail"})
    )
    if free_busy:
        free_busy_part = E.span(clean(free_busy), {"class": "route-free-busy"})
    else:
        said = f"not answered — {clean(failure)}" if failure else "not answered"
        free_busy_part = E.strong(said, {"class": "route-free-busy"})
    return E.td(
        E.div(E.span("mail: ", {"class": "what"}), mail_part, {"class": "good" if mail else "bad"}),
        E.div(
            E.span("free/busy: ", {"class": "what"}),
            free_busy_part,
            {"class": "good" if free_busy else "bad"},
        ),
        {"id": clean(cell_id), "class": "route"},
    )


@given(_MAYBE, _MAYBE, _MAYBE, _MAYBE, _NAMES, _NAMES)
def test_route_cells_are_the_cells_built_element_by_element(
    mail: str | None,
    held: str | None,
    free_busy: str | None,
    failure: str | None,
    first_id: str,
    second_id: str,
) -> None:
    route = {"mail": mail, "mail_held": held, "free_busy": free_busy, "free_busy_failure": failure}
    # The second call copies the template the first one made.
    for cell_id in (first_id, second_id):
        expected = _route_cell_built(mail, held, free_busy, failure, cell_id)
        assert html(_route_cell(route, cell_id)) == html(expected)


_GLYPHS = {PRIMARY: "★", SEES: "✓", HIDDEN: "✗"}
_CLASSES = {PRIMARY: "cell-primary", SEES: "cell-sees", HIDDEN: "cell-hidden"}


def _matrix_cell_built(state: str, own: bool, cell_id: str, label: str) -> etree._Element:
    mark = E.span(
        E.span(_GLYPHS[state], {"aria-hidden": "true"}),
        " ",
        E.span(state, {"class": "state"}),
        {"class": f"mark {_CLASSES[state]}"},
    )
    cell = E.td(
        mark,
        {
            "class": f"cell {_CLASSES[state]}" + (" own" if own else ""),
            "id": clean(cell_id),
            "title": clean(label),
            "aria-label": clean(label),
            "data-state": state,
        },
    )
    if own:
        mark.addnext(E.span("own", {"class": "own-mark"}))
    return cell


@given(
    domain=_NAMES,
    server=_NAMES,
    owners=st.lists(st.sampled_from(["self", "other", None]), min_size=1, max_size=4),
    states=st.lists(st.sampled_from([PRIMARY, SEES, HIDDEN]), min_size=4, max_size=4),
)
def test_matrix_cells_are_the_cells_built_element_by_element(
    domain: str, server: str, owners: list[str | None], states: list[str]
) -> None:
    unids = [f"{number:032X}" for number in range(len(owners))]
    documents = [
        {
            "unid": unid,
            "coexistence_server": {"self": server.upper(), "other": server + "x"}.get(owner or ""),
        }
        for unid, owner in zip(unids, owners, strict=False)
    ]
    wanted = dict(zip(unids, states, strict=False))
    primary = next((unid for unid, state in wanted.items() if state == PRIMARY), None)
    view = {
        "server": server,
        "primary": primary,
        "visible": [unid for unid, state in wanted.items() if state in (PRIMARY, SEES)],
    }
    row = _matrix_row(domain, view, documents, Ids(domain), Numbered([]))
    cells = row.findall("td")
    assert len(cells) == len(documents)
    for cell, document in zip(cells, documents, strict=True):
        unid = str(document["unid"])
        state = wanted[unid] if wanted[unid] != PRIMARY or unid == primary else SEES
        own = (document["coexistence_server"] or "").casefold() == server.casefold()
        label = f"{server}: {state} {domain} document {unid}" + (" (its own)" if own else "")
        built = _matrix_cell_built(state, own, Ids(domain).cell(server, unid), label)
        assert html(cell) == html(built)


@given(_NAMES, _NAMES)
def test_a_stamp_is_the_element_el_builds_and_leaves_its_template_alone(
    first: str, second: str
) -> None:
    template = el("p", el("b", "x"), "tail", id="", title="", class_="c")
    before = html(template)
    stamp = stamped(template, id=first, title=second)
    assert html(stamp) == html(el("p", el("b", "x"), "tail", id=first, title=second, class_="c"))
    el("div", stamp)  # placed in a page, the copy moves; the template stays as it was
    assert html(template) == before and template.getparent() is None


def test_a_stamp_refuses_an_attribute_its_template_lacks() -> None:
    with pytest.raises(ValueError, match="no title attribute"):
        stamped(el("p", id=""), title="x")


@pytest.mark.parametrize(
    ("parts", "readable"),
    [
        (("Acme", "CN=Coex1/O=Acme"), "CN-Coex1-O-Acme"),
        (("Acme", "--a  b--"), "a-b"),
        (("Acme", "x" * 40), "x" * 32),
        (("Acme", "-" * 31 + "ab"), "ab"),
        (("Acme", "é/ü"), ""),
    ],
)
def test_an_id_is_its_readable_tail_and_a_hash_of_every_part(
    parts: tuple[str, ...], readable: str
) -> None:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]
    expected = f"route-{readable}-{digest}" if readable else f"route-{digest}"
    assert anchor("route", *parts) == expected
    assert anchor("route", *parts) == expected  # the tail read again from the cache
    assert re.fullmatch(r"[A-Za-z0-9-]+", expected)
