"""The queryset of published figures: each row names its member, the level it was published at and
its cycle, and is read only through `visible_to(reader)`, the disclosure rule as a query filter."""

from __future__ import annotations

from typing import Any, Self

from pmm.core.scoped import ScopedQuerySet
from pmm.disclosure.audience import audience_of, visible_filter
from pmm.disclosure.policy import Audience


class DisclosedQuerySet(ScopedQuerySet):
    member_field = "member_id"
    level_field = "disclosure"
    cycle_field = "publication__cycle_id"

    def visible_to(self, reader: Any) -> Self:
        """The rows this reader (a user, or an `Audience`) may see; withheld rows never leave the database."""
        audience = reader if isinstance(reader, Audience) else audience_of(reader)
        rows = self.filter(visible_filter(audience, self.member_field, self.level_field, self.cycle_field))
        return rows.scoped_for_reader()
