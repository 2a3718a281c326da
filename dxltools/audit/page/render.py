"""The audit as one self-contained HTML page: per foreign domain its documents, the
visibility matrix (servers down the side, documents across the top), the failover
table and the problems, each linked to the row or cell it is about.

The page is made from the audit's JSON model (:func:`~dxltools.audit.render.audit_to_json`,
with the ``failover`` and ``fix`` keys when the audit has them), so every cell says
exactly what ``audit --json`` says; what the JSON cannot know (the inputs' sizes, the
time of the audit) comes in a :class:`PageContext`. The command reads that model off
the report a domain at a time (:func:`~dxltools.audit.page.model.model_of_report`) and
writes the page a section at a time, with lxml's incremental writer.

Every element is built with lxml's element factory and serialised as HTML: text and
attribute values are escaped by the serialiser, never pasted into markup, and every string passes
:func:`clean` (characters XML cannot hold become visible escapes). Links are only
``#`` fragments to ids made by :func:`anchor`. The style sheet is a constant; the page
holds no script and refers to nothing outside itself.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

import attrs
from lxml import etree

from dxltools.audit.page.blocks import (
    Element,
    Ids,
    Json,
    PageContext,
    domain_verdict,
    el,
    link,
    name_key_of,
    plural,
    problem_list,
)
from dxltools.audit.page.model import DomainPart, PageModel, model_of_json
from dxltools.audit.page.style import STYLE
from dxltools.audit.page.tables import domain_section
from dxltools.records import Record

# -- the page ----------------------------------------------------------------------------------


def render_html(model: Json, context: PageContext) -> bytes:
    """The page of the audit's JSON `model`, as UTF-8 bytes of an HTML5 document."""
    out = io.BytesIO()
    write_html(model_of_json(model), context, out)
    return out.getvalue()


def write_html(model: PageModel, context: PageContext, out: IO[bytes]) -> None:
    """Write the page to `out` a domain section at a time, in the memory of one domain:
    the summary at the top is read off the domains first, in a pass of its own."""
    problems = model.problems
    by_domain: dict[object, list[int]] = {}  # indexes into `problems`, in order
    by_code: dict[str, int] = {}
    for index, problem in enumerate(problems):
        by_domain.setdefault(problem.get("domain"), []).append(index)
        by_code[str(problem.get("code"))] = by_code.get(str(problem.get("code")), 0) + 1
    summary = _Summary(by_domain, by_code, len(problems), model.failover)
    for part in model.domains():
        summary.add(part)
    title = "dxltools audit: " + (
        plural(len(problems), "problem") if problems else "no problem found"
    )
    head = el(
        "head",
        el("meta", charset="utf-8"),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("title", title),
        el("style", STYLE),
    )
    known = {verdict.name for verdict in summary.verdicts}
    # Unbuffered: each section reaches `out` as soon as it is made.
    with etree.htmlfile(out, encoding="utf-8", buffered=False) as page:
        page.write_doctype("<!DOCTYPE html>")
        with page.element("html", lang="en"):
            page.write(head)
            with page.element("body"):
                page.write(el("header", el("h1", title), _summary(summary, context)))
                with page.element("main"):
                    for part in model.domains():
                        mine = _numbered(problems, by_domain.get(part.name, []))
                        page.write(domain_section(part, mine, model.failover))
                    other = [i for d, found in by_domain.items() if d not in known for i in found]
                    other_problems = _other_problems(_numbered(problems, sorted(other)))
                    for section in (other_problems, _fix(model)):
                        if section is not None:
                            page.write(section)
                page.write(
                    el(
                        "footer",
                        el("p", f"Made by {context.generator} from the audit's JSON model."),
                    )
                )


@attrs.frozen(repr=False)
class _Verdict(Record):
    """What the top of the page says of one domain."""

    name: str
    verdict: str
    problems: int


def _numbered(problems: Sequence[Json], indexes: Iterable[int]) -> list[tuple[int, Json]]:
    """Some of the problems, each with its number on the page."""
    return [(index + 1, problems[index]) for index in indexes]


class _Summary:
    """The top of the page, read off the domains one at a time: a verdict per domain,
    the documents counted and the servers' name keys (held once for all domains); the
    problems counted by domain and by code."""

    def __init__(
        self,
        by_domain: Mapping[object, list[int]],
        by_code: Mapping[str, int],
        problems: int,
        failover: bool,
    ):
        self.by_domain = by_domain
        self.by_code = by_code
        self.problems = problems
        self.failover = failover
        self.verdicts: list[_Verdict] = []
        self.documents = 0
        self.servers: set[str] = set()

    def add(self, part: DomainPart) -> None:
        domain = part.domain
        problems = len(self.by_domain.get(part.name, []))
        scenarios = part.scenarios if self.failover else None
        self.verdicts.append(
            _Verdict(part.name, domain_verdict(domain, scenarios, problems), problems)
        )
        self.documents += len(domain.get("documents", []))
        self.servers.update(name_key_of(s.get("server")) for s in domain.get("servers", []))


def _summary(summary: _Summary, context: PageContext) -> Element:
    return el(
        "div",
        el("section", el("h2", "Inputs"), _inputs(context), id="inputs"),
        el("section", el("h2", "Totals"), _totals(summary), id="totals"),
        el("section", el("h2", "Verdict"), _verdicts(summary.verdicts), id="verdicts"),
        class_="summary",
    )


def _size(size: int | None) -> str:
    if size is None:
        return "unknown"
    if size < 1024:
        return plural(size, "byte")
    units, scaled, index = ("KB", "MB", "GB", "TB"), size / 1024, 0
    while scaled >= 1024 and index < len(units) - 1:
        scaled, index = scaled / 1024, index + 1
    return f"{scaled:.1f} {units[index]} ({size:,} bytes)"


def _inputs(context: PageContext) -> list[Element]:
    when = context.audited_at.isoformat(timespec="seconds")
    rows = [el("tr", el("td", el("code", i.name)), el("td", _size(i.size))) for i in context.inputs]
    parts = [
        el(
            "table",
            el("thead", el("tr", el("th", "file", scope="col"), el("th", "size", scope="col"))),
            el("tbody", rows),
            class_="inputs",
        ),
        el("p", "Audited at ", el("time", when, datetime=when), "."),
    ]
    if context.after:
        parts.append(
            el(
                "p",
                "What-if: the audit of what ",
                el("code", context.after),
                " would make of these inputs (nothing written).",
                class_="after",
            )
        )
    return parts


def _totals(summary: _Summary) -> Element:
    items = [
        ("foreign domains", str(len(summary.verdicts))),
        ("documents", str(summary.documents)),
        ("servers", str(len(summary.servers))),
        ("problems", str(summary.problems)),
    ]
    items += [(code, str(count)) for code, count in sorted(summary.by_code.items())]
    return el(
        "dl",
        [(el("dt", name), el("dd", value)) for name, value in items],
        class_="totals",
    )


def _verdicts(domains: Sequence[_Verdict]) -> Element:
    if not domains:
        return el("p", "No Foreign Domain document found.")
    rows = [
        el(
            "tr",
            el("th", link(Ids(domain.name).section(), domain.name), scope="row"),
            el("td", domain.verdict, class_="bad" if domain.problems else "good"),
        )
        for domain in domains
    ]
    return el(
        "table",
        el("thead", el("tr", el("th", "domain", scope="col"), el("th", "verdict", scope="col"))),
        el("tbody", rows),
        class_="verdicts",
    )


# -- problems and the fix ----------------------------------------------------------------------


def _other_problems(other: list[tuple[int, Json]]) -> Element | None:
    """The problems of no domain on the page (they link nowhere)."""
    if not other:
        return None
    return el(
        "section",
        el("h2", "Problems of the directory"),
        problem_list(other),
        id="other-problems",
    )


def _fix(model: PageModel) -> Element | None:
    if not model.has_fix:
        return None
    fix = model.fix
    if not fix:
        return el("section", el("h2", "Fix"), el("p", "Nothing to fix."), id="fix")
    candidates = fix.get("candidates", [])
    rows = [
        el(
            "tr",
            el("td", el("code", str(c.get("group", "")))),
            el("td", "exact" if c.get("exact") else "not exact"),
            el("td", ", ".join(c.get("extra_members", [])) or "none"),
            el("td", "yes (may not be honoured)" if c.get("servers_only") else "no"),
        )
        for c in candidates
    ]
    return el(
        "section",
        el("h2", "Fix"),
        el("p", "The agent ", el("code", str(fix.get("agent", ""))), " fixes these problems:"),
        el("pre", el("code", str(fix.get("command", "")))),
        el(
            "table",
            el(
                "thead",
                el(
                    "tr",
                    [
                        el("th", h, scope="col")
                        for h in ("servers group", "match", "extra members", "servers only")
                    ],
                ),
            ),
            el("tbody", rows),
            class_="candidates",
        )
        if candidates
        else el("p", "No group qualifies as the servers group.", class_="bad"),
        id="fix",
    )
