"""Settings: found upwards, dxltools.toml before pyproject.toml, every mistake one clear line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs
import pytest

from dxltools.cli.config import Config, find_config, load_config
from dxltools.errors import ConfigError

FULL = """\
include = ["*.dxl", "exports/*.xml"]
exclude = ["archive"]
jobs = 4

[agents.coexistence-readers]
servers_group = "AcmeMailServers"
server_items = ["CalendarServer", "MailServer"]
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _pyproject(text: str) -> str:
    """`text` (keys at the top level) as the [tool.dxltools] part of a pyproject."""
    tables = text.replace("[agents.", "[tool.dxltools.agents.")
    return f'[project]\nname = "acme-dxl"\n\n[tool.dxltools]\n{tables}'


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    """A folder a few levels below tmp_path, where a run starts."""
    folder = tmp_path / "domino" / "exports" / "daily"
    folder.mkdir(parents=True)
    return folder


def test_a_dxltools_toml_holds_every_setting(tmp_path: Path) -> None:
    path = _write(tmp_path / "dxltools.toml", FULL)
    assert load_config(path) == Config(
        path=path,
        include=("*.dxl", "exports/*.xml"),
        exclude=("archive",),
        jobs=4,
        agents={
            "coexistence-readers": {
                "servers_group": "AcmeMailServers",
                "server_items": "CalendarServer,MailServer",
            }
        },
    )


def test_a_pyproject_holds_the_same_settings_under_tool_dxltools(tmp_path: Path) -> None:
    toml = load_config(_write(tmp_path / "dxltools.toml", FULL))
    pyproject = load_config(_write(tmp_path / "pyproject.toml", _pyproject(FULL)))
    assert pyproject == attrs.evolve(toml, path=tmp_path / "pyproject.toml")


def test_settings_are_found_in_a_folder_above(tmp_path: Path, deep: Path) -> None:
    path = _write(tmp_path / "domino" / "pyproject.toml", _pyproject("jobs = 2\n"))
    assert find_config(deep) == Config(path=path, jobs=2)


def test_the_nearest_folder_wins(tmp_path: Path, deep: Path) -> None:
    _write(tmp_path / "dxltools.toml", "jobs = 1\n")
    path = _write(deep.parent / "dxltools.toml", "jobs = 3\n")
    assert find_config(deep) == Config(path=path, jobs=3)


def test_dxltools_toml_beats_pyproject_in_one_folder(deep: Path) -> None:
    _write(deep / "pyproject.toml", _pyproject("jobs = 2\n"))
    path = _write(deep / "dxltools.toml", "jobs = 5\n")
    assert find_config(deep) == Config(path=path, jobs=5)


def test_a_pyproject_without_the_table_is_skipped(tmp_path: Path, deep: Path) -> None:
    _write(
        deep / "pyproject.toml", '[project]\nname = "unrelated"\n[tool.ruff]\nline-length = 99\n'
    )
    path = _write(tmp_path / "dxltools.toml", "jobs = 2\n")
    assert find_config(deep) == Config(path=path, jobs=2)


def test_an_empty_table_still_stops_the_search(tmp_path: Path, deep: Path) -> None:
    # Like ruff: a project that says [tool.dxltools] has settings, even none.
    _write(tmp_path / "dxltools.toml", "jobs = 2\n")
    path = _write(deep / "pyproject.toml", "[tool.dxltools]\n")
    assert find_config(deep) == Config(path=path)


def test_no_settings_anywhere_is_an_empty_config(deep: Path) -> None:
    # tmp_path's parents hold no settings file on a test machine.
    assert find_config(deep) == Config()
    assert find_config(deep).settings_for("coexistence-readers") == {}


def test_the_search_starts_in_the_working_folder(
    deep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(deep / "dxltools.toml", 'include = ["*.dxl"]\n')
    monkeypatch.chdir(deep)
    assert find_config() == Config(path=path, include=("*.dxl",))


def test_a_file_to_start_from_means_its_folder(deep: Path) -> None:
    path = _write(deep / "dxltools.toml", "jobs = 1\n")
    assert find_config(deep / "names.dxl") == Config(path=path, jobs=1)


def test_an_explicit_pyproject_without_the_table_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(path) == Config(path=path)


def test_an_explicit_file_of_any_name_holds_top_level_keys(tmp_path: Path) -> None:
    path = _write(tmp_path / "nightly.toml", "jobs = 2\n")
    assert load_config(path) == Config(path=path, jobs=2)


@pytest.mark.parametrize(
    "agent",
    [
        "coexistence-readers",
        "agents/coexistence-readers.toml",
        "C:\\agents\\coexistence-readers.toml",
        "coexistence-readers.toml",
    ],
)
def test_agent_settings_by_name_or_by_agent_file(tmp_path: Path, agent: str) -> None:
    config = load_config(_write(tmp_path / "dxltools.toml", FULL))
    assert config.settings_for(agent) == {
        "servers_group": "AcmeMailServers",
        "server_items": "CalendarServer,MailServer",
    }


def test_agent_settings_are_a_copy(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path / "dxltools.toml", FULL))
    config.settings_for("coexistence-readers")["servers_group"] = "Other"
    assert config.settings_for("coexistence-readers")["servers_group"] == "AcmeMailServers"


def test_an_agent_without_settings_has_none(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path / "dxltools.toml", FULL))
    assert config.settings_for("remove-document-access") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("job = 4\n", "job: unknown key (known keys: agents, exclude, include, jobs)"),
        ("jobs = 0\n", "jobs: expected an integer >= 1, got 0"),
        ('jobs = "4"\n', "jobs: expected an integer >= 1, got '4'"),
        ("jobs = true\n", "jobs: expected an integer >= 1, got True"),
        ("jobs = 2.5\n", "jobs: expected an integer >= 1, got 2.5"),
        ('include = "*.dxl"\n', "include: expected a list of glob strings, got '*.dxl'"),
        ("exclude = [1]\n", "exclude: expected a list of glob strings, got [1]"),
        ("agents = 3\n", "agents: expected a table of agent tables, got 3"),
        (
            '[agents]\ncoexistence-readers = "x"\n',
            "agents.coexistence-readers: expected a table of parameters, got 'x'",
        ),
        (
            "[agents.coexistence-readers]\nservers_group = 7\n",
            "agents.coexistence-readers.servers_group:"
            " expected a string or a list of strings, got 7",
        ),
        (
            "[agents.coexistence-readers]\nserver_items = ['MailServer', 2]\n",
            "agents.coexistence-readers.server_items:"
            " expected a string or a list of strings, got ['MailServer', 2]",
        ),
        (
            "[agents.coexistence-readers]\nserver_items = ['Mail,Server']\n",
            "agents.coexistence-readers.server_items: a list entry cannot hold a comma",
        ),
    ],
)
def test_every_mistake_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path / "dxltools.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"
    assert isinstance(caught.value, ValueError)


def test_mistakes_in_a_pyproject_name_the_full_key(tmp_path: Path, deep: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", _pyproject("jobs = 0\n"))
    with pytest.raises(ConfigError) as caught:
        find_config(deep)
    assert str(caught.value) == f"{path}: tool.dxltools.jobs: expected an integer >= 1, got 0"


def test_a_tool_dxltools_that_is_no_table(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", "[tool]\ndxltools = 3\n")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert str(caught.value) == f"{path}: tool.dxltools: expected a table, got 3"


def test_bad_toml_names_the_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "dxltools.toml", "jobs = 4\nexclude = \n")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert str(caught.value) == f"{path}:2:11: not valid TOML: Invalid value"


def test_toml_cut_short_names_the_last_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "dxltools.toml", 'jobs = 4\ninclude = ["*.dxl"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:2: not valid TOML: Unclosed array at the end of the file"


def test_a_broken_pyproject_on_the_way_up_is_an_error(tmp_path: Path, deep: Path) -> None:
    path = _write(deep / "pyproject.toml", "[project\n")
    with pytest.raises(ConfigError, match=f"^{path}:1:"):
        find_config(deep)


def test_a_settings_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "dxltools.toml"
    path.write_bytes("jobs = 2 # Größe\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not UTF-8 text"


def test_a_missing_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "nightly.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"


def test_a_folder_we_may_not_look_into_holds_no_settings(
    tmp_path: Path, deep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root (CI) no folder mode stops us: the refusal is made by hand.
    _write(tmp_path / "dxltools.toml", "jobs = 3\n")
    real_is_file = Path.is_file

    def is_file(path: Path) -> bool:
        if path.parent == deep:
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert find_config(deep) == Config(path=tmp_path / "dxltools.toml", jobs=3)


def test_a_toml_error_without_a_position_names_the_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tomllib places every message it has today; one it may add without a place still
    # makes a one-line error.
    def loads(text: str) -> dict[str, object]:
        raise tomllib.TOMLDecodeError("Recursion limit reached")

    monkeypatch.setattr(tomllib, "loads", loads)
    path = _write(tmp_path / "dxltools.toml", "jobs = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not valid TOML: Recursion limit reached"
