"""Hypothesis strategies for whole Domino Directories: servers, groups, an ACL with roles,
and Foreign Domain documents with readers and authors items.

A :class:`GenDirectory` is plain data: the tests compute what Domino would decide
straight from it (a reference written apart from ``dxltools.access.resolver``), and
:meth:`GenDirectory.exports` renders it as one or two DXL exports for the audit.
Names are written in every form Notes accepts (canonical, abbreviated, any case) so
that only their meaning can decide who reads what.
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from dxltools.names import abbreviate

DXL_NS = "http://www.lotus.com/dxl"
DOMAIN = "BTEx"

SERVER_POOL = (
    "CN=Coex1/OU=Hub/O=Acme",
    "CN=Coex2/OU=Hub/O=Acme",
    "CN=Mail1/O=Acme",
    "CN=App1/OU=Apps/O=Acme",
    "CN=Relay/O=Partner",
)
PERSON_POOL = ("CN=Admin/O=Acme", "CN=Jana Novak/OU=Hub/O=Acme", "CN=Guest/O=Partner")
GROUP_POOL = ("Servers", "Admins", "Coex", "Nested", "Loop")
ROLE_POOL = ("NetModifier", "ServerModifier", "GroupModifier")
WILDCARD_POOL = ("*/O=Acme", "*/OU=Hub/O=Acme", "*/O=Partner", "*")
UNKNOWN_POOL = ("CN=Ghost/O=Acme", "NoSuchGroup", "[NoSuchRole]")


@attrs.frozen
class GenGroup:
    name: str
    members: tuple[str, ...]  # as written: any form, groups, wildcards
    group_type: str


@attrs.frozen
class GenAclEntry:
    name: str
    roles: tuple[str, ...]  # as the ACL writes them: no brackets
    default: bool = False


@attrs.frozen
class GenItem:
    name: str
    readers: bool  # else authors
    values: tuple[str, ...]  # blank values allowed: they hold nothing


@attrs.frozen
class GenDocument:
    unid: str
    modified: str  # a DXL datetime
    mail_server: str | None
    calendar_server: str | None
    items: tuple[GenItem, ...]


@attrs.frozen
class GenDirectory:
    servers: tuple[str, ...]  # canonical; each has a Server document
    groups: tuple[GenGroup, ...]
    roles: tuple[str, ...]  # the roles the ACL declares
    acl: tuple[GenAclEntry, ...]
    documents: tuple[GenDocument, ...]
    split: bool  # the documents in one export, the directory in another

    def exports(self) -> list[tuple[str, bytes]]:
        """The directory as DXL: one database export, or two when `split`."""
        directory = [_acl(self.roles, self.acl)] if self.acl or self.roles else []
        directory += [_server(i, name) for i, name in enumerate(self.servers)]
        directory += [_group(i, group) for i, group in enumerate(self.groups)]
        documents = [_domain(document) for document in self.documents]
        if self.split:
            return [("directory.dxl", _database(directory)), ("domains.dxl", _database(documents))]
        return [("names.dxl", _database(directory + documents))]

    def spread(self, cut: int, stale: bool) -> list[tuple[str, bytes]]:
        """The directory as two exports, its Group documents split between them at
        `cut`; with `stale`, the first also holds an older copy (same UNID, no members)
        of each group of the second, which the later copy replaces."""
        head = [_acl(self.roles, self.acl)] if self.acl or self.roles else []
        head += [_server(i, name) for i, name in enumerate(self.servers)]
        groups = list(enumerate(self.groups))
        head += [_group(i, group) for i, group in groups[:cut]]
        if stale:
            head += [_group(i, attrs.evolve(group, members=())) for i, group in groups[cut:]]
        tail = [_group(i, group) for i, group in groups[cut:]]
        tail += [_domain(document) for document in self.documents]
        return [("directory.dxl", _database(head)), ("more.dxl", _database(tail))]


# -- rendering ----------------------------------------------------------------------------


def _database(children: list[str]) -> bytes:
    body = "\n".join(children)
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f"<database xmlns='{DXL_NS}' version='9.0' replicaid='C1257B55002760FD'>\n"
        f"{body}\n</database>\n"
    ).encode()


def _textlist(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return f"<text>{values[0]}</text>"
    return "<textlist>" + "".join(f"<text>{value}</text>" for value in values) + "</textlist>"


def _noteinfo(unid: str, modified: str) -> str:
    return (
        f"<noteinfo noteid='{unid[-3:].lower()}' unid='{unid}' sequence='1'>\n"
        f"<modified><datetime>{modified}</datetime></modified></noteinfo>"
    )


def _acl(roles: tuple[str, ...], entries: tuple[GenAclEntry, ...]) -> str:
    parts = [f"<role>{role}</role>" for role in roles]
    for entry in entries:
        default = " default='true'" if entry.default else ""
        held = "".join(f"<role>{role}</role>" for role in entry.roles)
        parts.append(f"<aclentry name='{entry.name}'{default} level='manager'>{held}</aclentry>")
    return "<acl>\n" + "\n".join(parts) + "\n</acl>"


def _server(index: int, name: str) -> str:
    unid = f"5E{index:030X}"
    return (
        f"<document form='Server'>\n{_noteinfo(unid, '20200101T000000,00+00')}\n"
        f"<item name='ServerName' names='true'><text>{name}</text></item></document>"
    )


def _group(index: int, group: GenGroup) -> str:
    unid = f"6F{index:030X}"
    members = _textlist(group.members) if group.members else "<text/>"
    return (
        f"<document form='Group'>\n{_noteinfo(unid, '20200101T000000,00+00')}\n"
        f"<item name='ListName'><text>{group.name}</text></item>\n"
        f"<item name='GroupType'><text>{group.group_type}</text></item>\n"
        f"<item name='Members' names='true'>{members}</item></document>"
    )


def _domain(document: GenDocument) -> str:
    lines = [
        "<document form='Domain'>",
        _noteinfo(document.unid, document.modified),
        "<item name='DomainType'><text>ForeignDomain</text></item>",
        f"<item name='DomainName'><text>{DOMAIN}</text></item>",
    ]
    for name, server in (
        ("MailServer", document.mail_server),
        ("CalendarServer", document.calendar_server),
    ):
        if server is not None:
            lines.append(f"<item name='{name}' names='true'><text>{server}</text></item>")
    for item in document.items:
        flag = "readers" if item.readers else "authors"
        value = _textlist(item.values) if item.values else "<text/>"
        lines.append(f"<item name='{item.name}' {flag}='true' names='true'>{value}</item>")
    return "\n".join(lines) + "</document>"


# -- strategies ---------------------------------------------------------------------------


@st.composite
def _written(draw: st.DrawFn, name: str) -> str:
    """`name` as an export may write it: canonical or abbreviated, in some case."""
    form = draw(st.sampled_from([name, name, abbreviate(name)]))
    return draw(st.sampled_from([form, form, form.upper(), form.lower()]))


@st.composite
def _entry(draw: st.DrawFn, servers: tuple[str, ...], groups: tuple[str, ...]) -> str:
    """One readers, authors or member entry of any kind."""
    kinds = ["server", "person", "wildcard", "unknown", "role", "blank"]
    if groups:
        kinds += ["group"] * 4
    kind = draw(st.sampled_from(kinds))
    if kind == "server":
        return draw(_written(draw(st.sampled_from(servers))))
    if kind == "person":
        return draw(_written(draw(st.sampled_from(PERSON_POOL))))
    if kind == "group":
        group = draw(st.sampled_from(groups))
        return draw(st.sampled_from([group, group.upper(), group.lower()]))
    if kind == "wildcard":
        return draw(st.sampled_from(WILDCARD_POOL))
    if kind == "role":
        role = draw(st.sampled_from(ROLE_POOL))
        return draw(st.sampled_from([f"[{role}]", f"[{role.lower()}]"]))
    if kind == "blank":
        return ""
    return draw(st.sampled_from(UNKNOWN_POOL))


@st.composite
def _members(draw: st.DrawFn, servers: tuple[str, ...], groups: tuple[str, ...]) -> str:
    entry = draw(_entry(servers, groups))
    # Roles are not group members; an empty member is just nothing.
    return entry if entry and not entry.startswith("[") else draw(_written(servers[0]))


@st.composite
def _documents(draw: st.DrawFn, servers: tuple[str, ...], groups: tuple[str, ...]) -> GenDocument:
    index = draw(st.integers(0, 0xFFFF))
    items = draw(
        st.lists(
            st.builds(
                GenItem,
                st.sampled_from(["$Readers", "Readers2", "LocalAdmin", "Owner", "DocumentAccess"]),
                st.booleans(),
                st.lists(_entry(servers, groups), max_size=3).map(tuple),
            ),
            max_size=4,
        )
    )
    own = draw(st.sampled_from(servers))
    calendar = draw(st.sampled_from([own, abbreviate(own), None]))
    day = draw(st.integers(1, 3))  # few distinct days, so equal times happen
    return GenDocument(
        unid=f"D0C{index:029X}",
        modified=f"2023010{day}T120000,00+01",
        mail_server=draw(st.sampled_from([own, None])) if calendar else own,
        calendar_server=calendar,
        items=tuple(items),
    )


@st.composite
def directories(draw: st.DrawFn) -> GenDirectory:
    """A directory with servers, nested (sometimes cyclic) groups, an ACL with roles held
    by names, groups and wildcards, and one to three Foreign Domain documents."""
    servers = tuple(draw(st.lists(st.sampled_from(SERVER_POOL), min_size=1, unique=True)))
    group_names = tuple(
        draw(st.lists(st.sampled_from(GROUP_POOL), min_size=1, max_size=4, unique=True))
    )
    groups = tuple(
        GenGroup(
            name,
            tuple(draw(st.lists(_members(servers, group_names), max_size=4))),
            draw(st.sampled_from(["0", "0", "2", "4"])),
        )
        for name in group_names
    )
    roles = tuple(draw(st.lists(st.sampled_from(ROLE_POOL), min_size=1, unique=True)))
    some_group = st.sampled_from(group_names or ("NoSuchGroup",))
    acl_names = st.one_of(
        st.sampled_from(servers),
        some_group,
        st.sampled_from(PERSON_POOL),
        some_group,
        st.sampled_from(WILDCARD_POOL),
    )
    held = st.lists(st.sampled_from(roles), unique=True).map(tuple) if roles else st.just(())
    entries = draw(st.lists(st.builds(GenAclEntry, acl_names, held), max_size=4))
    if draw(st.booleans()):
        entries.append(GenAclEntry("-Default-", draw(held), default=True))
    unique_entries = {entry.name.casefold(): entry for entry in entries}
    documents = draw(st.lists(_documents(servers, group_names), min_size=1, max_size=3))
    unique_documents = {document.unid: document for document in documents}
    return GenDirectory(
        servers,
        groups,
        roles,
        tuple(unique_entries.values()),
        tuple(unique_documents.values()),
        draw(st.booleans()),
    )
