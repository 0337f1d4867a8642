from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from pmm.audit.labels import changes_of, verb_label
from pmm.audit.selectors import audit_events_list
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, actor_of

router = Router(tags=["audit"])


class AuditChangeOut(Schema):
    field: str
    label: str
    before: str | None
    after: str | None


class AuditEventOut(Schema):
    id: int
    created_at: str
    actor: str
    verb: str
    verb_label: str
    target_type: str
    target_id: str
    target: str
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
    require(actor_of(request), "audit.view")
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    events = audit_events_list(actor_of(request), verb=verb, actor=actor, target=target, since=since)
    page = list(events[offset : offset + limit])
    return {
        "count": events.count(),
        "offset": offset,
        "limit": limit,
        "events": [
            {
                "id": e.pk,
                "created_at": e.created_at.isoformat(),
                "actor": e.actor_label,
                "verb": e.verb,
                "verb_label": verb_label(e.verb),
                "target_type": e.target_type,
                "target_id": e.target_id,
                "target": e.target_label,
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
                "changes": [c._asdict() for c in shown],
            }
            for e, shown in zip(page, changes_of(page), strict=True)
        ],
    }
