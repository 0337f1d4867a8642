from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema

from pmm.assessments.models import Assessment, Change, KpiResponse
from pmm.assessments.read_model import AssessmentRead, assessment_read
from pmm.assessments.selectors import BoardRow, assessment_access, status_board, value_history
from pmm.assessments.services import (
    ValueInput,
    assessment_reopen,
    assessment_submit,
    justification_save,
    kpi_update,
    values_save,
)
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, AttributesOut, Input, IsoText, actor_of
from pmm.cycles.selectors import cycle_get

router = Router(tags=["assessments"])

Scalar = float | int | bool | str | None


class ValueIn(Input):
    element: str
    period: Literal["T", "T-1"]
    value: Scalar = None
    state: Literal["reported", "not_available"] = "reported"
    reason: str = ""
    comment: str | None = None


VERSION_READ = (
    "The assessment version the change is based on (`version` of GET …/assessments/{iso3}); a stale "
    "one gets 409 and nothing is saved. Required: a write without it is refused (422 naming `version`)."
)
MOVE_VERSION_READ = (
    "The assessment version the move is based on (`version` of GET …/assessments/{iso3}); a stale "
    "one gets 409 and nothing changes. Required: a move without it is refused (422 naming `version`)."
)


class ValuesIn(Input):
    version: int = Field(description=VERSION_READ)
    values: list[ValueIn]
    reason: str = ""


class VersionOut(Schema):
    version: int
    status: str


class KpiIn(Input):
    applicable: bool | None = None
    justification: str | None = None
    disclosure: Literal["public", "wco", "union", "country"] | None = None
    reason: str = ""  # required for a disclosure change once the member's results are published
    version: int = Field(description=VERSION_READ)


class KpiChoiceOut(Schema):
    kpi: str
    applicable: bool
    justification: str
    disclosure: str


# A KPI's choices as stored, read from the KpiResponse model the write returns.
class KpiSavedOut(KpiChoiceOut):
    version: int  # the assessment's version after the write (the one to send with the next write)

    @staticmethod
    def resolve_kpi(response: KpiResponse) -> str:
        return response.kpi.code

    @staticmethod
    def resolve_version(response: KpiResponse) -> int:
        return response.assessment.version


# The assessment's answer is read from the read model's dataclasses by plain pydantic (AttributesOut):
# a few hundred values, about ten times faster than ninja's Schema, the same OpenAPI document.
class KpiStateOut(AttributesOut):
    kpi: str
    applicable: bool
    justification: str
    disclosure: str
    published_disclosure: str | None  # the level in the latest publication (null: never published)
    disclosure_note: str  # both levels in words when they differ, else ""


# A stored value, read from the read model's ValueRead.
class ValueOut(AttributesOut):
    element: str
    period: str
    value: Scalar
    state: str
    reason: str
    comment: str
    carried_forward: bool
    updated_at: IsoText


class IssueOut(AttributesOut):
    key: str
    kind: str
    severity: str
    message: str
    element: str | None
    period: str | None
    rule: str | None
    blocking: bool
    justification: str


class CompletenessOut(AttributesOut):
    percent: int
    filled: int
    total: int


# A member's self-assessment, read from the read model (`read_model.AssessmentRead`, its selector
# `assessment_read`); issues, KPIs and completeness are read from its IssueRead, KpiRead and Completeness.
class AssessmentOut(AttributesOut):
    cycle: int
    member: str
    status: str
    version: int
    editable: bool
    not_editable_because: str
    deadline: date
    reopened_reason: str
    submitted_at: IsoText | None
    moves: list[str]  # the workflow moves the caller may make now ("start", "submit", "reopen")
    values: list[ValueOut]
    kpis: list[KpiStateOut]
    issues: list[IssueOut]
    completeness: CompletenessOut
    completeness_by_outcome: dict[str, CompletenessOut]


class AssessmentMoveIn(Input):
    version: int = Field(description=MOVE_VERSION_READ)


class ReopenIn(AssessmentMoveIn):
    reason: str


# A move posted without any body, as `submit` was before moves carried the version, is read as `{}`:
# its answer is the 422 of a body without `version`, naming the field (not a 422 naming nothing). The
# document still states the body as required.
MOVE_BODY: Any = Body({}, validate_default=True)
MOVE_BODY_REQUIRED = {"requestBody": {"required": True}}


class JustificationIn(Input):
    text: str
    version: int = Field(description=VERSION_READ)


# One change of the history, read from the Change model.
class ChangeOut(Schema):
    subject: str
    field: str
    old: Any
    new: Any
    path: str
    reason: str
    changed_at: str
    changed_by: str | None

    @staticmethod
    def resolve_changed_at(change: Change) -> str:
        return change.changed_at.isoformat()

    @staticmethod
    def resolve_changed_by(change: Change) -> str | None:
        return change.changed_by.username if change.changed_by else None


def _assessment(actor: Any, cycle: int, iso3: str) -> Assessment:
    """The member's assessment in the cycle, if the actor may see it (else 404)."""
    return assessment_access(actor, cycle_get(cycle), iso3)


@router.get(
    "/cycles/{cycle}/assessments/{iso3}",
    response={200: AssessmentOut, **ERROR_RESPONSES},
    summary="A member's self-assessment",
)
def get_assessment(request: HttpRequest, cycle: int, iso3: str) -> AssessmentRead:
    actor = actor_of(request)
    return assessment_read(_assessment(actor, cycle, iso3), actor)


@router.put(
    "/cycles/{cycle}/assessments/{iso3}/values",
    response={200: VersionOut, **ERROR_RESPONSES},
    summary="Save a batch of values (carries the version read; a stale version gets 409)",
)
def put_values(request: HttpRequest, cycle: int, iso3: str, payload: ValuesIn) -> Assessment:
    actor = actor_of(request)
    items = [ValueInput(v.element, v.period, v.value, v.state, v.reason, v.comment) for v in payload.values]
    return values_save(
        actor=actor,
        assessment=_assessment(actor, cycle, iso3),
        version=payload.version,
        items=items,
        path="api",
        reason=payload.reason,
    )


@router.put(
    "/cycles/{cycle}/assessments/{iso3}/kpis/{kpi}",
    response={200: KpiSavedOut, **ERROR_RESPONSES},
    summary="A KPI's applicability, justification and disclosure level (the level also once submitted and "
    "published; after publication with a reason); carries the version read",
)
def put_kpi(request: HttpRequest, cycle: int, iso3: str, kpi: str, payload: KpiIn) -> KpiResponse:
    actor = actor_of(request)
    return kpi_update(
        actor=actor,
        assessment=_assessment(actor, cycle, iso3),
        kpi_code=kpi,
        applicable=payload.applicable,
        justification=payload.justification,
        disclosure=payload.disclosure,
        path="api",
        reason=payload.reason,
        version=payload.version,
    )


@router.put(
    "/cycles/{cycle}/assessments/{iso3}/justifications/{issue_key}",
    response={200: VersionOut, **ERROR_RESPONSES},
    summary="Explain a validation warning (carries the version read; a stale version gets 409)",
)
def put_justification(
    request: HttpRequest, cycle: int, iso3: str, issue_key: str, payload: JustificationIn
) -> Assessment:
    actor = actor_of(request)
    return justification_save(
        actor=actor,
        assessment=_assessment(actor, cycle, iso3),
        issue_key=issue_key,
        text=payload.text,
        path="api",
        version=payload.version,
    )


@router.post(
    "/cycles/{cycle}/assessments/{iso3}/submit",
    response={200: VersionOut, **ERROR_RESPONSES},
    summary="Submit the self-assessment (NCP; carries the version read, a stale version gets 409)",
    openapi_extra=MOVE_BODY_REQUIRED,
)
def submit(request: HttpRequest, cycle: int, iso3: str, payload: AssessmentMoveIn = MOVE_BODY) -> Assessment:
    actor = actor_of(request)
    return assessment_submit(
        actor=actor, assessment=_assessment(actor, cycle, iso3), path="api", version=payload.version
    )


@router.post(
    "/cycles/{cycle}/assessments/{iso3}/reopen",
    response={200: VersionOut, **ERROR_RESPONSES},
    summary="Reopen a submitted self-assessment (Secretariat; carries the version read, a stale version "
    "gets 409)",
    openapi_extra=MOVE_BODY_REQUIRED,
)
def reopen(request: HttpRequest, cycle: int, iso3: str, payload: ReopenIn = MOVE_BODY) -> Assessment:
    actor = actor_of(request)
    return assessment_reopen(
        actor=actor,
        assessment=_assessment(actor, cycle, iso3),
        reason=payload.reason,
        path="api",
        version=payload.version,
    )


@router.get(
    "/cycles/{cycle}/assessments/{iso3}/history",
    response={200: list[ChangeOut], **ERROR_RESPONSES},
    summary="Every change of values, states, applicability and disclosure",
)
def history(request: HttpRequest, cycle: int, iso3: str, subject: str = "") -> list[Change]:
    actor = actor_of(request)
    assessment = _assessment(actor, cycle, iso3)
    if not assessment.pk:
        return []
    return list(value_history(assessment, actor, subject or None))


# A member's row of the status board, read from the selector's BoardRow.
class BoardRowOut(Schema):
    member: str = Field(validation_alias="member.iso3")
    name: str = Field(validation_alias="member.display_name")
    status: str
    completeness: int
    errors: int
    unexplained_warnings: int
    last_activity: str | None
    deadline: date
    submitted_at: str | None

    @staticmethod
    def resolve_last_activity(row: BoardRow) -> str | None:
        return row.last_activity.isoformat() if row.last_activity else None

    @staticmethod
    def resolve_submitted_at(row: BoardRow) -> str | None:
        return row.submitted_at.isoformat() if row.submitted_at else None


@router.get(
    "/cycles/{cycle}/board",
    response={200: list[BoardRowOut], **ERROR_RESPONSES},
    summary="Every member's progress in the cycle (Secretariat); filter by group code",
)
def board(request: HttpRequest, cycle: int, group: str = "") -> list[BoardRow]:
    actor = actor_of(request)
    # The board's only check (status_board takes the actor only to read), and before the cycle's lookup.
    require(actor, "cycle.status_board")
    return status_board(actor, cycle_get(cycle), group=group)
