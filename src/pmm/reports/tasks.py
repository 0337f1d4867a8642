"""The background job that makes a report's PDF and keeps it in the cache (docs/reports.md, "When a
report is not ready yet"). The row it is given (`ReportJob`) says which report, for whom and in what
language; the job builds it again as its reader: the reader's user and edition go through the same
checks as the request (`asked`, `editions`), and the report must come out for the audience the reader
was granted, or nothing is made. A publication never changes, so the file made is the one the request
would have made."""

from __future__ import annotations

from django_tasks import task


@task()
def make_report_pdf(job_id: int) -> str:
    from pmm.reports.making import make_job_file

    return make_job_file(job_id)
