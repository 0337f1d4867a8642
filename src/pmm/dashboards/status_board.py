"""The Secretariat's status board of a cycle: every member's progress, with the participation counts
(`pmm.results.participation`), filters by region, status and member, and its CSV download."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from pmm.assessments.models import AssessmentStatus
from pmm.assessments.selectors import BoardRow, status_board
from pmm.authz import require
from pmm.core.spreadsheet import safe_csv_field
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get
from pmm.members.models import Group, GroupKind, Member
from pmm.members.selectors import member_choices, member_find, unknown_member
from pmm.results.participation import members_counts


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
        "rows": [_row(cycle, r, region_names.get(regions_of.get(r.member.pk, 0), "")) for r in rows],
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


def _row(cycle: Cycle, r: BoardRow, region: str) -> dict[str, Any]:
    """One member's row with its link and dates already written out: the page renders 187 of them, and
    formatting here costs a fraction of the template tags doing it row by row."""
    activity = localtime(r.last_activity) if r.last_activity else None
    return {
        "row": r,
        "region": region,
        "status_label": AssessmentStatus(r.status).label,
        "extended": r.deadline != cycle.closes_on,
        "url": reverse("assessments:assessment_detail", args=[cycle.pk, r.member.iso3]),
        "activity_iso": activity.isoformat() if activity else "",
        "activity_text": date_format(activity, "DATE_FORMAT") if activity else "",
        "deadline_iso": r.deadline.isoformat(),
        "deadline_text": date_format(r.deadline, "DATE_FORMAT"),
    }


@login_required
def status_board_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require(request.user, "cycle.status_board")
    cycle = cycle_get(cycle_id)
    board = _board(request, cycle)
    return render(
        request,
        "dashboards/status_board.html",
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
def status_board_csv(request: HttpRequest, cycle_id: int) -> HttpResponse:
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
