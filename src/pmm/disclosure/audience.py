"""A user's disclosure `Audience`, read from their role assignments and the members' unions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from pmm.accounts.roles import MEMBER_OPTIONAL_ROLES, MEMBER_ROLES, SECRETARIAT_ROLES
from pmm.authz import reviewed_members, roles_of
from pmm.core.actors import is_system
from pmm.disclosure.policy import COUNTRY, EVERYTHING, PUBLIC, PUBLIC_AUDIENCE, UNION, WCO, Audience
from pmm.members.models import GroupKind, Member


def audience_of(actor: Any) -> Audience:
    """The audience of a user (anonymous and inactive users are the public); cached on the user."""
    if is_system(actor):
        return EVERYTHING
    cached = getattr(actor, "_pmm_audience", None)
    if isinstance(cached, Audience):
        return cached
    roles = [(role, member) for role, member in roles_of(actor) if role != "anonymous"]
    if not roles:
        audience = PUBLIC_AUDIENCE
    elif any(role in SECRETARIAT_ROLES for role, _ in roles):
        audience = EVERYTHING
    else:
        own = frozenset(m for role, m in roles if role in MEMBER_ROLES and m is not None)
        if any(role in MEMBER_OPTIONAL_ROLES for role, _ in roles):
            own |= reviewed_members(actor)  # reviewers see the members they review as their own people do
        with_union = {
            m for role, m in roles if role in MEMBER_ROLES | MEMBER_OPTIONAL_ROLES and m is not None
        }
        audience = Audience(pmm_role=True, union_partners=union_partners(with_union), own=own)
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor._pmm_audience = audience
    return audience


def member_audience(member_id: int) -> Audience:
    """The audience of a member's own people (its NCPs and contributors, with no other role)."""
    return Audience(pmm_role=True, union_partners=union_partners({member_id}), own=frozenset({member_id}))


def union_partners(members: set[int]) -> frozenset[int]:
    """Every member sharing at least one union with one of `members`."""
    if not members:
        return frozenset()
    partners = Member.objects.filter(
        groups__kind=GroupKind.UNION, groups__members__id__in=members
    ).values_list("id", flat=True)
    return frozenset(partners)


def visible_filter(audience: Audience, member_field: str = "member_id", level_field: str = "disclosure") -> Q:
    """A query filter keeping exactly the rows `may_see` allows (checked against it in the tests)."""
    if audience.everything:
        return Q()
    allowed = Q(**{level_field: PUBLIC}) | Q(**{f"{member_field}__in": sorted(audience.own)})
    if audience.pmm_role:
        allowed |= Q(**{level_field: WCO})
    if audience.union_partners:
        allowed |= Q(**{level_field: UNION, f"{member_field}__in": sorted(audience.union_partners)})
    # Unknown levels are never shown: only the four known ones can pass.
    return allowed & Q(**{f"{level_field}__in": [PUBLIC, WCO, UNION, COUNTRY]})
