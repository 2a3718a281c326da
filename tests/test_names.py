"""Tests for dxltools.names: examples per rule, then hypothesis properties."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxltools.names import (
    NameKind,
    NotesName,
    abbreviate,
    canonicalize,
    is_role,
    is_wildcard,
    name_key,
    name_kind,
    names_equal,
    unique_names,
    wildcard_matches,
)

# --- name_kind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("CN=DominoA/OU=Hub/O=Acme", NameKind.HIERARCHICAL),
        ("DominoA/Hub/Acme", NameKind.HIERARCHICAL),
        ("DominoB/Acme", NameKind.HIERARCHICAL),
        ("CN=DominoA", NameKind.HIERARCHICAL),  # a label alone makes it hierarchical
        ("cn=DominoA", NameKind.HIERARCHICAL),
        ("O=Acme", NameKind.HIERARCHICAL),
        ("CN=A/O=B@Dom", NameKind.HIERARCHICAL),
        ("LocalDomainServers", NameKind.FLAT),
        ("Domino Admins", NameKind.FLAT),
        ("  Domino Admins  ", NameKind.FLAT),
        ("Sales=East", NameKind.FLAT),  # "Sales" is no Notes label
        ("user@example.com", NameKind.FLAT),
        ("", NameKind.FLAT),
        ("   ", NameKind.FLAT),
        ("[NetModifier]", NameKind.ROLE),
        ("  [ServerModifier] ", NameKind.ROLE),
        ("[A/B]", NameKind.ROLE),
        ("[NetModifier", NameKind.FLAT),  # unbalanced bracket: not a role
        ("*", NameKind.WILDCARD),
        (" * ", NameKind.WILDCARD),
        ("*/O=Acme", NameKind.WILDCARD),
        ("*/Hub/Acme", NameKind.WILDCARD),
        ("*/OU=Hub/O=Acme", NameKind.WILDCARD),
        (" * / Acme", NameKind.WILDCARD),
        ("*Acme", NameKind.FLAT),
    ],
)
def test_name_kind(entry: str, kind: NameKind) -> None:
    assert name_kind(entry) is kind


@pytest.mark.parametrize(
    ("entry", "role", "wildcard"),
    [
        ("[NetModifier]", True, False),
        ("*/O=Acme", False, True),
        ("*", False, True),
        ("CN=A/O=B", False, False),
        ("LocalDomainServers", False, False),
        ("", False, False),
    ],
)
def test_is_role_is_wildcard(entry: str, role: bool, wildcard: bool) -> None:
    assert is_role(entry) is role
    assert is_wildcard(entry) is wildcard


# --- canonicalize ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "canonical"),
    [
        # abbreviated input: CN, then OUs, then O, then an optional country
        ("DominoB/Acme", "CN=DominoB/O=Acme"),
        ("DominoA/Hub/Acme", "CN=DominoA/OU=Hub/O=Acme"),
        ("DominoA/Hub/Acme/US", "CN=DominoA/OU=Hub/O=Acme/C=US"),
        ("A/B/C/D", "CN=A/OU=B/OU=C/O=D"),
        ("John Doe/Sales/East/Acme", "CN=John Doe/OU=Sales/OU=East/O=Acme"),
        ("A/Acme/us", "CN=A/O=Acme/C=us"),
        # country needs 3+ components
        ("A/US", "CN=A/O=US"),
        # country codes are two ASCII letters
        ("A/B/12", "CN=A/OU=B/O=12"),
        ("A/B/USA", "CN=A/OU=B/O=USA"),
        # canonical input: only the label case changes
        ("CN=DominoA/OU=Hub/O=Acme", "CN=DominoA/OU=Hub/O=Acme"),
        ("cn=x/o=y", "CN=x/O=y"),
        ("Cn=John Doe/oU=Sales/o=ACME/c=us", "CN=John Doe/OU=Sales/O=ACME/C=us"),
        # whitespace around components and labels is stripped, inner spaces kept
        ("  John  Doe / Sales /Acme  ", "CN=John  Doe/OU=Sales/O=Acme"),
        (" CN = x / O= y ", "CN=x/O=y"),
        # mixed input: given labels kept, missing ones inferred by position
        ("CN=A/Hub/O=Acme", "CN=A/OU=Hub/O=Acme"),
        ("A/OU=Hub/Acme", "CN=A/OU=Hub/O=Acme"),
        ("A/B/OU=C", "CN=A/OU=B/OU=C"),
        ("CN=A/O=Acme/US", "CN=A/O=Acme/C=US"),
        ("A/Acme/C=US", "CN=A/O=Acme/C=US"),
        ("A/C=US", "CN=A/C=US"),
        # a 2-letter last part after an explicit OU is the O, not a country
        ("CN=A/OU=Hub/Ac", "CN=A/OU=Hub/O=Ac"),
        # a stray value after an explicit O= has no position: it stays bare
        ("CN=A/O=Acme/Foo", "CN=A/O=Acme/Foo"),
        # single labelled components
        ("cn=DominoA", "CN=DominoA"),
        ("o=Acme", "O=Acme"),
        # other Notes labels are kept
        ("CN=John/G=John/S=Doe/O=Acme", "CN=John/G=John/S=Doe/O=Acme"),
        ("John/g=John/s=Doe/i=JD/q=Jr/Acme", "CN=John/G=John/S=Doe/I=JD/Q=Jr/O=Acme"),
        ("CN=A/O=B/P=Prmd/A=Admd", "CN=A/O=B/P=Prmd/A=Admd"),
        # Notes domain suffix
        ("CN=A/O=B@Dom", "CN=A/O=B@Dom"),
        ("A/B@Dom", "CN=A/O=B@Dom"),
        ("A/B @ Dom ", "CN=A/O=B@Dom"),
        ("A/B@Dom1@Dom2", "CN=A/O=B@Dom1@Dom2"),
        ("CN=a@example.com/O=Acme", "CN=a@example.com/O=Acme"),  # "@" in a CN is a value
        # wildcards: the * stays bare
        ("*/Acme", "*/O=Acme"),
        ("*/Hub/Acme", "*/OU=Hub/O=Acme"),
        ("*/o=Acme", "*/O=Acme"),
        ("*/Acme/US", "*/O=Acme/C=US"),
        (" * / Hub / Acme ", "*/OU=Hub/O=Acme"),
        ("*", "*"),
        # roles and flat names: stripped, otherwise unchanged
        ("  [NetModifier] ", "[NetModifier]"),
        ("[netmodifier]", "[netmodifier]"),
        ("  Domino Admins ", "Domino Admins"),
        ("LocalDomainServers", "LocalDomainServers"),
        # odd characters are ordinary value characters
        ("CN=Jürgen Müller/O=Acme", "CN=Jürgen Müller/O=Acme"),
        ("Jürgen Müller/Acme", "CN=Jürgen Müller/O=Acme"),
        ("AT&T Admin/Acme", "CN=AT&T Admin/O=Acme"),
        ('"John Doe"/Acme', 'CN="John Doe"/O=Acme'),
        ("CN=O'Brien/O=Acme", "CN=O'Brien/O=Acme"),
        ("A/B=C/D", "CN=A/OU=B=C/O=D"),  # "B" is no label, so "B=C" is a value
        # empty input and empty parts: canonicalize never raises
        ("", ""),
        ("   ", ""),
        ("CN=/O=Acme", "CN=/O=Acme"),
        ("A//B", "CN=A/OU=/O=B"),
    ],
)
def test_canonicalize(entry: str, canonical: str) -> None:
    assert canonicalize(entry) == canonical
    assert canonicalize(canonical) == canonical


# --- abbreviate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "abbreviated"),
    [
        ("CN=DominoA/OU=Hub/O=Acme/C=US", "DominoA/Hub/Acme/US"),
        ("CN=DominoB/O=Acme", "DominoB/Acme"),
        ("DominoA/Hub/Acme", "DominoA/Hub/Acme"),
        ("cn=x/o=y", "x/y"),
        ("*/O=Acme", "*/Acme"),
        ("*/OU=Hub/O=Acme", "*/Hub/Acme"),
        ("*", "*"),
        ("CN=A/O=B@Dom", "A/B@Dom"),
        ("CN=John/G=John/S=Doe/O=Acme", "John/G=John/S=Doe/Acme"),
        ("[NetModifier]", "[NetModifier]"),
        (" [NetModifier] ", "[NetModifier]"),
        ("LocalDomainServers", "LocalDomainServers"),
        ("", ""),
        # where dropping labels would change the meaning, the canonical form is kept
        ("CN=DominoA", "CN=DominoA"),  # "DominoA" would be a flat name
        ("O=Acme", "O=Acme"),
        ("CN=A/OU=Hub/O=Ac", "CN=A/OU=Hub/O=Ac"),  # "A/Hub/Ac" reads Ac as country
        ("CN=A/C=US", "CN=A/C=US"),
        ("CN=A/O=Acme/Foo", "CN=A/O=Acme/Foo"),
    ],
)
def test_abbreviate(entry: str, abbreviated: str) -> None:
    assert abbreviate(entry) == abbreviated
    assert name_key(abbreviated) == name_key(entry)


# --- keys and equality -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("DominoA/Hub/Acme", "CN=DominoA/OU=Hub/O=Acme", True),
        ("dominoa/hub/acme", "CN=DominoA/OU=Hub/O=Acme", True),
        ("CN=DominoA/OU=Hub/O=Acme", "cn=dominoa/ou=hub/o=acme", True),
        (" DominoA / Hub / Acme ", "CN=DominoA/OU=Hub/O=Acme", True),
        ("DominoA/Hub/Acme/US", "CN=DominoA/OU=Hub/O=Acme/C=US", True),
        ("*/Acme", "*/o=acme", True),
        ("[NetModifier]", "[netmodifier]", True),
        ("LocalDomainServers", "localdomainservers", True),
        ("CN=Jürgen Müller/O=Acme", "jürgen müller/acme", True),
        ("CN=A/O=B@Dom", "a/b@dom", True),
        ("DominoA/Hub/Acme", "DominoA/Acme", False),
        ("DominoA/Hub/Acme", "DominoB/Hub/Acme", False),
        ("CN=A/O=B", "CN=A/O=B@Dom", False),  # a domain suffix is part of the name
        ("John Doe/Acme", "John  Doe/Acme", False),  # inner spaces are significant
        ("Admins", "[Admins]", False),
        ("A/US", "A/Acme/US", False),
    ],
)
def test_names_equal(a: str, b: str, equal: bool) -> None:
    assert names_equal(a, b) is equal
    assert (name_key(a) == name_key(b)) is equal


def test_name_key_is_casefolded_canonical() -> None:
    assert name_key("DominoA/Hub/Acme") == "cn=dominoa/ou=hub/o=acme"
    assert name_key("CN=Straße/O=Acme") == name_key("CN=STRASSE/O=ACME")
    assert name_key("") == ""


# --- wildcard_matches ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wildcard", "name", "matches"),
    [
        ("*/O=Acme", "CN=X/O=Acme", True),
        ("*/O=Acme", "CN=X/OU=Hub/O=Acme", True),
        ("*/O=Acme", "X/Hub/Acme", True),
        ("*/O=Acme", "X/Acme", True),
        ("*/O=Acme", "cn=x/ou=a/ou=b/o=ACME", True),
        ("*/Acme", "CN=X/O=Acme", True),
        ("*/o=acme", "X/Hub/Acme", True),
        ("*/O=Acme", "CN=X/O=Other", False),
        ("*/O=Acme", "X", False),  # flat name
        ("*/O=Acme", "Acme", False),
        ("*/O=Acme", "O=Acme", False),  # nothing in place of the *
        ("*/O=Acme", "CN=X/O=Acme/C=US", False),  # another organisation
        ("*/O=Acme", "CN=X/OU=Acme/O=Other", False),
        ("*/O=Acme", "[Acme]", False),
        ("*/O=Acme", "*/OU=Hub/O=Acme", False),  # wildcards are not names
        ("*/O=Acme", "", False),
        ("*/O=Acme", "CN=X/O=Acme@Dom", False),  # domain suffixes must agree
        ("*/O=Acme@Dom", "CN=X/O=Acme@dom", True),
        ("*/OU=Hub/O=Acme", "CN=X/OU=Hub/O=Acme", True),
        ("*/OU=Hub/O=Acme", "CN=X/OU=Team/OU=Hub/O=Acme", True),
        ("*/Hub/Acme", "X/Hub/Acme", True),
        ("*/OU=Hub/O=Acme", "CN=X/O=Acme", False),
        ("*/OU=Hub/O=Acme", "CN=X/OU=Other/O=Acme", False),
        ("*/OU=Hub/O=Acme", "CN=Hub/O=Acme", False),  # CN=Hub is not OU=Hub
        ("*/Acme/US", "X/Hub/Acme/US", True),
        ("*", "CN=X/O=Acme", True),
        ("*", "LocalDomainServers", True),
        ("*", "[NetModifier]", True),
        (" * ", "X/Acme", True),
    ],
)
def test_wildcard_matches(wildcard: str, name: str, matches: bool) -> None:
    assert wildcard_matches(wildcard, name) is matches


@pytest.mark.parametrize("not_wildcard", ["CN=X/O=Acme", "X/Acme", "Admins", "[Role]", "", "*X"])
def test_wildcard_matches_rejects_non_wildcard(not_wildcard: str) -> None:
    with pytest.raises(ValueError, match="not a wildcard"):
        wildcard_matches(not_wildcard, "CN=X/O=Acme")


# --- unique_names ----------------------------------------------------------------------


def test_unique_names_keeps_first_seen_spelling_and_order() -> None:
    entries = [
        "DominoA/Hub/Acme",
        "LocalDomainServers",
        "CN=DOMINOA/OU=HUB/O=ACME",
        "",
        "  ",
        "[NetModifier]",
        "localdomainservers",
        " Domino Admins ",
        "[netmodifier]",
        "DominoB/Acme",
    ]
    assert unique_names(entries) == (
        "CN=DominoA/OU=Hub/O=Acme",
        "LocalDomainServers",
        "[NetModifier]",
        "Domino Admins",
        "CN=DominoB/O=Acme",
    )


def test_unique_names_accepts_any_iterable() -> None:
    assert unique_names(iter(["A/B", "a/b"])) == ("CN=A/O=B",)
    assert unique_names([]) == ()


# --- NotesName -------------------------------------------------------------------------


def test_notes_name_properties_hierarchical() -> None:
    name = NotesName.parse(" DominoA/Hub/Acme/US ")
    assert name.raw == " DominoA/Hub/Acme/US "
    assert name.kind is NameKind.HIERARCHICAL
    assert name.canonical == "CN=DominoA/OU=Hub/O=Acme/C=US"
    assert name.abbreviated == "DominoA/Hub/Acme/US"
    assert name.key == "cn=dominoa/ou=hub/o=acme/c=us"
    assert name.common_name == "DominoA"
    assert name.organization == "Acme"


@pytest.mark.parametrize(
    ("raw", "kind", "common_name", "organization"),
    [
        ("CN=Jürgen Müller/O=Acme", NameKind.HIERARCHICAL, "Jürgen Müller", "Acme"),
        ("CN=A/O=B@Dom", NameKind.HIERARCHICAL, "A", "B"),
        ("O=Acme", NameKind.HIERARCHICAL, None, "Acme"),
        ("A/B/OU=C", NameKind.HIERARCHICAL, "A", None),
        (" Domino Admins ", NameKind.FLAT, "Domino Admins", None),
        ("[NetModifier]", NameKind.ROLE, None, None),
        ("*/Hub/Acme", NameKind.WILDCARD, None, "Acme"),
        ("*", NameKind.WILDCARD, None, None),
    ],
)
def test_notes_name_kinds(
    raw: str, kind: NameKind, common_name: str | None, organization: str | None
) -> None:
    name = NotesName.parse(raw)
    assert name.kind is kind
    assert name.common_name == common_name
    assert name.organization == organization


@pytest.mark.parametrize(
    "raw", ["", "   ", "[]", "[ ]", "CN=/O=Acme", "A//B", "A/", "/A", "*/", "A/B@", "CN="]
)
def test_notes_name_rejects_unusable_entries(raw: str) -> None:
    with pytest.raises(ValueError, match=r"empty"):
        NotesName.parse(raw)
    with pytest.raises(ValueError, match=r"empty"):
        NotesName(raw)


def test_notes_name_same_as_and_plain_equality() -> None:
    a = NotesName.parse("DominoA/Hub/Acme")
    b = NotesName.parse("cn=dominoa/ou=hub/o=acme")
    assert a.same_as(b)
    assert a.same_as("CN=DominoA/OU=Hub/O=Acme")
    assert not a.same_as("DominoB/Hub/Acme")
    # attrs equality compares the raw spelling; same_as is the name comparison
    assert a != b
    assert a == NotesName("DominoA/Hub/Acme")
    assert len({a, b, NotesName("DominoA/Hub/Acme")}) == 2


def test_notes_name_is_frozen() -> None:
    name = NotesName.parse("A/B")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        name.raw = "C/D"  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------

_component = (
    st.text(
        # Dotless i is the one letter whose casefold differs from that of its upper case
        # (U+0131 vs "I"): a property of Unicode case folding, not of this module.
        alphabet=st.characters(
            categories=("L", "Nd"), include_characters=" ", exclude_characters="\u0131"
        ),
        min_size=1,
        max_size=12,
    )
    .filter(lambda s: s.strip() != "")
    # "*" cannot occur (not a letter), but keep the brief's exclusions explicit.
    .filter(lambda s: not any(ch in s for ch in "/=[*@"))
)
_hierarchical = st.lists(_component, min_size=1, max_size=5).map("/".join)
_any_entry = st.one_of(
    _hierarchical,
    _hierarchical.map(lambda s: "*/" + s),
    _hierarchical.map(lambda s: f"[{s}]"),
    st.text(max_size=40),
    st.lists(
        st.one_of(
            _component,
            st.tuples(st.sampled_from(["CN", "ou", "O", "c", "G", "x"]), _component).map("=".join),
        ),
        min_size=1,
        max_size=5,
    ).map("/".join),
)


@given(_any_entry)
def test_canonicalize_is_idempotent(entry: str) -> None:
    once = canonicalize(entry)
    assert canonicalize(once) == once
    assert name_kind(once) is name_kind(entry)


@given(_hierarchical)
def test_abbreviate_round_trips_generated_names(entry: str) -> None:
    assert name_key(abbreviate(canonicalize(entry))) == name_key(entry)


@given(_any_entry)
def test_abbreviate_keeps_the_key_for_any_entry(entry: str) -> None:
    assert name_key(abbreviate(entry)) == name_key(entry)


@given(_hierarchical)
def test_case_changes_do_not_change_the_key(entry: str) -> None:
    key = name_key(entry)
    assert name_key(entry.upper()) == key
    assert name_key(entry.lower()) == key
    assert name_key(entry.swapcase()) == key
    assert names_equal(entry.upper(), canonicalize(entry).lower())


@given(st.lists(_any_entry, max_size=12))
def test_unique_names_is_idempotent_and_key_unique(entries: list[str]) -> None:
    result = unique_names(entries)
    assert unique_names(result) == result
    keys = [name_key(name) for name in result]
    assert len(set(keys)) == len(keys)
    assert "" not in result
    assert {name_key(e) for e in entries if canonicalize(e)} == set(keys)
