"""Analytics API: WCO instruments, SDG targets and the Secretariat's analytics of a cycle."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BaseModel

from pmm.analytics.selectors.common import MemberRef
from pmm.analytics.selectors.instruments import InstrumentRow, instruments_view
from pmm.analytics.selectors.sdg import SdgFigure, sdg_view
from pmm.analytics.selectors.secretariat import Coverage, Need, secretariat_analytics
from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get
from pmm.results.api import AggregateOut, PublicationOut, aggregate_out, publication_out, stats_out
from pmm.results.participation import Counts

router = Router(tags=["analytics"])


class PublicationQuery(Schema):
    publication: str | None = None  # a number; default: the latest


class SdgQuery(PublicationQuery):
    member: str = ""  # an ISO3 code: that member's values over the cycles
    target: str = ""  # an SDG target code ("17.8"): that target only


class StatsOut(BaseModel):
    released: bool
    count: int | None
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    withheld_because: str | None  # too_few: fewer than min_members values you may see


class AnalyticsMemberOut(BaseModel):
    iso3: str
    name: str


def member_out(m: MemberRef | Any) -> dict[str, str]:
    return {"iso3": m.iso3, "name": pick(m.name)}


# --- instruments ----------------------------------------------------------------------------------


class ClassifierOut(BaseModel):
    kpi: str
    component: str
    applies_from: float  # a value from this one up says the member applies the instrument


class ComparisonOut(BaseModel):
    kpi: str
    component: str
    applying: StatsOut
    not_applying: StatsOut


class InstrumentOut(BaseModel):
    code: str
    name: str
    classified_by: list[ClassifierOut]  # empty: no yes/no or ordinal KPI tells who applies it
    outcomes: list[str]
    applying_count: int
    not_applying_count: int
    applying: list[AnalyticsMemberOut]
    not_applying: list[AnalyticsMemberOut]
    comparisons: list[ComparisonOut]


class InstrumentsOut(Schema):
    cycle: int
    publication: PublicationOut | None
    min_members: int
    instruments: list[InstrumentOut]


def instrument_out(row: InstrumentRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": pick(row.name),
        "classified_by": [
            {"kpi": c.kpi, "component": c.component, "applies_from": c.threshold} for c in row.classifiers
        ],
        "outcomes": list(row.outcomes),
        "applying_count": len(row.applying),
        "not_applying_count": len(row.not_applying),
        "applying": [member_out(m) for m in row.applying],
        "not_applying": [member_out(m) for m in row.not_applying],
        "comparisons": [
            {"kpi": c.kpi, "component": c.component, "applying": stats_out(c.applying),
             "not_applying": stats_out(c.not_applying)}
            for c in row.comparisons
        ],
    }  # fmt: skip


@router.get(
    "/cycles/{cycle}/instruments",
    response={200: InstrumentsOut, **ERROR_RESPONSES},
    url_name="analytics_instruments",
    summary=(
        "WCO instruments: which members apply each one (from the values you may see) and how the KPIs "
        "of its outcomes compare between members that apply it and the others"
    ),
)
def instruments_list(request: HttpRequest, cycle: int, query: Query[PublicationQuery]) -> dict[str, Any]:
    view = instruments_view(actor_of(request), cycle_get(cycle), query.publication)
    return {
        "cycle": cycle,
        "publication": publication_out(view.publication) if view.publication else None,
        "min_members": view.min_members,
        "instruments": [instrument_out(row) for row in view.instruments],
    }


# --- SDG targets ----------------------------------------------------------------------------------


class SdgPointOut(BaseModel):
    year: int
    value: float


class SdgFigureOut(BaseModel):
    component: str
    reporting: int  # members with a computed value you may see in the publication
    global_stats: StatsOut  # the released statistics of all members
    history: list[SdgPointOut]  # with `member`: its values you may see, oldest first
    value: float | None  # with `member`: its value in this cycle
    trend: str  # with `member`: up, down or same between its last two values ("" with fewer)
    better: bool | None  # whether that change is an improvement by the KPI's direction


class SdgKpiOut(BaseModel):
    kpi: str
    kpi_name: str
    outcome: str
    direction: str
    direct: bool  # mapped to the target itself, else through its outcome
    figures: list[SdgFigureOut]


class SdgTargetOut(BaseModel):
    code: str
    name: str
    kpis: list[SdgKpiOut]


class SdgsOut(Schema):
    cycle: int
    publication: PublicationOut | None
    member: AnalyticsMemberOut | None
    targets: list[SdgTargetOut]


def figure_out(f: SdgFigure) -> dict[str, Any]:
    return {
        "component": f.component,
        "reporting": f.reporting,
        "global_stats": stats_out(f.global_stats),
        "history": [{"year": year, "value": value} for year, value in f.history],
        "value": f.value,
        "trend": f.trend,
        "better": f.better,
    }


@router.get(
    "/cycles/{cycle}/sdgs",
    response={200: SdgsOut, **ERROR_RESPONSES},
    url_name="analytics_sdgs",
    summary=(
        "SDG targets and their KPIs: members reporting and the global median; with member=ISO3, that "
        "member's values over the cycles that you may see; target: one SDG target only"
    ),
)
def sdgs_list(request: HttpRequest, cycle: int, query: Query[SdgQuery]) -> dict[str, Any]:
    view = sdg_view(actor_of(request), cycle_get(cycle), query.member, query.publication, query.target)
    spec = view.spec
    return {
        "cycle": cycle,
        "publication": publication_out(view.publication) if view.publication else None,
        "member": member_out(view.member) if view.member else None,
        "targets": [
            {"code": t.code, "name": pick(t.name), "kpis": [
                {"kpi": k.kpi, "kpi_name": pick(spec.kpis[k.kpi].name), "outcome": spec.kpis[k.kpi].outcome,
                 "direction": spec.kpis[k.kpi].direction, "direct": k.direct,
                 "figures": [figure_out(f) for f in k.figures]}
                for k in t.kpis
            ]}
            for t in view.targets
        ],
    }  # fmt: skip


# --- the Secretariat's analytics ------------------------------------------------------------------


class CountsOut(BaseModel):
    invited: int  # every member of the group
    started: int
    submitted: int
    published: int


class ParticipationOut(CountsOut):
    group: str
    group_type: str
    group_name: str


class CoverageOut(BaseModel):
    kpi: str
    component: str
    published: int
    current: int | None


class InstrumentRefOut(BaseModel):
    code: str
    name: str


class NeedOut(BaseModel):
    group: str
    group_name: str
    outcome: str
    outcome_name: str
    reporting: int  # members that reported a judged KPI of the outcome
    weak: int  # … weak on at least half of those they reported
    share: float  # weak / reporting
    instruments: list[InstrumentRefOut]  # mapped to the outcome or its KPIs


class AnalyticsOut(Schema):
    cycle: int
    publication: PublicationOut | None
    min_members: int
    total: CountsOut
    participation: list[ParticipationOut]
    coverage: list[CoverageOut]
    distributions: list[AggregateOut]
    needs: list[NeedOut]
    priorities: list[NeedOut]


def counts_out(c: Counts) -> dict[str, int]:
    return {"invited": c.invited, "started": c.started, "submitted": c.submitted, "published": c.published}


def coverage_out(c: Coverage) -> dict[str, Any]:
    return {"kpi": c.kpi, "component": c.component, "published": c.published, "current": c.current}


@router.get(
    "/cycles/{cycle}/analytics",
    response={200: AnalyticsOut, **ERROR_RESPONSES},
    url_name="analytics_secretariat",
    summary=(
        "The Secretariat's analytics: participation per region and income group, coverage and distribution "
        "per KPI, and the outcomes where many members of a region are weak"
    ),
)
def analytics_detail(request: HttpRequest, cycle: int, query: Query[PublicationQuery]) -> dict[str, Any]:
    view = secretariat_analytics(actor_of(request), cycle_get(cycle), query.publication)
    spec, links = view.spec, view.links

    def need_out(n: Need) -> dict[str, Any]:
        return {
            "group": n.group, "group_name": pick(n.group_name), "outcome": n.outcome,
            "outcome_name": pick(spec.outcomes[n.outcome].name), "reporting": n.reporting, "weak": n.weak,
            "share": n.share,
            "instruments": [{"code": c, "name": pick(links.instruments[c])} for c in n.instruments],
        }  # fmt: skip

    return {
        "cycle": cycle,
        "publication": publication_out(view.publication) if view.publication else None,
        "min_members": view.min_members,
        "total": counts_out(view.total),
        "participation": [
            {
                "group": p.group.code,
                "group_type": p.group.kind,
                "group_name": pick(p.group.name),
                **counts_out(p.counts),
            }
            for p in view.participation
        ],
        "coverage": [coverage_out(c) for c in view.coverage],
        "distributions": [aggregate_out(a) for a in view.distributions],
        "needs": [need_out(n) for n in view.needs],
        "priorities": [need_out(n) for n in view.priorities],
    }
