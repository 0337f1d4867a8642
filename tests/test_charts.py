"""Charts (pmm.charts): the specs render to images on the server, in the reader's language; the
downloads answer on the page's URL; the page draws them in a real browser under the site's CSP."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
import vl_convert as vlc
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation

from chart_test_urls import GROUPS, POINTS, sample_charts
from pmm.charts import Chart, chart_download, chart_links, specs, vendor
from pmm.charts import render as chart_render
from test_browser_journeys import browser  # noqa: F401

URLS = pytest.mark.urls("chart_test_urls")
MARK_CLASSES = {
    "peers": ["mark-rect", "mark-rule"],
    "trend": ["mark-line", "mark-symbol", "mark-rule"],
    "overview": ["mark-rect"],
    "distribution": ["mark-rect"],
}


def urls_in(value: Any) -> list[str]:
    """Every "url" entry anywhere in a spec (there must be none: data are inlined)."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "url"] + [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return []


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


# --- specs and static rendering ------------------------------------------------------------------


@pytest.mark.parametrize("chart", sample_charts(), ids=lambda c: c.id)
def test_every_builder_renders_to_svg_with_marks(chart):
    spec = chart.spec
    assert spec["width"] == "container" and spec["description"]
    assert not urls_in(spec), "no external data: everything is inlined"
    json.dumps(spec, allow_nan=False)  # plain JSON, as the page embeds it
    svg = chart_render.to_svg(spec, "en")
    assert svg.startswith("<svg") and f'width="{chart_render.STATIC_WIDTH}"' in svg
    for mark in MARK_CLASSES[chart.id]:
        assert f'class="{mark} role-mark' in svg, mark
    assert "<path" in svg


def test_peer_comparison_leaves_out_withheld_groups_and_marks_the_member():
    spec = specs.peer_comparison(
        GROUPS, value_label="Time", group_label="Group", member_label="Kenya", member_value=1650.75
    )
    texts = svg_texts(chart_render.to_svg(spec, "en"))
    assert "All members" in texts and "Africa" in texts and "Kenya" in texts
    assert not any("HYPERLINK" in t for t in texts), "a group without statistics is not drawn"
    without = specs.peer_comparison(GROUPS, value_label="Time", group_label="Group", member_label="Kenya")
    assert "Kenya" not in svg_texts(chart_render.to_svg(without, "en"))


def test_specs_turn_decimals_and_non_finite_values_into_json():
    from decimal import Decimal

    rows = [{"group": "A", "q1": Decimal("1.5"), "median": float("nan"), "q3": 3, "count": 5}]
    spec = specs.distribution(rows, value_label="V", group_label="G")
    json.dumps(spec, allow_nan=False)
    points = [{"year": 2020, "value": float("inf")}, {"year": 2021, "value": Decimal("2.25")}]
    json.dumps(specs.trend(points, year_label="Y", value_label="V"), allow_nan=False)


def test_french_renders_use_french_number_formats():
    spec = specs.trend(POINTS, year_label="Year", value_label="Declarations", target=(2026, 2500))
    english, french = svg_texts(chart_render.to_svg(spec, "en")), svg_texts(chart_render.to_svg(spec, "fr"))
    assert "1,600" in english and "1\u00a0600" not in english
    assert "1\u00a0600" in french and "1,600" not in french
    decimals = specs.trend(
        [{"year": 2020, "value": 0.25}, {"year": 2021, "value": 1.75}], year_label="Y", value_label="V"
    )
    assert "0,4" in svg_texts(chart_render.to_svg(decimals, "fr"))
    assert "0.4" in svg_texts(chart_render.to_svg(decimals, "en"))


def test_chart_texts_follow_the_active_language():
    with translation.override("fr"):
        labels = specs.band_labels()
    assert set(labels) == set(specs.BANDS)


def test_png_render_and_cache(monkeypatch):
    spec = specs.trend(POINTS, year_label="Year", value_label="Declarations", description=str(uuid.uuid4()))
    png = chart_render.to_png(spec, "fr")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    calls = []
    monkeypatch.setattr(chart_render.vlc, "vegalite_to_png", lambda *a, **k: calls.append(1) or b"")
    assert chart_render.to_png(spec, "fr") == png and not calls, "the second render comes from the cache"
    assert chart_render.to_png(spec, "fr", scale=1) == b"" and calls == [1], "the scale is part of the key"


def test_d3_locale_names():
    assert chart_render.d3_locale_name("fr") == "fr-FR"
    assert chart_render.d3_locale_name("en") == "en-US"
    assert chart_render.d3_locale_name("pt-br") == "pt-BR"
    assert chart_render.d3_locale_name("xx") == "en-US"
    assert chart_render.locales("fr")["format"]["decimal"] == ","
    for code, _name in settings.LANGUAGES:  # every language of the site has its own number format
        assert chart_render.d3_locale_name(code) == chart_render.D3_LOCALES[code]


def test_a_chart_checks_its_id_and_filename():
    good = {"title": "T", "description": "D", "spec": {}, "columns": [], "rows": []}
    Chart(id="d1-peers", filename="pmm-ken-2024", **good)
    with pytest.raises(ValueError):
        Chart(id="D1 peers", filename="pmm", **good)
    with pytest.raises(ValueError):
        Chart(id="peers", filename="../etc/passwd", **good)


# --- downloads -------------------------------------------------------------------------------------


def _get(query: dict[str, str], language: str = "en"):
    request = RequestFactory().get("/results/", {"cycle": "3", **query})
    with translation.override(language):
        return chart_download(request, sample_charts())


def test_no_chart_asked_means_no_download():
    assert _get({}) is None
    assert _get({"format": "csv"}) is None


def test_csv_download_has_the_headers_and_rows_and_defuses_formulas():
    response = _get({"chart": "peers", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pmm-ken-2024-d1-peers.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Group", "First quartile", "Median", "Third quartile", "Members"]
    assert rows[1] == ["All members", "1200.5", "1850.25", "2400", "150"]
    assert rows[3][0].startswith("'="), "a spreadsheet formula is neutralised"
    assert rows[3][1:4] == ["", "", ""]
    trend = list(csv.reader(io.StringIO(_get({"chart": "trend", "format": "csv"}).content.decode())))
    assert trend[1] == ["2021", "1500.5", "Yes"]


def test_svg_download_is_the_chart_with_its_title_in_the_language():
    response = _get({"chart": "trend", "format": "svg"}, language="fr")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="pmm-ken-trend.svg"'
    svg = response.content.decode()
    assert svg.startswith("<svg") and "Declarations over the years" in svg_texts(svg)
    assert "1\u00a0600" in svg_texts(svg)


def test_png_download():
    response = _get({"chart": "overview", "format": "png"})
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="pmm-ken-overview.png"'
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("query", [{"chart": "nope", "format": "csv"}, {"chart": "peers", "format": "pdf"}])
def test_unknown_chart_or_format_is_404(query):
    with pytest.raises(Http404):
        _get(query)


def test_two_charts_with_one_id_are_a_programming_error():
    chart = sample_charts()[0]
    request = RequestFactory().get("/", {"chart": "peers", "format": "csv"})
    with pytest.raises(ValueError):
        chart_download(request, [chart, chart])


def test_links_keep_the_page_query():
    request = RequestFactory().get("/results/", {"cycle": "3", "chart": "old", "format": "png"})
    links = chart_links(request, sample_charts()[0])
    assert set(links) == {"csv", "svg", "png"}
    assert links["csv"] == "/results/?cycle=3&chart=peers&format=csv"
    assert links["png"].endswith("chart=peers&format=png")


# --- the page --------------------------------------------------------------------------------------


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "style" or any(name == "style" for name, _value in attrs):
            self.inline_styles += 1


@URLS
@pytest.mark.django_db
def test_page_shows_figures_tables_and_links(client, page_problems):
    response = client.get("/chart-test/?cycle=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert page_problems(html) == []
    for chart in sample_charts():
        assert f'<figure class="chart" id="{chart.id}" aria-labelledby="{chart.id}-title"' in html
        assert f'<figcaption id="{chart.id}-title">' in html
        assert f'id="{chart.id}-canvas" role="img" aria-label="' in html
        assert f'<script id="{chart.id}-spec" type="application/json">' in html
        assert f'<script id="{chart.id}-locale" type="application/json">' in html
        assert f"/chart-test/?cycle=3&amp;chart={chart.id}&amp;format=csv" in html
    assert "Download the data (CSV)" in html and "Download the image (SVG)" in html and "(PNG)" in html
    assert '<th scope="row">All members</th>' in html
    # No code in the page: scripts are files or JSON data; no inline style either.
    parser = Scripts()
    parser.feed(html)
    assert parser.inline_styles == 0
    for script in parser.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
    sources = [s["src"] for s in parser.scripts if s.get("src")]
    assert sources[-2:] == ["/static/pmm/vendor/vega-bundle.js", "/static/pmm/charts.js"]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp
    download = client.get("/chart-test/?cycle=3&chart=peers&format=csv")
    assert download["Content-Disposition"].endswith('filename="pmm-ken-2024-d1-peers.csv"')
    assert client.get("/chart-test/?chart=peers&format=xls").status_code == 404


@URLS
@pytest.mark.django_db
def test_french_page_has_french_locale_and_numbers(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get("/chart-test/").content.decode()
    locale = re.search(r'<script id="trend-locale" type="application/json">(.*?)</script>', html)
    assert locale and json.loads(locale.group(1))["format"]["decimal"] == ","
    assert "1\u202f500,5" in html or "1\u00a0500,5" in html, "the table's numbers are French"


@pytest.mark.django_db
def test_other_pages_do_not_load_the_chart_scripts(client):
    assert "vega-bundle.js" not in client.get("/").content.decode()


def test_vendored_bundle_matches_the_installed_vl_convert():
    text = vendor.BUNDLE.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    assert first == vendor.header(), "run `python -m pmm.charts.vendor` after upgrading vl-convert-python"
    assert f"vega {vlc.get_vega_version()}" in first and f"vega-embed {vlc.get_vega_embed_version()}" in first
    assert text == vendor.bundle(), "the bundle differs from vl-convert's: run `python -m pmm.charts.vendor`"
    # vega-embed's `ast: true` swaps Vega's code generator (new Function) for its interpreter.
    assert "expressionInterpreter" in text


# --- the real browser ------------------------------------------------------------------------------


@URLS
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_draw_in_a_browser_under_the_sites_csp(browser, live_server, reference_data):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context()
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    page = context.new_page()
    messages: list[str] = []
    page.set_viewport_size({"width": 1000, "height": 900})
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    response = page.goto(f"{live_server.url}/chart-test/")
    assert response is not None and "unsafe-eval" not in response.headers["content-security-policy"]
    for chart in sample_charts():
        canvas = page.locator(f"#{chart.id}-canvas")
        expect(canvas.locator("svg .role-mark").first).to_be_attached(timeout=15_000)
        assert canvas.locator("svg path").count() > 0
        expect(page.locator(f"#{chart.id}")).to_have_class(re.compile(r"\bchart-drawn\b"))
    # Numbers read the French way, with the locale the page gave vega-embed.
    axis = page.locator("#trend-canvas svg .role-axis-label text").all_text_contents()
    assert "1\u00a0600" in axis, axis
    # Tooltips work without the <style> element vega-tooltip would inject.
    page.locator("#peers-canvas svg .mark-rect path").first.hover()
    expect(page.locator("#vg-tooltip-element")).to_have_class(re.compile(r"\bvisible\b"))
    # The table is there for everyone; the figure has its text alternative.
    expect(page.locator("#peers-canvas")).to_have_attribute("role", "img")
    page.locator("#peers summary").click()
    expect(page.locator("#peers table th[scope=row]").first).to_have_text("All members")
    problems = [
        m for m in messages if re.search(r"Content Security Policy|unsafe-eval|unsafe-inline", m, re.I)
    ]
    assert not problems, problems
    assert not [m for m in messages if m.startswith(("error", "pageerror"))], messages

    # A chart that cannot be drawn says so and opens its data table.
    page.goto(f"{live_server.url}/chart-test/?broken=1")
    message = page.locator("#broken").get_attribute("data-error")
    assert message
    expect(page.locator("#broken-canvas .chart-error")).to_have_text(message)
    expect(page.locator("#broken details.chart-data")).to_have_attribute("open", "")
    expect(page.locator("#broken table th[scope=row]").first).to_be_visible()
    context.close()
