"""Hypothesis strategies for whole Domino Directories: servers, groups, an ACL with roles,
and Foreign Domain documents with readers and authors items.

A :class:`GenDirectory` is plain data: the tests compute what Domino would decide
straight from it (a reference written apart from ``dxltools.access.resolver``), and
:meth:`GenDirectory.exports` renders it as one or two DXL exports for the audit.
Names are written in every form Notes accepts (canonical, abbreviated, any case) so
that only their meaning can decide who reads what.
"""

from __future__ import annotations

from typing import Any

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
    domain: str = DOMAIN  # DomainName


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
        f"<item name='DomainName'><text>{document.domain}</text></item>",
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
def _documents(
    draw: st.DrawFn,
    servers: tuple[str, ...],
    groups: tuple[str, ...],
    mail_elsewhere: bool,
    owner: str | None = None,
) -> GenDocument:
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
    own = owner if owner is not None else draw(st.sampled_from(servers))
    calendar = draw(st.sampled_from([own, abbreviate(own), None]))
    day = draw(st.integers(1, 3))  # few distinct days, so equal times happen
    mail = draw(st.sampled_from([own, None])) if calendar else own
    if mail_elsewhere and calendar and draw(st.booleans()):
        mail = draw(_written(draw(st.sampled_from(servers))))  # a relay, or a loop
    return GenDocument(
        unid=f"D0C{index:029X}",
        modified=f"2023010{day}T120000,00+01",
        mail_server=mail,
        calendar_server=calendar,
        items=tuple(items),
    )


@st.composite
def directories(draw: st.DrawFn, mail_elsewhere: bool = False) -> GenDirectory:
    """A directory with servers, nested (sometimes cyclic) groups, an ACL with roles held
    by names, groups and wildcards, and one to three Foreign Domain documents.
    `mail_elsewhere`: a document's MailServer may name another server than its
    CalendarServer (a relay, or the other coexistence server: mail loops)."""
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
    documents = draw(
        st.lists(_documents(servers, group_names, mail_elsewhere), min_size=1, max_size=3)
    )
    unique_documents = {document.unid: document for document in documents}
    return GenDirectory(
        servers,
        groups,
        roles,
        tuple(unique_entries.values()),
        tuple(unique_documents.values()),
        draw(st.booleans()),
    )


@st.composite
def high_availability(draw: st.DrawFn) -> GenDirectory:
    """A :func:`directories` directory with two or three coexistence servers more, each
    with a Foreign Domain document of its own (its items drawn as any other's)."""
    base = draw(directories())
    owners = draw(st.lists(st.sampled_from(SERVER_POOL), min_size=2, max_size=3, unique=True))
    servers = tuple(dict.fromkeys((*base.servers, *owners)))
    groups = tuple(group.name for group in base.groups)
    documents = [draw(_documents(servers, groups, False, owner)) for owner in owners]
    unique = {document.unid: document for document in (*base.documents, *documents)}
    return attrs.evolve(base, servers=servers, documents=tuple(unique.values()))


@st.composite
def down_servers(draw: st.DrawFn) -> tuple[GenDirectory, tuple[str, ...]]:
    """A directory whose MailServer may name another server (see :func:`directories`)
    and some of its servers, as ``--down`` may name them (any case), to simulate down."""
    directory = draw(directories(mail_elsewhere=True))
    servers = sorted(directory.servers)
    down = draw(st.lists(st.sampled_from(servers), unique=True, max_size=len(servers)))
    written = tuple(draw(st.sampled_from([name, name.lower(), name.upper()])) for name in down)
    return directory, written


# -- directories that coexistence-readers can fix -----------------------------------------

# Items the agent rewrites whatever they hold: it replaces $Readers and removes
# DocumentAccess. Every other item stays, so it may name no server.
REWRITTEN_ITEMS = ("$Readers", "DocumentAccess")
KEPT_ITEMS = ("Readers2", "LocalAdmin", "Owner")


@st.composite
def _no_server(draw: st.DrawFn) -> str:
    """An entry that lets no server read: a person or a name nobody defines."""
    if draw(st.booleans()):
        return draw(_written(draw(st.sampled_from(PERSON_POOL))))
    return draw(st.sampled_from(("CN=Ghost/O=Acme", "NoSuchGroup", "")))


@st.composite
def _fixable_items(
    draw: st.DrawFn, servers: tuple[str, ...], groups: tuple[str, ...]
) -> tuple[GenItem, ...]:
    found = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(REWRITTEN_ITEMS + KEPT_ITEMS))
        values = _entry(servers, groups) if name in REWRITTEN_ITEMS else _no_server()
        found.append(GenItem(name, draw(st.booleans()), tuple(draw(st.lists(values, max_size=3)))))
    return tuple(found)


@st.composite
def _group_members(
    draw: st.DrawFn, servers: tuple[str, ...], ordinary: tuple[str, ...], groups: tuple[str, ...]
) -> tuple[str, ...]:
    """Members of any kind; often the `ordinary` servers, or some of them, sometimes with
    another server, so that some group qualifies as the servers group in many directories."""
    kind = draw(st.sampled_from(["random", "ordinary", "some", "more"]))
    chosen: list[str] = []
    if kind == "some":
        chosen += draw(st.lists(st.sampled_from(ordinary), unique=True)) if ordinary else []
    elif kind != "random":
        chosen += ordinary
    if kind == "more":
        chosen.append(draw(st.sampled_from(servers)))
    members = draw(st.lists(_members(servers, groups), max_size=3))
    members += [draw(_written(server)) for server in chosen]
    return tuple(draw(st.permutations(members)))


@st.composite
def fixable_directories(draw: st.DrawFn, min_documents: int = 1) -> GenDirectory:
    """A directory as `directories` makes them, whose Foreign Domain documents each
    name one server, in both MailServer and CalendarServer, one document per server,
    and whose authors items (and readers items other than $Readers) name no server:
    what `coexistence-readers` can fix with a fitting servers group. `min_documents`:
    1 to 3."""
    servers = tuple(draw(st.lists(st.sampled_from(SERVER_POOL), min_size=3, unique=True)))
    # Mostly several documents (the case the fix is for), and an ordinary server left.
    counts = [count for count in (2, 3, 1) if count >= min_documents]
    count = min(draw(st.sampled_from(counts)), max(len(servers) - 1, 1))
    owners = draw(st.lists(st.sampled_from(servers), min_size=count, max_size=count, unique=True))
    # With several documents their servers are coexistence servers; else every one counts.
    ordinary = tuple(s for s in servers if s not in owners) if len(owners) > 1 else servers
    group_names = tuple(
        draw(st.lists(st.sampled_from(GROUP_POOL), min_size=1, max_size=4, unique=True))
    )
    groups = tuple(
        GenGroup(
            name,
            draw(_group_members(servers, ordinary, group_names)),
            draw(st.sampled_from("0024")),
        )
        for name in group_names
    )
    roles = tuple(draw(st.lists(st.sampled_from(ROLE_POOL), min_size=1, unique=True)))
    held = st.lists(st.sampled_from(roles), unique=True).map(tuple)
    acl_names = st.one_of(st.sampled_from(servers), st.sampled_from(group_names))
    entries = draw(st.lists(st.builds(GenAclEntry, acl_names, held), max_size=3))
    unique_entries = {entry.name.casefold(): entry for entry in entries}
    documents = tuple(
        GenDocument(
            unid=f"D0C{number:029X}",
            modified=f"2023010{draw(st.integers(1, 3))}T120000,00+01",
            mail_server=draw(_written(owner)),
            calendar_server=draw(_written(owner)),
            items=draw(_fixable_items(servers, group_names)),
        )
        for number, owner in enumerate(owners)
    )
    return GenDirectory(
        servers, groups, roles, tuple(unique_entries.values()), documents, draw(st.booleans())
    )


# -- the failover part of the audit's JSON --------------------------------------------------

FAILURES = (
    "fails at {x}: {x} sees the document of another server first and does not relay",
    "no document left on {x}",
)
HELD = ("held at {x}: a loop, {x} > {x}", "no reason given")


@st.composite
def failover_scenarios(
    draw: st.DrawFn, domain: str, servers: tuple[str, ...], coexistence: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The ``failover`` key of ``audit --json`` (schema of issue 12) for one domain:
    nothing down, then each coexistence server down alone, one route per server up,
    sorted by name. Routes and verdicts are drawn, not simulated, so whatever renders
    them can only be right by saying what they say."""
    scenarios = []
    for down in [[], *([server] for server in sorted(coexistence, key=str.casefold))]:
        up = sorted((s for s in servers if s not in down), key=str.casefold)
        routes = []
        for server in up:
            mail = draw(st.sampled_from([None, *up]))
            held = None
            if mail is None:
                held = draw(st.sampled_from(HELD)).format(x=draw(st.sampled_from(up)))
            free_busy = draw(st.sampled_from([None, *up]))
            failure = None
            if free_busy is None:
                failure = draw(st.sampled_from(FAILURES)).format(x=draw(st.sampled_from(up)))
            routes.append(
                {
                    "server": server,
                    "mail": mail,
                    "mail_held": held,
                    "free_busy": free_busy,
                    "free_busy_failure": failure,
                }
            )
        scenarios.append(
            {
                "domain": domain,
                "down": down,
                "routes": routes,
                "mail_ok": draw(st.booleans()),
                "free_busy_ok": draw(st.booleans()),
            }
        )
    return scenarios
