"""Navigation for the base layout: the links each visitor may follow, from the authorisation matrix."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pmm.authz import acting_for, actions_of, can, member_ids_for

# (label, URL name, action that makes the link appear; None: everyone)
NAV_LINKS = [
    (_("Published results"), "public:index", None),
    (_("What is due"), "assessments:due_list", "assessment.edit"),
    (_("Dashboard"), "dashboards:home", "dashboard.view"),
    (_("Cycles"), "cycles:cycle_list", "cycle.view"),
    (_("Peer reviews"), "reviews:review_list", "review.view"),
    (_("Frameworks"), "framework:framework_list", "framework.view"),
    (_("Members"), "members:member_list", "member.view"),
    (_("Groups"), "members:group_list", "group.view"),
    (_("Contributors"), "accounts:contributor_list", "user.invite_contributor"),
    (_("Users"), "accounts:user_list", "user.list"),
    (_("Audit log"), "audit:audit_list", "audit.view"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    links = []
    for label, url_name, action in NAV_LINKS:
        if action is None:
            allowed = True
        elif action == "user.invite_contributor":
            allowed = bool(member_ids_for(user, action))
        elif action == "assessment.edit":  # the members' own work; the Secretariat uses the cycles
            allowed = bool(acting_for(user))
        elif action in ("review.view", "dashboard.view"):  # for some member: their own, or reviewed
            allowed = action in actions_of(user)
        else:
            allowed = can(user, action)
        if allowed:
            url = reverse(url_name)
            links.append({"label": label, "url": url, "current": request.path.startswith(url)})
    return {"nav_links": links}
