"""The home page's "Next actions": each role finds its work there with its due date, soonest first,
each a working link; a fixed number of queries per role whatever the amount of work."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from conftest import accredited_reviewer
from pmm.authz.roles import Role
from pmm.members.models import Member
from pmm.results.services import publication_create
from pmm.reviews.models import ReviewQuery
from pmm.reviews.services import query_answer, query_raise, query_reopen, review_move, review_request
from pmm.web.next_actions import NextAction, _soonest_first

pytestmark = pytest.mark.django_db
KPI = "D1.O1.K1"


def words(response) -> str:
    assert response.status_code == 200
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def section(client) -> str:
    """The HTML of the home page's "Next actions" section."""
    html = client.get("/").content.decode()
    start = html.index('id="next-actions"')
    end = html.find("<h2", start)
    return html[start : end if end > 0 else len(html)]


def action_links(client) -> list[str]:
    return re.findall(r'<h3><a href="([^"]+)"', section(client))


def day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def links_work(client) -> None:
    links = action_links(client)
    assert links
    for link in links:
        assert client.get(link.split("#")[0]).status_code == 200, link


def send_round(s, days: int = 14, count: int = 1) -> date:
    for n in range(count):
        query_raise(actor=s.lead, review=s.review, kpi=KPI, text=f"Question {n}?")
    due = timezone.localdate() + timedelta(days=days)
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=due)
    return due


# --- the order ------------------------------------------------------------------------------------


def test_deadlines_come_first_the_nearest_first_then_the_newest_work():
    today = date(2026, 1, 10)
    actions = [
        NextAction("old", "", "/a", since=today - timedelta(days=9)),
        NextAction("late", "", "/b", due=today + timedelta(days=30)),
        NextAction("new", "", "/c", since=today),
        NextAction("soon", "", "/d", due=today + timedelta(days=2)),
    ]
    assert [a.title for a in _soonest_first(actions)] == ["soon", "late", "new", "old"]


# --- NCPs and contributors ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.NCP, Role.CONTRIBUTOR])
def test_a_members_people_see_their_self_assessment_and_its_deadline(client, make_user, open_cycle, role):
    client.force_login(make_user(role, "KEN"))
    page = words(client.get("/"))
    assert "Next actions" in page
    assert f"Kenya · {open_cycle}" in page and "Not started." in page
    assert f"Due on {day(open_cycle.closes_on)}" in page and "60 days left" in page
    assert action_links(client) == [f"/cycles/{open_cycle.pk}/assessments/KEN/"]
    assert 'href="/due/"' in client.get("/").content.decode()
    links_work(client)


def test_the_ncp_sees_the_open_review_queries_with_their_due_date_on_home_and_what_is_due(client, started):
    due = send_round(started, days=14, count=3)
    client.force_login(started.ncp)
    page = words(client.get("/"))
    assert f"Peer review of Kenya · {started.assessment.cycle}" in page
    assert "3 queries from the reviewers to answer." in page
    assert f"Due on {day(due)}" in page and "14 days left" in page
    url = f"/cycles/{started.assessment.cycle_id}/assessments/KEN/review/#queries"
    assert url in action_links(client)
    links_work(client)
    listed = words(client.get("/due/"))
    assert "Peer-review queries to answer" in listed and day(due) in listed
    assert f'href="{url}"' in client.get("/due/").content.decode()


def test_answered_queries_leave_the_member_with_handing_the_round_back(client, started):
    send_round(started)
    query = ReviewQuery.objects.unrestricted().get(review=started.review)
    query_answer(actor=started.ncp, query=query, text="They count as electronic.")
    client.force_login(started.ncp)
    assert "Every query is answered: hand the round back to the reviewers." in words(client.get("/"))


def test_queries_being_prepared_are_not_shown_to_the_member(client, started):
    query_raise(actor=started.lead, review=started.review, kpi=KPI, text="Not sent yet")
    client.force_login(started.ncp)
    assert "Peer review of" not in words(client.get("/"))


def test_another_members_people_do_not_see_the_queries(client, make_user, started):
    send_round(started)
    client.force_login(make_user(Role.NCP, "FRA"))
    assert "Peer review of Kenya" not in words(client.get("/"))


# --- peer reviewers -------------------------------------------------------------------------------


def test_a_reviewer_sees_the_assigned_review_its_answers_and_the_members_due_date(client, started, make_user):
    client.force_login(started.lead)
    query_raise(actor=started.second, review=started.review, kpi=KPI, text="Prepared")
    page = words(client.get("/"))
    assert f"Peer review of Kenya · {started.assessment.cycle}" in page
    assert "In review: raise queries, give a verdict on each KPI, sign off." in page
    assert "1 query prepared, not sent yet." in page
    due = send_round(started, days=10)
    page = words(client.get("/"))
    assert "The member is answering your queries." in page and f"Due on {day(due)}" in page
    for query in ReviewQuery.objects.unrestricted().filter(review=started.review):
        query_answer(actor=started.ncp, query=query, text="Answered.")
    review_move(actor=started.ncp, review=started.review, action="hand_back")
    page = words(client.get("/"))
    assert "2 answers to read." in page
    assert action_links(client) == [f"/cycles/{started.assessment.cycle_id}/assessments/KEN/review/#queries"]
    links_work(client)
    client.force_login(accredited_reviewer(make_user, "BRA"))  # in the pool, not assigned
    assert "Peer review of" not in words(client.get("/"))


def test_a_reopened_query_counts_as_prepared_like_on_the_review_page(client, started):
    """A query re-opened while the review is in review keeps its earlier round: it waits to be sent
    all the same (the review page's and the send-round rule: a reviewer's message with no round)."""
    client.force_login(started.lead)
    query = query_raise(actor=started.second, review=started.review, kpi=KPI, text="Prepared")
    send_round(started, days=10)
    for sent in ReviewQuery.objects.unrestricted().filter(review=started.review):
        query_answer(actor=started.ncp, query=sent, text="Answered.")
    review_move(actor=started.ncp, review=started.review, action="hand_back")
    assert "prepared, not sent yet" not in words(client.get("/"))
    query_reopen(actor=started.lead, query=query, text="Still missing: the source.")
    assert "1 query prepared, not sent yet." in words(client.get("/"))


# --- the Secretariat ------------------------------------------------------------------------------


def test_the_secretariat_sees_closing_cycles_requests_and_what_waits_for_publication(
    client, make_user, open_cycle, submitted_assessment
):
    assessment = submitted_assessment(open_cycle, "DEU")
    review_request(actor=make_user(Role.NCP, "DEU"), assessment=assessment)
    admin = make_user(Role.SECRETARIAT_ADMIN)
    client.force_login(admin)
    page = words(client.get("/"))
    members = Member.objects.count()
    assert f"{open_cycle} closes" in page and f"Closes on {day(open_cycle.closes_on)}" in page
    assert f"Started: 1 of {members} members invited; submitted: 1." in page
    assert "Peer review of Germany" in page and "Requested: accept or decline the request." in page
    assert f"Publish the results of {open_cycle}" in page
    assert "1 submitted self-assessment waits for publication." in page
    links = action_links(client)
    assert links[0] == f"/cycles/{open_cycle.pk}/board/"  # the one deadline comes first
    assert f"/cycles/{open_cycle.pk}/assessments/DEU/review/#decision" in links
    assert f"/cycles/{open_cycle.pk}/publications/" in links
    links_work(client)
    publication_create(actor=admin, cycle=open_cycle)
    assert "Publish the results of" not in words(client.get("/"))


def test_an_analyst_is_not_asked_to_decide_or_publish(client, make_user, open_cycle, submitted_assessment):
    assessment = submitted_assessment(open_cycle, "DEU")
    review_request(actor=make_user(Role.NCP, "DEU"), assessment=assessment)
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    page = words(client.get("/"))
    assert f"{open_cycle} closes" in page
    assert "Peer review of Germany" not in page and "Publish the results of" not in page


# --- basic users and visitors ---------------------------------------------------------------------


def test_a_basic_user_is_led_to_the_latest_results(client, make_user, published, open_cycle):
    client.force_login(make_user(Role.BASIC))
    page = words(client.get("/"))
    assert f"Results of {open_cycle}" in page and "Publication 1: the results of 2 members." in page
    assert f"Published on {day(timezone.localdate(published.published_at))}" in page
    assert action_links(client) == [f"/cycles/{open_cycle.pk}/results/"]
    links_work(client)


def test_a_visitor_is_led_to_the_public_results(client, published, open_cycle):
    page = words(client.get("/"))
    assert f"Results of {open_cycle}" in page
    assert action_links(client) == [f"/public/cycles/{open_cycle.pk}/members/"]
    assert 'href="/public/"' in client.get("/").content.decode()
    links_work(client)


def test_a_visitor_without_publications_is_told_so(client, open_cycle):
    assert "No results have been published yet." in words(client.get("/"))


def test_someone_with_nothing_to_do_is_told_so(client, make_user):
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    assert "Nothing is waiting for you at the moment." in words(client.get("/"))


# --- query counts ---------------------------------------------------------------------------------


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_the_home_page_of_each_role_runs_a_fixed_number_of_queries(
    client, make_user, started, submitted_assessment
):
    cycle = started.assessment.cycle
    people = {
        "ncp": started.ncp,
        "reviewer": started.lead,
        "admin": started.admin,
        "basic": make_user(Role.BASIC),
        "anonymous": None,
    }
    publication_create(actor=started.admin, cycle=cycle)

    def counts() -> dict[str, int]:
        found = {}
        for name, user in people.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            found[name] = home_queries(client)
        return found

    def requested(iso3: str) -> None:
        assessment = submitted_assessment(cycle, iso3)
        review_request(actor=make_user(Role.NCP, iso3), assessment=assessment)

    send_round(started, count=1)
    requested("DEU")
    small = counts()
    # More of everything: queries, more review requests and submissions, a second publication.
    for n in range(3):
        query_raise(actor=started.lead, review=started.review, kpi=KPI, text=f"More {n}?")
    for iso3 in ("FRA", "BRA"):
        requested(iso3)
    publication_create(actor=started.admin, cycle=cycle)
    assert counts() == small
