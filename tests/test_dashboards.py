"""The member dashboard: values against peer groups (as far as disclosure allows), trends, marks of
peer review, strengths, weaknesses and the weakest outcomes with their instruments, peer groups of the
member's choice; its API and page; who may see it; constant query counts."""

from __future__ import annotations

import pytest

from conftest import cycle_of, publish_values, queries_of
from pmm.core.errors import NotFound
from pmm.dashboards.positions import BOTTOM, MIDDLE, NONE, TOP, position, standing, weakest_outcomes
from pmm.dashboards.selectors import member_dashboard
from pmm.framework.models import Kpi
from pmm.members.models import Member

pytestmark = pytest.mark.django_db
PEERS = ["UGA", "TZA", "RWA", "BDI", "ETH", "SOM", "SSD", "DJI", "ERI", "SDN", "MWI"]  # with KEN: 12
UP, DOWN = "D1.O1.K1", "D1.O4.K1"  # higher is better; lower is better (a duration)


def test_positions_follow_the_direction():
    assert position(90, 20, 80, "higher_is_better") == TOP
    assert position(10, 20, 80, "higher_is_better") == BOTTOM
    assert position(10, 20, 80, "lower_is_better") == TOP
    assert position(50, 20, 80, "lower_is_better") == MIDDLE
    assert position(50, 20, 80, "context_only") == NONE
    assert position(None, 20, 80, "higher_is_better") == NONE
    assert position(5, 5, 5, "higher_is_better") == MIDDLE


def test_a_strength_is_top_somewhere_and_bottom_nowhere():
    assert standing([TOP, MIDDLE]) == "strength"
    assert standing([BOTTOM, NONE]) == "weakness"
    assert standing([TOP, BOTTOM]) == "" and standing([MIDDLE]) == "" and standing([]) == ""


def test_the_weakest_outcomes_come_first():
    found = weakest_outcomes(
        {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1"]},
        {"a1": "weakness", "b1": "weakness", "b2": "weakness", "c1": "strength"},
        ["a1", "a2", "b1", "b2", "c1"],
    )
    assert [(o.outcome, o.weak, o.comparable) for o in found] == [("B", 2, 2), ("A", 1, 2)]


@pytest.fixture
def world(open_cycle):
    """2022 and 2024 published for KEN and 11 peers; KEN is the best on UP and the worst on DOWN."""
    earlier = cycle_of(2022)
    publish_values(
        earlier, {iso3: {UP: 40.0 + i, DOWN: 3.0 + i} for i, iso3 in enumerate(PEERS)} | {"KEN": {UP: 45.0}}
    )
    values = {iso3: {UP: 40.0 + i, DOWN: 3.0 + i} for i, iso3 in enumerate(PEERS)}
    publish_values(open_cycle, values | {"KEN": {UP: 99.0, DOWN: 30.0}})
    return open_cycle


def test_the_member_sees_its_values_against_its_peers_with_trend_and_standing(world, make_user):
    board = member_dashboard(make_user("ncp", "KEN"), world, Member.objects.get(iso3="KEN"))
    up = next(line for line in board.lines if line.kpi.code == UP)
    down = next(line for line in board.lines if line.kpi.code == DOWN)
    overall = next(g for g in up.groups if g.code == "global")
    assert overall.stats.count == 12 and overall.position == TOP and up.standing == "strength"
    assert [(p.year, p.value) for p in up.trend] == [(2022, 45.0), (2024, 99.0)]
    # KEN's 30 days is the longest duration: the worst quarter, since lower is better
    assert next(g for g in down.groups if g.code == "global").position == BOTTOM
    assert down.standing == "weakness"


def test_strengths_weaknesses_and_the_weakest_outcome_with_its_instruments(world, make_user):
    board = member_dashboard(make_user("ncp", "KEN"), world, Member.objects.get(iso3="KEN"))
    assert [line.kpi.code for line in board.strengths] == [UP]
    assert [line.kpi.code for line in board.weaknesses] == [DOWN]
    weakest = board.weak_outcomes[0]
    assert weakest.outcome.code == "D1.O4" and {i.code for i in weakest.instruments} >= {"WCO-TRS-GUIDE"}


def test_peer_statistics_are_shown_only_as_far_as_disclosure_allows(open_cycle, make_user):
    """Four peers at country level beside KEN: a group would hide 1 to k-1 of the NCP's unknowns, so
    the NCP of KEN sees no statistics; the Secretariat, who sees every value, does."""
    values = {iso3: {UP: 40.0 + i} for i, iso3 in enumerate(PEERS[:4])} | {"KEN": {UP: 99.0}}
    publish_values(open_cycle, values, levels=dict.fromkeys(PEERS, "country"))
    kenya = Member.objects.get(iso3="KEN")
    ncp = member_dashboard(make_user("ncp", "KEN"), open_cycle, kenya).lines[0]
    assert ncp.kpi.code == UP and ncp.groups == [] and ncp.value == 99.0
    admin = member_dashboard(make_user("secretariat_admin"), open_cycle, kenya).lines[0]
    assert any(g.code == "global" and g.stats.count == 5 for g in admin.groups)


def test_a_peer_group_of_the_members_choice_uses_only_values_it_sees(open_cycle, make_user):
    values = {iso3: {UP: 40.0 + i} for i, iso3 in enumerate(PEERS)} | {"KEN": {UP: 99.0}}
    publish_values(open_cycle, values, levels={"UGA": "country"})
    ncp, kenya = make_user("ncp", "KEN"), Member.objects.get(iso3="KEN")
    with_hidden = member_dashboard(ncp, open_cycle, kenya, peers=["UGA", "TZA", "RWA", "BDI"])
    without = member_dashboard(ncp, open_cycle, kenya, peers=["TZA", "RWA", "BDI"])
    chosen = with_hidden.lines[0].chosen
    assert chosen is not None and chosen.stats == without.lines[0].chosen.stats and chosen.stats.count == 3
    assert len(with_hidden.chosen_peers) == 4


def test_unknown_peer_codes_are_named(open_cycle, make_user):
    from pmm.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        member_dashboard(make_user("ncp", "KEN"), open_cycle, Member.objects.get(iso3="KEN"), peers=["XXX"])
    assert error.value.problems[0].field == "peers" and "XXX" in error.value.problems[0].message


def test_only_the_members_people_and_the_secretariat_see_its_dashboard(world, make_user, client, bearer):
    kenya = Member.objects.get(iso3="KEN")
    for role, member in [("ncp", "UGA"), ("basic", None), ("peer_reviewer", "CAN")]:
        with pytest.raises(NotFound):
            member_dashboard(make_user(role, member), world, kenya)
    member_dashboard(make_user("contributor", "KEN"), world, kenya)
    member_dashboard(make_user("secretariat_analyst"), world, kenya)
    url = f"/api/v1/cycles/{world.pk}/members/KEN/dashboard"
    assert client.get(url, headers=bearer(make_user("ncp", "UGA"))).status_code == 404
    answer = client.get(url + "?reviewed_only=true", headers=bearer(make_user("ncp", "KEN")))
    assert answer.status_code == 200 and answer.json()["reviewed_only"] is True
    assert all(line["groups"] == [] for line in answer.json()["kpis"])  # nothing peer reviewed yet


def test_the_api_answers_the_whole_dashboard(world, make_user, client, bearer):
    body = client.get(
        f"/api/v1/cycles/{world.pk}/members/KEN/dashboard?peers=UGA,TZA",
        headers=bearer(make_user("ncp", "KEN")),
    ).json()
    up = next(line for line in body["kpis"] if line["kpi"] == UP)
    assert up["standing"] == "strength" and up["trend"][-1] == {"year": 2024, "value": 99.0, "current": True}
    assert body["chosen_peers"] == ["TZA", "UGA"] and up["chosen_peers"]["count"] == 2
    assert body["strengths"] == [f"{UP}:value"] and body["weakest_outcomes"][0]["outcome"] == "D1.O4"


def test_the_page_shows_the_dashboard_in_english_and_french(world, make_user, client, page_problems):
    from pmm.targets.services import target_set

    ncp = make_user("ncp", "KEN")
    target_set(actor=ncp, member=Member.objects.get(iso3="KEN"), cycle=world, kpi=UP, year=2026, value=100.0)
    client.force_login(ncp)
    url = f"/cycles/{world.pk}/members/KEN/dashboard/"
    page = client.get(url)
    assert page.status_code == 200 and not page_problems(page.content.decode())
    text = page.content.decode()
    assert "Strengths and weaknesses" in text and "best quarter" in text
    assert "Targets and progress" in text and "On track" in text
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Forces et faiblesses" in french
    assert client.get(url + "?peers=XXX").status_code == 400


def test_the_dashboard_keeps_a_constant_query_count(open_cycle, make_user, client):
    """Few KPIs, members and cycles against many: the page and the API run the same number of queries."""
    codes = [k.code for k in Kpi.objects.filter(outcome__dimension__framework=open_cycle.framework)]
    few = {iso3: {UP: 10.0 + i} for i, iso3 in enumerate(["KEN", *PEERS[:5]])}
    small = cycle_of(2016)
    publish_values(cycle_of(2014), few)
    publish_values(small, few)
    many = {iso3: dict.fromkeys(codes[:20], 10.0 + i) for i, iso3 in enumerate(["KEN", *PEERS])}
    for cycle in (cycle_of(2018), cycle_of(2020), cycle_of(2022), open_cycle):
        publish_values(cycle, many)
    client.force_login(make_user("ncp", "KEN"))
    for path in ("/cycles/{}/members/KEN/dashboard/", "/api/v1/cycles/{}/members/KEN/dashboard"):
        client.get(path.format(small.pk))  # warm the caches of statistics (forgotten between tests)
        client.get(path.format(open_cycle.pk))
        few = queries_of(client, path.format(small.pk), cold=False)
        assert few == queries_of(client, path.format(open_cycle.pk), cold=False)


def test_a_publication_warms_the_statistics_its_readers_will_ask_for(
    open_cycle, submitted_assessment, make_user, settings, django_capture_on_commit_callbacks
):
    """With warming on, publishing computes the statistics of the public, the Secretariat and each
    member's own people; the NCP's first dashboard then computes nothing."""
    from unittest import mock

    from pmm.disclosure.audience import audience_of, member_audience
    from pmm.results import group_stats
    from pmm.results.services import publication_create

    settings.PMM_WARM_STATISTICS = True
    submitted_assessment(open_cycle, "KEN")
    submitted_assessment(open_cycle, "UGA", seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        publication_create(actor=make_user("secretariat_admin"), cycle=open_cycle)
    ncp = make_user("ncp", "KEN")
    assert audience_of(ncp) == member_audience(Member.objects.get(iso3="KEN").pk)
    with mock.patch.object(group_stats, "_compute", side_effect=AssertionError("not cached")):
        member_dashboard(ncp, open_cycle, Member.objects.get(iso3="KEN"))
