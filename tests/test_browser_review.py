"""Real-browser journey of a peer review: the lead reviewer raises a query and sends it, the NCP
corrects the value, hands the answers back, the reviewer closes the query and signs off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pmm.accounts.models import User
from pmm.assessments.models import DataValue
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.reviews.models import QueryStatus, Review, ReviewQuery, ReviewStatus
from pmm.reviews.services import review_assign, review_move, review_request, reviewer_save, verdict_set
from test_browser_journeys import browser, sign_in  # noqa: F401 - the fixture, shared

PASSWORD = "correct-horse-battery-staple"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KPI = "D1.O1.K1"


def test_reviewer_queries_ncp_corrects_reviewer_closes_and_signs_off(
    browser,  # noqa: F811
    live_server,
    reference_data,
    make_user,
    open_cycle,
    submitted_assessment,
):
    assessment = submitted_assessment(open_cycle, "KEN")
    ncp = make_user(Role.NCP, "KEN")
    lead = make_user(Role.PEER_REVIEWER, "CAN")
    reviewer_save(actor=SYSTEM, user=lead, accreditation="accredited")
    review = review_request(actor=ncp, assessment=assessment)
    review_move(actor=SYSTEM, review=review, action="accept")
    review_assign(
        actor=SYSTEM, review=review, reviewer=User.objects.get(pk=lead.pk), lead=True, accept_warnings=True
    )
    review_move(actor=SYSTEM, review=review, action="start")
    url = f"{live_server.url}/cycles/{open_cycle.pk}/assessments/KEN/review/"

    # The lead reviewer raises a query on one value and sends it with a due date.
    reviewer_side = browser.new_context()
    page = reviewer_side.new_page()
    sign_in(page, live_server, lead.username, PASSWORD)
    page.goto(url)
    page.select_option("#id_raise-kpi", KPI)
    page.select_option("#id_raise-element", "DECL_ELECTRONIC")
    page.select_option("#id_raise-period", "T")
    page.fill("#id_raise-text", "Electronic declarations look low: please check.")
    page.click("text=Raise the query")
    page.wait_for_selector("text=goes to the member with the next round")
    page.fill("#id_round-due_date", (timezone.localdate() + timedelta(days=7)).isoformat())
    page.click("text=Send the new queries to the member")
    page.wait_for_selector("text=The queries were sent to the member.")

    # The NCP corrects the value from the query and hands the answers back.
    member_side = browser.new_context()
    ncp_page = member_side.new_page()
    sign_in(ncp_page, live_server, ncp.username, PASSWORD)
    ncp_page.goto(url)
    ncp_page.wait_for_selector("text=Electronic declarations look low")
    before = (
        DataValue.objects.unrestricted()
        .get(assessment=assessment, element__code="DECL_ELECTRONIC", period="T")
        .value
    )
    corrected = before - 1 if before > 0 else 1
    ncp_page.click("summary:has-text('Correct a value')")
    ncp_page.fill("#id_correct-1-value", str(corrected))
    ncp_page.fill("#id_correct-1-text", "One office was counted twice.")
    ncp_page.click("text=Correct the value >> nth=-1")
    ncp_page.wait_for_selector("text=the reviewers see it before and after")
    assert "→" in ncp_page.inner_text("#query-1")
    ncp_page.click("text=Hand the answers back to the reviewers >> nth=-1")
    ncp_page.wait_for_selector("text=Your answers were handed back to the reviewers.")

    # The reviewer closes the query, gives the last verdict on the page and signs off.
    page.goto(url)
    page.fill("#id_close-1-text", "Thank you.")
    page.click("text=Close the query")
    page.wait_for_selector("text=The query was closed.")
    for code in cycle_spec(open_cycle).kpis:
        if code != KPI:
            verdict_set(actor=lead, review=review, kpi=code, verdict="confirmed")
    page.goto(url)
    page.select_option(f"[id='id_verdicts-v_{KPI}']", "adjusted")
    page.click("text=Save the verdicts")
    page.wait_for_selector("text=1 verdict(s) saved.")
    page.click("button:has-text('Sign off the review')")
    page.wait_for_selector("text=The review was signed off.")
    assert page.locator(".review-certificate .badge").first.inner_text().startswith("Certified")

    review = Review.objects.get()
    assert review.status == ReviewStatus.SIGNED_OFF
    assert ReviewQuery.objects.unrestricted().get().status == QueryStatus.CLOSED
    assert (
        DataValue.objects.unrestricted()
        .get(assessment=assessment, element__code="DECL_ELECTRONIC", period="T")
        .value
        == corrected
    )
    reviewer_side.close()
    member_side.close()
