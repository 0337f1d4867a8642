"""A chart's downloads (its data as CSV, its image as SVG or PNG), answered by the page that shows it:
`?chart=<id>&format=csv|svg|png` on the page's own URL, so a download goes through the same reads and
the same disclosure rules as the page."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pmm.charts import Chart
from pmm.charts.render import to_png, to_svg
from pmm.core.downloads import attachment
from pmm.core.spreadsheet import safe_csv_field

FORMATS = ("csv", "svg", "png")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"}
TITLE_WIDTH = 90  # characters per line of the title in a downloaded image
EMPTY = "\u2013"  # an en dash in a table cell without a value


def chart_links(request: HttpRequest, chart: Chart) -> dict[str, str]:
    """{"csv": url, "svg": url, "png": url}: the current URL (its other parameters kept) with
    chart=<id>&format=<format>."""
    links = {}
    for kind in FORMATS:
        query = request.GET.copy()
        query["chart"] = chart.id
        query["format"] = kind
        links[kind] = f"{request.path}?{query.urlencode()}"
    return links


def chart_download(request: HttpRequest, charts: Iterable[Chart]) -> HttpResponse | None:
    """The file asked for by ?chart=<id>&format=csv|svg|png, or None when the request asks for no chart.
    Raises Http404 for a chart id not among `charts` or an unknown format."""
    wanted = request.GET.get("chart")
    if wanted is None:
        return None
    kind = request.GET.get("format", "")
    by_id: dict[str, Chart] = {}
    for chart in charts:
        if chart.id in by_id:
            raise ValueError(f"two charts on one page have the id {chart.id!r}")
        by_id[chart.id] = chart
    found = by_id.get(wanted)
    if found is None or kind not in FORMATS:
        raise Http404(_("There is no such chart download."))
    chart = found
    name = f"{chart.filename}.{kind}"
    if kind == "csv":
        return attachment(chart_csv(chart), CONTENT_TYPES[kind], name)
    spec = image_spec(chart)
    if kind == "svg":
        return attachment(to_svg(spec, get_language()), CONTENT_TYPES[kind], name)
    return attachment(to_png(spec, get_language()), CONTENT_TYPES[kind], name)


def image_spec(chart: Chart) -> dict[str, Any]:
    """The chart's spec for a file on its own: with the title (the page shows it as the caption) and
    the description the page gives as its text alternative."""
    spec = dict(chart.spec)
    if "title" not in spec:
        lines = textwrap.wrap(chart.title, TITLE_WIDTH) or [""]
        spec["title"] = {"text": lines, "anchor": "start", "fontSize": 15, "color": "#1b1f24", "offset": 12}
    spec["description"] = chart.description
    return spec


def _plain(value: Any) -> Any:
    """A whole float as an integer (2400.0 reads 2400); anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def csv_value(value: Any) -> Any:
    """A value for the CSV: numbers as they are (a dot for decimals), yes/no in words, text through the
    one spreadsheet rule (formulas defused, illegal characters replaced)."""
    if isinstance(value, bool):
        return safe_csv_field(_("Yes") if value else _("No"))
    return safe_csv_field(_plain(value))


def chart_csv(chart: Chart) -> str:
    """The chart's rows with its translated column headers, readable by spreadsheets (UTF-8 with a BOM)."""
    out = io.StringIO()
    out.write("\ufeff")  # lets spreadsheet programs read accented names correctly
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_csv_field(header) for _key, header in chart.columns])
    for row in chart.rows:
        writer.writerow([csv_value(row.get(key)) for key, _header in chart.columns])
    return out.getvalue()


def cell_text(value: Any) -> str:
    """A value as the chart's table shows it: numbers in the reader's language, yes/no in words."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, int | float | Decimal):
        return number_format(_plain(value), use_l10n=True, force_grouping=True)
    return str(value)
