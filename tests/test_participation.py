"""Participation: one definition of members invited, started, submitted and published
(`pmm.results.participation`), the same figures on the public site, the Secretariat's analytics, the
status board and the home page, each with the same explanation."""

from __future__ import annotations

import re

import pytest

from pmm.analytics.selectors.secretariat import secretariat_analytics
from pmm.assessments.models import AssessmentStatus
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import assessment_reopen, assessment_submit
from pmm.core.actors import SYSTEM
from pmm.members.models import Group, GroupKind, Member
from pmm.public.selectors import cycles_overview
from pmm.results.participation import (
    Counts,
    counts_of,
    cycle_participation,
    latest_publication,
    waiting_for_publication,
)

pytestmark = pytest.mark.django_db


def words(response) -> str:
    """The page's text: tags removed, spaces collapsed."""
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def world(open_cycle, published, complete_assessment):
    """Kenya and France submitted and published, Uganda in progress; everyone else not started."""
    complete_assessment(open_cycle, "UGA")
    return open_cycle


def test_the_counts_follow_the_definition():
    counts = counts_of(["not_started", "in_progress", "submitted", "submitted", "not_started"], published=1)
    assert counts == Counts(invited=5, started=3, submitted=2, published=1)
    assert (counts.not_started, counts.in_progress) == (2, 1)


def test_every_member_is_invited_and_each_status_counts_once(world):
    members = Member.objects.count()
    counted = cycle_participation(world, latest_publication(world), (GroupKind.WCO_REGION,))
    assert counted.total == Counts(invited=members, started=3, submitted=2, published=2)
    assert counted.total.not_started == members - 3
    africa = Group.objects.get(code="region-east-southern-africa")  # Kenya and Uganda
    assert counted.of(africa) == Counts(invited=africa.members.count(), started=2, submitted=1, published=1)


def test_the_public_site_the_analytics_and_the_board_give_the_same_figures(client, make_user, world):
    members = Member.objects.count()
    expected = Counts(invited=members, started=3, submitted=2, published=2)
    overview = next(o for o in cycles_overview() if o.cycle == world)
    admin = make_user("secretariat_admin")
    assert overview.total == expected
    assert secretariat_analytics(admin, world).total == expected
    public = words(client.get("/public/"))
    assert f"All members {members} 3 2 2" in public
    client.force_login(admin)
    board = words(client.get(f"/cycles/{world.pk}/board/"))
    assert f"{members} members invited" in board
    assert "3 started (1 in progress, 2 submitted)" in board
    assert f"{members - 3} not started" in board and "2 in the latest publication" in board
    analytics = words(client.get(f"/cycles/{world.pk}/analytics/"))
    assert f"All members {members} 3 2 2" in analytics


def test_each_site_links_to_the_one_explanation(client, make_user, world):
    client.force_login(make_user("secretariat_admin"))
    for url in ("/public/", f"/cycles/{world.pk}/board/", f"/cycles/{world.pk}/analytics/"):
        html = client.get(url).content.decode()
        assert 'href="#how-counted"' in html and 'id="how-counted"' in html, url
        page = words(client.get(url))
        assert "Every member administration: each cycle asks every member for a self-assessment." in page
        for label in ("Members invited", "Members who have started", "Members who have submitted"):
            assert label in page, (url, label)
        assert "Members in the publication" in page, url


def test_the_board_counts_the_filtered_members_whatever_the_status_filter(client, make_user, world):
    client.force_login(make_user("secretariat_admin"))
    africa = Group.objects.get(code="region-east-southern-africa")
    for query in ("", "&status=submitted"):
        board = words(client.get(f"/cycles/{world.pk}/board/?region={africa.code}{query}"))
        assert f"{africa.members.count()} members invited" in board
        assert "2 started (1 in progress, 1 submitted)" in board and "1 in the latest publication" in board


def test_a_reopened_self_assessment_counts_as_started_and_waits_for_publication_once_submitted(world):
    kenya = assessment_access(SYSTEM, world, "KEN")
    assessment_reopen(actor=SYSTEM, assessment=kenya, reason="Check the totals.")
    counted = cycle_participation(world, latest_publication(world))
    assert (counted.total.started, counted.total.submitted) == (3, 1)
    assert waiting_for_publication([world]) == {world.pk: 0}
    kenya = assessment_access(SYSTEM, world, "KEN")
    assessment_submit(actor=SYSTEM, assessment=kenya)
    assert kenya.status == AssessmentStatus.SUBMITTED
    assert waiting_for_publication([world]) == {world.pk: 1}  # submitted again after the publication


def test_a_submission_not_yet_published_waits(world, submitted_assessment):
    submitted_assessment(world, "DEU")
    assert waiting_for_publication([world]) == {world.pk: 1}
    assert cycle_participation(world, latest_publication(world)).total.submitted == 3


def test_participation_runs_a_fixed_number_of_queries(world, submitted_assessment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import cycle_of
    from pmm.results.participation import participation
    from pmm.results.selectors import latest_publications_by_cycle

    def queries(cycles) -> int:
        latest = latest_publications_by_cycle([c.pk for c in cycles])
        with CaptureQueriesContext(connection) as captured:
            participation(cycles, latest, (GroupKind.WCO_REGION, GroupKind.INCOME_GROUP))
        return len(captured)

    small = queries([world])
    other = cycle_of(2025)
    submitted_assessment(other, "DEU")
    assert queries([world, other]) == small <= 5
