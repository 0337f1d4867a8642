"""The analytics views: WCO instruments, SDG targets and the Secretariat's analytics (docs/analytics.md).

Their rules, their disclosure (a member is classified, and a statistic computed, only from values the
reader may see), who may open them, their pages' accessibility and their fixed number of queries.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from conftest import queries_of, write_results
from pmm.analytics import rules
from pmm.analytics.selectors.instruments import instruments_view
from pmm.analytics.selectors.sdg import sdg_view
from pmm.analytics.selectors.secretariat import secretariat_analytics
from pmm.assessments.models import Assessment
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.core.errors import PermissionDenied
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.models import Publication, PublishedMember, PublishedResult

pytestmark = pytest.mark.django_db

EUROPE = ["AUT", "BEL", "FRA", "DEU", "ITA", "NLD", "POL", "PRT", "ESP"]
AFRICA = ["KEN", "RWA", "ZAF", "TZA", "UGA"]


def _kpis(cycle) -> dict[str, Kpi]:
    return {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}


def _publication(cycle, number: int, values: dict[tuple[str, str], tuple[float | None, str]]) -> Publication:
    """A publication written straight into the tables: {(iso3, kpi): (value, disclosure level)}, one
    component "value" each; a value None is published as not computable. Also records the members."""
    members = {m.iso3: m for m in Member.objects.filter(iso3__in={iso3 for iso3, _kpi in values})}
    publication = Publication.objects.create(
        cycle=cycle,
        number=number,
        published_at=timezone.now(),
        framework_code=cycle.framework.code,
        framework_version=cycle.framework.version,
        framework_fingerprint=cycle.framework.fingerprint,
        computation_version="1",
        inputs_fingerprint=str(number),
        member_count=len(members),
    )
    PublishedMember.objects.bulk_create(
        PublishedMember(
            publication=publication, member=m, assessment_version=1, inputs={}, inputs_fingerprint="x"
        )
        for m in members.values()
    )
    PublishedResult.objects.bulk_create(
        PublishedResult(
            publication=publication,
            member=members[iso3],
            kpi=kpi,
            component="value",
            status="computed" if value is not None else "not_computable",
            value=value,
            disclosure=level,
        )
        for (iso3, kpi), (value, level) in values.items()
    )
    return publication


# --- the rules ------------------------------------------------------------------------------------


def test_yes_no_and_ordinal_kpis_say_whether_a_member_applies_an_instrument(open_cycle):
    spec = cycle_spec(open_cycle)
    assert rules.applies_threshold(spec, spec.kpis["D2.O3.K2"]) == 1.0  # yes/no: yes
    # The Data Model alignment is scored 0 (not), 1 (partly), 2 (fully): halfway up is "partly".
    assert rules.applies_threshold(spec, spec.kpis["D1.O1.K2"]) == 1.0
    assert rules.applies(1.0, 1.0) and rules.applies(1.0, 2.0) and not rules.applies(1.0, 0.0)
    assert rules.applies_threshold(spec, spec.kpis["D1.O1.K1"]) is None  # a percentage cannot say


def test_weakness_follows_the_kpi_direction(open_cycle):
    spec = cycle_spec(open_cycle)
    assert rules.is_weak(rules.HIGHER, 10, q1=20, q3=80)
    assert not rules.is_weak(rules.HIGHER, 20, q1=20, q3=80)
    assert rules.is_weak(rules.LOWER, 81, q1=20, q3=80)
    assert not rules.is_weak(rules.LOWER, 10, q1=20, q3=80)
    assert not rules.is_weak("context_only", 0, q1=20, q3=80)
    assert rules.judged_component(spec.kpis["D1.O2.K2"]) == "combined"
    assert rules.judged_component(spec.kpis["D1.O1.K1"]) == "value"
    assert rules.judged_component(spec.kpis["D2.O3.K1"]) is None  # context only
    assert rules.weak_on_outcome(reported=2, weak=1) and rules.weak_on_outcome(reported=1, weak=1)
    assert not rules.weak_on_outcome(reported=3, weak=1) and not rules.weak_on_outcome(reported=0, weak=0)


# --- 1. WCO instruments ---------------------------------------------------------------------------

APPLY = EUROPE[:6]  # HS-CONV applied (D2.O3.K2 = yes)
NOT_APPLY = [*AFRICA, "GHA"]


def _hs_world(extra: dict | None = None) -> dict[tuple[str, str], tuple[float | None, str]]:
    """Six members apply the HS Convention, six do not; all at WCO level; D2.O3.K1 for each."""
    values: dict[tuple[str, str], tuple[float | None, str]] = {}
    for i, iso3 in enumerate(APPLY):
        values[(iso3, "D2.O3.K2")] = (1.0, "wco")
        values[(iso3, "D2.O3.K1")] = (80.0 + i, "wco")
    for i, iso3 in enumerate(NOT_APPLY):
        values[(iso3, "D2.O3.K2")] = (0.0, "wco")
        values[(iso3, "D2.O3.K1")] = (40.0 + i, "wco")
    values.update(extra or {})
    return values


def _instrument(body: dict, code: str) -> dict:
    return next(i for i in body["instruments"] if i["code"] == code)


def test_the_instruments_view_lists_who_applies_and_compares_the_two_sides(
    client, open_cycle, make_user, bearer
):
    _publication(open_cycle, 1, _hs_world())
    body = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/instruments", headers=bearer(make_user(Role.BASIC))
    ).json()
    hs = _instrument(body, "HS-CONV")
    assert hs["classified_by"] == [{"kpi": "D2.O3.K2", "component": "value", "applies_from": 1.0}]
    assert sorted(m["iso3"] for m in hs["applying"]) == sorted(APPLY)
    assert sorted(m["iso3"] for m in hs["not_applying"]) == sorted(NOT_APPLY)
    assert (hs["applying_count"], hs["not_applying_count"]) == (6, 6)
    assert hs["outcomes"] == ["D2.O3"]
    [comparison] = hs["comparisons"]  # D2.O3.K1; the classifying KPI itself is not compared
    assert comparison["kpi"] == "D2.O3.K1"
    assert comparison["applying"]["released"] and comparison["applying"]["median"] == 82.5
    assert comparison["not_applying"]["count"] == 6 and comparison["not_applying"]["median"] == 42.5
    assert _instrument(body, "RKC-GA-3")["classified_by"] == []  # no yes/no or ordinal KPI tells
    assert body["min_members"] == 5


def test_a_side_with_fewer_than_k_visible_values_is_withheld(client, open_cycle, make_user, bearer):
    world = _hs_world()
    for iso3 in APPLY[:2]:  # two of the six that apply it: D2.O3.K1 at country level
        world[(iso3, "D2.O3.K1")] = (world[(iso3, "D2.O3.K1")][0], "country")
    _publication(open_cycle, 1, world)
    url = f"/api/v1/cycles/{open_cycle.pk}/instruments"
    body = client.get(url, headers=bearer(make_user(Role.BASIC))).json()
    [comparison] = _instrument(body, "HS-CONV")["comparisons"]
    assert comparison["applying"] == {
        "released": False, "count": None, "mean": None, "median": None, "q1": None, "q3": None,
        "withheld_because": "too_few",
    }  # fmt: skip
    assert comparison["not_applying"]["released"]
    # The Secretariat sees all six values.
    body = client.get(url, headers=bearer(make_user(Role.SECRETARIAT_ANALYST))).json()
    assert _instrument(body, "HS-CONV")["comparisons"][0]["applying"]["count"] == 6


def test_a_member_whose_answer_the_reader_may_not_see_is_not_listed(client, open_cycle, make_user, bearer):
    """Listing a member as applying an instrument would reveal its yes/no value."""
    world = _hs_world({("CHE", "D2.O3.K2"): (1.0, "country"), ("CHE", "D2.O3.K1"): (99.0, "wco")})
    _publication(open_cycle, 1, world)
    url = f"/api/v1/cycles/{open_cycle.pk}/instruments"
    answer = client.get(url, headers=bearer(make_user(Role.BASIC)))
    hs = _instrument(answer.json(), "HS-CONV")
    assert "CHE" not in [m["iso3"] for m in hs["applying"] + hs["not_applying"]]
    assert "CHE" not in answer.content.decode() and (hs["applying_count"], hs["not_applying_count"]) == (6, 6)
    assert hs["comparisons"][0]["applying"]["count"] == 6  # its visible D2.O3.K1 is on no side either
    # Its own NCP sees the answer, and so sees it listed.
    hs = _instrument(client.get(url, headers=bearer(make_user(Role.NCP, "CHE"))).json(), "HS-CONV")
    assert "CHE" in [m["iso3"] for m in hs["applying"]]
    assert hs["comparisons"][0]["applying"]["count"] == 7
    # The page, too.
    client.force_login(make_user(Role.BASIC))
    page = client.get(f"/cycles/{open_cycle.pk}/instruments/").content.decode()
    assert "Switzerland" not in page and "Germany" in page


def test_comparison_statistics_never_use_a_withheld_value(client, open_cycle, make_user, bearer):
    """Two publications differing only by one country-level value give a basic user the same answer."""
    without = _hs_world({("CHE", "D2.O3.K2"): (1.0, "wco")})
    with_secret = {**without, ("CHE", "D2.O3.K1"): (123456.5, "country")}
    _publication(open_cycle, 1, without)
    _publication(open_cycle, 2, with_secret)
    url = f"/api/v1/cycles/{open_cycle.pk}/instruments?publication="
    basic = bearer(make_user(Role.BASIC))
    first = client.get(url + "1", headers=basic).json()["instruments"]
    second = client.get(url + "2", headers=basic)
    assert second.json()["instruments"] == first
    assert "123456" not in second.content.decode()
    # The withheld classifying value, likewise: CHE's "yes" at country level changes nothing either.
    _publication(open_cycle, 3, {**without, ("CHE", "D2.O3.K2"): (1.0, "country")})
    _publication(open_cycle, 4, {k: v for k, v in without.items() if k != ("CHE", "D2.O3.K2")})
    assert (
        client.get(url + "3", headers=basic).json()["instruments"]
        == client.get(url + "4", headers=basic).json()["instruments"]
    )
    # Someone who may see the value gets it counted: the check above is not vacuous.
    own = bearer(make_user(Role.NCP, "CHE"))
    mine = _instrument(client.get(url + "2", headers=own).json(), "HS-CONV")["comparisons"][0]["applying"]
    theirs = _instrument({"instruments": first}, "HS-CONV")["comparisons"][0]["applying"]
    assert (mine["count"], theirs["count"]) == (7, 6) and mine["mean"] != theirs["mean"]


def test_the_instruments_view_needs_cycle_view(client, open_cycle, make_user):
    _publication(open_cycle, 1, _hs_world())
    assert client.get(f"/api/v1/cycles/{open_cycle.pk}/instruments").status_code == 401
    assert client.get(f"/cycles/{open_cycle.pk}/instruments/").status_code == 302  # to sign in
    with pytest.raises(PermissionDenied):
        instruments_view(None, open_cycle)


def test_the_instruments_view_without_a_publication(client, open_cycle, make_user, page_problems):
    user = make_user(Role.BASIC)
    view = instruments_view(user, open_cycle)
    assert view.publication is None and all(not i.applying for i in view.instruments)
    client.force_login(user)
    page = client.get(f"/cycles/{open_cycle.pk}/instruments/")
    assert page.status_code == 200 and not page_problems(page.content.decode())
    assert "No results of this cycle have been published yet." in page.content.decode()


def test_the_instruments_page_is_accessible(client, open_cycle, make_user, page_problems):
    _publication(open_cycle, 1, _hs_world())
    client.force_login(make_user(Role.BASIC))
    page = client.get(f"/cycles/{open_cycle.pk}/instruments/")
    html = page.content.decode()
    assert page.status_code == 200 and not page_problems(html)
    assert "Harmonized" in html or "HS-CONV" in html
    assert "Members that apply it: 6. Members that do not: 6." in html
    bad = client.get(f"/cycles/{open_cycle.pk}/instruments/?publication=x")
    assert bad.status_code == 400 and not page_problems(bad.content.decode())


# --- 2. SDG targets -------------------------------------------------------------------------------


def _earlier_cycle(open_cycle):
    from pmm.cycles.services import cycle_create

    return cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2023,
        opens_on=date(2023, 1, 1),
        closes_on=date(2023, 3, 1),
    )


def _target(body: dict, code: str) -> dict:
    return next(t for t in body["targets"] if t["code"] == code)


def _figure(target: dict, kpi: str) -> dict:
    return next(k for k in target["kpis"] if k["kpi"] == kpi)["figures"][0]


def test_the_sdg_view_counts_reporting_members_and_gives_the_global_median(
    client, open_cycle, make_user, bearer
):
    world = {(iso3, "D1.O1.K1"): (10.0 * (i + 1), "wco") for i, iso3 in enumerate(EUROPE[:6])}
    world[("KEN", "D1.O1.K1")] = (5.0, "country")  # withheld from a basic user: not counted
    _publication(open_cycle, 1, world)
    body = client.get(f"/api/v1/cycles/{open_cycle.pk}/sdgs", headers=bearer(make_user(Role.BASIC))).json()
    assert body["member"] is None
    target = _target(body, "17.8")
    k1 = next(k for k in target["kpis"] if k["kpi"] == "D1.O1.K1")
    assert k1["direct"] is True and k1["outcome"] == "D1.O1"
    figure = k1["figures"][0]
    assert figure["reporting"] == 6
    # The global statistics are the released ones: with a withheld value among 7, "few_withheld".
    assert figure["global_stats"]["released"] is False
    assert figure["global_stats"]["withheld_because"] == "few_withheld"
    # A KPI mapped through its outcome only: D1.O1.K2 under target 9.c.
    assert next(k for k in _target(body, "9.c")["kpis"] if k["kpi"] == "D1.O1.K2")["direct"] is False
    # Without the withheld value the median is released.
    _publication(open_cycle, 2, {k: v for k, v in world.items() if k[0] != "KEN"})
    cache.clear()
    body = client.get(f"/api/v1/cycles/{open_cycle.pk}/sdgs", headers=bearer(make_user(Role.BASIC))).json()
    assert _figure(_target(body, "17.8"), "D1.O1.K1")["global_stats"]["median"] == 35.0


def test_the_sdg_view_of_a_member_shows_its_visible_values_over_the_cycles(
    client, open_cycle, make_user, bearer
):
    earlier = _earlier_cycle(open_cycle)
    _publication(earlier, 1, {("KEN", "D1.O1.K1"): (40.0, "wco"), ("KEN", "D1.O1.K3"): (7.0, "country")})
    _publication(open_cycle, 1, {("KEN", "D1.O1.K1"): (50.0, "wco"), ("KEN", "D1.O1.K3"): (8.0, "country")})
    url = f"/api/v1/cycles/{open_cycle.pk}/sdgs?member=ken"
    answer = client.get(url, headers=bearer(make_user(Role.BASIC)))
    body = answer.json()
    assert body["member"] == {"iso3": "KEN", "name": "Kenya"}
    k1 = _figure(_target(body, "17.8"), "D1.O1.K1")
    assert k1["history"] == [{"year": 2023, "value": 40.0}, {"year": 2024, "value": 50.0}]
    assert (k1["value"], k1["trend"], k1["better"]) == (50.0, "up", True)
    k3 = _figure(_target(body, "17.8"), "D1.O1.K3")  # country level: a basic user sees nothing of it
    assert k3["history"] == [] and k3["value"] is None and k3["trend"] == ""
    # Kenya's own people see it.
    mine = client.get(url, headers=bearer(make_user(Role.NCP, "KEN"))).json()
    k3 = _figure(_target(mine, "17.8"), "D1.O1.K3")
    assert [p["value"] for p in k3["history"]] == [7.0, 8.0]
    # An unknown member is a problem with the field.
    bad = client.get(f"/api/v1/cycles/{open_cycle.pk}/sdgs?member=XXX", headers=bearer(make_user(Role.BASIC)))
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "member"
    assert client.get(url).status_code == 401


def test_the_sdg_pages_are_accessible(client, open_cycle, make_user, page_problems):
    earlier = _earlier_cycle(open_cycle)
    _publication(earlier, 1, {("KEN", "D1.O1.K1"): (40.0, "wco")})
    _publication(open_cycle, 1, {("KEN", "D1.O1.K1"): (50.0, "wco"), ("KEN", "D1.O1.K3"): (17.3, "country")})
    client.force_login(make_user(Role.BASIC))
    page = client.get(f"/cycles/{open_cycle.pk}/sdgs/")
    assert page.status_code == 200 and not page_problems(page.content.decode())
    assert "Target 17.8:" in page.content.decode()
    page = client.get(f"/cycles/{open_cycle.pk}/sdgs/?member=KEN")
    html = page.content.decode()
    assert page.status_code == 200 and not page_problems(html)
    assert "Higher than in 2023: better" in html and "50%" in html and "17.3" not in html
    page = client.get(f"/cycles/{open_cycle.pk}/sdgs/?member=ZZZ")
    assert page.status_code == 400 and not page_problems(page.content.decode())


def test_the_sdg_view_of_one_target_draws_the_members_trends(
    client, open_cycle, make_user, bearer, page_problems
):
    earlier = _earlier_cycle(open_cycle)
    _publication(earlier, 1, {("KEN", "D1.O1.K1"): (40.0, "wco"), ("KEN", "D1.O1.K3"): (7.0, "country")})
    _publication(open_cycle, 1, {("KEN", "D1.O1.K1"): (50.0, "wco"), ("KEN", "D1.O1.K3"): (8.0, "country")})
    body = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/sdgs?target=17.8", headers=bearer(make_user(Role.BASIC))
    ).json()
    assert [t["code"] for t in body["targets"]] == ["17.8"]
    bad = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/sdgs?target=99.9", headers=bearer(make_user(Role.BASIC))
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "target"
    client.force_login(make_user(Role.BASIC))
    url = f"/cycles/{open_cycle.pk}/sdgs/?member=KEN&target=17.8"
    html = client.get(url).content.decode()
    assert not page_problems(html)
    assert 'id="trend-17-8-d1-o1-k1-value"' in html and "trend-17-8-d1-o1-k3-value" not in html
    assert "pmm/charts.js" in html
    csv = client.get(url + "&chart=trend-17-8-d1-o1-k1-value&format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "2023" in csv.content.decode() and "50" in csv.content.decode()
    assert client.get(url + "&chart=trend-17-8-d1-o1-k3-value&format=csv").status_code == 404
    # Without a target, no charts (drawing every KPI of every target would be slow).
    html = client.get(f"/cycles/{open_cycle.pk}/sdgs/?member=KEN").content.decode()
    assert 'class="chart"' not in html and "Choose one target" in html
    # Kenya's own people see the trend of its country-level KPI too.
    client.force_login(make_user(Role.NCP, "KEN"))
    assert 'id="trend-17-8-d1-o1-k3-value"' in client.get(url).content.decode()


# --- 3. The Secretariat's analytics ---------------------------------------------------------------


def test_only_the_secretariat_sees_the_analytics(client, open_cycle, make_user, bearer):
    url = f"/api/v1/cycles/{open_cycle.pk}/analytics"
    for role, member in ((Role.BASIC, None), (Role.NCP, "KEN"), (Role.PEER_REVIEWER, None)):
        user = make_user(role, member)
        assert client.get(url, headers=bearer(user)).status_code == 403
        client.force_login(user)
        assert client.get(f"/cycles/{open_cycle.pk}/analytics/").status_code == 403
    client.logout()
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(make_user(Role.SECRETARIAT_ANALYST))).status_code == 200
    with pytest.raises(PermissionDenied):
        secretariat_analytics(make_user(Role.BASIC), open_cycle)


def _regional_world(cycle) -> None:
    """Five European members low on D1.O1.K1 (10..50), five African members high (60..100), all
    submitted and published; D2.O3.K1 (context only) too."""
    kpis = _kpis(cycle)
    entries = {}
    for i, iso3 in enumerate(EUROPE[:5] + AFRICA):
        member = Member.objects.get(iso3=iso3)
        entries[member] = [
            (
                kpis["D1.O1.K1"],
                "country",
                [{"component": "value", "status": "computed", "value": 10.0 * (i + 1)}],
            ),
            (kpis["D2.O3.K1"], "wco", [{"component": "value", "status": "computed", "value": 1.0 * i}]),
        ]
    write_results(cycle, 1, entries)
    publication = Publication.objects.get(cycle=cycle, number=1)
    PublishedMember.objects.bulk_create(
        PublishedMember(
            publication=publication, member=m, assessment_version=1, inputs={}, inputs_fingerprint="x"
        )
        for m in entries
    )


def test_the_analytics_give_participation_coverage_distributions_and_needs(
    client, open_cycle, make_user, bearer
):
    _regional_world(open_cycle)
    Assessment.objects.create(cycle=open_cycle, member=Member.objects.get(iso3="GHA"), status="in_progress")
    body = client.get(
        f"/api/v1/cycles/{open_cycle.pk}/analytics", headers=bearer(make_user(Role.SECRETARIAT_ANALYST))
    ).json()
    assert body["total"] == {
        "invited": Member.objects.count(),
        "started": 11,
        "submitted": 10,
        "published": 10,
    }
    europe = next(p for p in body["participation"] if p["group_name"] == "Europe")
    assert europe["group_type"] == "wco_region"
    assert (europe["invited"], europe["started"], europe["submitted"], europe["published"]) == (52, 5, 5, 5)
    west = next(p for p in body["participation"] if p["group_name"].startswith("West and Central"))
    assert (west["started"], west["submitted"], west["published"]) == (1, 0, 0)
    assert {p["group_type"] for p in body["participation"]} == {"wco_region", "income_group"}
    assert sum(p["invited"] for p in body["participation"] if p["group_type"] == "income_group") == 187
    coverage = {c["kpi"]: c for c in body["coverage"]}
    assert (coverage["D1.O1.K1"]["published"], coverage["D1.O1.K1"]["current"]) == (10, 10)
    assert (coverage["D1.O1.K2"]["published"], coverage["D1.O1.K2"]["current"]) == (0, 0)
    spread = [a for a in body["distributions"] if a["kpi"] == "D1.O1.K1"]
    assert spread[0]["group"] == "global" and spread[0]["median"] == 55.0 and spread[0]["q1"] == 32.5
    assert {a["group_type"] for a in spread} == {"global", "wco_region"}
    by_region = {a["group_name"]: a for a in spread}
    assert by_region["Europe"]["median"] == 30.0
    assert by_region["Americas and Caribbean"]["withheld_because"] == "too_few"
    # Weak: below the global first quartile (32.5): 10, 20 and 30, all European.
    needs = {(n["group_name"], n["outcome"]): n for n in body["needs"]}
    assert (needs[("Europe", "D1.O1")]["reporting"], needs[("Europe", "D1.O1")]["weak"]) == (5, 3)
    assert needs[("All members", "D1.O1")]["weak"] == 3
    assert needs[("East and Southern Africa", "D1.O1")]["weak"] == 0
    assert not [n for n in body["needs"] if n["outcome"] == "D2.O3"]  # context only: not judged
    [priority] = body["priorities"]
    assert (priority["group_name"], priority["outcome"], priority["share"]) == ("Europe", "D1.O1", 0.6)
    assert [i["code"] for i in priority["instruments"]] == ["RKC-GA-4", "RKC-GA-7", "WCO-DM", "WCO-SW-COMP"]


def test_the_analytics_page_is_accessible(client, open_cycle, make_user, page_problems):
    _regional_world(open_cycle)
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    page = client.get(f"/cycles/{open_cycle.pk}/analytics/")
    html = page.content.decode()
    assert page.status_code == 200 and not page_problems(html)
    assert "60% (3 of 5)" in html and "WCO Data Model" in html
    empty = client.get(f"/cycles/{open_cycle.pk}/analytics/?publication=9")
    assert empty.status_code == 400 and not page_problems(empty.content.decode())


def test_the_analytics_page_draws_the_spread_of_each_kpi_of_a_dimension(client, open_cycle, make_user):
    _regional_world(open_cycle)
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    url = f"/cycles/{open_cycle.pk}/analytics/"
    html = client.get(url).content.decode()  # the first dimension by default
    assert 'id="spread-d1-o1-k1-value"' in html and "spread-d2-o3-k1-value" not in html
    html = client.get(url + "?dimension=D2").content.decode()
    assert 'id="spread-d2-o3-k1-value"' in html and "spread-d1-o1-k1-value" not in html
    csv = client.get(url + "?chart=spread-d1-o1-k1-value&format=csv")
    assert csv.status_code == 200 and "Europe" in csv.content.decode() and "32.5" in csv.content.decode()
    svg = client.get(url + "?chart=spread-d1-o1-k1-value&format=svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert client.get(url + "?chart=spread-d9&format=csv").status_code == 404


def test_the_pages_read_in_french(client, open_cycle, make_user):
    _regional_world(open_cycle)
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    for path in ("instruments/", "sdgs/?member=KEN", "analytics/"):
        page = client.get(f"/cycles/{open_cycle.pk}/{path}")
        assert page.status_code == 200 and '<html lang="fr"' in page.content.decode()


# --- fixed numbers of queries ---------------------------------------------------------------------


def _publish(cycle, members: int, kpis: int, number: int = 1) -> None:
    every_kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
    chosen = list(every_kpi[:kpis])
    entries = {}
    for i, member in enumerate(Member.objects.order_by("iso3")[:members]):
        level = ["public", "wco", "union", "country"][i % 4]
        entries[member] = [
            (kpi, level, [{"component": c, "status": "computed", "value": float(i % 3)} for c in kpi.formula])
            for kpi in chosen
        ]
    write_results(cycle, number, entries)


def _grow(cycle) -> None:
    """Replace the data with 14 members x 40 KPIs (the earlier rows stay in publication 1)."""
    Assessment.objects.filter(cycle=cycle).delete()
    _publish(cycle, members=14, kpis=40, number=2)


ENDPOINTS = [
    ("/api/v1/cycles/{cycle}/instruments", Role.BASIC),
    ("/api/v1/cycles/{cycle}/sdgs", Role.BASIC),
    ("/api/v1/cycles/{cycle}/sdgs?member=ABW", Role.BASIC),
    ("/api/v1/cycles/{cycle}/analytics", Role.SECRETARIAT_ANALYST),
]
PAGES = [
    ("/cycles/{cycle}/instruments/", Role.BASIC),
    ("/cycles/{cycle}/sdgs/", Role.BASIC),
    ("/cycles/{cycle}/sdgs/?member=ABW", Role.BASIC),
    ("/cycles/{cycle}/sdgs/?member=ABW&target=17.8", Role.BASIC),
    ("/cycles/{cycle}/analytics/", Role.SECRETARIAT_ANALYST),
]


@pytest.mark.parametrize(("url", "role"), ENDPOINTS)
def test_the_endpoints_run_a_fixed_number_of_queries(client, open_cycle, make_user, bearer, url, role):
    headers = bearer(make_user(role))
    url = url.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=1, kpis=1)
    queries_of(client, url, headers)  # the first call also records when the token was last used
    small = queries_of(client, url, headers)
    _grow(open_cycle)
    assert queries_of(client, url, headers) == small


@pytest.mark.parametrize(("url", "role"), PAGES)
def test_the_pages_run_a_fixed_number_of_queries(client, open_cycle, make_user, url, role):
    client.force_login(make_user(role))
    url = url.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=1, kpis=1)
    queries_of(client, url)
    small = queries_of(client, url)
    _grow(open_cycle)
    assert queries_of(client, url) == small


def test_the_selectors_answer_for_the_system_actor(open_cycle):
    _publication(open_cycle, 1, _hs_world())
    assert instruments_view(SYSTEM, open_cycle).publication is not None
    assert sdg_view(SYSTEM, open_cycle, "KEN").member.iso3 == "KEN"
    assert secretariat_analytics(SYSTEM, open_cycle).total.published == 12
