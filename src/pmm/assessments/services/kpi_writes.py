"""The KPI step of a unit of work (`AssessmentWrite.kpi`): a KPI's applicability, justification and
disclosure level.

Applicability and justification are data: they change only within the unit's editing window. The
disclosure level is a governance choice the NCP may change at any time, also once the assessment is
submitted (which it leaves submitted) and after publication; once the member's results of the cycle
are published, a change needs a reason and the Secretariat is notified (`services.disclosure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pmm.assessments.models import Disclosure, KpiResponse
from pmm.assessments.services.disclosure import NOT_PUBLISHED, published_levels, secretariat_notify
from pmm.assessments.services.write_terms import Refusal
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework.models import Kpi

if TYPE_CHECKING:
    from pmm.assessments.services.unit_of_work import AssessmentWrite

VERB = "assessment.kpi_changed"
REFUSED = "The KPI choice could not be saved."


def write_kpi(
    w: AssessmentWrite,
    code: str,
    *,
    applicable: bool | None,
    justification: str | None,
    disclosure: str | None,
    reason: str | None,
) -> KpiResponse:
    """Save what differs from the KPI's stored choice; return the response as stored. A choice that
    is not valid is refused as the unit's policy says (the response is then returned unchanged)."""
    assessment = w.assessment
    if disclosure is not None:
        require(w.actor, "assessment.set_disclosure", assessment)
    kpi = Kpi.objects.filter(outcome__dimension__framework=assessment.cycle.framework, code=code).first()
    if kpi is None:
        raise ApplicationError(f"No KPI {code} in this cycle's framework.", code="not_found")
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
    data = any(f != "disclosure" for f in diffs)
    if data:
        w.require_window()  # a submitted assessment keeps its data: only the level may change
    reason = (w.reason if reason is None else reason).strip()
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
        w.refuse(REFUSED, {f"kpi:{code}": Refusal(problems)})
        return response
    if not diffs:
        return response  # nothing changes: no version, no history, and a not-started assessment stays so
    w.claim(data=data)
    response.assessment = w.assessment
    response.applicable, response.justification, response.disclosure = (
        after["applicable"],
        after["justification"],
        after["disclosure"],
    )
    response.save()
    w.record(f"kpi:{code}", diffs, verb=VERB, reason=reason, label=f"{w.assessment} · {code}")
    if "disclosure" in diffs and published.published:
        old_level, new_level = diffs["disclosure"]
        w.after_flush(lambda: secretariat_notify(w.assessment, code, old_level, new_level, reason, published))
    return response
