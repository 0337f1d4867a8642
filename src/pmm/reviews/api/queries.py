"""Peer review API, the review itself: queries and their threads, the member's answers and
corrections, verdicts on each KPI, the certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from pmm.assessments.api import ValueIn
from pmm.assessments.services.common import ValueInput
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.reviews.api.reviews import ONE, review_of
from pmm.reviews.certificate import Certificate
from pmm.reviews.models import KpiVerdict, Review
from pmm.reviews.selectors import QueryThread, review_certificate, review_queries, review_query_get
from pmm.reviews.services import (
    TEXT_STEPS,
    query_attach,
    query_correct,
    query_raise,
    verdict_set,
)

router = Router(tags=["peer review"])


class MessageOut(Schema):
    kind: str
    text: str
    author: str | None
    at: datetime
    round: int | None
    changes: list[dict[str, Any]]
    evidence: dict[str, Any] | None


class QueryOut(Schema):
    number: int
    kpi: str
    element: str
    period: str
    status: str
    round: int | None
    due_date: str | None
    version: int
    messages: list[MessageOut]


class RaiseIn(Input):
    text: str
    kpi: str = ""
    element: str = ""
    period: str = ""


class TextIn(Input):
    text: str = ""


class CorrectionIn(Input):
    values: list[ValueIn]
    text: str = ""
    justifications: dict[str, str] = {}


class VerdictIn(Input):
    verdict: Literal["confirmed", "adjusted", "not_validated"]
    reason: str = ""


class VerdictOut(Schema):
    kpi: str
    verdict: str
    reason: str
    decided_by: str | None
    decided_at: datetime


class CriterionOut(Schema):
    code: str
    met: bool
    count: int
    total: int
    threshold: float


class CertificateOut(Schema):
    level: str
    criteria: list[CriterionOut]
    facts: dict[str, Any]


def thread_out(thread: QueryThread) -> dict[str, Any]:
    query = thread.query
    return {
        "number": query.number,
        "kpi": query.kpi,
        "element": query.element,
        "period": query.period,
        "status": query.status,
        "round": query.round.number if query.round else None,
        "due_date": query.round.due_date.isoformat() if query.round else None,
        "version": query.version,
        "messages": [
            {
                "kind": m.kind,
                "text": m.text,
                "author": m.author.get_username() if m.author else None,
                "at": m.at,
                "round": m.round.number if m.round else None,
                "changes": m.changes,
                "evidence": {"id": m.evidence.pk, "name": m.evidence.original_name} if m.evidence else None,
            }
            for m in thread.messages
        ],
    }


def verdict_out(verdict: KpiVerdict) -> dict[str, Any]:
    return {
        "kpi": verdict.kpi,
        "verdict": verdict.verdict,
        "reason": verdict.reason,
        "decided_by": verdict.decided_by.get_username() if verdict.decided_by else None,
        "decided_at": verdict.decided_at,
    }


def certificate_out(certificate: Certificate) -> dict[str, Any]:
    return certificate.to_json()


def _thread(request: HttpRequest, review: Review, number: int) -> dict[str, Any]:
    actor = actor_of(request)
    return next(thread_out(t) for t in review_queries(actor, review) if t.query.number == number)


def _query(request: HttpRequest, cycle: int, iso3: str, number: int) -> tuple[Review, Any]:
    review = review_of(request, cycle, iso3)
    return review, review_query_get(actor_of(request), review, number)


@router.get(
    ONE + "/queries", response={200: list[QueryOut], **ERROR_RESPONSES}, summary="The review's queries"
)
def queries_list(request: HttpRequest, cycle: int, iso3: str) -> list[dict[str, Any]]:
    review = review_of(request, cycle, iso3)
    return [thread_out(t) for t in review_queries(actor_of(request), review)]


@router.post(
    ONE + "/queries",
    response={201: QueryOut, **ERROR_RESPONSES},
    summary="Raise a query on a KPI or a data element (assigned reviewer)",
)
def query_post(request: HttpRequest, cycle: int, iso3: str, payload: RaiseIn) -> Status:
    review = review_of(request, cycle, iso3)
    query = query_raise(
        actor=actor_of(request),
        review=review,
        text=payload.text,
        kpi=payload.kpi,
        element=payload.element,
        period=payload.period,
    )
    return Status(201, _thread(request, review, query.number))


@router.get(ONE + "/queries/{number}", response={200: QueryOut, **ERROR_RESPONSES}, summary="One query")
def query_get(request: HttpRequest, cycle: int, iso3: str, number: int) -> dict[str, Any]:
    review, query = _query(request, cycle, iso3, number)
    return _thread(request, review, query.number)


@router.post(
    ONE + "/queries/{number}/corrections",
    response={200: QueryOut, **ERROR_RESPONSES},
    summary="Correct values of the query's KPI (the member): validated, audited, shown before and after",
)
def query_correct_post(
    request: HttpRequest, cycle: int, iso3: str, number: int, payload: CorrectionIn
) -> dict[str, Any]:
    review, query = _query(request, cycle, iso3, number)
    items = [ValueInput(v.element, v.period, v.value, v.state, v.reason, v.comment) for v in payload.values]
    query_correct(
        actor=actor_of(request),
        query=query,
        items=items,
        text=payload.text,
        justifications=payload.justifications,
        path="api",
    )
    return _thread(request, review, number)


@router.post(
    ONE + "/queries/{number}/evidence",
    response={200: QueryOut, **ERROR_RESPONSES},
    summary="Answer a query with an evidence file (the member; multipart: file, text)",
)
def query_evidence_post(
    request: HttpRequest, cycle: int, iso3: str, number: int, file: File[UploadedFile], text: Form[str] = ""
) -> dict[str, Any]:
    review, query = _query(request, cycle, iso3, number)
    query_attach(actor=actor_of(request), query=query, uploaded_file=file, text=text, path="api")
    return _thread(request, review, number)


# The steps that take only a text, dispatched from one table (`TEXT_STEPS` of the services). Declared
# after /corrections and /evidence, which the same path would otherwise catch.
TextStep = Literal["answer", "close", "reopen"]


@router.post(
    ONE + "/queries/{number}/{step}",
    response={200: QueryOut, **ERROR_RESPONSES},
    summary="A step on a query in words: answer it (the member); close it, or re-open it saying what is "
    "still missing (assigned reviewer)",
)
def query_step_post(
    request: HttpRequest, cycle: int, iso3: str, number: int, step: TextStep, payload: TextIn
) -> dict[str, Any]:
    review, query = _query(request, cycle, iso3, number)
    TEXT_STEPS[step](actor=actor_of(request), query=query, text=payload.text)
    return _thread(request, review, number)


@router.get(
    ONE + "/verdicts", response={200: list[VerdictOut], **ERROR_RESPONSES}, summary="The verdicts on each KPI"
)
def verdicts_list(request: HttpRequest, cycle: int, iso3: str) -> list[dict[str, Any]]:
    review = review_of(request, cycle, iso3)
    return [
        verdict_out(v) for v in review.verdicts.visible_to(actor_of(request)).select_related("decided_by")
    ]


@router.put(
    ONE + "/verdicts/{kpi}",
    response={200: VerdictOut, **ERROR_RESPONSES},
    summary="Give or change the verdict on a KPI (assigned reviewer); not_validated needs a reason",
)
def verdict_put(request: HttpRequest, cycle: int, iso3: str, kpi: str, payload: VerdictIn) -> dict[str, Any]:
    review = review_of(request, cycle, iso3)
    saved = verdict_set(
        actor=actor_of(request), review=review, kpi=kpi, verdict=payload.verdict, reason=payload.reason
    )
    return verdict_out(saved)


@router.get(
    ONE + "/certificate",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="The review certificate: recorded at sign-off, or what it would be now",
)
def certificate_get(request: HttpRequest, cycle: int, iso3: str) -> dict[str, Any]:
    return certificate_out(review_certificate(review_of(request, cycle, iso3)))
