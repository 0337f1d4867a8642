"""The one authorisation chokepoint: `can()`, `require()`, `roles_of()`.

Actions are declared in `actions.py`, the role → action matrix in `matrix.py`.
"""

from __future__ import annotations

from typing import Any

from pmm.accounts.roles import ANONYMOUS, MEMBER_OPTIONAL_ROLES
from pmm.authz.actions import ACTIONS
from pmm.authz.matrix import ALL_MEMBERS_ROLES, MATRIX
from pmm.core.actors import is_system
from pmm.core.errors import PermissionDenied

__all__ = ["ACTIONS", "MATRIX", "actions_of", "can", "require", "reviewed_members", "roles_of"]


def roles_of(actor: Any) -> list[tuple[str, int | None]]:
    """The actor's (role, member id) pairs; anonymous and inactive users get only ('anonymous', None)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return [(ANONYMOUS, None)]
    cached = getattr(actor, "_pmm_roles", None)
    if cached is None:
        cached = [(a.role, a.member_id) for a in actor.role_assignments.all()]
        actor._pmm_roles = cached
    return list(cached)


def _member_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if obj.__class__.__name__ == "Member":
        return int(obj.pk)
    member_id = getattr(obj, "member_id", None)
    return int(member_id) if member_id is not None else None


def reviewed_members(actor: Any) -> frozenset[int]:
    """Members whose review the actor is assigned to (accepted and later, not declined nor withdrawn)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    cached = getattr(actor, "_pmm_reviewed", None)
    if cached is None:
        from pmm.reviews.models import READABLE_STATUSES, ReviewAssignment

        assigned = ReviewAssignment.objects.filter(reviewer=actor, review__status__in=READABLE_STATUSES)
        cached = frozenset(assigned.values_list("review__assessment__member_id", flat=True))
        actor._pmm_reviewed = cached
    return frozenset(cached)


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """May `actor` do `action` (on `obj`, for member-scoped actions)?"""
    declared = ACTIONS.get(action)
    if declared is None:
        raise KeyError(f"undeclared action {action!r}")
    if is_system(actor):
        return True
    for role, member_id in roles_of(actor):
        if action not in MATRIX.get(role, frozenset()):
            continue
        if declared.scope == "any" or role in ALL_MEMBERS_ROLES:
            return True
        if declared.scope == "member" and role in MEMBER_OPTIONAL_ROLES:
            if _member_id_of(obj) in reviewed_members(actor):
                return True
        elif declared.scope == "member" and member_id is not None and member_id == _member_id_of(obj):
            return True
    return False


def require(actor: Any, action: str, obj: Any = None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()


def actions_of(actor: Any) -> list[str]:
    """Every action the actor may do at least somewhere (member-scoped ones: for its own members)."""
    allowed: set[str] = set()
    for role, _member_id in roles_of(actor):
        allowed |= MATRIX.get(role, frozenset())
    return sorted(a for a in allowed if a in ACTIONS)
