"""Results as CSV and XLSX files: the rows a reader may see (already disclosure-filtered), nothing more.
Every cell goes through `pmm.core.spreadsheet` (formulas defused, illegal characters replaced)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from xlsxwriter import Workbook

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
    """A record's value for the sheet: an empty text is no cell at all (writing each cell is most of
    the cost of a whole cycle's file)."""
    return None if value == "" else safe_cell(value)


# xlsxwriter, not openpyxl: about four times faster for a whole cycle's rows (docs/performance.md).
# Its guesses are off: a text is always written as text, never as a formula, a number or a link.
WRITER_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def results_xlsx(results: Results) -> bytes:
    out = io.BytesIO()
    book = Workbook(out, WRITER_OPTIONS)
    sheet = book.add_worksheet(str(safe_cell(_("Results")))[:31])
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [safe_cell(column) for column in COLUMNS], book.add_format({"bold": True}))
    cleaned: dict[str, Any] = {}  # the same names and codes recur on every row: clean each once
    for number, record in enumerate(result_records(results), start=1):
        for column, value in enumerate(record[c] for c in COLUMNS):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                if value not in cleaned:
                    cleaned[value] = _xlsx_cell(value)
                sheet.write_string(number, column, cleaned[value])
            else:
                sheet.write(number, column, safe_cell(value))
    about = book.add_worksheet(str(safe_cell(_("About")))[:31])
    facts = [
        (_("Cycle"), str(results.cycle)),
        (_("Source"), _source(results)),
        (_("Framework"), f"{results.cycle.framework.code} {results.cycle.framework.version}"),
        (_("Rows"), len(results.rows)),
        (_("Note"), _("Only the figures you are allowed to see are included.")),
    ]
    for row, (label, value) in enumerate(facts):
        about.write_row(row, 0, [safe_cell(label), safe_cell(value)])
    book.close()
    return out.getvalue()
