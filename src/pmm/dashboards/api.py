"""Dashboard API: a member's values against its peers, trends, strengths and weaknesses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import AliasPath, BaseModel, Field

from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get
from pmm.dashboards.selectors import Dashboard, GroupPoint, KpiLine, WeakOutcome, member_dashboard, peer_codes
from pmm.members.selectors import member_get
from pmm.results.answers import AnswerStats
from pmm.results.api import AttributesOut, TranslatedText

router = Router(tags=["dashboards"])


class DashboardQuery(BaseModel):
    reviewed_only: bool = False  # peer statistics of peer-reviewed values only
    peers: str = ""  # ISO3 codes of a peer group of your choice, separated by commas


class AnswerOut(AttributesOut):
    answer: float  # 1 yes, 0 no; a level of an ordinal KPI
    members: int


def _of(*path: str) -> Any:
    """A field read from an attribute of an attribute of the selector's object."""
    return Field(validation_alias=AliasPath(*path))


# A peer group's statistics of a KPI and where the member stands in it (`GroupPoint`).
class DashboardGroupOut(Schema):
    group: str = Field(validation_alias="code")
    group_type: str = Field(validation_alias="kind")
    name: str
    count: int = _of("stats", "count")
    q1: float = _of("stats", "q1")
    median: float = _of("stats", "median")
    q3: float = _of("stats", "q3")
    position: str  # top, middle, bottom (quarter of the group, by the KPI's direction) or none
    answers: list[AnswerOut]  # yes/no and ordinal KPIs: how many members gave each answer; else []

    @staticmethod
    def resolve_answers(point: GroupPoint) -> list[dict[str, float]]:
        answers = point.stats.answers if isinstance(point.stats, AnswerStats) else ()
        return [{"answer": answer, "members": members} for answer, members in answers]


class TrendOut(AttributesOut):
    year: int
    value: float
    current: bool


# The member's value of a KPI component against its peer groups, and its trend (`KpiLine`).
class LineOut(Schema):
    kpi: str = _of("kpi", "code")
    component: str
    name: TranslatedText = _of("kpi", "name")
    dimension: str = _of("kpi", "dimension")
    outcome: str = _of("kpi", "outcome")
    direction: str = _of("kpi", "direction")
    status: str
    value: float | None
    text: str
    peer_reviewed: bool = Field(validation_alias="reviewed")
    groups: list[DashboardGroupOut]
    chosen_peers: DashboardGroupOut | None = Field(validation_alias="chosen")
    trend: list[TrendOut]
    standing: str  # strength, weakness or ""


# An outcome where the member is weakest, and the instruments that support it (`WeakOutcome`).
class DashboardOutcomeOut(Schema):
    outcome: str = _of("outcome", "code")
    name: TranslatedText = _of("outcome", "name")
    weak_kpis: int = _of("weakness", "weak")
    comparable_kpis: int = _of("weakness", "comparable")
    instruments: list[dict[str, str]]

    @staticmethod
    def resolve_instruments(weak: WeakOutcome) -> list[dict[str, str]]:
        return [{"code": i.code, "name": pick(i.name)} for i in weak.instruments]


def _keys(lines: list[KpiLine]) -> list[str]:
    """The lines' KPI components as "KPI:component"."""
    return [f"{line.kpi.code}:{line.component}" for line in lines]


# A member's dashboard of a cycle (`Dashboard`).
class DashboardOut(Schema):
    cycle: int = _of("cycle", "pk")
    member: str = _of("member", "iso3")
    submitted: bool
    statistics_from_publication: dict[str, int] | None
    reviewed_only: bool
    chosen_peers: list[str]
    certificate: str | None
    kpis: list[LineOut] = Field(validation_alias="lines")
    strengths: list[str]
    weaknesses: list[str]
    weakest_outcomes: list[DashboardOutcomeOut] = Field(validation_alias="weak_outcomes")

    @staticmethod
    def resolve_statistics_from_publication(board: Dashboard) -> dict[str, int] | None:
        reference = board.reference
        return {"cycle": reference.cycle_id, "number": reference.number} if reference else None

    @staticmethod
    def resolve_chosen_peers(board: Dashboard) -> list[str]:
        return [member.iso3 for member in board.chosen_peers]

    @staticmethod
    def resolve_certificate(board: Dashboard) -> str | None:
        return board.certificate["level"] if board.certificate else None

    @staticmethod
    def resolve_strengths(board: Dashboard) -> list[str]:
        return _keys(board.strengths)

    @staticmethod
    def resolve_weaknesses(board: Dashboard) -> list[str]:
        return _keys(board.weaknesses)


@router.get(
    "/cycles/{cycle}/members/{iso3}/dashboard",
    response={200: DashboardOut, **ERROR_RESPONSES},
    summary="A member's dashboard: values against peer groups, trends, strengths and weaknesses",
)
def dashboard_get(request: HttpRequest, cycle: int, iso3: str, query: Query[DashboardQuery]) -> Dashboard:
    return member_dashboard(
        actor_of(request),
        cycle_get(cycle),
        member_get(iso3),
        reviewed_only=query.reviewed_only,
        peers=peer_codes(query.peers),
    )
