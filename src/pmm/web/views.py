from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmm.accounts.roles import Role
from pmm.authz import can, roles_of
from pmm.framework.selectors import frameworks_list
from pmm.members.models import Member


def home(request: HttpRequest) -> HttpResponse:
    """One home page, whose sections depend on the visitor's roles."""
    roles = roles_of(request.user)
    member_ids = {member_id for _role, member_id in roles if member_id}
    context = {
        "role_labels": [Role(r).label for r, _m in roles if r in Role.values],
        "my_members": Member.objects.filter(pk__in=member_ids) if member_ids else [],
        "frameworks": [f for f in frameworks_list() if f.status == "active"],
        "member_count": Member.objects.count(),
        "is_ncp": any(r == Role.NCP for r, _m in roles),
        "may": {
            a.replace(".", "_"): can(request.user, a)
            for a in ("framework.load", "user.list", "audit.view", "group.manage", "token.manage_own")
        },
    }
    return render(request, "web/home.html", context)
