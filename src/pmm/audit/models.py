from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pmm.authz.scope import RoleScopedQuerySet
from pmm.core.append_only import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet
from pmm.core.fields import user_link

__all__ = ["AppendOnlyError", "AuditEvent"]


class AuditEventQuerySet(RoleScopedQuerySet, AppendOnlyQuerySet):
    read_action = "audit.view"


class AuditEvent(AppendOnlyModel):
    """One write: who did what to which object, when, what changed and why. Append-only. Its before
    and after hold members' values: only those who may browse the audit log read it (`visible_to`)."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = user_link()
    actor_label = models.CharField(_("who"), max_length=200)
    verb = models.CharField(_("what"), max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, db_index=True)
    target_id = models.CharField(max_length=100, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("why"), blank=True)
    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.target_label}"
