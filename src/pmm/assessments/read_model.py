"""The read model of one assessment: what the API answers for `GET …/assessments/{iso3}`, computed by
one selector (`assessment_read`) from the assessment's state, as its reader may read it.

It gathers what lives in several places: the state (values, KPI choices, issues, completeness:
`selectors.assessment_state`), the member's deadline and whether the data can change now (the cycle's
editing window), the moves of the workflow the reader may make, and the disclosure levels of the
member's latest publication. The API's schema (`api.AssessmentOut`) renders it as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pmm.assessments.messages import issue_text
from pmm.assessments.models import Assessment
from pmm.assessments.selectors import AssessmentState, assessment_state, editing_blocked
from pmm.assessments.services.disclosure import PublishedLevels, published_levels
from pmm.assessments.validation import Completeness
from pmm.assessments.workflow import ASSESSMENT_WORKFLOW
from pmm.cycles.selectors import member_deadline


@dataclass(frozen=True)
class ValueRead:
    """A stored value of a data element for one period."""

    element: str
    period: str  # "T" or "T-1"
    value: Any
    state: str
    reason: str
    comment: str
    carried_forward: bool
    updated_at: datetime


@dataclass(frozen=True)
class KpiRead:
    """A KPI's choices, with the level of the latest publication (a level changed after publication
    applies from the next publication: `disclosure_note` then says both in words)."""

    kpi: str
    applicable: bool
    justification: str
    disclosure: str
    published_disclosure: str | None  # None: the member's figures of the KPI were never published
    disclosure_note: str  # "" when both levels are the same


@dataclass(frozen=True)
class IssueRead:
    """A validation issue, its message in the reader's language and its explanation (warnings)."""

    key: str
    kind: str
    severity: str
    message: str
    element: str | None
    period: str | None
    rule: str | None
    blocking: bool  # an error, or a warning not explained yet: the assessment cannot be submitted
    justification: str


@dataclass(frozen=True)
class AssessmentRead:
    """One member's self-assessment in a cycle, as its reader may read it."""

    cycle: int
    member: str  # ISO3
    status: str
    version: int  # the version every write of the assessment carries
    editable: bool
    not_editable_because: str  # why the data cannot change now, in the reader's language ("" if it can)
    deadline: date  # the member's, extension included
    reopened_reason: str
    submitted_at: datetime | None
    moves: list[str]  # the workflow moves the reader may make now ("start", "submit", "reopen")
    values: list[ValueRead]  # in the framework's order of elements, then T before T-1
    kpis: list[KpiRead]  # in the framework's order
    issues: list[IssueRead]
    completeness: Completeness
    completeness_by_outcome: dict[str, Completeness]


def assessment_read(assessment: Assessment, reader: Any) -> AssessmentRead:
    """The assessment as `reader` may read it (found with `assessment_access`, which checked the right)."""
    state = assessment_state(assessment, reader)
    a = state.assessment
    deadline = member_deadline(a.cycle, a.member_id)
    why = editing_blocked(a, deadline)
    return AssessmentRead(
        cycle=a.cycle_id,
        member=a.member.iso3,
        status=a.status,
        version=a.version,
        editable=not why,
        not_editable_because=why,
        deadline=deadline,
        reopened_reason=a.reopened_reason,
        submitted_at=a.submitted_at,
        moves=ASSESSMENT_WORKFLOW.available(reader, a),
        values=_values(state),
        kpis=_kpis(state, published_levels(a)),
        issues=_issues(state),
        completeness=state.overall,
        completeness_by_outcome=state.per_outcome,
    )


def _values(state: AssessmentState) -> list[ValueRead]:
    elements = state.spec.elements
    ordered = sorted(state.values.items(), key=lambda kv: (elements[kv[0][0]].position, kv[0][1]))
    return [
        ValueRead(code, period, v.value, v.state, v.reason, v.comment, v.carried_forward, v.updated_at)
        for (code, period), v in ordered
    ]


def _kpis(state: AssessmentState, published: PublishedLevels) -> list[KpiRead]:
    kpis = []
    for code in state.spec.kpis:
        level = state.disclosure(code)
        response = state.responses.get(code)
        kpis.append(
            KpiRead(
                kpi=code,
                applicable=response.applicable if response else True,
                justification=response.justification if response else "",
                disclosure=level,
                published_disclosure=published.level(code) or None,
                disclosure_note=published.note(code, level),
            )
        )
    return kpis


def _issues(state: AssessmentState) -> list[IssueRead]:
    blocking = {i.key for i in state.blocking}
    explained = state.justifications
    return [
        IssueRead(
            key=i.key,
            kind=i.kind,
            severity=i.severity,
            message=issue_text(i),
            element=i.element,
            period=i.period,
            rule=i.rule,
            blocking=i.key in blocking,
            justification=explained[i.key].text if i.key in explained else "",
        )
        for i in state.issues
    ]
