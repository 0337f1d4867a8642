"""Participation in a cycle: the one definition of who is invited, who has started, submitted and been
published, used by the public site, the Secretariat's analytics, the status board, the home page and
the demo's summary. docs/participation.md explains it; pages show the same words
(`results/includes/participation_terms.html`).

- **invited**: every member administration. Every cycle asks every member for a self-assessment (the
  status board lists them all; each member's people find it under "What is due").
- **started**: its self-assessment is in progress or submitted (some data was saved).
- **submitted**: its self-assessment is submitted (a reopened one is in progress again).
- **published**: it is in the publication (by default the cycle's latest one).
- **not started** is invited minus started, **in progress** started minus submitted.

Counts of members, never values: who takes part in a cycle and in a publication is public
(docs/disclosure.md), so the published members are counted unrestricted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.cycles.models import Cycle
from pmm.members.models import Group, Member
from pmm.results.models import Publication, PublishedMember
from pmm.results.selectors import latest_publication, latest_publications_by_cycle

STARTED_STATUSES = frozenset({AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED})
SUBMITTED_STATUSES = frozenset({AssessmentStatus.SUBMITTED})
STARTED = Q(status__in=sorted(STARTED_STATUSES))
SUBMITTED = Q(status__in=sorted(SUBMITTED_STATUSES))


@dataclass
class Counts:
    invited: int = 0
    started: int = 0
    submitted: int = 0
    published: int = 0

    @property
    def not_started(self) -> int:
        return self.invited - self.started

    @property
    def in_progress(self) -> int:
        return self.started - self.submitted


@dataclass
class Participation:
    """A cycle's counts for all members, and for each group asked for (by group id)."""

    cycle: Cycle
    publication: Publication | None
    total: Counts
    groups: dict[int, Counts] = field(default_factory=dict)

    def of(self, group: Group) -> Counts:
        return self.groups.get(group.pk, Counts())


def counts_of(statuses: Iterable[str], published: int = 0) -> Counts:
    """The counts of members whose self-assessments have these statuses (one per invited member, a
    member without a self-assessment as "not_started")."""
    listed = list(statuses)
    return Counts(
        invited=len(listed),
        started=sum(1 for s in listed if s in STARTED_STATUSES),
        submitted=sum(1 for s in listed if s in SUBMITTED_STATUSES),
        published=published,
    )


def _published(publication: Publication | None) -> int:
    return publication.member_count if publication is not None else 0


def participation(
    cycles: Sequence[Cycle],
    publications: Mapping[int, Publication | None],
    group_kinds: Sequence[str] = (),
) -> dict[int, Participation]:
    """Each cycle's participation (by cycle id), in all and per group of `group_kinds`; `publications`
    gives each cycle's publication to count as published (none: nobody is published). Five queries at
    most, whatever the numbers of cycles, members, groups and publications (three without groups)."""
    ids = [c.pk for c in cycles]
    figures = {"started": Count("id", filter=STARTED), "submitted": Count("id", filter=SUBMITTED)}
    members = Member.objects.count()
    progress = {
        cycle_id: (started, submitted)
        for cycle_id, started, submitted in Assessment.objects.filter(cycle_id__in=ids)
        .values_list("cycle_id")
        .annotate(**figures)
        .order_by()
    }
    cycle_of = {p.pk: cycle_id for cycle_id, p in publications.items() if p is not None}
    result = {
        c.pk: Participation(
            c,
            publications.get(c.pk),
            Counts(members, *progress.get(c.pk, (0, 0)), _published(publications.get(c.pk))),
        )
        for c in cycles
    }
    if not group_kinds or not ids:
        return result
    sizes = dict(
        Group.objects.filter(kind__in=group_kinds).annotate(n=Count("members")).values_list("pk", "n")
    )
    for p in result.values():
        p.groups = {group_id: Counts(invited=n) for group_id, n in sizes.items()}
    for cycle_id, group_id, started, submitted in (
        Assessment.objects.filter(cycle_id__in=ids, member__groups__kind__in=group_kinds)
        .values_list("cycle_id", "member__groups")
        .annotate(**figures)
        .order_by()
    ):
        counts = result[cycle_id].groups[group_id]
        counts.started, counts.submitted = started, submitted
    if cycle_of:
        for publication_id, group_id, n in (
            PublishedMember.objects.unrestricted()  # counts of published members: participation is public
            .filter(publication_id__in=cycle_of, member__groups__kind__in=group_kinds)
            .values_list("publication_id", "member__groups")
            .annotate(n=Count("id"))
            .order_by()
        ):
            result[cycle_of[publication_id]].groups[group_id].published = n
    return result


def cycle_participation(
    cycle: Cycle, publication: Publication | None, group_kinds: Sequence[str] = ()
) -> Participation:
    """One cycle's participation (see `participation`)."""
    return participation([cycle], {cycle.pk: publication}, group_kinds)[cycle.pk]


def members_counts(cycle: Cycle, statuses: Mapping[int, str]) -> Counts:
    """The counts of some members (member id → the status of its self-assessment, "not_started" for
    a member without one), published: in the cycle's latest publication. Two queries."""
    publication = latest_publication(cycle)
    published = (
        PublishedMember.objects.unrestricted()  # member ids only: participation is public
        .filter(publication=publication, member_id__in=list(statuses))
        .count()
        if publication is not None
        else 0
    )
    return counts_of(statuses.values(), published)


def waiting_for_publication(cycles: Sequence[Cycle]) -> dict[int, int]:
    """Per cycle (by id): the submitted self-assessments not in its latest publication as submitted,
    i.e. the member is not in it, or it was submitted (again) after it. Three queries."""
    ids = [c.pk for c in cycles]
    latest = latest_publications_by_cycle(ids)
    submitted = list(
        Assessment.objects.filter(cycle_id__in=ids, status__in=sorted(SUBMITTED_STATUSES)).values_list(
            "cycle_id", "member_id", "submitted_at"
        )
    )
    in_latest = set(
        PublishedMember.objects.unrestricted()  # member ids only: participation is public
        .filter(publication__in=list(latest.values()))
        .values_list("publication__cycle_id", "member_id")
    )
    waiting: dict[int, int] = dict.fromkeys(ids, 0)
    for cycle_id, member_id, submitted_at in submitted:
        publication = latest.get(cycle_id)
        published = (
            publication is not None
            and (cycle_id, member_id) in in_latest
            and (submitted_at is None or submitted_at <= publication.published_at)
        )
        waiting[cycle_id] += 0 if published else 1
    return waiting
