"""The global report's group statistics, from the statistics released to the edition's audience
(`pmm.results.group_stats.aggregates_for`: at least k members, no differencing, earlier releases
counted); nothing here reads the database.

- the statistics of all members, per KPI component: members, mean, median, quartiles (the members per
  answer of a yes/no or ordinal KPI);
- per kind of group (WCO regions, income groups, geographic groups, unions), the median of each group
  per KPI component, one column per group (for a yes/no or ordinal KPI: its most frequent answer and
  the share of the members who gave it); KPIs with no median of the kind released are left out;
- for the annex only, every released group in full (members, mean, median, quartiles, answers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.members.models import Group, GroupKind
from pmm.members.selectors import name_key
from pmm.reports.cells import (
    Units,
    figure_cell,
    kpi_cell,
    kpi_label,
    not_released,
    statistics_cells,
    statistics_headings,
)
from pmm.reports.global_figures import add_by_dimension, components
from pmm.reports.tables import NOT_SHOWN, Cell, Section, not_shown, text
from pmm.results.aggregates import KIND_ORDER, GroupStats, Result
from pmm.results.answers import AnswerStats, answers_kpi, shares
from pmm.results.group_stats import GLOBAL, PREDEFINED_KINDS, GroupAggregate

Key = tuple[str, str]  # (KPI code, component)
MEDIANS_TITLES = {
    GroupKind.WCO_REGION: (gettext_lazy("Medians by WCO region"), gettext_lazy("By WCO region")),
    GroupKind.INCOME_GROUP: (gettext_lazy("Medians by income group"), gettext_lazy("By income group")),
    GroupKind.GEOGRAPHY: (gettext_lazy("Medians by geographic group"), gettext_lazy("By geographic group")),
    GroupKind.UNION: (gettext_lazy("Medians by union"), gettext_lazy("By union")),
}
WIDE = 6  # more groups than this: printed on landscape pages


def everyone_section(spec: FrameworkSpec, units: Units, everyone: Mapping[Key, Result]) -> Section:
    """The statistics of all members per KPI component, or why they are not released."""
    section = Section(
        "statistics",
        _("Statistics of all members"),
        _("All members"),
        _("Dimension"),
        (
            _("KPI"),
            *statistics_headings(),
            _("Not released because"),
        ),
        intro=_(
            "For each KPI, the statistics of the values of all members of the publication, as far as "
            "they are released to this edition's readers. Yes/no and ordinal KPIs show the members per "
            "answer instead: a median of answers means little."
        ),
    )

    def kpi_row(kpi: KpiSpec, component: str) -> tuple[Cell, ...]:
        result = everyone.get((kpi.code, component))
        if isinstance(result, GroupStats):
            cells = (*statistics_cells(result, kpi, spec, units), text(""))
        else:
            cells = (*(text("") for _i in range(6)), text(not_released(result)))
        return (kpi_cell(kpi, component), *cells)

    add_by_dimension(section, spec, ((kpi, kpi_row(kpi, component)) for kpi, component in components(spec)))
    return section


def _summary_cell(result: Result | None, kpi: KpiSpec, spec: FrameworkSpec, units: Units) -> Cell:
    """A group's median, or the most frequent answer of a yes/no or ordinal KPI with its share ("Yes
    67%"), or a dash when nothing is released."""
    if not isinstance(result, GroupStats):
        return not_shown()
    if not answers_kpi(kpi):
        return figure_cell(result.median, kpi, spec, units)
    if not isinstance(result, AnswerStats):
        return not_shown()
    found = shares(result, kpi, spec, units)
    top = max(found, key=lambda s: s.members)  # the first of the most given, in reading order
    return text(f"{top.label} {top.percent_text}")


def medians_sections(
    spec: FrameworkSpec, units: Units, aggregates: list[GroupAggregate], groups: list[Group]
) -> list[Section]:
    """For each kind of predefined group, a table of each group's median per KPI component."""
    results = {(a.kpi, a.component, a.group): a.result for a in aggregates}
    sections = []
    for kind in PREDEFINED_KINDS:
        of_kind = sorted((g for g in groups if g.kind == kind), key=lambda g: (g.sort_order, g.code))
        if not of_kind:
            continue
        title, sheet = MEDIANS_TITLES[kind]
        section = Section(
            f"medians-{kind}",
            str(title),
            str(sheet),
            _("Dimension"),
            (_("KPI"), *(pick(g.name) for g in of_kind)),
            intro=_(
                "The median of each group's values (for a yes/no or ordinal KPI, its most frequent "
                "answer and the share of the members who gave it). %(dash)s: not released to this "
                "edition's readers (too few members, or it would reveal values they may not see). A group "
                "with nothing released in a table, and a KPI with nothing released for any group of the "
                "kind, are left out."
            )
            % {"dash": NOT_SHOWN},
            wide=len(of_kind) > WIDE,
        )
        rows = []
        for kpi, component in components(spec):
            found = [
                _summary_cell(results.get((kpi.code, component, g.code)), kpi, spec, units) for g in of_kind
            ]
            if any(not cell.empty for cell in found):  # a KPI with no median released here is left out
                rows.append((kpi, (kpi_cell(kpi, component), *found)))
        add_by_dimension(section, spec, rows)
        if section.parts:
            sections.append(section)
    return sections


def _kind_label(kind: str) -> str:
    return str(GroupKind(kind).label) if kind in GroupKind.values else ""


def detail_section(spec: FrameworkSpec, units: Units, aggregates: list[GroupAggregate]) -> Section:
    """For the annex: every group whose statistics are released to the edition's readers, per KPI
    component, with all its statistics (groups held back are left out)."""
    released: dict[Key, list[GroupAggregate]] = defaultdict(list)
    for a in aggregates:
        if isinstance(a.result, GroupStats):
            released[(a.kpi, a.component)].append(a)
    section = Section(
        "statistics-detail",
        _("Statistics of every group"),
        _("Every group"),
        _("KPI"),
        (
            _("Group"),
            _("Kind of group"),
            *statistics_headings(),
        ),
        annex_only=True,
    )
    for kpi, component in components(spec):
        found = sorted(
            released[(kpi.code, component)],
            key=lambda a: (
                a.group != GLOBAL,
                KIND_ORDER.get(a.group_type, len(KIND_ORDER)),
                name_key(pick(a.group_name)),
            ),
        )
        rows = []
        for a in found:
            assert isinstance(a.result, GroupStats)  # kept above
            group = (text(pick(a.group_name), header=True), text(_kind_label(a.group_type)))
            rows.append(group + statistics_cells(a.result, kpi, spec, units))
        if rows:
            section.add(kpi_label(kpi, component), rows)
    return section
