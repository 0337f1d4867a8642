"""The site's URLs plus a test-only page with charts (tests/test_charts.py: `@pytest.mark.urls`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from pmm.charts import Chart, chart_download, specs
from pmm.config.urls import urlpatterns as site_urlpatterns

GROUPS = [
    {"group": "All members", "q1": 1200.5, "median": 1850.25, "q3": 2400.0, "count": 150},
    {"group": "Africa", "q1": 900.0, "median": 1400.0, "q3": 2100.5, "count": 40},
    {"group": '=HYPERLINK("http://x")', "q1": None, "median": None, "q3": None, "count": 3},
]
POINTS = [
    {"year": 2021, "value": 1500.5, "reviewed": True},
    {"year": 2022, "value": 1725.0, "reviewed": True},
    {"year": 2023, "value": 1980.25, "reviewed": False},
]
DIMENSIONS = [
    {"dimension": "D1 Trade facilitation", "top": 2, "middle": 3, "bottom": 1, "none": 1},
    {"dimension": "D2 Revenue collection", "top": 1, "middle": 4, "bottom": 0, "none": 2},
]
GROUP_COLUMNS = [
    ("group", "Group"),
    ("q1", "First quartile"),
    ("median", "Median"),
    ("q3", "Third quartile"),
    ("count", "Members"),
]


def sample_charts() -> list[Chart]:
    """One chart of each kind, as a page would build them (labels would be translated)."""
    return [
        Chart(
            id="peers",
            title="Clearance time: Kenya and its peer groups",
            description="Kenya's clearance time against the middle half and median of its peer groups.",
            spec=specs.peer_comparison(
                GROUPS,
                value_label="Clearance time",
                group_label="Peer group",
                member_label="Kenya",
                unit="hours",
                member_value=1650.75,
            ),
            columns=GROUP_COLUMNS,
            rows=GROUPS,
            filename="pmm-ken-2024-d1-peers",
        ),
        Chart(
            id="trend",
            title="Declarations over the years",
            description="Declarations lodged electronically, 2021 to 2023, with the target for 2026.",
            spec=specs.trend(POINTS, year_label="Year", value_label="Declarations", target=(2026, 2500)),
            columns=[("year", "Year"), ("value", "Declarations"), ("reviewed", "Peer-reviewed")],
            rows=POINTS,
            filename="pmm-ken-trend",
        ),
        Chart(
            id="overview",
            title="KPIs by position in the peer group",
            description="For each dimension, how many KPIs are in each quartile of the peer group.",
            spec=specs.dimension_overview(DIMENSIONS, dimension_label="Dimension", count_label="KPIs"),
            columns=[
                ("dimension", "Dimension"),
                ("top", "Top quartile"),
                ("middle", "Middle half"),
                ("bottom", "Bottom quartile"),
                ("none", "No comparison"),
            ],
            rows=DIMENSIONS,
            filename="pmm-ken-overview",
        ),
        Chart(
            id="distribution",
            title="Clearance time by group",
            description="The middle half and median of the clearance time in each group.",
            spec=specs.distribution(GROUPS, value_label="Clearance time", group_label="Group", unit="hours"),
            columns=GROUP_COLUMNS,
            rows=GROUPS,
            filename="pmm-distribution",
        ),
    ]


PAGE = """{% extends "base.html" %}{% load charts %}
{% block title %}Charts{% endblock %}
{% block chart_scripts %}{% include "charts/includes/scripts.html" %}{% endblock %}
{% block content %}
<h1>Charts</h1>
{% for c in charts %}
  {% if forloop.first %}{% include "charts/includes/chart.html" with chart=c %}
  {% else %}{% chart c %}{% endif %}
{% endfor %}
{% endblock %}
"""


def chart_page(request: HttpRequest) -> HttpResponse:
    charts = sample_charts()
    if "broken" in request.GET:  # a spec Vega-Lite refuses: the page must fall back to the table
        good = charts[0]
        charts = [Chart("broken", "Broken", "A chart that cannot be drawn.", {"mark": "nonsense"},
                        good.columns, good.rows, "broken")]  # fmt: skip
    download = chart_download(request, charts)
    if download is not None:
        return download
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"charts": charts}, request))


urlpatterns = [path("chart-test/", chart_page, name="chart_test"), *site_urlpatterns]
