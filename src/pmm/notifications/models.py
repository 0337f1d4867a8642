"""In-app notifications of users, and each user's choice of which kinds also come by e-mail.

The kinds are the registry in `kinds.py`; a kind is stored as its code (no database choices, so a
new kind needs no migration). A notification also stores its message's code and parameters, and is
written in the reader's language when shown (`shown_subject`, `shown_body`); `subject` and `body`
keep the text as first written, shown for notifications stored before messages had codes."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from pmm.core.scoped import ScopedQuerySet
from pmm.notifications.kinds import kind_label
from pmm.notifications.messages import render


class NotificationQuerySet(ScopedQuerySet):
    def visible_to(self, reader: Any) -> Self:
        """A user's own notifications (nobody reads another's)."""
        return self.filter(user_id=getattr(reader, "pk", None)).scoped_for_reader()


class Notification(models.Model):
    """One message to one user. Unread while `read_at` is empty; `emailed_at` is set once sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    message = models.CharField(_("message code"), max_length=80, blank=True)
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=200, blank=True, db_index=True, help_text="Sent at most once per user with this key"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed on"), null=True, blank=True)
    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once_per_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id}: {self.subject}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @cached_property
    def _shown(self) -> tuple[str, str]:
        rendered = render(self.message, self.params or {}) if self.message else None
        return rendered or (self.subject, self.body)

    @property
    def shown_subject(self) -> str:
        """The subject in the active language (as stored for notifications without a message code)."""
        return self._shown[0]

    @property
    def shown_body(self) -> str:
        return self._shown[1]


class NotificationPreference(models.Model):
    """Whether `user` wants notifications of `kind` by e-mail too (they always appear in the app)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=50)
    email = models.BooleanField(_("by e-mail"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_notification_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'in-app only'}"
