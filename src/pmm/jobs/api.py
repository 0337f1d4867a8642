"""GET /api/v1/jobs/failed: the background jobs that failed, for the Secretariat."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from pmm.core.api import ERROR_RESPONSES, actor_of
from pmm.jobs.selectors import FailedJob, failed_jobs

router = Router(tags=["jobs"])


class FailedJobOut(Schema):
    id: str
    task: str
    enqueued_at: datetime
    finished_at: datetime | None
    attempts: int
    reason: str


@router.get(
    "/jobs/failed",
    response={200: list[FailedJobOut], **ERROR_RESPONSES},
    summary="Background jobs that failed, newest first (Secretariat)",
)
def list_failed_jobs(request: HttpRequest) -> list[FailedJob]:
    return failed_jobs(actor_of(request))
