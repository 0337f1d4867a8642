"""The overview of an assessment (its dimensions, data-quality summary and workflow buttons) and the
workflow moves made from it: start and reopen (submitting has its own confirmation page, `submission`).
The reopen form posts the version the page showed: if the assessment changed since, nothing is done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pmm.assessments import services
from pmm.assessments.forms import (
    IssueView,
    PageBuilder,
    ReopenForm,
    WorkbookForm,
    dimension_completeness,
    posted_version,
)
from pmm.assessments.messages import issue_text
from pmm.assessments.models import AssessmentStatus
from pmm.assessments.peer_reviews import assessment_review
from pmm.assessments.views.common import Page, load_page, may_start, moved_since_read, moved_text, page_urls
from pmm.assessments.views.error_summary import error_summary
from pmm.authz import require
from pmm.core.errors import ApplicationError
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.cycles.selectors import closed_reason


def _issue_views(page: Page, builder: PageBuilder) -> list[dict[str, Any]]:
    urls = page_urls(page)
    found = []
    for issue in page.state.issues:
        anchor = builder.anchor(issue)
        home = page.index.homes.get(anchor or "", ("",))[0]
        link = f"{urls['dimensions'][home]}#row-{anchor}" if home in urls["dimensions"] else ""
        justification = page.state.justifications.get(issue.key)
        found.append(
            {
                "issue": IssueView(
                    issue.key,
                    issue.severity,
                    issue.kind,
                    issue_text(issue),
                    issue.element,
                    justification.text if justification else "",
                ),
                "link": link,
                "element": anchor,
            }
        )
    return found


def submit_block(page: Page) -> str:
    """Why the self-assessment cannot be submitted now ("" when it can)."""
    a, state = page.assessment, page.state
    if a.status == AssessmentStatus.NOT_STARTED:
        return _("The self-assessment has not started yet.")
    if a.status == AssessmentStatus.SUBMITTED:
        return _("The self-assessment has been submitted.")
    if page.blocked:
        return page.blocked
    if state.blocking:
        return ngettext(
            "%(n)d problem must be solved first: see the data-quality summary of the assessment.",
            "%(n)d problems must be solved first: see the data-quality summary of the assessment.",
            len(state.blocking),
        ) % {"n": len(state.blocking)}
    return ""


def render_overview(
    request: HttpRequest,
    page: Page,
    *,
    reopen_form: ReopenForm | None = None,
    submit_problems: list[str] | None = None,
    workbook_form: Any = None,
    workbook_problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    state = page.state
    builder = PageBuilder(state, page.index)
    issues = _issue_views(page, builder)
    errors = [i for i in issues if i["issue"].severity == "error" and i["issue"].kind != "missing"]
    missing = [i for i in issues if i["issue"].kind == "missing"]
    warnings = [i for i in issues if i["issue"].severity == "warning"]
    unexplained = [i for i in warnings if not i["issue"].justification]
    urls = page_urls(page)
    dimensions = [
        {
            "code": code,
            "name": dimension.name,
            "url": urls["dimensions"][code],
            "completeness": dimension_completeness(state, code),
            "outcomes": [
                {
                    "code": o,
                    "name": state.spec.outcomes[o].name,
                    "completeness": state.per_outcome.get(o),
                }
                for o in dimension.outcomes
            ],
        }
        for code, dimension in state.spec.dimensions.items()
    ]
    a = page.assessment
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "page": page,
            "a": a,
            "cycle": page.cycle,
            "member": page.member,
            "state": state,
            "status_label": AssessmentStatus(a.status).label,
            "extended": page.deadline != page.cycle.closes_on,
            "dimensions": dimensions,
            "errors": errors,
            "missing": missing,
            "warnings": warnings,
            "unexplained": unexplained,
            "unexplained_jumps": [i for i in unexplained if i["issue"].kind == "jump"],
            "error_count": len(errors) + len(missing),
            "submit_block": submit_block(page),
            "submit_problems": submit_problems or [],
            "may_start": may_start(page),
            "reopen_form": reopen_form or ReopenForm(),
            "workbook_form": workbook_form or WorkbookForm(),
            "workbook_problems": workbook_problems or [],
            "error_summary": error_summary(workbook_form, workbook_problems or []),
            "urls": urls,
            "peer_review": assessment_review(request.user, a),
        },
        status=status,
    )


def _to_overview(page: Page) -> HttpResponse:
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)


@login_required
def assessment_detail(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    return render_overview(request, load_page(request, cycle_id, iso3))


@login_required
@require_POST
def assessment_start(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = load_page(request, cycle_id, iso3)
    require(request.user, "assessment.edit", page.assessment)
    try:
        services.assessment_start(actor=request.user, assessment=page.assessment, path="form")
    except ApplicationError:
        messages.error(
            request,
            closed_reason(page.cycle, page.member.pk, page.deadline)
            or _("The self-assessment could not start."),
        )
    else:
        messages.success(
            request,
            _(
                "The self-assessment has started. Values of %(year)s reported in earlier cycles were "
                "carried forward."
            )
            % {"year": page.cycle.previous_year},
        )
    return _to_overview(page)


@login_required
@require_POST
@refuse_bad_posted_text
def assessment_reopen(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = load_page(request, cycle_id, iso3)
    require(request.user, "assessment.reopen", page.assessment)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render_overview(request, page, reopen_form=form, status=400)
    version = posted_version(request.POST)
    if version is None:  # a page from before the form posted the version
        return _moved(request, page, form)
    try:
        services.assessment_reopen(
            actor=request.user,
            assessment=page.assessment,
            reason=form.cleaned_data["reason"],
            path="form",
            version=version,
        )
    except ApplicationError as error:
        if moved_since_read(error):
            return _moved(request, page, form)
        messages.error(request, _("Only a submitted self-assessment can be reopened."))
    else:
        messages.success(request, _("The self-assessment was reopened; the member can change it again."))
    return _to_overview(page)


def _moved(request: HttpRequest, page: Page, form: ReopenForm) -> HttpResponse:
    """The overview again, as the assessment is now, with the reason kept: someone saved meanwhile."""
    messages.error(request, moved_text())
    return render_overview(request, page, reopen_form=form, status=409)
