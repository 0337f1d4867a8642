"""Saving values (whole batches, or the valid part of a page) and explaining warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from pmm.assessments.models import (
    Assessment,
    Change,
    DataValue,
    WarningJustification,
)
from pmm.assessments.selectors import assessment_state
from pmm.assessments.services.common import (
    ValueInput,
    acting_user,
    bump_version,
    history_entries,
    history_record,
    is_not_started,
    require_editable,
    require_version,
)
from pmm.assessments.services.workflow import assessment_start
from pmm.assessments.validation import Entry, Issue, check_entry
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import DataElement


def values_save(
    *,
    actor: Any,
    assessment: Assessment,
    version: int | None,
    items: Sequence[ValueInput],
    path: str,
    reason: str = "",
    correcting_review: bool = False,
) -> Assessment:
    """Save a batch of values atomically. Any invalid item refuses the whole batch, naming each item.
    `correcting_review`: see `require_editable`.

    A batch that changes nothing (empty, or every item as stored) is a no-op: the version stays, nothing
    is audited and the assessment is returned as it is, so that it makes no colleague's version stale
    (a stale `version` still gets 409)."""
    require(actor, "assessment.edit", assessment)
    with transaction.atomic():
        not_started = is_not_started(assessment, version)
        if not not_started:
            require_editable(assessment, correcting_review=correcting_review)
        accepted = _checked(assessment, items)
        elements = {
            e.code: e
            for e in DataElement.objects.filter(
                framework=assessment.cycle.framework, code__in=[i.element for i, _e in accepted]
            )
        }
        writes = _writes(assessment, accepted, elements)
        if not writes:
            if not not_started:
                require_version(assessment, version)
            return assessment
        if not_started:
            assessment = assessment_start(actor=actor, assessment=assessment, path=path)
            version = assessment.version
            require_editable(assessment, correcting_review=correcting_review)
        bump_version(assessment, version)
        if version is None:  # no version to compare: read the stored values again behind the lock
            writes = _writes(assessment, accepted, elements)
        created, updated, changes = [], [], []
        now = timezone.now()
        for item, element, stored, after, diffs in writes:
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
            stored.updated_by, stored.updated_at = acting_user(actor), now
            changes += history_entries(
                assessment, f"{item.element}@{item.period}", diffs, actor=actor, path=path, reason=reason
            )
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


def _checked(assessment: Assessment, items: Sequence[ValueInput]) -> list[tuple[ValueInput, Entry]]:
    """The batch's items with the entries to store; any invalid item refuses the whole batch."""
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
    return accepted


Write = tuple[ValueInput, DataElement, DataValue | None, dict[str, Any], dict[str, tuple[Any, Any]]]


def _writes(
    assessment: Assessment, accepted: list[tuple[ValueInput, Entry]], elements: Mapping[str, DataElement]
) -> list[Write]:
    """The accepted items that change what is stored: (item, element, stored row, new fields, diffs)."""
    existing = (
        {
            (v.element_id, v.period): v
            for v in DataValue.objects.unrestricted().filter(
                assessment=assessment, element__in=elements.values()
            )
        }
        if assessment.pk and accepted
        else {}
    )
    writes: list[Write] = []
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
        if diffs:
            writes.append((item, element, stored, after, diffs))
    return writes


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
                for v in DataValue.objects.unrestricted()
                .filter(assessment=assessment)
                .select_related("element")
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
class Explained(NamedTuple):
    """What `justifications_save` did: the warnings whose explanation changed, and those given that
    no longer arise from the values stored (nothing is saved for them)."""

    saved: list[str]
    not_raised: list[str]


def justifications_save(
    *,
    actor: Any,
    assessment: Assessment,
    texts: Mapping[str, str],
    path: str = "form",
    correcting_review: bool = False,
) -> Explained:
    """Explain validation warnings, {issue key: text} (an empty text removes the explanation): the one
    rule for the form, the workbook and the API. A text is saved only for a warning that arises from
    the values stored now (read once) and only when it changed; each change is recorded in the history
    and the audit log."""
    require(actor, "assessment.edit", assessment)
    require_editable(assessment, correcting_review=correcting_review)
    state = assessment_state(assessment, actor)
    raised = {i.key for i in state.issues if i.needs_justification}
    done = Explained([], [])
    for issue_key, given in texts.items():
        if issue_key not in raised:
            done.not_raised.append(issue_key)
            continue
        existing = state.justifications.get(issue_key)
        old = existing.text if existing else ""
        text = given.strip()
        if old == text:
            continue
        if text:
            WarningJustification.objects.unrestricted().update_or_create(
                assessment=assessment,
                issue_key=issue_key,
                defaults={"text": text, "updated_by": acting_user(actor)},
            )
        elif existing:
            existing.delete()
        bump_version(assessment, None)
        change = {"justification": (old, text)}
        history_record(assessment, f"issue:{issue_key}", change, actor=actor, path=path)
        audit_record(
            actor=actor,
            verb="assessment.warning_explained",
            target=assessment,
            before={issue_key: old},
            after={issue_key: text},
        )
        done.saved.append(issue_key)
    return done


def justification_save(
    *,
    actor: Any,
    assessment: Assessment,
    issue_key: str,
    text: str,
    path: str = "form",
    correcting_review: bool = False,
) -> None:
    """Explain one validation warning (`justifications_save`); refused when no such warning arises."""
    done = justifications_save(
        actor=actor,
        assessment=assessment,
        texts={issue_key: text},
        path=path,
        correcting_review=correcting_review,
    )
    if done.not_raised:
        raise ApplicationError(
            "There is no such warning to explain.",
            code="invalid_values",
            problems=[FieldProblem("issue", f"no current warning {issue_key}")],
        )
