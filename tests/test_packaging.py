"""The wheel holds the whole package and works on its own, outside the clone.

The wheel is built from a copy of the sources (so no `build/` or `*.egg-info`
is left in the clone, and no stale `build/lib` of a moved module can slip into
it) with `pip wheel --no-build-isolation --no-index --no-deps`: offline, with
the setuptools that the `test` extra installs (that is why the extra names
`setuptools>=77`; `build` is not needed). The build must print no backend
warning (such as setuptools' "package would be ignored" for data files).

It is installed, not editable, into a fresh virtual environment made with
`venv --without-pip`, by this interpreter's pip (`pip --python`), with
`--no-index --no-deps`: nothing is downloaded. The wheel's runtime
dependencies (its `Requires-Dist` without extras, and theirs) come from this
interpreter's site-packages through a `.pth` file naming a folder that holds
links to exactly those distributions, so the fresh environment sees lxml,
click and attrs but not dxltools' clone, pytest or anything else. (A venv with
`--system-site-packages` would show the editable dxltools of `.venv` too.)

Then `dxltools agents` and the demo's `dxltools run` run from that
environment's own `bin/`, in an empty working folder, and the package is
checked to be imported from the environment, not from the clone.
"""

from __future__ import annotations

import email
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.shared import FIXTURES, ROOT

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(os.name == "nt", reason="links the dependencies with symlinks (POSIX)"),
]

SOURCES = ("pyproject.toml", "README.md", "dxltools", "agents")


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel and what the build printed."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    options = ["--no-build-isolation", "--no-index", "--no-deps", "-w", str(dist)]
    result = _run([*pip, "wheel", *options, str(source)], cwd=source)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = dist.glob("dxltools-*.whl")
    return wheel, result.stdout + result.stderr


def _requirements(metadata: str) -> Iterator[Requirement]:
    for line in email.message_from_string(metadata).get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            yield requirement


def _link_distribution(name: str, into: Path, done: set[str]) -> None:
    """Link one installed distribution's top-level files and folders (and its
    own requirements') into `into`."""
    distribution = importlib.metadata.distribution(name)
    key = distribution.metadata["Name"].lower()
    if key in done:
        return
    done.add(key)
    site = Path(str(distribution.locate_file("")))
    for top in sorted({Path(str(file)).parts[0] for file in distribution.files or ()}):
        if top in ("..", "__pycache__") or (into / top).exists():
            continue
        (into / top).symlink_to(site / top)
    for requirement in distribution.requires or ():
        parsed = Requirement(requirement)
        if parsed.marker is None or parsed.marker.evaluate({"extra": ""}):
            _link_distribution(parsed.name, into, done)


@pytest.fixture(scope="module")
def installed(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel; returns its `bin` folder."""
    wheel, _ = built
    venv = tmp_path_factory.mktemp("venv")
    result = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv)
    assert result.returncode == 0, result.stderr
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    result = _run([*pip, "install", "--no-index", "--no-deps", str(wheel)], cwd=venv)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        requirements = list(_requirements(archive.read(metadata).decode("utf-8")))
    dependencies = tmp_path_factory.mktemp("dependencies")
    done: set[str] = set()
    for requirement in requirements:
        _link_distribution(requirement.name, dependencies, done)
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], venv)
    Path(site.stdout.strip(), "dependencies.pth").write_text(f"{dependencies}\n", encoding="utf-8")
    return venv / "bin"


def test_the_build_prints_no_backend_warning(built: tuple[Path, str]) -> None:
    _, output = built
    assert "Warning" not in output, output


def test_the_wheel_holds_every_module_and_every_bundled_agent(built: tuple[Path, str]) -> None:
    wheel, _ = built
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "dxltools").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    agents = {f"dxltools/bundled_agents/{path.name}" for path in (ROOT / "agents").glob("*.toml")}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert modules - names == set()
    assert agents - names == set()
    assert "dxltools/py.typed" in names


def test_the_installed_package_is_the_one_in_the_environment(
    installed: Path, tmp_path: Path
) -> None:
    code = "import dxltools, click, lxml, attrs; print(dxltools.__file__)"
    result = _run([str(installed / "python"), "-c", code], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(installed.parent)
    result = _run([str(installed / "python"), "-c", "import pytest"], cwd=tmp_path)
    assert result.returncode != 0, "the fresh environment sees more than the wheel's dependencies"


def test_dxltools_agents_lists_the_bundled_agents(installed: Path, tmp_path: Path) -> None:
    names = [
        tomllib.loads(path.read_text(encoding="utf-8"))["name"]
        for path in sorted((ROOT / "agents").glob("*.toml"))
    ]
    result = _run([str(installed / "dxltools"), "agents"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = [line.split(":")[0] for line in result.stdout.splitlines() if line[:1].isalnum()]
    assert sorted(listed) == sorted(names)


def test_the_demo_run_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    export = tmp_path / "names.dxl"
    shutil.copy(FIXTURES / "names.dxl", export)
    command = [str(installed / "dxltools"), "run", "coexistence-readers", "names.dxl"]
    settings = ["--set", "servers_group=AcmeMailServers"]
    result = _run([*command, *settings, "--check"], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # 1: the file would change
    result = _run([*command, *settings, "--diff"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    added = [line for line in result.stdout.splitlines() if line.startswith("+<item")]
    assert len(added) == 2
    assert all("name='$Readers' readers='true'" in line for line in added)
    assert export.read_bytes() == (FIXTURES / "names.dxl").read_bytes()


def test_the_lazy_public_names_are_all_and_only_those_listed() -> None:
    """dxltools imports its public names when first used (PEP 562): the table it
    imports them from and the written-out __all__ must name the same things,
    and each must resolve to the object of the module the table names."""
    import importlib

    import dxltools

    where = {name: module for module, names in dxltools._MODULES.items() for name in names}
    assert set(dxltools.__all__) == {*where, "__version__"}
    for name, module in where.items():
        assert getattr(dxltools, name) is getattr(importlib.import_module(module), name)
