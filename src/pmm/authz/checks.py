"""Questions about one actor: may it do an action (on an object), and the role facts pages need.

This is the only module that reads a user's role assignments (`roles_of`); a test fails where code
outside `pmm.authz` does. Peer reviewers' member-scoped rights come from their grants (`grants.py`):
an assigned reviewer acts on the assessment under review (that member, that cycle), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from pmm.authz.actions import ACTIONS
from pmm.authz.grants import Grant, review_grants
from pmm.authz.matrix import ALL_MEMBERS_ROLES, MATRIX
from pmm.authz.roles import (
    ANONYMOUS,
    MEMBER_OPTIONAL_ROLES,
    MEMBER_ROLES,
    SECRETARIAT_ROLES,
    TWO_FACTOR_ROLES,
    Role,
)
from pmm.core.actors import is_signed_in, is_system
from pmm.core.errors import PermissionDenied


def roles_of(actor: Any) -> list[tuple[str, int | None]]:
    """The actor's (role, member id) pairs; anonymous and inactive users get only ('anonymous', None)."""
    if not is_signed_in(actor):
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


def _assessment_id_of(obj: Any) -> int | None:
    """The assessment an object belongs to (an assessment is its own), None for anything else."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Assessment":
        return int(obj.pk) if obj.pk is not None else None
    assessment_id = getattr(obj, "assessment_id", None)
    return int(assessment_id) if assessment_id is not None else None


@dataclass(frozen=True)
class Reach:
    """Where the actor may do one action: everywhere, or on its own members' objects and on the
    assessments it is assigned to review. `can()` asks it of one object, `scope()` of rows."""

    everywhere: bool = False
    members: frozenset[int] = frozenset()
    grants: frozenset[Grant] = frozenset()

    @property
    def somewhere(self) -> bool:
        return self.everywhere or bool(self.members) or bool(self.grants)


def reach(actor: Any, action: str) -> Reach:
    """The one reading of the role matrix for an action: a role that may do it everywhere (the action
    is not member-scoped, or the role covers every member), a member role for its member, a peer
    reviewer for the assessments of its grants."""
    declared = ACTIONS.get(action)
    if declared is None:
        raise KeyError(f"undeclared action {action!r}")
    if is_system(actor):
        return Reach(everywhere=True)
    everywhere, members, reviews = False, set(), False
    for role, member_id in roles_of(actor):
        if action not in MATRIX.get(role, frozenset()):
            continue
        if declared.scope == "any" or role in ALL_MEMBERS_ROLES:
            everywhere = True
        elif role in MEMBER_OPTIONAL_ROLES:
            reviews = True
        elif member_id is not None:
            members.add(member_id)
    return Reach(everywhere, frozenset(members), review_grants(actor) if reviews else frozenset())


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """May `actor` do `action` (on `obj`, for member-scoped actions)?

    A member role acts on objects of its own member; a peer reviewer only on the assessment it is
    assigned to review (an object that names no assessment, e.g. a member, grants a reviewer nothing).
    """
    where = reach(actor, action)
    if where.everywhere:
        return True
    if where.members and _member_id_of(obj) in where.members:
        return True
    assessment_id = _assessment_id_of(obj) if where.grants else None
    return assessment_id is not None and any(g.assessment == assessment_id for g in where.grants)


def require(actor: Any, action: str, obj: Any = None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()


def can_somewhere(actor: Any, action: str) -> bool:
    """May the actor do `action` on at least one object (its own members, or a review it is on)?"""
    return reach(actor, action).somewhere


def actions_of(actor: Any) -> list[str]:
    """Every action the actor may do at least somewhere (member-scoped ones: for its own members)."""
    allowed: set[str] = set()
    for role, _member_id in roles_of(actor):
        allowed |= MATRIX.get(role, frozenset())
    return sorted(a for a in allowed if a in ACTIONS)


def member_ids_for(actor: Any, action: str) -> list[int]:
    """The members for which the actor's own member roles allow `action` (not reviewers' grants)."""
    return sorted(reach(actor, action).members)


def acting_for(actor: Any) -> list[int]:
    """The member administrations the actor works for (as NCP or contributor), by id."""
    return sorted({m for role, m in roles_of(actor) if role in MEMBER_ROLES and m is not None})


def is_secretariat(actor: Any) -> bool:
    """Secretariat staff (or the system): the people for whom member-scoped actions cover every member."""
    return is_system(actor) or any(role in SECRETARIAT_ROLES for role, _m in roles_of(actor))


def holds_pmm_role(actor: Any) -> bool:
    """Any PMM role at all (basic users included): the readers of WCO-level values."""
    return is_system(actor) or any(role != ANONYMOUS for role, _m in roles_of(actor))


def is_reviewer(actor: Any) -> bool:
    """In the pool of peer reviewers (whatever their accreditation)."""
    return any(role == Role.PEER_REVIEWER for role, _m in roles_of(actor))


def reviewer_home(actor: Any) -> int | None:
    """A peer reviewer's own administration (for conflict checks), if it named one."""
    return next((m for role, m in roles_of(actor) if role == Role.PEER_REVIEWER), None)


def only_reviewer(actor: Any) -> bool:
    """A peer reviewer with no Secretariat or member role (their home page is their reviews)."""
    roles = {role for role, _m in roles_of(actor)}
    return Role.PEER_REVIEWER in roles and not roles & (SECRETARIAT_ROLES | MEMBER_ROLES)


def affiliated_members(actor: Any) -> frozenset[int]:
    """The members an actor belongs to (its member roles, and a reviewer's own administration): the
    members whose union partners' union-level values it reads."""
    return frozenset(
        m for role, m in roles_of(actor) if role in MEMBER_ROLES | MEMBER_OPTIONAL_ROLES and m is not None
    )


def two_factor_required(actor: Any) -> bool:
    """Must this user sign in with a second factor (because of one of their roles)?"""
    return any(role in TWO_FACTOR_ROLES for role, _member in roles_of(actor))


def holders(action: str, member_id: int | None = None) -> Q:
    """A filter on users keeping those whose roles allow `action` (for member-scoped actions: on
    `member_id`, by their member role or as Secretariat staff). Reviewers' grants are not roles and are
    not included: a review's reviewers are found through its assignments."""
    roles = sorted(role for role, allowed in MATRIX.items() if action in allowed and role != ANONYMOUS)
    if ACTIONS[action].scope == "any" or member_id is None:
        return Q(role_assignments__role__in=roles, is_active=True)
    everywhere = [r for r in roles if r in ALL_MEMBERS_ROLES]
    own = [r for r in roles if r in MEMBER_ROLES]
    return Q(is_active=True) & (
        Q(role_assignments__role__in=everywhere)
        | Q(role_assignments__role__in=own, role_assignments__member_id=member_id)
    )


def role_titles(actor: Any) -> list[str]:
    """The names of the actor's roles, for showing on its pages."""
    return [str(Role(r).label) for r, _m in roles_of(actor) if r in Role.values]


def named_members(actor: Any) -> list[int]:
    """Every member named in the actor's roles (its own, or a reviewer's administration)."""
    return sorted({m for _role, m in roles_of(actor) if m is not None})


def reviewers_filter() -> Q:
    """A filter on users keeping the peer reviewers (the pool)."""
    return Q(role_assignments__role=Role.PEER_REVIEWER)
