"""A report as a print page (HTML) and as a PDF, from the same template and stylesheet.

The PDF is made by WeasyPrint from the HTML, tagged (PDF/UA-1: headings, tables and reading order
for screen readers), with the document's language and title in its metadata, using the fonts of the
machine (Debian's DejaVu): nothing is fetched while rendering (`_own_files_only` refuses any URL but
the report's own stylesheet); its charts are inline SVG (`country_charts`), drawn as vectors in the
machine's fonts. A publication never changes, so a PDF is kept in the cache per publication, member,
edition audience and language (and the member's targets, in a full edition: they can change): a new
publication makes new reports, and the old ones can be made again, identical in
content, at any time. The global cycle report (`global_rendering`) shares `pdf_of` and `cached`.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation

from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.translated import pick
from pmm.reports.country import CountryReport
from pmm.reports.country_charts import country_figures
from pmm.reports.editions import EDITIONS
from pmm.results.formatting import WITHHELD_TEXTS

STYLESHEET = Path(__file__).parent / "static" / "reports" / "report.css"
# Change when the template, the stylesheet or the read model change what a cached PDF holds.
_FORM = 5
PDF_TIMEOUT = 30 * 24 * 3600


def language_of(asked: str | None) -> str:
    """The language asked for (default: the active one), refused when the platform does not offer it."""
    offered = [code for code, _name in settings.LANGUAGES]
    language = (asked or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    if language not in offered:
        raise ApplicationError(
            f"The language {asked!r} is not offered: choose {', '.join(offered)}.",
            problems=[FieldProblem("lang", f"must be one of {', '.join(offered)}")],
        )
    return language


def report_html(report: CountryReport, language: str, *, toolbar: dict[str, Any] | None = None) -> str:
    with translation.override(language):
        member_name = pick(report.member.name)
        return render_to_string(
            "reports/country.html",
            {
                "report": report,
                "member_name": member_name,
                "dimensions": country_figures(report, member_name, language),
                "withheld_reasons": [str(text) for text in WITHHELD_TEXTS.values()],
                "min_members": settings.PMM_AGGREGATE_MIN_MEMBERS,
                "edition_label": str(EDITIONS[report.edition]),
                "stylesheet": static("reports/report.css") if toolbar is not None else STYLESHEET.as_uri(),
                "toolbar": toolbar,
            },
        )


def _own_files_only() -> Any:
    """WeasyPrint's fetcher for a report: the report's own stylesheet, nothing else (no network, no
    other file); anything else stops the rendering."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class OwnFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url == STYLESHEET.as_uri():
                return URLFetcherResponse(url, STYLESHEET.read_bytes(), {"Content-Type": "text/css"})
            raise FatalURLFetchingError(f"A report fetches nothing: {url}")

    return OwnFilesOnly(allowed_protocols=("file",))


def report_pdf_key(report: CountryReport, language: str) -> str:
    """The cache key of the report's PDF: per publication, member, edition audience and language."""
    publication = report.publication
    parts = (
        _FORM, "country", publication.pk, publication.number, publication.published_at.isoformat(),
        report.member.pk, report.member.name, report.edition, report.audience.key, report.reader_key,
        language, report.spec.fingerprint, _targets_shown(report),
    )  # fmt: skip
    return "pmm:report:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _targets_shown(report: CountryReport) -> Any:
    """The targets the report shows (they change while a publication does not): part of its PDF's key."""
    if report.targets is None:
        return None
    return [
        (t.kpi.code, t.label, t.year, t.target, t.baseline, t.latest, t.status, t.note)
        for t in report.targets
    ]


def report_pdf(report: CountryReport, language: str) -> bytes:
    """The report as a tagged PDF, from the cache when it was made before (else made, and kept, now)."""
    return cached(report_pdf_key(report, language), lambda: pdf_of(report_html(report, language)))


def cached(key: str, make: Callable[[], bytes]) -> bytes:
    """The file kept in the cache under `key`, or made (and kept) now."""
    found = cached_file(key)
    if found is not None:
        return found
    made = make()
    cache.set(key, made, timeout=PDF_TIMEOUT)
    return made


def cached_file(key: str) -> bytes | None:
    """The file kept in the cache under `key`, if it is there (nothing is made)."""
    found = cache.get(key)
    return found if isinstance(found, bytes) else None


def pdf_of(html: str) -> bytes:
    """A report's print page as a tagged PDF (PDF/UA-1), fetching nothing but the report's stylesheet."""
    from weasyprint import HTML  # imported on use: loading it takes a moment

    # WeasyPrint makes and drops many objects, so Python's collector runs often while it works; each of
    # its full collections went through every object of the process (Django, the cache, the report's
    # figures) too, none of them garbage. Frozen, they are left out of those collections (a tenth to a
    # fifth of the time to lay out a country report), and return to the collector's care afterwards.
    gc.freeze()
    try:
        pdf = HTML(string=html, base_url=STYLESHEET.parent.as_uri(), url_fetcher=_own_files_only()).write_pdf(
            pdf_variant="pdf/ua-1"
        )
    finally:
        gc.unfreeze()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return pdf


def report_filename(report: CountryReport, language: str) -> str:
    return (
        f"pmm-{report.cycle.reporting_year}-{report.member.iso3}-"
        f"p{report.publication.number}-{report.edition}-{language}.pdf"
    )
