"""The workbook round trip over the API: download a member's workbook, upload it back."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from pmm.assessments.selectors import assessment_access
from pmm.assessments.workbook import CONTENT_TYPE, ImportReport, workbook_file, workbook_import
from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.openapi import file_answer
from pmm.cycles.selectors import cycle_get

router = Router(tags=["workbooks"])


class ChangedOut(Schema):
    cell: str
    subject: str


# What an upload saved, read from the importer's ImportReport.
class ImportOut(Schema):
    summary: str
    version: int
    changed: int
    values: list[ChangedOut]
    kpis: list[ChangedOut]
    kept: list[ChangedOut]
    explanations: list[ChangedOut]  # explanations of warnings saved
    unneeded: list[ChangedOut]  # explanations not saved: their warning does not arise from the values

    @staticmethod
    def resolve_summary(report: ImportReport) -> str:
        return report.summary()


@router.get(
    "/cycles/{cycle}/assessments/{iso3}/workbook.xlsx",
    response=ERROR_RESPONSES,
    summary="Download the member's workbook (.xlsx), with its current values (?lang=fr for French)",
    openapi_extra=file_answer("The workbook", CONTENT_TYPE),
)
def download(request: HttpRequest, cycle: int, iso3: str, lang: str = "") -> HttpResponse:
    language = lang or translation.get_language() or settings.LANGUAGE_CODE
    known = [code for code, _name in settings.LANGUAGES]
    if language.split("-")[0] not in known:
        raise ApplicationError(
            _("Unknown language."),
            code="invalid_values",
            problems=[FieldProblem("lang", _("must be one of: %(codes)s") % {"codes": ", ".join(known)})],
        )
    found = cycle_get(cycle)
    actor = actor_of(request)
    return workbook_file(assessment_access(actor, found, iso3), language.split("-")[0], actor)


@router.post(
    "/cycles/{cycle}/assessments/{iso3}/workbook",
    response={200: ImportOut, **ERROR_RESPONSES},
    summary="Upload a filled-in workbook: all or nothing; 422 names every problem by sheet and cell",
)
def upload(request: HttpRequest, cycle: int, iso3: str, file: File[UploadedFile]) -> ImportReport:
    actor = actor_of(request)
    assessment = assessment_access(actor, cycle_get(cycle), iso3)
    data = file.read(settings.PMM_WORKBOOK_MAX_BYTES + 1)  # enough to tell it is too large
    return workbook_import(
        actor=actor, assessment=assessment, data=data, filename=file.name or "workbook.xlsx"
    )
