"""Navigation for the base layout: the links each visitor may follow, from the authorisation matrix,
and which one is the current section (from the URL's namespace and name, not from its path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmm.authz import acting_for, actions_of, can, member_ids_for


@dataclass(frozen=True)
class NavLink:
    label: Promise
    url_name: str
    action: str | None  # the action that makes the link appear; None: everyone
    sections: tuple[str, ...]  # URL namespaces ("cycles") or names ("members:group_list") it stands for
    more: bool = False  # under "More" when the visitor has several such links: the menu fits one line


# In menu order. A page belongs to the first link shown to the visitor whose sections name its URL: the
# member's own people find an assessment under "What is due", the Secretariat under "Cycles".
NAV_LINKS = [
    NavLink(_("Home"), "web:home", None, ("web",)),
    NavLink(_("Published results"), "public:index", None, ("public",)),
    NavLink(_("What is due"), "assessments:due_list", "assessment.edit", ("assessments", "evidence")),
    NavLink(
        _("Dashboard"),
        "dashboards:home",
        "dashboard.view",
        ("dashboards:home", "dashboards:member", "targets"),
    ),
    NavLink(
        _("Cycles"),
        "cycles:cycle_list",
        "cycle.view",
        ("cycles", "dashboards:status_board", "results", "analytics", "assessments", "evidence"),
    ),
    NavLink(_("Peer reviews"), "reviews:review_list", "review.view", ("reviews",)),
    NavLink(_("Frameworks"), "framework:framework_list", "framework.view", ("framework",), more=True),
    NavLink(
        _("Members"),
        "members:member_list",
        "member.view",
        ("members:member_list", "members:member_detail"),
        more=True,
    ),
    NavLink(
        _("Groups"),
        "members:group_list",
        "group.view",
        ("members:group_list", "members:group_create", "members:group_detail", "members:group_edit"),
        more=True,
    ),
    NavLink(
        _("Contributors"),
        "accounts:contributor_list",
        "user.invite_contributor",
        ("accounts:contributor_list",),
        more=True,
    ),
    NavLink(
        _("Users"),
        "accounts:user_list",
        "user.list",
        ("accounts:user_list", "accounts:user_detail", "accounts:user_two_factor_reset"),
        more=True,
    ),
    NavLink(_("Audit log"), "audit:audit_list", "audit.view", ("audit",), more=True),
]


# Up to this many links stay in the menu; beyond, the `more` ones go under "More" (if several: a "More"
# for one link would only hide it), so that the menu fits one line at 1280 px in English and French.
MENU_MAX_LINKS = 7


def _allowed(user: Any, action: str | None) -> bool:
    if action is None:
        return True
    if action == "user.invite_contributor":
        return bool(member_ids_for(user, action))
    if action == "assessment.edit":  # the members' own work; the Secretariat uses the cycles
        return bool(acting_for(user))
    if action in ("review.view", "dashboard.view"):  # for some member: their own, or reviewed
        return action in actions_of(user)
    return can(user, action)


def current_link(request: HttpRequest, links: list[NavLink]) -> NavLink | None:
    """The link of the section the requested page belongs to, among those shown; None if no link."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    for link in links:
        if match.namespace in link.sections or match.view_name in link.sections:
            return link
    return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    shown = [link for link in NAV_LINKS if _allowed(user, link.action)]
    current = current_link(request, shown)
    grouped = len(shown) > MENU_MAX_LINKS and sum(link.more for link in shown) > 1
    entries = [
        {"label": link.label, "url": reverse(link.url_name), "current": link is current} for link in shown
    ]
    return {
        "nav_links": [e for e, link in zip(entries, shown, strict=True) if not (grouped and link.more)],
        "nav_more": [e for e, link in zip(entries, shown, strict=True) if grouped and link.more],
    }
