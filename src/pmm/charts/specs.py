"""Chart definitions: pure builders from plain data and translated labels to Vega-Lite specs, written
as plain dicts (no Altair objects: building and validating those cost most of a dashboard page, so
the dicts are checked against the Vega-Lite schema in the tests instead, tests/test_chart_specs_valid.py).

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

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

# The Vega-Lite version the specs are written for: the schema that Altair ships, against which the
# tests validate every kind of spec (tests/test_chart_specs_valid.py).
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"

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

# The platform's look, the same for every chart.
CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "padding": 8,
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "bold",
        "gridColor": LINE,
        "domainColor": MUTED,
        "tickColor": MUTED,
        "labelLimit": 220,
    },
    "axisQuantitative": {"tickCount": 8},
    "legend": {
        "orient": "bottom",
        "direction": "vertical",
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 12,
        "labelLimit": 320,
    },
    "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
}

TYPES = {"N": "nominal", "Q": "quantitative", "O": "ordinal"}


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


def field(shorthand: str, **properties: Any) -> dict[str, Any]:
    """An encoding channel's definition: "name:Q" is the field `name`, quantitative (N nominal,
    O ordinal); `properties` are added as they are (title, scale, axis, format...)."""
    name, _sep, kind = shorthand.partition(":")
    return {"field": name, "type": TYPES[kind], **properties}


def tooltip(shorthand: str, title: str, format: str = "") -> dict[str, Any]:
    return field(shorthand, title=title, **({"format": format} if format else {}))


def _finish(chart: dict[str, Any], description: str) -> dict[str, Any]:
    """The whole spec: the platform's look, the accessible description, the width of the page."""
    return {
        "$schema": SCHEMA,
        "config": copy.deepcopy(CONFIG),  # a page may change its copy
        "description": description,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "width": "container",
        **chart,
    }


def _band_height(count: int) -> int:
    """A fixed height for `count` horizontal bands (a step height with width "container" makes Vega-Lite
    warn on every render)."""
    return STEP * max(count, 1)


def _legend_colour(entries: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The colour channel of layers that share one legend: (entry, colour) in the legend's order."""
    scale = {"domain": [label for label, _colour in entries], "range": [c for _label, c in entries]}
    return field("series:N", scale=scale, title=None)


def _series(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """The rows for one layer, each naming the layer's legend entry (so layers share one legend)."""
    return {"values": [{**row, "series": label} for row in rows]}


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


def _group_tooltip(group_label: str) -> list[dict[str, Any]]:
    return [
        tooltip("group:N", group_label),
        tooltip("q1:Q", _("First quartile"), NUMBER),
        tooltip("median:Q", _("Median"), NUMBER),
        tooltip("q3:Q", _("Third quartile"), NUMBER),
        tooltip("count:Q", _("Members")),
    ]


def _continuous(shorthand: str, title: str) -> dict[str, Any]:
    """A value axis that starts near the data, not at zero, with round ends."""
    return field(shorthand, title=title, scale={"zero": False, "nice": True})


# --- the charts -------------------------------------------------------------------------------------


def _box_layers(
    data: list[dict[str, Any]],
    *,
    values: str,
    groups: dict[str, Any],
    value_title: str,
    series: tuple[str, str],
    colour: dict[str, Any],
    tips: list[dict[str, Any]],
    bar: dict[str, Any],
    tick: dict[str, Any],
) -> list[dict[str, Any]]:
    """A box per group (rows with `group`, `q1`, `median`, `q3`): a bar from the first to the third
    quartile (named `series[0]`) and a tick at the median (`series[1]`). The values run along the
    `values` axis ("x" or "y", titled `value_title`), the groups (`groups`) along the other one; `bar`
    and `tick` complete the marks (their size)."""
    across = "y" if values == "x" else "x"
    iqr, median = series
    return [
        {
            "data": _series(data, iqr),
            "mark": {"type": "bar", **bar, "stroke": BLUE, "strokeWidth": 1},
            "encoding": {
                across: groups,
                values: _continuous("q1:Q", value_title),
                f"{values}2": {"field": "q3"},
                "color": colour,
                "tooltip": tips,
            },
        },
        {
            "data": _series(data, median),
            "mark": {"type": "tick", "thickness": 3, **tick},
            "encoding": {across: groups, values: field("median:Q"), "color": colour, "tooltip": tips},
        },
    ]


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
    colour = _legend_colour(entries)
    layers = _box_layers(
        data,
        values="x",
        groups=field("group:N", sort=None, title=group_label),
        value_title=with_unit(value_label, unit),
        series=(iqr, median),
        colour=colour,
        tips=_group_tooltip(group_label),
        bar={"height": {"band": 0.55}},
        tick={"size": round(STEP * 0.7)},
    )
    if value is not None:
        layers.append(
            {
                "data": _series([{"value": value}], member_label),
                "mark": {"type": "rule", "strokeWidth": 3},
                "encoding": {
                    "x": field("value:Q"),
                    "color": colour,
                    "tooltip": [tooltip("series:N", _("Member")), tooltip("value:Q", value_label, NUMBER)],
                },
            }
        )
    default = _(
        "For each peer group, the middle half of the values of %(value)s (first to third quartile) and "
        "the median, with the value of %(member)s marked by a line."
    ) % {"value": value_label, "member": member_label}
    chart = {"height": _band_height(len(data)), "layer": layers}
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
    colour = _legend_colour(entries)
    x = field("year:O", title=year_label, scale={"domain": years}, axis={"labelAngle": 0})
    y = _continuous("value:Q", with_unit(value_label, unit))
    tips = [tooltip("year:O", year_label), tooltip("value:Q", value_label, NUMBER)]
    values = _series(data, value_label)
    dot = {"type": "point", "size": 90, "filled": True, "opacity": 1}
    if has_review:
        fill = field(
            "status:N",
            scale={"domain": [reviewed_text, unreviewed_text], "range": [BLUE, "white"]},
            legend={"title": None, "symbolStrokeColor": BLUE, "symbolStrokeWidth": 2, "symbolType": "circle"},
        )
        dots = {
            "data": values,
            "mark": {**dot, "strokeWidth": 2, "stroke": BLUE},
            "encoding": {
                "x": x,
                "y": y,
                "fill": fill,
                "tooltip": [*tips, tooltip("status:N", _("Peer review"))],
            },
        }
    else:
        dots = {"data": values, "mark": dot, "encoding": {"x": x, "y": y, "color": colour, "tooltip": tips}}
    layers: list[dict[str, Any]] = [
        {
            "data": values,
            "mark": {"type": "line", "strokeWidth": 2.5},
            "encoding": {"x": x, "y": y, "color": colour},
        },
        dots,
    ]
    if goal:
        target_data = _series([goal], target_text)
        target_tips = [tooltip("year:O", year_label), tooltip("value:Q", target_text, NUMBER)]
        layers.append(
            {
                "data": target_data,
                "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 1.5},
                "encoding": {"y": y, "color": colour},
            }
        )
        layers.append(
            {
                "data": target_data,
                "mark": {"type": "point", "shape": "diamond", "size": 160, "filled": True, "opacity": 1},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": target_tips},
            }
        )
    default = _("The values of %(value)s by year.") % {"value": value_label}
    if goal:
        default += " " + _("The target is marked by a diamond and a dashed line.")
    return _finish({"height": HEIGHT, "layer": layers}, description or default)


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
    colours = {"domain": [labels[b] for b in BANDS], "range": [BAND_COLOURS[b] for b in BANDS]}
    chart = {
        "height": _band_height(len({row["dimension"] for row in data})),
        "data": {"values": data},
        "mark": {"type": "bar", "height": {"band": 0.65}, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "y": field("dimension:N", sort=None, title=dimension_label),
            "x": field("count:Q", stack="zero", title=count_label, axis={"tickMinStep": 1, "format": "d"}),
            "color": field("band:N", scale=colours, title=None),
            "order": field("order:Q"),
            "tooltip": [
                tooltip("dimension:N", dimension_label),
                tooltip("band:N", _("Position in the peer group")),
                tooltip("count:Q", count_label),
            ],
        },
    }
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
    colour = _legend_colour([(iqr, SKY), (median, INK)])
    layers = _box_layers(
        data,
        values="y",
        groups=field("group:N", sort=None, title=group_label, axis={"labelAngle": 0, "labelLimit": 140}),
        value_title=with_unit(value_label, unit),
        series=(iqr, median),
        colour=colour,
        tips=_group_tooltip(group_label),
        bar={"width": {"band": 0.5}},
        tick={"width": {"band": 0.5}, "orient": "horizontal"},
    )
    default = _(
        "For each group, the middle half of the values of %(value)s (first to third quartile) and the median."
    ) % {"value": value_label}
    return _finish({"height": HEIGHT, "layer": layers}, description or default)


# Colours of the answers of `answer_shares`, from the first answer (yes, the highest level) on.
ANSWER_COLOURS = (BLUE, SKY, "#E69F00", VERMILLION, "#CC79A7", "#009E73", "#F0E442", GREY)


def answer_shares(
    rows: Iterable[Mapping[str, Any]],
    *,
    answers: Sequence[str],
    group_label: str,
    share_label: str,
    description: str = "",
) -> dict[str, Any]:
    """A yes/no or ordinal KPI across groups: for each group (rows with `group`, `answer`, `members`
    and `percent`, the groups in the order given) a horizontal bar of 100% split into the shares of
    the members per answer, in the order of `answers` (the legend's order). A group without shares
    (withheld) is left out; the chart's table says why."""
    order = {answer: i for i, answer in enumerate(answers)}
    data = [
        {
            "group": str(row["group"]),
            "answer": str(row["answer"]),
            "order": order.get(str(row["answer"]), len(order)),
            "members": row.get("members"),
            "percent": number(row.get("percent")),
        }
        for row in rows
        if row.get("answer") and number(row.get("percent")) is not None
    ]
    colours = {
        "domain": list(answers),
        "range": [ANSWER_COLOURS[i % len(ANSWER_COLOURS)] for i in range(len(answers))],
    }
    chart = {
        "height": _band_height(len({row["group"] for row in data})),
        "data": {"values": data},
        "mark": {"type": "bar", "height": {"band": 0.65}, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "y": field("group:N", sort=None, title=group_label),
            "x": field("percent:Q", stack="zero", title=share_label, scale={"domain": [0, 100]}),
            "color": field("answer:N", scale=colours, title=None),
            "order": field("order:Q"),
            "tooltip": [
                tooltip("group:N", group_label),
                tooltip("answer:N", _("Answer")),
                tooltip("percent:Q", share_label, ".0f"),
                tooltip("members:Q", _("Members")),
            ],
        },
    }
    default = _("For each group, the share of the members per answer.")
    return _finish(chart, description or default)


def member_values(
    rows: Iterable[Mapping[str, Any]],
    *,
    value_label: str,
    member_label: str,
    unit: str = "",
    description: str = "",
) -> dict[str, Any]:
    """One KPI's values, one horizontal bar per member (rows with `member` and `value`), in the order
    given (the caller sorts them); a row without a number is left out (the chart's table shows it)."""
    data = [
        {"member": str(row["member"]), "value": value}
        for row in rows
        if (value := number(row.get("value"))) is not None
    ]
    title = with_unit(value_label, unit)
    chart = {
        "height": _band_height(len(data)),
        "data": {"values": data},
        "mark": {"type": "bar", "height": {"band": 0.65}, "color": BLUE},
        "encoding": {
            "y": field("member:N", sort=None, title=member_label),
            "x": field("value:Q", title=title),
            "tooltip": [tooltip("member:N", member_label), tooltip("value:Q", title, NUMBER)],
        },
    }
    default = _("The value of %(value)s of each member that made it public.") % {"value": value_label}
    return _finish(chart, description or default)
