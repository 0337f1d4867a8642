"""The reports through the API: a member's country report (PDF), and the global cycle report (PDF, and
its tables as a workbook).

A PDF not made yet is made in the background (`preparing`): the answer is then 202 Accepted with the
job's progress (`ReportPending`) and a Retry-After header; asking the same URL again (its `location`,
which names the publication by its number) answers the PDF once it is made. A job that failed answers
503 in the error shape, with its reason in plain words and a Retry-After header; asking again after
that queues a new one. Bad input is refused (4xx) before anything is queued."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema

from pmm.core.api import ERROR_RESPONSES, Error, actor_of, error_body, json_answer
from pmm.core.downloads import PDF_TYPE, XLSX_TYPE, attachment
from pmm.core.openapi import file_answer
from pmm.reports.asked import asked_global_report, asked_report
from pmm.reports.global_rendering import global_report_filename, global_report_xlsx
from pmm.reports.preparing import FAILED, Progress, ReportOrder, country_order, global_order, prepared
from pmm.reports.rendering import report_filename

router = Router(tags=["reports"])


class ReportQuery(Schema):
    edition: str = ""  # public, wco or full (default: the widest the caller may have)
    publication: str = ""  # its number (default: the latest)
    lang: str = ""  # en or fr (default: the request's language)


class ReportPending(Schema):
    status: str  # queued or rendering
    progress: int  # percent
    message: str  # how far it has got, in words
    retry_after: int  # seconds before asking again (also the Retry-After header)
    location: str  # the URL to ask again: it answers the PDF once it is made


PDF_ANSWERS = {202: ReportPending, 503: Error, **ERROR_RESPONSES}


def _asked(query: ReportQuery) -> dict[str, object]:
    """The parameters the caller gave (an empty one means "the default")."""
    return {k: v for k, v in query.dict().items() if v}


def _not_ready(request: HttpRequest, progress: Progress, order: ReportOrder, route: str) -> HttpResponse:
    """202 with the job's progress, or 503 with the reason it failed; Retry-After either way."""
    if progress.status == FAILED:
        answer = json_answer(request, error_body("report_failed", progress.message), status=503)
    else:
        args = {"cycle": order.cycle_id, **({"iso3": order.iso3} if order.iso3 else {})}
        location = f"{reverse(f'api:{route}', kwargs=args)}?{urlencode(order.query)}"
        answer = json_answer(request, {**progress.answer(), "location": location}, status=202)
        answer["Location"] = location
    answer["Retry-After"] = str(progress.retry_after)
    answer["Cache-Control"] = "no-store"
    return answer


@router.get(
    "/cycles/{cycle}/members/{iso3}/report.pdf",
    response=PDF_ANSWERS,
    url_name="country_report_pdf",
    summary="A member's country performance report (PDF), in the edition the caller asks for",
    description="202 while the PDF is being made (ask the `location` again after `retry_after` seconds); "
    "503 if making it failed.",
    openapi_extra=file_answer("The report", PDF_TYPE),
)
def country_report_pdf(
    request: HttpRequest, cycle: int, iso3: str, query: Query[ReportQuery]
) -> HttpResponse:
    asked = _asked(query)
    report, language = asked_report(actor_of(request), cycle, iso3, asked)
    pdf = prepared(actor_of(request), order := country_order(report, language))
    if isinstance(pdf, bytes):
        return attachment(pdf, PDF_TYPE, report_filename(report, language))
    return _not_ready(request, pdf, order, "country_report_pdf")


@router.get(
    "/cycles/{cycle}/report.pdf",
    response=PDF_ANSWERS,
    url_name="global_report_pdf",
    summary="The global cycle report of a publication (PDF): public, wco or full (the Secretariat's) edition",
    description="202 while the PDF is being made (ask the `location` again after `retry_after` seconds); "
    "503 if making it failed.",
    openapi_extra=file_answer("The report", PDF_TYPE),
)
def global_report_pdf_file(request: HttpRequest, cycle: int, query: Query[ReportQuery]) -> HttpResponse:
    asked = _asked(query)
    report = asked_global_report(actor_of(request), cycle, asked)
    pdf = prepared(actor_of(request), order := global_order(report))
    if isinstance(pdf, bytes):
        return attachment(pdf, PDF_TYPE, global_report_filename(report, "pdf"))
    return _not_ready(request, pdf, order, "global_report_pdf")


@router.get(
    "/cycles/{cycle}/report.xlsx",
    response=ERROR_RESPONSES,
    url_name="global_report_xlsx",
    summary="Every table of the global cycle report (XLSX), in the edition the caller asks for",
    openapi_extra=file_answer("The report's tables", XLSX_TYPE),
)
def global_report_xlsx_file(request: HttpRequest, cycle: int, query: Query[ReportQuery]) -> HttpResponse:
    asked = _asked(query)
    report = asked_global_report(actor_of(request), cycle, asked)
    return attachment(global_report_xlsx(report), XLSX_TYPE, global_report_filename(report, "xlsx"))
