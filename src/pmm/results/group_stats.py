"""Group statistics of published results for one audience: the reads around the pure engine of
`pmm.results.aggregates`. docs/disclosure.md explains the rules.

For each KPI component, every predefined group (global, WCO regions, income groups, geography,
unions) is audited together, whatever the reader filters on, so that asking for one group or for all
gives the same answer. What an audience has been able to see before counts: the public release (for
signed-in audiences, since anyone can read it) and the releases of earlier publications of the cycle.
The public release is made safe for every signed-in reader too ("insiders"). Custom groups use only
the values the reader sees. Every answer is cached per publication and audience (publications never
change, and the rules are deterministic).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from pmm.assessments.selectors import cycle_spec
from pmm.assessments.spec import FrameworkSpec
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.models import Cycle
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import PUBLIC_AUDIENCE, UNION, WCO, Audience, may_see
from pmm.members.models import Group, GroupKind, Member
from pmm.results.aggregates import (
    Contribution,
    GroupDef,
    GroupStats,
    Result,
    Snapshot,
    Suppressed,
    custom_group_stats,
    release,
)
from pmm.results.models import Publication, PublishedResult
from pmm.results.selectors import ResultFilters

GLOBAL = "global"
PREDEFINED_KINDS = (GroupKind.WCO_REGION, GroupKind.INCOME_GROUP, GroupKind.GEOGRAPHY, GroupKind.UNION)
GROUP_TYPES = (GLOBAL, *PREDEFINED_KINDS, GroupKind.CUSTOM)


@dataclass(frozen=True)
class GroupAggregate:
    kpi: str
    component: str
    group: str
    group_type: str
    group_name: dict[str, str]
    result: Result
    reviewed_only: bool = False  # the statistics of the group's peer-reviewed values only

    @property
    def released(self) -> bool:
        return isinstance(self.result, GroupStats)


@dataclass(frozen=True)
class _Values:
    """One publication's computed values of one KPI component: member id -> (value, disclosure level)."""

    by_member: dict[int, tuple[float, str]]
    reviewed: frozenset[int] = frozenset()  # members whose value was peer reviewed

    def contributions(self, audience: Audience) -> tuple[Contribution, ...]:
        return tuple(
            Contribution(member, value, may_see(audience, member, level))
            for member, (value, level) in sorted(self.by_member.items())
        )


def _predefined_groups() -> tuple[tuple[GroupDef, ...], dict[str, tuple[str, dict[str, str]]]]:
    """Every predefined group with its members, global first; and each group's kind and name."""
    members: dict[str, set[int]] = defaultdict(set)
    info: dict[str, tuple[str, dict[str, str]]] = {}
    for group in Group.objects.filter(kind__in=PREDEFINED_KINDS):
        info[group.code] = (group.kind, group.name)
    through = Member.groups.through.objects.filter(group__kind__in=PREDEFINED_KINDS)
    for code, member_id in through.values_list("group__code", "member_id"):
        members[code].add(member_id)
    everyone = frozenset(Member.objects.values_list("id", flat=True))
    info[GLOBAL] = (GLOBAL, {"en": "All members", "fr": "Tous les membres"})
    groups = [GroupDef(GLOBAL, GLOBAL, everyone)]
    groups += [
        GroupDef(code, info[code][0], frozenset(members[code])) for code in sorted(info) if code != GLOBAL
    ]
    return tuple(groups), info


REVIEWED = "@reviewed"  # the suffix of a group's peer-reviewed part


def _unions(groups: Iterable[GroupDef]) -> list[frozenset[int]]:
    return [
        frozenset(int(m) for m in g.members)
        for g in groups
        if g.kind == GroupKind.UNION and not g.code.endswith(REVIEWED)
    ]


def _with_reviewed_parts(groups: tuple[GroupDef, ...], values: _Values) -> tuple[GroupDef, ...]:
    """The groups, plus each group's peer-reviewed part where it differs from the whole group's
    contributors and is not empty. Both are audited together, so asking for one and for the other
    cannot be combined to single out a value."""
    contributing = set(values.by_member)
    parts = []
    for g in groups:
        part = frozenset(m for m in g.members if m in values.reviewed)
        if part and (contributing & g.members) - part:
            parts.append(GroupDef(g.code + REVIEWED, g.kind, part))
    return (*groups, *parts)


def _insiders(values: _Values, unions: list[frozenset[int]]) -> list[frozenset[int]]:
    """For each kind of signed-in reader, the members whose non-public values it sees."""
    levels = {member: level for member, (_value, level) in values.by_member.items()}
    wco = frozenset(m for m, level in levels.items() if level == WCO)
    union_level = {m for m, level in levels.items() if level == UNION}
    sets = {wco}
    for union in unions:
        sets.add(wco | (union & union_level))
    for member in levels:
        partners = set().union(*(u for u in unions if member in u)) if unions else set()
        sets.add(wco | (frozenset(partners) & union_level) | {member})
    return [s for s in sets if s]


def _values_of(publications: list[Publication], kpis: list[str]) -> dict[tuple[int, str, str], _Values]:
    """(publication, kpi, component) -> values, for the given publications, in one query. Every value,
    visible or not: the release rules (`aggregates.release`) decide what statistics leave, per audience."""
    found: dict[tuple[int, str, str], dict[int, tuple[float, str]]] = defaultdict(dict)
    reviewed: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    rows = (
        PublishedResult.objects.unrestricted()
        .filter(publication__in=publications, kpi__in=kpis, status="computed", value__isnull=False)
        .values_list("publication_id", "kpi", "component", "member_id", "value", "disclosure", "reviewed")
    )
    for publication, kpi, component, member, value, level, was_reviewed in rows:
        found[(publication, kpi, component)][member] = (float(value or 0.0), level)
        if was_reviewed:
            reviewed[(publication, kpi, component)].add(member)
    return {key: _Values(by_member, frozenset(reviewed[key])) for key, by_member in found.items()}


def _released(results: dict[str, Result]) -> frozenset[str]:
    return frozenset(code for code, result in results.items() if isinstance(result, GroupStats))


def _component_release(
    audience: Audience,
    predefined: tuple[GroupDef, ...],
    series: list[_Values],  # the component's values in each publication up to the one asked, oldest first
    k: int,
) -> dict[str, Result]:
    """The audience's release of the last publication of `series`, given everything it saw before."""
    if audience.everything:
        return release(_with_reviewed_parts(predefined, series[-1]), series[-1].contributions(audience), k)
    unions = _unions(predefined)
    public_history: list[Snapshot] = []
    own_history: list[Snapshot] = []
    result: dict[str, Result] = {}
    for values in series:
        groups = _with_reviewed_parts(predefined, values)
        public = release(
            groups, values.contributions(PUBLIC_AUDIENCE), k, public_history, _insiders(values, unions)
        )
        public_snapshot = Snapshot(groups, values.contributions(PUBLIC_AUDIENCE), _released(public))
        if audience == PUBLIC_AUDIENCE:
            result = public
        else:
            mine = values.contributions(audience)
            result = release(groups, mine, k, [*public_history, public_snapshot, *own_history])
            own_history.append(Snapshot(groups, mine, _released(result)))
        public_history.append(public_snapshot)
    return result


_GENERATION = "pmm:aggregates:generation"


def forget_cached_statistics() -> None:
    """Groups or their members changed: cached statistics no longer count (they are recomputed)."""
    try:
        cache.incr(_GENERATION)
    except ValueError:
        cache.set(_GENERATION, 1, timeout=None)


def _check(spec: FrameworkSpec, kpi: str, group_type: str, group: str) -> None:
    ResultFilters(kpi=kpi).kpi_codes(spec)  # the results' own check of the KPI code
    if group_type and group_type not in GROUP_TYPES:
        raise ApplicationError(
            f"Unknown group type {group_type}.",
            problems=[FieldProblem("group_type", f"must be one of {', '.join(GROUP_TYPES)}")],
        )
    if group and group != GLOBAL and not Group.objects.filter(code=group).exists():
        raise ApplicationError(f"No group {group}.", problems=[FieldProblem("group", "unknown group code")])


def cycle_aggregates(
    actor: Any,
    cycle: Cycle,
    publication: Publication | None,
    kpi: str = "",
    group_type: str = "",
    group: str = "",
    reviewed_only: bool = False,
) -> list[GroupAggregate]:
    """Group statistics of a publication for the actor, filtered by KPI, group type and group;
    `reviewed_only`: of the peer-reviewed values only."""
    return aggregates_for(audience_of(actor), cycle, publication, kpi, group_type, group, reviewed_only)


def aggregates_for(
    audience: Audience,
    cycle: Cycle,
    publication: Publication | None,
    kpi: str = "",
    group_type: str = "",
    group: str = "",
    reviewed_only: bool = False,
) -> list[GroupAggregate]:
    spec = cycle_spec(cycle)
    _check(spec, kpi, group_type, group)
    if publication is None:
        return []
    audience = audience.in_cycle(cycle.pk)  # a peer reviewer's grants count in its review's cycle only
    kpis = [kpi] if kpi else sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    custom = group_type == GroupKind.CUSTOM or (
        group and Group.objects.filter(code=group, kind=GroupKind.CUSTOM).exists()
    )
    if custom:
        return _custom_aggregates(audience, publication, kpis, group, reviewed_only)
    publications = list(
        Publication.objects.filter(cycle=cycle, number__lte=publication.number).order_by("number")
    )
    generation = cache.get(_GENERATION, 0)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    wanted = f"{generation}:{publication.pk}:{audience.key}:{','.join(kpis)}:{k}"
    key = "pmm:aggregates:" + hashlib.sha256(wanted.encode()).hexdigest()
    answer = cache.get(key)
    if answer is None:
        answer = _compute(audience, spec, publications, kpis)
        cache.set(key, answer, timeout=24 * 3600)
    return [
        a
        for a in answer
        if (not group_type or a.group_type == group_type)
        and (not group or a.group == group)
        and a.reviewed_only == reviewed_only
    ]


def _compute(
    audience: Audience, spec: Any, publications: list[Publication], kpis: list[str]
) -> list[GroupAggregate]:
    groups, info = _predefined_groups()
    values = _values_of(publications, kpis)
    k = settings.PMM_AGGREGATE_MIN_MEMBERS
    answer = []
    for code in kpis:
        for component in spec.kpis[code].formulas:
            series = [values.get((p.pk, code, component), _Values({})) for p in publications]
            results = _component_release(audience, groups, series, k)
            answer += [
                GroupAggregate(code, component, g.code, info[g.code][0], info[g.code][1], results[g.code])
                for g in groups
            ]
            answer += [
                GroupAggregate(
                    code,
                    component,
                    g.code,
                    info[g.code][0],
                    info[g.code][1],
                    _reviewed_part(g, results, series[-1]),
                    True,
                )
                for g in groups
            ]
    return answer


def _reviewed_part(group: GroupDef, results: dict[str, Result], values: _Values) -> Result:
    """The statistics of the group's peer-reviewed values: its own release, the whole group's when
    every contributor was reviewed, or none at all."""
    if group.code + REVIEWED in results:
        return results[group.code + REVIEWED]
    if (
        set(values.by_member) & group.members
        and not (set(values.by_member) & group.members) - values.reviewed
    ):
        return results[group.code]
    return Suppressed("too_few")


def _custom_aggregates(
    audience: Audience, publication: Publication, kpis: list[str], group: str, reviewed_only: bool = False
) -> list[GroupAggregate]:
    """Custom groups: statistics of the values the audience sees, nothing else."""
    chosen = Group.objects.filter(kind=GroupKind.CUSTOM)
    if group:
        chosen = chosen.filter(code=group)
    members: dict[str, set[int]] = defaultdict(set)
    through = Member.groups.through.objects.filter(group__in=chosen)
    for code, member_id in through.values_list("group__code", "member_id"):
        members[code].add(member_id)
    groups = {g.code: (g.name, frozenset(members[g.code])) for g in chosen}
    values = _values_of([publication], kpis)
    answer = []
    for kpi, component in sorted({(kpi, c) for (_p, kpi, c) in values}):
        found = values[(publication.pk, kpi, component)]
        contributions = found.contributions(audience)
        if reviewed_only:
            contributions = tuple(c for c in contributions if c.member in found.reviewed)
        for code, (name, group_members) in sorted(groups.items()):
            result = custom_group_stats(group_members, contributions)
            answer.append(GroupAggregate(kpi, component, code, GroupKind.CUSTOM, name, result, reviewed_only))
    return answer
