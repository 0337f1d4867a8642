"""`pmm worker`: wait for the database, keep a heartbeat, reclaim jobs of vanished workers, run jobs.

The jobs are run by django_tasks_db's own worker loop (`db_worker`); this module adds what a
production worker needs around it:

- it waits for the database (reachable, migrations applied) instead of dying, one log line a try;
- a thread refreshes this worker's heartbeat every `PMM_JOB_HEARTBEAT_SECONDS` and re-queues the
  jobs of workers whose lease expired (`leases.reclaim_vanished_jobs`);
- on a clean stop it removes its heartbeat.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.crypto import get_random_string

from pmm.core.providers import Hooks
from pmm.jobs import leases

logger = logging.getLogger("pmm.jobs")

# What the apps above the worker schedule when it starts (reviews: the daily reminders), added in
# their AppConfig.ready().
on_worker_start = Hooks("on_worker_start")


def backoff_delays(first: float = 0.5, cap: float = 30.0) -> Iterator[float]:
    """0.5, 1, 2, 4 … seconds, never more than `cap`."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def database_problem() -> str | None:
    """Why the database cannot serve the worker yet (unreachable, tables missing), or None."""
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        connection.close()
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return first_line
    if pending:
        return f"{len(pending)} migration(s) not applied yet (run `pmm migrate`)"
    return None


def wait_for_database(sleep: Callable[[float], None] = time.sleep, cap: float = 30.0) -> int:
    """Return once the database is reachable and migrated; log one line per failed try. Returns the
    number of tries it took."""
    delays = backoff_delays(cap=cap)
    attempt = 1
    while (problem := database_problem()) is not None:
        delay = next(delays)
        logger.warning("waiting for the database: %s (try %d; next in %gs)", problem, attempt, delay)
        sleep(delay)
        attempt += 1
    return attempt


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"[:64]


class Heartbeat(threading.Thread):
    """Refreshes the worker's heartbeat and reclaims vanished workers' jobs, until stopped."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="pmm-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def beat(self) -> None:
        leases.heartbeat(
            worker_id=self.worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
        )
        for job in leases.reclaim_vanished_jobs():
            what = "failed" if job.failed else "re-queued"
            logger.warning(
                "job %s (%s) %s: %s",
                job.job_id,
                job.task_path,
                what,
                leases.vanished_reason(job.attempts, settings.PMM_JOB_MAX_ATTEMPTS),
            )

    def run(self) -> None:
        leases.forget_old_heartbeats()
        while not self.stopping.is_set():
            try:
                self.beat()
            except DatabaseError as error:  # the database went away for a moment: try again later
                logger.warning("the worker's heartbeat could not be recorded: %s", error)
            finally:
                connection.close()  # this thread's own connection
            self.stopping.wait(settings.PMM_JOB_HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=settings.PMM_JOB_HEARTBEAT_SECONDS + 5)


def run_worker(*, batch: bool = False) -> None:
    """Wait for the database, then run jobs (all queued ones with `batch`, else until stopped)."""
    from django.core.management import call_command

    wait_for_database()
    on_worker_start.run()
    worker_id = new_worker_id()
    heartbeat = Heartbeat(worker_id)
    heartbeat.beat()  # before the first job is taken: a fresh lease from the start
    heartbeat.start()
    logger.info("job worker %s started", worker_id)
    try:
        call_command(
            "db_worker",
            *(["--batch"] if batch else []),
            "--no-startup-delay",
            "--no-reload",  # the supervisor restarts it; a reloader child would hide it
            "--worker-id",
            worker_id,
        )
    finally:
        heartbeat.stop()
        with contextlib.suppress(DatabaseError):  # if it fails, the lease expires by itself
            leases.forget_worker(worker_id)
