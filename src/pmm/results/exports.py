"""Results as CSV and XLSX files: the rows a reader may see (already disclosure-filtered), nothing more.
Every cell goes through `pmm.core.spreadsheet` (formulas defused, illegal characters replaced)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from pmm.core.spreadsheet import safe_cell, safe_csv_field
from pmm.core.translated import pick
from pmm.results.selectors import ResultFilters, Results

COLUMNS = (
    "member", "member_name", "dimension", "outcome", "kpi", "kpi_name", "component", "status", "value",
    "unit", "reason", "detail", "disclosure", "band",
)  # fmt: skip


def download_url(cycle_id: int, kind: str, filters: ResultFilters, publication: Any = None) -> str:
    """The API's CSV or XLSX (`kind`) of a selection; the API filters it by disclosure for its caller."""
    query: dict[str, Any] = filters.as_query()
    if publication not in (None, ""):
        query["publication"] = publication
    url = reverse(f"api:results_{kind}_download", kwargs={"cycle": cycle_id})
    return f"{url}?{urlencode(query)}" if query else url


def result_records(results: Results) -> list[dict[str, Any]]:
    spec = results.spec
    kpi_names = {code: pick(kpi.name) for code, kpi in spec.kpis.items()}
    member_names: dict[str, str] = {}
    records = []
    for row in results.rows:
        kpi = spec.kpis[row.kpi]
        if row.iso3 not in member_names:
            member_names[row.iso3] = pick(row.member_name)
        records.append(
            {
                "member": row.iso3, "member_name": member_names[row.iso3], "dimension": kpi.dimension,
                "outcome": kpi.outcome, "kpi": row.kpi, "kpi_name": kpi_names[row.kpi],
                "component": row.component, "status": row.status, "value": row.value, "unit": kpi.unit,
                "reason": row.reason, "detail": row.detail, "disclosure": row.disclosure, "band": row.band,
            }
        )  # fmt: skip
    return records


def _source(results: Results) -> str:
    if results.is_current:
        return _("current results, not published")
    if results.publication is None:
        return _("nothing published yet")
    return _("publication %(number)s of %(date)s") % {
        "number": results.publication.number,
        "date": results.publication.published_at.date().isoformat(),
    }


def results_csv(results: Results) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in result_records(results):
        writer.writerow({k: safe_csv_field(v) for k, v in record.items()})
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    """A record's value for the sheet: an empty text is no cell at all (openpyxl writes nothing for
    None, and writing each cell is most of the cost of a whole cycle's file)."""
    return None if value == "" else safe_cell(value)


def results_xlsx(results: Results) -> bytes:
    book = Workbook(write_only=True)  # streams rows: several times faster for a whole cycle
    sheet = book.create_sheet(_("Results"))
    sheet.freeze_panes = "A2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=safe_cell(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for record in result_records(results):
        sheet.append([_xlsx_cell(record[c]) for c in COLUMNS])
    about = book.create_sheet(_("About"))
    facts = [
        (_("Cycle"), str(results.cycle)),
        (_("Source"), _source(results)),
        (_("Framework"), f"{results.cycle.framework.code} {results.cycle.framework.version}"),
        (_("Rows"), len(results.rows)),
        (_("Note"), _("Only the figures you are allowed to see are included.")),
    ]
    for label, value in facts:
        about.append([safe_cell(label), safe_cell(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
