"""An object read with something more: a frozen dataclass whose first field is the object it extends, and
whose other fields are what a selector adds to it (a framework version with its catalogue, an audit event
with its changes in words, a token with its secret). Every attribute it does not declare is the extended
object's, so one answer schema reads both alike."""

from __future__ import annotations

from dataclasses import fields
from typing import Any


class Extending:
    """Mix into a frozen dataclass; its first field names the object extended."""

    def __getattr__(self, name: str) -> Any:
        extended = fields(self)[0].name  # type: ignore[arg-type]  # a dataclass, as the mixin requires
        if name == extended:  # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(getattr(self, extended), name)
