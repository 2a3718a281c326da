"""What fixes the problems an audit finds: the agent, its `servers_group`, the command.

``coexistence-readers`` needs one decision from the admin, `servers_group`: a group that
holds every ordinary server and no coexistence server. The directory's Group documents
already say which groups qualify; :func:`servers_group_candidates` lists them, best
first, and :func:`suggest_fix` turns an audit's fixable problems into the command that
fixes them. Pure: no click, no printing; the command line renders the values.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

import attrs

from dxltools.access.resolver import Access
from dxltools.audit.collect import DEFAULT_DOMAIN_TYPE, DEFAULT_SERVER_ITEMS, Auditor
from dxltools.audit.report import AuditReport
from dxltools.audit.views import DOCUMENT_ACCESS_PRESENT, MULTIPLE_VISIBLE, UNRESTRICTED, Problem
from dxltools.errors import DxlError, MissingParameterError
from dxltools.fs.files import STDIN_NAME, find_inputs, reads_stdin
from dxltools.names import name_key
from dxltools.records import Record

__all__ = [
    "FIXING_AGENT",
    "SERVERS_GROUP",
    "Candidate",
    "Fix",
    "ServersGroupChoice",
    "candidates_of",
    "choose_servers_group",
    "describe_choice",
    "fix_command",
    "fix_to_json",
    "fixes",
    "format_fix",
    "missing_servers_group_hint",
    "servers_group_candidates",
    "suggest_fix",
]

FIXING_AGENT = "coexistence-readers"
SERVERS_GROUP = "servers_group"
_FIXED_CODES = frozenset({DOCUMENT_ACCESS_PRESENT, UNRESTRICTED, MULTIPLE_VISIBLE})
# Failover problems (issue 12, DOMAIN.md section 7) come from servers that see other
# servers' documents: the readers items end them.
_FIXED_PREFIX = "failover-"
# In-place, keeping the original: the command is meant to be run as it is.
_WRITE = ("-i", "--backup", ".orig")


def fixes(problem: Problem) -> bool:
    """True if ``coexistence-readers`` fixes this kind of problem."""
    return problem.code in _FIXED_CODES or problem.code.startswith(_FIXED_PREFIX)


# -- the candidates ---------------------------------------------------------------------------


@attrs.frozen(repr=False)
class Candidate(Record):
    """A group that qualifies as `servers_group`."""

    group: str  # as its Group document writes it
    exact: bool  # it holds the ordinary servers and nothing else
    extra_members: tuple[str, ...]  # canonical: other names and wildcards it reaches
    servers_only: bool  # GroupType "Servers only": a readers field may not honour it


@attrs.frozen(repr=False)
class ServersGroupChoice(Record):
    """What `servers_group` must hold and must not, and the groups that do, best first."""

    must_hold: tuple[str, ...]  # the ordinary servers, canonical, sorted
    must_not_hold: tuple[str, ...]  # coexistence servers of multi-document domains
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _coexistence_servers(report: AuditReport) -> dict[str, str]:
    """By key: the coexistence servers of the domains with two or more documents."""
    found: dict[str, str] = {}
    for audit in report.domains:
        if len(audit.documents) < 2:
            continue
        for item in audit.documents:
            server = item.document.coexistence_server
            if server:
                found.setdefault(name_key(server), server)
    return found


def _common_groups(access: Access, servers: Iterable[str]) -> set[str]:
    """Keys of the groups that every one of `servers` belongs to (nested groups and
    wildcard members count, as for reading)."""
    common: set[str] | None = None
    for server in servers:
        groups = access.groups_of(server)
        common = set(groups) if common is None else common & groups
    return common or set()


def _rank(candidate: Candidate) -> tuple[bool, bool, int, str]:
    return (
        candidate.servers_only,
        not candidate.exact,
        len(candidate.extra_members),
        candidate.group.casefold(),
    )


def servers_group_candidates(report: AuditReport, access: Access) -> ServersGroupChoice:
    """The groups that hold every known server but the coexistence servers of the
    domains with several documents, and none of those; exact matches first, then by
    fewest extra members, "Servers only" groups last.

    Known servers are `access`'s (the audit's: Server documents and the servers the
    audited documents name). With no ordinary server known there is nothing to tell a
    servers group by, so no group qualifies.
    """
    required, excluded = _servers_to_hold(report, access.directory.servers)
    if not required:
        return _choice(required, excluded, ())
    qualifying = _common_groups(access, required.values())
    for server in excluded.values():
        qualifying -= access.groups_of(server)
    return _choice(required, excluded, [_candidate(access, g, required) for g in qualifying])


def choose_servers_group(report: AuditReport, auditor: Auditor) -> ServersGroupChoice:
    """:func:`servers_group_candidates` of what `auditor` has read, without indexing
    every group: one pass over the Group documents finds the groups that qualify
    (:meth:`Auditor.held_names`), and only those are expanded, for their extra
    members. Memory follows the groups, not their members (issue 15)."""
    required, excluded = _servers_to_hold(report, auditor.servers())
    if not required:
        return _choice(required, excluded, ())
    names = [*required.values(), *excluded.values()]
    need = (1 << len(required)) - 1
    # Every name it must hold and none of those it must not (the bits above `need`).
    qualifying = [key for key, mask in auditor.held_names(names).items() if mask == need]
    access = auditor.access(reaching=qualifying)  # name keys are names too
    return _choice(required, excluded, [_candidate(access, k, required) for k in qualifying])


def _servers_to_hold(
    report: AuditReport, known: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """By key: the known servers a servers group must hold, and the coexistence servers
    of the domains with several documents, which it must not."""
    excluded = _coexistence_servers(report)
    servers = {name_key(server): server for server in known}
    return {key: name for key, name in servers.items() if key not in excluded}, excluded


def _choice(
    required: Mapping[str, str], excluded: Mapping[str, str], candidates: Iterable[Candidate]
) -> ServersGroupChoice:
    return ServersGroupChoice(
        tuple(sorted(required.values(), key=str.casefold)),
        tuple(sorted(excluded.values(), key=str.casefold)),
        tuple(sorted(candidates, key=_rank)),
    )


def _candidate(access: Access, key: str, required: Mapping[str, str]) -> Candidate:
    title = access.group_name(key)
    expansion = access.expand([title])
    extra = {name_key(name): name for name in expansion.names if name_key(name) not in required}
    extra.update((name_key(wildcard), wildcard) for wildcard in expansion.wildcards)
    return Candidate(
        title,
        not extra,
        tuple(sorted(extra.values(), key=str.casefold)),
        access.is_servers_only(title),
    )


def candidates_of(auditor: Auditor) -> ServersGroupChoice:
    """:func:`servers_group_candidates` of what `auditor` has read."""
    return choose_servers_group(auditor.report(), auditor)


def _auditor_for(settings: Mapping[str, str]) -> Auditor:
    """An auditor of the documents ``coexistence-readers`` with `settings` selects."""
    server_items = [item.strip() for item in settings.get("server_items", "").split(",")]
    return Auditor(
        domain=settings.get("domain") or None,
        domain_type=settings.get("domain_type") or DEFAULT_DOMAIN_TYPE,
        server_items=[item for item in server_items if item] or DEFAULT_SERVER_ITEMS,
    )


def missing_servers_group_hint(
    error: DxlError,
    paths: Sequence[str],
    stdin: IO[bytes],
    *,
    settings: Mapping[str, str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> str:
    """What to add to `error` when it is a missing `servers_group`: ``; `` and the
    candidates the inputs hold (:func:`describe_choice`), so the next command is obvious.
    "" for any other error, or when an input cannot be read (the error says enough)."""
    if not (isinstance(error, MissingParameterError) and error.parameter == SERVERS_GROUP):
        return ""
    auditor = _auditor_for(settings)
    try:
        if reads_stdin(paths):
            auditor.add_stream(stdin, STDIN_NAME)
        else:
            for item in find_inputs(paths, include, exclude):
                auditor.add_file(item.path)
    except DxlError:
        return ""
    return "; " + describe_choice(candidates_of(auditor))


# -- the fix --------------------------------------------------------------------------------


@attrs.frozen(repr=False)
class Fix(Record):
    """The problems ``coexistence-readers`` fixes and how to run it on the audited files.
    `parameters` hold `servers_group` only when a candidate was found; `command` is
    None when none was."""

    problems: tuple[Problem, ...]
    choice: ServersGroupChoice
    parameters: Mapping[str, str]
    command: str | None
    template: str  # the command with GROUP for servers_group, for when none qualifies
    agent: str = FIXING_AGENT

    @property
    def servers_group(self) -> str | None:
        return self.parameters.get(SERVERS_GROUP)


def fix_command(
    paths: Sequence[str],
    parameters: Mapping[str, str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> str:
    """``dxltools run coexistence-readers`` on `paths` with `parameters`, quoted for a
    POSIX shell: in place with a backup, or as a filter when the input is standard input."""
    stdin = reads_stdin(paths)
    words = ["dxltools", "run", FIXING_AGENT, *([] if stdin else paths)]
    for pattern in include:
        words += ["--include", pattern]
    for pattern in exclude:
        words += ["--exclude", pattern]
    for name, value in parameters.items():
        words += ["--set", f"{name}={value}"]
    if not stdin:
        words += _WRITE
    return shlex.join(words)


def suggest_fix(
    report: AuditReport,
    choice: ServersGroupChoice,
    paths: Sequence[str],
    *,
    domain: str | None = None,
    settings: Mapping[str, str] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Fix | None:
    """The fix of `report`'s fixable problems; None when it has none.

    `paths` are the inputs as the audit was given them, `domain` the one it was limited
    to; `settings` other parameters of ``coexistence-readers`` to keep (those of
    ``audit --after coexistence-readers``). The audit's domain and domain type go into
    the command, so that it fixes what was audited.
    """
    problems = tuple(problem for problem in report.problems if fixes(problem))
    if not problems:
        return None
    others = {name: value for name, value in (settings or {}).items() if name != SERVERS_GROUP}
    if domain:
        others["domain"] = domain
    if report.domain_type != DEFAULT_DOMAIN_TYPE:
        others["domain_type"] = report.domain_type

    def command(group: str) -> str:
        parameters = {SERVERS_GROUP: group, **others}
        return fix_command(paths, parameters, include=include, exclude=exclude)

    best = choice.best
    if best is None:
        return Fix(problems, choice, others, None, command("GROUP"))
    return Fix(
        problems,
        choice,
        {SERVERS_GROUP: best.group, **others},
        command(best.group),
        command("GROUP"),
    )


# -- rendering ---------------------------------------------------------------------------------


def _candidate_json(candidate: Candidate) -> dict[str, Any]:
    return {
        "group": candidate.group,
        "exact": candidate.exact,
        "extra_members": list(candidate.extra_members),
        "servers_only": candidate.servers_only,
    }


def fix_to_json(fix: Fix | None) -> dict[str, Any] | None:
    """The ``fix`` object of ``audit --json`` (None: nothing to fix)."""
    if fix is None:
        return None
    return {
        "agent": fix.agent,
        "problems": len(fix.problems),
        "parameters": {SERVERS_GROUP: None, **fix.parameters},
        "candidates": [_candidate_json(candidate) for candidate in fix.choice.candidates],
        "must_hold": list(fix.choice.must_hold),
        "must_not_hold": list(fix.choice.must_not_hold),
        "command": fix.command,
    }


# Text stays short: a team group of a large directory has hundreds of extra members,
# and a directory may hold dozens of candidates (--json lists them all).
_EXTRAS_SHOWN = 3
_CANDIDATES_SHOWN = 5


def _about(candidate: Candidate) -> str:
    """What a candidate is, in a few words."""
    if candidate.exact:
        what = "exact"
    else:
        extras = candidate.extra_members
        count = len(extras)
        shown = ", ".join(extras[:_EXTRAS_SHOWN]) + (", ..." if count > _EXTRAS_SHOWN else "")
        what = f"{count} extra member{'s' if count > 1 else ''}: {shown}"
    if candidate.servers_only:
        what += "; servers only: a readers field may not honour it"
    return f"{candidate.group} ({what})"


def _candidates(candidates: Sequence[Candidate]) -> str:
    shown = ", ".join(map(_about, candidates[:_CANDIDATES_SHOWN]))
    more = len(candidates) - _CANDIDATES_SHOWN
    return shown + (f" and {more} more (audit --json lists them all)" if more > 0 else "")


def describe_choice(choice: ServersGroupChoice) -> str:
    """The candidates on one line, best first, or what a group must hold when none does."""
    if choice.candidates:
        return "candidates in the input: " + _candidates(choice.candidates)
    return _no_candidate(choice)


def _no_candidate(choice: ServersGroupChoice) -> str:
    avoid = f" and none of {', '.join(choice.must_not_hold)}" if choice.must_not_hold else ""
    if not choice.must_hold:
        return (
            "no ordinary server is known from the input (no Server document, no server "
            "named but the coexistence servers), so no group can be told to qualify: "
            f"give the directory export as well (the group must hold every ordinary server{avoid})"
        )
    return (
        f"no group in the input qualifies: it must hold {', '.join(choice.must_hold)} "
        f"(directly or through nested groups){avoid}"
    )


def format_fix(fix: Fix) -> str:
    """The closing lines of the text audit: the command that fixes, and the choices."""
    count = len(fix.problems)
    codes = ", ".join(dict.fromkeys(problem.code for problem in fix.problems))
    lines = [f"{fix.agent} fixes {count} of these problems ({codes})"]  # "1 of these problems", too
    best = fix.choice.best
    if best is None or fix.command is None:
        lines.append(f"  {_no_candidate(fix.choice)}")
        then = "create such a group, then run" if fix.choice.must_hold else "or run"
        lines.append(f"  {then}: {fix.template}")
        return "".join(line + "\n" for line in lines)
    lines.append(f"  run: {fix.command}")
    lines.append("  (review first: the same command with --diff in place of -i --backup .orig)")
    lines.append(f"  {SERVERS_GROUP}: {_about(best)}")
    others = fix.choice.candidates[1:]
    if others:
        lines.append(f"  other candidates: {_candidates(others)}")
    return "".join(line + "\n" for line in lines)
