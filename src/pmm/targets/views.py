"""The targets page of a member: its KPI targets with the progress toward each, a form to set one (the
NCP) and a button to remove each. Read by whoever holds `target.view` for the member; others get 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmm.authz import can, require
from pmm.core.errors import ApplicationError, NotFound
from pmm.core.forms import form_takes_problems
from pmm.core.input_hygiene import refuse_bad_posted_text
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec, cycles_list
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member
from pmm.results.formatting import component_label, number_text, units_of, value_text
from pmm.targets.forms import CycleForm, TargetForm, kpi_choice
from pmm.targets.progress import ACHIEVED, NO_DATA, OFF_TRACK, ON_TRACK, Point
from pmm.targets.selectors import (
    STATUS_LABELS,
    TargetProgress,
    status_label,
    target_get,
    target_progress,
    targets_cycle,
    targets_member,
)
from pmm.targets.services import target_remove, target_set

# The project's badge colours: green for achieved and on track, red for off track, grey for no data.
STATUS_CLASSES = {
    ACHIEVED: "status-submitted",
    ON_TRACK: "badge-official",
    OFF_TRACK: "status-late",
    NO_DATA: "badge-neutral",
}


def _cycle_of(request: HttpRequest) -> Cycle:
    raw = (request.GET.get("cycle") or request.POST.get("cycle") or "").strip()
    if raw and not raw.isdigit():
        raise NotFound("No such cycle.")
    return targets_cycle(int(raw) if raw else None)


def _page_url(member: Member, cycle: Cycle) -> str:
    return reverse("targets:member_targets", args=[member.iso3]) + "?" + urlencode({"cycle": cycle.pk})


def _text(value: float, row: TargetProgress, spec: FrameworkSpec, units: dict[str, Any]) -> str:
    return value_text(value, row.kpi, spec, units) if row.kpi is not None else number_text(value)


def _point_text(point: Point | None, row: TargetProgress, spec: FrameworkSpec, units: dict[str, Any]) -> str:
    if point is None:
        return ""
    return _("%(value)s in %(year)s") % {"value": _text(point[1], row, spec, units), "year": point[0]}


def _explanation(row: TargetProgress, spec: FrameworkSpec, units: dict[str, Any]) -> str:
    """The status in a sentence, for the reader of the table."""
    p, latest = row.progress, row.latest
    if p.status == NO_DATA:
        return _("There is no value of this KPI yet to compare with the target.")
    if p.status == ACHIEVED:
        return _("The latest value meets the target.")
    if p.expected is None or latest is None:
        return ""
    expected = _text(p.expected, row, spec, units)
    if p.status == ON_TRACK:
        return _("At least where a steady path from the baseline would be by %(year)s (%(expected)s).") % {
            "year": latest[0],
            "expected": expected,
        }
    return _("Behind a steady path from the baseline, which would be at %(expected)s by %(year)s.") % {
        "year": latest[0],
        "expected": expected,
    }


def _rows(
    rows: list[TargetProgress], spec: FrameworkSpec, cycle: Cycle, member: Member
) -> list[dict[str, Any]]:
    units = units_of(cycle.framework.document)
    shown = []
    for row in rows:
        t = row.target
        several = row.kpi is not None and len(row.kpi.formulas) > 1
        shown.append(
            {
                "row": row,
                "target": t,
                "kpi_name": pick(row.kpi.name) if row.kpi is not None else "",
                "component": component_label(t.component) if several else "",
                "value": _text(t.value, row, spec, units),
                "baseline": _point_text(row.baseline, row, spec, units),
                "latest": _point_text(row.latest, row, spec, units),
                "status": row.progress.status,
                "status_label": status_label(row.progress.status),
                "status_class": STATUS_CLASSES.get(row.progress.status, "badge-neutral"),
                "explanation": _explanation(row, spec, units),
                "change_url": _page_url(member, cycle)
                + "&"
                + urlencode({"kpi": kpi_choice(t.kpi, t.component), "year": t.year})
                + "#set-target",
            }
        )
    return shown


def _render(
    request: HttpRequest, member: Member, cycle: Cycle, form: TargetForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    spec = cycle_spec(cycle)
    rows = target_progress(user, member, cycle)
    may_manage = can(user, "target.manage", member)
    if may_manage and form is None:
        form = TargetForm(spec=spec, initial=_initial(request, rows, cycle))
    cycles = list(cycles_list())
    return render(
        request,
        "targets/member_targets.html",
        {
            "member": member,
            "cycle": cycle,
            "rows": _rows(rows, spec, cycle, member),
            "any_component": any(r.kpi is not None and len(r.kpi.formulas) > 1 for r in rows),
            "may_manage": may_manage,
            "form": form if may_manage else None,
            "cycle_form": CycleForm(initial={"cycle": cycle.pk}, cycles=cycles) if len(cycles) > 1 else None,
            "first_year": cycle.reporting_year + 1,
            "statuses": [
                (STATUS_LABELS[s], STATUS_CLASSES[s]) for s in (ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA)
            ],
        },
        status=status,
    )


def _input_number(value: float) -> str:
    """A number as the reader types it: no trailing zeros, the language's decimal separator."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _initial(request: HttpRequest, rows: list[TargetProgress], cycle: Cycle) -> dict[str, Any]:
    """The form filled in with the target to change (?kpi=...&year=...), else the first coming year."""
    chosen, year = request.GET.get("kpi", ""), request.GET.get("year", "")
    for row in rows:
        t = row.target
        if kpi_choice(t.kpi, t.component) == chosen and str(t.year) == year:
            return {"kpi": chosen, "year": t.year, "value": _input_number(t.value), "note": t.note}
    return {"year": cycle.reporting_year + 1}


def _fits_form(form: TargetForm, error: ApplicationError) -> bool:
    return form_takes_problems(form, error, shown_at={"component": "kpi"})  # chosen with the KPI on the page


@login_required
def member_targets(request: HttpRequest, iso3: str) -> HttpResponse:
    member = targets_member(request.user, iso3)
    cycle = _cycle_of(request)
    if request.method != "POST":
        return _render(request, member, cycle)
    require(request.user, "target.manage", member)
    form = TargetForm(request.POST, spec=cycle_spec(cycle))
    if form.is_valid():
        kpi, component = form.kpi_and_component()
        try:
            target = target_set(
                actor=request.user,
                member=member,
                cycle=cycle,
                kpi=kpi,
                component=component,
                year=form.cleaned_data["year"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            if not _fits_form(form, error):
                messages.error(request, error.message)
                return redirect(_page_url(member, cycle))
        else:
            messages.success(
                request,
                _("The target for %(kpi)s in %(year)s was saved.") % {"kpi": kpi, "year": target.year},
            )
            return redirect(_page_url(member, cycle))
    return _render(request, member, cycle, form=form, status=400)


@login_required
@require_POST
@refuse_bad_posted_text
def target_remove_view(request: HttpRequest, iso3: str) -> HttpResponse:
    member = targets_member(request.user, iso3)
    require(request.user, "target.manage", member)
    cycle = _cycle_of(request)
    year = request.POST.get("year", "").strip()
    if not year.isdigit():
        raise NotFound("No such target.")
    kpi, component = request.POST.get("kpi", "").strip(), request.POST.get("component", "value").strip()
    target = target_get(request.user, member, cycle.framework.code, kpi, component or "value", int(year))
    target_remove(actor=request.user, target=target)
    messages.success(
        request, _("The target for %(kpi)s in %(year)s was removed.") % {"kpi": kpi, "year": target.year}
    )
    return redirect(_page_url(member, cycle))
