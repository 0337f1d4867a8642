"""Submitting a self-assessment from the pages: a GET shows what submitting means and what will be
submitted (the confirmation page); the POST of its button submits, as the API and CLI do at once.
The button posts the version the page showed: if the assessment changed since, nothing is submitted
and the page shows it as it is now (409)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pmm.assessments import services
from pmm.assessments.forms import posted_version
from pmm.assessments.messages import issue_text
from pmm.assessments.views.common import Page, load_page, moved_since_read, moved_text
from pmm.assessments.views.overview import render_overview, submit_block
from pmm.authz import require
from pmm.core.errors import ApplicationError
from pmm.core.input_hygiene import refuse_bad_posted_text


def render_confirmation(request: HttpRequest, page: Page, status: int = 200) -> HttpResponse:
    """The confirmation page: the consequences, the completeness and the warnings with their explanations."""
    state = page.state
    warnings = [
        {
            "text": issue_text(issue),
            "explanation": j.text if (j := state.justifications.get(issue.key)) else "",
        }
        for issue in state.issues
        if issue.severity == "warning"
    ]
    return render(
        request,
        "assessments/submit_confirm.html",
        {
            "page": page,
            "a": page.assessment,
            "cycle": page.cycle,
            "member": page.member,
            "state": state,
            "warnings": warnings,
            "submit_block": submit_block(page),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@refuse_bad_posted_text
def assessment_submit(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = load_page(request, cycle_id, iso3)
    require(request.user, "assessment.submit", page.assessment)
    if request.method == "GET":
        return render_confirmation(request, page)
    version = posted_version(request.POST)
    if version is None:  # a confirmation page from before its button posted the version
        return _moved(request, page)
    try:
        services.assessment_submit(
            actor=request.user, assessment=page.assessment, path="form", version=version
        )
    except ApplicationError as error:
        if moved_since_read(error):
            return _moved(request, page)
        if error.code == "invalid_values":
            problems = [issue_text(i) for i in page.state.blocking]
            return render_overview(request, page, submit_problems=problems, status=422)
        messages.error(request, page.blocked or _("The self-assessment cannot be submitted now."))
    else:
        messages.success(request, _("The self-assessment was submitted to the WCO Secretariat. Thank you."))
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)


def _moved(request: HttpRequest, page: Page) -> HttpResponse:
    """The confirmation page again, showing the assessment as it is now: someone saved meanwhile."""
    messages.error(request, moved_text())
    return render_confirmation(request, page, status=409)
