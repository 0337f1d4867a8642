"""Who hears of what in a peer review: the in-app notifications and e-mails sent by its services.

Each message is written in its reader's language (their preferred language, else the site's), and
links to the review's page. Readers choose which kinds reach them by e-mail (pmm.notifications).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pmm.accounts.models import User
from pmm.authz import holders
from pmm.notifications.messages import date_param, each_language, label_param, member_param
from pmm.notifications.services import notify_message
from pmm.reviews.models import Review, ReviewQuery, ReviewRound, ReviewStatus


def _url(review: Review) -> str:
    assessment = review.assessment
    return reverse("reviews:review_detail", args=[assessment.cycle_id, assessment.member.iso3])


def _member_people(review: Review) -> list[User]:
    return list(User.objects.filter(holders("review.respond", review.assessment.member_id)).distinct())


def _reviewers(review: Review) -> list[User]:
    return [a.reviewer for a in review.assignments.select_related("reviewer") if a.reviewer.is_active]


def _secretariat() -> list[User]:
    return list(User.objects.filter(holders("review.assign")).distinct())


def _send(users: Iterable[User], message: str, review: Review, dedupe_key: str = "", **params: Any) -> None:
    """Notify `users` of `message` (pmm.notifications.kinds.MESSAGES) about `review`, with the member
    and the cycle among the parameters."""
    assessment = review.assessment
    names = {"member": member_param(assessment.member), "cycle": each_language(lambda: assessment.cycle)}
    notify_message(users, message, {**names, **params}, _url(review), dedupe_key=dedupe_key)


def review_requested(review: Review) -> None:
    _send(_secretariat(), "review.requested", review)


def reviewer_assigned(review: Review, reviewer: User) -> None:
    _send([reviewer], "review.assigned", review)


def queries_sent(review: Review, queries: list[ReviewQuery] | None = None) -> None:
    """New queries reached the member (a round was sent, or a query was added to the current one)."""
    round_ = review.rounds.order_by("-number").first()
    count = (
        len(queries) if queries is not None else review.queries.unrestricted().filter(round=round_).count()
    )
    due = date_param(round_.due_date if round_ else None)
    _send(_member_people(review), "review.round_sent", review, count=count, due=due)


def review_moved(review: Review, action: str, reason: str) -> None:
    if action == "send_round":
        queries_sent(review)
        return
    if action == "hand_back":
        _send(_reviewers(review), "review.answered", review)
        return
    if action == "sign_off":
        _send([*_member_people(review), *_reviewers(review), *_secretariat()], "review.signed_off", review)
        return
    status = label_param(ReviewStatus(review.status).label)
    readers = {
        "accept": _member_people(review),
        "decline": _member_people(review),
        "start": [*_member_people(review), *_reviewers(review)],
        "withdraw": [*_reviewers(review), *_secretariat()],
    }.get(action, [])
    _send(readers, "review.moved", review, status=status, reason=reason)


def due_reminders(today: date | None = None) -> int:
    """Remind the member of rounds due soon, and everyone concerned of rounds missed; each reminder is
    sent once (run daily: `pmm review remind`). Returns how many rounds were reminded of."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.PMM_REVIEW_REMINDER_DAYS)
    waiting = (
        ReviewRound.objects.filter(returned_at=None, review__status=ReviewStatus.MEMBER_RESPONDING)
        .filter(Q(due_date__lte=soon))
        .select_related("review__assessment__member", "review__assessment__cycle")
    )
    reminded = 0
    for round_ in waiting:
        review = round_.review
        overdue = round_.due_date < today
        kind = "review.overdue" if overdue else "review.due_soon"
        readers = _member_people(review) + (_reviewers(review) if overdue else [])
        _send(
            readers,
            kind,
            review,
            dedupe_key=f"{kind}:round:{round_.pk}",
            number=round_.number,
            due=date_param(round_.due_date),
        )
        reminded += 1
    return reminded
