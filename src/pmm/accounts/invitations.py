"""The e-mail that lets a new account holder choose a password (Django's password-reset tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pmm.accounts.models import User


def password_link(request: HttpRequest, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:password_set", args=[uid, token]))


def send_invitation(request: HttpRequest, user: User) -> None:
    """E-mail the new account holder a link to choose a password, and tell the person who invited them."""
    link = password_link(request, user)
    body = _(
        "An account was created for you on the WCO PMM platform (username: %(username)s).\n\n"
        "Choose your password here:\n%(link)s\n"
    ) % {"username": user.username, "link": link}
    send_mail(_("Your WCO PMM platform account"), body, None, [user.email])
    messages.success(
        request,
        _(
            "The account %(username)s was created: an e-mail with a link to choose a password "
            "was sent to %(email)s."
        )
        % {"username": user.username, "email": user.email},
    )
