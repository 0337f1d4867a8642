"""Reads on members and groups. Member and group data is public reference data."""

from __future__ import annotations

import unicodedata

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext

from pmm.core.errors import ApplicationError, FieldProblem, NotFound
from pmm.core.translated import pick
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


def name_key(text: str) -> str:
    """A name as compared and sorted in any language: without case, accents or repeated spaces
    ("Côte d'Ivoire" and "cote  d'ivoire" are one name; "Égypte" sorts near "Eg…")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def member_choices() -> list[tuple[str, str]]:
    """Every member as (ISO3 code, name in the active language), by name: what a member filter offers."""
    members = [(iso3, pick(name)) for iso3, name in Member.objects.values_list("iso3", "name")]
    return sorted(members, key=lambda m: (name_key(m[1]), m[0]))


def member_find(text: str) -> Member | None:
    """The member a person typed into a member filter: its ISO3 code, its name in any language (case
    and accents aside), or "Name (ISO3)"; None when nothing matches. One query."""
    wanted = name_key(text)
    if not wanted:
        return None
    coded = wanted.rsplit("(", 1)[-1].rstrip(")").strip() if wanted.endswith(")") else wanted
    members = list(Member.objects.all())
    for member in members:
        if member.iso3.casefold() == coded:
            return member
    for member in members:
        if any(name_key(name) == wanted for name in member.name.values() if isinstance(name, str)):
            return member
    return None


def unknown_member(typed: str) -> ApplicationError:
    """The error for a member filter naming no member (what a page shows, what the API answers)."""
    return ApplicationError(
        gettext("No member is called “%(name)s”: choose a name from the list, or type an ISO3 code.")
        % {"name": typed},
        problems=[FieldProblem("member", "unknown member name or ISO3 code")],
    )
