"""A member's dashboard: for each KPI component, its value beside the statistics of its peer groups
(as far as disclosure allows), its trend over the cycles, whether a peer review confirmed it, where it
stands (top or bottom quarter), and from that its strengths, weaknesses and weakest outcomes with the
WCO instruments that serve them. Read in a fixed number of queries, whatever the number of KPIs,
cycles and members.

Values of the member itself: its current results when it has submitted (its people and the
Secretariat may read them), else nothing for this cycle. Peer statistics: the groups' released
statistics (`aggregates_for`, cached per publication and audience) for the latest publication of the
cycle, or of the latest earlier cycle while this one has none. A peer group chosen by the member uses
only the values the reader sees (`custom_group_stats`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.authz import can
from pmm.core.errors import ApplicationError, FieldProblem, NotFound, PermissionDenied
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.dashboards.positions import (
    NONE,
    OutcomeWeakness,
    position,
    standing,
    standing_direction,
    weakest_outcomes,
)
from pmm.disclosure.audience import audience_of
from pmm.framework.models import Instrument
from pmm.framework.spec import FrameworkSpec, KpiSpec, OutcomeSpec
from pmm.members.models import Group, GroupKind, Member
from pmm.results.aggregates import GroupStats
from pmm.results.answers import statistics_of
from pmm.results.engine import COMPUTED
from pmm.results.formatting import component_label, status_text, units_of, value_text
from pmm.results.models import Publication, PublishedResult
from pmm.results.selectors import ResultFilters, current_results
from pmm.results.series import Key, PeerGroup, latest_publications, member_history, member_peer_groups
from pmm.reviews.selectors import reviewed_kpis, signed_off_certificate


@dataclass(frozen=True)
class GroupPoint:
    code: str
    kind: str
    name: str
    stats: GroupStats
    position: str  # top, middle, bottom or none


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float
    current: bool  # this cycle's (unpublished) value


@dataclass
class KpiLine:
    kpi: KpiSpec
    component: str
    label: str  # the component's name when the KPI has several, else ""
    status: str
    value: float | None
    text: str  # the value, or its status in words
    reviewed: bool
    groups: list[GroupPoint] = field(default_factory=list)
    chosen: GroupPoint | None = None  # the member's own choice of peers
    trend: list[TrendPoint] = field(default_factory=list)
    standing: str = ""  # strength, weakness or ""

    @property
    def key(self) -> Key:
        return (self.kpi.code, self.component)

    @property
    def comparable(self) -> bool:
        return any(g.position != NONE for g in self.groups)


@dataclass(frozen=True)
class WeakOutcome:
    outcome: OutcomeSpec
    weakness: OutcomeWeakness
    instruments: list[Instrument]


@dataclass
class Dashboard:
    cycle: Cycle
    member: Member
    spec: FrameworkSpec
    submitted: bool
    reference: Publication | None  # where the peer statistics come from
    reviewed_only: bool
    chosen_peers: list[Member]
    lines: list[KpiLine]
    strengths: list[KpiLine]
    weaknesses: list[KpiLine]
    weak_outcomes: list[WeakOutcome]
    certificate: dict[str, Any] | None
    units: dict[str, dict[str, Any]]

    def lines_of(self, dimension: str) -> list[KpiLine]:
        return [line for line in self.lines if line.kpi.dimension == dimension]


def peer_codes(text: str) -> list[str]:
    """The ISO3 codes of a peer group typed by a reader: separated by commas, semicolons or spaces."""
    return [code for code in re.split(r"[\s,;]+", text) if code]


def _chosen(member: Member, peers: list[str]) -> list[Member]:
    codes = sorted({code.strip().upper() for code in peers if code.strip()})
    if not codes:
        return []
    found = list(Member.objects.filter(iso3__in=codes).order_by("sort_name"))
    unknown = sorted(set(codes) - {m.iso3 for m in found})
    if unknown:
        raise ApplicationError(
            f"Unknown member code(s): {', '.join(unknown)}.",
            problems=[FieldProblem("peers", f"unknown: {', '.join(unknown)}")],
        )
    return [m for m in found if m.pk != member.pk]


def peer_presets(member: Member) -> list[tuple[str, str, list[str]]]:
    """Peer groups a member often wants: its WCO region crossed with each of its geography and income
    groups (for example the landlocked members of its region). (key, label, ISO3 codes)."""
    groups = list(Group.objects.filter(members=member))
    regions = [g for g in groups if g.kind == GroupKind.WCO_REGION]
    others = [g for g in groups if g.kind in (GroupKind.GEOGRAPHY, GroupKind.INCOME_GROUP)]
    members_of: dict[int, set[str]] = defaultdict(set)
    through = Member.groups.through.objects.filter(group__in=groups)
    for group_id, iso3 in through.values_list("group_id", "member__iso3"):
        members_of[group_id].add(iso3)
    presets = []
    for region in regions:
        in_region = members_of[region.pk]
        for other in others:
            codes = sorted(in_region & members_of[other.pk] - {member.iso3})
            if codes:
                label = f"{pick(region.name)} · {pick(other.name)}"
                presets.append((f"{region.code}+{other.code}", label, codes))
    return presets


def _chosen_stats(
    audience: Any, reference: Publication | None, peers: list[Member], spec: FrameworkSpec
) -> dict[Key, GroupStats]:
    """Statistics of the chosen peers' values that the reader sees (nothing else enters them), with the
    counts per answer of yes/no and ordinal KPIs."""
    if reference is None or not peers:
        return {}
    rows = (
        PublishedResult.objects.visible_to(audience)
        .filter(publication=reference, member__in=peers, status=COMPUTED, value__isnull=False)
        .values_list("kpi", "component", "value")
    )
    values: dict[Key, list[float]] = defaultdict(list)
    for kpi, component, value in rows:
        if value is not None:  # filtered above; the check is for the type checker
            values[(kpi, component)].append(float(value))
    return {
        key: statistics_of(found, spec.kpis[key[0]]) for key, found in values.items() if key[0] in spec.kpis
    }


def _instruments(spec: FrameworkSpec, cycle: Cycle) -> dict[str, list[Instrument]]:
    """Each outcome's WCO instruments: mapped to the outcome or to one of its KPIs (one query)."""
    found: dict[str, dict[int, Instrument]] = defaultdict(dict)
    kpi_outcome = {code: k.outcome for code, k in spec.kpis.items()}
    instruments = Instrument.objects.filter(framework=cycle.framework).filter(
        Q(outcomes__isnull=False) | Q(kpis__isnull=False)
    )
    rows = instruments.values_list("pk", "outcomes__code", "kpis__code")
    by_pk = {i.pk: i for i in Instrument.objects.filter(framework=cycle.framework)}
    for pk, outcome, kpi in rows:
        for code in (outcome, kpi_outcome.get(kpi or "")):
            if code:
                found[code][pk] = by_pk[pk]
    return {code: sorted(items.values(), key=lambda i: i.position) for code, items in found.items()}


def _point(group: PeerGroup, value: float | None, direction: str) -> GroupPoint:
    stats = group.stats
    return GroupPoint(
        group.code, group.kind, pick(group.name), stats, position(value, stats.q1, stats.q3, direction)
    )


def member_dashboard(
    actor: Any, cycle: Cycle, member: Member, *, reviewed_only: bool = False, peers: list[str] | None = None
) -> Dashboard:
    """The member's dashboard for the cycle, as the actor may see it (NotFound for whoever may not
    see it, as for the member's self-assessment)."""
    if not can(actor, "dashboard.view", member):
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDenied()  # the API asks visitors to sign in (401)
        raise NotFound(f"No dashboard of {member.iso3} for you.")
    spec = cycle_spec(cycle)
    units = units_of(cycle.framework.document)
    audience = audience_of(actor)
    chosen_peers = _chosen(member, peers or [])
    submitted = Assessment.objects.filter(
        cycle=cycle, member=member, status=AssessmentStatus.SUBMITTED
    ).exists()
    current = (
        {
            (r.kpi, r.component): r
            for r in current_results(actor, cycle, ResultFilters(member=member.iso3)).rows
        }
        if submitted
        else {}
    )
    publications = latest_publications(cycle)
    earlier = [p for p in publications if p.cycle_id != cycle.pk]
    same = [p for p in publications if p.cycle_id == cycle.pk]
    reference = same[0] if same else (earlier[-1] if earlier else None)
    history = member_history(audience, member.pk, earlier) if earlier else {}
    peer_groups = member_peer_groups(audience, member.pk, cycle, reference, reviewed_only=reviewed_only)
    chosen = _chosen_stats(audience, reference, chosen_peers, spec)
    reviewed = {kpi for member_id, kpi in reviewed_kpis(cycle) if member_id == member.pk}
    lines = []
    for code in sorted(spec.kpis, key=lambda c: spec.kpis[c].position):
        kpi = spec.kpis[code]
        direction = standing_direction(kpi.kind, kpi.direction)
        for component in kpi.formulas:
            row = current.get((code, component))
            value = row.value if row is not None and row.status == COMPUTED else None
            if row is None:
                text = ""
            elif value is not None:
                text = value_text(value, kpi, spec, units)
            else:
                text = status_text(row.status, row.reason)
            key = (code, component)
            line = KpiLine(
                kpi=kpi,
                component=component,
                label=component_label(component) if len(kpi.formulas) > 1 else "",
                status=row.status if row is not None else "",
                value=value,
                text=text,
                reviewed=code in reviewed,
                groups=[
                    _point(g, value, standing_direction(kpi.kind, kpi.direction))
                    for g in peer_groups.get(key, [])
                ],
                trend=[TrendPoint(year, v, False) for year, v in history.get(key, [])]
                + ([TrendPoint(cycle.reporting_year, value, True)] if value is not None else []),
            )
            if key in chosen:
                stats = chosen[key]
                where = position(value, stats.q1, stats.q3, direction)
                line.chosen = GroupPoint("chosen", GroupKind.CUSTOM, "", stats, where)
            line.standing = standing(g.position for g in line.groups)
            lines.append(line)
    standings = {line.kpi.code: line.standing for line in lines if line.standing}
    comparable = {line.kpi.code for line in lines if line.comparable}
    outcomes = {code: o.kpis for code, o in spec.outcomes.items()}
    instruments = _instruments(spec, cycle)
    weak = [
        WeakOutcome(spec.outcomes[w.outcome], w, instruments.get(w.outcome, []))
        for w in weakest_outcomes(outcomes, standings, comparable)
    ]
    return Dashboard(
        cycle=cycle,
        member=member,
        spec=spec,
        submitted=submitted,
        reference=reference,
        reviewed_only=reviewed_only,
        chosen_peers=chosen_peers,
        lines=lines,
        strengths=[line for line in lines if line.standing == "strength"],
        weaknesses=[line for line in lines if line.standing == "weakness"],
        weak_outcomes=weak,
        certificate=signed_off_certificate(actor, cycle, member.iso3),
        units=units,
    )
