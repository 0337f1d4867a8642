from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmm.assessments.views import due_items
from pmm.authz import acting_for, can, member_ids_for, named_members, role_titles
from pmm.cycles.models import CycleStatus
from pmm.cycles.selectors import cycles_list
from pmm.framework.selectors import frameworks_list
from pmm.members.models import Member


def home(request: HttpRequest) -> HttpResponse:
    """One home page, whose sections depend on the visitor's roles."""
    member_ids = named_members(request.user)
    works_for_member = bool(acting_for(request.user))
    may_board = can(request.user, "cycle.status_board")
    context = {
        "role_labels": role_titles(request.user),
        "my_members": Member.objects.filter(pk__in=member_ids) if member_ids else [],
        "frameworks": [f for f in frameworks_list() if f.status == "active"],
        "member_count": Member.objects.count(),
        "is_ncp": bool(member_ids_for(request.user, "assessment.submit")),
        "works_for_member": works_for_member,
        "due": due_items(request.user) if works_for_member else [],
        "open_cycles": list(cycles_list().filter(status=CycleStatus.OPEN)) if may_board else [],
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
