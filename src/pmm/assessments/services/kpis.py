"""A KPI's applicability, justification and disclosure level, as one write (`kpi_writes` holds the
rule)."""

from __future__ import annotations

from typing import Any

from pmm.assessments.models import Assessment, KpiResponse
from pmm.assessments.services.unit_of_work import assessment_write


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
    (None: the writer holds none, e.g. the system)."""
    with assessment_write(actor, assessment, version, path=path, reason=reason.strip()) as w:
        response = w.kpi(kpi_code, applicable=applicable, justification=justification, disclosure=disclosure)
    return response
