"""The review's page during the review: the reviewer raises a query and sends the round, the member
answers and corrects a value, hands back; the reviewer closes, gives verdicts and signs off. Plus
refusals shown in plain words, French, structure and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pmm.accounts.models import User
from pmm.assessments.models import DataValue
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.reviews.models import QueryStatus, Review, ReviewQuery, ReviewStatus
from pmm.reviews.services import query_raise, review_assign, review_move, review_request, reviewer_save

pytestmark = pytest.mark.django_db
KPI = "D1.O1.K1"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def under_review(open_cycle, submitted_assessment, make_user):
    assessment = submitted_assessment(open_cycle, "KEN")
    ncp, admin = make_user(Role.NCP, "KEN"), make_user(Role.SECRETARIAT_ADMIN)
    review = review_request(actor=ncp, assessment=assessment)
    review_move(actor=admin, review=review, action="accept")
    lead = make_user(Role.PEER_REVIEWER, "CAN")
    reviewer_save(actor=SYSTEM, user=lead, accreditation="accredited")
    review_assign(
        actor=admin, review=review, reviewer=User.objects.get(pk=lead.pk), lead=True, accept_warnings=True
    )
    review_move(actor=admin, review=review, action="start")
    url = f"/cycles/{open_cycle.pk}/assessments/KEN/review/"
    return {"assessment": assessment, "review": review, "ncp": ncp, "lead": lead, "admin": admin, "url": url}


def _as(client, user):
    client.logout()
    client.force_login(user)
    return client


def test_the_whole_review_through_the_pages(client, under_review, page_problems):
    s, url = under_review, under_review["url"]
    _as(client, s["lead"])
    page = client.get(url)
    assert page.status_code == 200 and not page_problems(page.content.decode())
    assert "Raise a query" in _text(page) and "Not certified yet" in _text(page)
    raised = client.post(
        url + "queries/",
        {"raise-kpi": KPI, "raise-element": "DECL_ELECTRONIC", "raise-period": "T", "raise-text": "Too low?"},
        follow=True,
    )
    assert "goes to the member with the next round" in _text(raised)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    sent = client.post(url + "moves/send_round/", {"round-due_date": due}, follow=True)
    assert "sent to the member" in _text(sent)
    query = ReviewQuery.objects.unrestricted().get()

    _as(client, s["ncp"])
    member_page = client.get(url)
    assert "Too low?" in _text(member_page) and "Correct the value" in _text(member_page)
    assert not page_problems(member_page.content.decode())
    before = (
        DataValue.objects.unrestricted()
        .get(assessment=s["assessment"], element__code="DECL_ELECTRONIC", period="T")
        .value
    )
    total = (
        DataValue.objects.unrestricted()
        .get(assessment=s["assessment"], element__code="DECL_TOTAL", period="T")
        .value
    )
    new = before - 1 if before > 0 else min(total, 1)
    corrected = client.post(
        url + f"queries/{query.number}/correct/",
        {
            "correct-1-element": "DECL_ELECTRONIC",
            "correct-1-period": "T",
            "correct-1-value": str(new),
            "correct-1-text": "Typo",
        },
        follow=True,
    )
    assert "before and after" in _text(corrected), _text(corrected)[-2000:]
    assert f"{before} → {new}" in _text(corrected)
    handed = client.post(url + "moves/hand_back/", follow=True)
    assert "handed back" in _text(handed)

    _as(client, s["lead"])
    closed = client.post(url + f"queries/{query.number}/close/", {"close-1-text": "Thanks"}, follow=True)
    assert "The query was closed." in _text(closed)
    data = {f"verdicts-v_{code}": "confirmed" for code in cycle_spec(s["assessment"].cycle).kpis}
    data[f"verdicts-v_{KPI}"] = "adjusted"
    saved = client.post(url + "verdicts/", data, follow=True)
    assert "verdict(s) saved" in _text(saved)
    signed = client.post(url + "moves/sign_off/", follow=True)
    assert "The review was signed off." in _text(signed)
    review = Review.objects.get()
    assert review.status == ReviewStatus.SIGNED_OFF and review.certificate["level"] in (
        "certified",
        "certified_with_reservations",
    )
    assert ReviewQuery.objects.unrestricted().get().status == QueryStatus.CLOSED
    _as(client, s["ncp"])
    results = client.get(f"/cycles/{s['assessment'].cycle_id}/results/?member=KEN")
    assert "Signed off on" in _text(results) and "Certified" in _text(results)


def test_a_refusal_is_shown_in_plain_words_and_changes_nothing(client, under_review):
    s, url = under_review, under_review["url"]
    query_raise(actor=s["lead"], review=s["review"], kpi=KPI, text="Open one")
    _as(client, s["lead"])
    refused = client.post(url + "moves/sign_off/", follow=True)
    assert "every query is closed and every KPI has a verdict" in _text(refused)
    assert "queries[1]: not closed" in _text(refused)
    past = client.post(
        url + "moves/send_round/", {"round-due_date": timezone.localdate().isoformat()}, follow=True
    )
    assert "Choose a date after today." in _text(past)
    assert Review.objects.get().status == ReviewStatus.IN_REVIEW


def test_the_member_does_not_see_queries_before_they_are_sent(client, under_review):
    s, url = under_review, under_review["url"]
    query_raise(actor=s["lead"], review=s["review"], kpi=KPI, text="Secret draft")
    _as(client, s["ncp"])
    assert "Secret draft" not in _text(client.get(url))
    assert client.post(url + "queries/1/answer/", {"answer-1-text": "x"}).status_code == 404


def test_the_page_speaks_french(client, under_review):
    s = under_review
    _as(client, s["lead"])
    page = client.get(s["url"], HTTP_ACCEPT_LANGUAGE="fr")
    assert "Poser une question" in _text(page) or "Certificat" in _text(page)


def test_the_page_keeps_a_constant_query_count(client, under_review):
    s, url = under_review, under_review["url"]
    _as(client, s["lead"])
    query_raise(actor=s["lead"], review=s["review"], kpi=KPI, text="One")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        query_raise(actor=s["lead"], review=s["review"], kpi="D1.O1.K2", element="", text=f"More {n}")
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(six) == len(one)
