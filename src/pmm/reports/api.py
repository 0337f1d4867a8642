"""The reports through the API: a member's country report (PDF), and the global cycle report (PDF, and
its tables as a workbook)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.downloads import PDF_TYPE, XLSX_TYPE, attachment
from pmm.core.openapi import file_answer
from pmm.reports.asked import asked_global_report, asked_report
from pmm.reports.global_rendering import global_report_filename, global_report_pdf, global_report_xlsx
from pmm.reports.rendering import report_filename, report_pdf

router = Router(tags=["reports"])


class ReportQuery(Schema):
    edition: str = ""  # public, wco or full (default: the widest the caller may have)
    publication: str = ""  # its number (default: the latest)
    lang: str = ""  # en or fr (default: the request's language)


def _asked(query: ReportQuery) -> dict[str, object]:
    """The parameters the caller gave (an empty one means "the default")."""
    return {k: v for k, v in query.dict().items() if v}


@router.get(
    "/cycles/{cycle}/members/{iso3}/report.pdf",
    response=ERROR_RESPONSES,
    url_name="country_report_pdf",
    summary="A member's country performance report (PDF), in the edition the caller asks for",
    openapi_extra=file_answer("The report", PDF_TYPE),
)
def country_report_pdf(
    request: HttpRequest, cycle: int, iso3: str, query: Query[ReportQuery]
) -> HttpResponse:
    asked = _asked(query)
    report, language = asked_report(actor_of(request), cycle, iso3, asked)
    return attachment(report_pdf(report, language), PDF_TYPE, report_filename(report, language))


@router.get(
    "/cycles/{cycle}/report.pdf",
    response=ERROR_RESPONSES,
    url_name="global_report_pdf",
    summary="The global cycle report of a publication (PDF): public, wco or full (the Secretariat's) edition",
    openapi_extra=file_answer("The report", PDF_TYPE),
)
def global_report_pdf_file(request: HttpRequest, cycle: int, query: Query[ReportQuery]) -> HttpResponse:
    asked = _asked(query)
    report = asked_global_report(actor_of(request), cycle, asked)
    return attachment(global_report_pdf(report), PDF_TYPE, global_report_filename(report, "pdf"))


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
