"""Pages of peer review: the review of one self-assessment (request, accept or decline, assign reviewers,
start, withdraw), the reviews a visitor may see, and the reviewer pool. Each page parses its form,
calls one service and shows the service's problems next to their fields; the overview of an assessment
shows the review through `assessment_review`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.selectors import assessment_access
from pmm.authz import actions_of, can, only_reviewer, require
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.core.forms import form_takes_problems
from pmm.cycles.selectors import cycle_get
from pmm.reviews import services
from pmm.reviews.forms.review import (
    AssignForm,
    MoveForm,
    RequestForm,
    ReviewerForm,
    UnassignForm,
    decision_form,
    start_form,
    withdraw_form,
)
from pmm.reviews.models import Accreditation, Review, ReviewAssignment, ReviewStatus
from pmm.reviews.selectors import (
    PoolEntry,
    review_current,
    review_history,
    review_located,
    reviewer_pool,
    reviews_visible,
)
from pmm.reviews.views.work import work_context
from pmm.reviews.workflow import REVIEW_WORKFLOW

ASSIGNABLE = (ReviewStatus.ACCEPTED, ReviewStatus.IN_REVIEW)


# --- what the pages share ---------------------------------------------------------------------------


def _load(request: HttpRequest, cycle_id: int, iso3: str) -> tuple[Assessment, Review | None]:
    """The assessment and its latest review; 404 for whoever may not see the review."""
    assessment = assessment_access(request.user, cycle_get(cycle_id), iso3)
    return assessment, review_current(request.user, assessment)


def _review_url(assessment: Assessment) -> str:
    return reverse("reviews:review_detail", args=[assessment.cycle_id, assessment.member.iso3])


def _to_review(assessment: Assessment) -> HttpResponse:
    return redirect(_review_url(assessment))


def _lead_first(review: Review) -> list[ReviewAssignment]:
    return sorted(review.assignments.all(), key=lambda a: (not a.lead, a.reviewer.get_username()))


def _status_label(status: str) -> str:
    return str(ReviewStatus(status).label)


def _may_request(user: Any, assessment: Assessment, review: Review | None) -> bool:
    return (
        can(user, "review.request", assessment)
        and assessment.status == AssessmentStatus.SUBMITTED
        and (review is None or not review.is_open)
    )


def _written(
    request: HttpRequest, assessment: Assessment, form: Any, write: Callable[[], object], done: str
) -> HttpResponse | None:
    """A form's write: when the form is valid, `write` runs, and the review's page follows with `done`
    (or the refusal when it names no field) flashed. None: the form has problems to show next to its
    fields, its own or the service's."""
    if not form.is_valid():
        return None
    try:
        write()
    except ApplicationError as error:
        if form_takes_problems(form, error):
            return None
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _to_review(assessment)


def assessment_review(user: Any, assessment: Assessment) -> dict[str, Any] | None:
    """What the assessment overview shows of its peer review (None: nothing to show)."""
    if not assessment.pk:
        return None
    try:
        review = review_current(user, assessment)
    except NotFound:
        return None
    may_request = _may_request(user, assessment, review)
    if review is None and not may_request:
        return None
    return {
        "review": review,
        "status_label": _status_label(review.status) if review else "",
        "reviewers": _lead_first(review) if review else [],
        "url": _review_url(assessment),
        "request_form": RequestForm(prefix="request") if may_request else None,
        "withdraw_form": withdraw_form(initial={"version": review.version})
        if review and REVIEW_WORKFLOW.allows(user, review, "withdraw")
        else None,
    }


# --- the review of one self-assessment --------------------------------------------------------------


def _render_review(
    request: HttpRequest,
    assessment: Assessment,
    review: Review | None,
    *,
    request_form: RequestForm | None = None,
    decision: MoveForm | None = None,
    withdraw: MoveForm | None = None,
    assign: AssignForm | None = None,
    removal: tuple[str, UnassignForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    member = assessment.member
    reviewers = _lead_first(review) if review else []
    moves = REVIEW_WORKFLOW.available(user, review) if review else []
    may_assign = review is not None and review.status in ASSIGNABLE and can(user, "review.assign")
    pool: list[PoolEntry] = reviewer_pool() if reviewers or may_assign else []
    administration = {e.user.pk: e.member for e in pool}
    assigned = {a.reviewer.get_username() for a in reviewers}
    version = {"version": review.version} if review else {}
    if may_assign and assign is None:
        assign = AssignForm(pool=pool, assigned=assigned)
    rows = []
    for a in reviewers:
        name = a.reviewer.get_username()
        form = removal[1] if removal and removal[0] == name else UnassignForm(prefix=f"remove-{name}")
        rows.append({"assignment": a, "member": administration.get(a.reviewer_id), "remove_form": form})
    may_request = _may_request(user, assessment, review)
    history = [
        {"review": r, "status_label": _status_label(r.status), "reviewers": _lead_first(r)}
        for r in review_history(assessment)
    ]
    return render(
        request,
        "reviews/review_detail.html",
        {
            "a": assessment,
            "cycle": assessment.cycle,
            "member": member,
            "review": review,
            "status_label": _status_label(review.status) if review else "",
            "reviewers": rows,
            "history": history,
            "may_decide": "accept" in moves or "decline" in moves,
            "may_assign": may_assign,
            "may_start": "start" in moves,
            "may_withdraw": "withdraw" in moves,
            "may_request": may_request,
            "may_pool": can(user, "reviewer.list"),
            "request_form": request_form or (RequestForm(prefix="request") if may_request else None),
            "decision_form": decision or decision_form(initial=version),
            "withdraw_form": withdraw or withdraw_form(initial=version),
            "start_form": start_form(initial=version),
            "assign_form": assign,
            "overview_url": reverse("assessments:assessment_detail", args=[assessment.cycle_id, member.iso3]),
            **work_context(user, assessment, review, moves),
        },
        status=status,
    )


@login_required
def review_detail(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = _load(request, cycle_id, iso3)
    return _render_review(request, assessment, review)


@login_required
@require_POST
def review_request(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = _load(request, cycle_id, iso3)
    require(request.user, "review.request", assessment)
    form = RequestForm(request.POST, prefix="request")
    done = _(
        "Your request for a peer review was sent to the WCO Secretariat, which will accept or decline it."
    )

    def write() -> object:
        note = form.cleaned_data["note"]
        return services.review_request(actor=request.user, assessment=assessment, note=note)

    written = _written(request, assessment, form, write, done)
    return written or _render_review(request, assessment, review, request_form=form, status=400)


def _move_page(
    request: HttpRequest,
    cycle_id: int,
    iso3: str,
    action: str,
    make_form: Callable[[Any], MoveForm],
    done: str,
    shown_as: str | None = None,
) -> HttpResponse:
    """A move of the review's workflow posted from its page. Who may make it is the workflow's, checked
    before the form is read; a valid form makes the move (then redirects). A form with problems is shown
    again on the review's page as its form `shown_as`, or, without one, the problems are flashed."""
    assessment, review = review_located(request.user, cycle_id, iso3)
    REVIEW_WORKFLOW.require_allowed(request.user, review, action)
    form = make_form(request.POST)
    written = _written(
        request,
        assessment,
        form,
        lambda: services.review_move(
            actor=request.user,
            review=review,
            action=action,
            reason=form.cleaned_data.get("reason", ""),
            version=form.cleaned_data["version"],
        ),
        done,
    )
    if written is not None:
        return written
    if shown_as is None:
        return _to_review(assessment)
    return _render_review(request, assessment, review, **{shown_as: form}, status=400)


@login_required
@require_POST
def review_decide(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    action = request.POST.get("action", "")
    if action == "accept":
        done = _("The request was accepted: assign a lead reviewer, then start the review.")
    elif action == "decline":
        done = _("The request was declined; the member sees your reason.")
    else:
        assessment, _review = review_located(request.user, cycle_id, iso3)
        require(request.user, "review.decide", assessment)
        messages.error(request, _("Choose to accept or to decline the request."))
        return _to_review(assessment)

    def make_form(data: Any) -> MoveForm:
        return decision_form(data, action=action)

    return _move_page(request, cycle_id, iso3, action, make_form, done, shown_as="decision")


@login_required
@require_POST
def review_start(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    done = _("The review has started: the reviewers are at work.")
    return _move_page(request, cycle_id, iso3, "start", start_form, done)


@login_required
@require_POST
def review_withdraw(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    done = _("The request for a peer review was withdrawn.")
    return _move_page(request, cycle_id, iso3, "withdraw", withdraw_form, done, shown_as="withdraw")


@login_required
@require_POST
def review_assign(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    assessment, review = review_located(request.user, cycle_id, iso3)
    require(request.user, "review.assign", assessment)
    pool = reviewer_pool()
    assigned = {a.reviewer.get_username() for a in review.assignments.all()}
    form = AssignForm(request.POST, pool=pool, assigned=assigned, confirm="assign-warned" in request.POST)
    if form.is_valid():
        reviewer = form.chosen()
        confirmed = bool(form.cleaned_data.get("accept_warnings")) and (
            form.cleaned_data.get("warned") == reviewer.get_username()
        )
        try:
            services.review_assign(
                actor=request.user,
                review=review,
                reviewer=reviewer,
                lead=form.cleaned_data["lead"],
                accept_warnings=confirmed,
            )
        except ApplicationError as error:
            if any(p.field == "accept_warnings" for p in error.problems):
                # Show the warnings next to a box that accepts them, for this reviewer only.
                data = request.POST.copy()
                data["assign-warned"] = reviewer.get_username()
                data.pop("assign-accept_warnings", None)
                form = AssignForm(data, pool=pool, assigned=assigned, confirm=True)
                form.is_valid()
                form.add_error(None, _("Assigning this reviewer needs your confirmation: read the warnings."))
            if not form_takes_problems(form, error):
                messages.error(request, error.message)
                return _to_review(assessment)
        else:
            messages.success(
                request,
                (
                    _("%(name)s was assigned as lead reviewer.")
                    if form.cleaned_data["lead"]
                    else _("%(name)s was assigned.")
                )
                % {"name": reviewer.get_username()},
            )
            return _to_review(assessment)
    return _render_review(request, assessment, review, assign=form, status=400)


@login_required
@require_POST
def review_unassign(request: HttpRequest, cycle_id: int, iso3: str, username: str) -> HttpResponse:
    assessment, review = review_located(request.user, cycle_id, iso3)
    require(request.user, "review.assign", assessment)
    assignment = next((a for a in review.assignments.all() if a.reviewer.get_username() == username), None)
    if assignment is None:
        raise NotFound(f"{username} is not assigned to this review.")
    form = UnassignForm(request.POST, prefix=f"remove-{username}")
    written = _written(
        request,
        assessment,
        form,
        lambda: services.review_unassign(
            actor=request.user,
            review=review,
            reviewer=assignment.reviewer,
            reason=form.cleaned_data["reason"],
        ),
        _("%(name)s was taken off the review.") % {"name": username},
    )
    return written or _render_review(request, assessment, review, removal=(username, form), status=400)


# --- the reviews a visitor may see ------------------------------------------------------------------


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if "review.view" not in actions_of(user):
        raise PermissionDenied()
    status = request.GET.get("status", "").strip()
    if status not in ReviewStatus.values:
        status = ""
    rows = []
    for review in reviews_visible(user, status):
        assessment, member = review.assessment, review.assessment.member
        lead = next((a.reviewer for a in review.assignments.all() if a.lead), None)
        rows.append(
            {
                "review": review,
                "cycle": assessment.cycle,
                "member": member,
                "status_label": _status_label(review.status),
                "lead": lead,
                "url": _review_url(assessment) if can(user, "review.view", assessment) else "",
                "assessment_url": reverse(
                    "assessments:assessment_detail", args=[assessment.cycle_id, member.iso3]
                )
                if can(user, "assessment.view", assessment)
                else "",
            }
        )
    return render(
        request,
        "reviews/review_list.html",
        {
            "rows": rows,
            "mine": only_reviewer(user),
            "statuses": ReviewStatus.choices,
            "status": status,
            "may_pool": can(user, "reviewer.list"),
        },
    )


# --- the reviewer pool ------------------------------------------------------------------------------


def _accreditation_label(entry: PoolEntry) -> str:
    if entry.profile is None:
        return _("Not in the pool yet")
    return str(Accreditation(entry.profile.accreditation).label)


@login_required
def reviewer_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "reviewer.list")
    entries = [{"entry": e, "accreditation": _accreditation_label(e)} for e in reviewer_pool()]
    return render(
        request,
        "reviews/reviewer_list.html",
        {"entries": entries, "may_manage": can(request.user, "reviewer.manage")},
    )


@login_required
def reviewer_edit(request: HttpRequest, username: str) -> HttpResponse:
    require(request.user, "reviewer.list")
    entry = next((e for e in reviewer_pool() if e.user.get_username() == username), None)
    if entry is None:
        raise NotFound(f"No peer reviewer {username}.")
    may_manage = can(request.user, "reviewer.manage")
    profile = entry.profile
    form = None
    if may_manage:
        form = ReviewerForm(
            request.POST or None,
            initial={
                "accreditation": profile.accreditation if profile else Accreditation.CANDIDATE,
                "languages": ", ".join(profile.languages) if profile else "",
                "expertise": ", ".join(profile.expertise) if profile else "",
            },
        )
    if request.method == "POST":
        require(request.user, "reviewer.manage")
        assert form is not None
        if form.is_valid():
            try:
                services.reviewer_save(
                    actor=request.user,
                    user=entry.user,
                    accreditation=form.cleaned_data["accreditation"],
                    languages=form.cleaned_data["languages"],
                    expertise=form.cleaned_data["expertise"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                if not form_takes_problems(form, error):
                    form.add_error(None, error.message)
            else:
                messages.success(request, _("The reviewer %(name)s was saved.") % {"name": username})
                return redirect("reviews:reviewer_list")
    return render(
        request,
        "reviews/reviewer_edit.html",
        {"entry": entry, "accreditation": _accreditation_label(entry), "form": form},
        status=400 if form is not None and form.errors else 200,
    )
