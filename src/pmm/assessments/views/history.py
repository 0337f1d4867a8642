"""The history of an assessment: every change, or the changes of the values named, newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.vary import vary_on_headers

from pmm.assessments.forms import display_value
from pmm.assessments.models import AssessmentStatus, Disclosure, ValueState
from pmm.assessments.selectors import assessment_access, value_history
from pmm.assessments.views.common import is_htmx
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get, cycle_spec
from pmm.framework.spec import FrameworkSpec

FIELD_LABELS = {
    "value": gettext_lazy("value"),
    "state": gettext_lazy("state"),
    "reason": gettext_lazy("reason it is not available"),
    "comment": gettext_lazy("comment"),
    "applicable": gettext_lazy("applicable"),
    "justification": gettext_lazy("justification"),
    "disclosure": gettext_lazy("disclosure level"),
    "status": gettext_lazy("status"),
    "file": gettext_lazy("evidence file"),
}


def _change_value(spec: FrameworkSpec, subject: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if name == "value" and "@" in subject:
        element = spec.elements.get(subject.split("@")[0])
        return display_value(element, value) if element else str(value)
    if name == "state" and value in ValueState.values:
        return str(ValueState(value).label)
    if name == "disclosure" and value in Disclosure.values:
        return str(Disclosure(value).label)
    if name == "status" and value in AssessmentStatus.values:
        return str(AssessmentStatus(value).label)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "file" and isinstance(value, dict):  # an evidence file's facts: people know it by its name
        return str(value.get("name", ""))
    return str(value)


def _subject_label(spec: FrameworkSpec, subject: str, year: int) -> str:
    if "@" in subject:
        code, period = subject.split("@", 1)
        element = spec.elements.get(code)
        shown_year = year - 1 if period == "T-1" else year
        name = pick(element.name) if element else ""
        return f"{name or code} ({code}), {shown_year} ({period})"
    if subject.startswith("kpi:"):
        code = subject.removeprefix("kpi:")
        kpi = spec.kpis.get(code)
        return _("KPI %(code)s: %(name)s") % {"code": code, "name": pick(kpi.name) if kpi else ""}
    if subject.startswith("evidence:"):
        about = subject.removeprefix("evidence:")  # a value ("DECL_TOTAL@T") or a KPI ("D1.O1.K1")
        about = about if "@" in about else f"kpi:{about}"
        return _("Evidence for %(subject)s") % {"subject": _subject_label(spec, about, year)}
    if subject.startswith("issue:"):
        return _("Explanation of a warning (%(key)s)") % {"key": subject.removeprefix("issue:")}
    return _("The self-assessment")


@login_required
@vary_on_headers("HX-Request")
def history_list(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    """Every change of the assessment, or of the values named by `subject` (repeatable), newest first."""
    cycle = cycle_get(cycle_id)
    assessment = assessment_access(request.user, cycle, iso3)
    spec = cycle_spec(cycle)
    subjects = [s for s in request.GET.getlist("subject") if s]
    changes: Any = []
    if assessment.pk:
        changes = value_history(assessment, request.user)
        if subjects:
            changes = changes.filter(subject__in=subjects)
    page_obj = Paginator(changes, 50).get_page(request.GET.get("page"))
    year = cycle.reporting_year
    rows = [
        {
            "when": c.changed_at,
            "who": c.changed_by.get_username() if c.changed_by else _("system"),
            "subject": _subject_label(spec, c.subject, year),
            "field": FIELD_LABELS.get(c.field, c.field),
            "old": _change_value(spec, c.subject, c.field, c.old),
            "new": _change_value(spec, c.subject, c.field, c.new),
            "path": c.get_path_display(),
            "reason": c.reason,
        }
        for c in page_obj.object_list
    ]
    context = {
        "cycle": cycle,
        "member": assessment.member,
        "a": assessment,
        "rows": rows,
        "page_obj": page_obj,
        "subject_labels": [_subject_label(spec, s, year) for s in subjects],
        "show_subject": len(subjects) != 1,
        "overview": reverse("assessments:assessment_detail", args=[cycle.pk, assessment.member.iso3]),
        "query": urlencode([("subject", s) for s in subjects]),
    }
    template = "assessments/partials/_history.html" if is_htmx(request) else "assessments/history_list.html"
    return render(request, template, context)
