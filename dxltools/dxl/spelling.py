"""Whether a note's bytes can hold a text: byte searches that stand in for a parse.

A run or an audit that wants the notes with a text of a few values (``DomainType``
``ForeignDomain``) need not parse a note whose bytes cannot hold one. Bytes hold a text
as the parser reads it unless the text is spelt otherwise than with its letters: a
character or entity reference, a letter that casefolds to ASCII (the Kelvin sign), or
markup the parser leaves out of the text or turns into characters (CDATA, a comment, a
processing instruction, ``<break/>``, ``<nonxmlchar/>``, any element inside a
``<text>``). Where that may be, these functions say the bytes may hold the text.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from functools import cache

__all__ = ["may_hold", "spelt_otherwise", "text_needle"]

# Characters that are not ASCII but casefold to ASCII letters (the Kelvin sign, the
# long s, the Latin ligatures): a name written with one can equal an ASCII needle.
# Every such character, as Python 3.11's casefold has them.
_FOLDS_TO_ASCII = re.compile("[\u00df\u017f\u1e9e\u212a\ufb00-\ufb06]")
# A text element (any prefix) whose content has markup before its end tag: the
# parser's text is then not the bytes between the tags.
_MARKUP_IN_TEXT = re.compile(
    rb"<(?:[^\s<>/:]+:)?text(?:\s[^<>]*)?(?<!/)>[^<]*<(?!/(?:[^\s<>/:]+:)?text[\s>])"
)
# Values a needle finds as they are written: printable ASCII (a line break in a text
# may be written as CR LF, which the parser reads as LF).
_SEARCHABLE = re.compile(r"[ -~]+")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def spelt_otherwise(data: bytes, encoding: str) -> bool:
    """True when a text in these bytes may spell an ASCII word (casefolded) otherwise than
    with its letters (see the module's docstring). When False, a word absent from the
    bytes (ASCII case ignored) is in no text."""
    if b"&" in data or _MARKUP_IN_TEXT.search(data) is not None:
        return True
    if data.isascii():
        return False
    return _FOLDS_TO_ASCII.search(data.decode(encoding, "replace")) is not None


def text_needle(values: Iterable[str]) -> re.Pattern[bytes] | None:
    """A search for `values` in a note's bytes, ASCII case ignored: it finds one in every
    note with a text that casefolds to one of them, unless :func:`spelt_otherwise`.
    None when a value is not printable ASCII (then only a parse can tell)."""
    wanted = sorted({value.casefold() for value in values})
    if not wanted or not all(_SEARCHABLE.fullmatch(value) for value in wanted):
        return None
    choices = b"|".join(re.escape(value.encode("ascii")) for value in wanted)
    return re.compile(choices, re.IGNORECASE)


def may_hold(data: bytes, encoding: str, needle: re.Pattern[bytes] | None) -> bool:
    """False only when no text in `data` can casefold to a value `needle` searches for."""
    if needle is None or not _writes_ascii_as_ascii(encoding) or needle.search(data):
        return True
    return spelt_otherwise(data, encoding)


@cache
def _writes_ascii_as_ascii(encoding: str) -> bool:
    """Whether printable ASCII is its own bytes in `encoding`, both ways. Not so in a few
    encodings a splitter reads: shift_jis_2004 reads 0x5C as the yen sign and writes a
    backslash as two other bytes, so a needle could miss a value that is in the text.
    (Where the check fails for another reason, such as cp864 lacking '%', every note is
    parsed: the safe side.)"""
    try:
        codec = codecs.lookup(encoding)
        text = _PRINTABLE_ASCII.decode("ascii")
        return (
            codec.decode(_PRINTABLE_ASCII)[0] == text and codec.encode(text)[0] == _PRINTABLE_ASCII
        )
    except (LookupError, UnicodeError):
        return False
