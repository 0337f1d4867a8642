"""Writes of peer review. `moves`: the request and the workflow; `assignments`: reviewers and the pool;
`queries`: queries and the member's answers and corrections; `verdicts`: the verdict on each KPI."""

from pmm.reviews.services.assignments import (
    AssignmentCheck,
    assignment_check,
    review_assign,
    review_unassign,
    reviewer_member,
    reviewer_save,
)
from pmm.reviews.services.moves import review_move, review_request
from pmm.reviews.services.queries import (
    TEXT_STEPS,
    query_answer,
    query_attach,
    query_close,
    query_correct,
    query_raise,
    query_reopen,
)
from pmm.reviews.services.verdicts import verdict_set

__all__ = [
    "TEXT_STEPS",
    "AssignmentCheck",
    "assignment_check",
    "query_answer",
    "query_attach",
    "query_close",
    "query_correct",
    "query_raise",
    "query_reopen",
    "review_assign",
    "review_move",
    "review_request",
    "review_unassign",
    "reviewer_member",
    "reviewer_save",
    "verdict_set",
]
