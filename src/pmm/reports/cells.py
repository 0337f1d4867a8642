"""The cells the global report's tables share: a KPI named, a component named, released statistics in
the KPI's unit (or the members per answer of a yes/no or ordinal KPI), and why statistics are not shown.
Every text is made in the active language (the report is built in its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.reports.tables import Cell, count, not_shown, number, text
from pmm.results.aggregates import GroupStats, Result
from pmm.results.answers import answers_kpi, answers_text
from pmm.results.formatting import component_label, value_text, withheld_text

Units = Mapping[str, Mapping[str, Any]]


def kpi_label(kpi: KpiSpec, component: str) -> str:
    """A KPI's code and name, and its component's name for a KPI split in several."""
    name = f"{kpi.code} {pick(kpi.name)}"
    return f"{name} \u2014 {component_label(component)}" if len(kpi.formulas) > 1 else name


def kpi_cell(kpi: KpiSpec, component: str) -> Cell:
    """The KPI (and its component), as the header of its row."""
    return text(kpi_label(kpi, component), header=True)


def figure_cell(value: float, kpi: KpiSpec, spec: FrameworkSpec, units: Units) -> Cell:
    return number(value_text(value, kpi, spec, units), value)


def not_released(result: Result | None) -> str:
    """Why there are no statistics to show, in words that tell nothing about the values."""
    if result is None:
        return _("Nothing published")
    return _("Not released: %(reason)s") % {"reason": withheld_text(getattr(result, "reason", ""))}


def middle_cell(result: Result | None, kpi: KpiSpec, spec: FrameworkSpec, units: Units) -> Cell:
    """One cell for a group's statistics: the median, or the members per answer of a yes/no or ordinal
    KPI, or a dash when they are not released (the methodology says why statistics are held back)."""
    if not isinstance(result, GroupStats):
        return not_shown()
    if answers_kpi(kpi):
        return text(answers_text(result, kpi, spec, units))
    return figure_cell(result.median, kpi, spec, units)


def quartile_cells(
    result: Result | None, kpi: KpiSpec, spec: FrameworkSpec, units: Units
) -> tuple[Cell, Cell]:
    """The first and third quartiles of released statistics of a measure (nothing for answers)."""
    if not isinstance(result, GroupStats) or answers_kpi(kpi):
        return text(""), text("")
    return figure_cell(result.q1, kpi, spec, units), figure_cell(result.q3, kpi, spec, units)


def members_cell(result: Result | None) -> Cell:
    """How many members the statistics were computed from (nothing when they are not shown)."""
    return count(result.count) if isinstance(result, GroupStats) else text("")


def statistics_headings() -> tuple[str, ...]:
    """The headings of the columns `statistics_cells` fills, in their order."""
    return (
        _("Members"),
        _("Mean"),
        _("Median"),
        _("First quartile"),
        _("Third quartile"),
        _("Members per answer"),
    )


def statistics_cells(stats: GroupStats, kpi: KpiSpec, spec: FrameworkSpec, units: Units) -> tuple[Cell, ...]:
    """Members, mean, median, first and third quartiles, and the members per answer (a yes/no or
    ordinal KPI has the answers only: a median of answers means little)."""
    if answers_kpi(kpi):
        empty = text("")
        return count(stats.count), empty, empty, empty, empty, text(answers_text(stats, kpi, spec, units))
    return (
        count(stats.count),
        figure_cell(stats.mean, kpi, spec, units),
        figure_cell(stats.median, kpi, spec, units),
        figure_cell(stats.q1, kpi, spec, units),
        figure_cell(stats.q3, kpi, spec, units),
        text(""),
    )


def change_text(difference: float, kpi: KpiSpec, spec: FrameworkSpec, units: Units) -> str:
    """A change between two values with its sign (+1.5%, minus 2 days); none for yes/no and ordinal KPIs,
    whose values are answers."""
    if answers_kpi(kpi) or kpi.unit in ("yes_no", "scale_level"):
        return ""
    size = value_text(abs(difference), kpi, spec, units).lstrip("+")  # a variation's own sign aside
    return ("+" if difference > 0 else "\u2212" if difference < 0 else "") + size
