from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pmm.accounts import invitations, selectors
from pmm.accounts.models import ApiToken, User
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
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
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


class MeOut(UserOut):
    actions: list[str]


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


class TokenIn(Input):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class NewTokenOut(TokenOut):
    token: str


def user_out(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "is_active": u.is_active,
        "roles": [
            {"role": a.role, "member": a.member.iso3 if a.member else None} for a in u.role_assignments.all()
        ],
    }


def token_out(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


def _specs(roles: list[RoleIO]) -> list[RoleSpec]:
    return [RoleSpec(r.role, r.member.upper() if r.member else None) for r in roles]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="The signed-in user, roles and actions")
def me(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "me.view")
    user = selectors.user_get(actor.username)
    return {**user_out(user), "actions": actions_of(actor)}


@router.get("/me/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
def my_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    require(actor, "token.manage_own")
    return [token_out(t) for t in selectors.tokens_of(actor)]


@router.post(
    "/me/tokens",
    response={201: NewTokenOut, **ERROR_RESPONSES},
    summary="Create an API token (the token is shown once)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    actor = actor_of(request)
    require(actor, "token.manage_own")
    token, secret = token_create(actor=actor, user=actor, name=payload.name)
    return Status(201, {**token_out(token), "token": secret})


@router.delete("/me/tokens/{token_id}", response={200: TokenOut, **ERROR_RESPONSES})
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "token.manage_own")
    return token_out(token_revoke(actor=actor, token_id=token_id))


@router.get("/users", response={200: list[UserOut], **ERROR_RESPONSES}, summary="Accounts (Secretariat)")
def list_users(
    request: HttpRequest, role: str = "", member: str = "", search: str = ""
) -> list[dict[str, Any]]:
    require(actor_of(request), "user.list")
    return [user_out(u) for u in selectors.users_list(role=role, member=member, search=search)]


@router.post("/users", response={201: UserOut, **ERROR_RESPONSES}, summary="Create an account (Secretariat)")
def create_user(request: HttpRequest, payload: UserIn) -> Status:
    actor = actor_of(request)
    require(actor, "user.create")
    user = user_create(
        actor=actor,
        username=payload.username,
        email=payload.email,
        password=payload.password,
        roles=_specs(payload.roles),
        first_name=payload.first_name,
        last_name=payload.last_name,
        reason=payload.reason,
    )
    return Status(201, user_out(selectors.user_get(user.username)))


@router.put(
    "/users/{username}/roles",
    response={200: UserOut, **ERROR_RESPONSES},
    summary="Replace an account's roles (Secretariat)",
)
def set_roles(request: HttpRequest, username: str, payload: RolesIn) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "user.change_roles")
    user = user_set_roles(
        actor=actor, user=selectors.user_get(username), roles=_specs(payload.roles), reason=payload.reason
    )
    return user_out(selectors.user_get(user.username))


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
    actor = actor_of(request)
    member = member_get(iso3)
    require(actor, "user.invite_contributor", member)
    invitation = contributor_invite(
        actor=actor,
        member=member,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(
        201,
        {
            "email": invitation.email,
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "member": member.iso3,
            "roles": [{"role": Role.CONTRIBUTOR.value, "member": member.iso3}],
            "message": invitations.sent_message(invitation.email),
        },
    )
