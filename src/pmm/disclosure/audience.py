"""A user's disclosure `Audience`, read from authz's facts about them and the members' unions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from pmm.authz import acting_for, affiliated_members, holds_pmm_role, is_secretariat, review_grants
from pmm.core.actors import is_system
from pmm.disclosure.policy import COUNTRY, EVERYTHING, PUBLIC, PUBLIC_AUDIENCE, UNION, WCO, Audience
from pmm.members.models import GroupKind, Member


def audience_of(actor: Any) -> Audience:
    """The audience of a user (anonymous and inactive users are the public); cached on the user.

    Peer reviewers see the members they review at every level, but only in the review's cycle
    (`Audience.reviewing`; reads of one cycle's figures use `audience.in_cycle(cycle)`).
    """
    if is_system(actor):
        return EVERYTHING
    cached = getattr(actor, "_pmm_audience", None)
    if isinstance(cached, Audience):
        return cached
    if not holds_pmm_role(actor):
        audience = PUBLIC_AUDIENCE
    elif is_secretariat(actor):
        audience = EVERYTHING
    else:
        audience = Audience(
            pmm_role=True,
            union_partners=union_partners(set(affiliated_members(actor))),
            own=frozenset(acting_for(actor)),
            reviewing=frozenset((g.cycle, g.member) for g in review_grants(actor)),
        )
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


def visible_filter(
    audience: Audience,
    member_field: str = "member_id",
    level_field: str = "disclosure",
    cycle_field: str | None = None,
) -> Q:
    """A query filter keeping exactly the rows `may_see` allows (checked against it in the tests).
    Reviewers' grants apply only where the rows name their cycle (`cycle_field`)."""
    if audience.everything:
        return Q()
    allowed = Q(**{level_field: PUBLIC}) | Q(**{f"{member_field}__in": sorted(audience.own)})
    if audience.pmm_role:
        allowed |= Q(**{level_field: WCO})
    if audience.union_partners:
        allowed |= Q(**{level_field: UNION, f"{member_field}__in": sorted(audience.union_partners)})
    if cycle_field is not None:
        for cycle, member in sorted(audience.reviewing):
            allowed |= Q(**{cycle_field: cycle, member_field: member})
    # Unknown levels are never shown: only the four known ones can pass.
    return allowed & Q(**{f"{level_field}__in": [PUBLIC, WCO, UNION, COUNTRY]})
