"""Reads of peer review. A review is found only by those who may see it (others get 404, as for
assessments): the member's own people, the Secretariat, and the reviewers assigned to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from pmm.accounts.models import User
from pmm.accounts.roles import Role
from pmm.assessments.models import Assessment
from pmm.authz import can, roles_of
from pmm.authz.matrix import ALL_MEMBERS_ROLES
from pmm.core.errors import NotFound
from pmm.reviews.models import FINISHED_STATUSES, Review, ReviewAssignment, ReviewerProfile, ReviewStatus


def _reviews() -> QuerySet[Review]:
    return Review.objects.select_related(
        "assessment__member", "assessment__cycle", "requested_by", "decided_by"
    ).prefetch_related("assignments__reviewer")


def review_current(actor: Any, assessment: Assessment) -> Review | None:
    """The assessment's latest review, if the actor may see it (None if there is none)."""
    if not assessment.pk or not can(actor, "review.view", assessment.member):
        raise NotFound("No such review.")
    return _reviews().filter(assessment=assessment).order_by("-requested_at", "-id").first()


def review_history(assessment: Assessment) -> list[Review]:
    return list(_reviews().filter(assessment=assessment).order_by("-requested_at", "-id"))


def reviews_visible(actor: Any, status: str = "") -> list[Review]:
    """The reviews the actor may see: all for the Secretariat; its members' for NCPs and contributors;
    the ones assigned to a reviewer."""
    reviews = _reviews()
    if status:
        reviews = reviews.filter(status=status)
    roles = roles_of(actor)
    if any(role in ALL_MEMBERS_ROLES for role, _m in roles):
        return list(reviews)
    own = {m for role, m in roles if role in (Role.NCP, Role.CONTRIBUTOR) and m is not None}
    assigned = set(
        ReviewAssignment.objects.filter(reviewer_id=getattr(actor, "pk", None)).values_list(
            "review_id", flat=True
        )
    )
    return [r for r in reviews.filter(assessment__member_id__in=own) | reviews.filter(pk__in=assigned)]


@dataclass(frozen=True)
class PoolEntry:
    user: User
    profile: ReviewerProfile | None
    member: Any  # the reviewer's own administration, or None
    open_reviews: int


def reviewer_pool() -> list[PoolEntry]:
    """Every user holding the peer reviewer role, with their profile and open reviews (fixed queries)."""
    users = (
        User.objects.filter(role_assignments__role=Role.PEER_REVIEWER)
        .prefetch_related("role_assignments__member")
        .select_related("reviewer")
        .distinct()
        .order_by("username")
    )
    open_counts = Counter(
        ReviewAssignment.objects.exclude(
            review__status__in=[*FINISHED_STATUSES, ReviewStatus.SIGNED_OFF]
        ).values_list("reviewer_id", flat=True)
    )
    entries = []
    for user in users:
        member = next((a.member for a in user.role_assignments.all() if a.role == Role.PEER_REVIEWER), None)
        profile = getattr(user, "reviewer", None)
        entries.append(PoolEntry(user, profile, member, open_counts.get(user.pk, 0)))
    return entries
