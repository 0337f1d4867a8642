"""Peer review API, the review itself: queries and their threads, the member's answers and
corrections, verdicts on each KPI, the certificate."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from pmm.assessments.api import ValueIn
from pmm.assessments.services.common import ValueInput
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.reviews.api.reviews import ONE, review_of
from pmm.reviews.certificate import Certificate
from pmm.reviews.models import KpiVerdict, QueryMessage, Review, ReviewQuery
from pmm.reviews.selectors import QueryThread, review_certificate, review_queries, review_query_get
from pmm.reviews.services import (
    TEXT_STEPS,
    query_attach,
    query_correct,
    query_raise,
    verdict_set,
)

router = Router(tags=["peer review"])


# One message of a query's thread, read from the QueryMessage model.
class MessageOut(Schema):
    kind: str
    text: str
    author: str | None
    at: datetime
    round: int | None
    changes: list[dict[str, Any]]
    evidence: dict[str, Any] | None

    @staticmethod
    def resolve_author(message: QueryMessage) -> str | None:
        return message.author.get_username() if message.author else None

    @staticmethod
    def resolve_round(message: QueryMessage) -> int | None:
        return message.round.number if message.round else None

    @staticmethod
    def resolve_evidence(message: QueryMessage) -> dict[str, Any] | None:
        evidence = message.evidence
        return {"id": evidence.pk, "name": evidence.original_name} if evidence else None


# A query and its thread, read from the selector's QueryThread.
class QueryOut(Schema):
    number: int = Field(validation_alias="query.number")
    kpi: str = Field(validation_alias="query.kpi")
    element: str = Field(validation_alias="query.element")
    period: str = Field(validation_alias="query.period")
    status: str = Field(validation_alias="query.status")
    round: int | None
    due_date: str | None
    version: int = Field(validation_alias="query.version")
    messages: list[MessageOut]

    @staticmethod
    def resolve_round(thread: QueryThread) -> int | None:
        return thread.query.round.number if thread.query.round else None

    @staticmethod
    def resolve_due_date(thread: QueryThread) -> str | None:
        return thread.query.round.due_date.isoformat() if thread.query.round else None


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


# A verdict on a KPI, read from the KpiVerdict model.
class VerdictOut(Schema):
    kpi: str
    verdict: str
    reason: str
    decided_by: str | None
    decided_at: datetime

    @staticmethod
    def resolve_decided_by(verdict: KpiVerdict) -> str | None:
        return verdict.decided_by.get_username() if verdict.decided_by else None


class CriterionOut(Schema):
    code: str
    met: bool
    count: int
    total: int
    threshold: float


# A certificate, read from the Certificate dataclass.
class CertificateOut(Schema):
    level: str
    criteria: list[CriterionOut]
    facts: dict[str, Any]

    @staticmethod
    def resolve_facts(certificate: Certificate) -> dict[str, Any]:
        return asdict(certificate.facts)


def _thread(actor: Any, review: Review, number: int) -> QueryThread:
    """The query's thread as the actor may see it (the answer of every step on a query)."""
    return next(thread for thread in review_queries(actor, review) if thread.query.number == number)


def _query(actor: Any, cycle: int, iso3: str, number: int) -> tuple[Review, ReviewQuery]:
    review = review_of(actor, cycle, iso3)
    return review, review_query_get(actor, review, number)


@router.get(
    ONE + "/queries", response={200: list[QueryOut], **ERROR_RESPONSES}, summary="The review's queries"
)
def queries_list(request: HttpRequest, cycle: int, iso3: str) -> list[QueryThread]:
    actor = actor_of(request)
    return review_queries(actor, review_of(actor, cycle, iso3))


@router.post(
    ONE + "/queries",
    response={201: QueryOut, **ERROR_RESPONSES},
    summary="Raise a query on a KPI or a data element (assigned reviewer)",
)
def query_post(request: HttpRequest, cycle: int, iso3: str, payload: RaiseIn) -> Status:
    actor = actor_of(request)
    review = review_of(actor, cycle, iso3)
    query = query_raise(
        actor=actor,
        review=review,
        text=payload.text,
        kpi=payload.kpi,
        element=payload.element,
        period=payload.period,
    )
    return Status(201, _thread(actor, review, query.number))


@router.get(ONE + "/queries/{number}", response={200: QueryOut, **ERROR_RESPONSES}, summary="One query")
def query_get(request: HttpRequest, cycle: int, iso3: str, number: int) -> QueryThread:
    actor = actor_of(request)
    review, query = _query(actor, cycle, iso3, number)
    return _thread(actor, review, query.number)


@router.post(
    ONE + "/queries/{number}/corrections",
    response={200: QueryOut, **ERROR_RESPONSES},
    summary="Correct values of the query's KPI (the member): validated, audited, shown before and after",
)
def query_correct_post(
    request: HttpRequest, cycle: int, iso3: str, number: int, payload: CorrectionIn
) -> QueryThread:
    actor = actor_of(request)
    review, query = _query(actor, cycle, iso3, number)
    items = [ValueInput(v.element, v.period, v.value, v.state, v.reason, v.comment) for v in payload.values]
    query_correct(
        actor=actor,
        query=query,
        items=items,
        text=payload.text,
        justifications=payload.justifications,
        path="api",
    )
    return _thread(actor, review, number)


@router.post(
    ONE + "/queries/{number}/evidence",
    response={200: QueryOut, **ERROR_RESPONSES},
    summary="Answer a query with an evidence file (the member; multipart: file, text)",
)
def query_evidence_post(
    request: HttpRequest, cycle: int, iso3: str, number: int, file: File[UploadedFile], text: Form[str] = ""
) -> QueryThread:
    actor = actor_of(request)
    review, query = _query(actor, cycle, iso3, number)
    query_attach(actor=actor, query=query, uploaded_file=file, text=text, path="api")
    return _thread(actor, review, number)


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
) -> QueryThread:
    actor = actor_of(request)
    review, query = _query(actor, cycle, iso3, number)
    TEXT_STEPS[step](actor=actor, query=query, text=payload.text)
    return _thread(actor, review, number)


@router.get(
    ONE + "/verdicts", response={200: list[VerdictOut], **ERROR_RESPONSES}, summary="The verdicts on each KPI"
)
def verdicts_list(request: HttpRequest, cycle: int, iso3: str) -> list[KpiVerdict]:
    actor = actor_of(request)
    review = review_of(actor, cycle, iso3)
    return list(review.verdicts.visible_to(actor).select_related("decided_by"))


@router.put(
    ONE + "/verdicts/{kpi}",
    response={200: VerdictOut, **ERROR_RESPONSES},
    summary="Give or change the verdict on a KPI (assigned reviewer); not_validated needs a reason",
)
def verdict_put(request: HttpRequest, cycle: int, iso3: str, kpi: str, payload: VerdictIn) -> KpiVerdict:
    actor = actor_of(request)
    review = review_of(actor, cycle, iso3)
    return verdict_set(actor=actor, review=review, kpi=kpi, verdict=payload.verdict, reason=payload.reason)


@router.get(
    ONE + "/certificate",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="The review certificate: recorded at sign-off, or what it would be now",
)
def certificate_get(request: HttpRequest, cycle: int, iso3: str) -> Certificate:
    return review_certificate(review_of(actor_of(request), cycle, iso3))
