"""Charts: one Vega-Lite definition (plain dicts, `pmm.charts.specs`) drawn in the browser by
vega-embed and rendered to SVG and PNG on the server by vl-convert (decisions 0010 and 0011,
docs/charts.md).

A page builds `Chart`s from the data it has already read (through the disclosure filter), answers
`chart_download(request, charts)` first, and shows each chart with `{% chart c %}` (`{% load charts %}`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

CHART_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Chart:
    """A chart as a page shows it and as its downloads deliver it."""

    id: str  # DOM id and download key, unique on its page: [a-z0-9-]+
    title: str  # translated, shown as the figure caption
    description: str  # translated, one or two sentences for screen readers (aria)
    spec: dict[str, Any] = field(repr=False)  # a Vega-Lite spec (from pmm.charts.specs), data inlined
    columns: list[tuple[str, str]]  # (row key, translated column header) for the table and the CSV
    rows: list[dict[str, Any]] = field(repr=False)  # the chart's data; the table and the CSV show this
    filename: str  # download file stem, e.g. "pmm-ken-2024-d1-peers"

    def __post_init__(self) -> None:
        if not CHART_ID.fullmatch(self.id):
            raise ValueError(f"chart id {self.id!r} must be lower-case letters, digits and hyphens")
        if not FILENAME.fullmatch(self.filename):
            raise ValueError(f"chart filename {self.filename!r} must be letters, digits, '.', '_', '-'")
        if not isinstance(self.spec, dict):
            raise TypeError("Chart.spec is a Vega-Lite spec as a dict (pmm.charts.specs)")


def chart_download(request: HttpRequest, charts: Iterable[Chart]) -> HttpResponse | None:
    """If request.GET has chart=<id>&format=csv|svg|png, the file of that chart (Http404 for an unknown
    id or format); else None. Page views call this first so downloads go through the same reads (and
    the same disclosure rules) as the page."""
    from pmm.charts.downloads import chart_download as download

    return download(request, charts)


def chart_links(request: HttpRequest, chart: Chart) -> dict[str, str]:
    """{"csv": url, "svg": url, "png": url}: the current URL with chart=<id>&format=<format> added."""
    from pmm.charts.downloads import chart_links as links

    return links(request, chart)


__all__ = ["Chart", "chart_download", "chart_links"]
