"""The country report's charts: per dimension, for each KPI the summary names as a strength or a
weakness and with peer statistics released to the edition's audience, the member's value against its
peer groups' medians and middle halves (`specs.peer_comparison`, the dashboard's chart). Drawn from
the report's own lines: the statistics the tables show (released by `member_peer_groups` for the
audience) and the member's value only when the edition shows it. Yes/no and ordinal KPIs, whose
values are answers, have their table only.

Printed small, two by two, the charts share one legend, printed once as text above them (the page's
`chart-legend`, in the charts' colours), and draw no grid and four ticks: each text and mark of a chart
costs its rendering (`figures`), and a report of 16 charts took a second more to make with them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from pmm.charts import specs
from pmm.core.translated import pick
from pmm.reports.country import CountryReport, DimensionSection, ReportLine
from pmm.reports.figures import ReportFigure, figure_id, report_figure
from pmm.results.answers import answers_kpi
from pmm.results.formatting import axis_unit

# The charts' size in the report, in the drawing's pixels: two charts share a line of about 170 mm, so
# at the pages' width of 640 their 10-pixel labels printed at about 4.5 pt; at 300 they print at about
# 7 pt. Each peer group's band is lower than on a screen, so that a chart stays as short on the page.
PRINTED_WIDTH = 300
PRINTED_STEP = 20
# The charts' look in the report (`figures.for_print`): the legend is the page's; names are not cut
# short (cutting measures them again and again); no grid, fewer ticks.
PRINTED = {
    "legend": {"disable": True},
    "axis": {"grid": False, "labelLimit": 0},
    "axisQuantitative": {"tickCount": 4},
}


def _charted(line: ReportLine) -> bool:
    """A chart for each strength and weakness the summary names (a chart for each of the 50 KPIs made
    the report's PDF take seconds more to draw, and a long row of look-alike charts is not read)."""
    return bool(line.standing) and not answers_kpi(line.kpi) and any(p.stats is not None for p in line.peers)


def _peers_figure(report: CountryReport, member: str, line: ReportLine, language: str) -> ReportFigure:
    name = pick(line.kpi.name)
    peers = [p for p in line.peers if p.stats is not None]
    rows = [
        {
            "group": pick(p.name),
            "q1": p.stats.q1,
            "median": p.stats.median,
            "q3": p.stats.q3,
            "count": p.stats.count,
        }
        for p in peers
        if p.stats is not None
    ]
    shown = line.value is not None and line.figure is not None
    if shown:
        assert line.figure is not None
        value = _("The value of %(member)s, %(value)s, is the vertical line.") % {
            "member": member,
            "value": line.figure.text,
        }
    else:
        value = _(
            "The value of %(member)s is not drawn: it is not a computed value shown in this edition."
        ) % {"member": member}
    description = (
        _(
            "For each peer group, the middle half of the values of %(kpi)s (first to third quartile) "
            "and the median."
        )
        % {"kpi": name}
        + " "
        + value
    )
    spec = specs.peer_comparison(
        rows,
        value_label=name,
        group_label=_("Peer group"),
        member_label=member,
        unit=axis_unit(line.kpi, report.units),
        member_value=line.value if shown else None,
        description=description,
    )
    title = _("%(kpi)s: %(member)s and its peer groups") % {"kpi": name, "member": member}
    return report_figure(
        figure_id(report.member.iso3, line.kpi.code, "peers"),
        title,
        description,
        {**spec, "width": PRINTED_WIDTH, "height": PRINTED_STEP * max(len(rows), 1)},
        language,
        [],  # its figures are the KPI's row in the table above the charts: not printed twice
        [],
        PRINTED,
    )


def country_figures(
    report: CountryReport, member: str, language: str
) -> list[tuple[DimensionSection, list[ReportFigure]]]:
    """Each dimension of the report with its charts, in the order of its tables."""
    return [
        (
            section,
            [
                _peers_figure(report, member, line, language)
                for part in section.outcomes
                for line in part.lines
                if _charted(line)
            ],
        )
        for section in report.dimensions
    ]
