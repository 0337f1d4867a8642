from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from pmm.audit.labels import Change, changes_of, verb_label
from pmm.audit.models import AuditEvent
from pmm.core.extended import Extending


@dataclass(frozen=True)
class LabelledEvent(Extending):
    """An audit event with its action and changes in words; every other attribute is the event's own."""

    event: AuditEvent
    changes: list[Change]

    @property
    def verb_label(self) -> str:
        return verb_label(self.event.verb)


def audit_events_list(
    reader: Any, *, verb: str = "", actor: str = "", target: str = "", since: date | None = None
) -> QuerySet[AuditEvent]:
    """The audit events `reader` may browse (their before and after hold members' values: only the
    Secretariat's `audit.view` reaches them), filtered."""
    events = AuditEvent.objects.visible_to(reader).select_related(None)
    if verb:
        events = events.filter(verb__startswith=verb)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if target:
        events = events.filter(Q(target_label__icontains=target) | Q(target_id=target))
    if since:
        events = events.filter(created_at__date__gte=since)
    return events


def audit_events_labelled(page: Iterable[AuditEvent]) -> list[LabelledEvent]:
    """A page of events with their changes in words (the names they refer to are read once a page)."""
    events = list(page)
    return [LabelledEvent(event, shown) for event, shown in zip(events, changes_of(events), strict=True)]


def audit_verbs(reader: Any) -> list[str]:
    return list(
        AuditEvent.objects.visible_to(reader).order_by("verb").values_list("verb", flat=True).distinct()
    )
