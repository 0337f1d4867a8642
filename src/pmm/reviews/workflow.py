"""The peer review workflow as an explicit transition table: (status, action) -> new status.

requested -> accepted -> in review -> member responding <-> in review -> signed off; a request may be
declined; the member may withdraw a review until it is over. Each move is made by
`services.review_move`, which checks who may make it and the move's own conditions (`services.guards`),
and audits it with its reason.
"""

from __future__ import annotations

from pmm.reviews.models import ReviewStatus as S

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


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))
