"""Results endpoints and pages run a fixed number of queries, however many members and KPIs there are."""

from __future__ import annotations

import pytest

from conftest import queries_of, write_results
from pmm.assessments.models import Assessment
from pmm.authz.roles import Role
from pmm.framework.models import Kpi
from pmm.members.models import Member

pytestmark = pytest.mark.django_db


def _publish(cycle, members: int, kpis: int, number: int = 1) -> None:
    """A publication (and the current results) of `members` members x `kpis` KPIs, written directly."""
    every_kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
    chosen = list(every_kpi[:kpis])
    entries = {}
    for i, member in enumerate(Member.objects.order_by("iso3")[:members]):
        level = ["public", "wco", "union", "country"][i % 4]
        entries[member] = [
            (kpi, level, [{"component": c, "status": "computed", "value": 10.0 + i} for c in kpi.formula])
            for kpi in chosen
        ]
    write_results(cycle, number, entries)


URLS = [
    "/api/v1/cycles/{cycle}/results",
    "/api/v1/cycles/{cycle}/results?publication=current",
    "/api/v1/cycles/{cycle}/results.csv",
    "/api/v1/cycles/{cycle}/results.xlsx",
    "/api/v1/cycles/{cycle}/aggregates",
    "/api/v1/publications",
]


@pytest.mark.parametrize("url", URLS)
def test_results_endpoints_run_a_fixed_number_of_queries(client, open_cycle, make_user, bearer, url):
    headers = bearer(make_user(Role.NCP, "KEN"))
    url = url.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=3, kpis=2)
    queries_of(client, url, headers)  # the first call also records when the token was last used
    small = queries_of(client, url, headers)
    _grow(open_cycle)
    assert queries_of(client, url, headers) == small


def _grow(cycle) -> None:
    """Replace the data with 12 members x 20 KPIs (the earlier rows stay in publication 1)."""
    Assessment.objects.filter(cycle=cycle).delete()
    _publish(cycle, members=12, kpis=20, number=2)


@pytest.mark.parametrize("path", ["/cycles/{cycle}/results/", "/cycles/{cycle}/publications/"])
def test_results_pages_run_a_fixed_number_of_queries(client, open_cycle, make_user, path):
    client.force_login(make_user(Role.NCP, "KEN"))
    url = path.format(cycle=open_cycle.pk)
    _publish(open_cycle, members=3, kpis=2)
    queries_of(client, url)
    small = queries_of(client, url)
    _grow(open_cycle)
    assert queries_of(client, url) == small
