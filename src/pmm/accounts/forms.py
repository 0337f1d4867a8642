from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from pmm.accounts import lockout
from pmm.authz.roles import Role
from pmm.core.forms import CheckedForm, TextRuleMixin


class TokenForm(CheckedForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the system that will use it."),
    )


class InviteForm(CheckedForm):
    """An invitation is keyed by e-mail address: the inviter chooses no username (docs/security.md)."""

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)


class UserCreateForm(InviteForm):
    field_order = ["username", "email", "first_name", "last_name"]

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    member = forms.CharField(
        label=_("Member administration (ISO3 code)"),
        max_length=3,
        required=False,
        help_text=_("Required for National Contact Points and contributors, e.g. KEN."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.TextInput)


class RolesForm(CheckedForm):
    roles = forms.CharField(
        label=_("Roles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=mark_safe(  # noqa: S308 (a translated constant: the codes typed in the field, as code)
            _(
                "One role per line, with the member's ISO3 code after a colon where the role needs one, "
                "e.g. <code>ncp:KEN</code> or <code>secretariat_analyst</code>."
            )
        ),
    )
    reason = forms.CharField(label=_("Reason"), required=False)


class LoginForm(TextRuleMixin, AuthenticationForm):
    """Django's sign-in form, refusing locked-out usernames before any password check and counting
    wrong passwords towards a lockout (pmm.accounts.lockout)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-in attempts. Signing in with this username is paused for "
            "%(minutes)s minutes; try again later."
        ),
    }

    def _locked_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": settings.PMM_LOGIN_LOCKOUT_MINUTES},
        )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and lockout.locked_until(username):
            lockout.locked_attempt_record(username=username, step="password", request=self.request)
            raise self._locked_error()
        try:
            return super().clean()
        except ValidationError as error:
            counted = username and self.cleaned_data.get("password") and error.code == "invalid_login"
            if counted and lockout.failure_record(username=username, step="password", request=self.request):
                raise self._locked_error() from error
            raise

    @property
    def locked(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "locked")


class CodeForm(CheckedForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class TotpEnableForm(CheckedForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        help_text=_("The 6-digit code the authenticator app shows after you added the account."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordSetForm(TextRuleMixin, SetPasswordForm):
    """Django's form to choose a password, keeping the character rule (pmm.core.forms)."""


class PasswordUpdateForm(TextRuleMixin, PasswordChangeForm):
    """Django's form to change a password, keeping the character rule (pmm.core.forms)."""
