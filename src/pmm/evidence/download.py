"""The one way an evidence file leaves the server: as an attachment, never rendered or run by the browser."""

from __future__ import annotations

import logging

from django.http import FileResponse

from pmm.core.errors import NotFound
from pmm.evidence.filetypes import KINDS, SAFE_FALLBACK_TYPE
from pmm.evidence.models import Evidence
from pmm.evidence.services import evidence_path

logger = logging.getLogger(__name__)
SERVABLE_TYPES = {k.content_type for k in KINDS.values()}
DOWNLOAD_TYPES = (*sorted(SERVABLE_TYPES), SAFE_FALLBACK_TYPE)  # what a download may be served as


def evidence_response(evidence: Evidence) -> FileResponse:
    """Stream the stored bytes with headers that forbid rendering inline (call after an access check)."""
    path = evidence_path(evidence)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        logger.error("evidence %s: stored file %s is missing", evidence.pk, path)
        raise NotFound("The file is missing from the store; tell the Secretariat.") from None
    content_type = evidence.content_type if evidence.content_type in SERVABLE_TYPES else SAFE_FALLBACK_TYPE
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
