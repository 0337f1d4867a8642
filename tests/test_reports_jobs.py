"""Report PDFs not made yet are made by one background job (docs/reports.md, "When a report is not ready
yet"): two requests for the same missing file queue one job; the API answers 202 with the job's progress
and then the PDF; the page leads to "Preparing your report", which follows the job and leads to the
download; a failure is shown in plain words and can be tried again; the job makes the report for the
audience its reader was granted, or nothing; bad input is refused before anything is queued."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from browser_support import axe_violations, browser, session_context  # noqa: F401
from pmm.reports import global_rendering, rendering
from pmm.reports.models import ReportJob
from pmm.reports.preparing import REASONS, RETRY_FAILED_AFTER
from pmm.reports.tasks import make_report_pdf
from test_reports import pdf_text, texts_of, world  # noqa: F401 - the country report's world

pytestmark = pytest.mark.django_db
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def queue(settings, monkeypatch):
    """The database queue: jobs wait until `run_jobs()` runs them (as `pmm worker --batch` would), in
    the test's own database transaction (the worker's closing of old connections is switched off for
    the test, as Django's test client does around requests)."""
    from django_tasks_db.management.commands import db_worker

    settings.TASKS = QUEUE
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_jobs() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def jobs_queued() -> int:
    return DBTaskResult.objects.filter(task_path=make_report_pdf.module_path).count()


@pytest.fixture
def fake_layout(monkeypatch):
    """A quick stand-in for WeasyPrint that records the state of the job while it lays the report out."""
    seen: list[tuple[str, int]] = []

    def lay_out(html: str) -> bytes:
        job = ReportJob.objects.get()
        seen.append((job.state, job.progress))
        return b"%PDF-1.7 laid out " + str(len(html)).encode()

    monkeypatch.setattr(rendering, "pdf_of", lay_out)
    monkeypatch.setattr(global_rendering, "pdf_of", lay_out)
    return seen


def country_pdf(world, query: str = "") -> str:  # noqa: F811
    return f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf{query}"


def test_two_requests_for_a_missing_file_queue_one_job_and_then_get_the_pdf(
    world,  # noqa: F811
    client,
    queue,
    fake_layout,
):
    url = country_pdf(world, "?edition=public&lang=en")
    first, second = client.get(url), client.get(url)
    for answer in (first, second):
        assert answer.status_code == 202, answer.content
        body = answer.json()
        assert body["status"] == "queued" and body["progress"] == 0
        assert body["message"] == "Your report is waiting for its turn."
        assert answer["Retry-After"] == str(body["retry_after"]) and body["retry_after"] > 0
        assert body["location"] == country_pdf(world, "?edition=public&publication=1&lang=en")
    assert jobs_queued() == 1 and ReportJob.objects.count() == 1
    run_jobs()
    assert fake_layout == [("rendering", 60)]  # laying the pages out, after reading the figures
    job = ReportJob.objects.get()
    assert (job.state, job.progress, job.failure) == ("done", 100, "")
    ready = client.get(second.json()["location"])
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready.content.startswith(b"%PDF-1.7 laid out")
    assert ready["Content-Disposition"].endswith('-KEN-p1-public-en.pdf"')
    assert client.get(url).content == ready.content and jobs_queued() == 1  # from the cache, nothing queued


def test_a_file_the_cache_dropped_is_made_again_by_a_new_job(world, client, queue, fake_layout):  # noqa: F811
    from django.core.cache import cache

    url = country_pdf(world, "?edition=public")
    client.get(url)
    run_jobs()
    assert client.get(url).status_code == 200
    cache.delete(ReportJob.objects.get().file_key)
    again = client.get(url)
    assert again.status_code == 202 and again.json()["status"] == "queued"
    assert jobs_queued() == 2 and ReportJob.objects.count() == 1  # the same row, a new run
    run_jobs()
    assert client.get(url).status_code == 200 and len(fake_layout) == 2


def test_the_link_leads_to_a_page_that_follows_the_job_to_the_download(world, client, queue, page_problems):  # noqa: F811
    pdf = f"/cycles/{world.pk}/members/KEN/report.pdf?edition=public"
    answer = client.get(pdf)
    assert answer.status_code == 303
    page_url = answer["Location"]
    assert (
        page_url == f"/cycles/{world.pk}/members/KEN/report/preparing/?edition=public&publication=1&lang=en"
    )
    page = client.get(page_url)
    html = page.content.decode()
    assert page.status_code == 200 and page_problems(html) == []
    assert "<h1>Preparing your report</h1>" in html and "Kenya" in html
    assert re.search(r'role="status"[^>]*>Your report is waiting for its turn\.</p>', html)
    assert "<progress" in html and 'aria-labelledby="report-progress-label"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html  # reloads without JS
    assert "/static/reports/preparing.js" in html
    status_url = f"/cycles/{world.pk}/members/KEN/report/status/?edition=public&amp;publication=1&amp;lang=en"
    assert f'data-status-url="{status_url}"' in html
    status = client.get(status_url.replace("&amp;", "&"))
    assert status.json() == {
        "status": "queued",
        "progress": 0,
        "message": "Your report is waiting for its turn.",
        "retry_after": 3,
        "download": "",
    }
    assert jobs_queued() == 1  # the page and its status follow the job the link queued
    run_jobs()
    done = client.get(status_url.replace("&amp;", "&")).json()
    assert done["status"] == "ready" and done["progress"] == 100
    assert (
        done["download"] == f"/cycles/{world.pk}/members/KEN/report.pdf?edition=public&publication=1&lang=en"
    )
    ready = client.get(page_url).content.decode()
    assert "Your report is ready." in ready and "Download the report (PDF)" in ready
    assert (
        f'<noscript><meta http-equiv="refresh" content="0;url={done["download"].replace("&", "&amp;")}">'
        in ready
    )
    pdf_answer = client.get(done["download"])
    assert pdf_answer.status_code == 200 and texts_of(world)["public"] in pdf_text(pdf_answer.content)


def test_a_failure_is_shown_in_plain_words_and_can_be_tried_again(world, client, queue, monkeypatch):  # noqa: F811
    def broken(html: str) -> bytes:
        raise OSError("the fonts are missing")

    monkeypatch.setattr(rendering, "pdf_of", broken)
    url = country_pdf(world, "?edition=public")
    assert client.get(url).status_code == 202
    run_jobs()
    job = ReportJob.objects.get()
    assert (job.state, job.failure) == ("failed", "layout")
    task = DBTaskResult.objects.get(task_path=make_report_pdf.module_path)
    assert task.status == "FAILED" and "the fonts are missing" in task.traceback  # for the Secretariat
    failed = client.get(url)
    assert failed.status_code == 503
    error = failed.json()["error"]
    assert error["code"] == "report_failed" and error["message"] == str(REASONS["layout"])
    assert "fonts" not in error["message"]  # plain words, not the error itself
    assert 0 < int(failed["Retry-After"]) <= RETRY_FAILED_AFTER
    assert jobs_queued() == 1  # asked again within the pause: nothing queued

    page_url = f"/cycles/{world.pk}/members/KEN/report/preparing/?edition=public&publication=1&lang=en"
    page = client.get(page_url).content.decode()
    assert "could not be laid out as a PDF" in page and "Try again" in page
    assert "http-equiv" not in page  # a failed job is not asked about again and again
    assert client.get(page_url.replace("preparing", "status")).json()["status"] == "failed"

    monkeypatch.setattr(rendering, "pdf_of", lambda html: b"%PDF-1.7 second try")
    again = client.post(page_url)
    assert again.status_code == 303 and again["Location"] == page_url
    assert jobs_queued() == 2 and ReportJob.objects.get().state == "queued"
    run_jobs()
    assert client.get(url).content == b"%PDF-1.7 second try"


def test_a_failure_older_than_the_pause_is_tried_again_when_asked(world, client, queue, monkeypatch):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    url = country_pdf(world, "?edition=public")
    client.get(url)
    ReportJob.objects.update(
        state="failed",
        failure="layout",
        updated_at=timezone.now() - timedelta(seconds=RETRY_FAILED_AFTER + 1),
    )
    assert client.get(url).status_code == 202 and jobs_queued() == 2


def test_a_job_the_queue_gave_up_on_shows_as_stopped(world, client, queue):  # noqa: F811
    url = country_pdf(world, "?edition=public")
    client.get(url)
    # its worker kept vanishing: the lease marked it failed without running it (pmm/jobs/leases.py)
    DBTaskResult.objects.update(status="FAILED")
    answer = client.get(url)
    assert answer.status_code == 503 and answer.json()["error"]["message"] == str(REASONS["stopped"])
    assert ReportJob.objects.get().failure == "stopped"


def test_the_job_makes_the_report_for_the_audience_the_reader_was_granted(
    world,  # noqa: F811
    client,
    queue,
    make_user,
    bearer,
):
    ncp = make_user("ncp", "KEN")
    own = bearer(ncp)
    other = bearer(make_user("ncp", "FRA"))
    url = country_pdf(world, "?edition=full")
    assert client.get(url, headers=own).status_code == 202
    assert client.get(country_pdf(world, "?edition=wco"), headers=other).status_code == 202
    # KEN's own people asking for the WCO edition get a file of their own: its group statistics are
    # those released to both the WCO audience and theirs (`aggregates_for(..., reader=)`): FRA's may differ.
    assert client.get(country_pdf(world, "?edition=wco"), headers=own).status_code == 202
    assert client.get(country_pdf(world, "?edition=wco"), headers=own).status_code == 202  # the same job
    assert ReportJob.objects.count() == 3 and jobs_queued() == 3  # one file per edition and reader's audience
    full = ReportJob.objects.get(edition="full")
    assert full.requested_by == ncp and full.audience != ReportJob.objects.filter(edition="wco")[0].audience
    run_jobs()
    texts = texts_of(world)
    own_text = pdf_text(client.get(url, headers=own).content)
    assert all(text in own_text for text in texts.values())  # KEN's own people: every level
    wco_text = pdf_text(client.get(country_pdf(world, "?edition=wco"), headers=other).content)
    assert texts["wco"] in wco_text and texts["country"] not in wco_text


def test_a_job_whose_reader_lost_the_edition_makes_nothing(
    world,  # noqa: F811
    client,
    queue,
    make_user,
    bearer,
    fake_layout,
):
    ncp = make_user("ncp", "KEN")
    answer = client.get(country_pdf(world, "?edition=full"), headers=bearer(ncp))
    assert answer.status_code == 202
    ncp.is_active = False  # the account is closed before the job runs
    ncp.save(update_fields=["is_active"])
    run_jobs()
    job = ReportJob.objects.get()
    assert (job.state, job.failure) == ("failed", "access") and fake_layout == []
    assert rendering.cached_file(job.file_key) is None


def test_a_job_built_for_another_audience_than_recorded_makes_nothing(world, client, queue, fake_layout):  # noqa: F811
    client.get(country_pdf(world, "?edition=public"))
    ReportJob.objects.update(audience="wco|u:|c:")  # the audience the reader was granted is not the public
    run_jobs()
    job = ReportJob.objects.get()
    assert (job.state, job.failure) == ("failed", "access") and fake_layout == []


@pytest.mark.parametrize(
    ("path", "query", "status", "field"),
    [
        ("members/KEN/report.pdf", "?lang=de", 400, "lang"),
        ("members/KEN/report.pdf", "?edition=secret", 400, "edition"),
        ("members/KEN/report.pdf", "?publication=9", 404, ""),
        ("members/ZZZ/report.pdf", "", 404, ""),
        ("members/KEN/report.pdf", "?edition=wco", 401, ""),
        ("report.pdf", "?lang=de", 400, "lang"),
        ("report.pdf", "?edition=full", 401, ""),
        ("report.pdf", "?publication=9", 404, "publication"),
    ],
)
def test_bad_input_is_refused_before_anything_is_queued(world, client, queue, path, query, status, field):  # noqa: F811
    for url in (
        f"/api/v1/cycles/{world.pk}/{path}{query}",
        f"/cycles/{world.pk}/{path.replace('.pdf', '/status/')}{query}",
    ):
        answer = client.get(url)
        assert answer.status_code == status, (url, answer.content)
        error = answer.json()["error"]
        assert set(error) == {"code", "message", "fields"} and error["message"]
        if field:
            assert field in [f["field"] for f in error["fields"]]
    assert jobs_queued() == 0 and not ReportJob.objects.exists()


def test_the_global_report_is_made_in_the_background_too(world, client, queue, fake_layout):  # noqa: F811
    url = f"/api/v1/cycles/{world.pk}/report.pdf?edition=public&lang=fr"
    first = client.get(url)
    assert first.status_code == 202
    assert (
        first.json()["location"]
        == f"/api/v1/cycles/{world.pk}/report.pdf?edition=public&publication=1&lang=fr"
    )
    page = client.get(f"/cycles/{world.pk}/report.pdf?edition=public&lang=fr")
    assert page["Location"] == f"/cycles/{world.pk}/report/preparing/?edition=public&publication=1&lang=fr"
    assert client.get(page["Location"]).status_code == 200
    assert jobs_queued() == 1 and ReportJob.objects.get().kind == "global"
    run_jobs()
    assert fake_layout == [("rendering", 60)]
    done = client.get(first.json()["location"])
    assert done.status_code == 200 and done["Content-Disposition"].endswith('-global-p1-public-fr.pdf"')


def test_an_immediate_queue_answers_the_pdf_at_once(world, client, fake_layout):  # noqa: F811
    """The tests' own queue runs each job as it is queued: the file is made by then, and answered."""
    answer = client.get(country_pdf(world, "?edition=public"))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-1.7 laid out")
    assert ReportJob.objects.get().state == "done"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_page_follows_the_job_and_downloads_the_report(
    browser,  # noqa: F811
    live_server,
    reference_data,  # transactional tests before this one emptied the database
    world,  # noqa: F811
    queue,
):
    context = session_context(browser, live_server, None, "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/cycles/{world.pk}/members/KEN/report.pdf?edition=public")
    assert "/report/preparing/" in page.url
    status = page.get_by_role("status")
    assert status.inner_text() == "Your report is waiting for its turn."
    assert axe_violations(page) == []
    with page.expect_download(timeout=30_000) as download:
        run_jobs()  # the page asks the status every few seconds, then opens the download
    assert download.value.suggested_filename.endswith("-KEN-p1-public-en.pdf")
    assert status.inner_text() == "Your report is ready."
    assert page.get_by_role("link", name="Download the report (PDF)").is_visible()
    context.close()
