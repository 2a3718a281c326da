"""Items written the way Domino's exporter writes them.

Single-quoted attributes, no indentation, one item on one line, ``<text>`` for
one value and ``<textlist>`` for several, line breaks in values as ``<break/>``.
"""

from __future__ import annotations

import re

from dxltools.dxl.model import ItemFlags
from dxltools.edit.changes import NewItem

# The order in which flags are written; the DTD does not care, readers do.
_FLAG_ORDER = (
    "summary",
    "sign",
    "seal",
    "sealed",
    "authors",
    "names",
    "readers",
    "placeholder",
    "protected",
)
# Characters XML 1.0 cannot hold even as references: DXL writes <nonxmlchar/>.
_NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_attribute(value: str) -> str:
    """Escape for a single-quoted attribute; white space kept as references so
    that attribute normalisation cannot change it."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace("'", "&apos;")
        .replace("\n", "&#xa;")
        .replace("\r", "&#xd;")
        .replace("\t", "&#x9;")
    )


def _escape_run(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;")
    text = text.replace("\r", "&#xd;")
    return _NON_XML.sub(lambda match: f"<nonxmlchar value='{ord(match.group()):x}'/>", text)


def render_text(value: str) -> str:
    """A ``<text>`` element; an empty value is ``<text/>`` as Domino writes it."""
    if not value:
        return "<text/>"
    return "<text>" + "<break/>".join(_escape_run(line) for line in value.split("\n")) + "</text>"


def render_flags(flags: ItemFlags) -> str:
    written = []
    for name in _FLAG_ORDER:
        value = getattr(flags, name)
        if value is None or (value is False and name not in ("summary", "protected")):
            continue
        written.append(f" {name}='{'true' if value else 'false'}'")
    return "".join(written)


def render_item(new: NewItem, encoding: str = "utf-8") -> bytes:
    """The bytes of one ``<item>`` in the file's encoding; characters the
    encoding lacks become character references."""
    if new.is_list:
        value = "<textlist>" + "".join(render_text(v) for v in new.values) + "</textlist>"
    else:
        value = render_text(new.values[0])
    markup = f"<item name='{escape_attribute(new.name)}'{render_flags(new.flags)}>{value}</item>"
    return markup.encode(encoding, "xmlcharrefreplace")
