"""The workbook from the assessment page: download it with the current values, upload it back."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.http import require_POST

from pmm.assessments.forms import WorkbookForm
from pmm.assessments.views.common import load_page
from pmm.assessments.views.overview import render_overview
from pmm.assessments.workbook import workbook_file, workbook_import
from pmm.authz import require
from pmm.core.errors import ApplicationError


@login_required
def workbook_download(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = load_page(request, cycle_id, iso3)
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return workbook_file(page.assessment, language, request.user)


@login_required
@require_POST
def workbook_upload(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    page = load_page(request, cycle_id, iso3)
    require(request.user, "assessment.edit", page.assessment)
    form = WorkbookForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_overview(request, page, workbook_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        report = workbook_import(
            actor=request.user,
            assessment=page.assessment,
            data=upload.read(settings.PMM_WORKBOOK_MAX_BYTES + 1),
            filename=upload.name,
        )
    except ApplicationError as error:
        return render_overview(
            request,
            load_page(request, cycle_id, iso3),
            workbook_form=form,
            workbook_problems=[str(p) for p in error.problems] or [error.message],
            status=409 if error.code == "conflict" else 422,
        )
    messages.success(request, report.summary())
    return redirect("assessments:assessment_detail", cycle_id=page.cycle.pk, iso3=page.member.iso3)
