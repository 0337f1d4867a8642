"""The Secretariat's analytics: participation, coverage per KPI, the spread of published figures by
region and the capacity-building needs by region and outcome (docs/analytics.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from pmm.analytics import rules
from pmm.analytics.selectors.common import (
    GLOBAL_NAME,
    Key,
    Links,
    Visible,
    framework_links,
    visible_published,
)
from pmm.assessments.models import AssessmentStatus
from pmm.authz import can, require
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Group, GroupKind, Member
from pmm.results.aggregates import (
    GroupStats,
)
from pmm.results.engine import COMPUTED
from pmm.results.group_stats import GLOBAL, GroupAggregate, aggregates_for, statistics_key
from pmm.results.models import KpiResult, Publication
from pmm.results.participation import Counts, cycle_participation
from pmm.results.selectors import publication_get

PRIORITIES = 10  # how many (region, outcome) pairs the Secretariat's list of needs shows

# --- 3. The Secretariat's analytics ---------------------------------------------------------------

PARTICIPATION_KINDS = (GroupKind.WCO_REGION, GroupKind.INCOME_GROUP)


@dataclass(frozen=True)
class Participation:
    group: Group
    counts: Counts  # invited: every member of the group


@dataclass(frozen=True)
class Coverage:
    kpi: str
    component: str
    published: int  # members with a computed value in the publication
    current: int | None  # … in the current results (None: the reader may not read them)


@dataclass(frozen=True)
class Need:
    """Among the members of a group that reported the outcome's judged KPIs, those weak on it."""

    group: str
    group_name: dict[str, str]
    outcome: str
    reporting: int
    weak: int
    instruments: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.weak / self.reporting if self.reporting else 0.0


@dataclass(frozen=True)
class Analytics:
    cycle: Cycle
    spec: FrameworkSpec
    links: Links
    publication: Publication | None
    min_members: int
    participation: list[Participation]
    total: Counts
    coverage: list[Coverage]
    distributions: list[GroupAggregate]  # released or not: global, then each WCO region
    needs: list[Need]  # every group (all members, then each WCO region) and outcome
    priorities: list[Need]  # the regions' outcomes with the highest shares of weak members
    # Names what comes from the publication for this audience (its group statistics' key): pages may
    # cache what they build from it under it. "" when nothing is published.
    figures_key: str = ""


def _participation(cycle: Cycle, publication: Publication | None) -> tuple[list[Participation], Counts]:
    """Members of each WCO region and income group, and how many started, submitted and were published
    in the chosen publication: `pmm.results.participation`, as everywhere. Six queries."""
    groups = list(Group.objects.filter(kind__in=PARTICIPATION_KINDS).order_by("kind", "sort_order", "code"))
    counted = cycle_participation(cycle, publication, PARTICIPATION_KINDS)
    return [Participation(g, counted.of(g)) for g in groups], counted.total


def _current_coverage(actor: Any, cycle: Cycle) -> dict[Key, int]:
    """Members with a computed value in the current results of the submitted assessments. One query."""
    rows = (
        KpiResult.objects.visible_to(actor)
        .filter(
            result_set__assessment__cycle=cycle,
            result_set__assessment__status=AssessmentStatus.SUBMITTED,
            status=COMPUTED,
            value__isnull=False,
        )
        .values_list("kpi", "component")
        .annotate(n=Count("result_set__assessment__member_id", distinct=True))
        .order_by()
    )
    return {(kpi, component): n for kpi, component, n in rows}


def secretariat_analytics(actor: Any, cycle: Cycle, publication: str | int | None = None) -> Analytics:
    """Participation, coverage and distributions per KPI, and the outcomes where many members of a
    region are weak, for the Secretariat (`cycle.status_board`). What comes from the publication is
    read once per publication and audience and cached (`_published_figures`); participation and the
    current results are read each time (they change until the cycle closes)."""
    require(actor, "cycle.status_board")
    chosen = publication_get(cycle, publication)
    audience = audience_of(actor)
    spec = cycle_spec(cycle)
    links = framework_links(cycle)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    participation, total = _participation(cycle, chosen)
    # Current results are read through `assessment.view`: here, for every member at once.
    current = (
        _current_coverage(actor, cycle) if audience.everything and can(actor, "assessment.view") else None
    )
    regions = [p.group for p in participation if p.group.kind == GroupKind.WCO_REGION]
    figures_key = "pmm:analytics:" + statistics_key(chosen, audience) if chosen is not None else ""
    published = _published_figures(figures_key, audience, cycle, chosen, spec, links, regions)
    coverage = [
        Coverage(
            kpi,
            component,
            published.reporting.get((kpi, component), 0),
            None if current is None else current.get((kpi, component), 0),
        )
        for kpi in spec.kpis
        for component in spec.kpis[kpi].formulas
    ]
    order = _region_order(regions)
    priorities = sorted(
        (n for n in published.needs if n.group != GLOBAL and n.reporting >= k and n.weak),
        key=lambda n: (-n.share, -n.weak, order[n.group], list(spec.outcomes).index(n.outcome)),
    )[:PRIORITIES]
    return Analytics(
        cycle,
        spec,
        links,
        chosen,
        k,
        participation,
        total,
        coverage,
        published.distributions,
        published.needs,
        priorities,
        figures_key,
    )


@dataclass(frozen=True)
class _Published:
    """What the Secretariat's analytics read from one publication for one audience."""

    reporting: dict[Key, int]  # members with a computed value the audience sees
    distributions: list[GroupAggregate]
    needs: list[Need]


def _region_order(regions: list[Group]) -> dict[str, int]:
    return {GLOBAL: 0} | {g.code: i + 1 for i, g in enumerate(regions)}


def _published_figures(
    cache_key: str,
    audience: Audience,
    cycle: Cycle,
    chosen: Publication | None,
    spec: FrameworkSpec,
    links: Links,
    regions: list[Group],
) -> _Published:
    """Coverage, distributions and needs of the publication for the audience, cached under `cache_key`
    (made from its group statistics' key: the same publication, audience, groups and k): publications
    never change. The statistics themselves come from `aggregates_for` (cached as well)."""
    if chosen is None:
        return _Published({}, [], [])
    found: _Published | None = cache.get(cache_key)
    if found is not None:
        return found
    visible = visible_published(audience, chosen, spec.kpis)
    order = _region_order(regions)
    distributions = sorted(
        (a for a in aggregates_for(audience, cycle, chosen) if not a.reviewed_only and a.group in order),
        key=lambda a: (
            spec.kpis[a.kpi].position,
            list(spec.kpis[a.kpi].formulas).index(a.component),
            order[a.group],
        ),
    )
    found = _Published(
        {key: len(values) for key, values in visible.values.items()},
        distributions,
        _needs(spec, links, visible, distributions, regions),
    )
    cache.set(cache_key, found, timeout=24 * 3600)
    return found


def spread_of(
    actor: Any, cycle: Cycle, code: str, component: str, publication: str | int | None = None
) -> list[GroupAggregate]:
    """The statistics of one KPI component for all members and each WCO region, as the Secretariat's
    analytics show them (`secretariat_analytics(...).distributions` of that component), computed for
    that component only: what its chart's download needs. Empty when nothing is published."""
    require(actor, "cycle.status_board")
    chosen = publication_get(cycle, publication)
    if chosen is None:
        return []
    regions = list(Group.objects.filter(kind=GroupKind.WCO_REGION).order_by("sort_order", "code"))
    order = _region_order(regions)
    found = aggregates_for(audience_of(actor), cycle, chosen, kpi=code)
    return sorted(
        (a for a in found if a.component == component and not a.reviewed_only and a.group in order),
        key=lambda a: order[a.group],
    )


def _needs(
    spec: FrameworkSpec,
    links: Links,
    visible: Visible,
    distributions: list[GroupAggregate],
    regions: list[Group],
) -> list[Need]:
    """Per group (all members, then each WCO region) and outcome: the members that reported the
    outcome's judged KPIs and those weak on at least half of them (`rules`)."""
    quartiles = {
        (a.kpi, a.component): a.result
        for a in distributions
        if a.group == GLOBAL and isinstance(a.result, GroupStats)
    }
    reported: dict[tuple[int, str], int] = defaultdict(int)  # (member, outcome) -> judged KPIs reported
    weak: dict[tuple[int, str], int] = defaultdict(int)
    for code, kpi in spec.kpis.items():
        component = rules.judged_component(kpi)
        stats = quartiles.get((code, component)) if component else None
        if stats is None:
            continue
        for member, value in visible.values.get((code, component or ""), {}).items():
            reported[(member, kpi.outcome)] += 1
            if rules.is_weak(kpi.direction, value, stats.q1, stats.q3):
                weak[(member, kpi.outcome)] += 1
    region_members: dict[int, set[int]] = defaultdict(set)
    through = Member.groups.through.objects.filter(group__in=[g.pk for g in regions])
    for group_id, member_id in through.values_list("group_id", "member_id"):
        region_members[group_id].add(member_id)
    everyone = {m for m, _o in reported}
    groups = [(GLOBAL, GLOBAL_NAME, everyone)] + [(g.code, g.name, region_members[g.pk]) for g in regions]
    needs = []
    for code, name, members in groups:
        for outcome in spec.outcomes:
            counted = [m for m in members if reported.get((m, outcome), 0)]
            weak_members = [
                m for m in counted if rules.weak_on_outcome(reported[(m, outcome)], weak.get((m, outcome), 0))
            ]
            if counted:
                instruments = links.instruments_of_outcome(spec, outcome)
                needs.append(Need(code, name, outcome, len(counted), len(weak_members), instruments))
    return needs
