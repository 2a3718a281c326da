"""The agent model: parameters, a selection, actions and the run of an agent over notes.

An agent file holds a name, a description, typed parameters, a selection and
a list of actions. Strings of the form ``{parameter}`` are replaced by the
parameter's value (a whole-string reference keeps the value's type, so a list
parameter can fill a list). Every unknown key, unknown action, bad type or
missing parameter is an :class:`AgentError` naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

import attrs

from dxltools.dxl.model import Note
from dxltools.dxl.select import FormSelect, NoteHead
from dxltools.dxl.skim import Interest
from dxltools.dxl.spelling import may_hold, text_needle
from dxltools.edit import edits
from dxltools.edit.changes import ByteChange, Change, Edit, Warn
from dxltools.records import Record

ParameterValue = str | tuple[str, ...]


@attrs.frozen(repr=False)
class Parameter(Record):
    name: str
    type: str  # "string" or "list"
    description: str
    required: bool
    default: ParameterValue | None

    def parse(self, text: str) -> ParameterValue:
        """A value given on the command line: lists are comma-separated."""
        if self.type == "list":
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return text


@attrs.frozen(repr=False)
class Condition(Record):
    """An item whose text value must equal one of `values` (case-insensitive)."""

    item: str
    values: tuple[str, ...]
    # Finds a value in every note's bytes that hold one (see dxl.spelling); None: parse.
    needle: re.Pattern[bytes] | None = attrs.field(init=False, eq=False, repr=False)

    @needle.default
    def _needle(self) -> re.Pattern[bytes] | None:
        return text_needle(self.values)

    def holds(self, note: Note) -> bool:
        wanted = {value.casefold() for value in self.values}
        return any(
            value.casefold() in wanted
            for item in note.items_named(self.item)
            for value in item.texts
        )


@attrs.frozen(repr=False)
class Action(Record):
    name: str
    edit: Edit
    restricts: bool  # sets a readers item: authors items left then widen access


@attrs.frozen(repr=False)
class AuditSpec(Record):
    """An agent's `[audit]` table: its result is audited before it is written,
    and refused when a coexistence server could read another server's
    Foreign Domain document."""

    domain: str | None
    domain_type: str
    server_items: tuple[str, ...]


@attrs.frozen(repr=False)
class Agent(Record):
    """A loaded agent with its parameter values bound."""

    name: str
    description: str
    source: str
    parameters: tuple[Parameter, ...]
    values: Mapping[str, ParameterValue]
    forms: tuple[str, ...]
    unids: tuple[str, ...]
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    audit: AuditSpec | None = None
    # Comparison keys, computed once: `wants` runs for every note of a file.
    form_keys: frozenset[str] = attrs.field(init=False)
    unid_keys: frozenset[str] = attrs.field(init=False)

    @form_keys.default
    def _form_keys(self) -> frozenset[str]:
        return frozenset(form.casefold() for form in self.forms)

    @unid_keys.default
    def _unid_keys(self) -> frozenset[str]:
        return frozenset(unid.upper() for unid in self.unids)

    @property
    def wants(self) -> FormSelect:
        """Decides from the start tag alone whether a note may be selected."""
        return FormSelect(self.form_keys)

    def selects(self, note: Note) -> bool:
        if self.form_keys and (note.form or "").casefold() not in self.form_keys:
            return False
        if self.unid_keys and (note.unid or "").upper() not in self.unid_keys:
            return False
        return all(condition.holds(note) for condition in self.conditions)

    def edit(self, note: Note) -> Sequence[Change]:
        return self.apply(note) if self.selects(note) else []

    def apply(self, note: Note) -> list[Change]:
        """The actions' changes and the warnings, for a note already selected."""
        changes = _run_actions(note, self.actions)
        byte_changes = [change for change in changes if not isinstance(change, Warn)]
        if byte_changes:
            warning = edits.signed_warning(note)
            if warning:
                changes.append(warning)
        if any(action.restricts for action in self.actions):
            changes.extend(_authors_warnings(note, byte_changes))
        return changes

    def start(self) -> AgentRun:
        """A run of this agent over one file, which tracks file-level findings."""
        return AgentRun(self)


class AgentRun:
    """One agent over one file: the edit, plus what was seen for file warnings."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.selected = 0
        self.seen: dict[str, dict[str, str]] = {c.item.casefold(): {} for c in agent.conditions}

    @property
    def wants(self) -> RunSelect:
        return RunSelect(self)

    def edit(self, note: Note) -> Sequence[Change]:
        for item in note.items:
            values = self.seen.get(item.name.casefold())
            if values is not None:
                for value in item.texts:
                    values.setdefault(value.casefold(), value)
        if not self.agent.selects(note):
            return []
        self.selected += 1
        return self.agent.apply(note)

    def part_state(self) -> object:
        """What one part of a file taught this run (see :mod:`dxltools.rewrite.parts`)."""
        return (self.selected, self.seen)

    def absorb_part(self, state: object) -> None:
        """Take in the :meth:`part_state` of the next part of the file."""
        selected, seen = cast(tuple[int, dict[str, dict[str, str]]], state)
        self.selected += selected
        for item, values in seen.items():
            mine = self.seen[item]
            for key, value in values.items():
                mine.setdefault(key, value)

    def warnings(self) -> tuple[str, ...]:
        """When nothing matched: which wanted values the file never holds."""
        if self.selected:
            return ()
        found = []
        for condition in self.agent.conditions:
            seen = self.seen[condition.item.casefold()]
            if not any(value.casefold() in seen for value in condition.values):
                found.append(
                    f"no document selected: {condition.item} {' or '.join(condition.values)!s} "
                    f"never appears in this file (values seen: "
                    f"{', '.join(sorted(seen.values())) or 'none'})"
                )
        return tuple(found)


def _targets(change: Change) -> int | None:
    item = getattr(change, "item", None)
    return None if item is None else int(item.span.start)


def _run_actions(note: Note, actions: Sequence[Action]) -> list[Change]:
    """Actions in order; each sees the note without the items earlier ones changed."""
    changes: list[Change] = []
    view = note
    for action in actions:
        found = list(action.edit(view))
        touched = {_targets(change) for change in found} - {None}
        changes.extend(found)
        view = attrs.evolve(
            view, items=tuple(item for item in view.items if item.span.start not in touched)
        )
    return changes


def _authors_warnings(note: Note, changes: Sequence[ByteChange]) -> list[Change]:
    removed = {_targets(change) for change in changes}
    left = [
        item
        for item in note.items
        if item.flags.authors
        and item.span.start not in removed
        and any(v.strip() for v in item.texts)
    ]
    return [
        Warn(
            f"note {note.label}: authors item {item.name} still grants read access to "
            f"{'; '.join(v for v in item.texts if v.strip())}"
        )
        for item in left
    ]


class RunSelect:
    """The notes a run may edit: by form from the start tag (:attr:`Agent.wants`), then
    by the conditions' values in the note's bytes, so that a note that cannot hold them
    is not parsed. The bytes count only once the run has selected a note: until then
    every note of the forms is parsed, as the warning for a file where nothing is
    selected lists the values all of them hold."""

    def __init__(self, run: AgentRun) -> None:
        self._run = run
        self._forms = run.agent.wants
        self._needles = tuple(condition.needle for condition in run.agent.conditions)

    def __call__(self, head: NoteHead) -> bool:
        return self._forms(head)

    @property
    def interest(self) -> Interest | None:
        return self._forms.interest

    def may_select(self, data: bytes, encoding: str) -> bool:
        """False when the note's bytes rule it out (see :mod:`dxltools.dxl.spelling`)."""
        if not self._run.selected:
            return True
        return all(may_hold(data, encoding, needle) for needle in self._needles)
