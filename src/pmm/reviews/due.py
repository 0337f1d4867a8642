"""What peer review asks of a person now, with its due date: the queries a member's people must answer
(`member_review_work`), the reviews a reviewer works on (`reviewer_review_work`), and the requests the
Secretariat must decide or staff (`secretariat_review_work`). Read through `reviews_visible` and the
queries' own scope, so each person finds only the reviews they may see. Fixed number of queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from pmm.authz import acting_for, can
from pmm.reviews.models import (
    REVIEWER_KINDS,
    QueryMessage,
    QueryStatus,
    Review,
    ReviewQuery,
    ReviewRound,
    ReviewStatus,
)
from pmm.reviews.selectors import reviews_visible


@dataclass(frozen=True)
class ReviewWork:
    review: Review
    status: str
    open_queries: int  # sent to the member, not answered yet
    answered_queries: int  # answered by the member, for the reviewers to close or ask again
    prepared_queries: int  # raised by the reviewers, not sent yet (only reviewers count them)
    due: date | None  # the current round's due date, while the member is responding
    since: date | None  # when the review reached its current step
    url: str

    @property
    def member(self) -> Any:
        return self.review.assessment.member

    @property
    def cycle(self) -> Any:
        return self.review.assessment.cycle

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - timezone.localdate()).days


def _url(review: Review) -> str:
    return reverse("reviews:review_detail", args=[review.assessment.cycle_id, review.assessment.member.iso3])


def _current_round(review: Review) -> ReviewRound | None:
    """The latest round, from the prefetched rounds (no query)."""
    return max(review.rounds.all(), key=lambda r: r.number, default=None)


def _since(review: Review) -> date | None:
    moments = [review.requested_at, review.decided_at]
    moments += [m for r in review.rounds.all() for m in (r.sent_at, r.returned_at)]
    latest = max((m for m in moments if m is not None), default=None)
    return timezone.localdate(latest) if latest is not None else None


def _query_counts(actor: Any, reviews: Sequence[Review]) -> Counter[tuple[int, str, bool]]:
    """(review id, query status, sent) → number of the review's queries the actor may see. One query."""
    if not reviews:
        return Counter()
    rows = (
        ReviewQuery.objects.visible_to(actor)
        .filter(review__in=[r.pk for r in reviews])
        .values_list("review_id", "status", "round_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: Counter[tuple[int, str, bool]] = Counter()
    for review_id, status, round_id, n in rows:
        counts[(review_id, status, round_id is not None)] += n
    return counts


def _prepared_counts(actor: Any, reviews: Sequence[Review]) -> Counter[int]:
    """Review id → its queries with a reviewer's message not sent yet (new or re-opened): the rule of
    the review page and of sending a round. One query."""
    if not reviews:
        return Counter()
    rows = (
        QueryMessage.objects.visible_to(actor)
        .filter(query__review__in=[r.pk for r in reviews], round=None, kind__in=sorted(REVIEWER_KINDS))
        .values_list("query__review_id")
        .annotate(n=Count("query_id", distinct=True))
        .order_by()
    )
    return Counter(dict(rows))


def _work(actor: Any, reviews: Sequence[Review], *, unsent: bool, anchor: str) -> list[ReviewWork]:
    counts = _query_counts(actor, reviews)
    prepared = _prepared_counts(actor, reviews) if unsent else Counter()
    work = []
    for review in reviews:
        current = _current_round(review)
        responding = review.status == ReviewStatus.MEMBER_RESPONDING and current is not None
        work.append(
            ReviewWork(
                review=review,
                status=review.status,
                open_queries=counts.get((review.pk, QueryStatus.OPEN, True), 0),
                answered_queries=counts.get((review.pk, QueryStatus.ANSWERED, True), 0),
                prepared_queries=prepared[review.pk],
                due=current.due_date if responding and current is not None else None,
                since=_since(review),
                url=_url(review) + anchor,
            )
        )
    return work


def member_review_work(actor: Any) -> list[ReviewWork]:
    """The reviews of the actor's own members waiting for the member's answers (a round of queries is
    with it), with the round's due date."""
    own = set(acting_for(actor))
    if not own:
        return []
    reviews = [
        r
        for r in reviews_visible(actor, ReviewStatus.MEMBER_RESPONDING)
        if r.assessment.member_id in own and can(actor, "review.respond", r.assessment)
    ]
    return _work(actor, reviews, unsent=False, anchor="#queries")


def reviewer_review_work(actor: Any) -> list[ReviewWork]:
    """The open reviews the actor is assigned to, with the queries answered (to read) and prepared (to
    send); while the member is responding, the round's due date."""
    user_id = getattr(actor, "pk", None)
    reviews = [
        r
        for r in reviews_visible(actor)
        if r.is_open and any(a.reviewer_id == user_id for a in r.assignments.all())
    ]
    return _work(actor, reviews, unsent=True, anchor="#queries")


def secretariat_review_work(actor: Any) -> list[ReviewWork]:
    """Requests waiting for the Secretariat's decision (`review.decide`) and accepted reviews waiting for
    reviewers or their start (`review.assign`)."""
    waiting: list[Review] = []
    if can(actor, "review.decide"):
        waiting += reviews_visible(actor, ReviewStatus.REQUESTED)
    if can(actor, "review.assign"):
        waiting += reviews_visible(actor, ReviewStatus.ACCEPTED)
    return [
        ReviewWork(
            review=r,
            status=r.status,
            open_queries=0,
            answered_queries=0,
            prepared_queries=0,
            due=None,
            since=_since(r),
            url=_url(r) + ("#decision" if r.status == ReviewStatus.REQUESTED else "#assign"),
        )
        for r in waiting
    ]
