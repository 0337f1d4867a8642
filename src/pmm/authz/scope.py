"""Row-level authorisation: the rows of a queryset an actor may act on, by the same matrix as `can()`.

A model gated by role declares `row_scope = RowScope(member=..., assessment=...)`: the paths from its
rows to the member they belong to and, where there is one, to the assessment (which is how peer
reviewers' grants reach it: a grant is one assessment, i.e. one member in one cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self, TypeVar

from django.db.models import Q, QuerySet

from pmm.authz.actions import ACTIONS
from pmm.authz.checks import roles_of
from pmm.authz.grants import review_grants
from pmm.authz.matrix import ALL_MEMBERS_ROLES, MATRIX
from pmm.authz.roles import MEMBER_OPTIONAL_ROLES
from pmm.core.actors import is_system
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
    """The rows of `queryset` on which `actor` may do `action` (none, some, or all), in the query itself."""
    declared = ACTIONS[action]
    if is_system(actor):
        return _mark(queryset)
    members: set[int] = set()
    allowed = Q(pk__in=[])
    for role, member_id in roles_of(actor):
        if action not in MATRIX.get(role, frozenset()):
            continue
        if declared.scope == "any" or role in ALL_MEMBERS_ROLES:
            return _mark(queryset)
        paths: RowScope = queryset.model.row_scope
        if role in MEMBER_OPTIONAL_ROLES:
            grants = sorted(review_grants(actor), key=lambda g: g.assessment)
            if paths.assessment is not None:
                allowed |= Q(**{f"{paths.assessment}__in": [g.assessment for g in grants]})
            elif paths.cycle is not None:
                for g in grants:
                    allowed |= Q(**{paths.cycle: g.cycle, paths.member: g.member})
        elif member_id is not None:
            members.add(member_id)
    if members:
        allowed |= Q(**{f"{queryset.model.row_scope.member}__in": sorted(members)})
    return _mark(queryset.filter(allowed))


class RoleScopedQuerySet(ScopedQuerySet):
    """Rows gated by role: `visible_to(actor)` keeps the rows on which the actor may do `read_action`."""

    read_action = ""

    def visible_to(self, reader: Any) -> Self:
        return scope(reader, self.read_action, self)
