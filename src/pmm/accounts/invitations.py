"""Invitations to contribute for a member administration: their e-mails and their rules.

An NCP (or the Secretariat) invites a person by e-mail address (`services.contributor_invite`).
Whether or not an account already uses that address, the inviter gets the same answer
(`sent_message`) and sees the same invitation waiting for the person, so inviting never tells
whether an account exists (docs/security.md, "Invitations"):

- no account uses the address: an account is created, with a username made from the address and the
  contributor role for the member; its holder is e-mailed a link to choose a password
  (`send_invitation`, also used for accounts the Secretariat creates without a password);
- an account uses it: nothing about that account changes; its holder is e-mailed a link to accept,
  signed in (`send_invitation_to_existing_account`), and only accepting adds the contributor role.

E-mails are sent after the transaction commits; a mail server failure is logged, never shown to the
inviter (a failure shown for one case only would tell the cases apart).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pmm.accounts.models import Invitation, User
from pmm.authz import can
from pmm.members.phrases import for_member


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PMM_BASE_URL.rstrip("/") + reverse("accounts:password_set", args=[uid, token])


def accept_link(invitation: Invitation) -> str:
    return settings.PMM_BASE_URL.rstrip("/") + reverse("accounts:invitation_accept", args=[invitation.pk])


def send_invitation(user: User) -> None:
    """E-mail the new account holder a link to choose a password, in English and French."""
    parts = []
    for language in ("en", "fr"):
        with translation.override(language):
            parts.append(
                _(
                    "An account was created for you on the WCO PMM platform (username: %(username)s).\n"
                    "Choose your password here:\n%(link)s\n"
                )
                % {"username": user.username, "link": password_link(user)}
            )
    with translation.override("en"):
        subject = _("Your WCO PMM platform account")
    with translation.override("fr"):
        subject += " / " + _("Your WCO PMM platform account")
    send_mail(subject, "\n".join(parts), None, [user.email])


def _inviter_name(invitation: Invitation) -> str:
    inviter = invitation.invited_by
    if inviter is None:
        return _("The platform's administrators")
    return inviter.get_full_name() or inviter.get_username()


def send_invitation_to_existing_account(invitation: Invitation) -> None:
    """E-mail the holder of an existing account the invitation and the link to accept it (signed in),
    in English and French. Nothing changes on the account unless they accept."""
    user = invitation.user
    parts = []
    for language in ("en", "fr"):
        with translation.override(language):
            names = {
                "inviter": _inviter_name(invitation),
                "for_member": for_member(invitation.member),
                "username": user.username,
                "until": formats.date_format(timezone.localtime(valid_until(invitation)), "DATE_FORMAT"),
                "link": accept_link(invitation),
            }
            text = (
                _(
                    "%(inviter)s invited you to contribute %(for_member)s on the WCO PMM platform.\n"
                    "You already have an account (username: %(username)s), so no new account was "
                    "created and nothing was changed on yours. To add the contributor role "
                    "%(for_member)s to your account, sign in and accept the invitation here, by "
                    "%(until)s:\n%(link)s\n"
                    "If you do not expect this invitation, ignore this e-mail.\n"
                )
                % names
            )
            if not user.has_usable_password():
                text += _("You have not chosen a password yet; choose it here first:\n%(link)s\n") % {
                    "link": password_link(user)
                }
            parts.append(text)
    with translation.override("en"):
        subject = _("Invitation to contribute on the WCO PMM platform")
    with translation.override("fr"):
        subject += " / " + _("Invitation to contribute on the WCO PMM platform")
    send_mail(subject, "\n".join(parts), None, [user.email])


def valid_until(invitation: Invitation) -> datetime:
    """Invitations can be accepted as long as the password link they send is valid."""
    return invitation.created_at + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def validity_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def is_expired(invitation: Invitation) -> bool:
    return timezone.now() > valid_until(invitation)


def can_be_accepted(invitation: Invitation) -> bool:
    """Not accepted yet, not expired, and its inviter (if any is left) may still invite for the member."""
    if invitation.accepted_at is not None or is_expired(invitation):
        return False
    inviter = invitation.invited_by
    return inviter is None or can(inviter, "user.invite_contributor", invitation.member)


def sent_message(email: str) -> str:
    """The inviter's answer, the same whatever happened behind (page and API)."""
    return _(
        "The invitation to %(email)s was sent. The person appears among your administration's people "
        "once they have accepted it."
    ) % {"email": email}
