"""Pages of KPI results for signed-in users: a cycle's results (published or current), the cycle's
publications (and publishing, for the Secretariat), and a member's live preview of its own KPIs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.assessments.selectors import assessment_access
from pmm.authz import can, require
from pmm.core.errors import ApplicationError
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.core.paging import list_page
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get, cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.framework.names import element_text
from pmm.framework.spec import FrameworkSpec
from pmm.members.selectors import member_choices
from pmm.results.changelog import change_logs_for
from pmm.results.exports import download_url
from pmm.results.formatting import figure_of, group_rows, units_of
from pmm.results.group_stats import cycle_aggregates
from pmm.results.peer_reviews import signed_off_certificate
from pmm.results.selectors import (
    CURRENT,
    ResultFilters,
    cycle_results,
    live_results,
    may_read_current,
    publications_of,
)
from pmm.results.services import publication_create


def _kpi_rows(cycle: Cycle, spec: FrameworkSpec, rows: list[Any]) -> list[dict[str, Any]]:
    """Rows ready to show: the KPI, and the value with its unit or the status in words."""
    units = units_of(cycle.framework.document)
    return [{"row": row, "kpi": spec.kpis[row.kpi], "figure": figure_of(row, spec, units)} for row in rows]


def _filter_choices(cycle: Cycle, spec: FrameworkSpec) -> dict[str, Any]:
    return {
        "dimensions": list(spec.dimensions.values()),
        "outcomes": list(spec.outcomes.values()),
        "kpis": sorted(spec.kpis.values(), key=lambda k: k.position),
    }


@login_required
def results_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "cycle.view")
    spec = cycle_spec(cycle)
    publication = request.GET.get("publication") or None
    filters = ResultFilters.from_query(request.GET)
    may_current = may_read_current(request.user)
    if publication == CURRENT and not may_current:
        publication = None
    problem = ""
    try:
        results = cycle_results(request.user, cycle, publication, filters)
    except ApplicationError as error:
        problem = error.message
        results = cycle_results(request.user, cycle, None, ResultFilters())
    aggregates = []
    reviewed_only = request.GET.get("reviewed_only") == "1"
    if filters.kpi and results.publication is not None and not problem:
        found = cycle_aggregates(
            request.user, cycle, results.publication, kpi=filters.kpi, reviewed_only=reviewed_only
        )
        aggregates = group_rows(found, spec, units_of(cycle.framework.document))
    listing = list_page(results.rows, request.GET)
    return render(
        request,
        "results/results.html",
        {
            "cycle": cycle,
            "results": results,
            "listing": listing,
            "rows": _kpi_rows(cycle, spec, listing.items),
            "member_choices": member_choices(),
            "publications": list(publications_of(cycle)),
            "may_current": may_current,
            "filters": filters,
            "chosen_publication": publication or "",
            "problem": problem,
            "csv_url": download_url(cycle.pk, "csv", filters, request.GET.get("publication")),
            "xlsx_url": download_url(cycle.pk, "xlsx", filters, request.GET.get("publication")),
            "may_publish": can(request.user, "result.publish"),
            "aggregates": aggregates,
            "reviewed_only": reviewed_only,
            "peer_review": signed_off_certificate(
                request.user, cycle, results.member.iso3 if results.member is not None else ""
            ),
            "min_members": settings.PMM_AGGREGATE_MIN_MEMBERS,
            **_filter_choices(cycle, spec),
        },
        status=400 if problem else 200,
    )


@login_required
def publications_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "cycle.view")
    publications = list(publications_of(cycle))
    logs = change_logs_for(audience_of(request.user), publications)
    return render(
        request,
        "results/publications.html",
        {
            "cycle": cycle,
            "publications": [(p, logs[p.pk]) for p in publications],
            "may_publish": can(request.user, "result.publish"),
        },
    )


@login_required
@require_POST
@refuse_bad_posted_text
def publish(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "result.publish")
    try:
        publication = publication_create(actor=request.user, cycle=cycle, note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Publication %(number)s of %(cycle)s is out: %(count)s members.")
            % {"number": publication.number, "cycle": cycle, "count": publication.member_count},
        )
    return redirect("results:publications", cycle_id=cycle.pk)


@login_required
def preview_page(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    assessment = assessment_access(request.user, cycle, iso3)
    spec = cycle_spec(cycle)
    results = live_results(assessment)
    outcomes = []
    for dimension in spec.dimensions.values():
        for code in dimension.outcomes:
            outcome = spec.outcomes[code]
            rows = _kpi_rows(cycle, spec, [r for r in results if spec.kpis[r.kpi].outcome == code])
            for item in rows:  # the inputs still needed, by their labels ("ELEMENT@T" slots)
                item["missing"] = [element_text(spec, *slot.split("@", 1)) for slot in item["row"].missing]
            outcomes.append({"dimension": dimension, "outcome": outcome, "rows": rows})
    computed = sum(1 for r in results if r.status == "computed")
    return render(
        request,
        "results/preview.html",
        {"cycle": cycle, "assessment": assessment, "outcomes": outcomes, "computed": computed,
         "total": len(results)},
    )  # fmt: skip
