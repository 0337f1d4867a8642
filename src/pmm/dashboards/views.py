"""The member's dashboard page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pmm.authz import acting_for, actions_of, can
from pmm.charts import Chart, chart_download, specs
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get
from pmm.dashboards.positions import BOTTOM, MIDDLE, NONE, TOP
from pmm.dashboards.selectors import Dashboard, KpiLine, member_dashboard, peer_codes, peer_presets
from pmm.members.models import GroupKind, Member
from pmm.members.phrases import of_member
from pmm.members.selectors import member_get
from pmm.results.answers import answers_kpi, answers_text, share_rows
from pmm.results.formatting import unit_text, value_text
from pmm.targets.selectors import target_progress
from pmm.targets.views import STATUS_CLASSES, status_label

# The peer groups shown as columns of the KPI tables (one group of each kind: the member's first).
COLUMN_KINDS = ("global", GroupKind.WCO_REGION, GroupKind.INCOME_GROUP)


def _peers_asked(request: HttpRequest, presets: list[tuple[str, str, list[str]]]) -> tuple[str, list[str]]:
    preset = request.GET.get("preset", "")
    for key, _label, codes in presets:
        if key == preset:
            return preset, codes
    return "", peer_codes(request.GET.get("peers", ""))


def _cell(board: Dashboard, line: KpiLine, point: Any) -> dict[str, Any] | None:
    if point is None:
        return None
    s = point.stats
    answers = answers_text(s, line.kpi, board.spec, board.units)  # yes/no and ordinal KPIs
    if answers:
        return {"answers": answers, "count": s.count, "position": point.position}

    def number(value: float) -> str:
        return value_text(value, line.kpi, board.spec, board.units)

    return {
        "median": number(s.median),
        "q1": number(s.q1),
        "q3": number(s.q3),
        "count": s.count,
        "position": point.position,
    }


def _rows(board: Dashboard) -> list[tuple[str, Any, list[dict[str, Any]]]]:
    """Per dimension (code, its spec, its KPI lines): the cells of the KPI tables, values as text."""
    by_dimension: dict[str, list[dict[str, Any]]] = {code: [] for code in board.spec.dimensions}
    for line in board.lines:
        by_kind: dict[str, Any] = {}
        for g in line.groups:
            by_kind.setdefault(g.kind, g)
        by_dimension.setdefault(line.kpi.dimension, []).append(
            {
                "line": line,
                "columns": [_cell(board, line, by_kind.get(kind)) for kind in COLUMN_KINDS],
                "chosen": _cell(board, line, line.chosen),
                "trend": [
                    (p.year, value_text(p.value, line.kpi, board.spec, board.units)) for p in line.trend
                ],
            }
        )
    return [(code, dimension, by_dimension[code]) for code, dimension in board.spec.dimensions.items()]


def _target_rows(board: Dashboard, targets: list[Any]) -> list[dict[str, Any]]:
    """The member's targets with their progress, values as the reader expects them."""
    rows = []
    for row in targets:
        if row.kpi is None:
            continue

        def text(point: Any, kpi: Any = row.kpi) -> str:
            return "" if point is None else value_text(point[1], kpi, board.spec, board.units)

        rows.append(
            {
                "row": row,
                "target": value_text(row.target.value, row.kpi, board.spec, board.units),
                "baseline": text(row.baseline),
                "latest": text(row.latest),
                "status": status_label(row.status),
                "status_class": STATUS_CLASSES.get(row.status, "badge-neutral"),
            }
        )
    return rows


def _overview(board: Dashboard) -> list[dict[str, Any]]:
    """Per dimension: how many KPI components stand in the top, middle and bottom quarter of the
    global group, and how many cannot be compared."""
    rows = []
    for code, dimension in board.spec.dimensions.items():
        counts = {TOP: 0, MIDDLE: 0, BOTTOM: 0, NONE: 0}
        for line in board.lines_of(code):
            overall = next((g.position for g in line.groups if g.kind == "global"), NONE)
            counts[overall] += 1
        rows.append({"code": code, "name": dimension.name, **counts})
    return rows


def _focus(board: Dashboard, asked: str) -> KpiLine | None:
    """The KPI looked at closely: the one asked for, else the first weakness, strength or KPI with a
    trend among the KPIs that measure (a yes/no or ordinal KPI is looked at when asked for only)."""
    lines = board.lines
    chosen = next((line for line in lines if f"{line.kpi.code}:{line.component}" == asked), None)
    chosen = chosen or next((line for line in lines if line.kpi.code == asked), None)
    if chosen is not None:
        return chosen

    def measured(found: list[KpiLine]) -> KpiLine | None:
        return next((line for line in found if not answers_kpi(line.kpi)), None)

    return (
        measured(board.weaknesses)
        or measured(board.strengths)
        or measured([line for line in lines if line.trend])
    )


def _charts(
    board: Dashboard, focus: KpiLine | None, overview: list[dict[str, Any]], targets: list[Any]
) -> list[Chart]:
    member, year = board.member, board.cycle.reporting_year
    stem = f"pmm-{member.iso3.lower()}-{year}"
    counts = [
        ("dimension", _("Dimension")),
        ("top", _("Best quarter")),
        ("middle", _("Middle")),
        ("bottom", _("Worst quarter")),
        ("none", _("No comparison")),
    ]
    overview_rows = [{**{k: d[k] for k, _label in counts[1:]}, "dimension": d["code"]} for d in overview]
    charts = [
        Chart(
            id="dimension-overview",
            title=_("Overview by dimension"),
            description=_(
                "For each dimension, how many KPIs %(of_member)s stand in the best quarter, the middle "
                "and the worst quarter of all members, and how many cannot be compared."
            )
            % {"of_member": of_member(member)},
            spec=specs.dimension_overview(
                overview_rows, dimension_label=_("Dimension"), count_label=_("KPIs")
            ),
            columns=counts,
            rows=overview_rows,
            filename=f"{stem}-overview",
        )
    ]
    if focus is None:
        return charts
    kpi = focus.kpi
    name = pick(kpi.name) + (f" ({focus.label})" if focus.label else "")
    unit = unit_text(kpi, board.units)
    slug = slugify(f"{kpi.code}-{focus.component}")
    if answers_kpi(kpi):
        charts.append(_answers_chart(board, focus, name, f"peers-{slug}", f"{stem}-{slug}-peers"))
    else:
        charts.append(_peers_chart(board, focus, name, unit, f"peers-{slug}", f"{stem}-{slug}-peers"))
    target = next(
        (t.target for t in targets if t.target.kpi == kpi.code and t.target.component == focus.component),
        None,
    )
    points = [
        {"year": p.year, "value": p.value, "reviewed": p.current and focus.reviewed} for p in focus.trend
    ]
    charts.append(
        Chart(
            id=f"trend-{slug}",
            title=_("%(kpi)s: the trend of %(member)s") % {"kpi": name, "member": member.display_name},
            description=_("The values of %(member)s by reporting year.") % {"member": member.display_name}
            + (" " + _("Its target is marked too.") if target else ""),
            spec=specs.trend(
                points,
                year_label=_("Reporting year"),
                value_label=name,
                unit=unit,
                target=(target.year, target.value) if target else None,
            ),
            columns=[("year", _("Reporting year")), ("value", _("Value")), ("reviewed", _("Peer reviewed"))],
            rows=points,
            filename=f"{stem}-{slug}-trend",
        )
    )
    return charts


def _answers_chart(board: Dashboard, focus: KpiLine, name: str, chart_id: str, filename: str) -> Chart:
    """A yes/no or ordinal KPI: for each peer group, the share of its members per answer."""
    member = board.member
    group, share = _("Peer group"), _("Share of the members (%)")
    points = [(g.name, g.stats) for g in focus.groups]
    if focus.chosen is not None:
        points.append((_("Your peer group"), focus.chosen.stats))
    rows, answers = share_rows(points, focus.kpi, board.spec, board.units)
    description = _(
        "For each peer group, the share of the members per answer; the answer %(of_member)s: %(value)s."
    ) % {"of_member": of_member(member), "value": focus.text or "—"}
    return Chart(
        id=chart_id,
        title=_("%(kpi)s: %(member)s and its peer groups") % {"kpi": name, "member": member.display_name},
        description=description,
        spec=specs.answer_shares(
            rows, answers=answers, group_label=group, share_label=share, description=description
        ),
        columns=[("group", group), ("answer", _("Answer")), ("members", _("Members")), ("percent", share)],
        rows=rows,
        filename=filename,
    )


def _peers_chart(
    board: Dashboard, focus: KpiLine, name: str, unit: str, chart_id: str, filename: str
) -> Chart:
    """For each peer group, its quartiles and median, and the member's value."""
    member = board.member
    group_rows = [
        {
            "group": g.name,
            "q1": g.stats.q1,
            "median": g.stats.median,
            "q3": g.stats.q3,
            "count": g.stats.count,
        }
        for g in focus.groups
    ]
    if focus.chosen is not None:
        c = focus.chosen.stats
        group_rows.append(
            {"group": _("Your peer group"), "q1": c.q1, "median": c.median, "q3": c.q3, "count": c.count}
        )
    return Chart(
        id=chart_id,
        title=_("%(kpi)s: %(member)s and its peer groups") % {"kpi": name, "member": member.display_name},
        description=_(
            "For each peer group, the range from the first to the third quartile with the median, and "
            "the value %(of_member)s."
        )
        % {"of_member": of_member(member)},
        spec=specs.peer_comparison(
            group_rows,
            value_label=name,
            group_label=_("Peer group"),
            member_label=member.display_name,
            unit=unit,
            member_value=focus.value,
        ),
        columns=[
            ("group", _("Peer group")),
            ("q1", _("First quartile")),
            ("median", _("Median")),
            ("q3", _("Third quartile")),
            ("count", _("Members")),
        ],
        rows=group_rows,
        filename=filename,
    )


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The way in: a member's own people go to its dashboard for the latest cycle; the Secretariat
    chooses a member and a cycle."""
    if "dashboard.view" not in actions_of(request.user):
        raise PermissionDenied()
    cycles = list(Cycle.objects.select_related("framework").order_by("-reporting_year", "-pk"))
    own = acting_for(request.user)
    iso3 = request.GET.get("member", "").strip().upper()
    cycle_id = request.GET.get("cycle", "")
    if not iso3 and len(own) == 1:
        iso3 = Member.objects.get(pk=own[0]).iso3
    if iso3 and cycles:
        chosen = next((c for c in cycles if str(c.pk) == cycle_id), cycles[0])
        return redirect("dashboards:member", chosen.pk, iso3)
    members = Member.objects.filter(pk__in=own) if own else Member.objects.all()
    return render(request, "dashboards/choose.html", {"cycles": cycles, "members": members})


@login_required
def member_dashboard_page(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    member = member_get(iso3)
    presets = peer_presets(member)
    preset, peers = _peers_asked(request, presets)
    reviewed_only = request.GET.get("reviewed_only") == "1"
    problem = ""
    try:
        board = member_dashboard(request.user, cycle, member, reviewed_only=reviewed_only, peers=peers)
    except ApplicationError as error:
        if isinstance(error, (NotFound, PermissionDenied)):
            raise
        problem = error.message
        board = member_dashboard(request.user, cycle, member, reviewed_only=reviewed_only)
    targets = target_progress(request.user, member, cycle) if can(request.user, "target.view", member) else []
    overview = _overview(board)
    focus = _focus(board, request.GET.get("kpi", ""))
    charts = _charts(board, focus, overview, targets)
    download = chart_download(request, charts)
    if download is not None:
        return download
    return render(
        request,
        "dashboards/member_dashboard.html",
        {
            "board": board,
            "cycle": cycle,
            "member": member,
            "rows": _rows(board),
            "overview": overview,
            "focus": focus,
            "charts": charts,
            "presets": presets,
            "preset": preset,
            "peers_text": ", ".join(m.iso3 for m in board.chosen_peers) if not preset else "",
            "problem": problem,
            "targets": _target_rows(board, targets),
            "may_set_targets": can(request.user, "target.manage", member),
        },
        status=400 if problem else 200,
    )
