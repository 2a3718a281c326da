"""Loading agent definitions (TOML) into an :class:`~dxltools.agents.model.Agent`.

An agent file holds a name, a description, typed parameters, a selection and
a list of actions. Strings of the form ``{parameter}`` are replaced by the
parameter's value (a whole-string reference keeps the value's type, so a list
parameter can fill a list). Every unknown key, unknown action, bad type or
missing parameter is an :class:`AgentError` naming the file and the key.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from dxltools.agents.model import (
    Action,
    Agent,
    AuditSpec,
    Condition,
    Parameter,
    ParameterValue,
)
from dxltools.dxl.model import ItemFlags
from dxltools.edit import edits
from dxltools.edit.changes import Edit
from dxltools.errors import AgentError, MissingParameterError

_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

_TOP_KEYS = {"name", "description", "parameters", "select", "actions", "audit"}
_AUDIT_KEYS = {"domain", "domain_type", "server_items"}
_PARAMETER_KEYS = {"type", "description", "required", "default"}
_SELECT_KEYS = {"forms", "unids", "where"}
_FLAG_NAMES = {field.name for field in attrs.fields(ItemFlags)}


def _flags(names: Sequence[str]) -> ItemFlags:
    return ItemFlags(**dict.fromkeys(names, True))


# Action name -> (required keys, optional keys with defaults, factory, restricts).
_ACTIONS: dict[str, tuple[set[str], dict[str, Any], Callable[..., Edit], bool]] = {
    "remove-item": ({"item"}, {}, lambda item: edits.remove_item(item), False),
    "set-item": (
        {"item", "values"},
        {"flags": ()},
        lambda item, values, flags: edits.set_item(item, _as_list(values), _flags(flags)),
        False,
    ),
    "add-names": (
        {"item", "names"},
        {"flags": ("names",)},
        lambda item, names, flags: edits.add_names(item, _as_list(names), _flags(flags)),
        False,
    ),
    "remove-names": (
        {"item", "names"},
        {},
        lambda item, names: edits.remove_names(item, _as_list(names)),
        False,
    ),
    "set-readers": (
        {"servers_group", "admins_group"},
        {"server_items": ("CalendarServer", "MailServer"), "item": "$Readers"},
        lambda servers_group, admins_group, server_items, item: edits.set_readers(
            servers_group, admins_group, _as_list(server_items), item
        ),
        True,
    ),
}


def _as_list(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


class _Loader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, reason: str) -> AgentError:
        return AgentError(f"{key}: {reason}", source=self.source)

    def unknown(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
                )

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a string or a list of strings")
        return tuple(value)

    def parameters(self, table: Any) -> tuple[Parameter, ...]:
        if not isinstance(table, dict):
            raise self.fail("parameters", "must be a table of parameter tables")
        found = []
        for name, spec in table.items():
            key = f"parameters.{name}"
            if not isinstance(spec, dict):
                raise self.fail(key, "must be a table")
            self.unknown(spec, _PARAMETER_KEYS, f"{key}.")
            kind = spec.get("type", "string")
            if kind not in ("string", "list"):
                raise self.fail(f"{key}.type", "must be 'string' or 'list'")
            default: ParameterValue | None = None
            if "default" in spec:
                default = (
                    self.strings(spec["default"], f"{key}.default")
                    if kind == "list"
                    else self.string(spec["default"], f"{key}.default")
                )
            required = spec.get("required", False)
            if not isinstance(required, bool):
                raise self.fail(f"{key}.required", "must be true or false")
            description = self.string(spec.get("description", ""), f"{key}.description")
            found.append(Parameter(name, kind, description, required, default))
        return tuple(found)

    def bind(
        self, parameters: Sequence[Parameter], overrides: Mapping[str, str]
    ) -> dict[str, ParameterValue]:
        known = {parameter.name: parameter for parameter in parameters}
        for name in overrides:
            if name not in known:
                raise self.fail(
                    f"--set {name}",
                    f"unknown parameter (known: {', '.join(sorted(known)) or 'none'})",
                )
        values: dict[str, ParameterValue] = {}
        for parameter in parameters:
            if parameter.name in overrides:
                values[parameter.name] = parameter.parse(overrides[parameter.name])
            elif parameter.default is not None:
                values[parameter.name] = parameter.default
            elif parameter.required:
                raise MissingParameterError(
                    f"parameters.{parameter.name}: required parameter missing: "
                    f"give it with --set {parameter.name}=VALUE",
                    parameter=parameter.name,
                    source=self.source,
                )
            else:
                values[parameter.name] = ""
        return values

    def substitute(self, value: Any, values: Mapping[str, ParameterValue], key: str) -> Any:
        if isinstance(value, list):
            flat: list[str] = []
            for index, part in enumerate(value):
                done = self.substitute(part, values, f"{key}[{index}]")
                flat.extend(_as_list(done))
            return tuple(flat)
        if not isinstance(value, str):
            return value
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return self.lookup(whole.group(1), values, key)

        def one(match: re.Match[str]) -> str:
            found = self.lookup(match.group(1), values, key)
            return found if isinstance(found, str) else ",".join(found)

        return _REFERENCE.sub(one, value)

    def lookup(self, name: str, values: Mapping[str, ParameterValue], key: str) -> ParameterValue:
        if name not in values:
            raise self.fail(key, f"refers to unknown parameter {{{name}}}")
        return values[name]

    def selection(
        self, table: Any, values: Mapping[str, ParameterValue]
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Condition, ...]]:
        if not isinstance(table, dict):
            raise self.fail("select", "must be a table")
        self.unknown(table, _SELECT_KEYS, "select.")
        forms = self.strings(
            self.substitute(table.get("forms", []), values, "select.forms"), "select.forms"
        )
        unids = self.strings(
            self.substitute(table.get("unids", []), values, "select.unids"), "select.unids"
        )
        where = table.get("where", {})
        if not isinstance(where, dict):
            raise self.fail("select.where", "must be a table of item = value")
        conditions = []
        for item, wanted in where.items():
            key = f"select.where.{item}"
            bound = self.strings(self.substitute(wanted, values, key), key)
            bound = tuple(value for value in bound if value.strip())
            if bound:  # an empty value (a parameter left at "") means: any
                conditions.append(Condition(item, bound))
        return tuple(v for v in forms if v), tuple(v for v in unids if v), tuple(conditions)

    def actions(self, table: Any, values: Mapping[str, ParameterValue]) -> tuple[Action, ...]:
        if not isinstance(table, list) or not table:
            raise self.fail("actions", "must be a non-empty array of tables ([[actions]])")
        found = []
        for index, spec in enumerate(table):
            where = f"actions[{index}]"
            if not isinstance(spec, dict):
                raise self.fail(where, "must be a table")
            name = self.string(spec.get("action"), f"{where}.action")
            if name not in _ACTIONS:
                raise self.fail(
                    f"{where}.action", f"unknown action {name!r} (known: {', '.join(_ACTIONS)})"
                )
            required, optional, factory, restricts = _ACTIONS[name]
            self.unknown(spec, required | set(optional) | {"action"}, f"{where}.")
            arguments = dict(optional)
            for key in required:
                if key not in spec:
                    raise self.fail(f"{where}.{key}", f"missing for action {name!r}")
            for key in required | set(optional):
                if key in spec:
                    arguments[key] = self.substitute(spec[key], values, f"{where}.{key}")
            self.check_arguments(arguments, where)
            found.append(Action(name, factory(**arguments), restricts))
        return tuple(found)

    def check_arguments(self, arguments: Mapping[str, Any], where: str) -> None:
        for key, value in arguments.items():
            texts = self.strings(value, f"{where}.{key}")
            if key in ("item", "servers_group", "admins_group") and not "".join(texts).strip():
                raise self.fail(f"{where}.{key}", "must not be empty")
            if key == "flags":
                for flag in texts:
                    if flag not in _FLAG_NAMES:
                        raise self.fail(f"{where}.flags", f"unknown flag {flag!r}")

    def audit(self, table: Any, values: Mapping[str, ParameterValue]) -> AuditSpec | None:
        if table is None:
            return None
        if not isinstance(table, dict):
            raise self.fail("audit", "must be a table")
        self.unknown(table, _AUDIT_KEYS, "audit.")
        domain = self.string(
            self.substitute(table.get("domain", ""), values, "audit.domain"), "audit.domain"
        )
        domain_type = self.string(
            self.substitute(table.get("domain_type", "ForeignDomain"), values, "audit.domain_type"),
            "audit.domain_type",
        )
        server_items = self.strings(
            self.substitute(
                table.get("server_items", ["CalendarServer", "MailServer"]),
                values,
                "audit.server_items",
            ),
            "audit.server_items",
        )
        return AuditSpec(domain.strip() or None, domain_type, server_items)

    def load(self, text: str, overrides: Mapping[str, str]) -> Agent:
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise AgentError(f"not valid TOML: {error}", source=self.source) from None
        self.unknown(document, _TOP_KEYS, "")
        name = self.string(document.get("name"), "name")
        description = self.string(document.get("description", ""), "description")
        parameters = self.parameters(document.get("parameters", {}))
        values = self.bind(parameters, overrides)
        forms, unids, conditions = self.selection(document.get("select", {}), values)
        actions = self.actions(document.get("actions"), values)
        audit = self.audit(document.get("audit"), values)
        return Agent(
            name,
            description,
            self.source,
            parameters,
            values,
            forms,
            unids,
            conditions,
            actions,
            audit,
        )


def bundled_agents() -> dict[str, Path]:
    """The bundled agents by name: the project's ``agents/`` folder, installed
    as the package ``dxltools.bundled_agents``."""
    # Where the package is, without importlib.resources (zipfile and more: start-up
    # counts); a data package installed as files, as setuptools installs it.
    spec = importlib.util.find_spec("dxltools.bundled_agents")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise AgentError("the bundled agents are not installed (dxltools.bundled_agents)")
    folder = Path(next(iter(locations)))
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def find_agent(reference: str) -> Path:
    """A bundled agent by name, or an agent file by path."""
    path = Path(reference)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise AgentError("agent file not found", source=reference)
        return path
    bundled = bundled_agents()
    if reference not in bundled:
        raise AgentError(
            f"no bundled agent of that name (bundled: {', '.join(bundled) or 'none'})",
            source=reference,
        )
    return bundled[reference]


def load_agent(reference: str, overrides: Mapping[str, str] | None = None) -> Agent:
    """Load a bundled agent by name or an agent file, binding `overrides`."""
    path = find_agent(reference)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AgentError(f"cannot read agent file: {error}", source=str(path)) from None
    return _Loader(str(path)).load(text, overrides or {})


def describe_agent(path: Path) -> str:
    """An agent's name, description and parameters, for `dxltools agents`."""
    loader = _Loader(str(path))
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AgentError(f"cannot read agent file: {error}", source=str(path)) from None
    loader.unknown(document, _TOP_KEYS, "")
    lines = [f"{loader.string(document.get('name'), 'name')}: {document.get('description', '')}"]
    for parameter in loader.parameters(document.get("parameters", {})):
        if parameter.required:
            given = "required"
        elif isinstance(parameter.default, tuple):
            given = f"default {','.join(parameter.default)!r}"
        else:
            given = f"default {parameter.default!r}"
        lines.append(f"  {parameter.name} ({parameter.type}, {given}): {parameter.description}")
    return "\n".join(lines) + "\n"
