"""A report's PDF when it is ready, else the job that makes it (docs/reports.md, "When a report is not
ready yet"). Pages and the API ask `prepared(actor, order)` once the report asked has passed every
check (`asked`): the file from the cache, or the progress of the one job making it.

- One job per file: the job's row is keyed by the file's cache key (per publication, member, edition
  audience and language), so two readers asking for the same missing file share one job; the key
  names the audience, so a file is never read by an audience it was not made for.
- A job that failed is shown as failed, with its reason, for `RETRY_FAILED_AFTER` seconds; after that
  (or at once when the reader asks again, `again=True`) asking for the file queues a new job. A job
  whose worker stopped for good (the queue marked it failed, or it vanished) counts as failed.
- A queue that runs jobs at once (the tests' immediate backend) has made the file by the time the job
  is queued: the file is then answered at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from pmm.reports.country import CountryReport
from pmm.reports.global_rendering import global_report_pdf_key
from pmm.reports.global_report import GlobalReport
from pmm.reports.models import ReportJob
from pmm.reports.rendering import cached_file, report_pdf_key
from pmm.reports.tasks import make_report_pdf

POLL_SECONDS = 3  # how often a waiting reader is told to ask again
RETRY_FAILED_AFTER = 30  # seconds a failure is shown before asking again queues a new job
# A row still waiting this long without the queue's id: its queueing failed; it counts as stopped.
UNQUEUED_AFTER = timedelta(minutes=2)

QUEUED, RENDERING, READY, FAILED = "queued", "rendering", "ready", "failed"
REASONS: dict[str, Promise] = {
    ReportJob.Failure.ACCESS: _(
        "Your access to this edition changed after you asked for the report. Open the report again to "
        "get the edition you may have now."
    ),
    ReportJob.Failure.MISSING: _("The figures of this report could not be found any more."),
    ReportJob.Failure.LAYOUT: _(
        "The report could not be laid out as a PDF. The error is recorded for the Secretariat; try "
        "again in a minute."
    ),
    ReportJob.Failure.STOPPED: _("The work on the report stopped before it was finished. Try again."),
}


@dataclass(frozen=True)
class ReportOrder:
    """One report file asked for: which report, in which edition and language, for which audience."""

    kind: str  # ReportJob.Kind
    cycle_id: int
    iso3: str  # the member of a country report ("" for the global report)
    edition: str
    publication: int  # its number
    language: str
    audience: str  # the key of the audience the reader was granted
    file_key: str  # where the PDF is kept in the cache

    @property
    def query(self) -> dict[str, str]:
        """The query that asks for exactly this report again (the publication by its number)."""
        return {"edition": self.edition, "publication": str(self.publication), "lang": self.language}


def country_order(report: CountryReport, language: str) -> ReportOrder:
    return ReportOrder(
        kind=ReportJob.Kind.COUNTRY,
        cycle_id=report.cycle.pk,
        iso3=report.member.iso3,
        edition=report.edition,
        publication=report.publication.number,
        language=language,
        audience=report.audience.key,
        file_key=report_pdf_key(report, language),
    )


def global_order(report: GlobalReport) -> ReportOrder:
    return ReportOrder(
        kind=ReportJob.Kind.GLOBAL,
        cycle_id=report.cycle.pk,
        iso3="",
        edition=report.edition,
        publication=report.publication.number,
        language=report.language,
        audience=report.audience.key,
        file_key=global_report_pdf_key(report),
    )


@dataclass(frozen=True)
class Progress:
    """How far the making of a report has got, for the reader."""

    status: str  # queued, rendering, ready or failed
    percent: int
    failure: str = ""  # ReportJob.Failure, when failed
    retry_after: int = POLL_SECONDS  # seconds before asking again

    @property
    def message(self) -> str:
        if self.status == FAILED:
            return str(REASONS.get(self.failure, REASONS[ReportJob.Failure.STOPPED]))
        if self.status == READY:
            return str(_("Your report is ready."))
        if self.status == QUEUED:
            return str(_("Your report is waiting for its turn."))
        if self.percent < 50:
            return str(_("Reading the figures of your report."))
        return str(_("Laying out the pages of your report."))

    def answer(self) -> dict[str, Any]:
        """What a reader's program is told (the API's 202, the page's status): in the active language."""
        return {
            "status": self.status,
            "progress": self.percent,
            "message": self.message,
            "retry_after": self.retry_after,
        }


READY_PROGRESS = Progress(READY, 100, retry_after=0)


def prepared(actor: Any, order: ReportOrder, *, again: bool = False) -> bytes | Progress:
    """The PDF `order` names, from the cache; else the progress of the job making it, queued now when
    none is under way (`again`: a failed job is tried again without waiting)."""
    found = cached_file(order.file_key)
    if found is not None:
        return found
    job = _job_for(actor, order, again=again)
    found = cached_file(order.file_key)  # a queue that runs its jobs at once has made it already
    if found is not None:
        return found
    return progress_of(job)


def progress_of(job: ReportJob) -> Progress:
    if job.state == ReportJob.State.FAILED:
        waited = (timezone.now() - job.updated_at).total_seconds()
        return Progress(FAILED, 0, job.failure, retry_after=max(1, round(RETRY_FAILED_AFTER - waited)))
    if job.state == ReportJob.State.QUEUED:
        return Progress(QUEUED, job.progress)
    return Progress(RENDERING, job.progress)  # made (the cache is read next time) or being made


def _requester(actor: Any) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None


def _job_for(actor: Any, order: ReportOrder, *, again: bool) -> ReportJob:
    """The job making the file: the one under way, else a new run (queued here, once)."""
    fields = {
        "kind": order.kind,
        "cycle_id": order.cycle_id,
        "iso3": order.iso3,
        "edition": order.edition,
        "publication": order.publication,
        "language": order.language,
        "audience": order.audience,
        "requested_by_id": _requester(actor),
    }
    fresh = {
        "state": ReportJob.State.QUEUED,
        "progress": 0,
        "failure": "",
        "task_id": "",
        "updated_at": timezone.now(),
    }
    # The file's key is unique: of two readers creating the row at once, one creates it, the other reads it.
    job, created = ReportJob.objects.get_or_create(file_key=order.file_key, defaults={**fields, **fresh})
    if not created:
        _note_if_stopped(job)
        if not _runs_again(job, again=again):
            return job
        # Only one of the readers asking at the same moment wins the row (compare and swap).
        won = ReportJob.objects.filter(pk=job.pk, state=job.state, updated_at=job.updated_at).update(
            **fields, **fresh
        )
        if not won:
            job.refresh_from_db()
            return job
    result = make_report_pdf.enqueue(job.pk)
    ReportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def _runs_again(job: ReportJob, *, again: bool) -> bool:
    if job.state == ReportJob.State.DONE:  # made, but perhaps no longer in the cache (evicted, expired)
        return cached_file(job.file_key) is None
    if job.state == ReportJob.State.FAILED:
        return again or timezone.now() - job.updated_at >= timedelta(seconds=RETRY_FAILED_AFTER)
    return False


def _note_if_stopped(job: ReportJob) -> None:
    """A job the queue no longer runs (its worker kept vanishing, or it is gone) is failed: stopped."""
    if job.state not in (ReportJob.State.QUEUED, ReportJob.State.RENDERING) or not _stopped(job):
        return
    now = timezone.now()
    stopped = {"state": ReportJob.State.FAILED, "failure": ReportJob.Failure.STOPPED, "updated_at": now}
    if ReportJob.objects.filter(pk=job.pk, state=job.state, updated_at=job.updated_at).update(**stopped):
        job.state, job.failure, job.updated_at = ReportJob.State.FAILED, ReportJob.Failure.STOPPED, now
    else:
        job.refresh_from_db()


def _stopped(job: ReportJob) -> bool:
    if not job.task_id:
        return timezone.now() - job.updated_at > UNQUEUED_AFTER
    if not make_report_pdf.get_backend().supports_get_result:
        return False
    try:
        result = make_report_pdf.get_result(job.task_id)
    except TaskResultDoesNotExist:
        return True
    return result.status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)
