"""Leases: a RUNNING job is held by its worker only while that worker's heartbeat is fresh.

The queue (django_tasks_db) records, on each job, the ids of the workers that took it
(`worker_ids`, one per attempt). When the last of them has not refreshed its heartbeat within the
lease, the worker is gone (killed, its machine stopped): the job goes back to the queue, or, after
`settings.PMM_JOB_MAX_ATTEMPTS` attempts, is marked FAILED with the reason. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pmm.audit.services import audit_record
from pmm.jobs.models import WorkerHeartbeat

VANISHED_EXCEPTION = "pmm.jobs.leases.WorkerVanished"


@dataclass(frozen=True)
class Reclaimed:
    job_id: str
    task_path: str
    attempts: int
    failed: bool


def vanished_reason(attempts: int, max_attempts: int) -> str:
    return f"the worker running it stopped (attempt {attempts} of {max_attempts})"


def lease() -> timedelta:
    """How long a worker holds its jobs without a heartbeat (PMM_JOB_LEASE_SECONDS): past it, the
    worker counts as gone (its jobs are reclaimed, and /health/ready says no worker is running)."""
    return timedelta(seconds=settings.PMM_JOB_LEASE_SECONDS)


def _holder_is_gone(job: DBTaskResult, seen: dict[str, datetime], expired_before: datetime) -> bool:
    worker = job.worker_ids[-1] if job.worker_ids else ""
    last_seen = seen.get(worker)
    if last_seen is None:  # no heartbeat at all: judge by when the job started
        return job.started_at is None or job.started_at < expired_before
    return last_seen < expired_before


def reclaim_vanished_jobs(*, now: datetime | None = None) -> list[Reclaimed]:
    """Re-queue (or fail, after the last attempt) every RUNNING job whose worker's lease expired."""
    now = now or timezone.now()
    expired_before = now - lease()
    max_attempts = settings.PMM_JOB_MAX_ATTEMPTS
    running = list(DBTaskResult.objects.running())
    if not running:
        return []
    seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))
    reclaimed = []
    for job in running:
        if _holder_is_gone(job, seen, expired_before):
            outcome = _reclaim(job, now, max_attempts)
            if outcome is not None:
                reclaimed.append(outcome)
    return reclaimed


def _reclaim(job: DBTaskResult, now: datetime, max_attempts: int) -> Reclaimed | None:
    attempts = len(job.worker_ids)
    failed = attempts >= max_attempts
    reason = vanished_reason(attempts, max_attempts)
    changes: dict[str, object]
    if failed:
        changes = {
            "status": TaskResultStatus.FAILED,
            "finished_at": now,
            "exception_class_path": VANISHED_EXCEPTION,
            "traceback": reason,
        }
    else:
        changes = {"status": TaskResultStatus.READY}
    with transaction.atomic():
        # Only if no one else changed the job since we read it (another worker's reaper, its own end).
        unchanged = DBTaskResult.objects.filter(
            pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at
        )
        if not unchanged.update(**changes):
            return None
        audit_record(
            actor=None,
            verb="job.failed" if failed else "job.requeued",
            target=job,
            target_label=f"job {job.task_path}",
            before={"status": TaskResultStatus.RUNNING, "attempts": attempts},
            after={"status": changes["status"], "attempts": attempts},
            reason=reason,
        )
    return Reclaimed(job_id=str(job.pk), task_path=job.task_path, attempts=attempts, failed=failed)


def heartbeat(*, worker_id: str, hostname: str, pid: int, started_at: datetime) -> None:
    """Record that this worker is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": hostname, "pid": pid, "started_at": started_at, "seen_at": timezone.now()},
    )


def forget_worker(worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat (a job it left RUNNING is reclaimed)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def forget_old_heartbeats(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Remove the rows of workers long gone."""
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted


def newest_heartbeat() -> datetime | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
