"""Group statistics limited to peer-reviewed data: each published figure records whether a
signed-off review confirmed or adjusted it, and a group's peer-reviewed part is audited with the
whole group, so that the two answers cannot be combined to single out a value."""

from __future__ import annotations

import pytest

from conftest import write_results
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.aggregates import GroupStats
from pmm.results.group_stats import aggregates_for
from pmm.results.models import Publication

pytestmark = pytest.mark.django_db
KPI = "D1.O1.K1"


def _figure(value: float, reviewed: bool) -> dict:
    return {"component": "value", "status": "computed", "value": value, "reviewed": reviewed}


def _reviewed(cycle, publication):
    return aggregates_for(PUBLIC_AUDIENCE, cycle, publication, kpi=KPI, reviewed_only=True)


def _publish(cycle, levels_and_reviewed):
    kpi = Kpi.objects.get(outcome__dimension__framework=cycle.framework, code=KPI)
    members = list(Member.objects.order_by("iso3")[: len(levels_and_reviewed)])
    entries = {
        m: [
            (
                kpi,
                level,
                [{"component": "value", "status": "computed", "value": float(i + 1), "reviewed": reviewed}],
            )
        ]
        for i, (m, (level, reviewed)) in enumerate(zip(members, levels_and_reviewed, strict=True))
    }
    write_results(cycle, 1, entries)
    return Publication.objects.get(cycle=cycle, number=1)


def _global(found, reviewed_only):
    return next(a for a in found if a.group == "global" and a.reviewed_only == reviewed_only)


def test_the_reviewed_part_of_a_group_has_only_reviewed_values(open_cycle):
    publication = _publish(open_cycle, [("public", i < 6) for i in range(12)])
    whole = aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI)
    reviewed = aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI, reviewed_only=True)
    assert all(not a.reviewed_only for a in whole) and all(a.reviewed_only for a in reviewed)
    assert isinstance(_global(whole, False).result, GroupStats) and _global(whole, False).result.count == 12
    part = _global(reviewed, True).result
    assert isinstance(part, GroupStats) and (part.count, part.median) == (6, 3.5)


def test_when_every_value_was_reviewed_the_part_is_the_group(open_cycle):
    publication = _publish(open_cycle, [("public", True)] * 7)
    whole = _global(aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI), False).result
    part = _global(
        aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI, reviewed_only=True), True
    )
    assert part.result == whole


def test_no_reviewed_value_means_no_statistics(open_cycle):
    publication = _publish(open_cycle, [("public", False)] * 7)
    part = _global(
        aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI, reviewed_only=True), True
    )
    assert part.result.reason == "too_few"


def test_the_reviewed_part_and_the_whole_cannot_be_differenced(open_cycle):
    """Six public reviewed values and one country-level unreviewed value: the whole group (7, one withheld)
    and its reviewed part (the 6 public ones) would give the withheld value by difference; the joint
    audit withholds at least one of them."""
    publication = _publish(open_cycle, [("public", True)] * 6 + [("country", False)])
    whole = _global(aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI), False).result
    part = _global(
        aggregates_for(PUBLIC_AUDIENCE, open_cycle, publication, kpi=KPI, reviewed_only=True), True
    )
    assert not (isinstance(whole, GroupStats) and isinstance(part.result, GroupStats))


def test_the_api_filters_peer_reviewed_statistics(open_cycle, client):
    _publish(open_cycle, [("public", i < 6) for i in range(12)])
    url = f"/api/v1/cycles/{open_cycle.pk}/aggregates?kpi={KPI}&group_type=global"
    reviewed = client.get(url + "&reviewed_only=true").json()["aggregates"]
    assert [(a["count"], a["reviewed_only"]) for a in reviewed] == [(6, True)]
    assert [a["count"] for a in client.get(url).json()["aggregates"]] == [12]
