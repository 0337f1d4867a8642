"""Peer review API: requests, workflow moves, reviewer assignments, the reviewer pool."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pmm.accounts.selectors import user_get
from pmm.assessments.selectors import assessment_access
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.cycles.selectors import cycle_get
from pmm.reviews.models import Review, ReviewerProfile
from pmm.reviews.selectors import review_current, review_located, reviewer_pool, reviews_visible
from pmm.reviews.services import review_assign, review_move, review_request, review_unassign, reviewer_save
from pmm.reviews.workflow import REVIEW_WORKFLOW

router = Router(tags=["peer review"])


class ReviewerOut(Schema):
    username: str
    lead: bool
    warnings: list[str]


class RoundOut(Schema):
    number: int
    due_date: date
    sent_at: datetime
    returned_at: datetime | None
    on_time: bool | None


class ReviewOut(Schema):
    id: int
    cycle: int
    member: str
    status: str
    version: int
    request_note: str
    requested_at: datetime
    decision_reason: str
    decided_at: datetime | None
    reviewers: list[ReviewerOut]
    rounds: list[RoundOut]
    signed_off_at: datetime | None
    certificate_level: str | None


class ReviewDetailOut(ReviewOut):
    """One review, with the workflow moves the caller may make now (not in lists: finding them reads
    more than the list's rows)."""

    moves: list[str]


class RequestIn(Input):
    note: str = ""


class MoveIn(Input):
    action: Literal["accept", "decline", "start", "send_round", "hand_back", "sign_off", "withdraw"]
    reason: str = ""
    version: int | None = None
    due_date: date | None = None  # for send_round: when the member's answers are due


class AssignIn(Input):
    lead: bool = False
    accept_warnings: bool = False


class PoolOut(Schema):
    username: str
    member: str | None
    accreditation: str
    languages: list[str]
    expertise: list[str]
    open_reviews: int


class ProfileIn(Input):
    accreditation: Literal["candidate", "accredited", "suspended"] | None = None
    languages: list[str] | None = None
    expertise: list[str] | None = None
    reason: str = ""


def review_out(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "cycle": review.assessment.cycle_id,
        "member": review.assessment.member.iso3,
        "status": review.status,
        "version": review.version,
        "request_note": review.request_note,
        "requested_at": review.requested_at,
        "decision_reason": review.decision_reason,
        "decided_at": review.decided_at,
        "reviewers": [
            {"username": a.reviewer.username, "lead": a.lead, "warnings": a.warnings}
            for a in sorted(review.assignments.all(), key=lambda a: (not a.lead, a.reviewer.username))
        ],
        "rounds": [
            {
                "number": r.number,
                "due_date": r.due_date,
                "sent_at": r.sent_at,
                "returned_at": r.returned_at,
                "on_time": r.on_time,
            }
            for r in review.rounds.all()
        ],
        "signed_off_at": review.signed_off_at,
        "certificate_level": (review.certificate or {}).get("level"),
    }


def review_detail_out(actor: Any, review: Review) -> dict[str, Any]:
    return {**review_out(review), "moves": REVIEW_WORKFLOW.available(actor, review)}


def review_of(request: HttpRequest, cycle: int, iso3: str) -> Review:
    return review_located(actor_of(request), cycle, iso3)[1]


def review_answer(request: HttpRequest, cycle: int, iso3: str) -> dict[str, Any]:
    """The review as it is now, with the caller's moves (the answer of every write on one review)."""
    return review_detail_out(actor_of(request), review_of(request, cycle, iso3))


ONE = "/cycles/{cycle}/assessments/{iso3}/review"


@router.get(ONE, response={200: ReviewDetailOut, **ERROR_RESPONSES}, summary="The member's peer review")
def review_get(request: HttpRequest, cycle: int, iso3: str) -> dict[str, Any]:
    return review_answer(request, cycle, iso3)


@router.post(ONE, response={201: ReviewDetailOut, **ERROR_RESPONSES}, summary="Request a peer review (NCP)")
def review_post(request: HttpRequest, cycle: int, iso3: str, payload: RequestIn) -> Status:
    actor = actor_of(request)
    assessment = assessment_access(actor, cycle_get(cycle), iso3)
    review = review_request(actor=actor, assessment=assessment, note=payload.note)
    return Status(201, review_detail_out(actor, review_current(actor, assessment) or review))


@router.post(
    ONE + "/moves",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary=(
        "Move the review: accept or decline (Secretariat), start, send_round with due_date and "
        "sign_off (lead reviewer), hand_back (NCP), withdraw (NCP)"
    ),
)
def review_move_post(request: HttpRequest, cycle: int, iso3: str, payload: MoveIn) -> dict[str, Any]:
    review = review_of(request, cycle, iso3)
    review_move(
        actor=actor_of(request),
        review=review,
        action=payload.action,
        reason=payload.reason,
        version=payload.version,
        due_date=payload.due_date,
    )
    return review_answer(request, cycle, iso3)


@router.put(
    ONE + "/reviewers/{username}",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary="Assign a peer reviewer (Secretariat); conflicts are refused, risks need accept_warnings",
)
def review_assign_put(
    request: HttpRequest, cycle: int, iso3: str, username: str, payload: AssignIn
) -> dict[str, Any]:
    review = review_of(request, cycle, iso3)
    require(actor_of(request), "review.assign")  # before looking the user up: no probing of usernames
    review_assign(
        actor=actor_of(request),
        review=review,
        reviewer=user_get(username),
        lead=payload.lead,
        accept_warnings=payload.accept_warnings,
    )
    return review_answer(request, cycle, iso3)


@router.delete(
    ONE + "/reviewers/{username}",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary="Take a reviewer off the review (Secretariat), with a reason",
)
def review_unassign_delete(
    request: HttpRequest, cycle: int, iso3: str, username: str, reason: str = ""
) -> dict[str, Any]:
    review = review_of(request, cycle, iso3)
    require(actor_of(request), "review.assign")
    review_unassign(actor=actor_of(request), review=review, reviewer=user_get(username), reason=reason)
    return review_answer(request, cycle, iso3)


@router.get(
    "/reviews", response={200: list[ReviewOut], **ERROR_RESPONSES}, summary="The peer reviews you may see"
)
def reviews_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [review_out(r) for r in reviews_visible(actor_of(request), status)]


def pool_out(entry: Any) -> dict[str, Any]:
    profile: ReviewerProfile | None = entry.profile
    return {
        "username": entry.user.username,
        "member": entry.member.iso3 if entry.member else None,
        "accreditation": profile.accreditation if profile else "not_in_pool",
        "languages": profile.languages if profile else [],
        "expertise": profile.expertise if profile else [],
        "open_reviews": entry.open_reviews,
    }


@router.get("/reviewers", response={200: list[PoolOut], **ERROR_RESPONSES}, summary="The peer reviewer pool")
def reviewers_list(request: HttpRequest) -> list[dict[str, Any]]:
    require(actor_of(request), "reviewer.list")
    return [pool_out(entry) for entry in reviewer_pool()]


@router.put(
    "/reviewers/{username}",
    response={200: PoolOut, **ERROR_RESPONSES},
    summary="Change a reviewer's accreditation, languages or expertise (Secretariat)",
)
def reviewer_put(request: HttpRequest, username: str, payload: ProfileIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "reviewer.manage")
    reviewer_save(
        actor=actor,
        user=user_get(username),
        accreditation=payload.accreditation,
        languages=payload.languages,
        expertise=payload.expertise,
        reason=payload.reason,
    )
    return next(pool_out(e) for e in reviewer_pool() if e.user.username == username)
