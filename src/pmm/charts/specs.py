"""Chart definitions: pure builders from plain data and translated labels to Vega-Lite specs (dicts).

The same spec is drawn in the browser (vega-embed, `charts.js`) and rendered to SVG and PNG on the
server (`pmm.charts.render`), so a builder never refers to anything outside the spec: the data are
inlined (no URLs), the width is "container" (the page's width; static renders use a fixed width) and
the colours are a colour-blind-safe set (Okabe and Ito) that also reads in grey. Texts inside the chart
(legend entries such as "Median") are translated here with the active language; everything else comes
in as arguments, already translated.

Numbers are formatted by Vega with the page language's d3 locale (1 234,5 in French), which the
browser gets from the page (`chart.html`) and the server passes to vl-convert (`render.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

# Colours: Okabe and Ito's palette (distinguishable with every common colour vision deficiency), with
# the platform's ink and line colours for text and grid. Pairs that must be told apart also differ in
# lightness or in shape (member: a diamond and a rule; target: a dashed rule).
BLUE = "#0072B2"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
GREY = "#D9D9D9"
INK = "#1b1f24"
MUTED = "#4a5360"
LINE = "#c9d1dc"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'
# Tooltips: up to six significant digits, grouped, no trailing zeros (the locale gives the marks).
NUMBER = ",.6~r"
STEP = 36  # pixels per group in horizontal charts
HEIGHT = 300  # pixels, charts with a continuous vertical axis

# Performance bands of `dimension_overview`, in the order they are stacked.
BANDS = ("top", "middle", "bottom", "none")
BAND_COLOURS = {"top": BLUE, "middle": SKY, "bottom": VERMILLION, "none": GREY}


def band_labels() -> dict[str, str]:
    """The bands of `dimension_overview` in words (active language)."""
    return {
        "top": _("Top quartile"),
        "middle": _("Middle half"),
        "bottom": _("Bottom quartile"),
        "none": _("No comparison"),
    }


# --- helpers ----------------------------------------------------------------------------------------


def number(value: Any) -> float | None:
    """A plain float for the spec (JSON has no Decimal, NaN or infinity: those become None)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int | float):
        result = float(value)
        return result if math.isfinite(result) else None
    raise TypeError(f"not a number: {value!r}")


def with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _finish(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    """The platform's look, the accessible description, and the spec as a dict (validated by Altair)."""
    styled = (
        chart.properties(
            description=description, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
        )
        .configure(font=FONT, background="white", padding=8)
        .configure_axis(
            labelColor=INK,
            titleColor=INK,
            labelFontSize=12,
            titleFontSize=12,
            titleFontWeight="bold",
            gridColor=LINE,
            domainColor=MUTED,
            tickColor=MUTED,
            labelLimit=220,
        )
        .configure_axisQuantitative(tickCount=8)
        .configure_legend(
            orient="bottom",
            direction="vertical",
            labelColor=INK,
            titleColor=INK,
            labelFontSize=12,
            labelLimit=320,
        )
        .configure_view(stroke=None)
    )
    return styled.to_dict()


def _band_height(count: int) -> int:
    """A fixed height for `count` horizontal bands (a step height with width "container" makes Vega-Lite
    warn on every render)."""
    return STEP * max(count, 1)


def _legend_scale(entries: Sequence[tuple[str, str]]) -> alt.Scale:
    return alt.Scale(domain=[label for label, _colour in entries], range=[c for _label, c in entries])


def _series(rows: list[dict[str, Any]], label: str) -> alt.Data:
    """The rows for one layer, each naming the layer's legend entry (so layers share one legend)."""
    return alt.Data(values=[{**row, "series": label} for row in rows])


def _group_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The groups with statistics (a withheld group has none: it is left out of the chart, and the
    chart's table says why)."""
    found = []
    for row in rows:
        q1, median, q3 = number(row.get("q1")), number(row.get("median")), number(row.get("q3"))
        if q1 is not None and median is not None and q3 is not None:
            count = row.get("count")
            found.append({"group": str(row["group"]), "q1": q1, "median": median, "q3": q3, "count": count})
    return found


def _group_tooltip(group_label: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("group:N", title=group_label),
        alt.Tooltip("q1:Q", title=_("First quartile"), format=NUMBER),
        alt.Tooltip("median:Q", title=_("Median"), format=NUMBER),
        alt.Tooltip("q3:Q", title=_("Third quartile"), format=NUMBER),
        alt.Tooltip("count:Q", title=_("Members")),
    ]


# --- the charts -------------------------------------------------------------------------------------


def peer_comparison(
    rows: Iterable[Mapping[str, Any]],
    *,
    value_label: str,
    group_label: str,
    member_label: str,
    unit: str = "",
    member_value: float | Decimal | None = None,
    description: str = "",
) -> dict[str, Any]:
    """One KPI component against the member's peer groups: for each group (a row with `group`, `q1`,
    `median`, `q3`, `count`, in the order given) a bar from the first to the third quartile with a tick
    at the median; the member's value (`member_value`, named `member_label`) is a rule across all
    groups. `value_label` and `unit` title the value axis, `group_label` the groups."""
    data = _group_rows(rows)
    iqr, median = _("Middle half (first to third quartile)"), _("Median")
    value = number(member_value)
    entries = [(iqr, SKY), (median, INK)] + ([(member_label, VERMILLION)] if value is not None else [])
    colour = alt.Color("series:N", scale=_legend_scale(entries), title=None)
    y = alt.Y("group:N", sort=None, title=group_label)
    tooltip = _group_tooltip(group_label)
    bars = (
        alt.Chart(_series(data, iqr))
        .mark_bar(height={"band": 0.55}, stroke=BLUE, strokeWidth=1)
        .encode(
            y=y,
            x=alt.X("q1:Q", title=with_unit(value_label, unit), scale=alt.Scale(zero=False, nice=True)),
            x2="q3:Q",
            color=colour,
            tooltip=tooltip,
        )
    )
    ticks = (
        alt.Chart(_series(data, median))
        .mark_tick(thickness=3, size=round(STEP * 0.7))
        .encode(y=y, x="median:Q", color=colour, tooltip=tooltip)
    )
    layers: list[alt.Chart] = [bars, ticks]
    if value is not None:
        member = alt.Chart(_series([{"value": value}], member_label))
        layers.append(
            member.mark_rule(strokeWidth=3).encode(
                x="value:Q",
                color=colour,
                tooltip=[
                    alt.Tooltip("series:N", title=_("Member")),
                    alt.Tooltip("value:Q", title=value_label, format=NUMBER),
                ],
            )
        )
    chart = alt.layer(*layers).properties(width="container", height=_band_height(len(data)))
    default = _(
        "For each peer group, the middle half of the values of %(value)s (first to third quartile) and "
        "the median, with the value of %(member)s marked by a line."
    ) % {"value": value_label, "member": member_label}
    return _finish(chart, description or default)


def trend(
    points: Iterable[Mapping[str, Any]],
    *,
    year_label: str,
    value_label: str,
    target: tuple[int, float | Decimal] | None = None,
    unit: str = "",
    description: str = "",
) -> dict[str, Any]:
    """The member's values over the years: `points` are rows with `year`, `value` and, optionally,
    `reviewed` (a filled point for a peer-reviewed value, a hollow one otherwise). `target` is an
    optional (year, value), drawn as a diamond and a dashed rule."""
    reviewed_text, unreviewed_text = _("Peer-reviewed value"), _("Value not peer-reviewed")
    target_text = _("Target")
    points = list(points)
    has_review = any("reviewed" in point for point in points)
    data = []
    for point in points:
        row: dict[str, Any] = {"year": int(point["year"]), "value": number(point.get("value"))}
        if has_review:  # a point without the flag is not reviewed
            row["status"] = reviewed_text if point.get("reviewed") else unreviewed_text
        data.append(row)
    goal: dict[str, Any] | None = None
    if target is not None and number(target[1]) is not None:
        goal = {"year": int(target[0]), "value": number(target[1])}
    years = sorted({row["year"] for row in data} | ({goal["year"]} if goal else set()))
    entries = [(value_label, BLUE)] + ([(target_text, VERMILLION)] if goal else [])
    colour = alt.Color("series:N", scale=_legend_scale(entries), title=None)
    x = alt.X("year:O", title=year_label, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=with_unit(value_label, unit), scale=alt.Scale(zero=False, nice=True))
    tooltip = [
        alt.Tooltip("year:O", title=year_label),
        alt.Tooltip("value:Q", title=value_label, format=NUMBER),
    ]
    values = _series(data, value_label)
    line = alt.Chart(values).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=colour)
    if has_review:
        fill = alt.Fill(
            "status:N",
            scale=alt.Scale(domain=[reviewed_text, unreviewed_text], range=[BLUE, "white"]),
            legend=alt.Legend(title=None, symbolStrokeColor=BLUE, symbolStrokeWidth=2, symbolType="circle"),
        )
        dots = (
            alt.Chart(values)
            .mark_point(size=90, strokeWidth=2, stroke=BLUE, filled=True, opacity=1)
            .encode(x=x, y=y, fill=fill, tooltip=[*tooltip, alt.Tooltip("status:N", title=_("Peer review"))])
        )
    else:
        dots = (
            alt.Chart(values)
            .mark_point(size=90, filled=True, opacity=1)
            .encode(x=x, y=y, color=colour, tooltip=tooltip)
        )
    layers: list[alt.Chart] = [line, dots]
    if goal:
        target_data = _series([goal], target_text)
        target_tooltip = [
            alt.Tooltip("year:O", title=year_label),
            alt.Tooltip("value:Q", title=target_text, format=NUMBER),
        ]
        layers.append(
            alt.Chart(target_data).mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(y=y, color=colour)
        )
        layers.append(
            alt.Chart(target_data)
            .mark_point(shape="diamond", size=160, filled=True, opacity=1)
            .encode(x=x, y=y, color=colour, tooltip=target_tooltip)
        )
    chart = alt.layer(*layers).properties(width="container", height=HEIGHT)
    default = _("The values of %(value)s by year.") % {"value": value_label}
    if goal:
        default += " " + _("The target is marked by a diamond and a dashed line.")
    return _finish(chart, description or default)


def dimension_overview(
    rows: Iterable[Mapping[str, Any]],
    *,
    dimension_label: str,
    count_label: str,
    description: str = "",
) -> dict[str, Any]:
    """Per dimension (rows with `dimension` and the counts `top`, `middle`, `bottom`, `none`, in the
    order given), how many KPIs fall in the top quartile of the peer group, the middle half, the bottom
    quartile, or have no comparison: horizontal stacked bars."""
    labels = band_labels()
    data = []
    for row in rows:
        for order, band in enumerate(BANDS):
            count = int(row.get(band) or 0)
            if count:
                data.append(
                    {"dimension": str(row["dimension"]), "band": labels[band], "order": order, "count": count}
                )
    colours = _legend_scale([(labels[b], BAND_COLOURS[b]) for b in BANDS])
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(height={"band": 0.65}, stroke="white", strokeWidth=1)
        .encode(
            y=alt.Y("dimension:N", sort=None, title=dimension_label),
            x=alt.X("count:Q", stack="zero", title=count_label, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("band:N", scale=colours, title=None),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("dimension:N", title=dimension_label),
                alt.Tooltip("band:N", title=_("Position in the peer group")),
                alt.Tooltip("count:Q", title=count_label),
            ],
        )
        .properties(width="container", height=_band_height(len({row["dimension"] for row in data})))
    )
    default = _(
        "For each dimension, the number of KPIs in the top quartile of the peer group, in the middle "
        "half, in the bottom quartile, and without comparison."
    )
    return _finish(chart, description or default)


def distribution(
    rows: Iterable[Mapping[str, Any]],
    *,
    value_label: str,
    group_label: str,
    unit: str = "",
    description: str = "",
) -> dict[str, Any]:
    """One KPI component across groups: for each group (a row with `group`, `q1`, `median`, `q3`,
    `count`, in the order given) a box from the first to the third quartile with a line at the median.
    There are no whiskers: the minimum and maximum are never released."""
    data = _group_rows(rows)
    iqr, median = _("Middle half (first to third quartile)"), _("Median")
    colour = alt.Color("series:N", scale=_legend_scale([(iqr, SKY), (median, INK)]), title=None)
    x = alt.X("group:N", sort=None, title=group_label, axis=alt.Axis(labelAngle=0, labelLimit=140))
    tooltip = _group_tooltip(group_label)
    boxes = (
        alt.Chart(_series(data, iqr))
        .mark_bar(width={"band": 0.5}, stroke=BLUE, strokeWidth=1)
        .encode(
            x=x,
            y=alt.Y("q1:Q", title=with_unit(value_label, unit), scale=alt.Scale(zero=False, nice=True)),
            y2="q3:Q",
            color=colour,
            tooltip=tooltip,
        )
    )
    medians = (
        alt.Chart(_series(data, median))
        .mark_tick(thickness=3, width={"band": 0.5}, orient="horizontal")
        .encode(x=x, y="median:Q", color=colour, tooltip=tooltip)
    )
    chart = alt.layer(boxes, medians).properties(width="container", height=HEIGHT)
    default = _(
        "For each group, the middle half of the values of %(value)s (first to third quartile) and the median."
    ) % {"value": value_label}
    return _finish(chart, description or default)
