"""KPI results in words and numbers for readers: one place for how a value, its unit and a status read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.core.translated import pick
from pmm.framework import formula as fx
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.results.aggregates import GroupStats
from pmm.results.engine import (
    COMPUTED,
    DIVISION_BY_ZERO,
    INPUT_NOT_AVAILABLE,
    INVALID_OPERAND,
    MISSING,
    MISSING_INPUT,
    MISSING_PREVIOUS_YEAR,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    NOT_FINITE,
)

STATUS_LABELS = {
    COMPUTED: gettext_lazy("Computed"),
    NOT_APPLICABLE: gettext_lazy("Not applicable"),
    NOT_COMPUTABLE: gettext_lazy("Not computable"),
    MISSING: gettext_lazy("Not reported"),
}
REASON_TEXTS = {
    INPUT_NOT_AVAILABLE: gettext_lazy("a figure it needs was reported as not available"),
    MISSING_PREVIOUS_YEAR: gettext_lazy("the figure for the previous year (T-1) is missing"),
    MISSING_INPUT: gettext_lazy("a figure it needs is missing"),
    DIVISION_BY_ZERO: gettext_lazy("it would divide by zero"),
    NOT_FINITE: gettext_lazy("the result is not a finite number"),
    INVALID_OPERAND: gettext_lazy("a figure it needs is not a number"),
}


def status_text(status: str, reason: str = "") -> str:
    """The status in plain words, with the reason when the KPI could not be computed."""
    label = str(STATUS_LABELS.get(status, status))
    if status == NOT_COMPUTABLE and reason in REASON_TEXTS:
        return _("%(status)s: %(reason)s") % {"status": label, "reason": REASON_TEXTS[reason]}
    return label


WITHHELD_TEXTS = {
    "too_few": gettext_lazy("fewer members contribute than the minimum"),
    "few_withheld": gettext_lazy("it would reveal values you may not see"),
    "differencing": gettext_lazy("compared with other figures, it would reveal values you may not see"),
}


def withheld_text(reason: str) -> str:
    return str(WITHHELD_TEXTS.get(reason, reason))


NBSP = "\u00a0"
# Units shown after a number by name (others: percent gets "%", a symbol wins, counts stand alone).
_BARE_UNITS = {"count", "yes_no", "scale_level"}
# Names of the components of split KPIs in the shipped framework; others show their code, capitalised.
COMPONENT_LABELS: dict[str, str | Promise] = {
    "import": gettext_lazy("Imports"),
    "export": gettext_lazy("Exports"),
    "combined": gettext_lazy("Imports and exports"),
    "import_count": gettext_lazy("Imports, by number"),
    "export_count": gettext_lazy("Exports, by number"),
    "import_value": gettext_lazy("Imports, by value"),
    "export_value": gettext_lazy("Exports, by value"),
    "workforce": gettext_lazy("Workforce"),
    "management": gettext_lazy("Management"),
}


def component_label(component: str) -> str:
    label = COMPONENT_LABELS.get(component)
    return str(label) if label is not None else component.replace("_", " ").capitalize()


def units_of(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The framework document's units by code: {"symbol": …, "name": {language: text}}."""
    return {u["code"]: u for u in document.get("units") or []}


def kpi_definitions(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The framework document's KPI entries by code (for their descriptions)."""
    return {k["code"]: k for d in document["dimensions"] for o in d["outcomes"] for k in o["kpis"]}


def number_text(value: float, max_decimals: int = 2) -> str:
    """A number in the reader's language: grouped thousands, at most `max_decimals`, no trailing zeros."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_EVEN)
    normal = rounded.normalize()
    decimals = max(0, -int(normal.as_tuple().exponent))
    if rounded == 0:
        rounded, decimals = Decimal(0), 0
    return number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def unit_text(kpi: KpiSpec, units: Mapping[str, Mapping[str, Any]]) -> str:
    """The unit as shown in a KPI's definition: its name, with its symbol if it has one."""
    unit = units.get(kpi.unit)
    if unit is None:
        return kpi.unit
    name = pick(unit.get("name"))
    return f"{name} ({unit['symbol']})" if unit.get("symbol") else name


def axis_unit(kpi: KpiSpec, units: Mapping[str, Mapping[str, Any]]) -> str:
    """The unit a chart's axis names: its symbol, else its name; none for counts, yes/no and levels."""
    unit = units.get(kpi.unit)
    if unit is None or kpi.unit in _BARE_UNITS:
        return ""
    return str(unit.get("symbol") or pick(unit.get("name")))


def _ordinal_label(spec: FrameworkSpec, kpi: KpiSpec, value: float) -> str:
    """The label of the option scored `value` when the KPI is exactly one choice element."""
    expr = kpi.formulas.get("value")
    if not isinstance(expr, fx.Ref):
        return ""
    element = spec.elements.get(expr.element)
    if element is None:
        return ""
    for code, score in element.options.items():
        if score == value:
            return pick(element.option_labels.get(code))
    return ""


def value_text(
    value: float, kpi: KpiSpec, spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]
) -> str:
    """A computed value as a reader expects it: localized, with its unit."""
    if kpi.kind == "yes_no" or kpi.unit == "yes_no":
        return str(_("Yes") if value else _("No"))
    if kpi.kind == "ordinal" or kpi.unit == "scale_level":
        level = number_text(value)
        label = _ordinal_label(spec, kpi, value)
        if label:
            return _("Level %(level)s: %(label)s") % {"level": level, "label": label}
        return _("Level %(level)s") % {"level": level}
    # A variation against T-1 says its direction: +12.5%, -3%.
    sign = "+" if kpi.kind == "variation" and value > 0 else ""
    if kpi.unit == "percent":
        return _("%(number)s%%") % {"number": sign + number_text(value, 1)}
    number = sign + number_text(value)
    unit = units.get(kpi.unit)
    if unit is None or kpi.unit in _BARE_UNITS:
        return number
    return f"{number}{NBSP}{unit.get('symbol') or pick(unit.get('name'))}"


# --- results for the pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One published result for reading: the value, or the status in words (and a note)."""

    component: str
    label: str  # the component's name ("" for single-value KPIs)
    status: str
    text: str  # the value with its unit, or the status in plain words
    note: str = ""  # the member's justification, when not applicable

    @property
    def computed(self) -> bool:
        return self.status == COMPUTED


def figure_of(row: Any, spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]) -> Figure:
    kpi = spec.kpis[row.kpi]
    label = component_label(row.component) if len(kpi.formulas) > 1 else ""
    if row.status == COMPUTED and row.value is not None:
        return Figure(row.component, label, row.status, value_text(row.value, kpi, spec, units))
    status = row.status if row.status in (NOT_APPLICABLE, NOT_COMPUTABLE) else MISSING
    note = row.detail if status == NOT_APPLICABLE else ""
    return Figure(row.component, label, status, status_text(status, row.reason), note)


def group_rows(
    found: Iterable[Any], spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Group statistics ready to show: the figures in the KPI's unit, or, for yes/no and ordinal KPIs,
    the share of members per answer (`answers`); or why they are held back."""
    from pmm.results.answers import answers_text  # it builds on this module

    rows = []
    for a in found:
        kpi = spec.kpis[a.kpi]
        stats = a.result if isinstance(a.result, GroupStats) else None
        answers = answers_text(stats, kpi, spec, units)
        figures = (
            [value_text(getattr(stats, f), kpi, spec, units) for f in ("mean", "q1", "median", "q3")]
            if stats and not answers
            else []
        )
        rows.append(
            {
                "aggregate": a,
                "component": component_label(a.component) if len(kpi.formulas) > 1 else "",
                "answers": answers,
                "figures": figures,
                "count": stats.count if stats else None,
                "withheld": "" if stats else withheld_text(getattr(a.result, "reason", "")),
            }
        )
    return rows
