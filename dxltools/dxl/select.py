"""Which notes an edit applies to, decided from the start tag when possible."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from dxltools.dxl.skim import Interest
from dxltools.records import Record


@attrs.frozen(repr=False)
class NoteHead(Record):
    """What is known of a note before it is parsed: its tag and start-tag attributes."""

    tag: str
    attributes: Mapping[str, str]


Select = Callable[[NoteHead], bool]


@attrs.frozen(repr=False)
class FormSelect(Record):
    """Notes whose ``form`` attribute is one of `forms` (case-insensitive); notes
    without a ``form`` attribute (raw ``<note>`` exports) too, so that the edit
    can look at their ``Form`` item. No forms: every note.

    Its :attr:`interest` lets the splitter pass over every other note unread.
    """

    forms: frozenset[str]  # casefolded

    def __call__(self, head: NoteHead) -> bool:
        if not self.forms:
            return True
        form = head.attributes.get("form")
        return form is None or form.casefold() in self.forms

    @property
    def interest(self) -> Interest | None:
        return Interest(self.forms) if self.forms else None


def by_form(*forms: str) -> FormSelect:
    """Notes whose ``form`` attribute is one of `forms` (case-insensitive)."""
    return FormSelect(frozenset(form.casefold() for form in forms))
