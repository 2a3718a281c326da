"""Reading XML markup in an :class:`~dxltools.dxl.buffer.InputBuffer`: where a
comment, PI, CDATA section, DOCTYPE or element ends, and what a start tag says.

The splitter walks the root's children with these; an element's own content is
not looked into beyond the tags of its name (nesting of other elements is
checked by :mod:`dxltools.dxl.wellformed`).
"""

from __future__ import annotations

import re

from dxltools.dxl.buffer import InputBuffer
from dxltools.dxl.segments import SegmentKind
from dxltools.dxl.tokens import NAME_RE

_LONGEST_MARKUP_OPENER = len(b"<![CDATA[")
_DOCTYPE_TOKEN = re.compile(rb"""<!--|[\[\]>"']""")
_TOKEN_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _token_pattern(name: bytes) -> re.Pattern[bytes]:
    """Markup that matters while looking for the end of an element called `name`."""
    pattern = _TOKEN_PATTERNS.get(name)
    if pattern is None:
        escaped = re.escape(name)
        pattern = re.compile(rb"<!--|<!\[CDATA\[|<\?|<(/?)" + escaped + rb"(?=[\s/>])")
        if len(_TOKEN_PATTERNS) < 1024:
            _TOKEN_PATTERNS[name] = pattern
    return pattern


def end_of_comment(buf: InputBuffer, position: int) -> int:
    end = buf.find(b"-->", position + 4)
    if end < 0:
        raise buf.error("truncated input: a comment is never closed", position)
    return end + 3


def end_of_pi(buf: InputBuffer, position: int) -> int:
    end = buf.find(b"?>", position + 2)
    if end < 0:
        raise buf.error("truncated input: a processing instruction is never closed", position)
    return end + 2


def end_of_cdata(buf: InputBuffer, position: int) -> int:
    end = buf.find(b"]]>", position + 9)
    if end < 0:
        raise buf.error("truncated input: a CDATA section is never closed", position)
    return end + 3


def misc_markup(buf: InputBuffer, position: int) -> tuple[SegmentKind, int] | None:
    """A comment, CDATA section or PI at `position`: its kind and end; else None."""
    if buf.startswith(b"<!--", position):
        return SegmentKind.COMMENT, end_of_comment(buf, position)
    if buf.startswith(b"<![CDATA[", position):
        return SegmentKind.TEXT, end_of_cdata(buf, position)
    if buf.startswith(b"<?", position):
        return SegmentKind.PI, end_of_pi(buf, position)
    return None


def end_of_doctype(buf: InputBuffer, position: int) -> int:
    """End of the DOCTYPE: quotes, comments and the internal subset skipped."""
    cursor = position + len(b"<!DOCTYPE")
    in_subset = False
    while True:
        match = buf.search(_DOCTYPE_TOKEN, cursor, 4)
        if match is None:
            raise buf.error("truncated input: the DOCTYPE is never closed", position)
        token = match.group()
        at = match.start() + buf.base
        if token == b"<!--":
            cursor = end_of_comment(buf, at)
        elif token in (b"'", b'"'):
            close = buf.find(token, at + 1)
            if close < 0:
                raise buf.error("truncated input: a quoted DOCTYPE value never ends", at)
            cursor = close + 1
        elif token == b"[":
            in_subset, cursor = True, at + 1
        elif token == b"]":
            in_subset, cursor = False, at + 1
        elif in_subset:  # a '>' that ends a declaration inside the subset
            cursor = at + 1
        else:
            return at + 1


def name_at(buf: InputBuffer, position: int) -> re.Match[bytes] | None:
    """The whole tag name at `position`, even when a read ends inside it."""
    buf.available(position + 256)
    name_match = NAME_RE.match(buf.data, position - buf.base)
    while name_match is not None and name_match.end() == len(buf.data) and buf.fill():
        name_match = NAME_RE.match(buf.data, position - buf.base)
    return name_match


def start_tag(buf: InputBuffer, position: int) -> tuple[str, int, bool]:
    """Name, end offset and self-closing flag of the start tag at `position`."""
    name_match = name_at(buf, position + 1)
    if name_match is None:
        raise buf.error("not well-formed: '<' not followed by a tag name", position)
    name = name_match.group().decode("ascii", "replace")
    end = buf.match_tag_rest(name_match.end() + buf.base)
    return name, end, buf.take(end - 2, end) == b"/>"


def end_of_element(buf: InputBuffer, position: int, name: str, tag_end: int) -> int:
    """Offset after the end tag of the element whose start tag spans position..tag_end."""
    raw_name = name.encode("ascii")
    pattern = _token_pattern(raw_name)
    overlap = max(_LONGEST_MARKUP_OPENER, len(raw_name) + 3)
    depth, cursor = 1, tag_end
    while True:
        match = buf.search(pattern, cursor, overlap)
        if match is None:
            raise buf.error(f"truncated input: <{name}> opened here is never closed", position)
        at = match.start() + buf.base
        opener = match.group()
        if opener == b"<!--":
            cursor = end_of_comment(buf, at)
        elif opener == b"<![CDATA[":
            cursor = end_of_cdata(buf, at)
        elif opener == b"<?":
            cursor = end_of_pi(buf, at)
        elif match.group(1):  # </name
            close = buf.skip_space(match.end() + buf.base)
            if buf.byte(close) != b">":
                raise buf.error(f"not well-formed: bad end tag </{name}", at)
            depth -= 1
            cursor = close + 1
            if depth == 0:
                return cursor
        else:  # a nested element of the same name
            _, cursor, empty = start_tag(buf, at)
            depth += 0 if empty else 1
