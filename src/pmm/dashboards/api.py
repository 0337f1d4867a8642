"""Dashboard API: a member's values against its peers, trends, strengths and weaknesses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel

from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get
from pmm.dashboards.selectors import Dashboard, GroupPoint, KpiLine, member_dashboard, peer_codes
from pmm.members.selectors import member_get
from pmm.results.answers import AnswerStats

router = Router(tags=["dashboards"])


class DashboardQuery(BaseModel):
    reviewed_only: bool = False  # peer statistics of peer-reviewed values only
    peers: str = ""  # ISO3 codes of a peer group of your choice, separated by commas


class AnswerOut(BaseModel):
    answer: float  # 1 yes, 0 no; a level of an ordinal KPI
    members: int


class DashboardGroupOut(BaseModel):
    group: str
    group_type: str
    name: str
    count: int
    q1: float
    median: float
    q3: float
    position: str  # top, middle, bottom (quarter of the group, by the KPI's direction) or none
    answers: list[AnswerOut]  # yes/no and ordinal KPIs: how many members gave each answer; else []


class TrendOut(BaseModel):
    year: int
    value: float
    current: bool


class LineOut(BaseModel):
    kpi: str
    component: str
    name: str
    dimension: str
    outcome: str
    direction: str
    status: str
    value: float | None
    text: str
    peer_reviewed: bool
    groups: list[DashboardGroupOut]
    chosen_peers: DashboardGroupOut | None
    trend: list[TrendOut]
    standing: str  # strength, weakness or ""


class DashboardOutcomeOut(BaseModel):
    outcome: str
    name: str
    weak_kpis: int
    comparable_kpis: int
    instruments: list[dict[str, str]]


class DashboardOut(BaseModel):
    cycle: int
    member: str
    submitted: bool
    statistics_from_publication: dict[str, int] | None
    reviewed_only: bool
    chosen_peers: list[str]
    certificate: str | None
    kpis: list[LineOut]
    strengths: list[str]
    weaknesses: list[str]
    weakest_outcomes: list[DashboardOutcomeOut]


def _group(point: GroupPoint) -> dict[str, Any]:
    s = point.stats
    return {
        "group": point.code, "group_type": point.kind, "name": point.name, "count": s.count,
        "q1": s.q1, "median": s.median, "q3": s.q3, "position": point.position,
        "answers": [
            {"answer": a, "members": n} for a, n in (s.answers if isinstance(s, AnswerStats) else ())
        ],
    }  # fmt: skip


def _line(line: KpiLine) -> dict[str, Any]:
    kpi = line.kpi
    return {
        "kpi": kpi.code, "component": line.component, "name": pick(kpi.name), "dimension": kpi.dimension,
        "outcome": kpi.outcome, "direction": kpi.direction, "status": line.status, "value": line.value,
        "text": line.text, "peer_reviewed": line.reviewed, "groups": [_group(g) for g in line.groups],
        "chosen_peers": _group(line.chosen) if line.chosen else None,
        "trend": [{"year": p.year, "value": p.value, "current": p.current} for p in line.trend],
        "standing": line.standing,
    }  # fmt: skip


def dashboard_out(board: Dashboard) -> dict[str, Any]:
    """The dashboard as the answer's plain data, built by hand on purpose: validating the selector's
    objects through ninja Schemas with resolvers cost about a tenth more on the ~1,000 nested objects of
    a dashboard (bench/dashboard.py), and this endpoint is on the deadline-day hot path."""
    reference = board.reference
    return {
        "cycle": board.cycle.pk,
        "member": board.member.iso3,
        "submitted": board.submitted,
        "statistics_from_publication": {"cycle": reference.cycle_id, "number": reference.number}
        if reference
        else None,
        "reviewed_only": board.reviewed_only,
        "chosen_peers": [m.iso3 for m in board.chosen_peers],
        "certificate": board.certificate["level"] if board.certificate else None,
        "kpis": [_line(line) for line in board.lines],
        "strengths": [f"{line.kpi.code}:{line.component}" for line in board.strengths],
        "weaknesses": [f"{line.kpi.code}:{line.component}" for line in board.weaknesses],
        "weakest_outcomes": [
            {
                "outcome": w.outcome.code,
                "name": pick(w.outcome.name),
                "weak_kpis": w.weakness.weak,
                "comparable_kpis": w.weakness.comparable,
                "instruments": [{"code": i.code, "name": pick(i.name)} for i in w.instruments],
            }
            for w in board.weak_outcomes
        ],
    }


@router.get(
    "/cycles/{cycle}/members/{iso3}/dashboard",
    response={200: DashboardOut, **ERROR_RESPONSES},
    summary="A member's dashboard: values against peer groups, trends, strengths and weaknesses",
)
def dashboard_get(
    request: HttpRequest, cycle: int, iso3: str, query: Query[DashboardQuery]
) -> dict[str, Any]:
    board = member_dashboard(
        actor_of(request),
        cycle_get(cycle),
        member_get(iso3),
        reviewed_only=query.reviewed_only,
        peers=peer_codes(query.peers),
    )
    return dashboard_out(board)
