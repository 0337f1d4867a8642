"""The reports' charts: the platform's Vega-Lite specs (`pmm.charts.specs`) rendered to SVG by the
platform's one server renderer and its cache (`pmm.charts.render.to_svg`, as the dashboards' downloads),
and inlined in the report's HTML so that WeasyPrint draws them as vectors.

Each chart is made from figures its report already shows in a table, for the same edition's audience,
so it shows nothing the tables do not; its text alternative is its caption, its description (the SVG's
label) and the table of the figures it draws, printed under it. Its texts are set in the report's
font (DejaVu Sans, a font of the machine): nothing is fetched while rendering.

A chart costs the PDF twice, once to vl-convert (which measures every text it places) and once to
WeasyPrint (which parses every element of the SVG and draws its texts glyph by glyph): a report may ask
for fewer texts and marks (`config`, e.g. no legend when the page prints it once, no grid), and the
drawing is kept to what shows (`_SILENT`: no per-mark ARIA, the SVG being one labelled image; no empty
or hidden paths, no attributes that change nothing).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from pmm.charts.render import to_svg

FONT = '"DejaVu Sans", sans-serif'  # the report's own font (report.css), of the machine
_ID = re.compile(r"[^a-z0-9]+")
# vl-convert's marks of no effect in a printed drawing: attributes at their default (or for pointers
# and CSS, which the SVG has none of), the roles of its groups and marks (the drawing is one image,
# labelled as a whole: a role of a part without its own label is an image without a text alternative
# to a screen reader and to axe), and the empty or hidden paths of each group's background and
# foreground.
_SILENT = (
    re.compile(
        r' (?:pointer-events="none"|opacity="1"|aria-hidden="true"|class="[^"]*"'
        r'|role="graphics-[a-z]+"|aria-roledescription="[^"]*")'
    ),
    re.compile(r'<path d="(?:M0,0h0v0h0Z)?"(?: display="none")?/>'),
)


def figure_id(*parts: str) -> str:
    """An id for a figure on its page: lower-case letters, digits and hyphens."""
    return "figure-" + _ID.sub("-", "-".join(parts).lower()).strip("-")


@dataclass(frozen=True)
class ReportFigure:
    """A chart as a report prints it: caption, drawing (SVG, inline) and the table of its figures."""

    id: str
    title: str
    description: str
    svg: SafeString
    header: list[str]
    rows: list[list[str]]


def for_print(spec: dict[str, Any], description: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The spec in the report's font, with its description (the drawing's text alternative), without
    ARIA on each mark (the drawing is one image, labelled), and with the report's own `config`
    (merged into the spec's, one level deep: {"axis": {"grid": False}} keeps the axes' other settings)."""
    printed = copy.deepcopy(spec)
    printed["description"] = description
    merged = printed.setdefault("config", {})
    merged["font"] = FONT
    merged["aria"] = False
    for name, value in (config or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return printed


def inline_svg(
    spec: dict[str, Any], language: str, figure: str, description: str, config: dict[str, Any] | None = None
) -> SafeString:
    """The chart as an `<svg>` element to put in the HTML: one image for screen readers, labelled by
    its description and its figure's caption."""
    svg = to_svg(for_print(spec, description, config), language)
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    for silent in _SILENT:
        svg = silent.sub("", svg)
    label = f' role="img" aria-label="{escape(description)}" aria-describedby="{figure}-title"'
    return mark_safe(svg.replace("<svg ", "<svg" + label + " ", 1))  # noqa: S308 - vl-convert's SVG, texts escaped by it


def report_figure(
    id: str,
    title: str,
    description: str,
    spec: dict[str, Any],
    language: str,
    header: list[str],
    rows: list[list[str]],
    config: dict[str, Any] | None = None,
) -> ReportFigure:
    svg = inline_svg(spec, language, id, description, config)
    return ReportFigure(id, title, description, svg, header, rows)
