"""What a run loads: lxml only once it parses a note (issue 15, start-up).

Each command runs in a fresh interpreter (this one has lxml loaded already) and
writes the names of the modules it ended with to a file; the expectations are
read from the exports themselves, not from the code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.shared import FIXTURES

# A directory export with one Person document and nothing a run selects.
NO_DOMAIN_DOCUMENT = b"""<?xml version='1.0' encoding='utf-8'?>
<database xmlns='http://www.lotus.com/dxl' version='9.0' replicaid='0123456789ABCDEF'>
<document form='Person'><noteinfo noteid='8fa' unid='0123456789ABCDEF0123456789ABCDEF'
 sequence='1'/><item name='FullName' names='true'><text>CN=Ada Lovelace/O=Acme</text></item>
</document>
</database>
"""

_REPORT_MODULES = """
import runpy, sys
modules_file, sys.argv = sys.argv[1], ["dxltools", *sys.argv[2:]]
try:
    runpy.run_module("dxltools", run_name="__main__")
except SystemExit as exit:
    status = exit.code
else:
    status = 0
with open(modules_file, "w", encoding="utf-8") as out:
    out.write(f"{status}\\n" + "\\n".join(sorted(sys.modules)))
"""


def _run_and_list_modules(tmp_path: Path, *arguments: str) -> tuple[int, set[str]]:
    listing = tmp_path / "modules.txt"
    command = [sys.executable, "-c", _REPORT_MODULES, str(listing), *arguments]
    subprocess.run(command, check=True, capture_output=True, cwd=tmp_path)
    status, *names = listing.read_text("utf-8").splitlines()
    return int(status), set(names)


def test_a_run_that_parses_no_note_does_not_load_lxml(tmp_path: Path) -> None:
    export = tmp_path / "people.dxl"
    export.write_bytes(NO_DOMAIN_DOCUMENT)
    status, modules = _run_and_list_modules(
        tmp_path,
        "run",
        "remove-document-access",
        "-q",
        "-o",
        str(tmp_path / "out.dxl"),
        str(export),
    )
    assert status == 0
    assert (tmp_path / "out.dxl").read_bytes() == NO_DOMAIN_DOCUMENT
    assert "lxml" not in modules and "lxml.etree" not in modules


def test_a_run_that_parses_a_note_loads_lxml_and_edits_it(tmp_path: Path) -> None:
    source = FIXTURES / "foreign-domain-single.dxl"
    assert b"<item name='DocumentAccess'" in source.read_bytes().replace(b"\n ", b" ")
    out = tmp_path / "out.dxl"
    status, modules = _run_and_list_modules(
        tmp_path, "run", "remove-document-access", "-q", "-o", str(out), str(source)
    )
    assert status == 0
    assert "lxml.etree" in modules
    assert b"DocumentAccess" not in out.read_bytes()
