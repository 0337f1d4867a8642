"""The peer review workflow as an explicit transition table: (status, action) -> new status.

requested -> accepted -> in review; a request may be declined; the member may withdraw a review until
it is over. Each move is made by `services.review_move`, which checks who may make it and audits it
with its reason. (The moves of the review itself, in review <-> member responding -> signed off, come
with queries and verdicts.)
"""

from __future__ import annotations

from pmm.reviews.models import ReviewStatus as S

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REQUESTED, "accept"): S.ACCEPTED,
    (S.REQUESTED, "decline"): S.DECLINED,
    (S.ACCEPTED, "start"): S.IN_REVIEW,
    (S.REQUESTED, "withdraw"): S.WITHDRAWN,
    (S.ACCEPTED, "withdraw"): S.WITHDRAWN,
    (S.IN_REVIEW, "withdraw"): S.WITHDRAWN,
}

# Who makes each move (an authorisation action) and whether a reason is required.
MOVES: dict[str, tuple[str, bool]] = {
    "accept": ("review.decide", False),
    "decline": ("review.decide", True),
    "start": ("review.assign", False),
    "withdraw": ("review.request", True),
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))
