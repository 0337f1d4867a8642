"""Forms of the review itself: queries, answers, corrections, evidence, rounds and verdicts. They
check what a reader can fix in their own words; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmm.core.forms import CheckedForm
from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec
from pmm.reviews.models import Verdict

PERIODS = [("", _("Both years")), ("T", _("Year T")), ("T-1", _("Year T-1"))]


def kpi_choices(spec: FrameworkSpec) -> list[tuple[str, str]]:
    ordered = sorted(spec.kpis.values(), key=lambda k: k.position)
    return [(k.code, f"{k.code} · {pick(k.name)}") for k in ordered]


def element_choices(spec: FrameworkSpec, codes: Any = None) -> list[tuple[str, str]]:
    ordered = sorted(spec.elements.values(), key=lambda e: e.position)
    return [(e.code, f"{e.code} · {pick(e.name)}") for e in ordered if codes is None or e.code in codes]


class RaiseForm(CheckedForm):
    kpi = forms.ChoiceField(label=_("KPI"))
    element = forms.ChoiceField(
        label=_("Data element (optional)"),
        required=False,
        help_text=_("Pin the query to one value of the KPI, or leave empty for the whole KPI."),
    )
    period = forms.ChoiceField(label=_("Year"), choices=PERIODS, required=False)
    text = forms.CharField(
        label=_("Question for the member"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, spec: FrameworkSpec, **kwargs: Any) -> None:
        super().__init__(*args, prefix="raise", **kwargs)
        self.fields["kpi"].choices = kpi_choices(spec)  # type: ignore[attr-defined]
        self.fields["element"].choices = [("", "—"), *element_choices(spec)]  # type: ignore[attr-defined]


class TextForm(CheckedForm):
    text = forms.CharField(
        label=_("Text"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, label: Any = None, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label
        self.fields["text"].required = required


class CorrectionForm(CheckedForm):
    element = forms.ChoiceField(label=_("Value to correct"))
    period = forms.ChoiceField(label=_("Year"), choices=PERIODS[1:])
    value = forms.CharField(label=_("Corrected value"), max_length=200)
    text = forms.CharField(
        label=_("What changed and why"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, spec: FrameworkSpec, elements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = element_choices(spec, elements)  # type: ignore[attr-defined]


class EvidenceForm(CheckedForm):
    file = forms.FileField(
        label=_("Evidence file"), help_text=_("PDF, image, spreadsheet, document or text.")
    )
    text = forms.CharField(label=_("Description"), required=False, max_length=2000)


class RoundForm(CheckedForm):
    due_date = forms.DateField(
        label=_("The member's answers are due on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_due_date(self) -> Any:
        due = self.cleaned_data["due_date"]
        if due <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return due


class VerdictsForm(CheckedForm):
    """One verdict and reason per KPI; only the KPIs changed are saved."""

    def __init__(
        self, *args: Any, spec: FrameworkSpec, current: dict[str, tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, prefix="verdicts", **kwargs)
        self.rows = []
        for code, label in kpi_choices(spec):
            verdict, reason = current.get(code, ("", ""))
            self.fields[f"v_{code}"] = forms.ChoiceField(
                label=label, choices=[("", "—"), *Verdict.choices], required=False, initial=verdict
            )
            self.fields[f"r_{code}"] = forms.CharField(
                label=_("Reason for %(kpi)s") % {"kpi": code}, required=False, max_length=2000, initial=reason
            )
            self.rows.append((code, self[f"v_{code}"], self[f"r_{code}"]))

    def changed_verdicts(self, current: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
        changed = []
        for code, _v, _r in self.rows:
            verdict = self.cleaned_data.get(f"v_{code}") or ""
            reason = (self.cleaned_data.get(f"r_{code}") or "").strip()
            if verdict and (verdict, reason) != current.get(code, ("", "")):
                changed.append((code, verdict, reason))
        return changed
