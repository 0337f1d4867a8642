"""Writes on assessments, shared by the form, the workbook import, the API and the CLI.

Every write: authorise, check the workflow and the editing window, validate, compare-and-swap
the version (a stale version changes nothing and answers 409), save, record each field's change
in the history with its path, and audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pmm.assessments.models import (
    Assessment,
    AssessmentStatus,
    Change,
    DataValue,
    Disclosure,
    KpiResponse,
    WarningJustification,
)
from pmm.assessments.selectors import assessment_state, cycle_spec
from pmm.assessments.validation import Issue, check_entry
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.selectors import accepting_data
from pmm.framework.models import DataElement, Kpi

# (status, action) -> new status; each action is also an authorisation action.
ASSESSMENT_TRANSITIONS = {
    (AssessmentStatus.NOT_STARTED, "start"): AssessmentStatus.IN_PROGRESS,
    (AssessmentStatus.IN_PROGRESS, "submit"): AssessmentStatus.SUBMITTED,
    (AssessmentStatus.SUBMITTED, "reopen"): AssessmentStatus.IN_PROGRESS,
}


@dataclass(frozen=True)
class ValueInput:
    element: str
    period: str
    value: Any = None
    state: str = "reported"
    reason: str = ""
    comment: str | None = None  # None: leave the comment as it is


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _move(assessment: Assessment, action: str) -> AssessmentStatus:
    new_status = ASSESSMENT_TRANSITIONS.get((AssessmentStatus(assessment.status), action))
    if new_status is None:
        raise ApplicationError(
            f"A {assessment.get_status_display().lower()} assessment cannot be asked to {action}.",
            code="illegal_transition",
        )
    return new_status


def _check_editable(assessment: Assessment) -> None:
    if assessment.status == AssessmentStatus.SUBMITTED:
        raise ApplicationError(
            "This assessment has been submitted; ask the Secretariat to reopen it to change it.",
            code="conflict",
        )
    open_now, why = accepting_data(assessment.cycle, assessment.member_id)
    if not open_now:
        raise ApplicationError(f"Data cannot be changed now: {why}.", code="conflict")


def _bump(assessment: Assessment, expected: int | None) -> None:
    """Compare-and-swap the version: exactly one writer holding `expected` wins."""
    now = timezone.now()
    rows = Assessment.objects.filter(pk=assessment.pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    if rows.update(version=F("version") + 1, last_activity_at=now) != 1:
        current = Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
        raise ApplicationError(
            f"Someone else changed this assessment meanwhile (you had version {expected}, "
            f"it is now {current}). Reload it and apply your changes again.",
            code="conflict",
            problems=[FieldProblem("version", f"stale: {expected}, current {current}")],
        )
    assessment.refresh_from_db(fields=["version", "last_activity_at"])


@transaction.atomic
def assessment_start(*, actor: Any, assessment: Assessment, path: str = "form") -> Assessment:
    """The member joins the cycle: its assessment exists from now on, T-1 values carried forward."""
    require(actor, "assessment.edit", assessment.member)
    if assessment.pk and assessment.status != AssessmentStatus.NOT_STARTED:
        return assessment
    open_now, why = accepting_data(assessment.cycle, assessment.member_id)
    if not open_now:
        raise ApplicationError(f"The self-assessment cannot start: {why}.", code="conflict")
    assessment.status = _move(assessment, "start")
    assessment.started_at, assessment.started_by = timezone.now(), _user(actor)
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
        DataValue.objects.filter(
            assessment__member=assessment.member, element__code__in=elements, state="reported"
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
    for code, value in found.items():
        DataValue.objects.create(
            assessment=assessment,
            element=elements[code],
            period="T-1",
            value=value,
            carried_forward=True,
            updated_by=_user(actor),
        )
        Change.objects.create(
            assessment=assessment,
            subject=f"{code}@T-1",
            field="value",
            old=None,
            new=value,
            path="system",
            reason=f"carried forward from the {year} data of an earlier cycle",
            changed_by=_user(actor),
        )
    return len(found)


def values_save(
    *,
    actor: Any,
    assessment: Assessment,
    version: int | None,
    items: Sequence[ValueInput],
    path: str,
    reason: str = "",
) -> Assessment:
    """Save a batch of values atomically. Any invalid item refuses the whole batch, naming each item."""
    require(actor, "assessment.edit", assessment.member)
    with transaction.atomic():
        if not assessment.pk or assessment.status == AssessmentStatus.NOT_STARTED:
            if version not in (None, 0):
                raise ApplicationError(
                    "This assessment has not started yet; send version 0.",
                    code="conflict",
                    problems=[FieldProblem("version", f"stale: {version}, current 0")],
                )
            assessment = assessment_start(actor=actor, assessment=assessment, path=path)
            version = assessment.version
        _check_editable(assessment)
        spec = cycle_spec(assessment.cycle)
        problems, accepted = [], []
        seen: dict[tuple[str, str], int] = {}
        for index, item in enumerate(items):
            key = (item.element, item.period)
            if key in seen:
                problems.append(
                    FieldProblem(
                        f"values[{index}]", f"{item.element} {item.period} is also at values[{seen[key]}]"
                    )
                )
                continue
            seen[key] = index
            entry, issues = check_entry(spec, item.element, item.period, item.value, item.state, item.reason)
            problems += [FieldProblem(f"values[{index}].{_field_of(i.kind)}", i.text()) for i in issues]
            if entry is not None and not issues:
                accepted.append((item, entry))
        if problems:
            raise ApplicationError(
                "Some values are not valid; nothing was saved.", code="invalid_values", problems=problems
            )
        _bump(assessment, version)
        elements = {
            e.code: e
            for e in DataElement.objects.filter(
                framework=assessment.cycle.framework, code__in=[i.element for i, _e in accepted]
            )
        }
        existing = {
            (v.element_id, v.period): v
            for v in DataValue.objects.filter(assessment=assessment, element__in=elements.values())
        }
        created, updated, changes = [], [], []
        now = timezone.now()
        for item, entry in accepted:
            element = elements[item.element]
            stored = existing.get((element.pk, item.period))
            before = _value_fields(stored)
            after = {
                "value": entry.value,
                "state": entry.state,
                "reason": entry.reason,
                "comment": before["comment"] if item.comment is None else item.comment.strip(),
            }
            diffs = {f: (before[f], after[f]) for f in after if before[f] != after[f]}
            if not diffs:
                continue
            if stored is None:
                stored = DataValue(assessment=assessment, element=element, period=item.period)
                created.append(stored)
            else:
                updated.append(stored)
            stored.value, stored.state, stored.reason, stored.comment = (
                after["value"],
                after["state"],
                after["reason"],
                after["comment"],
            )
            stored.carried_forward = stored.carried_forward and "value" not in diffs
            stored.updated_by, stored.updated_at = _user(actor), now
            changes += [
                Change(
                    assessment=assessment,
                    subject=f"{item.element}@{item.period}",
                    field=f,
                    old=old,
                    new=new,
                    path=path,
                    reason=reason,
                    changed_by=_user(actor),
                )
                for f, (old, new) in diffs.items()
            ]
        DataValue.objects.bulk_create(created)
        DataValue.objects.bulk_update(
            updated, ["value", "state", "reason", "comment", "carried_forward", "updated_by", "updated_at"]
        )
        Change.objects.bulk_create(changes)
        changed = len(created) + len(updated)
        audit_record(
            actor=actor,
            verb="assessment.values_saved",
            target=assessment,
            reason=reason,
            after={"path": path, "items": len(items), "changed": changed, "version": assessment.version},
        )
    return assessment


class ValuesPartlySaved(NamedTuple):
    assessment: Assessment
    saved: list[ValueInput]  # the items written (empty: nothing changed, the version did not move)
    refused: dict[tuple[str, str], list[Issue]]  # the invalid items, by (element, period), not saved


def values_save_valid(
    *,
    actor: Any,
    assessment: Assessment,
    version: int | None,
    items: Sequence[ValueInput],
    path: str,
    stored: Mapping[tuple[str, str], DataValue] | None = None,
    reason: str = "",
) -> ValuesPartlySaved:
    """Save the valid items of a batch and refuse the invalid ones, each with its issues (the page
    keeps what was typed); `values_save` instead refuses the whole batch when one item is invalid.

    Items that would not change what is stored (`stored`: the values the writer read, by default read
    now) are not written, so a batch with no change keeps the version."""
    if stored is None:
        stored = (
            {
                (v.element.code, v.period): v
                for v in DataValue.objects.filter(assessment=assessment).select_related("element")
            }
            if assessment.pk
            else {}
        )
    spec = cycle_spec(assessment.cycle)
    changed: list[ValueInput] = []
    refused: dict[tuple[str, str], list[Issue]] = {}
    for item in items:
        entry, issues = check_entry(spec, item.element, item.period, item.value, item.state, item.reason)
        if issues or entry is None:
            refused[(item.element, item.period)] = issues
            continue
        before = _value_fields(stored.get((item.element, item.period)))
        comment = before["comment"] if item.comment is None else item.comment.strip()
        if (entry.value, entry.state, entry.reason, comment) != (
            before["value"],
            before["state"],
            before["reason"],
            before["comment"],
        ):
            changed.append(item)
    if changed:
        assessment = values_save(
            actor=actor, assessment=assessment, version=version, items=changed, path=path, reason=reason
        )
    return ValuesPartlySaved(assessment, changed, refused)


def _field_of(kind: str) -> str:
    return {"element": "element", "period": "period", "state": "state", "reason": "reason"}.get(kind, "value")


def _value_fields(stored: DataValue | None) -> dict[str, Any]:
    if stored is None:
        return {"value": None, "state": "reported", "reason": "", "comment": ""}
    return {"value": stored.value, "state": stored.state, "reason": stored.reason, "comment": stored.comment}


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
        _check_editable(assessment)
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
    _bump(assessment, None)
    Change.objects.bulk_create(
        Change(
            assessment=assessment,
            subject=f"kpi:{kpi_code}",
            field=f,
            old=old,
            new=new,
            path=path,
            reason=reason,
            changed_by=_user(actor),
        )
        for f, (old, new) in diffs.items()
    )
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


@transaction.atomic
def justification_save(
    *, actor: Any, assessment: Assessment, issue_key: str, text: str, path: str = "form"
) -> None:
    """Explain a validation warning (an empty text removes the explanation)."""
    require(actor, "assessment.edit", assessment.member)
    _check_editable(assessment)
    state = assessment_state(assessment)
    if issue_key not in {i.key for i in state.issues if i.needs_justification}:
        raise ApplicationError(
            "There is no such warning to explain.",
            code="invalid_values",
            problems=[FieldProblem("issue", f"no current warning {issue_key}")],
        )
    existing = state.justifications.get(issue_key)
    old = existing.text if existing else ""
    text = text.strip()
    if old == text:
        return
    if text:
        WarningJustification.objects.update_or_create(
            assessment=assessment, issue_key=issue_key, defaults={"text": text, "updated_by": _user(actor)}
        )
    elif existing:
        existing.delete()
    _bump(assessment, None)
    Change.objects.create(
        assessment=assessment,
        subject=f"issue:{issue_key}",
        field="justification",
        old=old,
        new=text,
        path=path,
        changed_by=_user(actor),
    )
    audit_record(
        actor=actor,
        verb="assessment.warning_explained",
        target=assessment,
        before={issue_key: old},
        after={issue_key: text},
    )


@transaction.atomic
def assessment_submit(*, actor: Any, assessment: Assessment, path: str = "form") -> Assessment:
    """The NCP submits: refused while errors or unexplained warnings remain."""
    require(actor, "assessment.submit", assessment.member)
    if not assessment.pk:
        raise ApplicationError("This assessment has not started yet.", code="illegal_transition")
    new_status = _move(assessment, "submit")
    _check_editable(assessment)
    state = assessment_state(assessment)
    if state.blocking:
        raise ApplicationError(
            f"The assessment cannot be submitted yet: {len(state.blocking)} problem(s) remain.",
            code="invalid_values",
            problems=[FieldProblem(i.key, i.text()) for i in state.blocking],
        )
    _bump(assessment, None)
    assessment.status, assessment.submitted_at, assessment.submitted_by = (
        new_status,
        timezone.now(),
        _user(actor),
    )
    assessment.reopened_reason = ""
    assessment.save(update_fields=["status", "submitted_at", "submitted_by", "reopened_reason"])
    Change.objects.create(
        assessment=assessment,
        subject="assessment",
        field="status",
        old="in_progress",
        new="submitted",
        path=path,
        changed_by=_user(actor),
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
def assessment_reopen(*, actor: Any, assessment: Assessment, reason: str, path: str = "form") -> Assessment:
    """The Secretariat sends a submitted assessment back to the member, saying why."""
    require(actor, "assessment.reopen", assessment.member)
    if not reason.strip():
        raise ApplicationError(
            "Say why the assessment is reopened; the NCP will see it.",
            problems=[FieldProblem("reason", "is required")],
        )
    assessment.status = _move(assessment, "reopen")
    assessment.reopened_reason = reason.strip()
    assessment.save(update_fields=["status", "reopened_reason"])
    _bump(assessment, None)
    Change.objects.create(
        assessment=assessment,
        subject="assessment",
        field="status",
        old="submitted",
        new="in_progress",
        path=path,
        reason=reason,
        changed_by=_user(actor),
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
