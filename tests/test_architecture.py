"""The layout keeps its doors shut: no import cycle, click only in `dxltools/cli/`,
nothing outside `dxltools/cli/` imports it, and no module or class too big to read.

Imports are read with :mod:`ast` from every module of `dxltools/`: module level,
inside functions and classes, under ``if TYPE_CHECKING:`` and ``try:``, absolute
and relative. An edge goes from a module to the module it names (``from a.b
import c`` names ``a.b.c`` when that is a module, else ``a.b``); the import of a
parent package that Python performs on the way (``dxltools/__init__.py`` for
every ``dxltools.x``) is not an edge, as in import-linter.

Each rule is a real test over today's tree with an explicit list of the
offenders known today (the layout move of issue 14 is still splitting them).
A new offender fails at once. Each known offender also has its own strict
expected failure, so the day it is fixed the suite fails until its entry is
removed from the list below: the lists can only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

import attrs
import pytest

from tests.shared import ROOT

PACKAGE = ROOT / "dxltools"
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300
# `python -m dxltools` must start the command; nothing imports this module.
ENTRY_POINTS = frozenset({"dxltools.__main__"})
K = TypeVar("K", str, frozenset[str])

# -- today's offenders (issue 14: the lead removes each entry as its split lands) ---------

KNOWN_BIG_MODULES: Mapping[str, str] = {}
KNOWN_BIG_CLASSES: Mapping[str, str] = {}


# -- reading the tree ---------------------------------------------------------------------


@attrs.frozen
class Import:
    """One import statement's target, resolved to an absolute module name."""

    importer: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} -> {self.target}"


def module_name(path: Path, root: Path) -> str:
    """`root/dxltools/dxl/scan.py` -> `dxltools.dxl.scan`; a package's `__init__` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(package: Path) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {
        module_name(path, package.parent): path
        for path in sorted(package.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _base_of(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from`` import reads from, relative levels resolved."""
    if not node.level:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    up = package[: len(package) - (node.level - 1)]
    return ".".join([*up, node.module] if node.module else up)


def imports_of(name: str, path: Path, known: Iterable[str]) -> Iterator[Import]:
    """Every import of one module, wherever it stands in the file."""
    modules = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _base_of(name, is_package, node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield Import(name, candidate if candidate in modules else base, node.lineno)


def all_imports(package: Path) -> list[Import]:
    modules = modules_of(package)
    return [found for name, path in modules.items() for found in imports_of(name, path, modules)]


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# -- the rules, as plain functions (tested on small trees below) ---------------------------


def find_cycles(imports: Iterable[Import], package: str) -> list[tuple[str, ...]]:
    """One cycle per strongly connected group of modules, each as a path that
    starts at its smallest module and returns to it; sorted."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        if _is_under(found.target, package) and found.target != found.importer:
            graph.setdefault(found.importer, set()).add(found.target)
            graph.setdefault(found.target, set())
    return sorted(_cycle_through(group, graph) for group in _groups(graph) if len(group) > 1)


def _groups(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def _cycle_through(group: set[str], graph: Mapping[str, set[str]]) -> tuple[str, ...]:
    """A shortest path from the group's smallest module back to itself, inside the group."""
    start = min(group)
    paths: dict[str, tuple[str, ...]] = {start: (start,)}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & group):
                if child == start:
                    return (*paths[node], start)
                if child not in paths:
                    paths[child] = (*paths[node], child)
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle in the strongly connected group {sorted(group)}")


def click_outside_cli(imports: Iterable[Import], cli: str) -> list[str]:
    return sorted(
        str(found)
        for found in imports
        if _is_under(found.target, "click") and not _is_under(found.importer, cli)
    )


def cli_imported_from_outside(imports: Iterable[Import], cli: str) -> list[str]:
    return sorted(
        {
            str(found)
            for found in imports
            if _is_under(found.target, cli)
            and not _is_under(found.importer, cli)
            and found.importer not in ENTRY_POINTS
        }
    )


def module_lines(path: Path) -> int:
    return len(path.read_bytes().splitlines())


def class_sizes(path: Path) -> dict[str, int]:
    """Lines of every class (nested ones as `Outer.Inner`), decorators included."""
    sizes: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                end = child.end_lineno or child.lineno
                sizes[prefix + child.name] = end - first + 1
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return sizes


# -- the rules on the real tree -----------------------------------------------------------

IMPORTS = all_imports(PACKAGE)
MODULE_FILES = {
    name: path.relative_to(ROOT).as_posix() for name, path in modules_of(PACKAGE).items()
}
CLASSES = {
    f"{relative}:{cls}": size
    for relative in sorted(MODULE_FILES.values())
    for cls, size in class_sizes(ROOT / relative).items()
}


def _known(mapping: Mapping[K, str], key: K) -> list[pytest.MarkDecorator]:
    if key not in mapping:
        return []
    return [pytest.mark.xfail(strict=True, reason=f"known today (issue 14): {mapping[key]}")]


def test_no_import_cycle() -> None:
    cycles = [" -> ".join(cycle) for cycle in find_cycles(IMPORTS, "dxltools")]
    assert not cycles, f"import cycles: {cycles}"


def test_click_only_in_cli() -> None:
    assert not click_outside_cli(IMPORTS, "dxltools.cli")


def test_nothing_outside_cli_imports_cli() -> None:
    assert not cli_imported_from_outside(IMPORTS, "dxltools.cli")


@pytest.mark.parametrize(
    "relative",
    [pytest.param(r, marks=_known(KNOWN_BIG_MODULES, r)) for r in sorted(MODULE_FILES.values())],
)
def test_module_size(relative: str) -> None:
    lines = module_lines(ROOT / relative)
    assert lines <= MAX_MODULE_LINES, f"{relative}: {lines} lines"


@pytest.mark.parametrize(
    "qualified", [pytest.param(q, marks=_known(KNOWN_BIG_CLASSES, q)) for q in sorted(CLASSES)]
)
def test_class_size(qualified: str) -> None:
    assert CLASSES[qualified] <= MAX_CLASS_LINES, f"{qualified}: {CLASSES[qualified]} lines"


def test_known_offenders_still_exist() -> None:
    """An entry naming a module or class that is gone (moved, renamed) would
    silently excuse nothing: remove it."""
    stale = [
        *(key for key in KNOWN_BIG_MODULES if key not in MODULE_FILES.values()),
        *(key for key in KNOWN_BIG_CLASSES if key not in CLASSES),
    ]
    assert not stale, f"stale entries in tests/test_architecture.py: {stale}"


# -- the checks themselves, on small trees with a hand-known answer ------------------------


def _tree(root: Path, files: Mapping[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_lazy_import_and_a_type_checking_guard(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from pkg import b\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub.c import X\n"
            ),
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from .. import a\n",
            "pkg/d.py": "import pkg.a\n",
        },
    )
    assert find_cycles(all_imports(package), "pkg") == [("pkg.a", "pkg.b", "pkg.sub.c", "pkg.a")]


def test_no_cycle_through_parent_packages(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import f\n",
            "pkg/a.py": "import os\nfrom pkg.b import g\n",
            "pkg/b.py": "from . import c\n",
            "pkg/c.py": "",
        },
    )
    assert find_cycles(all_imports(package), "pkg") == []


def test_click_and_cli_imports_found_wherever_they_are(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/lib.py": "class A:\n    def f(self):\n        import click.testing\n",
            "pkg/low/__init__.py": "",
            "pkg/low/x.py": "from ..cli import main\nfrom pkg.cli.exits import EXIT_OK\n",
            "pkg/cli/__init__.py": "",
            "pkg/cli/main.py": "import click\nfrom pkg import lib\n",
            "pkg/cli/exits.py": "",
        },
    )
    imports = all_imports(package)
    assert click_outside_cli(imports, "pkg.cli") == ["pkg.lib -> click.testing"]
    assert cli_imported_from_outside(imports, "pkg.cli") == [
        "pkg.low.x -> pkg.cli.exits",
        "pkg.low.x -> pkg.cli.main",
    ]


def test_sizes_count_lines_and_decorators(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import attrs\n\n@attrs.frozen\nclass A:\n    x: int\n\n    class B:\n        y: int\n",
        encoding="utf-8",
    )
    assert module_lines(path) == 8
    assert class_sizes(path) == {"A": 6, "A.B": 2}
