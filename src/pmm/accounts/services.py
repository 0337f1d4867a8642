"""Writes on accounts, roles and API tokens. Every write is audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from pmm.accounts.invitations import send_invitation
from pmm.accounts.models import ApiToken, RoleAssignment, User
from pmm.accounts.roles import MEMBER_OPTIONAL_ROLES, MEMBER_ROLES, Role
from pmm.audit.services import audit_record
from pmm.authz import can, require
from pmm.core.errors import ApplicationError, FieldProblem, NotFound
from pmm.members.models import Member

TOKEN_PREFIX = "pmm_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class RoleSpec:
    role: str
    member_iso3: str | None = None

    def __str__(self) -> str:
        return f"{self.role}:{self.member_iso3}" if self.member_iso3 else self.role


def _roles_state(user: User) -> list[str]:
    return sorted(
        f"{a.role}:{a.member.iso3}" if a.member else a.role
        for a in user.role_assignments.select_related("member")
    )


def _resolve_roles(specs: list[RoleSpec], field: str = "roles") -> list[tuple[str, Member | None]]:
    problems: list[FieldProblem] = []
    resolved: list[tuple[str, Member | None]] = []
    members = {
        m.iso3: m for m in Member.objects.filter(iso3__in=[s.member_iso3 for s in specs if s.member_iso3])
    }
    for i, spec in enumerate(specs):
        where = f"{field}[{i}]" if len(specs) > 1 else field
        if spec.role not in Role.values:
            problems.append(
                FieldProblem(where, f"unknown role {spec.role!r}; expected one of {', '.join(Role.values)}")
            )
            continue
        member = members.get(spec.member_iso3 or "")
        if spec.member_iso3 and member is None:
            problems.append(FieldProblem(f"{where}.member", f"unknown member {spec.member_iso3!r}"))
            continue
        if spec.role in MEMBER_ROLES and member is None:
            problems.append(
                FieldProblem(f"{where}.member", f"the role {spec.role} needs a member (ISO3 code)")
            )
            continue
        if member is not None and spec.role not in MEMBER_ROLES | MEMBER_OPTIONAL_ROLES:
            problems.append(FieldProblem(f"{where}.member", f"the role {spec.role} is not tied to a member"))
            continue
        resolved.append((spec.role, member))
    if problems:
        raise ApplicationError("Some roles are not valid.", problems=problems)
    return resolved


def _check_new_user(username: str, email: str, password: str | None) -> list[FieldProblem]:
    problems = []
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        problems.append(FieldProblem("username", "use up to 150 letters, digits and @.+-_"))
    elif User.objects.filter(username__iexact=username).exists():
        problems.append(FieldProblem("username", f"the username {username!r} is already taken"))
    try:
        validate_email(email)
    except ValidationError:
        problems.append(FieldProblem("email", f"{email!r} is not a valid e-mail address"))
    else:
        if User.objects.filter(email__iexact=email).exists():
            problems.append(FieldProblem("email", "another account already uses this e-mail address"))
    if password is not None:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as error:
            problems += [FieldProblem("password", str(m)) for m in error.messages]
    return problems


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    email: str,
    password: str | None,
    roles: list[RoleSpec],
    first_name: str = "",
    last_name: str = "",
    reason: str = "",
) -> User:
    """Create an account with its roles. With `password=None` the user is e-mailed a link to choose one."""
    require(actor, "user.create")
    problems = _check_new_user(username, email, password)
    try:
        resolved = _resolve_roles(roles)
    except ApplicationError as error:
        problems += error.problems
    if not roles:
        problems.append(FieldProblem("roles", "give at least one role"))
    if problems:
        raise ApplicationError("The account could not be created.", problems=problems)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    if password is None:
        transaction.on_commit(lambda: send_invitation(user))
    for role, member in resolved:
        RoleAssignment.objects.create(user=user, role=role, member=member)
    audit_record(
        actor=actor,
        verb="user.created",
        target=user,
        reason=reason,
        after={"username": username, "email": email, "roles": _roles_state(user)},
    )
    return user


@transaction.atomic
def user_invite_contributor(
    *, actor: Any, member: Member, username: str, email: str, first_name: str = "", last_name: str = ""
) -> User:
    """An NCP (or the Secretariat) creates a contributor account; the contributor sets a password by link."""
    require(actor, "user.invite_contributor", member)
    problems = _check_new_user(username, email, None)
    if problems:
        raise ApplicationError("The contributor could not be invited.", problems=problems)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.CONTRIBUTOR, member=member)
    transaction.on_commit(lambda: send_invitation(user))
    audit_record(
        actor=actor,
        verb="user.invited",
        target=user,
        after={"username": username, "email": email, "roles": _roles_state(user)},
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: Any, user: User, roles: list[RoleSpec], reason: str = "") -> User:
    """Replace a user's roles with `roles`."""
    require(actor, "user.change_roles")
    resolved = _resolve_roles(roles)
    before = _roles_state(user)
    user.role_assignments.all().delete()
    for role, member in resolved:
        RoleAssignment.objects.create(user=user, role=role, member=member)
    after = _roles_state(user)
    if before != after:
        audit_record(
            actor=actor,
            verb="user.roles_changed",
            target=user,
            before={"roles": before},
            after={"roles": after},
            reason=reason,
        )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool, reason: str = "") -> User:
    require(actor, "user.change_roles")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            verb="user.activated" if active else "user.deactivated",
            target=user,
            before={"is_active": not active},
            after={"is_active": active},
            reason=reason,
        )
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the stored token and the secret, which is never shown again."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, "user.change_roles")
    require(user, "token.manage_own")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            "The token could not be created.",
            problems=[FieldProblem("name", "give the token a name of up to 100 characters")],
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:12], key_hash=_hash(secret))
    audit_record(
        actor=actor,
        verb="token.created",
        target=token,
        target_label=f"{user.username}: {token}",
        after={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int, reason: str = "") -> ApiToken:
    """Revoke a token of one's own (or anyone's, for account administrators)."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None or (token.user_id != getattr(actor, "pk", None) and not can(actor, "user.change_roles")):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            verb="token.revoked",
            target=token,
            target_label=f"{token.user.username}: {token}",
            reason=reason,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def token_authenticate(secret: str) -> User | None:
    """The active user owning this active token, recording when it was last used; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
