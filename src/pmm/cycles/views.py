"""Pages of assessment cycles: the list (and opening a cycle), a cycle with its status actions and
deadline extensions, and the Secretariat's status board with its CSV download."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmm.assessments.models import AssessmentStatus
from pmm.assessments.selectors import BoardRow, status_board
from pmm.authz import acting_for, can, require
from pmm.core.errors import ApplicationError
from pmm.core.forms import form_add_problems
from pmm.core.spreadsheet import safe_csv_field
from pmm.core.translated import pick
from pmm.cycles.forms import CycleForm, ExtensionForm, StatusForm
from pmm.cycles.models import Cycle, DeadlineExtension
from pmm.cycles.selectors import cycle_get, cycles_list
from pmm.cycles.services import CYCLE_TRANSITIONS, cycle_change_status, cycle_create, extension_grant
from pmm.members.models import Group, GroupKind, Member
from pmm.members.selectors import member_choices, member_find, member_get, unknown_member
from pmm.results.participation import members_counts

ACTION_LABELS = {
    "open": gettext_lazy("Open the cycle"),
    "close": gettext_lazy("Close the cycle"),
    "archive": gettext_lazy("Archive the cycle"),
}


def _my_member_ids(user: Any) -> list[int]:
    return acting_for(user)


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "cycle.view")
    may_manage = can(request.user, "cycle.manage")
    form = CycleForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        require(request.user, "cycle.manage")
        assert form is not None
        if form.is_valid():
            code, version = form.framework_code_version()
            try:
                cycle = cycle_create(
                    actor=request.user,
                    framework_code=code,
                    framework_version=version,
                    reporting_year=form.cleaned_data["reporting_year"],
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                )
            except ApplicationError as error:
                form_add_problems(form, error)
            else:
                messages.success(request, _("%(cycle)s was created.") % {"cycle": cycle})
                return redirect("cycles:cycle_detail", cycle_id=cycle.pk)
    members = list(Member.objects.filter(pk__in=_my_member_ids(request.user)))
    return render(
        request,
        "cycles/cycle_list.html",
        {
            "cycles": list(cycles_list()),
            "form": form,
            "may_board": can(request.user, "cycle.status_board"),
            "my_members": sorted(members, key=lambda m: m.display_name),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _render_detail(
    request: HttpRequest,
    cycle: Cycle,
    *,
    status_form: StatusForm | None = None,
    extension_form: ExtensionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = can(request.user, "cycle.manage")
    members = list(Member.objects.filter(pk__in=_my_member_ids(request.user)))
    actions = sorted(a for (s, a) in CYCLE_TRANSITIONS if s == cycle.status) if may_manage else []
    extensions = (
        sorted(
            DeadlineExtension.objects.filter(cycle=cycle).select_related("member", "granted_by"),
            key=lambda e: e.member.display_name,
        )
        if can(request.user, "cycle.status_board")
        else []
    )
    return render(
        request,
        "cycles/cycle_detail.html",
        {
            "cycle": cycle,
            "actions": [
                (a, _("Reopen the cycle") if a == "open" and cycle.status == "closed" else ACTION_LABELS[a])
                for a in actions
            ],
            "status_form": status_form or StatusForm(prefix="status"),
            "extension_form": extension_form or ExtensionForm(prefix="extension", closes_on=cycle.closes_on),
            "may_manage": may_manage,
            "may_board": can(request.user, "cycle.status_board"),
            "extensions": extensions,
            "my_members": sorted(members, key=lambda m: m.display_name),
        },
        status=status,
    )


@login_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.view")
    return _render_detail(request, cycle_get(cycle_id))


@login_required
@require_POST
def cycle_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.manage")
    cycle = cycle_get(cycle_id)
    form = StatusForm(request.POST, prefix="status")
    action = request.POST.get("action", "")
    if not form.is_valid():
        return _render_detail(request, cycle, status_form=form, status=400)
    try:
        cycle_change_status(
            actor=request.user, cycle=cycle, action=action, reason=form.cleaned_data["reason"]
        )
    except ApplicationError:
        messages.error(
            request,
            _("A cycle that is %(status)s cannot do this.") % {"status": cycle.get_status_display().lower()},
        )
    else:
        messages.success(
            request, _("The cycle is now %(status)s.") % {"status": cycle.get_status_display().lower()}
        )
    return redirect("cycles:cycle_detail", cycle_id=cycle.pk)


@login_required
@require_POST
def extension_grant_view(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.manage")
    cycle = cycle_get(cycle_id)
    form = ExtensionForm(request.POST, prefix="extension", closes_on=cycle.closes_on)
    if form.is_valid():
        member = member_get(form.cleaned_data["member"])
        try:
            extension_grant(
                actor=request.user,
                cycle=cycle,
                member=member,
                extended_to=form.cleaned_data["extended_to"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form_add_problems(form, error)
        else:
            messages.success(
                request,
                _("%(member)s may now change its data until %(date)s.")
                % {"member": member.display_name, "date": date_format(form.cleaned_data["extended_to"])},
            )
            return redirect("cycles:cycle_detail", cycle_id=cycle.pk)
    return _render_detail(request, cycle, extension_form=form, status=400)


# --- status board --------------------------------------------------------------------------------


def _board(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    """The board's rows after the region, group and status filters, with each member's region."""
    region = request.GET.get("region", "").strip()
    group = request.GET.get("group", "").strip()
    status = request.GET.get("status", "").strip()
    typed_member = request.GET.get("member", "").strip()
    member = member_find(typed_member) if typed_member else None
    rows: list[BoardRow] = status_board(request.user, cycle, group=region)
    if member is not None:
        rows = [r for r in rows if r.member.pk == member.pk]
    if group:
        in_group = set(
            Member.groups.through.objects.filter(group__code=group).values_list("member_id", flat=True)
        )
        rows = [r for r in rows if r.member.pk in in_group]
    statuses_of = {r.member.pk: r.status for r in rows}  # before the status filter: the participation
    if status:
        rows = [r for r in rows if r.status == status]
    groups = list(Group.objects.order_by("kind", "sort_order", "code"))
    region_names = {g.pk: pick(g.name) for g in groups if g.kind == GroupKind.WCO_REGION}
    regions_of = dict(
        Member.groups.through.objects.filter(group_id__in=region_names).values_list("member_id", "group_id")
    )
    return {
        "rows": [
            {
                "row": r,
                "region": region_names.get(regions_of.get(r.member.pk, 0), ""),
                "status_label": AssessmentStatus(r.status).label,
                "extended": r.deadline != cycle.closes_on,
            }
            for r in rows
        ],
        "filters": {"region": region, "group": group, "status": status, "member": typed_member},
        "unknown_member": typed_member if typed_member and member is None else "",
        "statuses_of": statuses_of,
        "regions": [g for g in groups if g.kind == GroupKind.WCO_REGION],
        "group_sections": [
            (GroupKind(kind).label, [g for g in groups if g.kind == kind])
            for kind in GroupKind
            if kind != GroupKind.WCO_REGION and any(g.kind == kind for g in groups)
        ],
        "statuses": AssessmentStatus.choices,
        "query": request.GET.urlencode(),
    }


@login_required
def cycle_board(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.status_board")
    cycle = cycle_get(cycle_id)
    board = _board(request, cycle)
    return render(
        request,
        "cycles/cycle_board.html",
        {
            "cycle": cycle,
            **board,
            "counts": members_counts(cycle, board["statuses_of"]),
            "filtered": any(board["filters"].values()),
            "sections": _board_sections(board["rows"], board["regions"]),
            # A region's rows start folded on the whole board; shown at once once a filter narrows it.
            "open_sections": any(board["filters"].values()) or len(board["rows"]) <= OPEN_BOARD_ROWS,
            "member_choices": member_choices(),
            "problem": _unknown_member_text(board["unknown_member"]),
        },
        status=400 if board["unknown_member"] else 200,
    )


OPEN_BOARD_ROWS = 30  # a board this short shows every region's rows unfolded


def _unknown_member_text(typed: str) -> str:
    return unknown_member(typed).message if typed else ""


def _board_sections(items: list[dict[str, Any]], regions: list[Group]) -> list[dict[str, Any]]:
    """The board's rows by WCO region (in the regions' order, members without one last), each with
    its number of members per status: the page shows a region's counts before its rows."""
    names = [pick(g.name) for g in regions]
    sections = []
    for name in [*names, ""]:
        rows = [item for item in items if item["region"] == name]
        if not rows:
            continue
        counts = {value: 0 for value, _label in AssessmentStatus.choices}
        for item in rows:
            counts[item["row"].status] += 1
        sections.append(
            {
                "name": name or _("No WCO region"),
                "rows": rows,
                "counts": [(label, n) for value, label in AssessmentStatus.choices if (n := counts[value])],
            }
        )
    return sections


@login_required
def cycle_board_csv(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.status_board")
    cycle = cycle_get(cycle_id)
    board = _board(request, cycle)
    if board["unknown_member"]:
        problem = _unknown_member_text(board["unknown_member"])
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pmm-cycle-{cycle.pk}-status.csv"'
    response.write("\ufeff")  # lets spreadsheet programs read accented names correctly
    writer = csv.writer(response)
    writer.writerow(
        safe_csv_field(header)
        for header in (
            _("ISO code"),
            _("Member"),
            _("WCO region"),
            _("Status"),
            _("Complete (%)"),
            _("Errors and missing values"),
            _("Unexplained warnings"),
            _("Last activity"),
            _("Deadline"),
            _("Submitted on"),
        )
    )
    for item in board["rows"]:
        r: BoardRow = item["row"]
        writer.writerow(
            [
                safe_csv_field(v)
                for v in (
                    r.member.iso3,
                    r.member.display_name,
                    item["region"],
                    item["status_label"],
                    r.completeness,
                    r.errors,
                    r.unexplained_warnings,
                    r.last_activity.isoformat(timespec="minutes") if r.last_activity else "",
                    r.deadline.isoformat(),
                    r.submitted_at.isoformat(timespec="minutes") if r.submitted_at else "",
                )
            ]
        )
    return response
