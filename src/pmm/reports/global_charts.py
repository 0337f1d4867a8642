"""The global report's charts, drawn from its own tables (`Section`s), so they show exactly the figures
the tables show to the edition's audience:

- participation: for all members and each WCO region, the share of the members invited that are in
  the publication (`specs.answer_shares`);
- coverage: per dimension, for each KPI, the share of the members in the publication whose value the
  edition shows (`specs.member_values`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from pmm.charts import specs
from pmm.members.models import GroupKind
from pmm.reports.figures import ReportFigure, figure_id, report_figure
from pmm.reports.global_figures import KIND_TITLES
from pmm.reports.global_report import GlobalReport
from pmm.reports.tables import Cell, Part, Section
from pmm.results.formatting import number_text


def _count(cell: Cell) -> int:
    return int(cell.value) if isinstance(cell.value, int | float) else 0


def _participation(section: Section, language: str) -> list[ReportFigure]:
    regions = str(KIND_TITLES[GroupKind.WCO_REGION])
    parts = [p for i, p in enumerate(section.parts) if i == 0 or p.caption == regions]
    published, others = _("In the publication"), _("Not in the publication")
    rows, table = [], []
    for part in parts:
        for row in part.rows:
            name, invited, in_publication = row[0].text, _count(row[1]), _count(row[4])
            if not invited:
                continue
            share = 100 * in_publication / invited
            rows.append({"group": name, "answer": published, "members": in_publication, "percent": share})
            rows.append(
                {"group": name, "answer": others, "members": invited - in_publication, "percent": 100 - share}
            )
            table.append(
                [
                    name,
                    str(invited),
                    str(in_publication),
                    _("%(number)s%%") % {"number": number_text(share, 0)},
                ]
            )
    if not table:
        return []
    description = _(
        "For all members and each WCO region, the share of the members invited that are in the publication."
    )
    spec = specs.answer_shares(
        rows,
        answers=[published, others],
        group_label=_("Group"),
        share_label=_("Share of the members invited (%)"),
        description=description,
    )
    header = [_("Group"), _("Members invited"), _("Members in the publication"), _("Share")]
    title = _("Participation by WCO region")
    return [report_figure(figure_id("participation"), title, description, spec, language, header, table)]


def _coverage_part(part: Part, index: int, language: str) -> ReportFigure | None:
    rows = [
        {"member": row[0].text, "value": row[2].value}
        for row in part.rows
        if isinstance(row[2].value, int | float)
    ]
    if not rows:
        return None
    description = _(
        "For each KPI of %(dimension)s, the share of the members in the publication whose value this "
        "edition shows."
    ) % {"dimension": part.caption}
    label = _("Members with a value")
    spec = specs.member_values(
        rows, value_label=label, member_label=_("KPI"), unit="%", description=description
    )
    header = [_("KPI"), _("Members with a value"), _("Share of the members in the publication")]
    table = [[row[0].text, row[1].text, row[2].text] for row in part.rows]
    title = _("Coverage of the KPIs of %(dimension)s") % {"dimension": part.caption}
    return report_figure(figure_id("coverage", str(index)), title, description, spec, language, header, table)


def global_figures(report: GlobalReport) -> dict[str, list[ReportFigure]]:
    """The charts of each section of the report, by the section's key (built in the report's language)."""
    found: dict[str, list[ReportFigure]] = {}
    for section in report.sections:
        if section.key == "participation":
            found[section.key] = _participation(section, report.language)
        elif section.key == "coverage":
            figures = [_coverage_part(part, i, report.language) for i, part in enumerate(section.parts, 1)]
            found[section.key] = [f for f in figures if f is not None]
    return found
