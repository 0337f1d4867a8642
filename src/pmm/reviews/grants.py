"""Which assessments a peer reviewer may read: the provider the reviews app registers with authz.

A reviewer assigned to a review reads that review's assessment (one member, one cycle) from the
moment the review is accepted until `PMM_REVIEW_ACCESS_DAYS` after its sign-off; a declined or
withdrawn review gives nothing. Other cycles of the same member are not reachable through it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from pmm.authz import Grant
from pmm.reviews.models import ReviewAssignment, ReviewStatus

RUNNING = (ReviewStatus.ACCEPTED, ReviewStatus.IN_REVIEW, ReviewStatus.MEMBER_RESPONDING)


def access_ends(signed_off_at: Any) -> Any:
    """When a reviewer's access to a signed-off review's assessment ends."""
    return signed_off_at + timedelta(days=settings.PMM_REVIEW_ACCESS_DAYS)


def reviewer_grants(actor: Any) -> list[Grant]:
    """The assessments `actor` reviews now (one query)."""
    since = timezone.now() - timedelta(days=settings.PMM_REVIEW_ACCESS_DAYS)
    current = Q(review__status__in=RUNNING) | Q(
        review__status=ReviewStatus.SIGNED_OFF, review__signed_off_at__gte=since
    )
    rows = ReviewAssignment.objects.filter(current, reviewer=actor).values_list(
        "review__assessment_id", "review__assessment__cycle_id", "review__assessment__member_id"
    )
    return [Grant(*row) for row in rows]
