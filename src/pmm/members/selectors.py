"""Reads on members and groups. Member and group data is public reference data."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pmm.core.errors import NotFound
from pmm.members.models import Group, Member


def members_list(
    *,
    region: str = "",
    income_group: str = "",
    union: str = "",
    group: str = "",
    geography: str = "",
    search: str = "",
) -> QuerySet[Member]:
    """Members filtered by group codes; each filter narrows the list. Groups are prefetched."""
    members = Member.objects.prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("kind", "sort_order", "code"))
    )
    for code in (region, income_group, union, group, geography):
        if code:
            members = members.filter(groups__code=code)
    if search:
        members = members.filter(sort_name__icontains=search) | members.filter(iso3__iexact=search)
    return members.distinct()


def member_get(iso3: str) -> Member:
    member = Member.objects.prefetch_related("groups").filter(iso3=iso3.upper()).first()
    if member is None:
        raise NotFound(f"No member with code {iso3}.")
    return member


def groups_list(*, kind: str = "") -> QuerySet[Group]:
    groups = Group.objects.prefetch_related(Prefetch("members", queryset=Member.objects.only("iso3")))
    if kind:
        groups = groups.filter(kind=kind)
    return groups


def group_get(code: str) -> Group:
    group = Group.objects.prefetch_related("members").filter(code=code).first()
    if group is None:
        raise NotFound(f"No group with code {code}.")
    return group
