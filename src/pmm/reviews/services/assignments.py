"""Writes of peer review: assigning reviewers to a review, the reviewer pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from pmm.accounts.models import User
from pmm.assessments.services.common import acting_user
from pmm.audit.services import audit_record
from pmm.authz import is_reviewer, require, reviewer_home
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.members.models import Group, GroupKind
from pmm.reviews import notices
from pmm.reviews.models import (
    FINISHED_STATUSES,
    Accreditation,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewStatus,
)

MAX_REVIEWERS = 3  # a lead and one or two further reviewers


@dataclass(frozen=True)
class AssignmentCheck:
    """What assigning a reviewer would break (refused) or risk (warnings, which must be accepted)."""

    problems: list[str]
    warnings: list[str]


def reviewer_member(user: User) -> int | None:
    """The reviewer's own administration: the member of their peer reviewer role assignment."""
    return reviewer_home(user)


def assignment_check(review: Review, reviewer: User) -> AssignmentCheck:
    problems: list[str] = []
    warnings: list[str] = []
    if not is_reviewer(reviewer):
        problems.append(f"{reviewer.username} is not a peer reviewer.")
        return AssignmentCheck(problems, warnings)
    profile = ReviewerProfile.objects.filter(user=reviewer).first()
    if profile is None or profile.accreditation != Accreditation.ACCREDITED:
        status = profile.get_accreditation_display().lower() if profile else "not in the pool yet"
        problems.append(f"{reviewer.username} is not accredited ({status}).")
    own = reviewer_member(reviewer)
    reviewed = review.assessment.member
    if own is not None and own == reviewed.pk:
        problems.append(
            f"{reviewer.username} works for {reviewed.iso3}, the reviewed member: a conflict of interest."
        )
    elif own is not None:
        unions = Group.objects.filter(kind=GroupKind.UNION, members=reviewed).filter(members__id=own)
        shared = list(unions.values_list("code", flat=True))
        if shared:
            warnings.append(
                f"{reviewer.username}'s administration shares a union with {reviewed.iso3} "
                f"({', '.join(shared)})."
            )
    open_reviews = (
        ReviewAssignment.objects.filter(reviewer=reviewer)
        .exclude(review__status__in=FINISHED_STATUSES)
        .exclude(review=review)
        .count()
    )
    if open_reviews >= settings.PMM_REVIEWER_MAX_OPEN_REVIEWS:
        warnings.append(f"{reviewer.username} already has {open_reviews} open reviews.")
    if review.assignments.exclude(reviewer=reviewer).count() >= MAX_REVIEWERS:
        problems.append(f"A review has at most {MAX_REVIEWERS} reviewers: a lead and one or two more.")
    return AssignmentCheck(problems, warnings)


@transaction.atomic
def review_assign(
    *, actor: Any, review: Review, reviewer: User, lead: bool = False, accept_warnings: bool = False
) -> ReviewAssignment:
    """Assign a reviewer (as lead or not). Conflicts are refused; other risks need `accept_warnings`."""
    require(actor, "review.assign")
    review = Review.objects.select_for_update().select_related("assessment__member").get(pk=review.pk)
    if review.status not in (ReviewStatus.ACCEPTED, ReviewStatus.IN_REVIEW):
        raise ApplicationError(
            f"Reviewers are assigned to accepted reviews; this one is {review.get_status_display().lower()}.",
            code="illegal_transition",
        )
    check = assignment_check(review, reviewer)
    if check.problems:
        raise ApplicationError(
            "This reviewer cannot be assigned.",
            code="conflict",
            problems=[FieldProblem("reviewer", p) for p in check.problems],
        )
    if check.warnings and not accept_warnings:
        raise ApplicationError(
            "Assigning this reviewer needs your confirmation.",
            code="conflict",
            problems=[FieldProblem("accept_warnings", w) for w in check.warnings],
        )
    if lead:
        ReviewAssignment.objects.filter(review=review, lead=True).exclude(reviewer=reviewer).update(
            lead=False
        )
    assignment, created = ReviewAssignment.objects.update_or_create(
        review=review,
        reviewer=reviewer,
        defaults={"lead": lead, "assigned_by": acting_user(actor), "warnings": check.warnings},
    )
    audit_record(
        actor=actor,
        verb="review.assigned" if created else "review.assignment_changed",
        target=review,
        after={"reviewer": reviewer.username, "lead": lead, "warnings": check.warnings},
    )
    if created:
        notices.reviewer_assigned(review, reviewer)
    return assignment


@transaction.atomic
def review_unassign(*, actor: Any, review: Review, reviewer: User, reason: str) -> None:
    require(actor, "review.assign")
    if not reason.strip():
        raise ApplicationError(
            "Say why the reviewer leaves the review.", problems=[FieldProblem("reason", "is required")]
        )
    deleted, _ = ReviewAssignment.objects.filter(review=review, reviewer=reviewer).delete()
    if not deleted:
        raise ApplicationError(f"{reviewer.username} is not assigned to this review.", code="not_found")
    audit_record(
        actor=actor,
        verb="review.unassigned",
        target=review,
        before={"reviewer": reviewer.username},
        reason=reason,
    )


@transaction.atomic
def reviewer_save(
    *,
    actor: Any,
    user: User,
    accreditation: str | None = None,
    languages: list[str] | None = None,
    expertise: list[str] | None = None,
    reason: str = "",
) -> ReviewerProfile:
    """Put a peer reviewer in the pool or change their accreditation, languages or expertise."""
    require(actor, "reviewer.manage")
    if not is_reviewer(user):
        raise ApplicationError(
            f"{user.username} does not hold the peer reviewer role.",
            problems=[FieldProblem("user", "not a peer reviewer")],
        )
    profile = ReviewerProfile.objects.filter(user=user).first() or ReviewerProfile(user=user)
    before = {
        "accreditation": profile.accreditation,
        "languages": profile.languages,
        "expertise": profile.expertise,
    }
    problems = []
    if accreditation is not None:
        if accreditation not in Accreditation.values:
            problems.append(
                FieldProblem("accreditation", f"must be one of {', '.join(Accreditation.values)}")
            )
        profile.accreditation = accreditation
    if languages is not None:
        codes = sorted({code.strip().lower() for code in languages if code.strip()})
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            problems.append(FieldProblem("languages", "use two-letter language codes, e.g. en, fr, es, ar"))
        profile.languages = codes
    if expertise is not None:
        dimensions = sorted({code.strip().upper() for code in expertise if code.strip()})
        if any(not (len(code) == 2 and code[0] == "D" and code[1].isdigit()) for code in dimensions):
            problems.append(FieldProblem("expertise", "use dimension codes, e.g. D1, D3"))
        profile.expertise = dimensions
    if problems:
        raise ApplicationError("The reviewer could not be saved.", code="invalid_values", problems=problems)
    after = {
        "accreditation": profile.accreditation,
        "languages": profile.languages,
        "expertise": profile.expertise,
    }
    if profile.pk and after == before:
        return profile  # nothing changed: nothing to record
    profile.save()
    audit_record(
        actor=actor,
        verb="reviewer.saved",
        target=profile,
        target_label=user.username,
        before=before,
        after=after,
        reason=reason,
    )
    return profile
