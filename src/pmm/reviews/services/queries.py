"""Writes of the review itself: reviewers raise, close and re-open queries; the member answers,
attaches evidence or corrects values through the assessment's own services (validated, audited, and
recorded on the query with each value before and after)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmm.assessments.models import Assessment, DataValue
from pmm.assessments.selectors import assessment_state
from pmm.assessments.services import ValueInput, Window, assessment_write
from pmm.assessments.services.common import acting_user
from pmm.assessments.signals import assessment_submitted
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.selectors import cycle_spec
from pmm.evidence.models import Evidence
from pmm.evidence.services import Target, evidence_upload
from pmm.reviews import notices
from pmm.reviews.models import (
    MessageKind,
    QueryMessage,
    QueryStatus,
    Review,
    ReviewQuery,
    ReviewStatus,
)
from pmm.reviews.selectors import current_round

EXAMINING = (ReviewStatus.IN_REVIEW, ReviewStatus.MEMBER_RESPONDING)
MAX_TEXT = 10_000


def lock_review(review: Review) -> Review:
    return (
        Review.objects.select_for_update()
        .select_related("assessment__member", "assessment__cycle")
        .get(pk=review.pk)
    )


def _text(text: str, *, required: bool, what: str) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ApplicationError(what, problems=[FieldProblem("text", "is required")])
    if len(text) > MAX_TEXT:
        raise ApplicationError(
            "The text is too long.", problems=[FieldProblem("text", f"at most {MAX_TEXT} characters")]
        )
    return text


def require_status(review: Review, allowed: Sequence[str], doing: str) -> None:
    if review.status not in allowed:
        raise ApplicationError(
            f"Queries cannot be {doing} while the review is {review.get_status_display().lower()}.",
            code="illegal_transition",
        )


def _subject(review: Review, kpi: str, element: str, period: str) -> tuple[str, str, str]:
    """Check what a query is pinned to: a KPI, or a data element (its KPI found if not given)."""
    spec = cycle_spec(review.assessment.cycle)
    kpi, element, period = kpi.strip(), element.strip(), period.strip().upper()
    if element and element not in spec.elements:
        raise ApplicationError(
            f"No data element {element}.", problems=[FieldProblem("element", "unknown code")]
        )
    if element and not kpi:
        using = spec.kpis_using(element)
        kpi = using[0] if using else ""
    if kpi not in spec.kpis:
        raise ApplicationError(
            f"No KPI {kpi}." if kpi else "Say which KPI or data element the query is about.",
            problems=[FieldProblem("kpi", "unknown code" if kpi else "is required")],
        )
    if element and element not in spec.kpis[kpi].elements:
        raise ApplicationError(
            f"{element} is not used by {kpi}.", problems=[FieldProblem("element", f"not an element of {kpi}")]
        )
    if period and (not element or period not in spec.elements[element].periods):
        raise ApplicationError(
            f"No year {period} for this query.",
            problems=[FieldProblem("period", "use T or T-1 of the element")],
        )
    return kpi, element, period


def _message(query: ReviewQuery, actor: Any, kind: str, text: str, **extra: Any) -> QueryMessage:
    """A step of the thread. A reviewer's step is sent at once while the member is responding, and
    otherwise goes with the next round; the member's steps belong to the round they answer."""
    review = query.review
    round_ = current_round(review) if review.status == ReviewStatus.MEMBER_RESPONDING else None
    if round_ is not None and kind in (MessageKind.QUESTION, MessageKind.REOPEN):
        query.round = round_
    return QueryMessage.objects.create(
        query=query, kind=kind, text=text, author=acting_user(actor), at=timezone.now(), round=round_, **extra
    )


def _audit(actor: Any, verb: str, query: ReviewQuery, before: str, **after: Any) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=query.review,
        target_label=f"{query.review} · query {query.number} ({query.kpi})",  # the KPI: no element code
        before={"query": query.number, "status": before},
        after={"query": query.number, "status": query.status, **after},
    )


@transaction.atomic
def query_raise(
    *, actor: Any, review: Review, text: str, kpi: str = "", element: str = "", period: str = ""
) -> ReviewQuery:
    """A reviewer asks about a KPI or a value."""
    review = lock_review(review)
    require(actor, "review.examine", review.assessment)
    require_status(review, EXAMINING, "raised")
    text = _text(text, required=True, what="Write the question for the member.")
    kpi, element, period = _subject(review, kpi, element, period)
    number = (
        review.queries.unrestricted().order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    query = ReviewQuery.objects.create(
        review=review,
        number=number,
        kpi=kpi,
        element=element,
        period=period,
        raised_at=timezone.now(),
        raised_by=acting_user(actor),
    )
    message = _message(query, actor, MessageKind.QUESTION, text)
    query.save()
    _audit(actor, "review.query_raised", query, "", subject=query.subject, text=text)
    if message.round_id:
        notices.queries_sent(review, [query])
    return query


def _query_for_member(actor: Any, query: ReviewQuery, doing: str) -> tuple[Review, ReviewQuery]:
    review = lock_review(query.review)
    require(actor, "review.respond", review.assessment)
    query = ReviewQuery.objects.unrestricted().select_for_update().get(pk=query.pk)
    query.review = review
    if query.round_id is None:
        raise ApplicationError("No such query.", code="not_found")
    if review.status != ReviewStatus.MEMBER_RESPONDING:
        raise ApplicationError(
            f"Queries can be {doing} while the reviewers wait for the member's answers; "
            f"the review is {review.get_status_display().lower()}.",
            code="illegal_transition",
        )
    if query.status == QueryStatus.CLOSED:
        raise ApplicationError(
            f"Query {query.number} is closed; it cannot be {doing}.", code="illegal_transition"
        )
    return review, query


def correction_window(review: Review) -> Window:
    """The editing window of a member's answer to a peer review query (a correction, an evidence file):
    open while the reviewers wait for the member's answers, whatever the self-assessment's (it stays
    submitted) and the cycle's (it may be closed)."""

    def blocked(_assessment: Assessment) -> str:
        if review.status == ReviewStatus.MEMBER_RESPONDING:
            return ""
        return _("Corrections are accepted while the reviewers wait for the member's answers.")

    return blocked


def _answered(actor: Any, query: ReviewQuery, verb: str, before: str, **after: Any) -> None:
    query.status = QueryStatus.ANSWERED
    query.version += 1
    query.save()
    _audit(actor, verb, query, before, **after)


@transaction.atomic
def query_answer(*, actor: Any, query: ReviewQuery, text: str) -> QueryMessage:
    """The member answers a query in words."""
    _review, query = _query_for_member(actor, query, "answered")
    text = _text(text, required=True, what="Write your answer.")
    before = query.status
    message = _message(query, actor, MessageKind.ANSWER, text)
    _answered(actor, query, "review.query_answered", before, text=text)
    return message


def _value_fields(stored: DataValue | None) -> dict[str, Any]:
    if stored is None:
        return {"value": None, "state": "", "reason": ""}
    return {"value": stored.value, "state": stored.state, "reason": stored.reason}


@transaction.atomic
def query_correct(
    *,
    actor: Any,
    query: ReviewQuery,
    items: Sequence[ValueInput],
    text: str = "",
    justifications: Mapping[str, str] | None = None,
    path: str = "form",
) -> QueryMessage:
    """The member corrects values of the query's KPI (or its element) through the assessment's own
    services: validated as in the self-assessment, recorded in the value history and the audit log.
    Refused, with nothing changed, if the corrected assessment would not pass submission's checks."""
    review, query = _query_for_member(actor, query, "corrected")
    assessment: Assessment = review.assessment
    text = _text(text, required=False, what="")
    if not items:
        raise ApplicationError(
            "Give at least one corrected value.", problems=[FieldProblem("values", "is required")]
        )
    spec = cycle_spec(assessment.cycle)
    allowed = {query.element} if query.element else set(spec.kpis[query.kpi].elements)
    outside = [
        FieldProblem(f"values[{i}].element", f"{item.element} is not part of query {query.number}")
        for i, item in enumerate(items)
        if item.element not in allowed
    ]
    if outside:
        raise ApplicationError("Correct only the values the query is about.", problems=outside)
    stored = {
        (v.element.code, v.period): v
        for v in DataValue.objects.unrestricted()
        .filter(assessment=assessment, element__code__in=[i.element for i in items])
        .select_related("element")
    }
    before = {(i.element, i.period): _value_fields(stored.get((i.element, i.period))) for i in items}
    reason = f"Peer review query {query.number}" + (f": {text}" if text else "")
    with assessment_write(
        actor, assessment, None, path=path, reason=reason, window=correction_window(review)
    ) as write:
        write.values(items)
        explained = write.justify(justifications or {})
        if explained.not_raised:
            raise ApplicationError(
                "There is no such warning to explain.",
                code="invalid_values",
                problems=[FieldProblem("issue", f"no current warning {key}") for key in explained.not_raised],
            )
    state = assessment_state(assessment, actor)
    if state.blocking:
        raise ApplicationError(
            "The correction was not saved: the self-assessment would no longer pass its checks.",
            code="invalid_values",
            problems=[FieldProblem(i.key, i.text()) for i in state.blocking],
        )
    after = {
        (v.element.code, v.period): _value_fields(v)
        for v in DataValue.objects.unrestricted()
        .filter(assessment=assessment, element__code__in=[i.element for i in items])
        .select_related("element")
    }
    changes = [
        {"element": element, "period": period, "before": old, "after": after.get((element, period))}
        for (element, period), old in before.items()
        if after.get((element, period)) != old
    ]
    if not changes:
        raise ApplicationError(
            "These are the values already stored; nothing was corrected.",
            problems=[FieldProblem("values", "no change")],
        )
    previous = query.status
    message = _message(query, actor, MessageKind.CORRECTION, text, changes=changes)
    _answered(actor, query, "review.query_corrected", previous, changes=changes)
    transaction.on_commit(
        lambda: assessment_submitted.send(sender=Assessment, assessment=assessment), robust=True
    )
    return message


@transaction.atomic
def query_attach(
    *, actor: Any, query: ReviewQuery, uploaded_file: Any, text: str = "", path: str = "form"
) -> QueryMessage:
    """The member answers with an evidence file, attached to the query's KPI or value."""
    review, query = _query_for_member(actor, query, "answered")
    text = _text(text, required=False, what="")
    if query.element and query.period:
        target = Target(element=query.element, period=query.period)
    else:
        target = Target(kpi=query.kpi)
    evidence: Evidence = evidence_upload(
        actor=actor,
        assessment=review.assessment,
        target=target,
        uploaded_file=uploaded_file,
        description=text or f"Peer review query {query.number}",
        path=path,
        window=correction_window(review),
    )
    previous = query.status
    message = _message(query, actor, MessageKind.EVIDENCE, text, evidence=evidence)
    _answered(actor, query, "review.query_evidence", previous, evidence=evidence.original_name)
    return message


def _query_for_reviewer(actor: Any, query: ReviewQuery, doing: str) -> ReviewQuery:
    review = lock_review(query.review)
    require(actor, "review.examine", review.assessment)
    require_status(review, EXAMINING, doing)
    query = ReviewQuery.objects.unrestricted().select_for_update().get(pk=query.pk)
    query.review = review
    return query


@transaction.atomic
def query_close(*, actor: Any, query: ReviewQuery, text: str = "") -> ReviewQuery:
    """A reviewer closes a query: answered to their satisfaction, or no longer needed."""
    query = _query_for_reviewer(actor, query, "closed")
    if query.status == QueryStatus.CLOSED:
        raise ApplicationError(f"Query {query.number} is already closed.", code="illegal_transition")
    before = query.status
    _message(query, actor, MessageKind.CLOSE, _text(text, required=False, what=""))
    query.status, query.closed_at = QueryStatus.CLOSED, timezone.now()
    query.version += 1
    query.save()
    _audit(actor, "review.query_closed", query, before)
    return query


@transaction.atomic
def query_reopen(*, actor: Any, query: ReviewQuery, text: str) -> ReviewQuery:
    """A reviewer re-opens a query, saying what is still missing; it goes to the member with the next
    round (at once if the member is responding)."""
    query = _query_for_reviewer(actor, query, "re-opened")
    if query.status == QueryStatus.OPEN:
        raise ApplicationError(f"Query {query.number} is already open.", code="illegal_transition")
    text = _text(text, required=True, what="Say what is still missing.")
    before = query.status
    message = _message(query, actor, MessageKind.REOPEN, text)
    query.status, query.closed_at = QueryStatus.OPEN, None
    query.version += 1
    query.save()
    _audit(actor, "review.query_reopened", query, before, text=text)
    if message.round_id:
        notices.queries_sent(query.review, [query])
    return query


# The steps of a query that take only a text, by name (the page and the API look them up here).
TEXT_STEPS: dict[str, Any] = {"answer": query_answer, "close": query_close, "reopen": query_reopen}
