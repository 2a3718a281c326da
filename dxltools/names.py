"""Notes/Domino names: classify, canonicalise, abbreviate and compare.

Readers and authors items hold four kinds of entries: hierarchical names
(``CN=DominoA/OU=Hub/O=Acme`` or abbreviated ``DominoA/Hub/Acme``), flat names
(groups, or flat users and servers), roles (``[NetModifier]``) and wildcards
(``*/O=Acme``). Names a program writes must be canonical, and every comparison is
case-insensitive (DOMAIN.md section 4). Everything here is pure string work: no I/O.

``canonicalize`` and friends are total: they accept any string and never raise, so a
scan of existing documents cannot crash on a malformed entry. ``NotesName`` is the
validating entry point for names the program is about to write.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable

import attrs

from dxltools.records import Record

__all__ = [
    "NameKind",
    "NotesName",
    "abbreviate",
    "canonicalize",
    "is_role",
    "is_wildcard",
    "name_key",
    "name_kind",
    "names_equal",
    "uncached_canonicalize",
    "uncached_name_key",
    "uncached_name_kind",
    "unique_names",
    "wildcard_matches",
]

# Every component label Notes knows. CN/OU/O/C form the usual name; the X.400 ones
# (G given name, S surname, I initials, Q generation, P PRMD, A ADMD) are kept as given.
_LABELS = frozenset({"CN", "OU", "O", "C", "G", "S", "I", "Q", "P", "A"})
# Labels that the abbreviated form leaves out.
_IMPLIED_LABELS = frozenset({"CN", "OU", "O", "C"})


class NameKind(enum.Enum):
    """What sort of entry a readers/authors value is."""

    HIERARCHICAL = "hierarchical"
    FLAT = "flat"
    ROLE = "role"
    WILDCARD = "wildcard"


@attrs.frozen(repr=False)
class _Component(Record):
    """One ``/``-separated part of a name; ``label`` is None for a bare value."""

    label: str | None
    value: str

    @property
    def text(self) -> str:
        return self.value if self.label is None else f"{self.label}={self.value}"

    @property
    def short(self) -> str:
        # Only the labels position can imply are dropped; G=, S=, ... must stay visible.
        if self.label is None or self.label in _IMPLIED_LABELS:
            return self.value
        return self.text


@attrs.frozen(repr=False)
class _Parsed(Record):
    """A hierarchical name or wildcard split into labelled components."""

    components: tuple[_Component, ...]
    domain: str  # "@Domain" suffix, or ""

    @property
    def text(self) -> str:
        return "/".join(c.text for c in self.components) + self.domain

    @property
    def short(self) -> str:
        return "/".join(c.short for c in self.components) + self.domain

    def value_of(self, label: str) -> str | None:
        return next((c.value for c in self.components if c.label == label), None)


def _split_label(component: str) -> _Component:
    head, sep, tail = component.partition("=")
    # Matched by casefold, like every other comparison here, so that a label is
    # recognised (or not) the same way whatever the case of the input.
    label = head.strip().casefold().upper()
    if sep and label in _LABELS:
        return _Component(label, tail.strip())
    return _Component(None, component.strip())


def _split_domain(text: str) -> tuple[str, str]:
    # Only the last component can carry "@Domain"; an "@" in a CN (an internet-style
    # user name) must stay part of the value.
    last_start = text.rfind("/") + 1
    at = text.find("@", last_start)
    if at < 0:
        return text, ""
    return text[:at], "@" + text[at + 1 :].strip()


def _is_country(value: str) -> bool:
    # Country codes are ISO 3166 two-letter codes. Testing the casefolded form keeps the
    # decision (and so the key) independent of case, even for U+017F (long s) or "ß".
    folded = value.casefold()
    return len(folded) == 2 and folded.isascii() and folded.isalpha()


def _infer_labels(parts: list[_Component], wildcard: bool) -> tuple[_Component, ...]:
    """Give unlabelled components their label by position: CN, OU..., O, C."""
    labels = [p.label for p in parts]
    n = len(parts)
    country = (
        n >= 3
        and labels[-1] is None
        and _is_country(parts[-1].value)
        # Only after what is (or will become) the organisation, never after an OU/CN.
        and (labels[-2] == "O" or (labels[-2] is None and "O" not in labels))
    )
    end = n - 1 if country or labels[-1] == "C" else n
    org: int | None
    if "O" in labels:
        org = labels.index("O")
    elif end - 1 > 0 and labels[end - 1] is None:
        org = end - 1
    else:
        org = None

    result: list[_Component] = []
    for i, part in enumerate(parts):
        label = part.label
        if label is None and not (wildcard and i == 0):
            if i == 0:
                label = "CN"
            elif country and i == n - 1:
                label = "C"
            elif i == org:
                label = "O"
            elif org is None or i < org:
                label = "OU"
            # else: a stray value after an explicit O=; no position fits, so it stays
            # bare rather than getting an invented label.
        result.append(_Component(label, part.value))
    return tuple(result)


def _parse(stripped: str, wildcard: bool) -> _Parsed:
    body, domain = _split_domain(stripped)
    parts = [_split_label(p) for p in body.split("/")]
    return _Parsed(_infer_labels(parts, wildcard), domain)


def _kind_of_stripped(stripped: str) -> NameKind:
    if len(stripped) >= 2 and stripped[0] == "[" and stripped[-1] == "]":
        return NameKind.ROLE
    parts = stripped.split("/")
    if parts[0].strip() == "*":
        return NameKind.WILDCARD
    if len(parts) > 1 or _split_label(parts[0]).label is not None:
        return NameKind.HIERARCHICAL
    return NameKind.FLAT


@functools.lru_cache(maxsize=1 << 16)
def name_kind(entry: str) -> NameKind:
    """Classify an entry; the empty string counts as FLAT."""
    return _kind_of_stripped(entry.strip())


def is_role(entry: str) -> bool:
    """True for ``[Role]`` entries."""
    return name_kind(entry) is NameKind.ROLE


def is_wildcard(entry: str) -> bool:
    """True for ``*`` and ``*/...`` entries."""
    return name_kind(entry) is NameKind.WILDCARD


@functools.lru_cache(maxsize=1 << 16)
def canonicalize(entry: str) -> str:
    """Return the canonical form a program should write (``CN=A/OU=B/O=C``)."""
    stripped = entry.strip()
    kind = _kind_of_stripped(stripped)
    if kind in (NameKind.ROLE, NameKind.FLAT):
        return stripped
    return _parse(stripped, kind is NameKind.WILDCARD).text


@functools.lru_cache(maxsize=1 << 16)
def name_key(entry: str) -> str:
    """Case-insensitive comparison key; abbreviated and canonical forms agree."""
    return canonicalize(entry).casefold()


# For names met once each, as most names of a directory's Group documents are: the
# caches above would keep 65,536 of them alive for nothing, and push out the names
# that recur.
uncached_canonicalize: Callable[[str], str] = canonicalize.__wrapped__
uncached_name_kind: Callable[[str], NameKind] = name_kind.__wrapped__


def uncached_name_key(entry: str) -> str:
    """:func:`name_key` without the caches."""
    return uncached_canonicalize(entry).casefold()


def names_equal(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` name the same entry, ignoring case and form."""
    return name_key(a) == name_key(b)


def abbreviate(entry: str) -> str:
    """Return the abbreviated display form (``A/B/C``); roles and flat names stripped.

    If dropping the labels would change the meaning (``CN=A`` would read as a flat
    name, ``CN=A/OU=B/O=US`` as a country), the canonical form is returned instead,
    so ``name_key(abbreviate(x)) == name_key(x)`` always holds.
    """
    stripped = entry.strip()
    kind = _kind_of_stripped(stripped)
    if kind in (NameKind.ROLE, NameKind.FLAT):
        return stripped
    parsed = _parse(stripped, kind is NameKind.WILDCARD)
    short = parsed.short
    return short if name_key(short) == parsed.text.casefold() else parsed.text


def wildcard_matches(wildcard: str, name: str) -> bool:
    """True if the hierarchical ``name`` falls under ``wildcard`` (``*/O=Acme``).

    ``*`` alone matches any entry. Otherwise the name must be hierarchical, have at
    least one component in place of the ``*``, end with the wildcard's components and
    carry the same ``@Domain`` suffix (if any).
    """
    w_stripped = wildcard.strip()
    if _kind_of_stripped(w_stripped) is not NameKind.WILDCARD:
        raise ValueError(f"not a wildcard: {wildcard!r}")
    w = _parse(w_stripped, wildcard=True)
    tail = [c.text.casefold() for c in w.components[1:]]
    if not tail:
        return True
    n_stripped = name.strip()
    if _kind_of_stripped(n_stripped) is not NameKind.HIERARCHICAL:
        return False
    n = _parse(n_stripped, wildcard=False)
    if n.domain.casefold() != w.domain.casefold() or len(n.components) <= len(tail):
        return False
    return [c.text.casefold() for c in n.components[-len(tail) :]] == tail


def unique_names(entries: Iterable[str]) -> tuple[str, ...]:
    """Canonicalise, drop blanks and de-duplicate by key, keeping first-seen order."""
    seen: set[str] = set()
    result: list[str] = []
    for entry in entries:
        canonical = canonicalize(entry)
        key = canonical.casefold()
        if canonical and key not in seen:
            seen.add(key)
            result.append(canonical)
    return tuple(result)


def _validate_raw(_instance: object, _attribute: object, raw: str) -> None:
    stripped = raw.strip()
    if not stripped:
        raise ValueError("empty name")
    kind = _kind_of_stripped(stripped)
    if kind is NameKind.ROLE:
        if not stripped[1:-1].strip():
            raise ValueError(f"empty role name: {raw!r}")
    elif kind is not NameKind.FLAT:
        parsed = _parse(stripped, kind is NameKind.WILDCARD)
        if any(not c.value for c in parsed.components):
            raise ValueError(f"empty name component in {raw!r}")
        if parsed.domain == "@":
            raise ValueError(f"empty domain suffix in {raw!r}")


@attrs.frozen(repr=False)
class NotesName(Record):
    """One validated readers/authors entry; equality of spelling, see ``same_as``.

    Construction rejects blank entries, empty roles (``[]``), empty components or
    values (``A//B``, ``CN=/O=Acme``) and a bare ``@`` domain suffix.
    """

    raw: str = attrs.field(validator=_validate_raw)

    @classmethod
    def parse(cls, raw: str) -> NotesName:
        """Validate and wrap ``raw``; raises ValueError when it is not a usable name."""
        return cls(raw)

    @property
    def kind(self) -> NameKind:
        return name_kind(self.raw)

    @property
    def canonical(self) -> str:
        return canonicalize(self.raw)

    @property
    def abbreviated(self) -> str:
        return abbreviate(self.raw)

    @property
    def key(self) -> str:
        return name_key(self.raw)

    @property
    def common_name(self) -> str | None:
        """The CN value, the flat name itself, or None for roles and wildcards."""
        kind = self.kind
        if kind is NameKind.FLAT:
            return self.raw.strip()
        if kind is NameKind.HIERARCHICAL:
            return _parse(self.raw.strip(), wildcard=False).value_of("CN")
        return None

    @property
    def organization(self) -> str | None:
        """The O value of a hierarchical name or wildcard, else None."""
        kind = self.kind
        if kind in (NameKind.HIERARCHICAL, NameKind.WILDCARD):
            return _parse(self.raw.strip(), kind is NameKind.WILDCARD).value_of("O")
        return None

    def same_as(self, other: str | NotesName) -> bool:
        """True if ``other`` names the same entry (case- and form-insensitive)."""
        other_key = other.key if isinstance(other, NotesName) else name_key(other)
        return self.key == other_key
