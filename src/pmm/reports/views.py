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


def _toolbar(
    request: HttpRequest,
    report: CountryReport | GlobalReport,
    language: str,
    editions: tuple[dict[str, Any], Callable[[Any, str], Any]],
    page: str,
    files: dict[str, str],
) -> dict[str, Any]:
    """The print page's toolbar: back, the files of this edition (`files`: name -> URL without its
    query) and the editions the reader may have (`editions`: their labels and the rule of who may),
    each a link to its `page` with the same publication and language."""

    def query(edition: str) -> str:
        return urlencode({"edition": edition, "publication": report.publication.number, "lang": language})

    labels, allowed = editions
    choices = []
    for edition, label in labels.items():
        try:
            allowed(request.user, edition)
        except ApplicationError:
            continue
        url = f"{page}?{query(edition)}"
        choices.append({"edition": edition, "url": url, "label": label, "current": edition == report.edition})
    mine = query(report.edition)
    return {
        "back": request.META.get("HTTP_REFERER") or reverse("public:index"),
        **{name: f"{url}?{mine}" for name, url in files.items()},
        "editions": choices,
    }


def _country_toolbar(request: HttpRequest, report: CountryReport, language: str) -> dict[str, Any]:
    member = [report.cycle.pk, report.member.iso3]
    page = reverse("reports:country_page", args=member)
    files = {"pdf": reverse("reports:country_pdf", args=member)}
    return _toolbar(request, report, language, (EDITIONS, edition_audience), page, files)


def country_page(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return HttpResponse(report_html(report, language, toolbar=_country_toolbar(request, report, language)))


def country_pdf(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    return attachment(report_pdf(report, language), PDF_TYPE, report_filename(report, language))


def _global_toolbar(request: HttpRequest, report: GlobalReport) -> dict[str, Any]:
    cycle = [report.cycle.pk]
    page = reverse("reports:global_page", args=cycle)
    files = {
        "pdf": reverse("reports:global_pdf", args=cycle),
        "xlsx": reverse("reports:global_xlsx", args=cycle),
    }
    editions = (GLOBAL_EDITIONS, global_edition_audience)
    return _toolbar(request, report, report.language, editions, page, files)


def global_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return HttpResponse(global_report_html(report, toolbar=_global_toolbar(request, report)))


def global_pdf(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return attachment(global_report_pdf(report), PDF_TYPE, global_report_filename(report, "pdf"))


def global_xlsx(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return attachment(global_report_xlsx(report), XLSX_TYPE, global_report_filename(report, "xlsx"))
