"""The global report's workbook annex: every table of the report, one sheet per section, the same rows
as the report with numbers as numbers; and an "About" sheet saying what the workbook is and for whom.

Written with xlsxwriter like the results' workbook (`pmm.results.exports.WRITER_OPTIONS`: text is
always text, never a formula, a number or a link), every cell through `pmm.core.spreadsheet.safe_cell`
(formulas defused, characters a workbook cannot hold replaced)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from xlsxwriter import Workbook

from pmm.core.spreadsheet import safe_cell
from pmm.reports.editions import GLOBAL_EDITIONS
from pmm.reports.global_report import GlobalReport
from pmm.results.exports import WRITER_OPTIONS

# Change when what the workbook holds changes (its cached copies are then made again).
FORM = 1
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\']")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters at most, none of []:*?/\\ and no apostrophe), unique
    in the workbook."""
    base = _NOT_IN_SHEET_NAMES.sub(" ", wanted).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" {number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _about(report: GlobalReport) -> list[tuple[str, Any]]:
    publication = report.publication
    facts: list[tuple[str, Any]] = [
        (_("Report"), _("Global report of the PMM cycle")),
        (_("Cycle"), str(report.cycle)),
        (_("Edition"), str(GLOBAL_EDITIONS[report.edition])),
        (_("Publication"), publication.number),
        (_("Published on"), publication.published_at.date().isoformat()),
        (_("Framework"), f"{publication.framework_code} {publication.framework_version}"),
        (_("Inputs fingerprint"), publication.inputs_fingerprint),
        (_("Minimum members for group statistics"), report.min_members),
        *report.glance,
        (
            _("Note"),
            _(
                "Only what this edition's readers may see is included: values at the disclosure levels "
                "they may see, and the group statistics released to them."
            ),
        ),
    ]
    for section in report.sections:
        facts += [(f"{section.title}: {part.caption}", part.note) for part in section.parts if part.note]
    return facts


def annex_xlsx(report: GlobalReport) -> bytes:
    """The workbook of the report's tables, in the report's language."""
    out = io.BytesIO()
    book = Workbook(out, WRITER_OPTIONS)
    bold = book.add_format({"bold": True})
    taken: set[str] = set()
    with translation.override(report.language):
        about = book.add_worksheet(sheet_name(_("About"), taken))
        about.set_column(0, 0, 48)
        about.set_column(1, 1, 80)
        for row, (label, value) in enumerate(_about(report)):
            about.write(row, 0, safe_cell(label), bold)
            about.write(row, 1, safe_cell(value))
        for section in report.sections:
            sheet = book.add_worksheet(sheet_name(section.sheet, taken))
            sheet.freeze_panes(1, 2)
            sheet.set_column(0, 1, 40)
            sheet.set_column(2, len(section.columns), 16)
            sheet.write_row(0, 0, [safe_cell(c) for c in (section.part_label, *section.columns)], bold)
            line = 1
            for part in section.parts:
                for cells in part.rows:
                    sheet.write(line, 0, safe_cell(part.caption))
                    for column, cell in enumerate(cells, start=1):
                        stored = cell.stored
                        if stored is not None:
                            sheet.write(line, column, safe_cell(stored))
                    line += 1
    book.close()
    return out.getvalue()
