"""Reads of the public site. Everything here is what the public sees, whoever asks.

The disclosure filter is always the public audience (`PUBLIC_AUDIENCE`), never the request's user:
signed-in users see exactly what anyone sees on the public site, so that its pages are identical for
everyone and can be cached. Every function runs a fixed number of queries, whatever the number of
members, KPIs, cycles and publications.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Prefetch, Sum

from pmm.assessments.models import Assessment
from pmm.audit.models import AuditEvent
from pmm.core.errors import NotFound
from pmm.core.translated import pick
from pmm.cycles.models import Cycle, CycleStatus
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.members.models import Group, GroupKind, Member
from pmm.members.selectors import name_key
from pmm.results.engine import COMPUTED
from pmm.results.models import Publication, PublishedResult
from pmm.results.participation import STARTED, SUBMITTED, Counts, participation
from pmm.results.selectors import ResultFilters, Results, latest_publications_by_cycle, published_results_for

# Cycles the public site shows: a planned cycle has not opened yet and is not public.
PUBLIC_CYCLE_STATUSES = (CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.ARCHIVED)
# Writes to these objects change what public pages show (names, regions, cycles, frameworks,
# publications); each is audited, so the newest of their audit events versions the pages.
PAGE_DATA_TYPES = (
    "members.member",
    "members.group",
    "cycles.cycle",
    "framework.framework",
    "results.publication",
)


# --- cycles and publications -------------------------------------------------------------------


def public_cycles() -> list[Cycle]:
    """The cycles the public site shows (open, closed or archived), the most recent first."""
    return list(Cycle.objects.select_related("framework").filter(status__in=PUBLIC_CYCLE_STATUSES))


def public_cycle_get(cycle_id: int) -> Cycle:
    cycle = (
        Cycle.objects.select_related("framework")
        .filter(pk=cycle_id, status__in=PUBLIC_CYCLE_STATUSES)
        .first()
    )
    if cycle is None:
        raise NotFound(f"No cycle {cycle_id}.")
    return cycle


# --- participation -----------------------------------------------------------------------------


@dataclass
class RegionParticipation:
    region: Group
    counts: Counts


@dataclass
class CycleOverview:
    cycle: Cycle
    publication: Publication | None
    regions: list[RegionParticipation] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)


def cycles_overview() -> list[CycleOverview]:
    """Each public cycle with its latest publication and its participation per WCO region and in all
    (`pmm.results.participation`, counted against the latest publication). Seven queries whatever the
    number of cycles, members and publications: counting is done by the database."""
    cycles = public_cycles()
    latest = latest_publications_by_cycle([c.pk for c in cycles])
    regions = list(Group.objects.filter(kind=GroupKind.WCO_REGION).order_by("sort_order", "code"))
    counted = participation(cycles, latest, (GroupKind.WCO_REGION,))
    return [
        CycleOverview(
            cycle,
            latest.get(cycle.pk),
            [RegionParticipation(r, counted[cycle.pk].of(r)) for r in regions],
            counted[cycle.pk].total,
        )
        for cycle in cycles
    ]


# --- published results, as the public sees them -----------------------------------------------


def _public_rows(publication: Publication) -> Any:
    return PublishedResult.objects.visible_to(PUBLIC_AUDIENCE).filter(publication=publication)


def _members_with_public_results(publication: Publication) -> Any:
    """Members with at least one public result in the publication, each with `regions` prefetched."""
    return Member.objects.filter(pk__in=_public_rows(publication).values("member_id")).prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(kind=GroupKind.WCO_REGION), to_attr="regions")
    )


def public_members(publication: Publication) -> list[Member]:
    """Members with at least one public result in the publication, by name in the reader's language;
    each with `regions`, its WCO region(s). Two queries."""
    members = _members_with_public_results(publication)
    return sorted(members, key=lambda m: (name_key(pick(m.name)), m.iso3))


def public_member(publication: Publication, iso3: str) -> Member:
    """A member with at least one public result in the publication (else NotFound, as for no member)."""
    member = _members_with_public_results(publication).filter(iso3=iso3.upper()).first()
    if member is None:
        raise NotFound(f"No public results of {iso3} in this publication.")
    return member


def public_results(cycle: Cycle, publication: Publication, *, member: str = "", kpi: str = "") -> Results:
    """The publication's results anyone may see: withheld results are simply absent."""
    return published_results_for(PUBLIC_AUDIENCE, cycle, publication, ResultFilters(member=member, kpi=kpi))


def public_value_counts(publication: Publication) -> dict[str, int]:
    """Per KPI: how many members have a public computed value in the publication. One query."""
    counts = (
        _public_rows(publication)
        .filter(status=COMPUTED)
        .values_list("kpi")
        .annotate(n=Count("member_id", distinct=True))
        .order_by()
    )
    return dict(counts)


# --- versions, for the pages' ETags -------------------------------------------------------------


def public_data_version(*, participation: bool = False) -> str:
    """A text that changes whenever what a public page shows may have changed.

    The latest publication of each cycle, and the newest audited write to members, groups, cycles,
    frameworks or publications; with `participation`, a digest of the assessments' statuses too
    (who has started or submitted). Two or three queries, whatever the data.
    """
    latest = list(Publication.objects.values_list("cycle_id").annotate(latest=Max("id")).order_by("cycle_id"))
    # Only the id of the newest audited write (a cache version), never what an event says.
    written = (
        AuditEvent.objects.unrestricted().filter(target_type__in=PAGE_DATA_TYPES).aggregate(m=Max("id"))["m"]
    )
    parts: list[Any] = [latest, written]
    if participation:
        # Sums of ids change whenever an assessment enters or leaves a status, not only the counts.
        parts.append(
            Assessment.objects.filter(cycle__status__in=PUBLIC_CYCLE_STATUSES).aggregate(
                n=Count("id"),
                all=Sum("id"),
                started=Sum("id", filter=STARTED),
                submitted=Sum("id", filter=SUBMITTED),
            )
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()
