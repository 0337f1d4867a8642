from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmm.authz import acting_for, can, member_ids_for, named_members, role_titles
from pmm.framework.selectors import frameworks_list
from pmm.members.models import Member
from pmm.web.next_actions import next_actions


def home(request: HttpRequest) -> HttpResponse:
    """One home page, whose sections depend on the visitor's roles."""
    member_ids = named_members(request.user)
    works_for_member = bool(acting_for(request.user))
    context = {
        "role_labels": role_titles(request.user),
        "my_members": Member.objects.filter(pk__in=member_ids) if member_ids else [],
        "frameworks": [f for f in frameworks_list() if f.status == "active"],
        "member_count": Member.objects.count(),
        "is_ncp": bool(member_ids_for(request.user, "assessment.submit")),
        "works_for_member": works_for_member,
        "next_actions": next_actions(request.user),
        "may": {
            a.replace(".", "_"): can(request.user, a)
            for a in (
                "framework.load",
                "user.list",
                "audit.view",
                "group.manage",
                "token.manage_own",
                "cycle.manage",
                "cycle.status_board",
            )
        },
    }
    return render(request, "web/home.html", context)
