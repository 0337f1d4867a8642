"""`audit_record()`: every write service calls it inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from pmm.audit.models import AuditEvent

SYSTEM_ACTOR_LABEL = "system"


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return SYSTEM_ACTOR_LABEL
    return str(actor.get_username())


def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event. `actor` is a user, or None for the system (CLI without a user)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=_actor_label(actor),
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label or (str(target) if target is not None else ""),
        before=before,
        after=after,
        reason=reason,
    )
