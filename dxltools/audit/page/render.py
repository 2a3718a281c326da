"""The audit as one self-contained HTML page: per foreign domain its documents, the
visibility matrix (servers down the side, documents across the top), the failover
table and the problems, each linked to the row or cell it is about.

The page is made from the audit's JSON model (:func:`~dxltools.audit.collect.audit_to_json`,
with the ``failover`` and ``fix`` keys when the audit has them), so every cell says
exactly what ``audit --json`` says; what the JSON cannot know (the inputs' sizes, the
time of the audit) comes in a :class:`PageContext`.

Every element is built with lxml's HTML element factory: text and attribute values
are escaped by the serialiser, never pasted into markup, and every string passes
:func:`clean` (characters XML cannot hold become visible escapes). Links are only
``#`` fragments to ids made by :func:`anchor`. The style sheet is a constant; the page
holds no script and refers to nothing outside itself.
"""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from dxltools.audit.page.blocks import (
    Ids,
    Json,
    PageContext,
    domain_verdict,
    domains_of,
    el,
    link,
    name_key_of,
    plural,
    problem_list,
    problems_of,
)
from dxltools.audit.page.style import (
    STYLE,
)
from dxltools.audit.page.tables import (
    domain_section,
)

# -- the page ----------------------------------------------------------------------------------


def render_html(model: Json, context: PageContext) -> bytes:
    """The page, as UTF-8 bytes of an HTML5 document."""
    problems = problems_of(model)
    numbered = [(number, problem) for number, problem in enumerate(problems, 1)]
    title = "dxltools audit: " + (
        plural(len(problems), "problem") if problems else "no problem found"
    )
    body = el(
        "body",
        el("header", el("h1", title), _summary(model, context)),
        el(
            "main",
            [domain_section(model, domain, numbered) for domain in domains_of(model)],
            _other_problems(model, numbered),
            _fix(model),
        ),
        el("footer", el("p", f"Made by {context.generator} from the audit's JSON model.")),
    )
    page = el(
        "html",
        el(
            "head",
            el("meta", charset="utf-8"),
            el("meta", name="viewport", content="width=device-width, initial-scale=1"),
            el("title", title),
            el("style", STYLE),
        ),
        body,
        lang="en",
    )
    return lxml.html.tostring(page, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")


def _summary(model: Json, context: PageContext) -> HtmlElement:
    return el(
        "div",
        el("section", el("h2", "Inputs"), _inputs(context), id="inputs"),
        el("section", el("h2", "Totals"), _totals(model), id="totals"),
        el("section", el("h2", "Verdict"), _verdicts(model), id="verdicts"),
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


def _inputs(context: PageContext) -> list[HtmlElement]:
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


def _totals(model: Json) -> HtmlElement:
    domains = domains_of(model)
    documents = sum(len(d.get("documents", [])) for d in domains)
    servers = {name_key_of(s.get("server")) for d in domains for s in d.get("servers", [])}
    problems = problems_of(model)
    by_code: dict[str, int] = {}
    for problem in problems:
        by_code[str(problem.get("code"))] = by_code.get(str(problem.get("code")), 0) + 1
    items = [
        ("foreign domains", str(len(domains))),
        ("documents", str(documents)),
        ("servers", str(len(servers))),
        ("problems", str(len(problems))),
    ]
    items += [(code, str(count)) for code, count in sorted(by_code.items())]
    return el(
        "dl",
        [(el("dt", name), el("dd", value)) for name, value in items],
        class_="totals",
    )


def _verdicts(model: Json) -> HtmlElement:
    domains = domains_of(model)
    if not domains:
        return el("p", "No Foreign Domain document found.")
    rows = []
    for domain in domains:
        name = domain.get("domain", "")
        problems = sum(1 for p in problems_of(model) if p.get("domain") == name)
        rows.append(
            el(
                "tr",
                el("th", link(Ids(name).section(), name), scope="row"),
                el("td", domain_verdict(model, domain), class_="bad" if problems else "good"),
            )
        )
    return el(
        "table",
        el("thead", el("tr", el("th", "domain", scope="col"), el("th", "verdict", scope="col"))),
        el("tbody", rows),
        class_="verdicts",
    )


# -- problems and the fix ----------------------------------------------------------------------


def _other_problems(model: Json, numbered: list[tuple[int, Json]]) -> HtmlElement | None:
    known = {d.get("domain") for d in domains_of(model)}
    other = [(n, p) for n, p in numbered if p.get("domain") not in known]
    if not other:
        return None
    return el(
        "section",
        el("h2", "Problems of the directory"),
        problem_list(model, other),
        id="other-problems",
    )


def _fix(model: Json) -> HtmlElement | None:
    if "fix" not in model:
        return None
    fix = model["fix"]
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
