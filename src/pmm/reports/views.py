"""The reports' print pages and files. Country report: anyone may have the public edition of a published
member; signed-in holders of a PMM role also the WCO edition and their own (full) edition. Global
report: anyone the public edition, holders of a PMM role the WCO edition, the Secretariat (holders of
`cycle.status_board`) the full edition; its tables also as a workbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from pmm.core.downloads import PDF_TYPE, XLSX_TYPE, attachment
from pmm.core.errors import ApplicationError
from pmm.reports.asked import asked_global_report, asked_report
from pmm.reports.country import CountryReport
from pmm.reports.editions import EDITIONS, GLOBAL_EDITIONS, edition_audience, global_edition_audience
from pmm.reports.global_rendering import (
    global_report_filename,
    global_report_html,
    global_report_pdf,
    global_report_xlsx,
)
from pmm.reports.global_report import GlobalReport
from pmm.reports.rendering import report_filename, report_html, report_pdf


def _editions(
    request: HttpRequest,
    labels: dict[str, Any],
    allowed: Callable[[Any, str], Any],
    url: Callable[[str], str],
) -> list[dict[str, Any]]:
    """The editions the reader may have, each with its page's URL."""
    found = []
    for edition, label in labels.items():
        try:
            allowed(request.user, edition)
        except ApplicationError:
            continue
        found.append({"edition": edition, "url": url(edition), "label": label})
    return found


def _back(request: HttpRequest) -> str:
    return request.META.get("HTTP_REFERER") or reverse("public:index")


def _toolbar(request: HttpRequest, report: CountryReport, language: str) -> dict[str, Any]:
    here = reverse("reports:country_page", args=[report.cycle.pk, report.member.iso3])
    pdf = reverse("reports:country_pdf", args=[report.cycle.pk, report.member.iso3])

    def query(edition: str) -> str:
        return urlencode({"edition": edition, "publication": report.publication.number, "lang": language})

    editions = _editions(request, EDITIONS, edition_audience, lambda e: f"{here}?{query(e)}")
    for choice in editions:
        choice["current"] = choice["edition"] == report.edition
    return {"back": _back(request), "pdf": f"{pdf}?{query(report.edition)}", "editions": editions}


def country_page(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return HttpResponse(report_html(report, language, toolbar=_toolbar(request, report, language)))


def country_pdf(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return attachment(report_pdf(report, language), PDF_TYPE, report_filename(report, language))


def _global_toolbar(request: HttpRequest, report: GlobalReport) -> dict[str, Any]:
    cycle = report.cycle.pk

    def query(edition: str) -> str:
        return urlencode(
            {"edition": edition, "publication": report.publication.number, "lang": report.language}
        )

    here = reverse("reports:global_page", args=[cycle])
    editions = _editions(request, GLOBAL_EDITIONS, global_edition_audience, lambda e: f"{here}?{query(e)}")
    for choice in editions:
        choice["current"] = choice["edition"] == report.edition
    mine = query(report.edition)
    return {
        "back": _back(request),
        "pdf": f"{reverse('reports:global_pdf', args=[cycle])}?{mine}",
        "xlsx": f"{reverse('reports:global_xlsx', args=[cycle])}?{mine}",
        "editions": editions,
    }


def global_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return HttpResponse(global_report_html(report, toolbar=_global_toolbar(request, report)))


def global_pdf(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return attachment(global_report_pdf(report), PDF_TYPE, global_report_filename(report, "pdf"))


def global_xlsx(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return attachment(global_report_xlsx(report), XLSX_TYPE, global_report_filename(report, "xlsx"))
