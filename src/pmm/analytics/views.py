"""Pages of the analytics views: WCO instruments, SDG targets and the Secretariat's analytics.

Charts (`pmm.charts`) are built from what the selectors read, and their downloads are answered first
(`chart_download`), so they follow the same disclosure rules as the page. docs/analytics.md."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pmm.analytics import rules
from pmm.analytics.selectors.common import framework_links
from pmm.analytics.selectors.instruments import InstrumentsView, instruments_view
from pmm.analytics.selectors.sdg import SdgFigure, SdgView, sdg_view
from pmm.analytics.selectors.secretariat import Analytics, Need, secretariat_analytics, spread_of
from pmm.authz import require
from pmm.charts import Chart, chart_download, specs
from pmm.core.errors import ApplicationError
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get, cycle_spec
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.members.models import Member
from pmm.results.aggregates import GroupStats, Result
from pmm.results.answers import AnswerStats, answers_kpi, answers_text, share_rows
from pmm.results.formatting import (
    axis_unit,
    component_label,
    number_text,
    units_of,
    value_text,
    withheld_text,
)
from pmm.results.group_stats import GroupAggregate
from pmm.results.selectors import publications_of

Units = Mapping[str, Mapping[str, Any]]


def _chart_id(*parts: str) -> str:
    """A chart id ([a-z0-9-]) from codes such as "D1.O1.K1" and "value"."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def _rounded(value: float) -> float:
    """A figure for a chart's table and CSV: at most 2 decimals, as the pages show them."""
    return round(value, 2)


def _stats(
    result: Result | None, kpi: KpiSpec, spec: FrameworkSpec, units: Units, too_few: str = ""
) -> dict[str, Any]:
    """Statistics ready to show: median, quartiles and count in the KPI's unit, or why they are not."""
    if isinstance(result, AnswerStats):
        return {
            "shown": True,
            "count": result.count,
            "answers": answers_text(result, kpi, spec, units),
        }
    if isinstance(result, GroupStats):
        return {
            "shown": True,
            "count": result.count,
            "median": value_text(result.median, kpi, spec, units),
            "q1": value_text(result.q1, kpi, spec, units),
            "q3": value_text(result.q3, kpi, spec, units),
        }
    reason = getattr(result, "reason", "")
    if reason == "too_few" and too_few:
        return {"shown": False, "why": too_few}
    return {"shown": False, "why": withheld_text(reason) if reason else _("nothing is published yet")}


def _kpi_label(spec: FrameworkSpec, code: str, component: str) -> str:
    kpi = spec.kpis[code]
    label = f"{code} {pick(kpi.name)}"
    return f"{label}: {component_label(component)}" if len(kpi.formulas) > 1 else label


def _publication_choice(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    return {
        "publications": list(publications_of(cycle)),
        "chosen_publication": request.GET.get("publication", ""),
    }


def _threshold_text(spec: FrameworkSpec, code: str, threshold: float, units: Units) -> str:
    kpi = spec.kpis[code]
    if kpi.kind == rules.YES_NO:
        return _("the answer is yes")
    return _("the level is %(level)s or higher") % {"level": value_text(threshold, kpi, spec, units)}


# --- 1. WCO instruments ---------------------------------------------------------------------------


def _instrument_rows(view: InstrumentsView) -> list[dict[str, Any]]:
    spec, units = view.spec, units_of(view.cycle.framework.document)
    too_few = _("fewer than %(k)s members with a value you may see") % {"k": view.min_members}
    rows = []
    for row in view.classified:
        rows.append(
            {
                "row": row,
                "told_by": [
                    {
                        "label": _kpi_label(spec, c.kpi, c.component),
                        "when": _threshold_text(spec, c.kpi, c.threshold, units),
                    }
                    for c in row.classifiers
                ],
                "outcomes": [spec.outcomes[o] for o in row.outcomes],
                "comparisons": [
                    {
                        "label": _kpi_label(spec, c.kpi, c.component),
                        "applying": _stats(c.applying, spec.kpis[c.kpi], spec, units, too_few),
                        "not_applying": _stats(c.not_applying, spec.kpis[c.kpi], spec, units, too_few),
                    }
                    for c in row.comparisons
                ],
            }
        )
    return rows


T = TypeVar("T")


def _asked_or_default(asked: Callable[[], T], default: Callable[[], T]) -> tuple[T, str]:
    """The view the reader asked for; when the question is refused (an unknown publication, member or
    target), the default view with the reason, which the page shows."""
    try:
        return asked(), ""
    except ApplicationError as error:
        return default(), error.message


@login_required
def instruments_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "cycle.view")
    view, problem = _asked_or_default(
        lambda: instruments_view(request.user, cycle, request.GET.get("publication") or None),
        lambda: instruments_view(request.user, cycle),
    )
    return render(
        request,
        "analytics/instruments.html",
        {
            "cycle": cycle,
            "view": view,
            "rows": _instrument_rows(view),
            "others": [
                {"row": r, "outcomes": [view.spec.outcomes[o] for o in r.outcomes]} for r in view.unclassified
            ],
            "problem": problem,
            **_publication_choice(request, cycle),
        },
        status=400 if problem else 200,
    )


# --- 2. SDG targets -------------------------------------------------------------------------------


def _trend_text(figure: SdgFigure) -> str:
    if figure.trend == "":
        return ""
    year = figure.history[-2][0]
    if figure.trend == "same":
        return _("Same as in %(year)s") % {"year": year}
    if figure.better is None:
        texts = {"up": _("Higher than in %(year)s"), "down": _("Lower than in %(year)s")}
    elif figure.better:
        texts = {"up": _("Higher than in %(year)s: better"), "down": _("Lower than in %(year)s: better")}
    else:
        texts = {"up": _("Higher than in %(year)s: worse"), "down": _("Lower than in %(year)s: worse")}
    return texts[figure.trend] % {"year": year}


def _trend_chart(view: SdgView, member: Member, target: str, f: SdgFigure, label: str, units: Units) -> Chart:
    """The member's values of one KPI component over the cycles (those the reader may see)."""
    kpi = view.spec.kpis[f.kpi]
    year = _("Reporting year")
    points = [{"year": y, "value": _rounded(v)} for y, v in f.history]
    description = _("The values of %(kpi)s reported by %(member)s, by reporting year.") % {
        "kpi": label,
        "member": pick(member.name),
    }
    return Chart(
        id=_chart_id("trend", target, f.kpi, f.component),
        title=_("%(kpi)s: %(member)s over the cycles") % {"kpi": label, "member": pick(member.name)},
        description=description,
        spec=specs.trend(
            points, year_label=year, value_label=label, unit=axis_unit(kpi, units), description=description
        ),
        columns=[("year", year), ("value", _("Value"))],
        rows=points,
        filename=_chart_id("pmm", member.iso3, str(view.cycle.reporting_year), f.kpi, f.component, "trend"),
    )


def _sdg_rows(view: SdgView, with_charts: bool) -> list[dict[str, Any]]:
    """The targets' KPI lines ready to show; with `with_charts`, a trend chart for each KPI component
    of which the member has two values or more that the reader may see."""
    spec, units = view.spec, units_of(view.cycle.framework.document)
    targets = []
    for target in view.targets:
        lines = []
        for item in target.kpis:
            kpi = spec.kpis[item.kpi]
            for f in item.figures:
                values = dict(f.history)
                label = _kpi_label(spec, item.kpi, f.component)
                chart = None
                if with_charts and view.member is not None and len(f.history) >= 2:
                    chart = _trend_chart(view, view.member, target.code, f, label, units)
                lines.append(
                    {
                        "chart": chart,
                        "label": label,
                        "code": item.kpi,
                        "direct": item.direct,
                        "reporting": f.reporting,
                        "global": _stats(f.global_stats, kpi, spec, units),
                        "value": value_text(f.value, kpi, spec, units) if f.value is not None else "",
                        "history": [
                            value_text(values[y], kpi, spec, units) if y in values else "" for y in view.years
                        ],
                        "trend": _trend_text(f),
                    }
                )
        targets.append({"target": target, "lines": lines})
    return targets


@login_required
def sdgs_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "cycle.view")
    member = request.GET.get("member", "").strip()
    target = request.GET.get("target", "").strip()
    view, problem = _asked_or_default(
        lambda: sdg_view(request.user, cycle, member, request.GET.get("publication") or None, target),
        lambda: sdg_view(request.user, cycle),
    )
    # Trend charts for one target at a time: drawing every KPI of every target would be slow.
    targets = _sdg_rows(view, with_charts=bool(target) and not problem)
    charts = [line["chart"] for t in targets for line in t["lines"] if line["chart"] is not None]
    download = chart_download(request, charts)
    if download is not None:
        return download
    return render(
        request,
        "analytics/sdgs.html",
        {
            "cycle": cycle,
            "view": view,
            "targets": targets,
            "charts": charts,
            "member_asked": member,
            "target_asked": target,
            "all_targets": list(framework_links(cycle).sdg_targets.items()),
            "problem": problem,
            **_publication_choice(request, cycle),
        },
        status=400 if problem else 200,
    )


# --- 3. The Secretariat's analytics ---------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return _("%(number)s%%") % {"number": number_text(100 * part / whole, 0)} if whole else "-"


def _spread_chart(
    view_spec: FrameworkSpec, cycle: Cycle, code: str, component: str, found: list[GroupAggregate]
) -> Chart:
    """One KPI component's released statistics, all members and each WCO region: boxes from the first
    to the third quartile with the median; for a yes/no or ordinal KPI, the shares of the members per
    answer."""
    kpi, units = view_spec.kpis[code], units_of(cycle.framework.document)
    label = _kpi_label(view_spec, code, component)
    group = _("Group")
    chart_id = _chart_id("spread", code, component)
    filename = _chart_id("pmm", str(cycle.reporting_year), code, component, "spread")
    if answers_kpi(kpi):
        return _shares_chart(view_spec, kpi, label, found, units, chart_id, filename)
    rows = []
    for a in found:
        stats = a.result if isinstance(a.result, GroupStats) else None
        rows.append(
            {
                "group": pick(a.group_name),
                "count": stats.count if stats else None,
                "q1": _rounded(stats.q1) if stats else None,
                "median": _rounded(stats.median) if stats else None,
                "q3": _rounded(stats.q3) if stats else None,
                "withheld": "" if stats else withheld_text(getattr(a.result, "reason", "")),
            }
        )
    description = _(
        "For each group, the middle half of the values of %(value)s (first to third quartile) and the median."
    ) % {"value": label}
    return Chart(
        id=chart_id,
        title=label,
        description=description,
        spec=specs.distribution(
            rows, value_label=label, group_label=group, unit=axis_unit(kpi, units), description=description,
        ),
        columns=[
            ("group", group), ("count", _("Members")), ("q1", _("First quartile")), ("median", _("Median")),
            ("q3", _("Third quartile")), ("withheld", _("Not shown because")),
        ],
        rows=rows,
        filename=filename,
    )  # fmt: skip


def _shares_chart(
    spec: FrameworkSpec,
    kpi: KpiSpec,
    label: str,
    found: list[GroupAggregate],
    units: Units,
    chart_id: str,
    filename: str,
) -> Chart:
    """A yes/no or ordinal KPI component: for each group, the share of its members per answer."""
    group, share = _("Group"), _("Share of the members (%)")
    rows, answers = share_rows(
        [(pick(a.group_name), a.result) for a in found],
        kpi,
        spec,
        units,
        withheld=lambda result: withheld_text(getattr(result, "reason", "")),
    )
    description = _("For each group, the share of the members per answer to %(value)s.") % {"value": label}
    return Chart(
        id=chart_id,
        title=label,
        description=description,
        spec=specs.answer_shares(
            rows, answers=answers, group_label=group, share_label=share, description=description
        ),
        columns=[
            ("group", group), ("answer", _("Answer")), ("members", _("Members")), ("percent", share),
            ("withheld", _("Not shown because")),
        ],
        rows=rows,
        filename=filename,
    )  # fmt: skip


class _Sections:
    """The page's sections that come from the publication (where members need support, the spread of
    the values), ready to show, each built when the template first reads it: the template keeps them
    rendered in the cache per publication, audience, language and address (`figures_key`), so a warm
    page builds none of them."""

    def __init__(self, view: Analytics, dimension: str):
        self.view, self.dimension = view, dimension
        self.spec, self.units = view.spec, units_of(view.cycle.framework.document)

    @functools.cached_property
    def distributions(self) -> list[dict[str, Any]]:
        spec, units = self.spec, self.units
        by_component: dict[tuple[str, str], list[GroupAggregate]] = {}
        for a in self.view.distributions:
            if spec.kpis[a.kpi].dimension == self.dimension:
                by_component.setdefault((a.kpi, a.component), []).append(a)
        distributions = []
        for (code, component), found in by_component.items():
            label = _kpi_label(spec, code, component)
            groups = [{"name": a.group_name, **_stats(a.result, spec.kpis[code], spec, units)} for a in found]
            released = any(isinstance(a.result, GroupStats) for a in found)
            chart = _spread_chart(spec, self.view.cycle, code, component, found) if released else None
            distributions.append({"label": label, "kpi": code, "groups": groups, "chart": chart})
        return distributions

    def _need(self, n: Need) -> dict[str, Any]:
        return {
            "need": n,
            "outcome": self.spec.outcomes[n.outcome],
            "share": _percent(n.weak, n.reporting),
            "instruments": [(c, self.view.links.instruments[c]) for c in n.instruments],
        }

    @functools.cached_property
    def priorities(self) -> list[dict[str, Any]]:
        return [self._need(n) for n in self.view.priorities]

    @functools.cached_property
    def needs_by_group(self) -> list[dict[str, Any]]:
        by_group: list[dict[str, Any]] = []
        for n in self.view.needs:
            if not by_group or by_group[-1]["code"] != n.group:
                by_group.append({"code": n.group, "name": n.group_name, "needs": []})
            by_group[-1]["needs"].append(self._need(n))
        return by_group


def _analytics_context(view: Analytics, dimension: str) -> dict[str, Any]:
    spec = view.spec
    participation: dict[str, list[Any]] = {}
    for p in view.participation:
        participation.setdefault(p.group.kind, []).append(p)
    coverage = [
        {
            "label": _kpi_label(spec, c.kpi, c.component),
            "published": c.published,
            "current": c.current,
            "share": _percent(c.published, view.publication.member_count) if view.publication else "-",
        }
        for c in view.coverage
    ]
    return {
        "participation_tables": [
            (_("By WCO region"), participation.get("wco_region", [])),
            (_("By income group"), participation.get("income_group", [])),
        ],
        "min_members": view.min_members,
        "coverage": coverage,
        "sections": _Sections(view, dimension),
        "dimensions": list(spec.dimensions.values()),
        "chosen_dimension": dimension,
    }


def _spread_download(request: HttpRequest, cycle: Cycle, wanted: str) -> HttpResponse:
    """A spread chart's download (`?chart=spread-...&format=...`), from that KPI component's statistics
    only (`spread_of`), not from the whole page. 404 for a chart the page would not draw."""
    spec = cycle_spec(cycle)
    asked = request.GET.get("publication") or None
    chosen = next(
        (
            (code, c)
            for code, kpi in spec.kpis.items()
            for c in kpi.formulas
            if _chart_id("spread", code, c) == wanted
        ),
        None,
    )
    try:
        found = spread_of(request.user, cycle, *chosen, asked) if chosen else []
    except ApplicationError as error:
        raise Http404(error.message) from error
    charts = []
    if chosen and any(isinstance(a.result, GroupStats) for a in found):
        charts.append(_spread_chart(spec, cycle, *chosen, found))
    response = chart_download(request, charts)
    if response is None:  # not reached: the request names a chart
        raise Http404()
    return response


@login_required
def analytics_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_get(cycle_id)
    require(request.user, "cycle.status_board")
    wanted = request.GET.get("chart")
    if wanted is not None:
        return _spread_download(request, cycle, wanted)
    view, problem = _asked_or_default(
        lambda: secretariat_analytics(request.user, cycle, request.GET.get("publication") or None),
        lambda: secretariat_analytics(request.user, cycle),
    )
    # The spread of the values is shown for one dimension at a time (charts of every KPI would be slow).
    dimension = request.GET.get("dimension", "")
    if dimension not in view.spec.dimensions:
        dimension = next(iter(view.spec.dimensions), "")
    context = _analytics_context(view, dimension)
    return render(
        request,
        "analytics/analytics.html",
        {"cycle": cycle, "view": view, "problem": problem, **context, **_publication_choice(request, cycle)},
        status=400 if problem else 200,
    )
