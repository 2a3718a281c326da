"""What a DTD's content model allows: which child elements may come after which.

`validate` leaves the structure rules that a DTD already enforces to libxml2
when the DTD does enforce them (:func:`dxltools.validate.vouching.dtd_checks_structure`);
this module reads that off a content model as lxml gives it: a tree of
sequences (``seq``), choices (``or``), element names and ``#PCDATA``, each with
how often it may occur. It computes, per element name, the names that may
follow it anywhere later among the same parent's children (the transitive
closure of the Glushkov follow relation, taken per name: a name written twice
in a model merges its places, which can only allow more).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from dxltools.records import Record

if TYPE_CHECKING:
    from lxml.etree._dtd import _DTDElementContentDecl


@attrs.frozen(repr=False)
class _Part(Record):
    """A part of a content model: the names it may start and end with.

    Whether a part may match nothing does not matter here: what may follow it
    when it is skipped is reached through it anyway (it holds an element, which
    the names before it may be followed by, and which leads to what comes after
    it), and only what may follow, near or far, is asked for."""

    first: frozenset[str]
    last: frozenset[str]


def _part(content: _DTDElementContentDecl | None, follow: dict[str, set[str]]) -> _Part:
    """Analyse one part of a model, adding to `follow` (name -> names right after it)."""
    if content is None or content.type == "pcdata":
        return _Part(frozenset(), frozenset())
    if content.type == "element":
        # lxml gives no prefix here: `x:item` reads as `item`, which can only allow more.
        names = frozenset({content.name or ""})
        part = _Part(names, names)
    else:
        left, right = _part(content.left, follow), _part(content.right, follow)
        if content.type == "seq":
            for name in left.last:
                follow.setdefault(name, set()).update(right.first)
            # #PCDATA stands only in a choice (mixed content): both sides hold names.
            part = _Part(left.first, right.last)
        else:  # "or"
            part = _Part(left.first | right.first, left.last | right.last)
    if content.occur in ("mult", "plus"):
        for name in part.last:  # a repeat: the start may come again after the end
            follow.setdefault(name, set()).update(part.first)
    return part


def may_follow(content: _DTDElementContentDecl | None) -> dict[str, frozenset[str]]:
    """Per child element name, the names that may stand anywhere after it among
    the children a content model allows."""
    follow: dict[str, set[str]] = {}
    _part(content, follow)
    reach: dict[str, frozenset[str]] = {}
    for name in follow:
        seen: set[str] = set()
        todo = list(follow[name])
        while todo:
            after = todo.pop()
            if after not in seen:
                seen.add(after)
                todo.extend(follow.get(after, ()))
        reach[name] = frozenset(seen)
    return reach


def one_element(content: _DTDElementContentDecl | None) -> bool:
    """Whether a model matches exactly one element: one name, or a choice of
    such, each occurring once."""
    if content is None or content.occur != "once":
        return False
    if content.type == "element":
        return True
    return content.type == "or" and one_element(content.left) and one_element(content.right)
