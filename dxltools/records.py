"""The base of dxltools' attrs classes: one ``__repr__`` shared by all of them.

attrs compiles a ``__repr__`` for each class it builds, when its module is imported:
about 0.1 ms a class, 6 ms for the 52 classes a ``run`` imports before it reads a byte
(issue 15: start-up). So the classes are ``@attrs.frozen(repr=False)`` and inherit
:class:`Record`, whose ``__repr__`` reads the same fields when it is called and writes
what attrs' own would: ``Span(start=0, end=12)``.
"""

from __future__ import annotations

from typing import cast

import attrs
from attrs import NOTHING

__all__ = ["Record"]


class Record:
    """The ``__repr__`` of an attrs class. (Empty slots, so that a slotted subclass
    stays without a ``__dict__``.)"""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = []
        for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(self))):
            if field.repr is False:
                continue
            # As attrs does: a field __init__ does not set may be unset still.
            value = getattr(self, field.name) if field.init else getattr(self, field.name, NOTHING)
            text = field.repr(value) if callable(field.repr) else repr(value)
            shown.append(f"{field.name}={text}")
        return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(shown)})"
