"""The reports' charts: the platform's Vega-Lite specs (`pmm.charts.specs`) rendered to SVG by the
platform's one server renderer and its cache (`pmm.charts.render.to_svg`, as the dashboards' downloads),
and inlined in the report's HTML so that WeasyPrint draws them as vectors.

Each chart is made from figures its report already shows in a table, for the same edition's audience,
so it shows nothing the tables do not; its text alternative is its caption, its description (the SVG's
label) and the table of the figures it draws, printed under it. Its texts are set in the report's
font (DejaVu Sans, a font of the machine): nothing is fetched while rendering.
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


def for_print(spec: dict[str, Any], description: str) -> dict[str, Any]:
    """The spec in the report's font, with its description (the drawing's text alternative)."""
    printed = copy.deepcopy(spec)
    printed["description"] = description
    config = printed.setdefault("config", {})
    config["font"] = FONT
    return printed


def inline_svg(spec: dict[str, Any], language: str, figure: str, description: str) -> SafeString:
    """The chart as an `<svg>` element to put in the HTML: one image for screen readers, labelled by
    its description and its figure's caption."""
    svg = to_svg(for_print(spec, description), language)
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
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
) -> ReportFigure:
    return ReportFigure(id, title, description, inline_svg(spec, language, id, description), header, rows)
