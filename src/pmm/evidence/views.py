"""Evidence pages: the list of an assessment's files with an upload form, download and removal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access
from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.core.forms import CheckedForm, form_add_problems
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get, cycle_spec
from pmm.evidence.download import evidence_response
from pmm.evidence.filetypes import ALLOWED_EXTENSIONS
from pmm.evidence.selectors import evidence_editable, evidence_get, evidence_list
from pmm.evidence.services import Target, evidence_remove, evidence_upload


class UploadForm(CheckedForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, PNG, JPEG, XLSX, DOCX, CSV or TXT; at most %(size)s MB."),
    )
    kpi = forms.ChoiceField(label=gettext_lazy("KPI the file supports"), required=False)
    element = forms.CharField(required=False, widget=forms.HiddenInput)
    period = forms.CharField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, kpi_choices: list[tuple[str, str]], max_mb: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kpi_field = self.fields["kpi"]
        assert isinstance(kpi_field, forms.ChoiceField)
        kpi_field.choices = [("", _("— choose a KPI —")), *kpi_choices]
        self.fields["file"].help_text = self.fields["file"].help_text % {"size": f"{max_mb:g}"}
        self.fields["file"].widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)


def _page_url(assessment: Assessment) -> str:
    return reverse(
        "evidence:evidence_list", kwargs={"cycle": assessment.cycle_id, "iso3": assessment.member.iso3}
    )


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def evidence_list_view(request: HttpRequest, cycle: int, iso3: str) -> HttpResponse:
    assessment = assessment_access(request.user, cycle_get(cycle), iso3)
    spec = cycle_spec(assessment.cycle)
    kpi_choices = [(code, f"{code} · {pick(k.name)}") for code, k in spec.kpis.items()]
    max_mb = settings.PMM_EVIDENCE_MAX_BYTES / (1024 * 1024)
    may_edit, why_not = evidence_editable(request.user, assessment)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        kpi_choices=kpi_choices,
        max_mb=max_mb,
        initial={"kpi": request.GET.get("kpi", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evidence = evidence_upload(
                actor=request.user,
                assessment=assessment,
                target=Target(kpi=data["kpi"], element=data["element"], period=data["period"]),
                uploaded_file=data["file"],
                description=data["description"],
                path="form",
            )
        except PermissionDenied:
            raise
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is attached to %(subject)s.")
                % {"name": evidence.original_name, "subject": evidence.subject},
            )
            return redirect(_next_or(request, _page_url(assessment)))
    files = list(evidence_list(request.user, assessment))
    return render(
        request,
        "evidence/evidence_list.html",
        {
            "assessment": assessment,
            "files": files,
            "form": form,
            "may_edit": may_edit,
            "why_not": why_not,
            "kpi_names": {code: pick(k.name) for code, k in spec.kpis.items()},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def evidence_download(request: HttpRequest, cycle: int, iso3: str, evidence_id: int) -> FileResponse:
    return evidence_response(evidence_get(request.user, cycle_get(cycle), iso3, evidence_id))


@login_required
@require_POST
@refuse_bad_posted_text
def evidence_remove_view(request: HttpRequest, cycle: int, iso3: str, evidence_id: int) -> HttpResponse:
    evidence = evidence_get(request.user, cycle_get(cycle), iso3, evidence_id)
    page = _page_url(evidence.assessment)
    try:
        evidence_remove(
            actor=request.user, evidence=evidence, reason=request.POST.get("reason", ""), path="form"
        )
    except PermissionDenied:
        raise
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": evidence.original_name})
    return redirect(_next_or(request, page))
