"""The audit report as text for people and as JSON for jobs (written a piece at a time:
a large directory has many routes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dxltools.access.resolver import AccessItem
from dxltools.audit.failover import DomainFailover, FailoverScenario, RouteShape, verdict
from dxltools.audit.json_text import indented_json
from dxltools.audit.report import AuditReport
from dxltools.audit.views import DomainAudit, DomainDocument
from dxltools.dxl.model import DxlDateTime

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def format_modified(value: DxlDateTime | None) -> str | None:
    """ISO 8601 with milliseconds and the zone as written; a date alone; None when unknown."""
    when = value.value if value is not None else None
    if isinstance(when, dt.datetime):
        return when.isoformat(timespec="milliseconds")
    if isinstance(when, dt.date):
        return when.isoformat()
    return None


def audit_to_json(report: AuditReport, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The report in the JSON schema of the README (names canonical, UNIDs as in the file);
    `extra` keys (such as the suggested ``fix``) come last."""
    return {**{key: list(items) for key, items in _lists(report)}, **(extra or {})}


def write_audit_json(
    report: AuditReport, out: SupportsWrite[str], extra: Mapping[str, Any] | None = None
) -> None:
    """Write ``json.dumps(audit_to_json(report, extra), indent=2)`` and a line break to
    `out`, a domain, a problem and a failover scenario at a time: a large directory has
    as many server views as servers times domains, and as many routes as those times
    the scenarios, too many to hold at once."""
    out.write("{")
    for number, (key, items) in enumerate(_lists(report)):
        _write_list(out, key, items, first=number == 0)
    for key, value in (extra or {}).items():
        out.write(f",\n  {json.dumps(key)}: {indented_json(value, 1)}")
    out.write("\n}\n")


def _write_list(
    out: SupportsWrite[str], key: str, items: Iterable[Any], first: bool = False
) -> None:
    """One key of the top-level object and its list, as ``json.dumps(indent=2)`` writes
    them, an item at a time."""
    out.write(f"{'' if first else ','}\n  {json.dumps(key)}: [")
    separator = "\n"
    for item in items:
        out.write(separator + "    " + indented_json(item, 2))
        separator = ",\n"
    out.write("]" if separator == "\n" else "\n  ]")


def _lists(report: AuditReport) -> tuple[tuple[str, Iterable[Any]], ...]:
    """The keys of the report's JSON and their lists, in order, each made as it is read."""
    return (
        ("domains", map(domain_json, report.domains)),
        ("problems", (problem.to_json() for problem in report.problems)),
        ("failover", map(scenario_json, report.scenarios())),
    )


def domain_json(audit: DomainAudit) -> dict[str, Any]:
    """One item of the JSON's ``domains``: the domain's documents and server views."""
    return {
        "domain": audit.domain,
        "documents": [
            {
                "unid": item.document.label,
                "coexistence_server": item.document.coexistence_server,
                "modified": format_modified(item.document.modified),
                "readable_by": list(item.readable_by),
                **_document_details(item.document),
            }
            for item in audit.documents
        ],
        "servers": [
            {
                "server": view.server,
                "visible": list(view.visible),
                "primary": view.primary,
                "coexistence": view.coexistence,
            }
            for view in audit.servers
        ],
    }


def scenario_json(scenario: FailoverScenario) -> dict[str, Any]:
    """One item of the JSON's ``failover``: who is down, every route, the verdicts."""
    return {
        "domain": scenario.domain,
        "down": list(scenario.down),
        "routes": [
            {
                "server": route.server,
                "mail": route.mail,
                "mail_held": route.mail_held,
                "free_busy": route.free_busy,
                "free_busy_failure": route.free_busy_failure,
            }
            for route in scenario.routes
        ],
        "mail_ok": scenario.mail_ok,
        "free_busy_ok": scenario.free_busy_ok,
    }


def _document_details(document: DomainDocument) -> dict[str, Any]:
    """Where a document is and the entries of its readers and authors items (an item
    flagged both is a readers item, as the rules count it)."""
    access = document.access
    return {
        "source": document.source,
        "line": document.line,
        "readers": [_access_item(item) for item in access.readers_items],
        "authors": [_access_item(item) for item in access.authors_items],
    }


def _access_item(item: AccessItem) -> dict[str, Any]:
    return {"item": item.name, "entries": list(item.entries)}


def format_audit(report: AuditReport) -> str:
    """The report for people: per domain its documents and servers, then the problems."""
    return "".join(_audit_text(report))


def write_audit(report: AuditReport, out: SupportsWrite[str]) -> None:
    """Write :func:`format_audit`'s text to `out` a domain at a time: the text of a large
    directory's audit is as large as a tenth of the directory."""
    for chunk in _audit_text(report):
        out.write(chunk)


def _audit_text(report: AuditReport) -> Iterator[str]:
    if not report.domains:
        yield f"no Foreign Domain document (DomainType {report.domain_type}) found\n"
    for audit in report.domains:
        yield "".join(line + "\n" for line in _format_domain(audit))
        yield "".join(line + "\n" for line in _format_failover(report.failover(audit)))
    if report.problems:
        count = len(report.problems)
        yield f"{count} problem{'s' if count > 1 else ''}:\n"
        for problem in report.problems:
            yield f"  {problem.code}: {problem.message}\n"
    else:
        yield "no problem found\n"


def _format_domain(audit: DomainAudit) -> list[str]:
    count = len(audit.documents)
    lines = [f"{audit.domain}: {count} document{'s' if count > 1 else ''}, newest first"]
    for item in audit.documents:
        document = item.document
        lines.append(
            f"  {document.label}  modified {format_modified(document.modified) or 'unknown'}"
            f"  coexistence server {document.coexistence_server or 'none'}"
            f"  ({document.source}:{document.line})"
        )
        readers = (
            "everyone (no readers item with a value)"
            if item.unrestricted
            else ", ".join(item.readable_by) or "nobody"
        )
        lines.append(f"    readable by: {readers}")
    lines.append("  servers:")
    views = audit.servers
    width = max((len(view.server) for view in views), default=0)
    for view in views:
        if view.primary is None:
            seen = "sees none"
        else:
            others = list(view.visible[1:])
            seen = f"uses {view.primary}" + (f", also sees {', '.join(others)}" if others else "")
        lines.append(f"    {view.server:<{width}}  {seen}")
    return lines


def _format_failover(failover: DomainFailover) -> list[str]:
    """Per scenario one line per server that is up, then the verdict line."""
    lines: list[str] = []
    for scenario in failover.scenarios:
        lines.append(f"  with {scenario.label}:")
        width = max(map(len, scenario.servers), default=0)
        mails = [shape.mail or shape.mail_held or "" for shape in scenario.shapes]
        mail_width = max(map(len, mails), default=0)
        # What follows the server's name, once per distinct route.
        rests = [
            f"  mail {mail:<{mail_width}}  free/busy {_free_busy_text(shape)}"
            for shape, mail in zip(scenario.shapes, mails, strict=True)
        ]
        lines.extend(
            f"    {server:<{width}}{rests[number]}"
            for server, number in zip(scenario.servers, scenario.shape_of, strict=True)
        )
    lines.append(f"  failover: {verdict(failover)}")
    return lines


def _free_busy_text(route: RouteShape) -> str:
    # Who logs 'Multiple documents detected' stays in the model (Route.warned_at) and
    # multiple-visible says it once: on every route line it would drown the routes.
    return route.free_busy or route.free_busy_failure or ""
