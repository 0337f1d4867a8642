"""What the three analytics views share: the instruments and SDG targets the framework maps, and the
published values and statistics a reader may see (through the disclosure filter)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.disclosure.policy import Audience, may_see
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member
from pmm.members.selectors import name_key
from pmm.results.aggregates import (
    Contribution,
    GroupStats,
    Result,
    Suppressed,
    custom_group_stats,
    visible_values,
)
from pmm.results.answers import with_answers
from pmm.results.engine import COMPUTED
from pmm.results.models import Publication, PublishedResult

Key = tuple[str, str]  # (KPI code, component)
GLOBAL_NAME = {"en": "All members", "fr": "Tous les membres"}


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
class Visible:
    """A publication's computed values the audience may see: (kpi, component) -> member -> value."""

    values: dict[Key, dict[int, float]] = field(default_factory=dict)
    members: dict[int, MemberRef] = field(default_factory=dict)

    def contributions(self, key: Key) -> tuple[Contribution, ...]:
        return tuple(Contribution(m, v, True) for m, v in sorted(self.values.get(key, {}).items()))


def visible_published(audience: Audience, publication: Publication | None, kpis: Iterable[str]) -> Visible:
    """The publication's computed values of `kpis` that the audience may see, in two queries."""
    found = Visible()
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


def by_name(members: Iterable[MemberRef]) -> tuple[MemberRef, ...]:
    return tuple(sorted(members, key=lambda m: (name_key(pick(m.name)), m.iso3)))


def at_least(result: Result, k: int) -> Result:
    """Statistics of fewer than k members are not shown."""
    if isinstance(result, GroupStats) and result.count < k:
        return Suppressed("too_few")
    return result


def visible_stats(
    members: frozenset[int], contributions: tuple[Contribution, ...], k: int, answers: bool
) -> Result:
    """Statistics of the members' values the reader sees (shown from k members), with the counts per
    answer of a yes/no or ordinal KPI."""
    result = at_least(custom_group_stats(members, contributions), k)
    if answers and isinstance(result, GroupStats):
        return with_answers(result, (float(v) for v in visible_values(members, contributions)))
    return result
