"""Helpers shared by the tests: where the fixtures, real exports and DTDs live, DTD validation.

The real exports and the DXL DTDs sit in ``../shared`` beside the project root, never in
the project itself. Tests that need them are skipped, with a visible reason, when that
folder is absent, and fail when it is absent under CI (`shared_or_skip`).

Import from a test module as ``from tests.shared import FIXTURES, requires_shared, ...``.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest
from _pytest.mark import ParameterSet
from lxml import etree

import dxltools

ROOT: Path = Path(__file__).resolve().parents[1]
# DXLTOOLS_SHARED points elsewhere, for runs from a copy of the tree (`make mutation`).
SHARED: Path = Path(os.environ.get("DXLTOOLS_SHARED") or ROOT.parent / "shared")
FIXTURES: Path = ROOT / "fixtures"
REAL_DXL: Path = SHARED / "real-dxl"
SCHEMAS: Path = SHARED / "dxl-schemas"

# CI always lays out ../shared: there a missing folder means something broke.
UNDER_CI = bool(os.environ.get("CI"))


def shared_or_skip(folder: Path, what: str) -> None:
    """The one rule for a test that needs a folder of ../shared: it runs when the
    folder is there; else it is skipped with the reason, or fails under CI."""
    if folder.is_dir():
        return
    reason = f"../shared/{folder.name} is absent: {what}"
    if UNDER_CI:
        pytest.fail(f"{reason}; CI always has ../shared, so something broke", pytrace=False)
    pytest.skip(f"{reason} skipped")


# Open descriptors are counted in /proc (Linux); elsewhere the tests that count them skip.
_OWN_DESCRIPTORS = Path("/proc/self/fd")
needs_proc_fds = pytest.mark.skipif(
    not _OWN_DESCRIPTORS.is_dir(), reason="needs /proc/self/fd (Linux) to see open descriptors"
)


def open_descriptors() -> set[str]:
    """The descriptors this process has open, by number."""
    return set(os.listdir(_OWN_DESCRIPTORS))


# Timing checks (a run in time proportional to its size) are not part of `make
# test`: timing on a shared machine is luck. DXLTOOLS_TIMED=1 runs them.
TIMED = bool(os.environ.get("DXLTOOLS_TIMED"))
timed = pytest.mark.skipif(not TIMED, reason="a timing check: DXLTOOLS_TIMED=1 runs it")

# Marks read by tests/conftest.py, which calls shared_or_skip before the test.
requires_shared = pytest.mark.needs_shared(REAL_DXL, "real-export tests")
requires_schemas = pytest.mark.needs_shared(SCHEMAS, "DTD validation tests")

# <!DOCTYPE database SYSTEM 'xmlschemas/domino_9_0_1.dtd'> (either quote, optional PUBLIC id)
_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+\s+"
    rb"(?:SYSTEM|PUBLIC\s+(?:'[^']*'|\"[^\"]*\"))\s*"
    rb"(?:'(?P<sq>[^']*)'|\"(?P<dq>[^\"]*)\")"
)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


def real_dxl_files() -> list[Path]:
    """The real exports (*.dxl and *.xml) in ../shared/real-dxl, sorted; [] when absent."""
    if not REAL_DXL.is_dir():
        return []
    return sorted(p for p in REAL_DXL.iterdir() if p.suffix in {".dxl", ".xml"} and p.is_file())


def real_dxl_params() -> list[ParameterSet]:
    """The real exports as parameters marked `requires_shared`; when ../shared is
    absent, one placeholder, so that the case is skipped (or fails under CI)
    instead of vanishing, and the fixture cases beside it still run."""
    found = real_dxl_files() or [REAL_DXL / "absent.dxl"]
    return [pytest.param(path, marks=requires_shared, id=path.name) for path in found]


def fixture_files() -> list[Path]:
    """The project's own DXL fixtures (fixtures/*.dxl), sorted."""
    return sorted(FIXTURES.glob("*.dxl"))


def doctype_system_id(data: bytes) -> str | None:
    """The SYSTEM id of the DOCTYPE in the prolog (before the root element), or None."""
    prolog = _COMMENT.sub(b"", data[:65536])
    root = _ROOT_START.search(prolog)
    match = _DOCTYPE.search(prolog, 0, root.start() if root else len(prolog))
    if match is None:
        return None
    raw = match.group("sq") if match.group("sq") is not None else match.group("dq")
    return raw.decode("utf-8", "replace")


def dtd_path_for(data: bytes) -> Path | None:
    """The DTD in ../shared/dxl-schemas named by the DOCTYPE's SYSTEM id (by basename).

    ``xmlschemas/domino_9_0_1.dtd`` gives ``.../dxl-schemas/domino_9_0_1.dtd``. None when
    the data has no DOCTYPE or that DTD file is not there.
    """
    system_id = doctype_system_id(data)
    if not system_id:
        return None
    basename = system_id.replace("\\", "/").rsplit("/", 1)[-1]
    if not basename:
        return None
    candidate = SCHEMAS / basename
    return candidate if candidate.is_file() else None


@functools.cache
def _load_dtd(dtd: Path) -> etree.DTD:
    return etree.DTD(str(dtd))


def _safe_parser() -> etree.XMLParser:
    # No DTD loading, no entity resolution, no network: the DOCTYPE's relative path is
    # never followed (it points into a Notes program folder that is not here anyway).
    return etree.XMLParser(
        load_dtd=False, resolve_entities=False, no_network=True, dtd_validation=False
    )


def dtd_errors(data: bytes, dtd: Path) -> list[str]:
    """Validate ``data`` against ``dtd``; the error messages, [] when valid.

    Raises ``lxml.etree.XMLSyntaxError`` when ``data`` is not well-formed.
    """
    root = etree.fromstring(data, _safe_parser())
    validator = _load_dtd(dtd.resolve())
    if validator.validate(root):
        return []
    messages = [f"line {e.line}: {e.message}" for e in validator.error_log]
    return messages or ["invalid (no message from libxml2)"]


def is_dtd_valid(data: bytes) -> bool | None:
    """Valid against the DTD its DOCTYPE names? None when that DTD is not available."""
    dtd = dtd_path_for(data)
    if dtd is None:
        return None
    return not dtd_errors(data, dtd)


def package_modules() -> list[ModuleType]:
    """Every module of the dxltools package, subpackages' included, imported; not
    ``__main__``, whose import runs the command."""
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(dxltools.__path__, "dxltools.")
        if info.name != "dxltools.__main__"
    ]
