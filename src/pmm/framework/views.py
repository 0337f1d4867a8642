from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmm.authz import can, require
from pmm.core.errors import ApplicationError
from pmm.core.forms import CheckedForm
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.framework import selectors
from pmm.framework.kinds import KPI_KINDS
from pmm.framework.selectors import framework_file
from pmm.framework.services import framework_change_status, framework_load
from pmm.framework.workflow import FRAMEWORK_WORKFLOW

# A reference to working notes in a provenance's source: "(see pmm-domain.md)", "pmm-domain.md".
NOTES_REFERENCE = re.compile(r"\s*\((?:see\s+)?[\w.-]+\.md\)|^[\w.-]+\.md\b\s*")


def source_shown(source: str) -> str:
    """A provenance's source as readers see it: the citation or link of the framework file, without its
    references to the authors' working notes (Markdown files that readers of the platform cannot open:
    "Reconstruction from public sources (see pmm-domain.md)" reads "Reconstruction from public
    sources"). The stored framework and its export keep the source as written."""
    return NOTES_REFERENCE.sub("", source or "").strip()


class UploadForm(CheckedForm):
    file = forms.FileField(
        label=gettext_lazy("Framework file (YAML)"),
        help_text=gettext_lazy("The format is described in the documentation: docs/framework-format.md."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False)


def framework_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "framework.view")
    return render(
        request,
        "framework/framework_list.html",
        {"frameworks": selectors.frameworks_list(), "may_load": can(request.user, "framework.load")},
    )


def framework_detail(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "framework.view")
    framework = selectors.framework_get(code, request.GET.get("version") or None)
    dimensions = selectors.framework_tree(framework)
    kpi_count = sum(len(o.kpis.all()) for d in dimensions for o in d.outcomes.all())
    official = sum(1 for d in dimensions for o in d.outcomes.all() for k in o.kpis.all() if k.is_official)
    return render(
        request,
        "framework/framework_detail.html",
        {
            "framework": framework,
            "dimensions": dimensions,
            "kpi_count": kpi_count,
            "official_count": official,
            "outcome_count": sum(len(d.outcomes.all()) for d in dimensions),
            "status_actions": sorted(FRAMEWORK_WORKFLOW.available(request.user, framework)),
        },
    )


def kpi_detail(request: HttpRequest, code: str, kpi: str) -> HttpResponse:
    require(request.user, "framework.view")
    framework = selectors.framework_get(code, request.GET.get("version") or None)
    item = selectors.kpi_get(framework, kpi)
    kind = KPI_KINDS.get(item.kind)
    return render(
        request,
        "framework/kpi_detail.html",
        {
            "framework": framework,
            "kpi": item,
            "kind_label": kind.label if kind else item.kind,
            "source": source_shown(item.provenance.get("source", "")),
        },
    )


def element_list(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "framework.view")
    framework = selectors.framework_get(code, request.GET.get("version") or None)
    return render(
        request,
        "framework/element_list.html",
        {
            "framework": framework,
            "elements": selectors.framework_elements(framework),
            "rules": framework.consistency_rules.all(),
        },
    )


def framework_export(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "framework.export")
    framework = selectors.framework_get(code, request.GET.get("version") or None)
    return framework_file(framework)


@login_required
def framework_upload(request: HttpRequest) -> HttpResponse:
    require(request.user, "framework.load")
    form = UploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
        try:
            result = framework_load(actor=request.user, text=text, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            problems = error.problems
            form.add_error(None, error.message)
        else:
            messages.success(request, result.summary())
            return redirect("framework:framework_list")
    return render(request, "framework/framework_upload.html", {"form": form, "problems": problems})


@login_required
@require_POST
@refuse_bad_posted_text
def framework_status(request: HttpRequest, code: str) -> HttpResponse:
    require(request.user, "framework.change_status")
    framework = selectors.framework_get(code, request.POST.get("version") or None)
    try:
        framework_change_status(
            actor=request.user,
            framework=framework,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(framework)s is now %(status)s.")
            % {"framework": framework, "status": framework.get_status_display()},
        )
    return redirect(
        reverse("framework:framework_detail", args=[framework.code]) + f"?version={framework.version}"
    )
