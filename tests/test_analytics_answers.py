"""Yes/no and ordinal KPIs: their statistics are the share of the members per answer (released where the
group's statistics are, withheld where they are not), the pages show them so, the dashboard does not
pick such a KPI for its close look by itself; and the analytics page is served fast: a chart's download
from that chart's data only (a fixed number of queries), the page's figures from the cache when warm.
docs/analytics.md, docs/dashboards.md."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest

from conftest import queries_of, write_results
from pmm.analytics.selectors import secretariat
from pmm.assessments.models import Assessment
from pmm.authz.roles import Role
from pmm.dashboards.selectors import KpiLine
from pmm.dashboards.views import _focus
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.aggregates import Suppressed
from pmm.results.answers import AnswerStats
from pmm.results.group_stats import GLOBAL, aggregates_for
from pmm.results.models import Publication

pytestmark = pytest.mark.django_db

YES_NO = "D1.O4.K3"  # a yes/no KPI of the first dimension
NUMERIC = "D1.O1.K1"
EUROPE = {"AUT": 1.0, "BEL": 1.0, "FRA": 1.0, "DEU": 0.0, "ITA": 0.0}  # 3 yes, 2 no
AFRICA = {"KEN": 1.0, "RWA": 0.0, "TZA": 0.0, "UGA": 0.0}  # 4 members: fewer than k = 5


def _answers_world(cycle) -> Publication:
    """Nine members answer the yes/no KPI (public); ten give the numeric one."""
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    entries = {}
    for i, (iso3, answer) in enumerate({**EUROPE, **AFRICA}.items()):
        entries[Member.objects.get(iso3=iso3)] = [
            (kpis[YES_NO], "public", [{"component": "value", "status": "computed", "value": answer}]),
            (kpis[NUMERIC], "public", [{"component": "value", "status": "computed", "value": 10.0 * i}]),
        ]
    write_results(cycle, 1, entries)
    return Publication.objects.get(cycle=cycle, number=1)


def test_a_yes_no_kpi_gets_the_members_per_answer_where_its_statistics_are_released(open_cycle):
    publication = _answers_world(open_cycle)
    found = {
        a.group_name["en"]: a.result for a in aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, YES_NO)
    }
    everyone = found["All members"]
    assert isinstance(everyone, AnswerStats) and everyone.count == 9
    assert everyone.answers == ((0.0, 5), (1.0, 4))
    assert found["Europe"].answers == ((0.0, 2), (1.0, 3))
    assert found["East and Southern Africa"] == Suppressed("too_few")  # 4 members: no shares either
    numeric = aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, NUMERIC, group=GLOBAL)
    assert not isinstance(numeric[0].result, AnswerStats)  # measures keep their median and quartiles


def test_the_analytics_show_the_shares_per_answer_and_draw_them(client, open_cycle, make_user):
    _answers_world(open_cycle)
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    url = f"/cycles/{open_cycle.pk}/analytics/"
    html = client.get(url).content.decode()
    assert 'id="spread-d1-o4-k3-value"' in html  # a chart of the shares, not of quartiles
    csv = client.get(url + "?chart=spread-d1-o4-k3-value&format=csv").content.decode()
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "Group,Answer,Members,Share of the members (%),Not shown because"
    assert "All members,Yes,4,44.44," in lines and "All members,No,5,55.56," in lines
    assert "Europe,Yes,3,60," in lines and "Europe,No,2,40," in lines
    assert "East and Southern Africa,,,,fewer members contribute than the minimum" in lines
    assert "Level" not in csv and "middle half" not in csv


def test_the_dashboard_shows_the_shares_per_answer(client, open_cycle, make_user):
    _answers_world(open_cycle)
    client.force_login(make_user("ncp", "KEN"))
    html = client.get(f"/cycles/{open_cycle.pk}/members/KEN/dashboard/").content.decode()
    assert "Yes 44% (4) · No 56% (5)" in html
    assert "Level" not in html


def test_the_dashboard_api_gives_the_members_per_answer(client, open_cycle, make_user, bearer):
    _answers_world(open_cycle)
    url = f"/api/v1/cycles/{open_cycle.pk}/members/KEN/dashboard"
    body = client.get(url, headers=bearer(make_user("ncp", "KEN"))).json()
    line = next(line for line in body["kpis"] if line["kpi"] == YES_NO)
    everyone = next(g for g in line["groups"] if g["group"] == GLOBAL)
    assert everyone["answers"] == [{"answer": 0.0, "members": 5}, {"answer": 1.0, "members": 4}]
    numeric = next(line for line in body["kpis"] if line["kpi"] == NUMERIC)
    assert all(g["answers"] == [] for g in numeric["groups"]) and numeric["groups"]


def _line(code: str, kind: str) -> KpiLine:
    kpi = SimpleNamespace(code=code, kind=kind)
    return KpiLine(
        kpi=kpi, component="value", label="", status="computed", value=1.0, text="", reviewed=False
    )  # type: ignore[arg-type]


def test_the_dashboards_close_look_is_a_numeric_kpi_unless_asked():
    yes_no, ordinal, numeric = _line("Y", "yes_no"), _line("O", "ordinal"), _line("N", "percentage")
    board = SimpleNamespace(
        lines=[yes_no, ordinal, numeric], weaknesses=[yes_no, ordinal, numeric], strengths=[]
    )
    assert _focus(board, "") is numeric  # type: ignore[arg-type]
    assert _focus(board, "Y:value") is yes_no  # type: ignore[arg-type]
    only_answers = SimpleNamespace(lines=[yes_no], weaknesses=[yes_no], strengths=[yes_no])
    assert _focus(only_answers, "") is None  # type: ignore[arg-type]


def _publish(cycle, members: int, kpis: int, number: int) -> None:
    every_kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
    entries = {}
    for i, member in enumerate(Member.objects.order_by("iso3")[:members]):
        entries[member] = [
            (
                kpi,
                "public",
                [{"component": c, "status": "computed", "value": float(i % 3)} for c in kpi.formula],
            )
            for kpi in every_kpi[:kpis]
        ]
    write_results(cycle, number, entries)


def test_a_charts_download_runs_a_fixed_number_of_queries(client, open_cycle, make_user):
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    url = f"/cycles/{open_cycle.pk}/analytics/?chart=spread-d1-o1-k1-value&format=csv"
    _publish(open_cycle, members=5, kpis=1, number=1)
    queries_of(client, url)  # the first request of the session
    small = queries_of(client, url)
    Assessment.objects.filter(cycle=open_cycle).delete()  # the rows stay in publication 1
    _publish(open_cycle, members=40, kpis=40, number=2)
    large = queries_of(client, url)
    assert small == large
    assert "Group,Members" in client.get(url).content.decode().lstrip("\ufeff").splitlines()[0]


def test_a_warm_analytics_page_reads_no_published_value_again(client, open_cycle, make_user):
    _answers_world(open_cycle)
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    url = f"/cycles/{open_cycle.pk}/analytics/"
    first = client.get(url).content.decode()
    with mock.patch.object(secretariat, "visible_published", side_effect=AssertionError("read again")):
        again = client.get(url)
    assert again.status_code == 200 and "Europe" in again.content.decode()
    assert again.content.decode().count("spread-d1-o4-k3-value") == first.count("spread-d1-o4-k3-value")


def test_an_ordinal_kpi_lists_every_level_of_its_scale_highest_first(open_cycle):
    from pmm.cycles.selectors import cycle_spec
    from pmm.results.answers import shares, shares_text
    from pmm.results.formatting import units_of

    spec = cycle_spec(open_cycle)
    kpi = spec.kpis["D1.O1.K2"]  # WCO Data Model alignment: not (0), partly (1), fully (2)
    stats = AnswerStats(5, 1.6, 2.0, 2.0, 2.0, ((0.0, 1), (2.0, 4)))
    found = shares(stats, kpi, spec, units_of(open_cycle.framework.document))
    assert [(s.value, s.members, s.percent) for s in found] == [(2.0, 4, 80.0), (1.0, 0, 0.0), (0.0, 1, 20.0)]
    assert shares_text(found).startswith("Level 2: ") and "80% (4)" in shares_text(found)


def test_the_results_and_public_kpi_pages_show_the_shares_per_answer(client, open_cycle):
    _answers_world(open_cycle)
    html = client.get(f"/public/cycles/{open_cycle.pk}/kpis/{YES_NO}/").content.decode()
    assert "Members per answer: Yes 44% (4) · No 56% (5)" in html
    assert "middle half" not in html and "No to No" not in html
