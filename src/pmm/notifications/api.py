"""Notifications API: the caller's own notifications (list, mark read) and e-mail preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema

from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.core.errors import PermissionDenied
from pmm.notifications.models import Notification
from pmm.notifications.selectors import MAX_LIMIT, Preference, notifications_of, preferences_of, unread_count
from pmm.notifications.services import notification_mark_read, preferences_save

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject: str = Field(validation_alias="shown_subject")
    body: str = Field(validation_alias="shown_body")
    url: str
    created_at: datetime
    read_at: datetime | None


class ReadIn(Input):
    ids: list[int] | None = None
    all: bool = False


class ReadOut(Schema):
    marked: int
    unread: int


class PreferenceOut(Schema):
    kind: str
    label: str
    email: bool


def _me(request: HttpRequest) -> Any:
    """The signed-in caller (everyone has their own notifications; visitors have none: 401)."""
    actor = actor_of(request)
    if not actor.is_authenticated:
        raise PermissionDenied()
    return actor


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERROR_RESPONSES},
    summary="Your notifications, newest first (unread=true: only the unread ones)",
)
def notifications_get(request: HttpRequest, unread: bool = False, limit: int = 50) -> list[Notification]:
    return notifications_of(_me(request), unread_only=unread, limit=max(1, min(limit, MAX_LIMIT)))


@router.post(
    "/notifications/read",
    response={200: ReadOut, **ERROR_RESPONSES},
    summary='Mark notifications read: {"ids": [1, 2]} or {"all": true}',
)
def notifications_read(request: HttpRequest, payload: ReadIn) -> dict[str, Any]:
    actor = _me(request)
    marked = notification_mark_read(actor=actor, ids=payload.ids, all_unread=payload.all)
    return {"marked": marked, "unread": unread_count(actor)}


@router.get(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **ERROR_RESPONSES},
    summary="Which kinds of notification you also get by e-mail",
)
def preferences_get(request: HttpRequest) -> list[Preference]:
    return preferences_of(_me(request))


@router.put(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **ERROR_RESPONSES},
    summary='Choose which kinds come by e-mail: {"review.assigned": true, "review.status": false}',
)
def preferences_put(request: HttpRequest, payload: dict[str, bool] = Body(...)) -> list[Preference]:  # noqa: B008
    return preferences_save(actor=_me(request), choices=payload)
