"""A KPI's applicability, justification and disclosure level."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from pmm.assessments.models import (
    Assessment,
    AssessmentStatus,
    Disclosure,
    KpiResponse,
)
from pmm.assessments.services.common import (
    bump_version,
    history_record,
    require_editable,
)
from pmm.assessments.services.workflow import assessment_start
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework.models import Kpi


@transaction.atomic
def kpi_update(
    *,
    actor: Any,
    assessment: Assessment,
    kpi_code: str,
    applicable: bool | None = None,
    justification: str | None = None,
    disclosure: str | None = None,
    path: str = "form",
    reason: str = "",
) -> KpiResponse:
    """Change a KPI's applicability (with a justification) and/or its disclosure level."""
    require(actor, "assessment.edit", assessment.member)
    if disclosure is not None:
        require(actor, "assessment.set_disclosure", assessment.member)
    if not assessment.pk or assessment.status == AssessmentStatus.NOT_STARTED:
        assessment = assessment_start(actor=actor, assessment=assessment, path=path)
    kpi = Kpi.objects.filter(outcome__dimension__framework=assessment.cycle.framework, code=kpi_code).first()
    if kpi is None:
        raise ApplicationError(f"No KPI {kpi_code} in this cycle's framework.", code="not_found")
    if applicable is not None or justification is not None:
        require_editable(assessment)
    response = KpiResponse.objects.filter(assessment=assessment, kpi=kpi).first() or KpiResponse(
        assessment=assessment, kpi=kpi, disclosure=kpi.disclosure_default
    )
    before: dict[str, Any] = {
        "applicable": response.applicable,
        "justification": response.justification,
        "disclosure": response.disclosure,
    }
    after = dict(before)
    if applicable is not None:
        after["applicable"] = applicable
    if justification is not None:
        after["justification"] = justification.strip()
    if disclosure is not None:
        after["disclosure"] = disclosure
    problems = []
    if after["disclosure"] not in Disclosure.values:
        problems.append(FieldProblem("disclosure", f"must be one of {', '.join(Disclosure.values)}"))
    if not after["applicable"] and not after["justification"]:
        problems.append(
            FieldProblem("justification", "explain why the KPI does not apply to your administration")
        )
    if problems:
        raise ApplicationError("The KPI choice could not be saved.", code="invalid_values", problems=problems)
    diffs = {f: (before[f], after[f]) for f in after if before[f] != after[f]}
    if not diffs:
        return response
    response.applicable, response.justification, response.disclosure = (
        after["applicable"],
        after["justification"],
        after["disclosure"],
    )
    response.save()
    bump_version(assessment, None)
    history_record(assessment, f"kpi:{kpi_code}", diffs, actor=actor, path=path, reason=reason)
    audit_record(
        actor=actor,
        verb="assessment.kpi_changed",
        target=assessment,
        target_label=f"{assessment} · {kpi_code}",
        before={f: old for f, (old, _n) in diffs.items()},
        after={f: new for f, (_o, new) in diffs.items()},
        reason=reason,
    )
    return response
