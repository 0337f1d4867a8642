"""The values step of a unit of work (`AssessmentWrite.values`): validate a batch, compare it with the
stored values once, write what differs in bulk and record each changed field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from pmm.assessments.models import Assessment, DataValue
from pmm.assessments.services.common import ValueInput, acting_user
from pmm.assessments.services.write_terms import Refusal
from pmm.assessments.validation import Entry, check_entry
from pmm.core.errors import FieldProblem
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import DataElement

if TYPE_CHECKING:
    from pmm.assessments.services.unit_of_work import AssessmentWrite

VERB = "assessment.values_saved"
REFUSED = "Some values are not valid; nothing was saved."

# (item, element, stored row or None, the fields to store, {field: (old, new)})
Write = tuple[ValueInput, DataElement, DataValue | None, dict[str, Any], dict[str, tuple[Any, Any]]]


def write_values(
    w: AssessmentWrite, items: Sequence[ValueInput], read: Mapping[tuple[str, str], DataValue] | None = None
) -> list[ValueInput]:
    """Save the items that change what is stored; return them. Invalid items are refused as the
    unit's policy says (STRICT: the whole batch, naming each item). `read`: the values the writer read
    at the unit's version, by (element, period); items as they were there are left out without reading
    the stored rows (the version swap guarantees they are still so)."""
    if w.started:
        w.require_window()
    accepted = _checked(w, items)
    if read is not None:
        accepted = [(item, entry) for item, entry in accepted if _changes(item, entry, read.get(_key(item)))]
    if not accepted:
        return []
    elements = {
        e.code: e
        for e in DataElement.objects.filter(
            framework=w.assessment.cycle.framework, code__in=[item.element for item, _entry in accepted]
        )
    }
    writes = _writes(w.assessment, accepted, elements)
    if not writes:
        return []
    if w.claim(data=True):  # read again what the version now protects
        writes = _writes(w.assessment, accepted, elements)
    created, updated = [], []
    now = timezone.now()
    for item, element, stored, after, diffs in writes:
        if stored is None:
            stored = DataValue(assessment=w.assessment, element=element, period=item.period)
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
        stored.updated_by, stored.updated_at = acting_user(w.actor), now
        w.record(f"{item.element}@{item.period}", diffs, verb=VERB)
    DataValue.objects.bulk_create(created)
    DataValue.objects.bulk_update(
        updated, ["value", "state", "reason", "comment", "carried_forward", "updated_by", "updated_at"]
    )
    return [item for item, *_rest in writes]


def _checked(w: AssessmentWrite, items: Sequence[ValueInput]) -> list[tuple[ValueInput, Entry]]:
    """The batch's valid items with the entries to store; the others go to `w.refuse`, each problem
    naming its item (`values[3].value`)."""
    spec = cycle_spec(w.assessment.cycle)
    refused: dict[str, Refusal] = {}
    accepted = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        key, subject = (item.element, item.period), f"{item.element}@{item.period}"
        if key in seen:
            problem = FieldProblem(
                f"values[{index}]", f"{item.element} {item.period} is also at values[{seen[key]}]"
            )
            refused[subject] = Refusal([problem])
            continue
        seen[key] = index
        entry, issues = check_entry(spec, item.element, item.period, item.value, item.state, item.reason)
        if entry is not None and not issues:
            accepted.append((item, entry))
            continue
        problems = [FieldProblem(f"values[{index}].{_field_of(i.kind)}", i.text()) for i in issues]
        refused[subject] = Refusal(problems, list(issues))
    w.refuse(REFUSED, refused)
    return accepted


def _writes(
    assessment: Assessment, accepted: list[tuple[ValueInput, Entry]], elements: Mapping[str, DataElement]
) -> list[Write]:
    """The accepted items that change what is stored, compared with the stored rows read once."""
    existing = (
        {
            (v.element_id, v.period): v
            for v in DataValue.objects.unrestricted().filter(
                assessment=assessment, element__in=elements.values()
            )
        }
        if assessment.pk
        else {}
    )
    writes: list[Write] = []
    for item, entry in accepted:
        element = elements[item.element]
        stored = existing.get((element.pk, item.period))
        before, after = value_fields(stored), _new_fields(item, entry, stored)
        diffs = {f: (before[f], after[f]) for f in after if before[f] != after[f]}
        if diffs:
            writes.append((item, element, stored, after, diffs))
    return writes


def _new_fields(item: ValueInput, entry: Entry, stored: DataValue | None) -> dict[str, Any]:
    """The fields an item stores (a comment left out keeps the stored one)."""
    comment = value_fields(stored)["comment"] if item.comment is None else item.comment.strip()
    return {"value": entry.value, "state": entry.state, "reason": entry.reason, "comment": comment}


def _changes(item: ValueInput, entry: Entry, stored: DataValue | None) -> bool:
    return _new_fields(item, entry, stored) != value_fields(stored)


def _key(item: ValueInput) -> tuple[str, str]:
    return (item.element, item.period)


def _field_of(kind: str) -> str:
    return {"element": "element", "period": "period", "state": "state", "reason": "reason"}.get(kind, "value")


def value_fields(stored: DataValue | None) -> dict[str, Any]:
    """A stored value's fields as a write compares them (an empty slot when nothing is stored)."""
    if stored is None:
        return {"value": None, "state": "reported", "reason": "", "comment": ""}
    return {"value": stored.value, "state": stored.state, "reason": stored.reason, "comment": stored.comment}
