"""The report of an audit: its domains, problems and failover scenarios."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from dxltools.audit.failover import DomainFailover, FailoverScenario, domain_failover
from dxltools.audit.views import MULTIPLE_VISIBLE, DomainAudit, Problem
from dxltools.records import Record


@attrs.frozen(repr=False)
class AuditReport(Record):
    """The audit of a set of exports."""

    sources: tuple[str, ...]
    domain_type: str
    domains: tuple[DomainAudit, ...]
    problems: tuple[Problem, ...]
    down: tuple[str, ...] | None = None  # the servers --down named (canonical); None: each loss

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        """1 when any problem was found, else 0: the status ``dxltools audit`` exits with
        (kept for library callers; the command maps :attr:`ok` through ``cli.exits``)."""
        return 0 if self.ok else 1

    def domain(self, name: str) -> DomainAudit | None:
        key = name.casefold()
        return next((audit for audit in self.domains if audit.domain.casefold() == key), None)

    def failover(self, audit: DomainAudit) -> DomainFailover:
        """The failover scenarios of one of the report's domains: nothing down and each
        coexistence server down alone, or the servers of `down` (worked out anew at each
        call: a large directory's routes are as many as its servers times its domains)."""
        return domain_failover(audit, self.down)

    def scenarios(self) -> Iterator[FailoverScenario]:
        """Every domain's reported scenarios, domain by domain."""
        for audit in self.domains:
            yield from self.failover(audit).scenarios

    def problems_with(self, code: str) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.code == code)

    def coexistence_leaks(self) -> tuple[Problem, ...]:
        """The problems of coexistence servers that see another server's document:
        what ``run coexistence-readers`` refuses to write."""
        leaking = {
            (audit.domain, view.server)
            for audit in self.domains
            for view in audit.servers
            if view.twins
        }
        return tuple(
            problem
            for problem in self.problems_with(MULTIPLE_VISIBLE)
            if (problem.domain, problem.server) in leaking
        )
