"""Reads on evidence files. Access always goes through the assessment: `assessment_access` answers 404
for another member's assessment, and a file is only found inside the assessment it belongs to."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access, editing_blocked
from pmm.authz import can
from pmm.core.errors import NotFound
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.evidence.models import Evidence


def evidence_list(actor: Any, assessment: Assessment) -> QuerySet[Evidence]:
    """The assessment's current files (removed ones left out) that `actor` may read, in one query."""
    if not assessment.pk:
        return Evidence.objects.visible_to(actor).none()
    files = Evidence.objects.visible_to(actor).filter(assessment=assessment, deleted_at__isnull=True)
    return files.select_related("kpi", "element", "uploaded_by")


def evidence_get(actor: Any, cycle: Cycle, iso3: str, evidence_id: int) -> Evidence:
    """One current file of a member's assessment; 404 when missing, removed or not the actor's to see."""
    assessment = assessment_access(actor, cycle, iso3)
    evidence = (
        evidence_list(actor, assessment)
        .select_related("assessment__cycle", "assessment__member")
        .filter(pk=evidence_id)
    ).first()
    if evidence is None:
        raise NotFound("No such evidence file.")
    return evidence


def evidence_by_kpi(actor: Any, assessment: Assessment) -> dict[str, list[Evidence]]:
    """KPI code → the files supporting it: those attached to the KPI and to the values it is computed
    from (a value used by several KPIs is listed under each). One query, whatever the numbers."""
    spec = cycle_spec(assessment.cycle)
    grouped: dict[str, list[Evidence]] = defaultdict(list)
    for evidence in evidence_list(actor, assessment):
        if evidence.kpi is not None:
            grouped[evidence.kpi.code].append(evidence)
        elif evidence.element is not None:
            for code in spec.kpis_using(evidence.element.code):
                grouped[code].append(evidence)
    return dict(grouped)


def evidence_editable(actor: Any, assessment: Assessment) -> tuple[bool, str]:
    """Whether `actor` may add or remove the assessment's files now, and (for editors) why not."""
    if not can(actor, "assessment.edit", assessment):
        return False, ""
    why = editing_blocked(assessment)
    return not why, why
