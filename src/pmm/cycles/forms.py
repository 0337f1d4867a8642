"""Forms of the cycle pages. They check what a reader can fix in their own words; the services check
everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pmm.core.forms import CheckedForm
from pmm.core.translated import pick
from pmm.framework.models import Framework, FrameworkStatus
from pmm.members.models import Member

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CycleForm(CheckedForm):
    framework = forms.ChoiceField(
        label=_("Framework version"), help_text=_("Only active framework versions can be used.")
    )
    reporting_year = forms.IntegerField(
        label=_("Reporting year (T)"),
        min_value=1990,
        max_value=2100,
        help_text=_("The calendar year the data describe; year T-1 is the year before."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_WIDGET)
    closes_on = forms.DateField(
        label=_("Closes on"), widget=DATE_WIDGET, help_text=_("The deadline for every member.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Framework.objects.filter(status=FrameworkStatus.ACTIVE).only("code", "version", "title")
        field = self.fields["framework"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (f"{f.code}::{f.version}", f"{pick(f.title)} ({f.code} {f.version})")
            for f in sorted(active, key=lambda f: (f.code, f.version))
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes, year = data.get("opens_on"), data.get("closes_on"), data.get("reporting_year")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", _("The closing date must come after the opening date."))
        if opens and year and year > opens.year:
            self.add_error(
                "reporting_year",
                _("The reporting year must be over when the cycle opens: %(year)s at the latest.")
                % {"year": opens.year},
            )
        return data

    def framework_code_version(self) -> tuple[str, str]:
        code, _sep, version = self.cleaned_data["framework"].partition("::")
        return code, version


class StatusForm(CheckedForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Recorded in the audit log with the change."),
    )


class ExtensionForm(CheckedForm):
    member = forms.ChoiceField(label=_("Member"))
    extended_to = forms.DateField(label=_("New deadline"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, closes_on: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closes_on = closes_on
        members = sorted(Member.objects.only("iso3", "name", "sort_name"), key=lambda m: m.display_name)
        field = self.fields["member"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a member"))] + [
            (m.iso3, f"{m.display_name} ({m.iso3})") for m in members
        ]

    def clean_extended_to(self) -> Any:
        value = self.cleaned_data["extended_to"]
        if self.closes_on and value <= self.closes_on:
            raise forms.ValidationError(
                _("The new deadline must come after the cycle's closing date, %(date)s.")
                % {"date": date_format(self.closes_on)}
            )
        return value
