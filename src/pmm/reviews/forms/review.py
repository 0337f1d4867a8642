"""Forms of the peer review pages. They check what a reader can fix in their own words; the services
check everything again."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pmm.core.forms import CheckedForm
from pmm.reviews.models import Accreditation
from pmm.reviews.selectors import PoolEntry
from pmm.reviews.workflow import MOVES


class RequestForm(CheckedForm):
    note = forms.CharField(
        label=_("What do you want from the peer review? (optional)"),
        help_text=_("For example the dimensions or KPIs the reviewers should look at first."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoveForm(CheckedForm):
    """A workflow move (accept, decline, start, withdraw) with its reason, on the version read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        reason_label: Any = None,
        reason_help: Any = None,
        reason_required: Any = None,  # the message shown when a needed reason is missing
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if reason_label:
            field.label = reason_label
        if reason_help:
            field.help_text = reason_help
        if reason_required:
            field.required = True
            field.error_messages["required"] = reason_required


def decision_form(*args: Any, action: str = "", **kwargs: Any) -> MoveForm:
    return MoveForm(
        *args,
        prefix="decision",
        reason_required=_("Say why you decline the request; the member sees the reason.")
        if MOVES.get(action, ("", False))[1]
        else None,
        reason_label=_("Reason"),
        reason_help=_("Optional when you accept, required when you decline. The member sees it."),
        **kwargs,
    )


def withdraw_form(*args: Any, **kwargs: Any) -> MoveForm:
    return MoveForm(
        *args,
        prefix="withdraw",
        reason_label=_("Why do you withdraw the request?"),
        reason_help=_("The WCO Secretariat and the reviewers see this reason."),
        reason_required=_("Say why you withdraw the request."),
        **kwargs,
    )


def start_form(*args: Any, **kwargs: Any) -> MoveForm:
    form = MoveForm(*args, prefix="start", **kwargs)
    del form.fields["reason"]
    return form


def _pool_label(entry: PoolEntry, assigned: set[str]) -> str:
    profile = entry.profile
    parts = [entry.user.get_username()]
    parts.append(f"{entry.member.display_name} ({entry.member.iso3})" if entry.member else "—")
    if profile and profile.languages:
        parts.append(_("languages: %(codes)s") % {"codes": ", ".join(profile.languages)})
    if profile and profile.expertise:
        parts.append(_("expertise: %(codes)s") % {"codes": ", ".join(profile.expertise)})
    parts.append(
        ngettext("%(n)d open review", "%(n)d open reviews", entry.open_reviews) % {"n": entry.open_reviews}
    )
    label = " · ".join(parts)
    if entry.user.get_username() in assigned:
        label += " " + str(_("(already assigned)"))
    return label


class AssignForm(CheckedForm):
    """Choose an accredited reviewer from the pool; `confirm` adds the box that accepts the warnings."""

    reviewer = forms.ChoiceField(
        label=_("Reviewer"),
        help_text=_("Accredited reviewers: name · administration · languages · expertise · open reviews."),
    )
    lead = forms.BooleanField(label=_("Lead reviewer"), required=False)
    accept_warnings = forms.BooleanField(
        label=_("I have read these warnings and assign anyway"), required=False
    )
    warned = forms.CharField(widget=forms.HiddenInput, required=False)  # whose warnings were shown

    def __init__(
        self, *args: Any, pool: list[PoolEntry], assigned: set[str], confirm: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, prefix="assign", **kwargs)
        self.pool = {
            e.user.get_username(): e
            for e in pool
            if e.profile is not None and e.profile.accreditation == Accreditation.ACCREDITED
        }
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a reviewer"))] + [
            (name, _pool_label(entry, assigned)) for name, entry in self.pool.items()
        ]
        if not confirm:
            del self.fields["accept_warnings"], self.fields["warned"]

    def chosen(self) -> Any:
        return self.pool[self.cleaned_data["reviewer"]].user


class UnassignForm(CheckedForm):
    reason = forms.CharField(
        label=_("Why does this reviewer leave the review?"),
        max_length=2000,
        error_messages={"required": _("Say why the reviewer leaves the review.")},
    )


CODES = re.compile(r"[\s,;]+")


def _codes(text: str) -> list[str]:
    return [code for code in CODES.split(text) if code]


class ReviewerForm(CheckedForm):
    accreditation = forms.ChoiceField(label=_("Accreditation"), choices=Accreditation.choices)
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=200,
        help_text=_("Two-letter language codes separated by commas, e.g. en, fr, es, ar."),
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=200,
        help_text=_("Dimension codes separated by commas, e.g. D1, D3."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Recorded in the audit log with the change."),
    )

    def clean_languages(self) -> list[str]:
        codes = [c.lower() for c in _codes(self.cleaned_data["languages"])]
        if any(len(c) != 2 or not c.isalpha() for c in codes):
            raise forms.ValidationError(_("Use two-letter language codes, e.g. en, fr, es, ar."))
        return codes

    def clean_expertise(self) -> list[str]:
        codes = [c.upper() for c in _codes(self.cleaned_data["expertise"])]
        if any(not re.fullmatch(r"D\d", c) for c in codes):
            raise forms.ValidationError(_("Use dimension codes, e.g. D1, D3."))
        return codes
