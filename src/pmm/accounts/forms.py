from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pmm.accounts.roles import Role


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the system that will use it."),
    )


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)


class UserCreateForm(InviteForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    member = forms.CharField(
        label=_("Member administration (ISO3 code)"),
        max_length=3,
        required=False,
        help_text=_("Required for National Contact Points and contributors, e.g. KEN."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.TextInput)


class RolesForm(forms.Form):
    roles = forms.CharField(
        label=_("Roles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One role per line, with the member's ISO3 code after a colon where the role needs one, "
            "e.g. ncp:KEN or secretariat_analyst."
        ),
    )
    reason = forms.CharField(label=_("Reason"), required=False)
