"""Which notes an edit applies to, decided from the start tag when possible."""

from __future__ import annotations

from dxltools.rewrite import NoteHead, Select


def by_form(*forms: str) -> Select:
    """Notes whose ``form`` attribute is one of `forms` (case-insensitive).

    Notes without a ``form`` attribute (raw ``<note>`` exports) are selected
    too, so that the edit can look at their ``Form`` item.
    """
    wanted = {form.casefold() for form in forms}

    def select(head: NoteHead) -> bool:
        form = head.attributes.get("form")
        return form is None or form.casefold() in wanted

    return select
