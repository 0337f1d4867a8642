from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from pmm.audit.selectors import audit_events_list
from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, actor_of

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    created_at: str
    actor: str
    verb: str
    target_type: str
    target_id: str
    target: str
    before: Any
    after: Any
    reason: str


class AuditPage(Schema):
    count: int
    offset: int
    limit: int
    events: list[AuditEventOut]


@router.get("/audit", response={200: AuditPage, **ERROR_RESPONSES}, summary="The audit log (Secretariat)")
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
    page = events[offset : offset + limit]
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
                "target_type": e.target_type,
                "target_id": e.target_id,
                "target": e.target_label,
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
            }
            for e in page
        ],
    }
