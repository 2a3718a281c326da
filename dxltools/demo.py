"""`make demo`: run the main job on a bundled fixture and show what it changed.

Works on a copy in a temporary folder, so the fixture itself never changes.
"""

from __future__ import annotations

import difflib
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dxltools.changes import Change
from dxltools.edits import remove_item
from dxltools.model import Note
from dxltools.rewrite import rewrite_file
from dxltools.select import by_form

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "names.dxl"


def strip_foreign_domain_access(note: Note) -> Sequence[Change]:
    """Remove DocumentAccess from Foreign Domain documents only."""
    types = {value.casefold() for item in note.items_named("DomainType") for value in item.texts}
    return remove_item("DocumentAccess")(note) if "foreigndomain" in types else []


def main() -> int:
    if not FIXTURE.is_file():
        print(f"demo: {FIXTURE} is missing (run from a clone of dxltools)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / FIXTURE.name
        shutil.copyfile(FIXTURE, copy)
        report = rewrite_file(copy, strip_foreign_domain_access, select=by_form("Domain"))
        before = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
        after = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    print(
        f"dxltools demo: remove DocumentAccess from the Foreign Domain documents of {FIXTURE.name}"
    )
    print(
        f"{report.notes_seen} notes, {report.notes_parsed} parsed, {report.notes_changed} changed:"
    )
    for note in report.notes:
        for change in note.changes:
            print(f"  line {note.line}: {note.form} {note.unid}: {change}")
    print()
    sys.stdout.writelines(
        difflib.unified_diff(before, after, f"a/{FIXTURE.name}", f"b/{FIXTURE.name}")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
