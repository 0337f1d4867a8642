"""Reads of peer review. A review is found only by those who may see it (others get 404, as for
assessments): the member's own people, the Secretariat, and the reviewers assigned to it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from pmm.accounts.models import User
from pmm.assessments.models import Assessment, KpiResponse
from pmm.assessments.selectors import assessment_access
from pmm.authz import can, is_secretariat, reviewer_home, reviewers_filter, scope
from pmm.core.errors import NotFound
from pmm.cycles.selectors import cycle_get, cycle_spec
from pmm.evidence.models import Evidence
from pmm.members.models import Member
from pmm.reviews.certificate import Certificate, Facts, certificate
from pmm.reviews.models import (
    FINISHED_STATUSES,
    KpiVerdict,
    QueryMessage,
    QueryStatus,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewQuery,
    ReviewRound,
    ReviewStatus,
    Verdict,
)


def _reviews() -> QuerySet[Review]:
    return Review.objects.select_related(
        "assessment__member", "assessment__cycle", "requested_by", "decided_by"
    ).prefetch_related("assignments__reviewer", "rounds")


def review_current(actor: Any, assessment: Assessment) -> Review | None:
    """The assessment's latest review, if the actor may see it (None if there is none)."""
    if not assessment.pk or not can(actor, "review.view", assessment):
        raise NotFound("No such review.")
    return _reviews().filter(assessment=assessment).order_by("-requested_at", "-id").first()


def review_located(actor: Any, cycle_id: int, iso3: str) -> tuple[Assessment, Review]:
    """The member's self-assessment in the cycle and its latest review; NotFound (404) for whoever may
    not see them, and when there is no review. Pages and the API find a review through this."""
    assessment = assessment_access(actor, cycle_get(cycle_id), iso3)
    review = review_current(actor, assessment)
    if review is None:
        raise NotFound(f"No peer review of {iso3.upper()} in this cycle.")
    return assessment, review


def review_history(assessment: Assessment) -> list[Review]:
    return list(_reviews().filter(assessment=assessment).order_by("-requested_at", "-id"))


def reviews_visible(actor: Any, status: str = "") -> list[Review]:
    """The reviews the actor may see: all for the Secretariat; its members' for NCPs and contributors;
    the ones assigned to a reviewer."""
    reviews = _reviews()
    if status:
        reviews = reviews.filter(status=status)
    return list(scope(actor, "review.view", reviews))


@dataclass(frozen=True)
class PoolEntry:
    user: User
    profile: ReviewerProfile | None
    member: Any  # the reviewer's own administration, or None
    open_reviews: int


def reviewer_pool() -> list[PoolEntry]:
    """Every user holding the peer reviewer role, with their profile and open reviews (fixed queries)."""
    users = (
        User.objects.filter(reviewers_filter())
        .prefetch_related("role_assignments")
        .select_related("reviewer")
        .distinct()
        .order_by("username")
    )
    open_counts = Counter(
        ReviewAssignment.objects.exclude(
            review__status__in=[*FINISHED_STATUSES, ReviewStatus.SIGNED_OFF]
        ).values_list("reviewer_id", flat=True)
    )
    homes = {user.pk: reviewer_home(user) for user in users}
    members = Member.objects.in_bulk([m for m in homes.values() if m is not None])
    entries = []
    for user in users:
        member = members.get(homes[user.pk]) if homes[user.pk] is not None else None
        profile = getattr(user, "reviewer", None)
        entries.append(PoolEntry(user, profile, member, open_counts.get(user.pk, 0)))
    return entries


# --- the review itself -------------------------------------------------------------------------------


def is_lead(actor: Any, review: Review) -> bool:
    """Whether the actor is the review's lead reviewer (the one who sends rounds and signs off)."""
    return any(a.lead and a.reviewer_id == getattr(actor, "pk", None) for a in review.assignments.all())


def current_round(review: Review) -> ReviewRound | None:
    """The latest round of queries sent to the member (None before the first)."""
    return review.rounds.order_by("-number").first()


def kpis_without_verdict(review: Review) -> list[str]:
    spec = cycle_spec(review.assessment.cycle)
    judged = set(review.verdicts.unrestricted().values_list("kpi", flat=True))  # codes only
    return [code for code in sorted(spec.kpis, key=lambda c: spec.kpis[c].position) if code not in judged]


def certificate_facts(review: Review) -> Facts:
    """What the certificate is computed from, read in a fixed number of queries. Only counts leave
    this function (no value, text or file), so it reads the review's rows unrestricted."""
    assessment = review.assessment
    spec = cycle_spec(assessment.cycle)
    statuses = Counter(review.queries.unrestricted().values_list("status", flat=True))
    verdicts = Counter(
        v for k, v in review.verdicts.unrestricted().values_list("kpi", "verdict") if k in spec.kpis
    )
    declined = set(
        KpiResponse.objects.unrestricted()
        .filter(assessment=assessment, applicable=False)
        .values_list("kpi__code", flat=True)
    )
    reported = [code for code in spec.kpis if code not in declined]
    files = Evidence.objects.unrestricted().filter(assessment=assessment, deleted_at=None)
    on_kpis = set(files.exclude(kpi=None).values_list("kpi__code", flat=True))
    on_elements = set(files.exclude(element=None).values_list("element__code", flat=True))
    with_evidence = [c for c in reported if c in on_kpis or spec.kpis[c].elements & on_elements]
    rounds = list(review.rounds.all())
    return Facts(
        signed_off=review.status == ReviewStatus.SIGNED_OFF,
        queries=sum(statuses.values()),
        queries_closed=statuses.get(QueryStatus.CLOSED, 0),
        kpis=len(spec.kpis),
        kpis_with_verdict=sum(verdicts.values()),
        kpis_reported=len(reported),
        kpis_reported_with_evidence=len(with_evidence),
        rounds=len(rounds),
        rounds_returned_on_time=sum(1 for r in rounds if r.on_time),
        kpis_confirmed=verdicts.get(Verdict.CONFIRMED, 0),
        kpis_adjusted=verdicts.get(Verdict.ADJUSTED, 0),
        kpis_not_validated=verdicts.get(Verdict.NOT_VALIDATED, 0),
    )


def review_certificate(review: Review) -> Certificate:
    """The certificate recorded at sign-off, or what it would be now (level `not_certified`)."""
    if review.certificate:
        return Certificate.from_json(review.certificate)
    return certificate(certificate_facts(review), settings.PMM_REVIEW_EVIDENCE_COVERAGE)


def sees_unsent(actor: Any, review: Review) -> bool:
    """Reviewers and the Secretariat see queries being prepared; the member sees what was sent."""
    return can(actor, "review.examine", review.assessment) or is_secretariat(actor)


@dataclass(frozen=True)
class QueryThread:
    query: ReviewQuery
    messages: list[QueryMessage]


def review_queries(actor: Any, review: Review) -> list[QueryThread]:
    """The review's queries with their threads, as the actor may see them (fixed queries)."""
    everything = sees_unsent(actor, review)
    queries = (
        review.queries.visible_to(actor)
        .select_related("round", "raised_by")
        .prefetch_related(
            Prefetch(
                "messages",
                QueryMessage.objects.visible_to(actor)
                .select_related("author", "round", "evidence")
                .order_by("at", "id"),
            )
        )
        .order_by("number")
    )
    threads = []
    for query in queries:
        if query.round_id is None and not everything:
            continue  # never sent to the member
        messages = [m for m in query.messages.all() if everything or m.sent]
        if messages:
            threads.append(QueryThread(query, messages))
    return threads


def review_query_get(actor: Any, review: Review, number: int) -> ReviewQuery:
    """One query of the review, if the actor may see it (the member: once it was sent)."""
    query = review.queries.visible_to(actor).filter(number=number).first()
    if query is None or (query.round_id is None and not sees_unsent(actor, review)):
        raise NotFound(f"No query {number} in this review.")
    query.review = review
    return query


def reviewed_kpis(cycle: Any) -> set[tuple[int, str]]:
    """(member id, KPI) confirmed or adjusted by a signed-off peer review of the cycle: peer-reviewed data.
    Flags, not values: publishing records them with each figure, and a figure's flag is shown only
    with the figure."""
    return set(
        KpiVerdict.objects.unrestricted()
        .filter(
            review__assessment__cycle=cycle,
            review__status=ReviewStatus.SIGNED_OFF,
            verdict__in=[Verdict.CONFIRMED, Verdict.ADJUSTED],
        )
        .values_list("review__assessment__member_id", "kpi")
    )


def signed_off_certificate(actor: Any, cycle: Any, iso3: str) -> dict[str, Any] | None:
    """The certificate of the member's signed-off review in the cycle, for those who may see its
    reviews (None otherwise, or when there is none)."""
    if not iso3:
        return None
    review = (
        Review.objects.filter(
            assessment__cycle=cycle, assessment__member__iso3=iso3.upper(), status=ReviewStatus.SIGNED_OFF
        )
        .select_related("assessment__member")
        .order_by("-signed_off_at")
        .first()
    )
    if review is None or not can(actor, "review.view", review.assessment):
        return None
    certificate = review_certificate(review)
    return {
        "review": review,
        "level": certificate.level,
        "facts": certificate.facts,
        "url": reverse("reviews:review_detail", args=[cycle.pk, review.assessment.member.iso3]),
    }
