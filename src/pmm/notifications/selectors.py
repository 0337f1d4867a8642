"""Reads of notifications. A user only ever reads their own: every read is filtered by the user."""

from __future__ import annotations

from typing import Any, NamedTuple

from pmm.notifications.kinds import KINDS
from pmm.notifications.models import Notification, NotificationPreference

MAX_LIMIT = 200


class Preference(NamedTuple):
    kind: str
    label: str  # in the active language
    email: bool


def _owner_id(user: Any) -> int | None:
    """The user whose notifications these are; None for visitors and the system actor (no inbox)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return int(user.pk)


def notifications_of(user: Any, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """The user's notifications, newest first (at most `limit`, itself at most MAX_LIMIT)."""
    owner = _owner_id(user)
    if owner is None:
        return []
    notifications = Notification.objects.visible_to(user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return list(notifications.order_by("-created_at", "-id")[: max(1, min(limit, MAX_LIMIT))])


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (one query; none for visitors)."""
    owner = _owner_id(user)
    if owner is None:
        return 0
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


def email_choices(user_ids: list[int], kind: str) -> dict[int, bool]:
    """For each user, whether notifications of `kind` go by e-mail (one query for all users)."""
    default = KINDS[kind].email_default
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "email")
    )
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def preferences_of(user: Any) -> list[Preference]:
    """Every kind, in the registry's order, with its label and whether the user gets it by e-mail."""
    owner = _owner_id(user)
    chosen: dict[str, bool] = {}
    if owner is not None:
        chosen = dict(NotificationPreference.objects.filter(user_id=owner).values_list("kind", "email"))
    return [
        Preference(code, str(kind.label), chosen.get(code, kind.email_default))
        for code, kind in KINDS.items()
    ]
