"""The global cycle report as a print page, a PDF (the same template and stylesheet as the country
report, `rendering.pdf_of`; its charts inline as SVG, `global_charts`) and a workbook annex with every
table (`annex`). A PDF and a workbook are kept in the cache under the digest of everything the report
shows (`GlobalReport.fingerprint`): per publication, edition audience and language, and made again when
a figure it shows has changed (participation moves until the cycle closes; statistics when groups
change)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation

from pmm.reports.annex import FORM as ANNEX_FORM
from pmm.reports.annex import annex_xlsx
from pmm.reports.editions import GLOBAL_EDITIONS
from pmm.reports.global_charts import global_figures
from pmm.reports.global_report import GlobalReport
from pmm.reports.rendering import STYLESHEET, cached, pdf_of
from pmm.reports.tables import NOT_SHOWN
from pmm.results.formatting import WITHHELD_TEXTS

# Change when the template or the stylesheet change what a cached PDF holds.
_PDF_FORM = 2


def global_report_html(report: GlobalReport, *, toolbar: dict[str, Any] | None = None) -> str:
    with translation.override(report.language):
        figures = global_figures(report)
        return render_to_string(
            "reports/global.html",
            {
                "report": report,
                "sections": [(section, figures.get(section.key, [])) for section in report.sections],
                "edition_label": str(GLOBAL_EDITIONS[report.edition]),
                "withheld_reasons": [str(text) for text in WITHHELD_TEXTS.values()],
                "not_shown": NOT_SHOWN,
                "stylesheet": static("reports/report.css") if toolbar is not None else STYLESHEET.as_uri(),
                "toolbar": toolbar,
            },
        )


def global_report_pdf_key(report: GlobalReport) -> str:
    """The cache key of the report's PDF: the digest of everything it shows, and of whom it is for."""
    return f"pmm:report:global:pdf:{_PDF_FORM}:{report.fingerprint}"


def global_report_pdf(report: GlobalReport) -> bytes:
    """The report as a tagged PDF, from the cache when it was made before (else made, and kept, now)."""
    return cached(global_report_pdf_key(report), lambda: pdf_of(global_report_html(report)))


def global_report_xlsx(report: GlobalReport) -> bytes:
    """The report's tables as a workbook, from the cache when it was made before."""
    key = f"pmm:report:global:xlsx:{ANNEX_FORM}:{report.fingerprint}"
    return cached(key, lambda: annex_xlsx(report))


def global_report_filename(report: GlobalReport, extension: str) -> str:
    return (
        f"pmm-{report.cycle.reporting_year}-global-p{report.publication.number}-"
        f"{report.edition}-{report.language}.{extension}"
    )
