"""Reads of the analytics views: WCO instruments, SDG targets and the Secretariat's analytics.

Every published value comes through the disclosure filter (`PublishedResult.objects.visible_to(audience)`),
so a value withheld from the reader never leaves the database; group statistics come from
`pmm.results.group_stats` (released statistics) or `custom_group_stats` (visible values only).
docs/analytics.md explains each view and its disclosure rule. Every function runs a fixed number of
queries, whatever the number of members, KPIs, instruments and cycles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from pmm.analytics import rules
from pmm.assessments.models import AssessmentStatus
from pmm.authz import can, require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience, may_see
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Group, GroupKind, Member
from pmm.members.selectors import name_key
from pmm.results.aggregates import (
    Contribution,
    GroupStats,
    Result,
    Suppressed,
    custom_group_stats,
    visible_values,
)
from pmm.results.answers import answers_kpi, with_answers
from pmm.results.engine import COMPUTED
from pmm.results.group_stats import GLOBAL, GroupAggregate, aggregates_for, statistics_key
from pmm.results.models import KpiResult, Publication, PublishedResult
from pmm.results.participation import Counts, cycle_participation
from pmm.results.selectors import publication_get
from pmm.results.series import latest_publications, member_history

Key = tuple[str, str]  # (KPI code, component)
GLOBAL_NAME = {"en": "All members", "fr": "Tous les membres"}
PRIORITIES = 10  # how many (region, outcome) pairs the Secretariat's list of needs shows


# --- what the framework maps: instruments and SDG targets ---------------------------------------


@dataclass(frozen=True)
class Links:
    """The framework's instruments and SDG targets, and which KPIs and outcomes each maps to (in
    framework order), read from the framework's stored document (no query)."""

    instruments: dict[str, dict[str, str]]  # code -> name
    sdg_targets: dict[str, dict[str, str]]
    kpi_instruments: dict[str, tuple[str, ...]]
    outcome_instruments: dict[str, tuple[str, ...]]
    kpi_sdgs: dict[str, tuple[str, ...]]
    outcome_sdgs: dict[str, tuple[str, ...]]

    def instruments_of_outcome(self, spec: FrameworkSpec, outcome: str) -> tuple[str, ...]:
        """The instruments mapped to the outcome or to one of its KPIs, in framework order."""
        codes = set(self.outcome_instruments.get(outcome, ()))
        for kpi in spec.outcomes[outcome].kpis:
            codes.update(self.kpi_instruments.get(kpi, ()))
        return tuple(c for c in self.instruments if c in codes)


_LINKS: dict[str, Links] = {}


def framework_links(cycle: Cycle) -> Links:
    """The links of the cycle's framework (cached by fingerprint: an active framework never changes)."""
    framework = cycle.framework
    cached = _LINKS.get(framework.fingerprint)
    if cached is not None:
        return cached
    document = framework.document
    kpi_instruments, outcome_instruments, kpi_sdgs, outcome_sdgs = {}, {}, {}, {}
    for dimension in document.get("dimensions") or []:
        for outcome in dimension.get("outcomes") or []:
            outcome_instruments[outcome["code"]] = tuple(outcome.get("instruments") or ())
            outcome_sdgs[outcome["code"]] = tuple(outcome.get("sdg_targets") or ())
            for kpi in outcome.get("kpis") or []:
                kpi_instruments[kpi["code"]] = tuple(kpi.get("instruments") or ())
                kpi_sdgs[kpi["code"]] = tuple(kpi.get("sdg_targets") or ())
    links = Links(
        instruments={i["code"]: i["name"] for i in document.get("instruments") or []},
        sdg_targets={t["code"]: t["name"] for t in document.get("sdg_targets") or []},
        kpi_instruments=kpi_instruments,
        outcome_instruments=outcome_instruments,
        kpi_sdgs=kpi_sdgs,
        outcome_sdgs=outcome_sdgs,
    )
    _LINKS[framework.fingerprint] = links
    return links


# --- published values the reader may see ----------------------------------------------------------


@dataclass(frozen=True)
class MemberRef:
    id: int
    iso3: str
    name: dict[str, str]


@dataclass
class _Visible:
    """A publication's computed values the audience may see: (kpi, component) -> member -> value."""

    values: dict[Key, dict[int, float]] = field(default_factory=dict)
    members: dict[int, MemberRef] = field(default_factory=dict)

    def contributions(self, key: Key) -> tuple[Contribution, ...]:
        return tuple(Contribution(m, v, True) for m, v in sorted(self.values.get(key, {}).items()))


def _visible_values(audience: Audience, publication: Publication | None, kpis: Iterable[str]) -> _Visible:
    """The publication's computed values of `kpis` that the audience may see, in two queries."""
    found = _Visible()
    if publication is None:
        return found
    rows = (
        PublishedResult.objects.visible_to(audience)
        .filter(publication=publication, kpi__in=sorted(set(kpis)), status=COMPUTED, value__isnull=False)
        .values_list("member_id", "kpi", "component", "value", "disclosure")
    )
    # Names once per member (one query of every member), not once per value.
    names = {pk: (iso3, name) for pk, iso3, name in Member.objects.values_list("pk", "iso3", "name")}
    values: dict[Key, dict[int, float]] = defaultdict(dict)
    for member, kpi, component, value, level in rows:
        if value is None or not may_see(audience, member, level, publication.cycle_id):  # as the filter
            continue
        values[(kpi, component)][member] = float(value)
        if member not in found.members:
            found.members[member] = MemberRef(member, *names[member])
    found.values = dict(values)
    return found


def _by_name(members: Iterable[MemberRef]) -> tuple[MemberRef, ...]:
    return tuple(sorted(members, key=lambda m: (name_key(pick(m.name)), m.iso3)))


def _at_least(result: Result, k: int) -> Result:
    """Statistics of fewer than k members are not shown."""
    if isinstance(result, GroupStats) and result.count < k:
        return Suppressed("too_few")
    return result


def _visible_stats(
    members: frozenset[int], contributions: tuple[Contribution, ...], k: int, answers: bool
) -> Result:
    """Statistics of the members' values the reader sees (shown from k members), with the counts per
    answer of a yes/no or ordinal KPI."""
    result = _at_least(custom_group_stats(members, contributions), k)
    if answers and isinstance(result, GroupStats):
        return with_answers(result, (float(v) for v in visible_values(members, contributions)))
    return result


# --- 1. WCO instruments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Classifier:
    """A KPI that tells whether a member applies the instrument: from `threshold` up, it does."""

    kpi: str
    component: str
    threshold: float


@dataclass(frozen=True)
class Comparison:
    """A KPI component's statistics among the members that apply the instrument and the others, from
    the values the reader may see only."""

    kpi: str
    component: str
    applying: Result
    not_applying: Result


@dataclass(frozen=True)
class InstrumentRow:
    code: str
    name: dict[str, str]
    classifiers: tuple[Classifier, ...]  # empty: no KPI tells whether a member applies it
    outcomes: tuple[str, ...]
    applying: tuple[MemberRef, ...] = ()
    not_applying: tuple[MemberRef, ...] = ()
    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class InstrumentsView:
    cycle: Cycle
    spec: FrameworkSpec
    publication: Publication | None
    min_members: int
    instruments: list[InstrumentRow]

    @property
    def classified(self) -> list[InstrumentRow]:
        return [i for i in self.instruments if i.classifiers]

    @property
    def unclassified(self) -> list[InstrumentRow]:
        return [i for i in self.instruments if not i.classifiers]


def _instrument_outcomes(spec: FrameworkSpec, links: Links, code: str) -> tuple[str, ...]:
    """The outcomes mapped to the instrument, and those of the KPIs mapped to it, in framework order."""
    chosen = {o for o, codes in links.outcome_instruments.items() if code in codes}
    chosen |= {spec.kpis[k].outcome for k, codes in links.kpi_instruments.items() if code in codes}
    return tuple(o for o in spec.outcomes if o in chosen)


def instruments_view(actor: Any, cycle: Cycle, publication: str | int | None = None) -> InstrumentsView:
    """For each instrument of the framework, which members apply it and how the KPIs of its outcomes
    compare between those that do and those that do not, from the values the actor may see only."""
    require(actor, "cycle.view")
    return instruments_for(audience_of(actor), cycle, publication_get(cycle, publication))


def instruments_for(audience: Audience, cycle: Cycle, chosen: Publication | None) -> InstrumentsView:
    """`instruments_view` of the publication `chosen` (None: nothing published) for an audience: what
    the global cycle report shows its edition's readers."""
    spec = cycle_spec(cycle)
    links = framework_links(cycle)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    plans = []
    for code in links.instruments:
        linked = sorted(
            (c for c, codes in links.kpi_instruments.items() if code in codes and c in spec.kpis),
            key=lambda c: spec.kpis[c].position,
        )
        found: list[Classifier] = []
        for kpi in linked:
            threshold = rules.applies_threshold(spec, spec.kpis[kpi])
            if threshold is not None:
                found.append(Classifier(kpi, next(iter(spec.kpis[kpi].formulas)), threshold))
        outcomes = _instrument_outcomes(spec, links, code)
        plans.append((code, tuple(found), outcomes))
    wanted = {c.kpi for _code, classifiers, _o in plans for c in classifiers}
    wanted |= {
        kpi
        for _code, classifiers, outcomes in plans
        if classifiers
        for o in outcomes
        for kpi in spec.outcomes[o].kpis
    }
    visible = _visible_values(audience, chosen, wanted)
    rows = []
    for code, classifiers, outcomes in plans:
        row = InstrumentRow(code, links.instruments[code], classifiers, outcomes)
        if classifiers and chosen is not None:
            row = _classified(row, spec, visible, k)
        rows.append(row)
    return InstrumentsView(cycle, spec, chosen, k, rows)


def _classified(row: InstrumentRow, spec: FrameworkSpec, visible: _Visible, k: int) -> InstrumentRow:
    verdict: dict[int, bool] = {}
    for c in row.classifiers:
        for member, value in visible.values.get((c.kpi, c.component), {}).items():
            verdict[member] = verdict.get(member, False) or rules.applies(c.threshold, value)
    applying = frozenset(m for m, yes in verdict.items() if yes)
    others = frozenset(m for m, yes in verdict.items() if not yes)
    told_by = {c.kpi for c in row.classifiers}
    comparisons = []
    for outcome in row.outcomes:
        for kpi in spec.outcomes[outcome].kpis:
            if kpi in told_by:
                continue
            answers = answers_kpi(spec.kpis[kpi])
            for component in spec.kpis[kpi].formulas:
                contributions = visible.contributions((kpi, component))
                comparisons.append(
                    Comparison(
                        kpi,
                        component,
                        _visible_stats(applying, contributions, k, answers),
                        _visible_stats(others, contributions, k, answers),
                    )
                )
    return InstrumentRow(
        row.code,
        row.name,
        row.classifiers,
        row.outcomes,
        _by_name(visible.members[m] for m in applying),
        _by_name(visible.members[m] for m in others),
        tuple(comparisons),
    )


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
    audience: Audience, cycle: Cycle, chosen: Publication | None, who: Member | None = None, target: str = ""
) -> SdgView:
    """`sdg_view` of the publication `chosen` (None: nothing published) for an audience: what the global
    cycle report shows its edition's readers (without a member)."""
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
        global_stats = {
            (a.kpi, a.component): a.result for a in aggregates_for(audience, cycle, chosen, group=GLOBAL)
        }
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
    visible = _visible_values(audience, chosen, spec.kpis)
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
    visible: _Visible,
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
