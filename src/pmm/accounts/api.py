"""Accounts API: the caller's own account and API tokens; accounts and their roles (Secretariat);
contributors invited by e-mail address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pmm.accounts import invitations, selectors
from pmm.accounts.models import ApiToken, Invitation, User
from pmm.accounts.services import (
    RoleSpec,
    contributor_invite,
    token_create,
    token_revoke,
    user_create,
    user_set_roles,
)
from pmm.authz import actions_of, require
from pmm.authz.roles import Role
from pmm.core.api import ERROR_RESPONSES, Input, IsoText, actor_of
from pmm.members.selectors import member_get

router = Router(tags=["accounts"])


class RoleIO(Input):
    role: str
    member: str | None = None


class UserOut(Schema):
    username: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    roles: list[RoleIO]

    @staticmethod
    def resolve_roles(obj: User) -> list[dict[str, str | None]]:
        return [
            {"role": a.role, "member": a.member.iso3 if a.member else None}
            for a in obj.role_assignments.all()
        ]


class MeOut(UserOut):
    actions: list[str]  # of the caller as the API authenticated it

    @staticmethod
    def resolve_actions(obj: User, context: dict[str, Any]) -> list[str]:
        return actions_of(actor_of(context["request"]))


class UserIn(Input):
    username: str
    email: str
    password: str | None = None
    first_name: str = ""
    last_name: str = ""
    roles: list[RoleIO]
    reason: str = ""


class RolesIn(Input):
    roles: list[RoleIO]
    reason: str = ""


class InviteIn(Input):
    """Keyed by e-mail address: the inviter chooses no username (docs/security.md, "Invitations")."""

    email: str
    first_name: str = ""
    last_name: str = ""


class InvitationOut(Schema):
    """The same answer whether or not an account already uses the address."""

    email: str
    first_name: str
    last_name: str
    member: str
    roles: list[RoleIO]  # the role offered
    message: str

    @staticmethod
    def resolve_member(obj: Invitation) -> str:
        return obj.member.iso3

    @staticmethod
    def resolve_roles(obj: Invitation) -> list[dict[str, str]]:
        return [{"role": Role.CONTRIBUTOR.value, "member": obj.member.iso3}]

    @staticmethod
    def resolve_message(obj: Invitation) -> str:
        return invitations.sent_message(obj.email)


class TokenIn(Input):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: IsoText
    last_used_at: IsoText | None
    revoked_at: IsoText | None


class NewTokenOut(TokenOut):
    token: str


def _specs(roles: list[RoleIO]) -> list[RoleSpec]:
    return [RoleSpec(r.role, r.member.upper() if r.member else None) for r in roles]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="The signed-in user, roles and actions")
def me(request: HttpRequest) -> User:
    actor = actor_of(request)
    require(actor, "me.view")  # the selector checks no one
    return selectors.user_get(actor.username)


@router.get("/me/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
def my_tokens(request: HttpRequest) -> list[ApiToken]:
    actor = actor_of(request)
    require(actor, "token.manage_own")  # the selector checks no one
    return list(selectors.tokens_of(actor))


@router.post(
    "/me/tokens",
    response={201: NewTokenOut, **ERROR_RESPONSES},
    summary="Create an API token (the token is shown once)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    actor = actor_of(request)
    token, secret = token_create(actor=actor, user=actor, name=payload.name)
    return Status(201, selectors.NewToken(token, secret))


@router.delete("/me/tokens/{token_id}", response={200: TokenOut, **ERROR_RESPONSES})
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    actor = actor_of(request)
    require(actor, "token.manage_own")  # visitors: 401 (the service answers 404 for a token not theirs)
    return token_revoke(actor=actor, token_id=token_id)


@router.get("/users", response={200: list[UserOut], **ERROR_RESPONSES}, summary="Accounts (Secretariat)")
def list_users(request: HttpRequest, role: str = "", member: str = "", search: str = "") -> list[User]:
    require(actor_of(request), "user.list")  # the selector checks no one
    return list(selectors.users_list(role=role, member=member, search=search))


@router.post("/users", response={201: UserOut, **ERROR_RESPONSES}, summary="Create an account (Secretariat)")
def create_user(request: HttpRequest, payload: UserIn) -> Status:
    user = user_create(
        actor=actor_of(request),
        username=payload.username,
        email=payload.email,
        password=payload.password,
        roles=_specs(payload.roles),
        first_name=payload.first_name,
        last_name=payload.last_name,
        reason=payload.reason,
    )
    return Status(201, selectors.user_get(user.username))  # read again, with its roles


@router.put(
    "/users/{username}/roles",
    response={200: UserOut, **ERROR_RESPONSES},
    summary="Replace an account's roles (Secretariat)",
)
def set_roles(request: HttpRequest, username: str, payload: RolesIn) -> User:
    actor = actor_of(request)
    require(actor, "user.change_roles")  # before the lookup: 403, not 404, so usernames cannot be probed
    user = user_set_roles(
        actor=actor, user=selectors.user_get(username), roles=_specs(payload.roles), reason=payload.reason
    )
    return selectors.user_get(user.username)  # read again, with its roles


@router.post(
    "/members/{iso3}/contributors",
    response={201: InvitationOut, **ERROR_RESPONSES},
    summary="Invite a contributor for a member by e-mail address (its NCP, or the Secretariat)",
    description=(
        "Answers the same whether or not an account already uses the address: a new account is "
        "created for a new address; the holder of an existing account is asked to accept, and "
        "nothing changes on it until they do."
    ),
)
def invite_contributor(request: HttpRequest, iso3: str, payload: InviteIn) -> Status:
    invitation = contributor_invite(
        actor=actor_of(request),
        member=member_get(iso3),
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, invitation)
