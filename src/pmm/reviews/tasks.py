"""Background jobs of peer review: the daily due-date reminders, which keep themselves scheduled.

`pmm worker` (and so `pmm serve`) makes sure one run is queued when it starts; each run sends the
reminders (each once: `notices.due_reminders`) and queues the next one for the following morning.
With a queue that cannot defer jobs (the immediate backend of the tests), nothing is scheduled.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

REMINDER_HOUR = time(6, 0)  # the reminders go out early in the morning (the platform's time zone)


@task()
def review_reminders() -> str:
    from pmm.reviews.notices import due_reminders

    count = due_reminders()
    schedule_reminders(next_morning=True)
    return f"reminders sent for {count} round(s)"


def _next_morning(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), REMINDER_HOUR))


def schedule_reminders(*, next_morning: bool = False) -> bool:
    """Queue the reminders job unless one is already waiting: now, or the next morning. Returns whether
    a job was queued."""
    if not review_reminders.get_backend().supports_defer:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ready = TaskResultStatus.READY
    waiting = DBTaskResult.objects.filter(task_path=review_reminders.module_path, status=ready)
    if waiting.exists():
        return False
    run_after = _next_morning(timezone.now()) if next_morning else None
    review_reminders.using(run_after=run_after).enqueue()
    return True
