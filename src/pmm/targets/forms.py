"""Forms of the targets page. The form offers the KPIs of the cycle's framework (a KPI with several
components offers each of them); the service checks everything again and its problems are shown next
to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmm.core.forms import CheckedForm
from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec
from pmm.results.formatting import component_label

SEPARATOR = ":"  # between a KPI's code and its component in the KPI choice


def kpi_choice(kpi: str, component: str) -> str:
    """The value of a KPI choice: the code, with the component for a KPI with several."""
    return kpi if component == "value" else f"{kpi}{SEPARATOR}{component}"


def kpi_choices(spec: FrameworkSpec) -> list[tuple[str, Any]]:
    """Every KPI in the framework's order; a KPI with several components is a group of its components."""
    choices: list[tuple[str, Any]] = [("", _("Choose a KPI"))]
    for kpi in sorted(spec.kpis.values(), key=lambda k: k.position):
        title = f"{kpi.code} · {pick(kpi.name)}"
        if len(kpi.formulas) == 1:
            choices.append((kpi_choice(kpi.code, next(iter(kpi.formulas))), title))
        else:
            choices.append(
                (
                    title,
                    [(kpi_choice(kpi.code, c), f"{kpi.code} · {component_label(c)}") for c in kpi.formulas],
                )
            )
    return choices


class TargetForm(CheckedForm):
    kpi = forms.ChoiceField(
        label=_("KPI"),
        help_text=_("For a KPI with several parts (imports and exports, for example), choose the part."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        help_text=_("The reporting year the target is for: a year after the cycle's reporting year."),
    )
    value = forms.FloatField(
        label=_("Target value"),
        localize=True,
        help_text=_("In the KPI's unit: a percentage between 0 and 100, 1 for yes and 0 for no."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("For example how the target was decided, or what it depends on."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, spec: FrameworkSpec, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "target")
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpi_choices(spec)
        self.fields["kpi"].error_messages["invalid_choice"] = _("Choose a KPI from the list.")
        self.fields["value"].widget.attrs["inputmode"] = "decimal"

    def kpi_and_component(self) -> tuple[str, str]:
        kpi, _sep, component = self.cleaned_data["kpi"].partition(SEPARATOR)
        return kpi, component or "value"


class CycleForm(CheckedForm):
    """The cycle whose framework and values the page shows (a GET form)."""

    cycle = forms.TypedChoiceField(label=_("Cycle"), coerce=int)

    def __init__(self, *args: Any, cycles: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(c.pk, str(c)) for c in cycles]
