"""Pages of the review itself, shown on the review's page (`work_context`): the queries and their
threads, the member's answers, corrections and evidence, the rounds, the verdicts, sign-off and the
certificate. Each POST calls one service and goes back to the review's page, with the service's
message (and the fields it names) when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.assessments.models import Assessment
from pmm.assessments.services.common import ValueInput
from pmm.authz import can
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_spec
from pmm.framework.names import element_text
from pmm.results.formatting import units_of, value_text
from pmm.reviews import services
from pmm.reviews.certificate import CRITERIA
from pmm.reviews.forms.work import CorrectionForm, EvidenceForm, RaiseForm, RoundForm, TextForm, VerdictsForm
from pmm.reviews.models import REVIEWER_KINDS, QueryStatus, Review, ReviewStatus, Verdict
from pmm.reviews.outlier_reads import flag_text, outlier_flags
from pmm.reviews.selectors import (
    is_lead,
    review_certificate,
    review_located,
    review_queries,
    review_query_get,
)

EXAMINING = (ReviewStatus.IN_REVIEW, ReviewStatus.MEMBER_RESPONDING)
UNDER_WAY = (*EXAMINING, ReviewStatus.SIGNED_OFF)


def _verdicts(user: Any, review: Review) -> dict[str, tuple[str, str]]:
    return {v.kpi: (v.verdict, v.reason) for v in review.verdicts.visible_to(user)}


def work_context(
    user: Any, assessment: Assessment, review: Review | None, moves: list[str]
) -> dict[str, Any]:
    """What the review's page shows of the review itself (empty before it starts). `moves`: the
    workflow moves the user may make now (`REVIEW_WORKFLOW.available`)."""
    if review is None or review.status not in UNDER_WAY:
        return {}
    member = assessment.member
    spec = cycle_spec(assessment.cycle)
    examining = review.status in EXAMINING
    reviewer = examining and can(user, "review.examine", assessment)
    responding = review.status == ReviewStatus.MEMBER_RESPONDING and can(user, "review.respond", assessment)
    lead = reviewer and is_lead(user, review)
    verdicts = _verdicts(user, review)
    threads = []
    for thread in review_queries(user, review):
        query = thread.query
        n = query.number
        is_open = query.status != QueryStatus.CLOSED
        elements = {query.element} if query.element else spec.kpis[query.kpi].elements
        for message in thread.messages:  # corrections as people read them: labels, not codes
            message.changes_shown = [
                (element_text(spec, c["element"], c.get("period")), c["before"], c["after"])
                for c in message.changes
            ]
        threads.append(
            {
                "query": query,
                "subject": element_text(spec, query.element, query.period)
                if query.element
                else pick(spec.kpis[query.kpi].name),
                "status_label": QueryStatus(query.status).label,
                "kpi_name": pick(spec.kpis[query.kpi].name),
                "messages": thread.messages,
                "answer_form": TextForm(prefix=f"answer-{n}", label=_("Your answer"))
                if responding and is_open
                else None,
                "correction_form": CorrectionForm(
                    prefix=f"correct-{n}",
                    spec=spec,
                    elements=elements,
                    initial={"element": query.element, "period": query.period or "T"},
                )
                if responding and is_open
                else None,
                "evidence_form": EvidenceForm(prefix=f"evidence-{n}") if responding and is_open else None,
                "close_form": TextForm(prefix=f"close-{n}", label=_("Note (optional)"))
                if reviewer and is_open
                else None,
                "reopen_form": TextForm(
                    prefix=f"reopen-{n}", label=_("What is still missing?"), required=True
                )
                if reviewer and query.status != QueryStatus.OPEN
                else None,
            }
        )
    pending = any(m.kind in REVIEWER_KINDS and m.round_id is None for t in threads for m in t["messages"])
    certificate = review_certificate(review)
    criteria_labels = dict(zip(CRITERIA, _criterion_labels(), strict=True))
    return {
        "work": True,
        "threads": threads,
        "rounds": list(review.rounds.all()),
        "is_reviewer": reviewer,
        "is_lead": lead,
        "responding": responding,
        "raise_form": RaiseForm(spec=spec) if reviewer else None,
        "round_form": RoundForm(prefix="round") if "send_round" in moves else None,
        "pending": pending,
        "may_hand_back": "hand_back" in moves,
        "may_sign_off": "sign_off" in moves,
        "verdicts_form": VerdictsForm(spec=spec, current=verdicts) if reviewer else None,
        "verdict_rows": [
            {
                "code": code,
                "name": pick(spec.kpis[code].name),
                "verdict": Verdict(verdicts[code][0]).label if code in verdicts else "",
                "reason": verdicts.get(code, ("", ""))[1],
            }
            for code in sorted(spec.kpis, key=lambda c: spec.kpis[c].position)
        ],
        "certificate": certificate,
        "criteria": [
            {"criterion": c, "label": criteria_labels[c.code], "percent": round(c.share * 100)}
            for c in certificate.criteria
        ],
        "outliers": _outlier_rows(user, assessment, spec) if reviewer or can(user, "review.assign") else [],
        "matrix_url": reverse("reviews:review_matrix", args=[assessment.cycle_id, member.iso3]),
        "matrix_xlsx_url": reverse("reviews:review_matrix_xlsx", args=[assessment.cycle_id, member.iso3]),
    }


def _outlier_rows(user: Any, assessment: Assessment, spec: Any) -> list[dict[str, Any]]:
    """The reviewed values that stand out against the member's history or its peer groups."""
    units = units_of(assessment.cycle.framework.document)
    rows = []
    for (kpi, component), flags in outlier_flags(user, assessment).items():
        for flag in flags:
            rows.append(
                {
                    "kpi": kpi,
                    "component": component,
                    "value": value_text(flag.value, spec.kpis[kpi], spec, units),
                    "basis": _("its own history")
                    if flag.basis == "own_history"
                    else pick(flag.group_label) or flag.group,
                    "text": flag_text(flag, spec.kpis[kpi], spec, units),
                }
            )
    return rows


def _criterion_labels() -> list[str]:
    return [
        _("Every query closed"),
        _("Every KPI has a verdict"),
        _("Reported KPIs with evidence"),
        _("Rounds answered by their due date"),
    ]


# --- the POSTs ---------------------------------------------------------------------------------------


def _back(assessment: Assessment, anchor: str = "queries") -> HttpResponse:
    url = reverse("reviews:review_detail", args=[assessment.cycle_id, assessment.member.iso3])
    return redirect(f"{url}#{anchor}")


def _refused(request: HttpRequest, error: ApplicationError) -> None:
    if isinstance(error, (NotFound, PermissionDenied)):
        raise error
    text = error.message
    if error.problems:
        text += " " + "; ".join(str(p) for p in error.problems)
    messages.error(request, text)


def _form_refused(
    request: HttpRequest, form: Any, assessment: Assessment, anchor: str
) -> HttpResponse | None:
    """None when the form is valid. Else nothing is saved: its problems are flashed and the review's page
    shown again at `anchor`."""
    if form.is_valid():
        return None
    problems = [
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}" for f, e in form.errors.items()
    ]
    messages.error(request, _("Nothing was saved. %(problems)s") % {"problems": "; ".join(problems)})
    return _back(assessment, anchor)


def _act(
    request: HttpRequest, assessment: Assessment, done: str, action: Callable[[], Any], anchor: str
) -> HttpResponse:
    try:
        action()
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return _back(assessment, anchor)


@login_required
@require_POST
def query_raise_view(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = review_located(request.user, cycle_id, iso3)
    form = RaiseForm(request.POST, spec=cycle_spec(assessment.cycle))
    if refused := _form_refused(request, form, assessment, "raise"):
        return refused
    data = form.cleaned_data
    done = (
        _("The query was sent to the member.")
        if review.status == ReviewStatus.MEMBER_RESPONDING
        else _("The query was added; it goes to the member with the next round.")
    )
    return _act(
        request,
        assessment,
        done,
        lambda: services.query_raise(
            actor=request.user,
            review=review,
            text=data["text"],
            kpi=data["kpi"],
            element=data["element"],
            period=data["period"],
        ),
        "queries",
    )


def _one_query(request: HttpRequest, cycle_id: int, iso3: str, number: int) -> tuple[Assessment, Any]:
    assessment, review = review_located(request.user, cycle_id, iso3)
    return assessment, review_query_get(request.user, review, number)


@login_required
@require_POST
def query_step_view(request: HttpRequest, cycle_id: int, iso3: str, number: int, step: str) -> HttpResponse:
    """Answer, close or re-open one query (a text, sometimes required)."""
    assessment, query = _one_query(request, cycle_id, iso3, number)
    form = TextForm(request.POST, prefix=f"{step}-{number}")
    form.is_valid()
    text = form.cleaned_data.get("text", "")
    done = {
        "answer": _("Your answer was saved."),
        "close": _("The query was closed."),
        "reopen": _("The query was re-opened."),
    }.get(step)
    if done is None or step not in services.TEXT_STEPS:
        raise NotFound("No such step.")
    service = services.TEXT_STEPS[step]
    return _act(
        request,
        assessment,
        done,
        lambda: service(actor=request.user, query=query, text=text),
        f"query-{number}",
    )


@login_required
@require_POST
def query_correct_view(request: HttpRequest, cycle_id: int, iso3: str, number: int) -> HttpResponse:
    assessment, query = _one_query(request, cycle_id, iso3, number)
    spec = cycle_spec(assessment.cycle)
    elements = {query.element} if query.element else spec.kpis[query.kpi].elements
    form = CorrectionForm(request.POST, prefix=f"correct-{number}", spec=spec, elements=elements)
    if refused := _form_refused(request, form, assessment, f"query-{number}"):
        return refused
    data = form.cleaned_data
    return _act(
        request,
        assessment,
        _("The value was corrected; the reviewers see it before and after."),
        lambda: services.query_correct(
            actor=request.user,
            query=query,
            items=[ValueInput(data["element"], data["period"], data["value"].strip())],
            text=data["text"],
        ),
        f"query-{number}",
    )


@login_required
@require_POST
def query_evidence_view(request: HttpRequest, cycle_id: int, iso3: str, number: int) -> HttpResponse:
    assessment, query = _one_query(request, cycle_id, iso3, number)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"evidence-{number}")
    if refused := _form_refused(request, form, assessment, f"query-{number}"):
        return refused
    return _act(
        request,
        assessment,
        _("The file was attached to the query."),
        lambda: services.query_attach(
            actor=request.user,
            query=query,
            uploaded_file=form.cleaned_data["file"],
            text=form.cleaned_data["text"],
        ),
        f"query-{number}",
    )


@login_required
@require_POST
def review_step_view(request: HttpRequest, cycle_id: int, iso3: str, action: str) -> HttpResponse:
    """Send a round (with its due date), hand the answers back, or sign off."""
    assessment, review = review_located(request.user, cycle_id, iso3)
    due_date = None
    if action == "send_round":
        form = RoundForm(request.POST, prefix="round")
        if refused := _form_refused(request, form, assessment, "rounds"):
            return refused
        due_date = form.cleaned_data["due_date"]
    elif action not in ("hand_back", "sign_off"):
        raise NotFound("No such move.")
    done = {
        "send_round": _("The queries were sent to the member."),
        "hand_back": _("Your answers were handed back to the reviewers."),
        "sign_off": _("The review was signed off."),
    }[action]
    return _act(
        request,
        assessment,
        done,
        lambda: services.review_move(actor=request.user, review=review, action=action, due_date=due_date),
        "rounds",
    )


@login_required
@require_POST
def verdicts_view(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = review_located(request.user, cycle_id, iso3)
    current = _verdicts(request.user, review)
    form = VerdictsForm(request.POST, spec=cycle_spec(assessment.cycle), current=current)
    if refused := _form_refused(request, form, assessment, "verdicts"):
        return refused
    changed = form.changed_verdicts(current)

    def save() -> None:
        for code, verdict, reason in changed:
            services.verdict_set(actor=request.user, review=review, kpi=code, verdict=verdict, reason=reason)

    return _act(
        request,
        assessment,
        _("%(count)s verdict(s) saved.") % {"count": len(changed)},
        save,
        "verdicts",
    )
