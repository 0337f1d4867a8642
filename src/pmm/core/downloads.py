"""File downloads: one way to answer with a file, for pages and the API alike."""

from __future__ import annotations

from django.http import HttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
PDF_TYPE = "application/pdf"


def attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """A response the browser saves as `filename` rather than displays."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
