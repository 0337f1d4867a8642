"""The country report's print page and PDF. Anyone may have the public edition of a published member;
signed-in holders of a PMM role also the WCO edition and their own (full) edition."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from pmm.core.downloads import PDF_TYPE, attachment
from pmm.core.errors import ApplicationError
from pmm.reports.asked import asked_report
from pmm.reports.country import CountryReport
from pmm.reports.editions import EDITIONS, edition_audience
from pmm.reports.rendering import report_filename, report_html, report_pdf


def _toolbar(request: HttpRequest, report: CountryReport, language: str) -> dict[str, Any]:
    here = reverse("reports:country_page", args=[report.cycle.pk, report.member.iso3])
    pdf = reverse("reports:country_pdf", args=[report.cycle.pk, report.member.iso3])

    def query(edition: str) -> str:
        return urlencode({"edition": edition, "publication": report.publication.number, "lang": language})

    editions = []
    for edition, label in EDITIONS.items():
        try:
            edition_audience(request.user, edition)
        except ApplicationError:
            continue
        editions.append(
            {"url": f"{here}?{query(edition)}", "label": label, "current": edition == report.edition}
        )
    back = request.META.get("HTTP_REFERER") or reverse("public:index")
    return {"back": back, "pdf": f"{pdf}?{query(report.edition)}", "editions": editions}


def country_page(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return HttpResponse(report_html(report, language, toolbar=_toolbar(request, report, language)))


def country_pdf(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return attachment(report_pdf(report, language), PDF_TYPE, report_filename(report, language))
