"""The global report's tables of figures: participation, coverage per KPI and the comparison with the
previous cycle (the group statistics are in `global_statistics`). Each is made from reads the caller
did for the edition's audience (`global_report`); nothing here reads the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.members.models import Group, GroupKind
from pmm.reports.cells import (
    Units,
    change_text,
    kpi_cell,
    members_cell,
    middle_cell,
)
from pmm.reports.tables import NOT_SHOWN, Cell, Section, count, number, text
from pmm.results.aggregates import GroupStats, Result
from pmm.results.answers import answers_kpi
from pmm.results.engine import COMPUTED, MISSING, NOT_APPLICABLE, NOT_COMPUTABLE
from pmm.results.formatting import number_text
from pmm.results.group_stats import PREDEFINED_KINDS, GroupAggregate
from pmm.results.participation import Counts, Participation
from pmm.results.selectors import ResultRow

Key = tuple[str, str]  # (KPI code, component)
KIND_TITLES = {
    GroupKind.WCO_REGION: gettext_lazy("WCO regions"),
    GroupKind.INCOME_GROUP: gettext_lazy("Income groups"),
    GroupKind.GEOGRAPHY: gettext_lazy("Geographic groups"),
    GroupKind.UNION: gettext_lazy("Unions"),
}


def components(spec: FrameworkSpec) -> Iterable[tuple[KpiSpec, str]]:
    """Every KPI component of the framework, in the framework's order."""
    for kpi in sorted(spec.kpis.values(), key=lambda k: k.position):
        for component in kpi.formulas:
            yield kpi, component


def add_by_dimension(
    section: Section, spec: FrameworkSpec, rows: Iterable[tuple[KpiSpec, tuple[Cell, ...]]]
) -> None:
    """Add each KPI's row to the section under its dimension's name, the dimensions in the framework's
    order (a dimension without a row is left out), the rows in the order given."""
    by_dimension: dict[str, list[tuple[Cell, ...]]] = defaultdict(list)
    for kpi, row in rows:
        by_dimension[kpi.dimension].append(row)
    for code, dimension in spec.dimensions.items():
        if by_dimension[code]:
            section.add(pick(dimension.name), by_dimension[code])


def _percent(part: int, whole: int) -> Cell:
    share = 100 * part / whole if whole else 0.0
    return number(_("%(number)s%%") % {"number": number_text(share, 0)}, round(share, 1))


# --- participation ---------------------------------------------------------------------------------


def _counts_row(name: str, counts: Counts) -> tuple[Cell, ...]:
    return (
        text(name, header=True),
        count(counts.invited),
        count(counts.started),
        count(counts.submitted),
        count(counts.published),
    )


def participation_section(counted: Participation, groups: list[Group]) -> Section:
    """Members invited, started, submitted and in the publication, for all members and each predefined
    group (`pmm.results.participation`, the one definition)."""
    section = Section(
        "participation",
        _("Participation"),
        _("Participation"),
        _("Groups"),
        (
            _("Group"),
            _("Members invited"),
            _("Members who have started"),
            _("Members who have submitted"),
            _("Members in the publication"),
        ),
        intro=_(
            "Who took part: every member is invited; the members who have started and submitted are "
            "counted as the report is made, the members in the publication as it was published."
        ),
    )
    section.add(_("All members"), [_counts_row(_("All members"), counted.total)])
    for kind in PREDEFINED_KINDS:
        of_kind = sorted((g for g in groups if g.kind == kind), key=lambda g: (g.sort_order, g.code))
        if of_kind:
            section.add(str(KIND_TITLES[kind]), [_counts_row(pick(g.name), counted.of(g)) for g in of_kind])
    return section


# --- coverage --------------------------------------------------------------------------------------


def coverage_section(
    spec: FrameworkSpec, rows: list[ResultRow], aggregates: list[GroupAggregate], members: int
) -> Section:
    """Per KPI component: the members whose value or status the edition shows, by status, their share
    of the publication's members, and how many groups have statistics released to the edition."""
    statuses: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        status = COMPUTED if row.status == COMPUTED and row.value is not None else row.status
        statuses[(row.kpi, row.component, status)] += 1
    released: Counter[Key] = Counter()
    held: Counter[Key] = Counter()
    for a in aggregates:
        (released if a.released else held)[(a.kpi, a.component)] += 1
    section = Section(
        "coverage",
        _("Coverage of each KPI"),
        _("Coverage"),
        _("Dimension"),
        (
            _("KPI"),
            _("Members with a value"),
            _("Share of the members in the publication"),
            _("Not applicable"),
            _("Not computable"),
            _("Not reported"),
            _("Groups with statistics released"),
            _("Groups with statistics held back"),
        ),
        intro=_(
            "How many members of the publication have a value of each KPI that this edition's readers "
            "may see, and for how many groups (all members, WCO regions, income groups, geographic "
            "groups and unions) the group statistics are released to them."
        ),
    )

    def kpi_row(kpi: KpiSpec, component: str) -> tuple[Cell, ...]:
        with_value = statuses[(kpi.code, component, COMPUTED)]
        return (
            kpi_cell(kpi, component),
            count(with_value),
            _percent(with_value, members),
            count(statuses[(kpi.code, component, NOT_APPLICABLE)]),
            count(statuses[(kpi.code, component, NOT_COMPUTABLE)]),
            count(statuses[(kpi.code, component, MISSING)]),
            count(released[(kpi.code, component)]),
            count(held[(kpi.code, component)]),
        )

    add_by_dimension(section, spec, ((kpi, kpi_row(kpi, component)) for kpi, component in components(spec)))
    return section


# --- the previous cycle ----------------------------------------------------------------------------


def _change_cell(
    now: Result | None, before: Result | None, kpi: KpiSpec, spec: FrameworkSpec, units: Units
) -> Cell:
    if not isinstance(now, GroupStats) or not isinstance(before, GroupStats) or answers_kpi(kpi):
        return text("")
    difference = now.median - before.median
    return number(change_text(difference, kpi, spec, units), difference)


def comparison_section(
    spec: FrameworkSpec,
    units: Units,
    years: tuple[int, int],
    now: Mapping[Key, Result],
    before: Mapping[Key, Result],
) -> Section:
    """Per KPI component: the statistics of all members released to the edition's readers in the
    previous cycle's latest publication and in this one, and the change in the median."""
    earlier, later = years
    section = Section(
        "comparison",
        _("Comparison with the previous cycle"),
        _("Previous cycle"),
        _("Dimension"),
        (
            _("KPI"),
            _("Members, %(year)s") % {"year": earlier},
            _("Median, %(year)s") % {"year": earlier},
            _("Members, %(year)s") % {"year": later},
            _("Median, %(year)s") % {"year": later},
            _("Change in the median"),
        ),
        intro=_(
            "The statistics of all members in the previous cycle of the framework (its latest "
            "publication) and in this publication, as far as each is released to this edition's "
            "readers (%(dash)s: not released). Yes/no and ordinal KPIs show the members per answer."
        )
        % {"dash": NOT_SHOWN},
    )

    def kpi_row(kpi: KpiSpec, component: str) -> tuple[Cell, ...]:
        then, today = before.get((kpi.code, component)), now.get((kpi.code, component))
        return (
            kpi_cell(kpi, component),
            members_cell(then),
            middle_cell(then, kpi, spec, units),
            members_cell(today),
            middle_cell(today, kpi, spec, units),
            _change_cell(today, then, kpi, spec, units),
        )

    add_by_dimension(section, spec, ((kpi, kpi_row(kpi, component)) for kpi, component in components(spec)))
    return section
