"""The workflow of a self-assessment, as data: not started -> in progress -> submitted -> (reopened)
in progress. The member's NCP and contributors start it, the NCP submits it, the Secretariat reopens
it; the moves are made by `services.workflow`, which also refuses a submission while problems remain."""

from __future__ import annotations

from typing import Any

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.selectors import editing_blocked
from pmm.authz import allowed_to
from pmm.core.errors import ApplicationError
from pmm.core.workflow import Guard, Workflow, illegal
from pmm.cycles.selectors import closed_reason

# (status, action) -> new status
ASSESSMENT_TRANSITIONS: dict[tuple[str, str], str] = {
    (AssessmentStatus.NOT_STARTED, "start"): AssessmentStatus.IN_PROGRESS,
    (AssessmentStatus.IN_PROGRESS, "submit"): AssessmentStatus.SUBMITTED,
    (AssessmentStatus.SUBMITTED, "reopen"): AssessmentStatus.IN_PROGRESS,
}


def _cycle_accepts_data(_actor: Any, assessment: Assessment) -> None:
    reason = closed_reason(assessment.cycle, assessment.member_id)
    if reason:
        raise ApplicationError(reason, code="conflict")


def _data_may_change(_actor: Any, assessment: Assessment) -> None:
    reason = editing_blocked(assessment)
    if reason:
        raise ApplicationError(reason, code="conflict")


def _refusal(assessment: Assessment, action: str, _allowed: list[str]) -> ApplicationError:
    return illegal(f"A {assessment.get_status_display().lower()} assessment cannot be asked to {action}.")


ASSESSMENT_WORKFLOW = Workflow(
    name="assessment",
    transitions=ASSESSMENT_TRANSITIONS,
    moves={
        "start": (allowed_to("assessment.edit"),),
        "submit": (allowed_to("assessment.submit"),),
        "reopen": (allowed_to("assessment.reopen"),),
    },
    guards={
        "start": (
            Guard("the cycle accepts the member's data (open, before its deadline)", _cycle_accepts_data),
        ),
        "submit": (
            Guard("the data may still change (the cycle is open, before the deadline)", _data_may_change),
        ),
    },
    refusal=_refusal,
    initial=(AssessmentStatus.NOT_STARTED,),
)
