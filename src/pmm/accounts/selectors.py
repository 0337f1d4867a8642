from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from pmm.accounts import invitations
from pmm.accounts.models import ApiToken, Invitation, RoleAssignment, User
from pmm.core.errors import NotFound
from pmm.core.extended import Extending


def users_list(*, role: str = "", member: str = "", search: str = "") -> QuerySet[User]:
    users = User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("member"))
    )
    if role:
        users = users.filter(role_assignments__role=role)
    if member:
        users = users.filter(role_assignments__member__iso3=member.upper())
    if search:
        users = users.filter(username__icontains=search) | users.filter(email__icontains=search)
    return users.distinct()


def user_get(username: str) -> User:
    user = users_list().filter(username=username).first()
    if user is None:
        raise NotFound(f"No user {username}.")
    return user


def member_users(member_id: int) -> QuerySet[User]:
    return users_list().filter(role_assignments__member_id=member_id).distinct()


def member_invitations_pending(member_id: int) -> list[Invitation]:
    """The member's invitations not accepted yet, the latest per e-mail address. They look the same
    whether the invitation created an account or went to an existing one (docs/security.md)."""
    latest: dict[str, Invitation] = {}
    for invitation in Invitation.objects.filter(member_id=member_id, accepted_at__isnull=True):
        latest.setdefault(invitation.email.lower(), invitation)
    return list(latest.values())


def member_people(member_id: int) -> QuerySet[User]:
    """The accounts with a role for the member, less those created by an invitation not accepted
    yet (they are listed as invitations, like invitations to existing accounts)."""
    waiting = Invitation.objects.filter(member_id=member_id, accepted_at__isnull=True, account_created=True)
    return member_users(member_id).exclude(pk__in=waiting.values("user_id"))


def invitations_waiting_for(user: User) -> list[Invitation]:
    """Invitations the user may still accept, signed in (the account page lists them)."""
    waiting = Invitation.objects.filter(user=user, accepted_at__isnull=True, account_created=False)
    return [i for i in waiting.select_related("member", "invited_by") if invitations.can_be_accepted(i)]


@dataclass(frozen=True)
class NewToken(Extending):
    """A token just created, with its secret (shown this once); every other attribute is the token's."""

    stored: ApiToken
    token: str


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def invitation_get(actor: Any, invitation_id: int) -> Invitation:
    """The actor's own invitation; anyone else's answers as if it did not exist."""
    invitation = None
    if getattr(actor, "is_authenticated", False):
        invitation = (
            Invitation.objects.select_related("member", "invited_by")
            .filter(pk=invitation_id, user_id=actor.pk)
            .first()
        )
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation
