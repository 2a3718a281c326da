"""What the page reads of an audit: its problems, held (they are numbered across the
page), and its domains, each with its failover scenarios, made afresh at each reading.
The page reads the domains twice, for the summary at the top and for the sections, and
holds one at a time: a large directory has as many server views as servers times
domains, and as many routes as those times the scenarios."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from dxltools.audit.page.blocks import Json
from dxltools.audit.render import domain_json, scenario_json
from dxltools.audit.report import AuditReport
from dxltools.audit.views import Problem
from dxltools.records import Record


@attrs.frozen(repr=False)
class DomainPart(Record):
    """One foreign domain's JSON and its failover scenarios."""

    domain: Json
    scenarios: tuple[Json, ...]

    @property
    def name(self) -> str:
        return self.domain.get("domain", "")  # type: ignore[no-any-return]


@attrs.frozen(repr=False)
class PageModel(Record):
    """The audit as the page reads it. `failover`: whether failover was simulated (the
    page then shows it); `fix`: the ``fix`` key of the JSON, when it has one."""

    problems: Sequence[Json]
    domains: Callable[[], Iterable[DomainPart]]  # read twice: summary, then sections
    failover: bool
    has_fix: bool = False
    fix: Json | None = None


def model_of_json(model: Json) -> PageModel:
    """The page model of the audit's JSON (:func:`~dxltools.audit.render.audit_to_json`)."""
    by_domain: dict[Any, list[Json]] = {}
    for scenario in model.get("failover") or []:
        by_domain.setdefault(scenario.get("domain"), []).append(scenario)

    def domains() -> Iterator[DomainPart]:
        for domain in model.get("domains") or []:
            yield DomainPart(domain, tuple(by_domain.get(domain.get("domain", ""), ())))

    return PageModel(
        problems=tuple(model.get("problems") or []),
        domains=domains,
        failover="failover" in model,
        has_fix="fix" in model,
        fix=model.get("fix"),
    )


def model_of_report(report: AuditReport, extra: Mapping[str, Any] | None = None) -> PageModel:
    """The page model of `report` with `extra` keys (such as ``fix``), as the page of
    ``audit_to_json(report, extra)`` would read it; the domains' JSON and their
    scenarios are worked out at each reading."""

    def domains() -> Iterator[DomainPart]:
        for audit in report.domains:
            scenarios = tuple(map(scenario_json, report.failover(audit).scenarios))
            yield DomainPart(domain_json(audit), scenarios)

    extra = extra or {}
    return PageModel(
        problems=_ProblemsJson(report.problems),
        domains=domains,
        failover=True,
        has_fix="fix" in extra,
        fix=extra.get("fix"),
    )


class _ProblemsJson(Sequence[Json]):
    """The problems as their JSON, each made when it is read: a large directory has many,
    and the page reads each only a few times."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self._problems = problems

    def __len__(self) -> int:
        return len(self._problems)

    @overload
    def __getitem__(self, index: int) -> Json: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Json]: ...

    def __getitem__(self, index: int | slice) -> Json | Sequence[Json]:
        if isinstance(index, slice):
            return _ProblemsJson(self._problems[index])
        return self._problems[index].to_json()
