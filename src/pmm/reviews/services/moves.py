"""Writes of peer review: the member's request and every move of the workflow (`REVIEW_WORKFLOW`), with
what a move needs besides the workflow's guards (`_check_*`) and what it does besides changing the
status."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.services.common import acting_user
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.reviews import notices
from pmm.reviews.certificate import certificate
from pmm.reviews.models import (
    REVIEWER_KINDS,
    QueryMessage,
    QueryStatus,
    Review,
    ReviewQuery,
    ReviewRound,
    ReviewStatus,
)
from pmm.reviews.selectors import certificate_facts, current_round, kpis_without_verdict
from pmm.reviews.workflow import MOVES, REVIEW_WORKFLOW, illegal


@transaction.atomic
def review_request(*, actor: Any, assessment: Assessment, note: str = "") -> Review:
    """The NCP asks for a peer review of its submitted self-assessment."""
    require(actor, "review.request", assessment)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ApplicationError(
            "A peer review can be requested once the self-assessment is submitted.", code="illegal_transition"
        )
    current = Review.objects.select_for_update().filter(assessment=assessment).first()
    if current is not None and current.is_open:
        raise ApplicationError(
            f"A peer review of this self-assessment is already {current.get_status_display().lower()}.",
            code="conflict",
        )
    review = Review.objects.create(
        assessment=assessment,
        status=ReviewStatus.REQUESTED,
        request_note=note.strip(),
        requested_at=timezone.now(),
        requested_by=acting_user(actor),
    )
    audit_record(actor=actor, verb="review.requested", target=review, after={"note": review.request_note})
    notices.review_requested(review)
    return review


def _check_send_round(review: Review, due_date: date | None) -> None:
    if due_date is None:
        raise ApplicationError(
            "Give the member a due date for its answers.", problems=[FieldProblem("due_date", "is required")]
        )
    if due_date <= timezone.localdate():
        raise ApplicationError(
            "The due date must be after today.", problems=[FieldProblem("due_date", "must be in the future")]
        )
    if (
        not QueryMessage.objects.unrestricted()
        .filter(query__review=review, round=None, kind__in=REVIEWER_KINDS)
        .exists()
    ):
        raise illegal("There is no new or re-opened query to send to the member.")


def _check_hand_back(review: Review) -> None:
    waiting = list(
        ReviewQuery.objects.unrestricted()
        .filter(review=review, round=current_round(review), status=QueryStatus.OPEN)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if waiting:
        raise illegal(
            f"Answer every query of this round before handing it back ({len(waiting)} still open).",
            [FieldProblem(f"queries[{n}]", "not answered yet") for n in waiting],
        )


def _check_sign_off(review: Review) -> None:
    problems = [
        FieldProblem(f"queries[{n}]", "not closed")
        for n in ReviewQuery.objects.unrestricted()
        .filter(review=review)
        .exclude(status=QueryStatus.CLOSED)
        .order_by("number")
        .values_list("number", flat=True)
    ]
    problems += [FieldProblem(f"verdicts[{code}]", "no verdict yet") for code in kpis_without_verdict(review)]
    if problems:
        raise illegal(
            "The review can be signed off when every query is closed and every KPI has a verdict.", problems
        )


def _send_round(actor: Any, review: Review, due_date: date) -> ReviewRound:
    number = review.rounds.count() + 1
    round_ = ReviewRound.objects.create(
        review=review, number=number, due_date=due_date, sent_at=timezone.now(), sent_by=acting_user(actor)
    )
    pending = QueryMessage.objects.unrestricted().filter(
        query__review=review, round=None, kind__in=REVIEWER_KINDS
    )
    ReviewQuery.objects.unrestricted().filter(pk__in=pending.values("query_id")).update(round=round_)
    pending.update(round=round_)
    return round_


@transaction.atomic
def review_move(
    *,
    actor: Any,
    review: Review,
    action: str,
    reason: str = "",
    version: int | None = None,
    due_date: date | None = None,
) -> Review:
    """Move a review through its workflow (`REVIEW_WORKFLOW`), with its reason. `due_date`: for
    `send_round`."""
    if action not in MOVES:
        raise ApplicationError(
            f"Unknown move {action!r}.",
            problems=[FieldProblem("action", f"must be one of {', '.join(sorted(MOVES))}")],
        )
    reason_required = MOVES[action][1]
    review = Review.objects.select_for_update().select_related("assessment__member").get(pk=review.pk)

    def version_read() -> None:
        if version is not None and version != review.version:
            raise ApplicationError(
                "The review changed since you read it; reload it and try again.", code="conflict"
            )

    new_status = REVIEW_WORKFLOW.require(actor, review, action, checks=[version_read])
    if reason_required and not reason.strip():
        raise ApplicationError(
            "Say why; the other side will see it.", problems=[FieldProblem("reason", "is required")]
        )
    after: dict[str, Any] = {"status": new_status}
    if action == "send_round":
        _check_send_round(review, due_date)
        assert due_date is not None
        after["round"] = _send_round(actor, review, due_date).number
        after["due_date"] = due_date.isoformat()
    elif action == "hand_back":
        _check_hand_back(review)
        ReviewRound.objects.filter(review=review, returned_at=None).update(
            returned_at=timezone.now(), returned_by=acting_user(actor)
        )
    elif action == "sign_off":
        _check_sign_off(review)
    before = review.status
    review.status = new_status
    review.version += 1
    if action in ("accept", "decline"):
        review.decided_at, review.decided_by, review.decision_reason = (
            timezone.now(),
            acting_user(actor),
            reason.strip(),
        )
    if action == "sign_off":
        review.signed_off_at, review.signed_off_by = timezone.now(), acting_user(actor)
        review.save()
        review.certificate = certificate(
            certificate_facts(review), settings.PMM_REVIEW_EVIDENCE_COVERAGE
        ).to_json()
        after["certificate"] = review.certificate["level"]
    review.save()
    audit_record(
        actor=actor,
        verb=f"review.{action}",
        target=review,
        before={"status": before},
        after=after,
        reason=reason.strip(),
    )
    notices.review_moved(review, action, reason.strip())
    return review
