"""Start, submit and reopen an assessment; T-1 values carried forward when it starts.

Submitting and reopening carry the version the mover read, as the writes of data do (decision 0014):
a stale one changes nothing and answers 409. None: the mover holds no version (the system, a command,
the demo) and the move applies to the assessment as it is. Starting takes none: it only ever makes a
not-started assessment (version 0) start, and starting one that has started changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pmm.assessments.models import (
    Assessment,
    AssessmentStatus,
    Change,
    DataValue,
)
from pmm.assessments.selectors import assessment_state
from pmm.assessments.services.common import (
    acting_user,
    bump_version,
    history_entries,
    history_record,
    stale_version,
)
from pmm.assessments.signals import assessment_submitted
from pmm.assessments.workflow import ASSESSMENT_WORKFLOW
from pmm.audit.services import audit_record
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework.models import DataElement


@transaction.atomic
def assessment_start(*, actor: Any, assessment: Assessment, path: str = "form") -> Assessment:
    """The member joins the cycle: its assessment exists from now on, T-1 values carried forward."""
    if assessment.pk and assessment.status != AssessmentStatus.NOT_STARTED:
        ASSESSMENT_WORKFLOW.require_allowed(actor, assessment, "start")
        return assessment
    assessment.status = ASSESSMENT_WORKFLOW.require(actor, assessment, "start")
    assessment.started_at, assessment.started_by = timezone.now(), acting_user(actor)
    assessment.last_activity_at = assessment.started_at
    assessment.version = 1
    assessment.save()
    carried = _carry_forward(actor, assessment, path)
    audit_record(
        actor=actor,
        verb="assessment.started",
        target=assessment,
        after={"status": assessment.status, "carried_forward": carried},
    )
    return assessment


def _carry_forward(actor: Any, assessment: Assessment, path: str) -> int:
    """Pre-fill T-1 from the member's earlier assessments reporting the same element for that year."""
    year = assessment.cycle.reporting_year - 1
    elements = {
        e.code: e
        for e in DataElement.objects.filter(framework=assessment.cycle.framework)
        if "T-1" in e.periods
    }
    earlier = (
        DataValue.objects.unrestricted()
        .filter(
            assessment__member=assessment.member,
            assessment__cycle__reporting_year__in=[year, year + 1],  # year as its T, or as its T-1
            element__code__in=elements,
            state="reported",
        )
        .exclude(assessment=assessment)
        .select_related("assessment__cycle", "element")
        .order_by("-assessment__cycle__reporting_year")
    )
    found: dict[str, Any] = {}
    for value in earlier:
        value_year = value.assessment.cycle.reporting_year - (1 if value.period == "T-1" else 0)
        if value_year == year and value.element.code not in found and value.value is not None:
            found[value.element.code] = value.value
    reason = f"carried forward from the {year} data of an earlier cycle"
    DataValue.objects.bulk_create(
        DataValue(
            assessment=assessment,
            element=elements[code],
            period="T-1",
            value=value,
            carried_forward=True,
            updated_by=acting_user(actor),
        )
        for code, value in found.items()
    )
    Change.objects.bulk_create(
        change
        for code, value in found.items()
        for change in history_entries(
            assessment, f"{code}@T-1", {"value": (None, value)}, actor=actor, path="system", reason=reason
        )
    )
    return len(found)


def _require_read_version(assessment: Assessment, version: int | None) -> None:
    """Refuse (409) a move based on a version other than the assessment's as this request read it; the
    compare-and-swap of the move (`bump_version`) then refuses one that another writer overtakes."""
    if version is not None and version != assessment.version:
        raise stale_version(version, assessment.version)


@transaction.atomic
def assessment_submit(
    *, actor: Any, assessment: Assessment, path: str = "form", version: int | None = None
) -> Assessment:
    """The NCP submits the assessment at `version` (the one read; None: as it is): refused outside the
    editing window (the workflow's guard), when the version is stale, and while errors or unexplained
    warnings remain."""

    def started() -> None:
        if not assessment.pk:
            raise ApplicationError("This assessment has not started yet.", code="illegal_transition")

    new_status = ASSESSMENT_WORKFLOW.require(actor, assessment, "submit", checks=[started])
    _require_read_version(assessment, version)
    state = assessment_state(assessment, actor)
    if state.blocking:
        raise ApplicationError(
            f"The assessment cannot be submitted yet: {len(state.blocking)} problem(s) remain.",
            code="invalid_values",
            problems=[FieldProblem(i.key, i.text()) for i in state.blocking],
        )
    bump_version(assessment, version)
    assessment.status, assessment.submitted_at, assessment.submitted_by = (
        new_status,
        timezone.now(),
        acting_user(actor),
    )
    assessment.reopened_reason = ""
    assessment.save(update_fields=["status", "submitted_at", "submitted_by", "reopened_reason"])
    history_record(assessment, "assessment", {"status": ("in_progress", "submitted")}, actor=actor, path=path)
    transaction.on_commit(
        lambda: assessment_submitted.send(sender=Assessment, assessment=assessment), robust=True
    )
    audit_record(
        actor=actor,
        verb="assessment.submitted",
        target=assessment,
        before={"status": "in_progress"},
        after={"status": "submitted", "version": assessment.version},
    )
    return assessment


@transaction.atomic
def assessment_reopen(
    *, actor: Any, assessment: Assessment, reason: str, path: str = "form", version: int | None = None
) -> Assessment:
    """The Secretariat sends a submitted assessment back to the member, saying why; at `version` (the
    one read; None: as it is), refused when it is stale."""

    def reason_given() -> None:
        if not reason.strip():
            raise ApplicationError(
                "Say why the assessment is reopened; the NCP will see it.",
                problems=[FieldProblem("reason", "is required")],
            )

    new_status = ASSESSMENT_WORKFLOW.require(actor, assessment, "reopen", checks=[reason_given])
    _require_read_version(assessment, version)
    bump_version(assessment, version)
    assessment.status, assessment.reopened_reason = new_status, reason.strip()
    assessment.save(update_fields=["status", "reopened_reason"])
    history_record(
        assessment,
        "assessment",
        {"status": ("submitted", "in_progress")},
        actor=actor,
        path=path,
        reason=reason,
    )
    audit_record(
        actor=actor,
        verb="assessment.reopened",
        target=assessment,
        before={"status": "submitted"},
        after={"status": "in_progress"},
        reason=reason,
    )
    return assessment
