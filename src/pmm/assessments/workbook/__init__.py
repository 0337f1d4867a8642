"""The workbook round trip: download a member's assessment as .xlsx, fill it in with Excel or
LibreOffice, upload it back.

`layout` says where everything sits (shared by both directions); `export` and `checks` write the
workbook; `package` checks an upload as a zip before anything parses it; `reading` turns the
sheets into plain data and problems named by sheet and cell; `importer` compares with the stored
data and saves through the assessment services, all or nothing.
"""

from typing import Any

from django.http import HttpResponse

from pmm.assessments.models import Assessment
from pmm.assessments.workbook.export import workbook_export
from pmm.assessments.workbook.importer import ImportReport, workbook_import
from pmm.assessments.workbook.layout import CONTENT_TYPE, TEMPLATE_VERSION
from pmm.core.downloads import attachment


def workbook_filename(iso3: str, cycle: object) -> str:
    """The download's file name, e.g. pmm-ken-2024-cycle3.xlsx."""
    return f"pmm-{iso3.lower()}-{getattr(cycle, 'reporting_year', '')}-cycle{getattr(cycle, 'pk', '')}.xlsx"


def workbook_file(assessment: Assessment, language: str, reader: Any) -> HttpResponse:
    """The member's workbook with its current values as `reader` reads them, for download."""
    return attachment(
        workbook_export(assessment, language, reader),
        CONTENT_TYPE,
        workbook_filename(assessment.member.iso3, assessment.cycle),
    )


__all__ = [
    "CONTENT_TYPE",
    "TEMPLATE_VERSION",
    "ImportReport",
    "workbook_export",
    "workbook_file",
    "workbook_filename",
    "workbook_import",
]
