"""Peer review API: requests, workflow moves, reviewer assignments, the reviewer pool."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from pmm.accounts.models import User
from pmm.accounts.selectors import user_get
from pmm.assessments.selectors import assessment_access
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.cycles.selectors import cycle_get
from pmm.reviews.models import Review, ReviewAssignment
from pmm.reviews.selectors import (
    PoolEntry,
    review_current,
    review_located,
    reviewer_pool,
    reviews_visible,
)
from pmm.reviews.services import review_assign, review_move, review_request, review_unassign, reviewer_save
from pmm.reviews.workflow import REVIEW_WORKFLOW

router = Router(tags=["peer review"])


# A reviewer's assignment to the review.
class ReviewerOut(Schema):
    username: str = Field(validation_alias="reviewer.username")
    lead: bool
    warnings: list[str]


class RoundOut(Schema):
    number: int
    due_date: date
    sent_at: datetime
    returned_at: datetime | None
    on_time: bool | None


# A review, read from the Review model (its assessment, assignments and rounds prefetched).
class ReviewOut(Schema):
    id: int
    cycle: int = Field(validation_alias="assessment.cycle_id")
    member: str = Field(validation_alias="assessment.member.iso3")
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

    @staticmethod
    def resolve_reviewers(review: Review) -> list[ReviewAssignment]:
        """The lead first, then the others by username."""
        return sorted(review.assignments.all(), key=lambda a: (not a.lead, a.reviewer.username))

    @staticmethod
    def resolve_certificate_level(review: Review) -> str | None:
        return (review.certificate or {}).get("level")


class ReviewDetailOut(ReviewOut):
    """One review, with the workflow moves the caller may make now (not in lists: finding them reads
    more than the list's rows)."""

    moves: list[str]

    @staticmethod
    def resolve_moves(review: Review, context: dict[str, Any]) -> list[str]:
        """The moves of the caller: ninja passes the request in the schema's validation context."""
        return REVIEW_WORKFLOW.available(actor_of(context["request"]), review)


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


# A reviewer of the pool, read from the selector's PoolEntry.
class PoolOut(Schema):
    username: str = Field(validation_alias="user.username")
    member: str | None
    accreditation: str
    languages: list[str]
    expertise: list[str]
    open_reviews: int

    @staticmethod
    def resolve_member(entry: PoolEntry) -> str | None:
        return entry.member.iso3 if entry.member else None

    @staticmethod
    def resolve_accreditation(entry: PoolEntry) -> str:
        return entry.profile.accreditation if entry.profile else "not_in_pool"

    @staticmethod
    def resolve_languages(entry: PoolEntry) -> list[str]:
        return entry.profile.languages if entry.profile else []

    @staticmethod
    def resolve_expertise(entry: PoolEntry) -> list[str]:
        return entry.profile.expertise if entry.profile else []


class ProfileIn(Input):
    accreditation: Literal["candidate", "accredited", "suspended"] | None = None
    languages: list[str] | None = None
    expertise: list[str] | None = None
    reason: str = ""


def review_of(actor: Any, cycle: int, iso3: str) -> Review:
    """The member's latest review in the cycle, if the actor may see it (else 404)."""
    return review_located(actor, cycle, iso3)[1]


ONE = "/cycles/{cycle}/assessments/{iso3}/review"


@router.get(ONE, response={200: ReviewDetailOut, **ERROR_RESPONSES}, summary="The member's peer review")
def review_get(request: HttpRequest, cycle: int, iso3: str) -> Review:
    return review_of(actor_of(request), cycle, iso3)


@router.post(ONE, response={201: ReviewDetailOut, **ERROR_RESPONSES}, summary="Request a peer review (NCP)")
def review_post(request: HttpRequest, cycle: int, iso3: str, payload: RequestIn) -> Status:
    actor = actor_of(request)
    assessment = assessment_access(actor, cycle_get(cycle), iso3)
    review = review_request(actor=actor, assessment=assessment, note=payload.note)
    return Status(201, review_current(actor, assessment) or review)


@router.post(
    ONE + "/moves",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary=(
        "Move the review: accept or decline (Secretariat), start, send_round with due_date and "
        "sign_off (lead reviewer), hand_back (NCP), withdraw (NCP)"
    ),
)
def review_move_post(request: HttpRequest, cycle: int, iso3: str, payload: MoveIn) -> Review:
    actor = actor_of(request)
    review_move(
        actor=actor,
        review=review_of(actor, cycle, iso3),
        action=payload.action,
        reason=payload.reason,
        version=payload.version,
        due_date=payload.due_date,
    )
    return review_of(actor, cycle, iso3)


def _reviewer_named(actor: Any, username: str) -> User:
    """The account to assign or take off: the actor's right to is checked first, so that no one else can
    probe usernames (403 whether or not the account exists)."""
    require(actor, "review.assign")
    return user_get(username)


@router.put(
    ONE + "/reviewers/{username}",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary="Assign a peer reviewer (Secretariat); conflicts are refused, risks need accept_warnings",
)
def review_assign_put(
    request: HttpRequest, cycle: int, iso3: str, username: str, payload: AssignIn
) -> Review:
    actor = actor_of(request)
    review = review_of(actor, cycle, iso3)
    review_assign(
        actor=actor,
        review=review,
        reviewer=_reviewer_named(actor, username),
        lead=payload.lead,
        accept_warnings=payload.accept_warnings,
    )
    return review_of(actor, cycle, iso3)


@router.delete(
    ONE + "/reviewers/{username}",
    response={200: ReviewDetailOut, **ERROR_RESPONSES},
    summary="Take a reviewer off the review (Secretariat), with a reason",
)
def review_unassign_delete(
    request: HttpRequest, cycle: int, iso3: str, username: str, reason: str = ""
) -> Review:
    actor = actor_of(request)
    review = review_of(actor, cycle, iso3)
    review_unassign(actor=actor, review=review, reviewer=_reviewer_named(actor, username), reason=reason)
    return review_of(actor, cycle, iso3)


@router.get(
    "/reviews", response={200: list[ReviewOut], **ERROR_RESPONSES}, summary="The peer reviews you may see"
)
def reviews_list(request: HttpRequest, status: str = "") -> list[Review]:
    return reviews_visible(actor_of(request), status)


@router.get("/reviewers", response={200: list[PoolOut], **ERROR_RESPONSES}, summary="The peer reviewer pool")
def reviewers_list(request: HttpRequest) -> list[PoolEntry]:
    require(actor_of(request), "reviewer.list")  # the pool's selector takes no actor: the one check
    return reviewer_pool()


@router.put(
    "/reviewers/{username}",
    response={200: PoolOut, **ERROR_RESPONSES},
    summary="Change a reviewer's accreditation, languages or expertise (Secretariat)",
)
def reviewer_put(request: HttpRequest, username: str, payload: ProfileIn) -> PoolEntry:
    actor = actor_of(request)
    require(actor, "reviewer.manage")  # before looking the user up: no probing of usernames
    reviewer_save(
        actor=actor,
        user=user_get(username),
        accreditation=payload.accreditation,
        languages=payload.languages,
        expertise=payload.expertise,
        reason=payload.reason,
    )
    return next(entry for entry in reviewer_pool() if entry.user.username == username)
