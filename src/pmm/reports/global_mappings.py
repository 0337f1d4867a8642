"""The global report's tables of what the framework maps: the application of WCO instruments and the
contribution to the SDG targets. They are the analytics views (`pmm.analytics.selectors`:
`instruments_for`, `sdg_view_for`) made for the edition's audience, put in tables; nothing here reads
the database."""

from __future__ import annotations

from django.utils.translation import gettext as _

from pmm.analytics.selectors.instruments import InstrumentsView
from pmm.analytics.selectors.sdg import SdgView
from pmm.core.translated import pick
from pmm.reports.cells import Units, kpi_cell, members_cell, middle_cell, quartile_cells
from pmm.reports.tables import NOT_SHOWN, Cell, Section, count, text
from pmm.results.aggregates import GroupStats


def instruments_sections(view: InstrumentsView, units: Units) -> list[Section]:
    """Which members apply each instrument that a yes/no or ordinal KPI tells the application of, how
    the KPIs of its outcomes compare between those that apply it and the others, and the instruments
    no KPI tells about. A member is counted on a side only when the edition shows its answer."""
    spec = view.spec
    applied = Section(
        "instruments",
        _("Application of WCO instruments"),
        _("Instruments applied"),
        _("Instruments"),
        (
            _("Instrument"),
            _("KPIs that tell whether a member applies it"),
            _("Members applying it"),
            _("Members not applying it"),
        ),
        intro=_(
            "A member applies an instrument when one of the yes/no or ordinal KPIs linked to it says so "
            "(yes, or a level at least halfway up the scale). Only the members whose answer this "
            "edition's readers may see are counted, on either side. The annex lists the other "
            "instruments of the framework, which no KPI tells the application of, with their outcomes."
        ),
    )
    applied.add(
        _("Instruments whose application a KPI tells"),
        [
            (
                text(pick(row.name), header=True),
                text("; ".join(f"{c.kpi} {pick(spec.kpis[c.kpi].name)}" for c in row.classifiers)),
                count(len(row.applying)),
                count(len(row.not_applying)),
            )
            for row in view.classified
        ],
    )
    compared = Section(
        "instrument-kpis",
        _("WCO instruments: how their KPIs compare"),
        _("Instruments compared"),
        _("Instrument"),
        (
            _("KPI"),
            _("Members applying it"),
            _("Median of those applying it"),
            _("Members not applying it"),
            _("Median of the others"),
        ),
        intro=_(
            "For each KPI of the instrument's outcomes, the median (or the members per answer) among "
            "the members applying the instrument and among the others, from the values this edition's "
            "readers may see only, when at least %(k)s members of a side have one (%(dash)s otherwise)."
        )
        % {"k": view.min_members, "dash": NOT_SHOWN},
    )
    for row in view.classified:
        rows: list[tuple[Cell, ...]] = [
            (
                kpi_cell(spec.kpis[c.kpi], c.component),
                members_cell(c.applying),
                middle_cell(c.applying, spec.kpis[c.kpi], spec, units),
                members_cell(c.not_applying),
                middle_cell(c.not_applying, spec.kpis[c.kpi], spec, units),
            )
            for c in row.comparisons
        ]
        if rows:
            compared.add(pick(row.name), rows)
    others = Section(
        "instrument-outcomes",
        _("Other WCO instruments and their outcomes"),
        _("Other instruments"),
        _("Instruments"),
        (_("Instrument"), _("Outcomes it is mapped to")),
        intro=_(
            "No KPI tells whether a member applies these instruments; the framework maps them to outcomes."
        ),
        annex_only=True,
    )
    others.add(
        _("Instruments mapped to outcomes"),
        [
            (
                text(pick(row.name), header=True),
                text("; ".join(f"{o} {pick(spec.outcomes[o].name)}" for o in row.outcomes)),
            )
            for row in view.unclassified
        ],
    )
    return [s for s in (applied, compared, others) if s.rows]


def sdg_sections(view: SdgView, units: Units) -> list[Section]:
    """For each SDG target the framework maps: in the report, its KPIs and how far their figures reach
    the edition's readers; in the annex, each KPI with the members whose value the edition shows and
    the statistics of all members released to the edition (the analytics' SDG view, without a member)."""
    spec = view.spec
    summary = Section(
        "sdgs",
        _("Contribution to the Sustainable Development Goals"),
        _("SDG targets"),
        _("SDG targets"),
        (
            _("SDG target"),
            _("KPIs related (* directly, the others through their outcome)"),
            _("Related KPI figures"),
            _("With the statistics of all members released"),
            _("Members with a value: fewest"),
            _("Members with a value: most"),
        ),
        intro=_(
            "The KPIs the framework relates to each SDG target, directly or through their outcome, and how "
            "many of their figures have the statistics of all members released to this edition's readers "
            "(the medians are in the statistics of all members; the annex has each KPI under each target)."
        ),
    )
    detail = Section(
        "sdg-kpis",
        _("SDG targets: every related KPI"),
        _("SDG targets, every KPI"),
        _("SDG target"),
        (
            _("KPI"),
            _("Related"),
            _("Members with a value"),
            _("Median of all members"),
            _("First quartile"),
            _("Third quartile"),
        ),
        annex_only=True,
    )
    rows: list[tuple[Cell, ...]] = []
    for target in view.targets:
        caption = f"{target.code} {pick(target.name)}"
        lines: list[tuple[Cell, ...]] = []
        for item in target.kpis:
            kpi = spec.kpis[item.kpi]
            related = _("directly") if item.direct else _("through its outcome")
            for figure in item.figures:
                q1, q3 = quartile_cells(figure.global_stats, kpi, spec, units)
                lines.append(
                    (
                        kpi_cell(kpi, figure.component),
                        text(related),
                        count(figure.reporting),
                        middle_cell(figure.global_stats, kpi, spec, units),
                        q1,
                        q3,
                    )
                )
        detail.add(caption, lines)
        figures = [figure for item in target.kpis for figure in item.figures]
        reporting = [figure.reporting for figure in figures]
        rows.append(
            (
                text(caption, header=True),
                text(", ".join(f"{item.kpi}{'*' if item.direct else ''}" for item in target.kpis)),
                count(len(figures)),
                count(sum(1 for figure in figures if isinstance(figure.global_stats, GroupStats))),
                count(min(reporting, default=0)),
                count(max(reporting, default=0)),
            )
        )
    summary.add(_("SDG targets the framework maps"), rows)
    return [summary, detail]
