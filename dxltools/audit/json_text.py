"""``json.dumps(value, indent=2)``, written by a recursion that appends strings.

The standard library writes indented JSON with its pure-Python encoder (its C encoder
serves ``indent=None`` only), a generator per container. The audit's JSON of a large
directory is mostly failover routes, small dicts by the hundred thousand: writing them
took half as long as the audit itself (issue 15). The text here is the standard
library's to the character: the same escaping (its own C function, ASCII only), number
and constant spellings and key conversions. Unlike it, nothing checks for a value that
holds itself (the audit's JSON is a tree): that ends in a RecursionError.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

__all__ = ["indented_json"]

_INDENT = "  "
_Append = Callable[[str], None]


def indented_json(value: Any, level: int = 0) -> str:
    """``json.dumps(value, indent=2)`` with every line after the first indented by `level`
    more steps (as if `value` stood `level` deep in a larger document)."""
    parts: list[str] = []
    _write(value, "\n" + _INDENT * level, parts.append)
    return "".join(parts)


def _write(value: Any, newline: str, append: _Append) -> None:
    """Append the text of `value`, whose lines after the first begin with `newline`."""
    if isinstance(value, str):
        append(encode_basestring_ascii(value))
    elif isinstance(value, dict):
        _write_dict(value, newline, append)
    elif isinstance(value, list | tuple):
        _write_list(value, newline, append)
    else:
        append(_scalar(value))


def _write_dict(value: dict[Any, Any], newline: str, append: _Append) -> None:
    if not value:
        append("{}")
        return
    inner = newline + _INDENT
    opener = "{" + inner
    for key, item in value.items():
        append(opener + encode_basestring_ascii(_key(key)) + ": ")
        opener = "," + inner
        _write(item, inner, append)
    append(newline + "}")


def _write_list(value: list[Any] | tuple[Any, ...], newline: str, append: _Append) -> None:
    if not value:
        append("[]")
        return
    inner = newline + _INDENT
    opener = "[" + inner
    for item in value:
        append(opener)
        opener = "," + inner
        _write(item, inner, append)
    append(newline + "]")


def _scalar(value: Any) -> str:
    """A constant or a number as the standard library spells it (``NaN`` and
    ``Infinity`` included, as its default ``allow_nan`` writes them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)  # an IntEnum's number, not its name
    if isinstance(value, float):
        return _float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as the standard library converts it to a string; other keys are refused
    as it refuses them."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool | int | float) or key is None:
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
