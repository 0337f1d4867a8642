"""Reading a posted page (or one autosaved row or KPI block) back, and the reopen form.

Field names:
- ``{ELEMENT}__{PERIOD}__value|na|reason|comment``: one value (PERIOD is ``T`` or ``T-1``);
- ``kpi__{KPI}__na|justification|disclosure|reason``: a KPI's applicability and disclosure choices
  (the reason of a change of disclosure level, required once the member's results are published);
- ``just__{ISSUE KEY}``: the explanation of a warning;
- ``version``: the assessment version the page was read at (a stale version saves nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from pmm.core.forms import CheckedForm
from pmm.framework.spec import FrameworkSpec


class ReopenForm(CheckedForm):
    reason = forms.CharField(
        label=gettext_lazy("Why is the assessment reopened?"),
        help_text=gettext_lazy("The National Contact Point sees this reason."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@dataclass(frozen=True)
class PostedSlot:
    element: str
    period: str
    value: str
    not_available: bool
    reason: str
    comment: str


@dataclass(frozen=True)
class PostedKpi:
    kpi: str
    applicable: bool
    justification: str
    disclosure: str | None  # None: not posted (or the actor may not choose it)
    reason: str = ""  # why the disclosure level changes


def slot_name(element: str, period: str) -> str:
    return f"{element}__{period}"


def posted_version(data: QueryDict) -> int | None:
    try:
        return int(data.get("version", ""))
    except ValueError:
        return None


def posted_slots(data: QueryDict, spec: FrameworkSpec, elements: list[str]) -> list[PostedSlot]:
    """The values posted for these elements; a slot counts as posted when its value field is there."""
    slots = []
    for code in elements:
        element = spec.elements[code]
        for period in element.periods:
            prefix = slot_name(code, period)
            if f"{prefix}__value" not in data:
                continue
            slots.append(
                PostedSlot(
                    code,
                    period,
                    data.get(f"{prefix}__value", ""),
                    data.get(f"{prefix}__na") == "1",
                    data.get(f"{prefix}__reason", ""),
                    data.get(f"{prefix}__comment", ""),
                )
            )
    return slots


def posted_kpis(data: QueryDict, kpis: list[str], may_disclose: bool) -> list[PostedKpi]:
    found = []
    for code in kpis:
        prefix = f"kpi__{code}"
        if f"{prefix}__justification" not in data and f"{prefix}__disclosure" not in data:
            continue
        disclosure = data.get(f"{prefix}__disclosure") if may_disclose else None
        found.append(
            PostedKpi(
                code,
                data.get(f"{prefix}__na") != "1",
                data.get(f"{prefix}__justification", ""),
                disclosure,
                data.get(f"{prefix}__reason", "") if may_disclose else "",
            )
        )
    return found


def posted_justifications(data: QueryDict) -> dict[str, str]:
    return {key.removeprefix("just__"): data.get(key, "") for key in data if key.startswith("just__")}


class WorkbookForm(CheckedForm):
    file = forms.FileField(
        label=gettext_lazy("Filled-in workbook (.xlsx)"),
        help_text=gettext_lazy("The workbook downloaded from this page, completed in Excel or LibreOffice."),
    )
