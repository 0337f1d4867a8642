"""Row-level authorisation: the rows of a queryset an actor may act on, by the same matrix as `can()`.

A model gated by role declares `row_scope = RowScope(member=..., assessment=...)`: the paths from its
rows to the member they belong to and, where there is one, to the assessment (which is how peer
reviewers' grants reach it: a grant is one assessment, i.e. one member in one cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self, TypeVar

from django.db.models import Q, QuerySet

from pmm.authz.checks import reach
from pmm.core.scoped import ScopedQuerySet

Rows = TypeVar("Rows", bound=QuerySet[Any])


@dataclass(frozen=True)
class RowScope:
    member: str  # e.g. "assessment__member_id"
    assessment: str | None = None  # e.g. "assessment_id"; None: reviewers' grants do not reach the rows
    cycle: str | None = None  # for rows with a member and a cycle but no assessment (grants by pair)


def _mark(queryset: Rows) -> Rows:
    marker = getattr(queryset, "scoped_for_reader", None)
    return marker() if marker is not None else queryset


def scope(actor: Any, action: str, queryset: Rows) -> Rows:
    """The rows of `queryset` on which `actor` may do `action` (none, some, or all), in the query itself:
    the same `reach` as `can()`, turned into a filter through the model's `row_scope`."""
    where = reach(actor, action)
    if where.everywhere:
        return _mark(queryset)
    paths: RowScope = queryset.model.row_scope
    allowed = Q(pk__in=[])
    if where.members:
        allowed |= Q(**{f"{paths.member}__in": sorted(where.members)})
    grants = sorted(where.grants, key=lambda g: g.assessment)
    if grants and paths.assessment is not None:
        allowed |= Q(**{f"{paths.assessment}__in": [g.assessment for g in grants]})
    elif paths.cycle is not None:
        for g in grants:
            allowed |= Q(**{paths.cycle: g.cycle, paths.member: g.member})
    return _mark(queryset.filter(allowed))


class RoleScopedQuerySet(ScopedQuerySet):
    """Rows gated by role: `visible_to(actor)` keeps the rows on which the actor may do `read_action`."""

    read_action = ""

    def visible_to(self, reader: Any) -> Self:
        return scope(reader, self.read_action, self)
