"""A member's dashboard (page, API and a chart's download) runs an exact, fixed number of queries,
whatever the number of members: with the statistics cached (warm) and without (cold)."""

from __future__ import annotations

import pytest

from conftest import cycle_of, publish_values, queries_of
from pmm.framework.models import Kpi
from pmm.members.models import Member

pytestmark = pytest.mark.django_db

PAGE = "/cycles/{cycle}/members/KEN/dashboard/"
API = "/api/v1/cycles/{cycle}/members/KEN/dashboard"
CHART = PAGE + "?chart=dimension-overview&format=csv"
# (url, cold, warm): the queries of a first answer (nothing cached) and of the next one.
EXPECTED = [(PAGE, 29, 24), (API, 25, 20), (CHART, 28, 23)]


def _publish(cycles, members: int) -> None:
    """KEN and `members - 1` others, 10 KPIs, published in each cycle (earlier cycles give the trend)."""
    codes = list(
        Kpi.objects.filter(outcome__dimension__framework=cycles[-1].framework)
        .order_by("position")
        .values_list("code", flat=True)[:10]
    )
    others = list(Member.objects.exclude(iso3="KEN").order_by("iso3").values_list("iso3", flat=True))
    chosen = ["KEN", *others[: members - 1]]
    levels = {iso3: ["public", "wco", "union", "country"][i % 4] for i, iso3 in enumerate(chosen)}
    for cycle in cycles:
        values = {iso3: dict.fromkeys(codes, 10.0 + i) for i, iso3 in enumerate(chosen)}
        publish_values(cycle, values, levels)


@pytest.mark.parametrize("members", [4, 30])
@pytest.mark.parametrize(("url", "cold", "warm"), EXPECTED, ids=["page", "api", "chart download"])
def test_the_dashboard_runs_an_exact_number_of_queries_whatever_the_members(
    open_cycle, make_user, client, url, cold, warm, members
):
    _publish([cycle_of(2022), open_cycle], members)
    client.force_login(make_user("ncp", "KEN"))
    url = url.format(cycle=open_cycle.pk)
    client.get(url)  # the first request of a session also records the session's activity
    assert queries_of(client, url) == cold
    assert queries_of(client, url, cold=False) == warm
