"""Items written the way Domino's exporter writes them.

Attributes in the export's quotes (single, as Domino writes them, or double
when the note's own items are written so), one item on one line, ``<text>``
for one value and ``<textlist>`` for several, line breaks in values as
``<break/>``.
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


def escape_attribute(value: str, quote: str = "'") -> str:
    """Escape for an attribute in `quote`s; white space kept as references so
    that attribute normalisation cannot change it."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(quote, "&apos;" if quote == "'" else "&quot;")
        .replace("\n", "&#xa;")
        .replace("\r", "&#xd;")
        .replace("\t", "&#x9;")
    )


def _escape_run(text: str, quote: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;")
    text = text.replace("\r", "&#xd;")
    return _NON_XML.sub(
        lambda match: f"<nonxmlchar value={quote}{ord(match.group()):x}{quote}/>", text
    )


def render_text(value: str, quote: str = "'") -> str:
    """A ``<text>`` element; an empty value is ``<text/>`` as Domino writes it."""
    if not value:
        return "<text/>"
    runs = (_escape_run(line, quote) for line in value.split("\n"))
    return "<text>" + "<break/>".join(runs) + "</text>"


def render_flags(flags: ItemFlags, quote: str = "'") -> str:
    written = []
    for name in _FLAG_ORDER:
        value = getattr(flags, name)
        if value is None or (value is False and name not in ("summary", "protected")):
            continue
        written.append(f" {name}={quote}{'true' if value else 'false'}{quote}")
    return "".join(written)


def render_item(new: NewItem, encoding: str = "utf-8", quote: str = "'") -> bytes:
    """The bytes of one ``<item>`` in the file's encoding and attribute quotes;
    characters the encoding lacks become character references."""
    if new.is_list:
        texts = "".join(render_text(v, quote) for v in new.values)
        value = "<textlist>" + texts + "</textlist>"
    else:
        value = render_text(new.values[0], quote)
    name = escape_attribute(new.name, quote)
    markup = f"<item name={quote}{name}{quote}{render_flags(new.flags, quote)}>{value}</item>"
    return markup.encode(encoding, "xmlcharrefreplace")
