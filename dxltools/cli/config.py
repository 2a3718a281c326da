"""Settings for the `dxltools` command, from a `dxltools.toml` or a `pyproject.toml`.

The search starts in the common folder of the inputs (the working folder for
standard input, see :func:`settings_folder`) and goes up to the root; the first
folder that holds settings wins, as with ruff. In one folder `dxltools.toml`
(keys at the top level) beats `pyproject.toml` (keys under
``[tool.dxltools]``); a `pyproject.toml` without that table holds no settings,
so the search goes on upwards. Keys::

    include = ["*.dxl"]                  # globs for files found in folders
    exclude = ["archive"]
    jobs = 4                             # an integer >= 1
    [agents.coexistence-readers]         # parameters of one agent
    servers_group = "AcmeMailServers"    # a string, or a list of strings

A list parameter becomes comma-joined text, which is what an agent's list
parameter parses (the same text `--set` takes). Unknown keys and wrong types
raise :class:`ConfigError`, naming the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from dxltools.errors import ConfigError
from dxltools.records import Record

CONFIG_NAME = "dxltools.toml"
PYPROJECT_NAME = "pyproject.toml"
_KEYS = frozenset({"include", "exclude", "jobs", "agents"})
# tomllib's messages end with "(at line 3, column 7)"; Python 3.11 has no attribute for it.
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = " (at end of document)"


@attrs.frozen(repr=False)
class Config(Record):
    """Settings found for a run; every field is empty when no file was found."""

    path: Path | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jobs: int | None = None
    agents: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)

    def settings_for(self, agent: str) -> dict[str, str]:
        """The parameters set for `agent`: the name the user typed, or an agent file's
        path, which is looked up by its stem (``x/coexistence-readers.toml``)."""
        found = self.agents.get(agent)
        if found is None:
            found = self.agents.get(PurePosixPath(agent.replace("\\", "/")).stem, {})
        return dict(found)


class _SettingsTable:
    """Checks one file's settings table; `prefix` is where that table sits in the file."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path = path
        self.prefix = prefix

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.prefix}{key}: {reason}", source=str(self.path))

    def config(self, table: Mapping[str, Any]) -> Config:
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            allowed = ", ".join(sorted(_KEYS))
            raise self.fail(unknown[0], f"unknown key (known keys: {allowed})")
        return Config(
            path=self.path,
            include=self.globs(table, "include"),
            exclude=self.globs(table, "exclude"),
            jobs=self.jobs(table.get("jobs")),
            agents=self.agents(table.get("agents", {})),
        )

    def globs(self, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, f"expected a list of glob strings, got {value!r}")
        return tuple(value)

    def jobs(self, value: Any) -> int | None:
        # bool is an int to Python, never to a user.
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail("jobs", f"expected an integer >= 1, got {value!r}")
        return value

    def agents(self, value: Any) -> dict[str, dict[str, str]]:
        if not isinstance(value, dict):
            raise self.fail("agents", f"expected a table of agent tables, got {value!r}")
        agents: dict[str, dict[str, str]] = {}
        for agent, parameters in value.items():
            key = f"agents.{agent}"
            if not isinstance(parameters, dict):
                raise self.fail(key, f"expected a table of parameters, got {parameters!r}")
            agents[agent] = {
                name: self.parameter(f"{key}.{name}", setting)
                for name, setting in parameters.items()
            }
        return agents

    def parameter(self, key: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            # A comma inside one entry would split it in two when the list is parsed.
            if any("," in item for item in value):
                raise self.fail(key, "a list entry cannot hold a comma")
            return ",".join(value)
        raise self.fail(key, f"expected a string or a list of strings, got {value!r}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror or error}", source=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", source=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(path, str(error), text) from None


def _toml_error(path: Path, message: str, text: str) -> ConfigError:
    """tomllib's message with its position moved to where a DxlError keeps it."""
    position = _POSITION.search(message)
    if position is not None:
        line, column = int(position.group(1)), int(position.group(2))
        reason = message[: position.start()]
    elif message.endswith(_AT_END):
        line, column = max(len(text.splitlines()), 1), None
        reason = message.removesuffix(_AT_END) + " at the end of the file"
    else:
        line, column, reason = None, None, message
    return ConfigError(f"not valid TOML: {reason}", source=str(path), line=line, column=column)


def _settings(path: Path, document: Mapping[str, Any]) -> Config | None:
    """The settings in a parsed file; None for a pyproject without ``[tool.dxltools]``."""
    if path.name != PYPROJECT_NAME:
        return _SettingsTable(path, "").config(document)
    tool = document.get("tool", {})
    table = tool.get("dxltools") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _SettingsTable(path, "").fail("tool.dxltools", f"expected a table, got {table!r}")
    return _SettingsTable(path, "tool.dxltools.").config(table)


def load_config(path: Path) -> Config:
    """The settings in `path`: a `pyproject.toml` (``[tool.dxltools]``, none when
    absent) or any other TOML file (settings at the top level)."""
    found = _settings(path, _read_toml(path))
    return Config(path=path) if found is None else found


def _is_file(path: Path) -> bool:
    # A folder we may not look into holds no settings for us.
    try:
        return path.is_file()
    except OSError:
        return False


def _in_folder(folder: Path) -> Config | None:
    for path in (folder / CONFIG_NAME, folder / PYPROJECT_NAME):
        if _is_file(path):
            found = _settings(path, _read_toml(path))
            if found is not None:
                return found
    return None


def settings_folder(paths: Sequence[str]) -> Path:
    """Where the search for settings starts: the common folder of the inputs
    (a file's own folder), as black and ruff find their settings; the working
    folder for standard input."""
    named = [Path(path) for path in paths if path != "-"]
    if not named:
        return Path.cwd()
    folders = [str(path.resolve() if path.is_dir() else path.resolve().parent) for path in named]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # Windows: inputs on different drives share no folder
        return Path.cwd()


def find_config(start: Path | None = None) -> Config:
    """The settings that apply in `start` (the working folder by default): the
    nearest folder upwards with settings wins; an empty Config when none has any."""
    # A file to start from holds no settings file itself: the search goes on in its folder.
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        found = _in_folder(candidate)
        if found is not None:
            return found
    return Config()
