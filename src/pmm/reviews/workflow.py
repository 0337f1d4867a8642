"""The peer review workflow as an explicit transition table: (status, action) -> new status.

requested -> accepted -> in review -> member responding <-> in review -> signed off; a request may be
declined; the member may withdraw a review until it is over. `REVIEW_WORKFLOW` declares who makes
each move (`MOVES`, `LEAD_MOVES`) and what must hold for it; `services.review_move` makes the moves,
checks what each needs besides (a due date and new queries for a round, every query answered or
closed, every KPI with a verdict) and audits them with their reason.
"""

from __future__ import annotations

from typing import Any

from pmm.authz import allowed_to
from pmm.core.actors import is_system
from pmm.core.errors import ApplicationError
from pmm.core.workflow import Guard, Workflow, illegal
from pmm.reviews.models import Review
from pmm.reviews.models import ReviewStatus as S
from pmm.reviews.selectors import is_lead

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REQUESTED, "accept"): S.ACCEPTED,
    (S.REQUESTED, "decline"): S.DECLINED,
    (S.ACCEPTED, "start"): S.IN_REVIEW,
    (S.IN_REVIEW, "send_round"): S.MEMBER_RESPONDING,
    (S.MEMBER_RESPONDING, "hand_back"): S.IN_REVIEW,
    (S.IN_REVIEW, "sign_off"): S.SIGNED_OFF,
    (S.REQUESTED, "withdraw"): S.WITHDRAWN,
    (S.ACCEPTED, "withdraw"): S.WITHDRAWN,
    (S.IN_REVIEW, "withdraw"): S.WITHDRAWN,
    (S.MEMBER_RESPONDING, "withdraw"): S.WITHDRAWN,
}

# Who makes each move (an authorisation action) and whether a reason is required.
MOVES: dict[str, tuple[str, bool]] = {
    "accept": ("review.decide", False),
    "decline": ("review.decide", True),
    "start": ("review.assign", False),
    "send_round": ("review.examine", False),
    "hand_back": ("review.request", False),
    "sign_off": ("review.examine", False),
    "withdraw": ("review.request", True),
}

# Moves only the lead reviewer makes (the others assigned may prepare them).
LEAD_MOVES = frozenset({"send_round", "sign_off"})


def _assessment_of(review: Review) -> Any:
    return review.assessment


def _lead_only(move: str) -> Guard:
    what = move.replace("_", " ")

    def check(actor: Any, review: Review) -> None:
        if not is_system(actor) and not is_lead(actor, review):
            raise ApplicationError(f"Only the lead reviewer can {what}.", code="forbidden")

    return Guard("the lead reviewer", check)


def _lead_assigned(_actor: Any, review: Review) -> None:
    if not any(a.lead for a in review.assignments.all()):
        raise illegal("Assign a lead reviewer before starting the review.")


def _refusal(review: Review, action: str, _allowed: list[str]) -> ApplicationError:
    status = review.get_status_display().lower()
    return illegal(f"A review that is {status} cannot be asked to {action.replace('_', ' ')}.")


REVIEW_WORKFLOW = Workflow(
    name="review",
    transitions=TRANSITIONS,
    moves={
        move: (
            allowed_to(permission, on=_assessment_of),
            *((_lead_only(move),) if move in LEAD_MOVES else ()),
        )
        for move, (permission, _reason_required) in MOVES.items()
    },
    guards={"start": (Guard("a lead reviewer is assigned", _lead_assigned),)},
    refusal=_refusal,
    initial=(S.REQUESTED,),
)
