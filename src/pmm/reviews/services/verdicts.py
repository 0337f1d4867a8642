"""Writes of verdicts: the reviewers' conclusion on each KPI (confirmed, adjusted, not validated)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pmm.assessments.services.common import acting_user
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.selectors import cycle_spec
from pmm.reviews.models import KpiVerdict, Review, Verdict
from pmm.reviews.services.queries import EXAMINING, lock_review, require_status


@transaction.atomic
def verdict_set(*, actor: Any, review: Review, kpi: str, verdict: str, reason: str = "") -> KpiVerdict:
    """Record (or change) the verdict on one KPI. "Not validated" needs a reason."""
    review = lock_review(review)
    require(actor, "review.examine", review.assessment)
    require_status(review, EXAMINING, "judged")
    problems = []
    if kpi not in cycle_spec(review.assessment.cycle).kpis:
        problems.append(FieldProblem("kpi", f"unknown KPI {kpi}"))
    if verdict not in Verdict.values:
        problems.append(FieldProblem("verdict", f"must be one of {', '.join(Verdict.values)}"))
    reason = (reason or "").strip()
    if verdict == Verdict.NOT_VALIDATED and not reason:
        problems.append(FieldProblem("reason", "is required when a KPI is not validated"))
    if problems:
        raise ApplicationError("The verdict was not recorded.", code="invalid_values", problems=problems)
    existing = KpiVerdict.objects.unrestricted().filter(review=review, kpi=kpi).first()
    before = {"verdict": existing.verdict, "reason": existing.reason} if existing else {}
    if existing and before == {"verdict": verdict, "reason": reason}:
        return existing
    saved, _created = KpiVerdict.objects.unrestricted().update_or_create(
        review=review,
        kpi=kpi,
        defaults={
            "verdict": verdict,
            "reason": reason,
            "decided_at": timezone.now(),
            "decided_by": acting_user(actor),
        },
    )
    audit_record(
        actor=actor,
        verb="review.verdict",
        target=review,
        target_label=f"{review} · {kpi}",
        before=before,
        after={"kpi": kpi, "verdict": verdict, "reason": reason},
    )
    return saved
