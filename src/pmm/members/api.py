from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.members import selectors
from pmm.members.models import Group, Member
from pmm.members.services import group_save, members_load

router = Router(tags=["members"])


class GroupRef(Schema):
    code: str
    kind: str
    name: dict[str, str]


class MemberOut(Schema):
    iso3: str
    iso2: str
    name: dict[str, str]
    landlocked: bool
    small_island_developing_state: bool
    groups: list[GroupRef]


class GroupOut(Schema):
    code: str
    kind: str
    name: dict[str, str]
    description: dict[str, str]
    members: list[str]


class GroupIn(Input):
    name: dict[str, str]
    description: dict[str, str] = {}
    members: list[str]
    reason: str = ""


class MembersLoadOut(Schema):
    created: list[str]
    updated: dict[str, list[str]]
    unchanged: int
    groups_created: list[str]


def member_out(m: Member) -> dict[str, Any]:
    return {
        "iso3": m.iso3,
        "iso2": m.iso2,
        "name": m.name,
        "landlocked": m.landlocked,
        "small_island_developing_state": m.small_island_developing_state,
        "groups": [{"code": g.code, "kind": g.kind, "name": g.name} for g in m.groups.all()],
    }


def group_out(g: Group) -> dict[str, Any]:
    return {
        "code": g.code,
        "kind": g.kind,
        "name": g.name,
        "description": g.description,
        "members": sorted(m.iso3 for m in g.members.all()),
    }


@router.get(
    "/members",
    response={200: list[MemberOut], **ERROR_RESPONSES},
    summary="Member administrations with their groups",
)
def list_members(
    request: HttpRequest,
    region: str = "",
    income_group: str = "",
    union: str = "",
    group: str = "",
    geography: str = "",
    search: str = "",
) -> list[dict[str, Any]]:
    """Filter by group codes (see /groups): `region=region-europe`, `union=union-eu`, `group=…`."""
    require(actor_of(request), "member.view")
    members = selectors.members_list(
        region=region, income_group=income_group, union=union, group=group, geography=geography, search=search
    )
    return [member_out(m) for m in members]


@router.post(
    "/members/load",
    response={200: MembersLoadOut, **ERROR_RESPONSES},
    summary="Load the members CSV (Secretariat)",
)
def load_members(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "member.load")
    report = members_load(text=file.read().decode("utf-8-sig", errors="replace"), actor=actor)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "groups_created": report.groups_created,
    }


@router.get("/members/{iso3}", response={200: MemberOut, **ERROR_RESPONSES})
def get_member(request: HttpRequest, iso3: str) -> dict[str, Any]:
    require(actor_of(request), "member.view")
    return member_out(selectors.member_get(iso3))


@router.get(
    "/groups",
    response={200: list[GroupOut], **ERROR_RESPONSES},
    summary="Groups: WCO regions, income, geography, unions, custom",
)
def list_groups(request: HttpRequest, kind: str = "") -> list[dict[str, Any]]:
    require(actor_of(request), "group.view")
    return [group_out(g) for g in selectors.groups_list(kind=kind)]


@router.get("/groups/{code}", response={200: GroupOut, **ERROR_RESPONSES})
def get_group(request: HttpRequest, code: str) -> dict[str, Any]:
    require(actor_of(request), "group.view")
    return group_out(selectors.group_get(code))


@router.put(
    "/groups/{code}",
    response={200: GroupOut, **ERROR_RESPONSES},
    summary="Create or change a custom group (Secretariat)",
)
def put_group(request: HttpRequest, code: str, payload: GroupIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "group.manage")
    group = group_save(
        actor=actor,
        code=code,
        name=payload.name,
        description=payload.description,
        member_iso3=[m.upper() for m in payload.members],
        reason=payload.reason,
    )
    return group_out(selectors.group_get(group.code))
