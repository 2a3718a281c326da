"""Every attrs class of dxltools shares :class:`dxltools.records.Record`'s ``__repr__``
(attrs would compile one per class at import, issue 15's start-up), and that one reads
exactly as attrs' own: the same classes built both ways print the same text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import attrs
from hypothesis import given
from hypothesis import strategies as st

from dxltools.records import Record
from tests.shared import package_modules

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.binary(max_size=8)
)
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=3)
)


def _abridged(value: object) -> str:  # a field's own repr
    return f"<{value!r:.4}>"


def _samples(shared: bool) -> tuple[type[Any], type[Any]]:
    """A class with every kind of field a repr treats differently, and one that holds
    it, built with attrs' own ``__repr__`` or with :class:`Record`'s."""
    decorate: Callable[[type[Any]], type[Any]] = (
        attrs.frozen(repr=False) if shared else attrs.frozen
    )
    base: tuple[type, ...] = (Record,) if shared else ()

    class Inner(*base):  # type: ignore[misc]
        plain: object
        hidden: object = attrs.field(repr=False)
        custom: object = attrs.field(repr=_abridged)

    class Outer(*base):  # type: ignore[misc]
        inner: object
        rest: object = ()
        late: object = attrs.field(init=False, default="fixed")

    return decorate(Inner), decorate(Outer)


# Built once: the same four classes serve every generated example.
(SHARED_INNER, SHARED_OUTER), (OWN_INNER, OWN_OUTER) = _samples(True), _samples(False)


@given(_VALUES, _VALUES, _VALUES, _VALUES)
def test_repr_reads_as_attrs_own(
    plain: object, hidden: object, custom: object, rest: object
) -> None:
    assert _shares_the_repr(SHARED_OUTER) and not _shares_the_repr(OWN_OUTER)
    shared = SHARED_OUTER(SHARED_INNER(plain, hidden, custom), rest)
    own = OWN_OUTER(OWN_INNER(plain, hidden, custom), rest)
    assert repr(shared) == repr(own)


def test_a_field_init_does_not_set_may_be_unset_still() -> None:
    # As attrs' own repr reads it, in what a traceback shows of a half-built object.
    shown = []
    for cls in (SHARED_OUTER, OWN_OUTER):
        half_built = object.__new__(cls)
        object.__setattr__(half_built, "inner", 1)
        object.__setattr__(half_built, "rest", ())
        shown.append(repr(half_built))
    assert shown[0] == shown[1] == "Outer(inner=1, rest=(), late=NOTHING)"


def test_a_hidden_field_stays_hidden() -> None:
    from dxltools.rewrite.stream import RewriteReport, RewriteResult

    report = RewriteReport("in.dxl", False, (), 0, 0)
    assert repr(RewriteResult(b"secret bytes", report)) == (
        "RewriteResult(report=RewriteReport(source='in.dxl', changed=False, notes=(), "
        "notes_seen=0, notes_parsed=0, warnings=()))"
    )


def _shares_the_repr(cls: type[Any]) -> bool:
    return cast(object, cls.__repr__) is Record.__repr__


def _attrs_classes() -> list[type[Any]]:
    return [
        value
        for module in package_modules()
        for value in vars(module).values()
        if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__
    ]


def test_every_attrs_class_shares_the_repr() -> None:
    classes = _attrs_classes()
    assert len(classes) > 90  # every module was walked
    own = [cls.__qualname__ for cls in classes if not _shares_the_repr(cls)]
    assert own == [], "declare them @attrs.frozen(repr=False) and inherit Record"
