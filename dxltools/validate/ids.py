"""The attributes libxml2's DTD validation remembers until the end of the file.

While validating, libxml2 records every attribute the DTD types ``ID`` in an ID
table (a second element with the same ID is an error) and every ``IDREF`` or
``IDREFS`` attribute in a reference table, which it checks against the IDs
when the document ends. Freeing such an attribute takes its ID out of the
table (a later duplicate would go unreported) or leaves the reference table
pointing at freed memory. `validate` frees every element once it is checked,
so it keeps whole the few that hold such attributes: in the DXL DTDs, the
``key`` attribute of the notes, which few exports use.

lxml lists the declarations of the DTDs libxml2 read, but not an ``ATTLIST``
of the internal subset for an element the external DTD declares: those are
read from the DOCTYPE's text (where the XML rules allow no parameter entity
inside a declaration; one inside an entity's value is read too, which can only
keep more).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs
from lxml import etree

from dxltools.records import Record

_KEPT_TYPES = frozenset({"id", "idref", "idrefs"})
# Each alternative starts with its own character: no backtracking on hostile text.
_ATTLIST = re.compile(
    r"<!ATTLIST\s+([^\s>]+)(?=[\s>])((?:[^'\">(]|'[^']*'|\"[^\"]*\"|\([^)]*\))*)>"
)
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\([^)]*\)|[^\s'\"()]+")


def _local(tag: str) -> str:
    """An element's or attribute's name without its namespace or prefix."""
    return tag.rpartition("}")[2].rpartition(":")[2]


@attrs.frozen(repr=False)
class KeptAttributes(Record):
    """Per element name (as the DTD declares it, without a prefix), the local
    names of its attributes that libxml2 remembers; empty without a DTD."""

    by_element: Mapping[str, frozenset[str]] = attrs.field(factory=dict)

    def held_by(self, element: etree._Element) -> bool:
        """Whether `element` itself carries one of them."""
        if not self.by_element or not isinstance(element.tag, str):
            return False
        names = self.by_element.get(_local(element.tag))
        return names is not None and any(_local(key) in names for key in element.attrib)

    def unannounced(self, announced: Iterable[str]) -> tuple[str, ...]:
        """The element names that hold such attributes, but for the `announced`
        ones (those whose end the parser reports)."""
        return tuple(sorted(set(self.by_element) - set(announced)))


def _internal_declarations(doctype: str, found: dict[str, set[str]]) -> None:
    """The ID, IDREF and IDREFS attributes the ATTLISTs of `doctype`'s text declare."""
    for attlist in _ATTLIST.finditer(doctype):
        # name type default, where NOTATION takes an enumeration and #FIXED a value
        tokens = _TOKEN.findall(attlist.group(2))
        while len(tokens) >= 3:
            name, kind = tokens[0], tokens[1]
            rest = tokens[3:] if kind == "NOTATION" else tokens[2:]
            default = rest[0] if rest else ""
            if kind.casefold() in _KEPT_TYPES:
                found.setdefault(_local(attlist.group(1)), set()).add(_local(name))
            tokens = rest[2:] if default == "#FIXED" else rest[1:]


def kept_attributes(tree: etree._ElementTree, doctype: str = "") -> KeptAttributes:
    """What the DTDs libxml2 read for `tree` declare: its external DTD and the
    internal subset of `doctype`, the text of the DOCTYPE libxml2 read."""
    found: dict[str, set[str]] = {}
    _internal_declarations(doctype, found)
    # The internal subset is read whole from its text; the external one through lxml.
    dtd = tree.docinfo.externalDTD
    if dtd is not None:
        for element in dtd.iterelements():
            for attribute in element.iterattributes():
                if attribute.type in _KEPT_TYPES and element.name and attribute.name:
                    found.setdefault(_local(element.name), set()).add(_local(attribute.name))
    return KeptAttributes({name: frozenset(names) for name, names in found.items()})
