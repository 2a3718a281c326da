"""The byte patterns of XML markup that the splitter, the skimmer and the layout
match: names, the rest of a start tag, attributes, note tags."""

from __future__ import annotations

import re

NAME = rb"[A-Za-z_:][-\w.:]*"
NAME_RE = re.compile(NAME)
# The rest of a start tag after its name: attributes in either quote, up to '>'.
# Possessive quantifiers keep a tag without '>' from backtracking exponentially.
TAG_REST_RE = re.compile(rb"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")
_ATTRIBUTE_RE = re.compile(rb"""(""" + NAME + rb""")\s*=\s*(?:"([^"]*)"|'([^']*)')""")
SPACE_RE = re.compile(rb"[ \t\r\n]*+")

NOTE_START_RE = re.compile(rb"<(?:document|note)(?=[\s/>])")
DOCUMENT_START_RE = re.compile(rb"<document[\s/>]")
RAW_NOTE_START_RE = re.compile(rb"<note[\s/>]")
NOTE_END_RE = re.compile(rb"</(?:document|note)\s*>")


def parse_attributes(start_tag: bytes, encoding: str = "utf-8") -> dict[str, str]:
    """Attributes of a start tag as written (entity references left as they are)."""
    found: dict[str, str] = {}
    name_end = NAME_RE.match(start_tag, 1)
    rest = start_tag[name_end.end() if name_end else 1 :]
    for match in _ATTRIBUTE_RE.finditer(rest):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).decode("ascii", "replace")] = value.decode(encoding, "replace")
    return found
