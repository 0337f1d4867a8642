"""The e-mail that lets a new account holder choose a password (Django's password-reset tokens).

Sent after the account's transaction commits, by the services that create accounts without a
password, whichever page, API call or command asked for them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pmm.accounts.models import User


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PMM_BASE_URL.rstrip("/") + reverse("accounts:password_set", args=[uid, token])


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
