"""A member's values over the cycles and the statistics of its peer groups, as one audience may see
them: the reads that the reviewers' outlier flags and the members' dashboards share. Each function runs a
fixed number of queries, whatever the number of KPIs, cycles and publications.

- `latest_publications(cycle)`: the latest publication of the cycle and of each earlier cycle of the
  same framework (by framework code: KPI codes carry over between versions), oldest first;
- `member_history(audience, member_id, publications)`: the member's computed values in those
  publications that the audience may see (`PublishedResult.objects.visible_to`), by KPI component,
  with their year;
- `member_peer_groups(audience, member_id, cycle, publication)`: the released statistics
  (`aggregates_for`) of the groups the member belongs to, global first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from pmm.cycles.models import Cycle
from pmm.disclosure.policy import Audience
from pmm.framework.models import Framework
from pmm.members.models import Group
from pmm.results.aggregates import KIND_ORDER, GroupStats
from pmm.results.engine import COMPUTED
from pmm.results.group_stats import GLOBAL, PREDEFINED_KINDS, aggregates_of_groups
from pmm.results.models import Publication, PublishedResult

Key = tuple[str, str]  # (KPI code, component)


@dataclass(frozen=True)
class PeerGroup:
    """A group the member belongs to, with the statistics released to the reader."""

    code: str
    kind: str
    name: dict[str, str]
    stats: GroupStats


def latest_publications(cycle: Cycle) -> list[Publication]:
    """The latest publication of the cycle and of each earlier cycle of its framework, oldest first."""
    same_framework = Framework.objects.filter(pk=cycle.framework_id).values("code")
    rows = (
        Publication.objects.filter(
            Q(cycle=cycle)
            | Q(cycle__reporting_year__lt=cycle.reporting_year, cycle__framework__code__in=same_framework)
        )
        .select_related("cycle")
        .order_by("cycle__reporting_year", "cycle_id", "number")
    )
    latest: dict[int, Publication] = {}
    for publication in rows:
        latest[publication.cycle_id] = publication  # later numbers come last
    return sorted(latest.values(), key=lambda p: (p.cycle.reporting_year, p.cycle_id))


def member_history(
    audience: Audience, member_id: int, publications: list[Publication]
) -> dict[Key, list[tuple[int, float]]]:
    """The member's computed values in the given publications that the audience may see, in one query."""
    year = {p.pk: p.cycle.reporting_year for p in publications}
    rows = (
        PublishedResult.objects.visible_to(audience)
        .filter(publication__in=publications, member_id=member_id, status=COMPUTED, value__isnull=False)
        .values_list("publication_id", "kpi", "component", "value")
    )
    found: dict[Key, list[tuple[int, float]]] = defaultdict(list)
    for publication, kpi, component, value in rows:
        if value is not None:  # filtered above; the check is for the type checker
            found[(kpi, component)].append((year[publication], float(value)))
    return {key: sorted(values) for key, values in found.items()}


def member_peer_groups(
    audience: Audience,
    member_id: int,
    cycle: Cycle,
    reference: Publication | None,
    *,
    reviewed_only: bool = False,
    reader: Audience | None = None,
) -> dict[Key, list[PeerGroup]]:
    """The statistics released to the audience of the groups the member belongs to (of their
    peer-reviewed values only, with `reviewed_only`); with a `reader` of another audience (a report's
    edition made for `audience`), only those released to both."""
    if reference is None:
        return {}
    reference_cycle = cycle if reference.cycle_id == cycle.pk else reference.cycle
    mine = set(
        Group.objects.filter(members=member_id, kind__in=PREDEFINED_KINDS).values_list("code", flat=True)
    )
    mine.add(GLOBAL)
    found: dict[Key, list[PeerGroup]] = defaultdict(list)
    released = aggregates_of_groups(
        audience, reference_cycle, reference, mine, reviewed_only=reviewed_only, reader=reader
    )
    for a in released:
        if isinstance(a.result, GroupStats):
            found[(a.kpi, a.component)].append(PeerGroup(a.group, a.group_type, a.group_name, a.result))
    order = len(KIND_ORDER)
    return {
        key: sorted(groups, key=lambda g: (KIND_ORDER.get(g.kind, order), g.code))
        for key, groups in found.items()
    }
