"""Deterministic generator of realistic Domino Directory exports of a given size.

``python -m benchmarks.generate --size 200MB --seed 1 OUT.dxl`` writes a ``names.nsf``
database export in the style of ``fixtures/names.dxl``: Domino 9.0.1 DOCTYPE, an ACL
with the directory roles, Server, Person, Group and Domain documents of 1 to 3 KB,
about 2% of them Foreign Domain documents (a foreign domain per 2 or 3 documents, one
per coexistence server, each with a ``DocumentAccess`` authors item), rich text and
every item value type, and long lines wrapped inside tags as Domino does.

The output is streamed: memory does not grow with the size, so a gigabyte is fine.
The same size and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import collections
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import attrs

# Bump when the output for a given size and seed changes: run.py keys cached files on it.
GENERATOR_VERSION = 1

ORG = "Acme"
SERVERS_GROUP = "AcmeMailServers"  # ordinary servers only: coexistence-readers' servers_group
ADMINS_GROUP = "LocalDomainAdmins"
FOREIGN_DOMAIN_TYPE = "ForeignDomain"
FOREIGN_SHARE = 0.02
# Every foreign domain has one document per coexistence server (the high-availability
# setup), so a file has 2 or 3 of them, chosen by the seed, and 2 or 3 documents a domain.
COEX_SERVERS = (2, 3)
MIN_SIZE = 100_000

_LINE = 90  # Domino wraps lines longer than about this, inside a tag
_TRAILER = b"</database>\n"
_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]I?B|B)?\s*$", re.IGNORECASE)
_START_TAG = re.compile(r"<[A-Za-z$][\w.-]*(?=[ >])")

_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ivan",
    "Jana",
    "Jürgen",
    "Karl",
    "Lena",
    "Marta",
    "Noah",
    "Olga",
    "Peter",
    "Quentin",
    "Rosa",
    "Stefan",
    "Tereza",
    "Uwe",
    "Vera",
    "Walter",
    "Xaver",
    "Yusuf",
    "Zoë",
    "Åsa",
    "Łukasz",
    "José",
    "Chloé",
    "Sean",
    "Aoife",
    "Mei",
    "Ravi",
    "Ingrid",
    "Hugo",
    "Nadia",
    "Omar",
    "Lucía",
]
_LAST = [
    "Müller",
    "Novak",
    "Brandt",
    "Schmidt",
    "Dvořák",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "O'Brien",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Lehmann",
    "Kowalski",
    "García",
    "Rossi",
    "Nilsson",
    "Dubois",
    "Silva",
    "Yamamoto",
    "Chen",
    "Kumar",
    "Andersen",
]
_DEPARTMENTS = (
    "Sales",
    "Finance",
    "IT",
    "HR",
    "Legal",
    "Research & Development",
    "Logistics",
    "Marketing",
    "Support",
    "Production",
)
_TITLES = ("Engineer", "Manager", "Analyst", "Assistant", "Consultant", "Director", "Technician")
_CITIES = ("München", "Berlin", "Praha", "Wien", "Zürich", "Hamburg", "Brno", "Köln")
_WORDS = [
    "the",
    "quick",
    "review",
    "of",
    "mail",
    "routing",
    "shows",
    "that",
    "every",
    "server",
    "in",
    "the",
    "hub",
    "must",
    "replicate",
    "the",
    "directory",
    "before",
    "the",
    "nightly",
    "cleanup",
    "runs",
    "and",
    "the",
    "coexistence",
    "connector",
    "reads",
    "free/busy",
    "data",
    "from",
    "the",
    "foreign",
    "domain",
    "document",
    "that",
    "is",
    "newest",
    "first",
]
_DOMAIN_BASES = ("BTEx", "Fabrikam", "Contoso", "Northwind", "Tailspin", "Litware", "Adatum")
_OTHER_DOMAIN_TYPES = ("AdjacentDomain", "NonAdjacentDomain", "ForeignSMTPDomain", "GlobalDomain")
_ROLES = (
    "GroupCreator",
    "GroupModifier",
    "NetCreator",
    "NetModifier",
    "PolicyCreator",
    "PolicyModifier",
    "PolicyReader",
    "ServerCreator",
    "ServerModifier",
    "UserCreator",
    "UserModifier",
)


class SizeError(ValueError):
    """A size that is not a number with an optional unit (KB, MB, GB, KiB, MiB, GiB)."""


def parse_size(text: str) -> int:
    """Bytes in ``200MB``, ``1GB``, ``512KiB`` or ``1000``; decimal units, like disk makers."""
    match = _SIZE_RE.match(text)
    if match is None:
        raise SizeError(f"not a size: {text!r} (say 200MB, 1GB, 512KiB)")
    unit = (match.group(2) or "").upper()
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size: int) -> str:
    """``200MB`` for 200_000_000; the exact byte count when no decimal unit fits."""
    for unit in ("GB", "MB", "KB"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return f"{size}B"


@attrs.frozen
class GenerateStats:
    """What one generated export holds."""

    size: int
    documents: int
    by_form: dict[str, int]
    foreign_unids: tuple[str, ...]  # the Foreign Domain documents, in file order

    @property
    def foreign_share(self) -> float:
        return len(self.foreign_unids) / self.documents if self.documents else 0.0


# -- DXL text helpers -------------------------------------------------------------------


def _escape(text: str) -> str:
    # Domino escapes & and < in text and keeps quotes literal.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text: str, width: int = _LINE) -> str:
    """Break long lines inside start tags, never inside text, the way Domino does:
    ``<text\n>value</text>`` or ``<datetime\n dst='true'>``."""
    if len(text) <= width:
        return text
    return "\n".join(_wrap_line(line, width) for line in text.split("\n"))


def _wrap_line(line: str, width: int) -> str:
    pieces: list[str] = []
    start = 0
    while len(line) - start > width:
        cut = _break_at(line, start + 20, start + width)
        if cut is None:
            break
        pieces.append(line[start:cut])
        # a space before the first attribute becomes the newline; else one goes before '>'
        if line[cut] == " ":
            pieces.append("\n")
            start = cut + 1
            pieces.append(" ")
        else:
            pieces.append("\n")
            start = cut
    pieces.append(line[start:])
    return "".join(pieces)


def _break_at(line: str, low: int, high: int) -> int | None:
    """Index just after the name of the last start tag that begins in [low, high], else of
    the first one after it (a line with one long tag stays long, as in real exports)."""
    best = None
    for match in _START_TAG.finditer(line, low):
        if best is not None and match.start() > high:
            break
        best = match.end()
    return best


class _Clock:
    """Strictly increasing Notes datetimes, so UNIDs (which embed them) are unique."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self._rng = rng
        self.now = start  # hundredths of a second since the epoch

    def tick(self, low: int, high: int) -> int:
        self.now += self._rng.randint(low, high)
        return self.now


def _datetime(hundredths: int, tag: str = "datetime") -> str:
    seconds, fraction = divmod(hundredths, 100)
    month = time.gmtime(seconds).tm_mon
    dst = 4 <= month <= 10  # Central European summer time, near enough
    local = time.gmtime(seconds + (7200 if dst else 3600))
    stamp = time.strftime("%Y%m%dT%H%M%S", local) + f",{fraction:02d}" + ("+02" if dst else "+01")
    attribute = " dst='true'" if dst else ""
    return f"<{tag}{attribute}>{stamp}</{tag}>"


def _base64_lines(data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


# -- items --------------------------------------------------------------------------------


def _flags(names: bool = False, authors: bool = False, readers: bool = False) -> str:
    flags = ""
    if authors:
        flags += " authors='true'"
    if readers:
        flags += " readers='true'"
    if names:
        flags += " names='true'"
    return flags


def text_item(name: str, value: str, flags: str = "") -> str:
    inner = f"<text>{_escape(value)}</text>" if value else "<text/>"
    return f"<item name='{name}'{flags}>{inner}</item>"


def textlist_item(name: str, values: Sequence[str], flags: str = "") -> str:
    inner = "".join(f"<text>{_escape(v)}</text>" for v in values)
    return f"<item name='{name}'{flags}><textlist>{inner}</textlist></item>"


def number_item(name: str, value: float | int) -> str:
    return f"<item name='{name}'><number>{value}</number></item>"


def numberlist_item(name: str, values: Sequence[float | int]) -> str:
    inner = "".join(f"<number>{v}</number>" for v in values)
    return f"<item name='{name}'><numberlist>{inner}</numberlist></item>"


def datetime_item(name: str, hundredths: int) -> str:
    return f"<item name='{name}'>{_datetime(hundredths)}</item>"


def datetimelist_item(name: str, stamps: Sequence[int], pair: tuple[int, int] | None) -> str:
    inner = "".join(_datetime(s) for s in stamps)
    if pair is not None:
        inner += f"<datetimepair>{_datetime(pair[0])}{_datetime(pair[1])}</datetimepair>"
    return f"<item name='{name}'><datetimelist>{inner}</datetimelist></item>"


# -- the export -----------------------------------------------------------------------------


@attrs.frozen
class _Server:
    canonical: str
    host: str
    title: str


class _Export:
    """One export being written: random source, clock, ids, and a bounded memory of names
    (recent persons and groups) for group members, so memory stays constant."""

    def __init__(self, out: BinaryIO, size: int, seed: int) -> None:
        self.out = out
        self.target = size
        self.rng = random.Random(seed)
        self.clock = _Clock(self.rng, start=1_325_376_000 * 100)  # 2012-01-01
        self.noteid = 0x8F0
        self.written = 0
        self.documents = 0
        self.by_form: collections.Counter[str] = collections.Counter()
        self.foreign: list[str] = []
        self.persons: collections.deque[str] = collections.deque(maxlen=400)
        self.groups: collections.deque[str] = collections.deque(maxlen=200)
        self.replicaid = f"{self.rng.getrandbits(64):016X}"
        ordinary = max(3, min(100, size // 2_000_000))
        self.hub = _Server(f"CN=DominoHub1/O={ORG}", "hub1", "Hub and administration server")
        self.ordinary = [self.hub] + [self._server_of(i) for i in range(1, ordinary)]
        self.coex = [
            _Server(f"CN=DominoCoex{i}/O={ORG}", f"coex{i}", f"Exchange coexistence server {i}")
            for i in range(1, self.rng.choice(COEX_SERVERS) + 1)
        ]
        self.mail_servers = [s for s in self.ordinary if "Mail" in s.canonical] or [self.hub]
        self.domains = 0
        self.person_serial = 0

    @staticmethod
    def _server_of(index: int) -> _Server:
        kind = "Mail" if index % 3 else "App"
        title = "Mail server" if kind == "Mail" else "Application server"
        return _Server(f"CN=Domino{kind}{index}/O={ORG}", f"{kind.lower()}{index}", title)

    # -- writing ------------------------------------------------------------------------

    def emit(self, data: bytes) -> None:
        self.out.write(data)
        self.written += len(data)

    def fits(self, data: bytes) -> bool:
        return self.written + len(data) + len(_TRAILER) <= self.target

    def emit_documents(self, documents: Sequence[tuple[str, str, bytes]]) -> bool:
        """Write (form, unid, bytes) documents if all of them fit in the size; else none."""
        if not self.fits(b"".join(d[2] for d in documents)):
            return False
        for form, unid, data in documents:
            self.emit(data)
            self.documents += 1
            self.by_form[form] += 1
            if form == "Foreign Domain":
                self.foreign.append(unid)
        return True

    # -- one document ----------------------------------------------------------------------

    def document(self, form: str, items: Sequence[str]) -> tuple[str, bytes]:
        """The bytes of a ``<document>``: header in export style, then one item a line."""
        rng = self.rng
        created = self.clock.tick(3_000, 60_000)
        self.noteid += 4 * rng.randint(1, 24)
        unid = f"{rng.getrandbits(64):016X}C125{created // 100:012X}"
        modified = created + rng.randint(100, 300_000_000)
        added = created + rng.randint(50, 120)
        revisions = sorted(rng.randint(added, modified) for _ in range(rng.randint(0, 3)))
        editors = [f"CN=Admin/O={ORG}", self.hub.canonical]
        lines = [
            f"<document form='{form}'>",
            f"<noteinfo noteid='{self.noteid:x}' unid='{unid}' sequence='{len(revisions) + 2}'>",
            f"<created>{_datetime(created)}</created>",
            f"<modified>{_datetime(modified)}</modified>",
            f"<revised>{_datetime(modified - 1)}</revised>",
            f"<lastaccessed>{_datetime(modified - 1)}</lastaccessed>",
            f"<addedtofile>{_datetime(added)}</addedtofile></noteinfo>",
            "<updatedby>" + "".join(f"<name>{e}</name>" for e in editors) + "</updatedby>",
            "<revisions>" + "".join(_datetime(r) for r in [added, *revisions]) + "</revisions>",
            *items,
        ]
        lines[-1] += "</document>"
        text = "\n".join(wrap(line) for line in lines) + "\n"
        return unid, text.encode("utf-8")

    def document_access(self, role: str) -> str:
        start = f"<item name='DocumentAccess'{_flags(authors=True, names=True)}>"
        if self.rng.random() < 0.05:  # some exports wrap even this short tag
            start = "<item name='DocumentAccess'\n authors='true' names='true'>"
        return f"{start}<text>[{role}]</text></item>"

    def admin_items(self, role: str, owner: str) -> list[str]:
        return [
            text_item("Owner", owner, _flags(authors=True, names=True)),
            text_item("LocalAdmin", ADMINS_GROUP, _flags(authors=True, names=True)),
            self.document_access(role),
        ]

    def sentence(self, low: int, high: int) -> str:
        words = [self.rng.choice(_WORDS) for _ in range(self.rng.randint(low, high))]
        return " ".join(words).capitalize() + "."

    def richtext_item(self, name: str) -> str:
        rng = self.rng
        pars = [
            f"<pardef id='1' leftmargin='0.1250in' tabs='L{rng.randint(1, 4)}.1250in'"
            " keepwithnext='true' keeptogether='true'/>"
        ]
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.4:
                pars.append(
                    "<par def='1'><run><font size='9pt' name='Helvetica Neue'"
                    f" pitch='variable'/>{_escape(self.sentence(4, 12))}</run></par>"
                )
            else:
                pars.append(f"<par def='1'>{_escape(self.sentence(6, 20))}</par>")
        body = "\n".join(wrap(p) for p in pars)
        return f"<item name='{name}'><richtext>\n{body}</richtext></item>"

    def rawitemdata_item(self, name: str, low: int, high: int) -> str:
        data = self.rng.randbytes(self.rng.randint(low, high))
        return (
            f"<item name='{name}' summary='false'><rawitemdata type='e'>\n"
            f"{_base64_lines(data)}\n</rawitemdata></item>"
        )

    def object_item(self, filename: str) -> str:
        data = self.rng.randbytes(self.rng.randint(100, 300))
        stamp = self.clock.now + self.rng.randint(0, 10_000)
        return (
            "<item name='$FILE' summary='true' sign='false' seal='false'><object><file"
            f" hosttype='bytearraypage' compression='none' flags='storedindoc'"
            f" encoding='none' name='{filename}' size='{len(data)}'><created>"
            f"{_datetime(stamp)}</created><modified>{_datetime(stamp)}</modified><filedata>\n"
            f"{_base64_lines(data)}\n</filedata></file></object></item>"
        )

    # -- document kinds --------------------------------------------------------------------

    def server(self, server: _Server) -> tuple[str, bytes]:
        rng = self.rng
        items = [
            text_item("$ConflictAction", "1"),
            text_item("Type", "Server"),
            text_item("ServerName", server.canonical, _flags(names=True)),
            text_item("ServerTitle", server.title),
            text_item("Domain", ORG),
            text_item("ClusterName", ""),
            text_item("ServerBuildNumber", "Release 9.0.1FP10"),
            text_item("ServerPlatform", rng.choice(("Linux/64", "Windows/64"))),
            textlist_item("Administrator", [f"CN=Admin/O={ORG}", ADMINS_GROUP], _flags(names=True)),
            text_item("SMTPFullHostDomain", f"{server.host}.acme.example"),
            textlist_item("Ports", ["TCPIP"]),
            text_item("NetAddresses", f"{server.host}.acme.example"),
            textlist_item("AllowAccess", [f"*/O={ORG}", "OtherDomainServers"], _flags(names=True)),
            text_item("DenyAccess", "Terminations", _flags(names=True)),
            text_item("CreateAccess", ADMINS_GROUP, _flags(names=True)),
            textlist_item("ServerTasks", ["Replica", "Router", "Update", "AMgr", "AdminP"]),
            number_item("MaxUsers", 0),
            numberlist_item("TransactionLimits", [rng.randint(0, 9) * 100, 0, 30]),
            datetime_item("LastStartTime", self.clock.now - rng.randint(0, 10**8)),
            self.richtext_item("Comments"),
            self.rawitemdata_item("ServerCertificate", 60, 200),
        ]
        return self.document(
            "Server", items + self.admin_items("ServerModifier", "CN=Admin/O=Acme")
        )

    def person(self, first: str, last: str, canonical: str = "") -> tuple[str, bytes]:
        rng = self.rng
        self.person_serial += 1
        short = f"{first[:1]}{last}{self.person_serial}".lower().replace("'", "")
        department = rng.choice(_DEPARTMENTS)
        # the serial keeps names unique in a directory of any size
        common = f"{first} {last} {self.person_serial}"
        canonical = canonical or f"CN={common}/OU={department.split()[0]}/O={ORG}"
        self.persons.append(canonical)
        mail = rng.choice(self.mail_servers).canonical
        now = self.clock.now
        items = [
            text_item("$ConflictAction", "1"),
            text_item("Type", "Person"),
            text_item("FirstName", first),
            text_item("MiddleInitial", ""),
            text_item("LastName", last),
            textlist_item(
                "FullName", [canonical, f"{first} {last}".strip(), short], _flags(names=True)
            ),
            text_item("ShortName", short),
            text_item("InternetAddress", f"{short}@acme.example"),
            text_item("Department", department),
            text_item("MailSystem", "1"),
            text_item("MailDomain", ORG),
            text_item("MailServer", mail, _flags(names=True)),
            text_item("MailFile", f"mail/{short}"),
            number_item("MailQuota", rng.choice((0, 500, 1000, 2048))),
            datetime_item("HTTPPasswordChangeDate", now - rng.randint(0, 10**9)),
            text_item("$NameLanguageTags", ""),
        ]
        if rng.random() < 0.5:
            items[9:9] = [
                text_item("CompanyName", f"{ORG} Corp & Partners"),
                text_item("JobTitle", rng.choice(_TITLES)),
                text_item("OfficePhoneNumber", f"+49 89 {rng.randint(1000000, 9999999)}"),
            ]
        if rng.random() < 0.5:
            items.append(numberlist_item("MailQuotaLevels", [0, rng.randint(70, 95), 100]))
        if rng.random() < 0.5:
            city = rng.choice(_CITIES)
            street = f"Hauptstraße {rng.randint(1, 99)}<break/>{rng.randint(10000, 99999)} {city}"
            items.append(f"<item name='OfficeStreetAddress'><text>{street}</text></item>")
        if rng.random() < 0.4:
            stamps = sorted(now - rng.randint(0, 10**9) for _ in range(rng.randint(1, 3)))
            pair = (now, now + rng.randint(10**5, 10**7)) if rng.random() < 0.3 else None
            items.append(datetimelist_item("PasswordChangeTimes", stamps, pair))
        if rng.random() < 0.35:
            items.append(self.richtext_item("Comment"))
        if rng.random() < 0.5:
            items.append(self.rawitemdata_item("UserCertificate", 60, 300))
        if rng.random() < 0.05:
            items.append(self.object_item(f"{short}.jpg"))
        return self.document("Person", items + self.admin_items("UserModifier", canonical))

    def group(
        self, name: str, group_type: int, members: Sequence[str], description: str
    ) -> tuple[str, bytes]:
        self.groups.append(name)
        member_item = (
            textlist_item("Members", members, _flags(names=True))
            if members
            else text_item("Members", "", _flags(names=True))
        )
        items = [
            text_item("$ConflictAction", "1"),
            text_item("Type", "Group"),
            text_item("ListName", name),
            text_item("GroupType", str(group_type)),
            text_item("ListCategory", ""),
            text_item("ListDescription", description),
            member_item,
            text_item("ListOwner", "", _flags(authors=True, names=True)),
            text_item("LocalAdmin", ADMINS_GROUP, _flags(authors=True, names=True)),
            self.document_access("GroupModifier"),
        ]
        return self.document("Group", items)

    def random_group(self) -> tuple[str, bytes]:
        rng = self.rng
        serial = self.by_form["Group"] + 1
        roll = rng.random()
        if roll < 0.1:
            servers = rng.sample(self.ordinary, min(len(self.ordinary), rng.randint(1, 8)))
            members = [s.canonical for s in servers]
            return self.group(f"ServerGroup{serial}", 4, members, "Servers only")
        people = list(self.persons)
        members = rng.sample(people, min(len(people), rng.randint(2, 25)))
        if roll < 0.35 and self.groups:  # nested: groups among the members
            members[:0] = rng.sample(list(self.groups), min(len(self.groups), rng.randint(1, 4)))
        department = rng.choice(_DEPARTMENTS)
        description = f'{department} team {serial} ("{department}" mail & ACL group)'
        return self.group(
            f"{department.split()[0]}Team{serial}", rng.choice((0, 0, 1, 2)), members, description
        )

    def domain(self, domain_type: str, name: str, extra: Sequence[str]) -> tuple[str, bytes]:
        items = [
            text_item("Form", "Domain"),
            text_item("Type", "Domain"),
            text_item("DomainType", domain_type),
            text_item("DomainName", name),
            *extra,
        ]
        return self.document("Domain", items)

    def other_domain(self) -> tuple[str, bytes]:
        self.domains += 1
        domain_type = self.rng.choice(_OTHER_DOMAIN_TYPES)
        extra = [
            text_item("Description", f"{domain_type} number {self.domains}"),
            text_item("AllowFromDomains", ORG),
            text_item("DenyFromDomains", ""),
            textlist_item("LocalAdmin", [ADMINS_GROUP], _flags(authors=True, names=True)),
            text_item("Owner", "", _flags(authors=True)),
            self.document_access("NetModifier"),
        ]
        return self.domain(domain_type, f"Other{self.domains}", extra)

    def foreign_domain(self) -> list[tuple[str, str, bytes]]:
        """The Foreign Domain documents of one new foreign domain, one per coexistence
        server, as the high-availability setup of the coexistence guide has them."""
        rng = self.rng
        self.domains += 1
        name = f"{rng.choice(_DOMAIN_BASES)}{self.domains}"
        documents = []
        for server in rng.sample(self.coex, len(self.coex)):
            host = server.canonical.split("/")[0][3:]
            calendar = server.canonical
            if rng.random() < 0.2:  # abbreviated, as admins sometimes type it
                calendar = f"{host}/{ORG}"
            extra = [
                text_item("Description", f'Exchange coexistence via "{host}" (mail & free/busy)'),
                text_item("AllowFromDomains", ""),
                text_item("DenyFromDomains", ""),
                text_item("MailServer", server.canonical, _flags(names=True)),
                text_item("MailFile", f"{name.lower()}.box"),
                text_item("CalendarServer", calendar, _flags(names=True)),
                text_item("CalendarSystem", "Exchange"),
                textlist_item(
                    "LocalAdmin",
                    [ADMINS_GROUP, f"CN=Admin/O={ORG}"],
                    _flags(authors=True, names=True),
                ),
                text_item("Owner", f"CN=Admin/O={ORG}", _flags(authors=True)),
                self.document_access("NetModifier"),
            ]
            if rng.random() < 0.5:
                extra.insert(7, self.richtext_item("Comments"))
            unid, data = self.domain(FOREIGN_DOMAIN_TYPE, name, extra)
            documents.append(("Foreign Domain", unid, data))
        return documents

    # -- whole file --------------------------------------------------------------------------

    def header(self) -> bytes:
        estimate = max(1, self.target // 2000)
        roles = "".join(f"<role>{r}</role>" for r in _ROLES)
        managers = [
            f"<aclentry name='{name}' type='{kind}' level='manager' deletedocs='true'>"
            f"{roles}</aclentry>"
            for name, kind in (
                ("LocalDomainAdmins", "persongroup"),
                ("LocalDomainServers", "servergroup"),
            )
        ]
        lines = [
            "<?xml version='1.0' encoding='utf-8'?>",
            "<!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd'>",
            "<database xmlns='http://www.lotus.com/dxl' version='9.0' maintenanceversion='1.0'",
            f" replicaid='{self.replicaid}' path='CN=DominoHub1/O={ORG}!!names.nsf'"
            f" title='{ORG} Directory'",
            " fromtemplate='StdR4PublicAddressBook' increasemaxfields='true' uselz1='true'",
            " compressdesign='true'>",
            f"<databaseinfo dbid='{self.replicaid}' odsversion='51' diskspace='{self.target}'",
            f" percentused='93.1584285259247' numberofdocuments='{estimate}'><datamodified>"
            f"{_datetime(self.clock.now + 3 * 10**10)}</datamodified><designmodified>"
            f"{_datetime(self.clock.now)}</designmodified></databaseinfo>",
            f"<acl adminserver='{self.hub.canonical}' adminservermaymodify='namesfields'",
            " consistentacl='true' maxinternetaccess='reader'>",
            *(f"<role>{r}</role>" for r in _ROLES),
            "<aclentry name='-Default-' default='true' level='reader' createpersonalagents='false'",
            " createpersonalviews='false' createlsjavaagents='false' writepublicdocs='false'/>",
            "<aclentry name='Anonymous' level='noaccess' readpublicdocs='false'"
            " writepublicdocs='false'/>",
            *managers,
            "<aclentry name='OtherDomainServers' type='servergroup' level='noaccess'"
            " readpublicdocs='false'",
            " writepublicdocs='false'/>",
            "<logentry>06/07/2021 10:13:30 AM Admin/Acme updated LocalDomainServers</logentry>"
            "</acl>",
        ]
        return ("\n".join(wrap(line) for line in lines) + "\n").encode("utf-8")

    def core(self) -> Iterator[list[tuple[str, str, bytes]]]:
        """The documents every directory has: servers, admins, the well-known groups."""
        for server in self.ordinary + self.coex:
            yield [("Server", *self.server(server))]
        yield [("Person", *self.person("", "Admin", f"CN=Admin/O={ORG}"))]
        yield [("Person", *self.person("Jana", "Novak", f"CN=Jana Novak/O={ORG}"))]
        admins = list(self.persons)
        ordinary = [s.canonical for s in self.ordinary]
        coex = [s.canonical for s in self.coex]
        for name, group_type, members, description in (
            ("LocalDomainServers", 0, ordinary + coex, "All Domino servers in the domain."),
            ("LocalDomainAdmins", 0, admins, "All Domino administrators in the domain."),
            ("OtherDomainServers", 0, [], "Servers from other domains."),
            (SERVERS_GROUP, 0, ordinary, "Ordinary mail and application servers (no coexistence)"),
            ("AcmeCoexServers", 4, coex, "Exchange coexistence servers (servers only)"),
            ("Terminations", 3, [f"CN=Former Employee/O={ORG}"], "Deny access list"),
        ):
            yield [("Group", *self.group(name, group_type, members, description))]

    def next_documents(self) -> list[tuple[str, str, bytes]]:
        if len(self.foreign) < FOREIGN_SHARE * self.documents:
            return self.foreign_domain()
        roll = self.rng.random()
        if roll < 0.85:
            first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
            return [("Person", *self.person(first, last))]
        if roll < 0.99:
            return [("Group", *self.random_group())]
        return [("Domain", *self.other_domain())]

    def write(self) -> GenerateStats:
        if self.target < MIN_SIZE:
            raise SizeError(f"size {self.target} is too small: at least {MIN_SIZE} bytes")
        self.emit(self.header())
        for documents in self.core():
            self.emit_documents(documents)
        while self.emit_documents(self.next_documents()):
            pass
        self.emit(_TRAILER)
        return GenerateStats(self.written, self.documents, dict(self.by_form), tuple(self.foreign))


def generate(out: BinaryIO, size: int, seed: int) -> GenerateStats:
    """Write an export of at most ``size`` bytes (within one document of it) to ``out``."""
    return _Export(out, size, seed).write()


def generate_file(path: Path, size: int, seed: int) -> GenerateStats:
    """Write the export to ``path`` through a temporary file, so a half-written file never
    carries the final name (run.py reuses files by name)."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb", buffering=1 << 20) as out:
        stats = generate(out, size, seed)
    partial.replace(path)
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size", default="10MB", help="e.g. 200MB, 1GB (default 10MB)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("output", type=Path)
    options = parser.parse_args(argv)
    try:
        stats = generate_file(options.output, parse_size(options.size), options.seed)
    except SizeError as error:
        parser.error(str(error))
    forms = ", ".join(f"{n} {form}" for form, n in sorted(stats.by_form.items()))
    print(
        f"{options.output}: {stats.size} bytes, {stats.documents} documents ({forms}); "
        f"{stats.foreign_share:.1%} Foreign Domain",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
