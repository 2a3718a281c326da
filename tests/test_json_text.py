"""``indented_json`` writes what ``json.dumps(value, indent=2)`` writes, to the character,
on generated values (the standard library is the reference), at any depth; and the
audit's JSON, written with it, is still ``json.dumps`` of the whole report."""

from __future__ import annotations

import enum
import io
import json
import textwrap
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dxltools.audit.collect import Auditor
from dxltools.audit.json_text import indented_json
from dxltools.audit.render import audit_to_json, write_audit_json
from tests.shared import FIXTURES

_TEXT = st.text(st.characters(exclude_categories=()), max_size=6)  # controls, surrogates, astral
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities too, as json.dumps writes them by default
    _TEXT,
)
_KEYS = st.one_of(_TEXT, st.integers(), st.floats(), st.booleans(), st.none())
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=30,
)


class _Level(enum.IntEnum):
    LOW = 1


@given(_VALUES, st.integers(0, 3))
@example({"a": [], "b": {}, "c": [{}], "\u00e9\n": "\ud800\x00"}, 0)
@example({3: "int", 2.5: "float", True: "bool", None: "null"}, 1)
@example([_Level.LOW, float("nan"), float("-inf")], 2)
def test_it_writes_what_json_dumps_writes(value: Any, level: int) -> None:
    expected = textwrap.indent(json.dumps(value, indent=2), "  " * level)
    assert "  " * level + indented_json(value, level) == expected


@pytest.mark.parametrize(
    "value", [{"x": {1, 2}}, [b"bytes"], {(1, 2): "tuple key"}], ids=["set", "bytes", "key"]
)
def test_it_refuses_what_json_dumps_refuses(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    with pytest.raises(TypeError):
        indented_json(value)


@pytest.mark.parametrize(
    "fixture", ["names.dxl", "foreign-domains.dxl", "foreign-domain-single.dxl"]
)
def test_the_audit_json_of_a_fixture_is_json_dumps_of_the_report(fixture: str) -> None:
    auditor = Auditor()
    auditor.add_file(FIXTURES / fixture)
    report = auditor.report()
    extra = {"fix": {"nested": [{"a": 1.5}], "empty": []}, "skipped": []}
    out = io.StringIO()
    write_audit_json(report, out, extra)
    assert out.getvalue() == json.dumps(audit_to_json(report, extra), indent=2) + "\n"
    assert json.loads(out.getvalue())["failover"]  # the routes were written
