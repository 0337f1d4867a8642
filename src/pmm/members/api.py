"""Members API: member administrations and their groups; the Secretariat loads the members file and
manages custom groups."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.members import selectors
from pmm.members.models import Group, Member
from pmm.members.services import MembersLoadReport, group_save, members_load

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
    members: list[str]  # ISO3 codes, in alphabetical order

    @staticmethod
    def resolve_members(obj: Group) -> list[str]:
        return sorted(m.iso3 for m in obj.members.all())  # type: ignore[attr-defined]  # reverse of Member.groups


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
) -> list[Member]:
    """Filter by group codes (see /groups): `region=region-europe`, `union=union-eu`, `group=…`."""
    require(actor_of(request), "member.view")  # the selectors check no one
    members = selectors.members_list(
        region=region, income_group=income_group, union=union, group=group, geography=geography, search=search
    )
    return list(members)


@router.post(
    "/members/load",
    response={200: MembersLoadOut, **ERROR_RESPONSES},
    summary="Load the members CSV (Secretariat)",
)
def load_members(request: HttpRequest, file: File[UploadedFile]) -> MembersLoadReport:
    return members_load(text=file.read().decode("utf-8-sig", errors="replace"), actor=actor_of(request))


@router.get("/members/{iso3}", response={200: MemberOut, **ERROR_RESPONSES})
def get_member(request: HttpRequest, iso3: str) -> Member:
    require(actor_of(request), "member.view")  # the selectors check no one
    return selectors.member_get(iso3)


@router.get(
    "/groups",
    response={200: list[GroupOut], **ERROR_RESPONSES},
    summary="Groups: WCO regions, income, geography, unions, custom",
)
def list_groups(request: HttpRequest, kind: str = "") -> list[Group]:
    require(actor_of(request), "group.view")  # the selectors check no one
    return list(selectors.groups_list(kind=kind))


@router.get("/groups/{code}", response={200: GroupOut, **ERROR_RESPONSES})
def get_group(request: HttpRequest, code: str) -> Group:
    require(actor_of(request), "group.view")  # the selectors check no one
    return selectors.group_get(code)


@router.put(
    "/groups/{code}",
    response={200: GroupOut, **ERROR_RESPONSES},
    summary="Create or change a custom group (Secretariat)",
)
def put_group(request: HttpRequest, code: str, payload: GroupIn) -> Group:
    group = group_save(
        actor=actor_of(request),
        code=code,
        name=payload.name,
        description=payload.description,
        member_iso3=[m.upper() for m in payload.members],
        reason=payload.reason,
    )
    return selectors.group_get(group.code)  # read again, with its members
