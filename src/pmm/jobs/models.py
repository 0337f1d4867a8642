"""The heartbeat of each running job worker: how the platform tells a busy worker from a dead one."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per job worker process, refreshed every few seconds while it runs (`pmm worker`).

    A RUNNING job whose worker's row is older than the lease (or gone) belongs to a worker that
    stopped: `leases.reclaim_vanished_jobs` puts it back in the queue. No member data here."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} ({self.hostname}, pid {self.pid})"
