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
from django.utils.translation import gettext as _

from pmm.accounts.models import User
from pmm.authz import holders
from pmm.notifications.services import Texts, notify_in_their_languages
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


def _send(users: Iterable[User], kind: str, texts: Texts, review: Review, dedupe_key: str = "") -> None:
    notify_in_their_languages(users, kind, texts, _url(review), dedupe_key=dedupe_key)


def _names(review: Review) -> dict[str, Any]:
    assessment = review.assessment
    return {"member": assessment.member.display_name, "cycle": assessment.cycle}


def review_requested(review: Review) -> None:
    def texts() -> tuple[str, str]:
        return (
            _("Peer review requested: %(member)s") % _names(review),
            _("%(member)s asks for a peer review of its self-assessment for %(cycle)s.") % _names(review),
        )

    _send(_secretariat(), "review.status", texts, review)


def reviewer_assigned(review: Review, reviewer: User) -> None:
    def texts() -> tuple[str, str]:
        return (
            _("You were assigned to the peer review of %(member)s") % _names(review),
            _("You are a reviewer of the self-assessment of %(member)s for %(cycle)s.") % _names(review),
        )

    _send([reviewer], "review.assigned", texts, review)


def queries_sent(review: Review, queries: list[ReviewQuery] | None = None) -> None:
    """New queries reached the member (a round was sent, or a query was added to the current one)."""
    round_ = review.rounds.order_by("-number").first()
    due = round_.due_date if round_ else None

    def texts() -> tuple[str, str]:
        count = (
            len(queries)
            if queries is not None
            else review.queries.unrestricted().filter(round=round_).count()
        )
        return (
            _("Peer review of %(member)s: queries to answer") % _names(review),
            _("The reviewers sent %(count)s query(ies). Please answer by %(due)s.")
            % {"count": count, "due": due.isoformat() if due else "—"},
        )

    _send(_member_people(review), "review.round_sent", texts, review)


def review_moved(review: Review, action: str, reason: str) -> None:
    if action == "send_round":
        queries_sent(review)
        return
    if action == "hand_back":

        def answered() -> tuple[str, str]:
            return (
                _("Peer review of %(member)s: the member answered") % _names(review),
                _("%(member)s handed its answers back. The queries are waiting for you.") % _names(review),
            )

        _send(_reviewers(review), "review.query_answered", answered, review)
        return
    if action == "sign_off":

        def signed() -> tuple[str, str]:
            return (
                _("Peer review of %(member)s signed off") % _names(review),
                _("The lead reviewer signed off the peer review of %(member)s for %(cycle)s.")
                % _names(review),
            )

        _send(
            [*_member_people(review), *_reviewers(review), *_secretariat()],
            "review.signed_off",
            signed,
            review,
        )
        return
    status = ReviewStatus(review.status)

    def moved() -> tuple[str, str]:
        body = _("The peer review of %(member)s is now: %(status)s.") % {
            **_names(review),
            "status": str(status.label).lower(),
        }
        if reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": reason}
        return _("Peer review of %(member)s: %(status)s") % {**_names(review), "status": status.label}, body

    readers = {
        "accept": _member_people(review),
        "decline": _member_people(review),
        "start": [*_member_people(review), *_reviewers(review)],
        "withdraw": [*_reviewers(review), *_secretariat()],
    }.get(action, [])
    _send(readers, "review.status", moved, review)


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
        names = {"number": round_.number, "due": round_.due_date.isoformat()}

        def texts(
            overdue: bool = overdue, review: Review = review, names: dict[str, Any] = names
        ) -> tuple[str, str]:
            if overdue:
                return (
                    _("Peer review of %(member)s: answers overdue") % _names(review),
                    _("Round %(number)s of queries was due on %(due)s and has not been handed back.") % names,
                )
            return (
                _("Peer review of %(member)s: answers due soon") % _names(review),
                _("Round %(number)s of queries is due on %(due)s.") % names,
            )

        kind = "review.overdue" if overdue else "review.due_soon"
        readers = _member_people(review) + (_reviewers(review) if overdue else [])
        _send(readers, kind, texts, review, dedupe_key=f"{kind}:round:{round_.pk}")
        reminded += 1
    return reminded
