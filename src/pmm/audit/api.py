"""Audit log API: the Secretariat's audit events, filtered and in pages, with their changes in words."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from pmm.audit.selectors import audit_events_labelled, audit_events_list
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, IsoText, actor_of

router = Router(tags=["audit"])


class AuditChangeOut(Schema):
    field: str
    label: str
    before: str | None
    after: str | None


class AuditEventOut(Schema):
    id: int
    created_at: IsoText
    actor: str = Field(validation_alias="actor_label")
    verb: str
    verb_label: str
    target_type: str
    target_id: str
    target: str = Field(validation_alias="target_label")
    before: Any
    after: Any
    reason: str
    changes: list[AuditChangeOut]


class AuditPage(Schema):
    count: int
    offset: int
    limit: int
    events: list[AuditEventOut]


@router.get(
    "/audit",
    response={200: AuditPage, **ERROR_RESPONSES},
    summary="The audit log (Secretariat): raw before/after, with labels in the request's language",
)
def list_audit(
    request: HttpRequest,
    verb: str = "",
    actor: str = "",
    target: str = "",
    since: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    reader = actor_of(request)
    require(reader, "audit.view")  # the selector answers an empty log to others, not 403
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    events = audit_events_list(reader, verb=verb, actor=actor, target=target, since=since)
    page = list(events[offset : offset + limit])
    return {
        "count": events.count(),
        "offset": offset,
        "limit": limit,
        "events": audit_events_labelled(page),
    }
