"""Peer review, the review itself: queries in rounds with due dates, the member's answers, evidence
and corrections (through the assessment's services), verdicts, sign-off and the certificate; each
illegal move is a clear error that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from typer.testing import CliRunner

from conftest import accredited_reviewer
from pmm.assessments.models import Change, DataValue
from pmm.assessments.services.common import ValueInput
from pmm.audit.models import AuditEvent
from pmm.cli import app
from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.cycles.selectors import cycle_spec
from pmm.notifications.models import Notification
from pmm.reviews.models import QueryStatus, ReviewQuery, ReviewRound, ReviewStatus
from pmm.reviews.notices import due_reminders
from pmm.reviews.selectors import review_certificate, review_queries, review_query_get
from pmm.reviews.services import (
    query_answer,
    query_attach,
    query_close,
    query_correct,
    query_raise,
    query_reopen,
    review_move,
    verdict_set,
)

pytestmark = pytest.mark.django_db
KPI = "D1.O1.K1"  # pct(DECL_ELECTRONIC, DECL_TOTAL)


def _due(days=14):
    return timezone.localdate() + timedelta(days=days)


def _sent(s, text="Why is the share so low?", **where):
    query = query_raise(actor=s.lead, review=s.review, text=text, **({"kpi": KPI} | where))
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_due())
    query.refresh_from_db()
    return query


def _value(assessment, element, period="T"):
    return (
        DataValue.objects.unrestricted()
        .get(assessment=assessment, element__code=element, period=period)
        .value
    )


def test_a_query_is_prepared_by_the_reviewers_then_sent_to_the_member_with_a_due_date(started):
    s = started
    query = query_raise(actor=s.second, review=s.review, kpi=KPI, text="Check the total")
    assert (query.status, query.round) == (QueryStatus.OPEN, None)
    with pytest.raises(NotFound):
        review_query_get(s.ncp, s.review, query.number)  # not sent yet: the member does not see it
    assert review_queries(s.ncp, s.review) == []
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_due())
    assert s.fresh().status == ReviewStatus.MEMBER_RESPONDING
    thread = review_queries(s.ncp, s.review)[0]
    assert thread.query.round.number == 1 and thread.messages[0].text == "Check the total"
    assert Notification.objects.unrestricted().filter(user=s.ncp, kind="review.round_sent").count() == 1


def test_the_member_corrects_a_value_through_the_assessment_services_with_before_and_after(started):
    s = started
    query = _sent(s, element="DECL_ELECTRONIC", period="T")
    before = _value(s.assessment, "DECL_ELECTRONIC")
    total = _value(s.assessment, "DECL_TOTAL")
    corrected = min(total, before + 1) if before < total else before - 1
    message = query_correct(
        actor=s.ncp,
        query=query,
        items=[ValueInput("DECL_ELECTRONIC", "T", corrected)],
        text="We had left out one office.",
    )
    assert message.changes == [
        {
            "element": "DECL_ELECTRONIC",
            "period": "T",
            "before": {"value": before, "state": "reported", "reason": ""},
            "after": {"value": corrected, "state": "reported", "reason": ""},
        }
    ]
    assert _value(s.assessment, "DECL_ELECTRONIC") == corrected
    change = (
        Change.objects.unrestricted().filter(assessment=s.assessment, subject="DECL_ELECTRONIC@T").first()
    )
    assert (change.old, change.new) == (before, corrected)
    assert change.reason.startswith(f"Peer review query {query.number}")
    assert (
        AuditEvent.objects.unrestricted()
        .filter(verb="assessment.values_saved", reason=change.reason)
        .exists()
    )
    assert AuditEvent.objects.unrestricted().filter(verb="review.query_corrected").exists()
    query.refresh_from_db()
    assert query.status == QueryStatus.ANSWERED
    s.assessment.refresh_from_db()
    assert s.assessment.status == "submitted"


def test_an_invalid_correction_is_refused_and_nothing_changes(started):
    s = started
    query = _sent(s, element="DECL_ELECTRONIC", period="T")
    before = _value(s.assessment, "DECL_ELECTRONIC")
    version = s.assessment.version
    with pytest.raises(ApplicationError) as invalid:
        query_correct(actor=s.ncp, query=query, items=[ValueInput("DECL_ELECTRONIC", "T", -5)])
    assert invalid.value.problems and invalid.value.problems[0].field.startswith("values[0]")
    with pytest.raises(ApplicationError) as outside:
        query_correct(actor=s.ncp, query=query, items=[ValueInput("DECL_TOTAL", "T", 10)])
    assert "not part of query" in outside.value.problems[0].message
    total = _value(s.assessment, "DECL_TOTAL")
    with pytest.raises(ApplicationError) as broken:  # more electronic declarations than declarations
        query_correct(actor=s.ncp, query=query, items=[ValueInput("DECL_ELECTRONIC", "T", total * 10 + 10)])
    assert broken.value.code == "invalid_values"
    s.assessment.refresh_from_db()
    assert _value(s.assessment, "DECL_ELECTRONIC") == before and s.assessment.version == version
    query.refresh_from_db()
    assert query.status == QueryStatus.OPEN and query.messages.unrestricted().count() == 1


def test_the_member_answers_attaches_evidence_hands_back_and_the_reviewer_closes_or_reopens(started):
    s = started
    first = query_raise(actor=s.lead, review=s.review, kpi=KPI, text="Source of the total?")
    second = _sent(s, text="Is the system national?", kpi="D1.O1.K2")
    with pytest.raises(ApplicationError) as too_early:
        review_move(actor=s.ncp, review=s.review, action="hand_back")
    assert too_early.value.code == "illegal_transition" and len(too_early.value.problems) == 2
    query_answer(
        actor=s.ncp, query=review_query_get(s.ncp, s.review, first.number), text="The national system"
    )
    pdf = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    message = query_attach(actor=s.ncp, query=second, uploaded_file=pdf, text="The decree")
    assert message.evidence.kpi.code == "D1.O1.K2"
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    assert s.fresh().status == ReviewStatus.IN_REVIEW
    round_ = ReviewRound.objects.get(review=s.review)
    assert round_.returned_at is not None and round_.on_time
    assert Notification.objects.unrestricted().filter(user=s.lead, kind="review.query_answered").exists()
    query_close(actor=s.second, query=first)
    reopened = query_reopen(actor=s.lead, query=second, text="The decree is not signed.")
    assert reopened.status == QueryStatus.OPEN and reopened.round.number == 1  # goes with the next round
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_due())
    reopened.refresh_from_db()
    assert reopened.round.number == 2


def test_answering_a_closed_query_is_refused(started):
    s = started
    query = _sent(s)
    query_answer(actor=s.ncp, query=query, text="Here")
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    query_close(actor=s.lead, query=query)
    with pytest.raises(ApplicationError) as closed:
        query_answer(actor=s.ncp, query=query, text="More")
    assert closed.value.code == "illegal_transition"
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.messages.unrestricted().count() == 3


def test_a_closed_query_cannot_be_answered_even_while_the_member_is_responding(started):
    s = started
    first = query_raise(actor=s.lead, review=s.review, kpi=KPI, text="One")
    query_raise(actor=s.lead, review=s.review, kpi=KPI, text="Two")
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_due())
    query_close(actor=s.lead, query=first, text="Found it myself")
    with pytest.raises(ApplicationError) as closed:
        query_answer(actor=s.ncp, query=first, text="Late answer")
    assert "closed" in closed.value.message
    first.refresh_from_db()
    assert first.status == QueryStatus.CLOSED


def test_only_the_lead_sends_rounds_and_signs_off_and_only_reviewers_raise(started):
    s = started
    query_raise(actor=s.second, review=s.review, kpi=KPI, text="Q")
    with pytest.raises(ApplicationError) as not_lead:
        review_move(actor=s.second, review=s.review, action="send_round", due_date=_due())
    assert not_lead.value.code == "forbidden"
    with pytest.raises(PermissionDenied):
        query_raise(actor=s.ncp, review=s.review, kpi=KPI, text="Q")
    with pytest.raises(ApplicationError) as past:
        review_move(actor=s.lead, review=s.review, action="send_round", due_date=timezone.localdate())
    assert past.value.problems[0].field == "due_date"
    assert s.fresh().status == ReviewStatus.IN_REVIEW and not s.review.rounds.exists()


def test_sign_off_needs_every_query_closed_and_every_kpi_judged(started):
    s = started
    query = _sent(s)
    query_answer(actor=s.ncp, query=query, text="Answer")
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    kpis = list(cycle_spec(s.assessment.cycle).kpis)
    with pytest.raises(ApplicationError) as refused:
        review_move(actor=s.lead, review=s.review, action="sign_off")
    fields = {p.field for p in refused.value.problems}
    assert f"queries[{query.number}]" in fields and f"verdicts[{kpis[0]}]" in fields
    assert len(fields) == 1 + len(kpis)
    assert s.fresh().status == ReviewStatus.IN_REVIEW and s.review.certificate is None
    query_close(actor=s.lead, query=query)
    for code in kpis:
        verdict_set(actor=s.second, review=s.review, kpi=code, verdict="confirmed")
    with pytest.raises(ApplicationError) as no_reason:
        verdict_set(actor=s.lead, review=s.review, kpi=kpis[0], verdict="not_validated")
    assert no_reason.value.problems[0].field == "reason"
    verdict_set(actor=s.lead, review=s.review, kpi=kpis[0], verdict="not_validated", reason="No source")
    review_move(actor=s.lead, review=s.review, action="sign_off")
    review = s.fresh()
    assert review.status == ReviewStatus.SIGNED_OFF and review.signed_off_by == s.lead
    certificate = review_certificate(review)
    assert certificate.level in ("certified", "certified_with_reservations")
    assert certificate.facts.kpis_not_validated == 1 and certificate.facts.rounds_returned_on_time == 1
    assert Notification.objects.unrestricted().filter(user=s.ncp, kind="review.signed_off").exists()
    with pytest.raises(ApplicationError):
        verdict_set(actor=s.lead, review=s.review, kpi=kpis[0], verdict="confirmed")


def test_a_reviewer_not_assigned_cannot_find_the_queries(started, make_user, client):
    s = started
    _sent(s)
    outsider = accredited_reviewer(make_user, "FRA")
    with pytest.raises(PermissionDenied):
        query_raise(actor=outsider, review=s.review, kpi=KPI, text="Let me in")
    client.force_login(outsider)
    url = f"/api/v1/cycles/{s.assessment.cycle_id}/assessments/KEN/review/queries"
    assert client.get(url).status_code == 404


def test_due_date_reminders_go_out_once(started):
    s = started
    _sent(s)
    ReviewRound.objects.update(due_date=timezone.localdate() + timedelta(days=1))
    assert due_reminders() == 1
    assert due_reminders() == 1
    assert Notification.objects.unrestricted().filter(user=s.ncp, kind="review.due_soon").count() == 1
    ReviewRound.objects.update(due_date=timezone.localdate() - timedelta(days=1))
    due_reminders()
    assert Notification.objects.unrestricted().filter(user=s.lead, kind="review.overdue").count() == 1
    assert Notification.objects.unrestricted().filter(user=s.ncp, kind="review.overdue").count() == 1


def test_the_api_carries_the_whole_review(started, client, bearer):
    s = started
    base = f"/api/v1/cycles/{s.assessment.cycle_id}/assessments/KEN/review"
    lead, ncp = bearer(s.lead), bearer(s.ncp)
    raised = client.post(
        base + "/queries",
        {"kpi": KPI, "element": "DECL_TOTAL", "period": "T", "text": "Total?"},
        content_type="application/json",
        headers=lead,
    )
    assert raised.status_code == 201, raised.content
    number = raised.json()["number"]
    assert client.get(base + "/queries", headers=ncp).json() == []
    moved = client.post(
        base + "/moves",
        {"action": "send_round", "due_date": _due().isoformat()},
        content_type="application/json",
        headers=lead,
    )
    assert moved.status_code == 200 and moved.json()["rounds"][0]["number"] == 1
    total = _value(s.assessment, "DECL_TOTAL")
    corrected = client.post(
        f"{base}/queries/{number}/corrections",
        {"values": [{"element": "DECL_TOTAL", "period": "T", "value": total + 10}], "text": "Fixed"},
        content_type="application/json",
        headers=ncp,
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["messages"][-1]["changes"][0]["after"]["value"] == total + 10
    assert (
        client.post(
            base + "/moves", {"action": "hand_back"}, content_type="application/json", headers=ncp
        ).status_code
        == 200
    )
    closed = client.post(f"{base}/queries/{number}/close", {}, content_type="application/json", headers=lead)
    assert closed.json()["status"] == "closed"
    again = client.post(
        f"{base}/queries/{number}/answer", {"text": "x"}, content_type="application/json", headers=ncp
    )
    assert again.status_code == 409
    unknown = client.post(
        f"{base}/queries/{number}/explode", {"text": "x"}, content_type="application/json", headers=lead
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"][0]["field"] == "step"
    for code in cycle_spec(s.assessment.cycle).kpis:
        put = client.put(
            f"{base}/verdicts/{code}", {"verdict": "confirmed"}, content_type="application/json", headers=lead
        )
        assert put.status_code == 200
    assert (
        client.post(
            base + "/moves", {"action": "sign_off"}, content_type="application/json", headers=lead
        ).status_code
        == 200
    )
    certificate = client.get(base + "/certificate", headers=ncp).json()
    assert {c["code"] for c in certificate["criteria"]} == {
        "queries_closed",
        "verdict_coverage",
        "evidence_coverage",
        "rounds_on_time",
    }


def test_the_command_line_carries_the_review(started):
    s = started
    runner = CliRunner()
    common = ["--cycle", str(s.assessment.cycle_id), "--member", "KEN"]
    raised = runner.invoke(
        app, ["review", "query", "raise", *common, "--kpi", KPI, "--text", "Why?", "--as", s.lead.username]
    )
    assert raised.exit_code == 0, raised.output
    sent = runner.invoke(
        app,
        [
            "review",
            "move",
            *common,
            "--action",
            "send_round",
            "--due-date",
            _due().isoformat(),
            "--as",
            s.lead.username,
        ],
    )
    assert sent.exit_code == 0, sent.output
    answered = runner.invoke(
        app,
        ["review", "query", "answer", *common, "--number", "1", "--text", "Because", "--as", s.ncp.username],
    )
    assert "answered" in answered.output
    bad_date = runner.invoke(app, ["review", "move", *common, "--action", "send_round", "--due-date", "soon"])
    assert bad_date.exit_code == 1 and "--due-date" in bad_date.output
    listed = runner.invoke(app, ["review", "queries", *common])
    assert "D1.O1.K1" in listed.output and "answered" in listed.output
    verdict = runner.invoke(app, ["review", "verdict", *common, "--kpi", KPI, "--verdict", "confirmed"])
    assert verdict.exit_code == 0, verdict.output
    certificate = runner.invoke(app, ["review", "certificate", *common])
    assert "not_certified" in certificate.output and "verdict_coverage: 1 of" in certificate.output
    assert ReviewQuery.objects.unrestricted().get().status == QueryStatus.ANSWERED


def test_the_certificate_facts_are_read_from_the_review(started):
    from pmm.reviews.selectors import certificate_facts

    s = started
    query = _sent(s, element="DECL_TOTAL", period="T")
    pdf = SimpleUploadedFile("total.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    query_attach(actor=s.ncp, query=query, uploaded_file=pdf)  # on the value DECL_TOTAL@T
    ReviewRound.objects.update(due_date=timezone.localdate() - timedelta(days=1))  # handed back late
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    facts = certificate_facts(s.fresh())
    spec = cycle_spec(s.assessment.cycle)
    using_total = [code for code in spec.kpis if "DECL_TOTAL" in spec.kpis[code].elements]
    declined = s.assessment.kpi_responses.unrestricted().filter(applicable=False).count()
    assert facts.kpis == len(spec.kpis) and facts.kpis_reported == len(spec.kpis) - declined
    assert facts.kpis_reported_with_evidence >= len(using_total) > 0
    assert (facts.queries, facts.queries_closed, facts.rounds, facts.rounds_returned_on_time) == (1, 0, 1, 0)


def test_a_publication_after_sign_off_marks_the_peer_reviewed_figures(started):
    from pmm.results.models import PublishedResult
    from pmm.results.services import publication_create

    s = started
    kpis = list(cycle_spec(s.assessment.cycle).kpis)
    for code in kpis:
        verdict_set(actor=s.lead, review=s.review, kpi=code, verdict="confirmed")
    verdict_set(actor=s.lead, review=s.review, kpi=KPI, verdict="not_validated", reason="No source")
    first = publication_create(actor=s.admin, cycle=s.assessment.cycle)
    assert (
        not PublishedResult.objects.unrestricted().filter(publication=first, reviewed=True).exists()
    )  # not signed off
    review_move(actor=s.lead, review=s.review, action="sign_off")
    second = publication_create(actor=s.admin, cycle=s.assessment.cycle)
    reviewed = set(
        PublishedResult.objects.unrestricted()
        .filter(publication=second, reviewed=True)
        .values_list("kpi", flat=True)
    )
    assert KPI not in reviewed and reviewed and reviewed <= set(kpis)
    assert any(entry.get("fields", {}).get("reviewed") == [False, True] for entry in second.change_log)


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_one_daily_reminders_job_queued(reference_data, settings):
    """The database queue: starting the worker queues the job once; each run sends the reminders and
    queues the next one for the following morning (not run by a batch worker today)."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from pmm.reviews.tasks import review_reminders, schedule_reminders

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert schedule_reminders() is True
    assert schedule_reminders() is False  # one is waiting already
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    jobs = DBTaskResult.objects.filter(task_path=review_reminders.module_path)
    assert list(jobs.order_by("enqueued_at").values_list("status", flat=True)) == ["SUCCESSFUL", "READY"]
    waiting = jobs.get(status="READY")
    assert waiting.run_after > timezone.now() and timezone.localtime(waiting.run_after).hour == 6
