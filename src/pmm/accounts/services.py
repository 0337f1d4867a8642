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
from django.utils.translation import gettext as _

from pmm.accounts import invitations, selectors
from pmm.accounts.invitations import send_invitation
from pmm.accounts.models import ApiToken, Invitation, RoleAssignment, User
from pmm.audit.services import audit_record
from pmm.authz import can, require
from pmm.authz.roles import MEMBER_OPTIONAL_ROLES, MEMBER_ROLES, Role
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


# --- invitations (docs/security.md, "Invitations") ---------------------------------------------

INVITE_NAME_MAX = 150


def _check_invitation(email: str, first_name: str, last_name: str) -> list[FieldProblem]:
    """Problems with the inviter's own input only: never whether an account uses the address."""
    problems = []
    if not email:
        problems.append(FieldProblem("email", _("give the e-mail address of the person to invite")))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                FieldProblem("email", _("%(email)s is not a valid e-mail address") % {"email": repr(email)})
            )
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > INVITE_NAME_MAX:
            problems.append(
                FieldProblem(field, _("use at most %(count)d characters") % {"count": INVITE_NAME_MAX})
            )
    return problems


def _username_for(email: str) -> str:
    """A free username made from the address's local part (e.g. wanjiru for wanjiru@example.org),
    with -2, -3, ... when it is taken. Only the new account's holder is told it."""
    local = email.rsplit("@", 1)[0].lower()
    base = "".join(c for c in local if c.isalnum() or c in ".+-_")[:140] or "contributor"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _after_commit(send: Any, *args: Any) -> None:
    """Send an e-mail once the invitation is committed; a failure is logged, never raised (robust)."""
    transaction.on_commit(lambda: send(*args), robust=True)  # robust logs the callback's __qualname__


def _holds_contributor_role(user: User, member: Member) -> bool:
    return RoleAssignment.objects.filter(user=user, role=Role.CONTRIBUTOR, member=member).exists()


@transaction.atomic
def contributor_invite(
    *, actor: Any, member: Member, email: str, first_name: str = "", last_name: str = ""
) -> Invitation:
    """Invite the person with this e-mail address to contribute for `member`: a new account for a new
    address, a request to accept for an existing account (pmm.accounts.invitations). Returns the
    invitation; the inviter is told nothing more than that it was sent, whichever it was."""
    require(actor, "user.invite_contributor", member)
    email, first_name, last_name = (
        (email or "").strip(),
        (first_name or "").strip(),
        (last_name or "").strip(),
    )
    problems = _check_invitation(email, first_name, last_name)
    if problems:
        raise ApplicationError(_("The invitation could not be sent."), problems=problems)
    email = User.objects.normalize_email(email)
    inviter = actor if isinstance(actor, User) and actor.is_authenticated else None
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    user = existing
    if user is None:
        user = User(username=_username_for(email), email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.CONTRIBUTOR, member=member)
    invitation = Invitation.objects.create(
        member=member,
        email=email,
        first_name=first_name,
        last_name=last_name,
        user=user,
        account_created=existing is None,
        invited_by=inviter,
    )
    if existing is None:
        _after_commit(send_invitation, user)
        audit_record(
            actor=actor,
            verb="user.invited",
            target=user,
            after={
                "username": user.username,
                "email": email,
                "roles": _roles_state(user),
                "invitation": invitation.pk,
            },
        )
        return invitation
    if not existing.is_active:
        outcome = "nothing sent: the account is deactivated"
    elif _holds_contributor_role(existing, member):
        if existing.has_usable_password():
            outcome = "nothing sent: already a contributor for the member"
            invitation.accepted_at = invitation.created_at
            invitation.save(update_fields=["accepted_at"])
        else:
            outcome = "the link to choose a password was sent again"
            _after_commit(send_invitation, existing)
    else:
        outcome = "asked to accept"
        _after_commit(invitations.send_invitation_to_existing_account, invitation)
    audit_record(
        actor=actor,
        verb="user.invited_existing",
        target=existing,
        after={
            "email": email,
            "member": member.iso3,
            "role": Role.CONTRIBUTOR.value,
            "invitation": invitation.pk,
            "outcome": outcome,
        },
    )
    return invitation


@transaction.atomic
def invitation_accept(*, actor: Any, invitation_id: int) -> Invitation:
    """The invited account holder, signed in, accepts: the contributor role for the member is added
    to their account. Accepting again changes nothing."""
    invitation = selectors.invitation_get(actor, invitation_id)
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("member", "invited_by")
        .get(pk=invitation.pk)
    )
    if invitation.accepted_at is not None:
        return invitation
    if not invitations.can_be_accepted(invitation):
        raise ApplicationError(
            _("This invitation has expired or is no longer valid: ask for a new one."), code="conflict"
        )
    user: User = invitation.user
    before = _roles_state(user)
    RoleAssignment.objects.get_or_create(user=user, role=Role.CONTRIBUTOR, member=invitation.member)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        actor=actor,
        verb="user.invitation_accepted",
        target=user,
        before={"roles": before},
        after={"roles": _roles_state(user), "invitation": invitation.pk},
    )
    return invitation


@transaction.atomic
def invitations_accept_with_password(user: User) -> None:
    """The holder of an invited account chose their password: the invitations for the members where
    the account already has the contributor role (the one that created it, or sent the link again)
    are accepted. Called by the password page."""
    members = RoleAssignment.objects.filter(user=user, role=Role.CONTRIBUTOR).values("member_id")
    now = timezone.now()
    pending = Invitation.objects.filter(user=user, accepted_at__isnull=True, member_id__in=members)
    for invitation in pending.select_related("member"):
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            actor=user,
            verb="user.invitation_accepted",
            target=user,
            after={"invitation": invitation.pk, "member": invitation.member.iso3, "by": "password set"},
        )


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
