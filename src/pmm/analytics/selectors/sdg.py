"""The SDG view: each SDG target, the KPIs that show a contribution to it and their released figures
(docs/analytics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from pmm.analytics import rules
from pmm.analytics.selectors.common import (
    Key,
    framework_links,
)
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member
from pmm.results.aggregates import (
    Result,
)
from pmm.results.engine import COMPUTED
from pmm.results.group_stats import GLOBAL, aggregates_for
from pmm.results.models import Publication, PublishedResult
from pmm.results.selectors import publication_get
from pmm.results.series import latest_publications, member_history

# --- 2. SDG targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SdgFigure:
    """One KPI component under an SDG target: how many members report it and the released global
    statistics; for one member, its values over the cycles (those the reader may see)."""

    kpi: str
    component: str
    direction: str
    reporting: int  # members with a computed published value the reader may see
    global_stats: Result | None  # None: nothing published
    history: tuple[tuple[int, float], ...] = ()  # (reporting year, value), oldest first
    year: int = 0  # the cycle's reporting year

    @property
    def value(self) -> float | None:
        """The member's value in this cycle."""
        return self.history[-1][1] if self.history and self.history[-1][0] == self.year else None

    @property
    def change(self) -> float | None:
        """The latest value less the one before it (None with fewer than two values)."""
        if len(self.history) < 2:
            return None
        return self.history[-1][1] - self.history[-2][1]

    @property
    def trend(self) -> str:
        """'up', 'down' or 'same' between the last two values ('' with fewer than two)."""
        change = self.change
        if change is None:
            return ""
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def better(self) -> bool | None:
        """Whether the change is an improvement by the KPI's direction (None: no change, or no direction)."""
        trend = self.trend
        if trend in ("", "same") or self.direction not in rules.JUDGED_DIRECTIONS:
            return None
        return (trend == "up") == (self.direction == rules.HIGHER)


@dataclass(frozen=True)
class SdgKpi:
    kpi: str
    direct: bool  # mapped to the target itself; else through its outcome only
    figures: tuple[SdgFigure, ...]


@dataclass(frozen=True)
class SdgTarget:
    code: str
    name: dict[str, str]
    kpis: tuple[SdgKpi, ...]


@dataclass(frozen=True)
class SdgView:
    cycle: Cycle
    spec: FrameworkSpec
    publication: Publication | None
    member: Member | None
    years: tuple[int, ...]  # the reporting years of the cycles in the member's series
    targets: list[SdgTarget]


def _member_get(iso3: str) -> Member:
    member = Member.objects.filter(iso3=iso3.upper()).first()
    if member is None:
        raise ApplicationError(f"No member {iso3}.", problems=[FieldProblem("member", "unknown ISO3 code")])
    return member


def sdg_view(
    actor: Any, cycle: Cycle, member: str = "", publication: str | int | None = None, target: str = ""
) -> SdgView:
    """For each SDG target the framework maps (or only `target`), its KPIs: how many members report each
    and the released global median; with `member`, that member's values over the cycles, as far as the
    actor may see."""
    require(actor, "cycle.view")
    _check_target(cycle, target)
    chosen = publication_get(cycle, publication)
    return sdg_view_for(audience_of(actor), cycle, chosen, _member_get(member) if member else None, target)


def _check_target(cycle: Cycle, target: str) -> None:
    if target and target not in framework_links(cycle).sdg_targets:
        raise ApplicationError(
            f"No SDG target {target} in this cycle's framework.",
            problems=[FieldProblem("target", f"unknown SDG target {target!r}")],
        )


def sdg_view_for(
    audience: Audience,
    cycle: Cycle,
    chosen: Publication | None,
    who: Member | None = None,
    target: str = "",
    reader: Audience | None = None,
) -> SdgView:
    """`sdg_view` of the publication `chosen` (None: nothing published) for an audience: what the global
    cycle report shows its edition's readers (without a member); for a `reader` of another audience,
    with only the statistics released to both."""
    _check_target(cycle, target)
    spec = cycle_spec(cycle)
    links = framework_links(cycle)
    reporting: dict[Key, int] = {}
    global_stats: dict[Key, Result] = {}
    if chosen is not None:
        counts = (
            PublishedResult.objects.visible_to(audience)
            .filter(publication=chosen, status=COMPUTED, value__isnull=False)
            .values_list("kpi", "component")
            .annotate(n=Count("member_id", distinct=True))
            .order_by()
        )
        reporting = {(kpi, component): n for kpi, component, n in counts}
        released = aggregates_for(audience, cycle, chosen, group=GLOBAL, reader=reader)
        global_stats = {(a.kpi, a.component): a.result for a in released}
    history: dict[Key, list[tuple[int, float]]] = {}
    years: tuple[int, ...] = ()
    if who is not None:
        publications = [p for p in latest_publications(cycle) if p.cycle_id != cycle.pk]
        if chosen is not None:
            chosen.cycle = cycle  # the publication asked for (by default the latest) stands for this cycle
            publications.append(chosen)
        history = member_history(audience, who.pk, publications)
        years = tuple(p.cycle.reporting_year for p in publications)
    targets = []
    for code, name in links.sdg_targets.items():
        if target and code != target:
            continue
        direct = {k for k, codes in links.kpi_sdgs.items() if code in codes and k in spec.kpis}
        via = {k for o, codes in links.outcome_sdgs.items() if code in codes for k in spec.outcomes[o].kpis}
        kpis = []
        for kpi in sorted(direct | via, key=lambda c: spec.kpis[c].position):
            figures = tuple(
                SdgFigure(
                    kpi,
                    component,
                    spec.kpis[kpi].direction,
                    reporting.get((kpi, component), 0),
                    global_stats.get((kpi, component)),
                    tuple(history.get((kpi, component), ())),
                    cycle.reporting_year,
                )
                for component in spec.kpis[kpi].formulas
            )
            kpis.append(SdgKpi(kpi, kpi in direct, figures))
        if kpis:
            targets.append(SdgTarget(code, name, tuple(kpis)))
    return SdgView(cycle, spec, chosen, who, years, targets)
