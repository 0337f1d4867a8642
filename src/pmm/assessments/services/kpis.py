"""A KPI's applicability, justification and disclosure level."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from pmm.assessments.models import (
    Assessment,
    Disclosure,
    KpiResponse,
)
from pmm.assessments.services.common import (
    bump_version,
    history_record,
    is_not_started,
    require_editable,
)
from pmm.assessments.services.disclosure import NOT_PUBLISHED, published_levels, secretariat_notify
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
    version: int | None = None,
) -> KpiResponse:
    """Change a KPI's applicability (with a justification) and/or its disclosure level.

    Applicability and justification are data: they change only within the editing window. The
    disclosure level is a governance choice the NCP may change at any time, also once the
    assessment is submitted (which it leaves submitted) and after publication; once the member's
    results of the cycle are published, a change needs a `reason` and the Secretariat is notified
    (`services.disclosure`). `version`: the version the writer read, swapped like every write's
    (None: not checked)."""
    require(actor, "assessment.edit", assessment)
    if disclosure is not None:
        require(actor, "assessment.set_disclosure", assessment)
    not_started = is_not_started(assessment, version)
    kpi = Kpi.objects.filter(outcome__dimension__framework=assessment.cycle.framework, code=kpi_code).first()
    if kpi is None:
        raise ApplicationError(f"No KPI {kpi_code} in this cycle's framework.", code="not_found")
    stored = (
        KpiResponse.objects.unrestricted().filter(assessment=assessment, kpi=kpi).first()
        if assessment.pk
        else None
    )
    response = stored or KpiResponse(assessment=assessment, kpi=kpi, disclosure=kpi.disclosure_default)
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
    diffs = {f: (before[f], after[f]) for f in after if before[f] != after[f]}
    if any(f != "disclosure" for f in diffs):
        require_editable(assessment)  # a submitted assessment keeps its data: only the level may change
    reason = reason.strip()
    problems = []
    if after["disclosure"] not in Disclosure.values:
        problems.append(FieldProblem("disclosure", f"must be one of {', '.join(Disclosure.values)}"))
    if not after["applicable"] and not after["justification"]:
        problems.append(
            FieldProblem("justification", "explain why the KPI does not apply to your administration")
        )
    published = NOT_PUBLISHED
    if "disclosure" in diffs and assessment.pk:
        published = published_levels(assessment)
        if published.published and not reason:
            problems.append(
                FieldProblem(
                    "reason",
                    f"is required: the member's results of this cycle were published (publication "
                    f"{published.number}); say why the disclosure level changes",
                )
            )
    if problems:
        raise ApplicationError("The KPI choice could not be saved.", code="invalid_values", problems=problems)
    if not diffs:
        return response  # nothing changes: no version, no history, and a not-started assessment stays so
    if not_started:
        assessment = assessment_start(actor=actor, assessment=assessment, path=path)
        version = None if version is None else assessment.version
        response.assessment = assessment
    response.applicable, response.justification, response.disclosure = (
        after["applicable"],
        after["justification"],
        after["disclosure"],
    )
    response.save()
    bump_version(assessment, version)
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
    if "disclosure" in diffs and published.published:
        old_level, new_level = diffs["disclosure"]
        secretariat_notify(assessment, kpi_code, old_level, new_level, reason, published)
    return response
