"""Reads of the job queue for the Secretariat: the jobs that failed (docs/jobs.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_tasks_db.models import DBTaskResult

from pmm.authz import require

FAILED_JOBS_SHOWN = 100


@dataclass(frozen=True)
class FailedJob:
    id: str
    task: str
    enqueued_at: datetime
    finished_at: datetime | None
    attempts: int
    reason: str


def _reason(job: DBTaskResult) -> str:
    """The last line of the traceback: the exception and its message (or the lease's reason)."""
    lines = [line for line in job.traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else job.exception_class_path


def failed_jobs(actor: Any, limit: int = FAILED_JOBS_SHOWN) -> list[FailedJob]:
    """The most recent failed jobs, newest first (the Secretariat: who may read the audit log)."""
    require(actor, "audit.view")
    jobs = DBTaskResult.objects.failed().order_by("-finished_at")[:limit]
    return [
        FailedJob(
            id=str(job.pk),
            task=job.task_path.rsplit(".", 1)[-1],
            enqueued_at=job.enqueued_at,
            finished_at=job.finished_at,
            attempts=len(job.worker_ids),
            reason=_reason(job),
        )
        for job in jobs
    ]
