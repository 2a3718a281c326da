"""The suggested fix in one pass over the Group documents (`choose_servers_group`):
the same candidates as the resolver that indexes every group gives
(`servers_group_candidates`), whether the audit reads groups on demand or not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.generate import generate
from dxltools.access import membership
from dxltools.access.directory import Group
from dxltools.access.membership import key_first_value, written_first_value
from dxltools.access.stores import GroupStore
from dxltools.audit.fix import (
    ServersGroupChoice,
    candidates_of,
    choose_servers_group,
    servers_group_candidates,
)
from dxltools.names import name_key
from tests.directory_strategies import GenDirectory, directories, fixable_directories
from tests.test_audit import fixed
from tests.test_audit_on_demand import EXPORTS, PROLOG, audited


def assert_same_candidates(exports: list[tuple[str, bytes]]) -> ServersGroupChoice:
    """One pass, on demand or not, against the resolver that indexes every group."""
    auditor = audited(exports, on_demand=False)
    report = auditor.report()
    expected = servers_group_candidates(report, auditor.access())
    assert choose_servers_group(report, auditor) == expected
    assert candidates_of(audited(exports, on_demand=True)) == expected
    return expected


@pytest.mark.parametrize("path", EXPORTS, ids=lambda path: Path(path).name)
def test_fixtures_and_real_exports_before_and_after_the_fix(path: Path) -> None:
    data = path.read_bytes()
    assert_same_candidates([(path.name, data)])
    assert_same_candidates([(path.name, fixed(data))])


@given(directories())
def test_generated_directories(directory: GenDirectory) -> None:
    assert_same_candidates(directory.exports())


@pytest.mark.parametrize("kept", [0, 1, 2])
def test_members_whose_keys_are_not_kept_count_alike(
    kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The keys of members met again are kept up to a bound (memory): past it, each
    # member is parsed as a name again, with the same result.
    monkeypatch.setattr(membership, "_MAX_KEYS_KEPT", kept)
    for path in EXPORTS:
        assert_same_candidates([(Path(path).name, Path(path).read_bytes())])
    out = io.BytesIO()
    generate(out, 300_000, 5)
    assert_same_candidates([("generated.dxl", out.getvalue())])


@given(fixable_directories(), st.integers(0, 4), st.booleans())
def test_groups_split_over_several_exports_and_replaced(
    directory: GenDirectory, cut: int, stale: bool
) -> None:
    assert_same_candidates(directory.spread(cut, stale))


def test_a_generated_directory_never_builds_a_store_of_every_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO()
    stats = generate(out, 1_000_000, 3)
    data = out.getvalue()
    groups = stats.by_form["Group"]
    assert groups > 40
    choice = assert_same_candidates([("names.dxl", data)])
    assert choice.best is not None  # the generator's servers group qualifies
    auditor = audited([("names.dxl", data)], on_demand=True)
    report = auditor.report()
    sizes: list[int] = []
    add = GroupStore.add

    def spy(self: GroupStore, key: str, group: Group) -> None:
        add(self, key, group)
        sizes.append(len(self))

    monkeypatch.setattr(GroupStore, "add", spy)
    assert choose_servers_group(report, auditor) == choice
    assert max(sizes) < groups / 2


# -- groups that hold a server in every way a group can ------------------------------------

SERVERS = (
    "CN=Mail1/OU=Mail/O=Acme",
    "CN=Mail2/OU=Mail/O=Acme",
    "CN=Coex1/O=Acme",
    "CN=Coex2/O=Acme",
)


def server_note(number: int, name: str) -> str:
    return (
        f"<document form='Server'><noteinfo unid='5{number:031X}'/>"
        f"<item name='ServerName'><text>{name}</text></item></document>\n"
    )


def group_note(number: int, name: str, *members: str) -> str:
    texts = "".join(f"<text>{member}</text>" for member in members)
    return (
        f"<document form='Group'><noteinfo unid='A{number:031X}'/>"
        f"<item name='ListName'><text>{name}</text></item>"
        f"<item name='Members'><textlist>{texts}</textlist></item></document>\n"
    )


def domain_note(number: int, server: str) -> str:
    return (
        f"<document form='Domain'><noteinfo unid='D{number:031X}'/>"
        "<item name='DomainType'><text>ForeignDomain</text></item>"
        "<item name='DomainName'><text>BTEx</text></item>"
        f"<item name='MailServer'><text>{server}</text></item>"
        f"<item name='CalendarServer'><text>{server}</text></item></document>\n"
    )


def export(*groups: str, servers: tuple[str, ...] = SERVERS) -> list[tuple[str, bytes]]:
    body = "".join(server_note(n, name) for n, name in enumerate(servers))
    body += domain_note(1, SERVERS[2]) + domain_note(2, SERVERS[3])
    return [("names.dxl", (PROLOG + body + "".join(groups) + "</database>\n").encode())]


def candidate_names(exports: list[tuple[str, bytes]]) -> list[str]:
    return [candidate.group for candidate in assert_same_candidates(exports).candidates]


def test_nested_three_deep_and_a_cycle() -> None:
    exports = export(
        group_note(1, "Outer", "Middle"),
        group_note(2, "Middle", "Inner", "Outer"),  # a cycle back to Outer
        group_note(3, "Inner", "Mail1/Mail/Acme", "CN=Mail2/OU=Mail/O=Acme"),
        group_note(4, "Unrelated", "CN=Jo/O=Acme"),
    )
    assert candidate_names(exports) == ["Inner", "Middle", "Outer"]


def test_wildcard_members() -> None:
    exports = export(
        group_note(1, "AllAcme", "*/O=Acme"),  # holds the coexistence servers too
        group_note(2, "MailOU", "*/OU=Mail/O=Acme"),
        group_note(3, "Holder", "MailOU"),
    )
    assert candidate_names(exports) == ["Holder", "MailOU"]


def test_names_spelt_with_references() -> None:
    # No byte of these groups spells "Mail1" or "Mail2" in letters.
    exports = export(
        group_note(1, "Spelt", "CN=&#77;ail1/OU=Mail/O=Acme", "CN=M&#x61;il2/OU=Mail/O=Acme"),
        group_note(2, "Holder", "Sp&#101;lt"),
    )
    assert candidate_names(exports) == ["Holder", "Spelt"]


def test_a_group_that_holds_a_coexistence_server_is_no_candidate() -> None:
    exports = export(
        group_note(1, "All", "Mail1/Mail/Acme", "Mail2/Mail/Acme", "Coexistence"),
        group_note(2, "Coexistence", "Coex1/Acme"),
        group_note(3, "Ordinary", "Mail1/Mail/Acme", "Mail2/Mail/Acme"),
    )
    assert candidate_names(exports) == ["Ordinary"]


def test_a_server_spelt_with_letters_beyond_ascii() -> None:
    servers = ("CN=Müller/OU=Mail/O=Acme", *SERVERS[1:])
    exports = export(
        group_note(1, "Ordinary", "müller/mail/acme", "Mail2/Mail/Acme"),
        group_note(2, "Other", "CN=Jo/O=Acme"),
        servers=servers,
    )
    assert candidate_names(exports) == ["Ordinary"]


def test_a_wildcard_member_that_matches_a_groups_name() -> None:
    exports = export(
        group_note(1, "CN=MailSet/OU=Groups/O=Acme", "Mail1/Mail/Acme", "Mail2/Mail/Acme"),
        group_note(2, "Outer", "*/OU=Groups/O=Acme"),
    )
    assert candidate_names(exports) == ["CN=MailSet/OU=Groups/O=Acme", "Outer"]


def test_two_documents_of_one_group_name_count_as_one_group() -> None:
    exports = export(
        group_note(1, "Split", "Mail1/Mail/Acme"),
        group_note(2, "split", "CN=Mail2/OU=Mail/O=Acme"),
    )
    assert candidate_names(exports) == ["Split"]


# -- the members passed over without being parsed as names ------------------------------------

_NAME_PIECES = st.sampled_from(
    ["CN=", "cn = ", "OU=", "O=", "/", " / ", "@", "Mail", "mail1", "Ab", "x", " ", "=", "*", "-"]
)
_NAMES = st.one_of(
    st.lists(_NAME_PIECES, max_size=8).map("".join),
    st.text(st.sampled_from("aBz09 =/@.-_*&'\tKé\u017f"), max_size=16),
    # letters beyond ASCII: those that casefold to ASCII or to two letters, Greek
    # sigmas, a combining accent, a digit of another script, spaces beyond ASCII
    st.text(
        st.sampled_from("aN=/ .-_Åéß\u017f\u212aİΣ\u03c3ςǅ\u0301٣\u00a0\u2003\x1c@*[]"), max_size=16
    ),
)


@given(_NAMES)
def test_a_name_as_written_has_the_first_value_of_its_key(name: str) -> None:
    # held_names passes over a member whose first value (read as written, lowercased)
    # starts no name it looks for: that must be the first value of its key.
    written = written_first_value(name)
    if written is not None:
        assert written == key_first_value(name_key(name))
