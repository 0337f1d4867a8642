"""The reports' print pages and files. Country report: anyone may have the public edition of a published
member; signed-in holders of a PMM role also the WCO edition and their own (full) edition. Global
report: anyone the public edition, holders of a PMM role the WCO edition, the Secretariat (holders of
`cycle.status_board`) the full edition; its tables also as a workbook.

A PDF not made yet is made in the background (`preparing`): its link leads to a "Preparing your report"
page that follows the job (reloading itself, or asking its status as JSON with JavaScript) and leads to
the download once the file is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pmm.core.api import refusal
from pmm.core.downloads import PDF_TYPE, XLSX_TYPE, attachment
from pmm.core.errors import ApplicationError
from pmm.core.translated import pick
from pmm.reports.asked import asked_global_report, asked_report
from pmm.reports.country import CountryReport
from pmm.reports.editions import EDITIONS, GLOBAL_EDITIONS, edition_audience, global_edition_audience
from pmm.reports.global_rendering import (
    global_report_filename,
    global_report_html,
    global_report_xlsx,
)
from pmm.reports.global_report import GlobalReport
from pmm.reports.preparing import READY_PROGRESS, ReportOrder, country_order, global_order, prepared
from pmm.reports.rendering import report_filename, report_html


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
    pdf = prepared(request.user, order := country_order(report, language))
    if isinstance(pdf, bytes):
        return attachment(pdf, PDF_TYPE, report_filename(report, language))
    return HttpResponseRedirect(_url(order, PREPARING), status=303)


def _country_asked(request: HttpRequest, cycle_id: int, iso3: str) -> tuple[ReportOrder, str]:
    report, language = asked_report(request.user, cycle_id, iso3, request.GET)
    title = _("Country report: %(member)s, %(cycle)s") % {
        "member": pick(report.member.name),
        "cycle": report.cycle,
    }
    return country_order(report, language), title


@require_http_methods(["GET", "POST"])
def country_preparing(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    order, title = _country_asked(request, cycle_id, iso3)
    return _preparing_page(request, order, title)


@require_GET
def country_status(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    return _status(request, lambda: _country_asked(request, cycle_id, iso3)[0])


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
    pdf = prepared(request.user, order := global_order(report))
    if isinstance(pdf, bytes):
        return attachment(pdf, PDF_TYPE, global_report_filename(report, "pdf"))
    return HttpResponseRedirect(_url(order, PREPARING), status=303)


def _global_asked(request: HttpRequest, cycle_id: int) -> tuple[ReportOrder, str]:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return global_order(report), _("Global report: %(cycle)s") % {"cycle": report.cycle}


@require_http_methods(["GET", "POST"])
def global_preparing(request: HttpRequest, cycle_id: int) -> HttpResponse:
    order, title = _global_asked(request, cycle_id)
    return _preparing_page(request, order, title)


@require_GET
def global_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _status(request, lambda: _global_asked(request, cycle_id)[0])


def global_xlsx(request: HttpRequest, cycle_id: int) -> HttpResponse:
    report = asked_global_report(request.user, cycle_id, request.GET)
    return attachment(global_report_xlsx(report), XLSX_TYPE, global_report_filename(report, "xlsx"))


# --- a PDF not made yet: the "Preparing your report" page and its status -------------------------

PDF, PREPARING, STATUS = 0, 1, 2
_PAGES = {  # the kind of report: its PDF, its preparing page and its status, by URL name
    "country": ("reports:country_pdf", "reports:country_preparing", "reports:country_status"),
    "global": ("reports:global_pdf", "reports:global_preparing", "reports:global_status"),
}


def _url(order: ReportOrder, which: int) -> str:
    args = [order.cycle_id, order.iso3] if order.iso3 else [order.cycle_id]
    return f"{reverse(_PAGES[order.kind][which], args=args)}?{urlencode(order.query)}"


def _preparing_page(request: HttpRequest, order: ReportOrder, title: str) -> HttpResponse:
    """The page a reader waits on: the job's progress in words and as a bar; it reloads itself while the
    job runs (and, with JavaScript, asks the status instead) and leads to the download when ready.
    "Try again" (POST) queues a failed report again at once."""
    if request.method == "POST":
        prepared(request.user, order, again=True)
        return HttpResponseRedirect(_url(order, PREPARING), status=303)
    found = prepared(request.user, order)
    progress = READY_PROGRESS if isinstance(found, bytes) else found
    context = {
        "title": title,
        "progress": progress,
        "pdf_url": _url(order, PDF),
        "page_url": _url(order, PREPARING),
        "status_url": _url(order, STATUS),
    }
    response = render(request, "reports/preparing.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _status(request: HttpRequest, asked: Callable[[], ReportOrder]) -> HttpResponse:
    """The job's progress as JSON: {status, progress, message, retry_after, download}; an error in the
    API's shape when the report cannot be asked (the same checks as its PDF)."""
    try:
        order = asked()
    except ApplicationError as error:
        status, body = refusal(error, signed_in=request.user.is_authenticated, sign_in=error.message)
        return JsonResponse(body, status=status)
    found = prepared(request.user, order)
    progress = READY_PROGRESS if isinstance(found, bytes) else found
    response = JsonResponse(
        {**progress.answer(), "download": _url(order, PDF) if isinstance(found, bytes) else ""}
    )
    response["Cache-Control"] = "no-store"
    return response
