"""`{% load charts %}`, then `{% chart c %}`: a chart's figure (the drawing, its data table and its
downloads). `{% include "charts/includes/chart.html" with chart=c %}` does the same."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from pmm.charts import Chart
from pmm.charts.downloads import cell_text, chart_links
from pmm.charts.render import locales

register = template.Library()


@register.inclusion_tag("charts/includes/chart.html", takes_context=True)
def chart(context: template.Context, chart: Chart) -> dict[str, Any]:
    return {"chart": chart, "request": context.get("request")}


@register.simple_tag(takes_context=True)
def chart_figure(context: template.Context, chart: Chart) -> dict[str, Any]:
    """What the figure needs besides the chart: its element ids, the spec with the chart's description,
    download links, the d3 locale of the page language, and the table's cells as text (the first cell of
    a row is the row's header)."""
    request = context.get("request")
    if request is None:
        raise template.TemplateSyntaxError("a chart needs the request in the template context")
    return {
        "title_id": f"{chart.id}-title",
        "canvas_id": f"{chart.id}-canvas",
        "spec_id": f"{chart.id}-spec",
        "locale_id": f"{chart.id}-locale",
        "spec": {**chart.spec, "description": chart.description},
        "links": chart_links(request, chart),
        "locale": locales(get_language()),
        "table": [[cell_text(row.get(key)) for key, _header in chart.columns] for row in chart.rows],
    }
