"""Analytics API: WCO instruments, SDG targets and the Secretariat's analytics of a cycle."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import AliasPath, ConfigDict, Field

from pmm.analytics.selectors.instruments import InstrumentRow, InstrumentsView, instruments_view
from pmm.analytics.selectors.sdg import SdgFigure, SdgKpi, SdgView, sdg_view
from pmm.analytics.selectors.secretariat import Analytics, Need, secretariat_analytics
from pmm.core.api import ERROR_RESPONSES, AttributesOut, TranslatedText, actor_of
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_get
from pmm.results.aggregates import GroupStats, Result
from pmm.results.api import AggregateOut, PublicationOut

router = Router(tags=["analytics"])


class PublicationQuery(Schema):
    publication: str | None = None  # a number; default: the latest


class SdgQuery(PublicationQuery):
    member: str = ""  # an ISO3 code: that member's values over the cycles
    target: str = ""  # an SDG target code ("17.8"): that target only


# A group's statistics (`GroupStats`), or why they are withheld (`Suppressed`; None: nothing published). A
# statistic the object lacks is None; every field is declared required all the same.
class StatsOut(Schema):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    released: bool
    count: int | None = None
    mean: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    # too_few: fewer than min_members values you may see
    withheld_because: str | None = Field(None, validation_alias="reason")

    @staticmethod
    def resolve_released(result: Result | None) -> bool:
        return isinstance(result, GroupStats)


# A member (`MemberRef` or `Member`).
class AnalyticsMemberOut(AttributesOut):
    iso3: str
    name: TranslatedText


# A view of a cycle read from one of its publications: the fields every view answers first.
class CycleViewOut(Schema):
    cycle: int = Field(validation_alias=AliasPath("cycle", "pk"))
    publication: PublicationOut | None


def _with_view(request: HttpRequest, view: SdgView | Analytics) -> dict[str, Any]:
    """The validation context of an answer read from a view: the request (as ninja gives it to the
    resolvers) and the view, whose framework (`spec`) and links name the answer's parts."""
    return {"request": request, "view": view}


def _view(context: dict[str, Any]) -> Any:
    """The view the answer is read from (`_with_view`)."""
    return context["view"]


# --- instruments ----------------------------------------------------------------------------------


class ClassifierOut(AttributesOut):
    kpi: str
    component: str
    # a value from this one up says the member applies the instrument
    applies_from: float = Field(validation_alias="threshold")


class ComparisonOut(Schema):
    kpi: str
    component: str
    applying: StatsOut
    not_applying: StatsOut


# An instrument (`InstrumentRow`): who applies it and how the KPIs of its outcomes compare.
class InstrumentOut(Schema):
    code: str
    name: TranslatedText
    # empty: no yes/no or ordinal KPI tells who applies it
    classified_by: list[ClassifierOut] = Field(validation_alias="classifiers")
    outcomes: list[str]
    applying_count: int
    not_applying_count: int
    applying: list[AnalyticsMemberOut]
    not_applying: list[AnalyticsMemberOut]
    comparisons: list[ComparisonOut]

    @staticmethod
    def resolve_applying_count(row: InstrumentRow) -> int:
        return len(row.applying)

    @staticmethod
    def resolve_not_applying_count(row: InstrumentRow) -> int:
        return len(row.not_applying)


# The instruments view of a cycle (`InstrumentsView`).
class InstrumentsOut(CycleViewOut):
    min_members: int
    instruments: list[InstrumentOut]


@router.get(
    "/cycles/{cycle}/instruments",
    response={200: InstrumentsOut, **ERROR_RESPONSES},
    url_name="analytics_instruments",
    summary=(
        "WCO instruments: which members apply each one (from the values you may see) and how the KPIs "
        "of its outcomes compare between members that apply it and the others"
    ),
)
def instruments_list(request: HttpRequest, cycle: int, query: Query[PublicationQuery]) -> InstrumentsView:
    return instruments_view(actor_of(request), cycle_get(cycle), query.publication)


# --- SDG targets ----------------------------------------------------------------------------------


class SdgPointOut(AttributesOut):
    year: int
    value: float


# A KPI component's figures for an SDG target (`SdgFigure`).
class SdgFigureOut(Schema):
    component: str
    reporting: int  # members with a computed value you may see in the publication
    global_stats: StatsOut  # the released statistics of all members
    history: list[SdgPointOut]  # with `member`: its values you may see, oldest first
    value: float | None  # with `member`: its value in this cycle
    trend: str  # with `member`: up, down or same between its last two values ("" with fewer)
    better: bool | None  # whether that change is an improvement by the KPI's direction

    @staticmethod
    def resolve_history(figure: SdgFigure) -> list[dict[str, Any]]:
        return [{"year": year, "value": value} for year, value in figure.history]


# A KPI mapped to an SDG target (`SdgKpi`), named from the cycle's framework (`SdgView.spec`).
class SdgKpiOut(Schema):
    kpi: str
    kpi_name: str
    outcome: str
    direction: str
    direct: bool  # mapped to the target itself, else through its outcome
    figures: list[SdgFigureOut]

    @staticmethod
    def resolve_kpi_name(kpi: SdgKpi, context: dict[str, Any]) -> str:
        return pick(_view(context).spec.kpis[kpi.kpi].name)

    @staticmethod
    def resolve_outcome(kpi: SdgKpi, context: dict[str, Any]) -> str:
        return str(_view(context).spec.kpis[kpi.kpi].outcome)

    @staticmethod
    def resolve_direction(kpi: SdgKpi, context: dict[str, Any]) -> str:
        return str(_view(context).spec.kpis[kpi.kpi].direction)


class SdgTargetOut(Schema):
    code: str
    name: TranslatedText
    kpis: list[SdgKpiOut]


# The SDG view of a cycle (`SdgView`).
class SdgsOut(CycleViewOut):
    member: AnalyticsMemberOut | None
    targets: list[SdgTargetOut]


@router.get(
    "/cycles/{cycle}/sdgs",
    response={200: SdgsOut, **ERROR_RESPONSES},
    url_name="analytics_sdgs",
    summary=(
        "SDG targets and their KPIs: members reporting and the global median; with member=ISO3, that "
        "member's values over the cycles that you may see; target: one SDG target only"
    ),
)
def sdgs_list(request: HttpRequest, cycle: int, query: Query[SdgQuery]) -> SdgsOut:
    view = sdg_view(actor_of(request), cycle_get(cycle), query.member, query.publication, query.target)
    return SdgsOut.model_validate(view, context=_with_view(request, view))


# --- the Secretariat's analytics ------------------------------------------------------------------


# How many members of a group were invited, started, submitted, were published (`Counts`).
class CountsOut(AttributesOut):
    invited: int  # every member of the group
    started: int
    submitted: int
    published: int


def _of_counts(name: str) -> Any:
    return Field(validation_alias=AliasPath("counts", name))


# A group's participation (`Participation`): the group, then its counts.
class ParticipationOut(CountsOut):
    invited: int = _of_counts("invited")
    started: int = _of_counts("started")
    submitted: int = _of_counts("submitted")
    published: int = _of_counts("published")
    group: str = Field(validation_alias=AliasPath("group", "code"))
    group_type: str = Field(validation_alias=AliasPath("group", "kind"))
    group_name: TranslatedText = Field(validation_alias=AliasPath("group", "name"))


class CoverageOut(AttributesOut):
    kpi: str
    component: str
    published: int
    current: int | None


class InstrumentRefOut(AttributesOut):
    code: str
    name: TranslatedText


# An outcome where many members of a group are weak (`Need`), named from the cycle's framework.
class NeedOut(Schema):
    group: str
    group_name: TranslatedText
    outcome: str
    outcome_name: str
    reporting: int  # members that reported a judged KPI of the outcome
    weak: int  # … weak on at least half of those they reported
    share: float  # weak / reporting
    instruments: list[InstrumentRefOut]  # mapped to the outcome or its KPIs

    @staticmethod
    def resolve_outcome_name(need: Need, context: dict[str, Any]) -> str:
        return pick(_view(context).spec.outcomes[need.outcome].name)

    @staticmethod
    def resolve_instruments(need: Need, context: dict[str, Any]) -> list[dict[str, Any]]:
        names = _view(context).links.instruments
        return [{"code": code, "name": names[code]} for code in need.instruments]


# The Secretariat's analytics of a cycle (`Analytics`).
class AnalyticsOut(CycleViewOut):
    min_members: int
    total: CountsOut
    participation: list[ParticipationOut]
    coverage: list[CoverageOut]
    distributions: list[AggregateOut]
    needs: list[NeedOut]
    priorities: list[NeedOut]


@router.get(
    "/cycles/{cycle}/analytics",
    response={200: AnalyticsOut, **ERROR_RESPONSES},
    url_name="analytics_secretariat",
    summary=(
        "The Secretariat's analytics: participation per region and income group, coverage and distribution "
        "per KPI, and the outcomes where many members of a region are weak"
    ),
)
def analytics_detail(request: HttpRequest, cycle: int, query: Query[PublicationQuery]) -> AnalyticsOut:
    view = secretariat_analytics(actor_of(request), cycle_get(cycle), query.publication)
    return AnalyticsOut.model_validate(view, context=_with_view(request, view))
