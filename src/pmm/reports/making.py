"""What the report job does (`tasks.make_report_pdf`): build the report of a `ReportJob` again as its
reader, check that it is for the audience the reader was granted, lay it out as a PDF into the cache,
and record how far it has got (reading the figures, laying out the pages, done, or failed and why)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.reports.asked import asked_global_report, asked_report
from pmm.reports.global_rendering import global_report_pdf, global_report_pdf_key
from pmm.reports.models import ReportJob
from pmm.reports.rendering import report_pdf, report_pdf_key

logger = logging.getLogger("pmm.reports")

READING, LAYING_OUT, DONE = 20, 60, 100  # percent


def _record(job: ReportJob, state: str, progress: int, failure: str = "") -> None:
    ReportJob.objects.filter(pk=job.pk).update(
        state=state, progress=progress, failure=failure, updated_at=timezone.now()
    )


def _built(job: ReportJob, actor: Any) -> tuple[str, str, Callable[[], bytes]]:
    """The report the job names, built as its reader asked it: the audience it was built for, the
    cache key of its PDF and what makes that PDF (into the cache)."""
    query = {"edition": job.edition, "publication": str(job.publication), "lang": job.language}
    if job.kind == ReportJob.Kind.COUNTRY:
        report, language = asked_report(actor, job.cycle_id, job.iso3, query)
        return report.audience.key, report_pdf_key(report, language), lambda: report_pdf(report, language)
    whole = asked_global_report(actor, job.cycle_id, query)
    return whole.audience.key, global_report_pdf_key(whole), lambda: global_report_pdf(whole)


def make_job_file(job_id: int) -> str:
    """Make the PDF of the job `job_id` into the cache. Returns what was done, in a line."""
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    label = str(job)
    _record(job, ReportJob.State.RENDERING, READING)
    actor = job.requested_by or AnonymousUser()
    try:
        audience, key, make = _built(job, actor)
    except PermissionDenied:
        _record(job, ReportJob.State.FAILED, 0, ReportJob.Failure.ACCESS)
        return f"{label}: refused, the reader may no longer have this edition"
    except ApplicationError as error:
        _record(job, ReportJob.State.FAILED, 0, ReportJob.Failure.MISSING)
        return f"{label}: not made ({error.message})"
    if audience != job.audience:  # the reader's grants changed since: never make it for another audience
        _record(job, ReportJob.State.FAILED, 0, ReportJob.Failure.ACCESS)
        return f"{label}: refused, the reader's audience changed"
    _record(job, ReportJob.State.RENDERING, LAYING_OUT)
    try:
        pdf = make()
    except Exception:
        _record(job, ReportJob.State.FAILED, 0, ReportJob.Failure.LAYOUT)
        logger.exception("the PDF of %s could not be made", label)
        raise  # the queue records the job as failed, with its traceback, for the Secretariat
    _record(job, ReportJob.State.DONE, DONE)
    moved = "" if key == job.file_key else " (its figures changed since it was asked: kept under their key)"
    return f"{label}: made, {len(pdf)} bytes{moved}"
