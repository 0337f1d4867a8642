"""`{% notifications_nav_link %}`: the base layout's "Notifications" link with the unread count (one
query, only where the link is shown: for signed-in users)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from pmm.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/includes/nav_link.html", takes_context=True)
def notifications_nav_link(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    url = reverse("notifications:notification_list")
    return {
        "url": url,
        "count": unread_count(context.get("user")),
        "current": request is not None and request.path.startswith(url),
    }
