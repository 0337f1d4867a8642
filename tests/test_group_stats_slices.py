"""Two caches of group statistics that save work without changing an answer: the public releases kept
in the shared cache (a web process reuses what the warm-up job computed) and the slice of an
audience's answer that a member's dashboard reads (its groups only)."""

from __future__ import annotations

import random
from unittest import mock

import pytest
from django.core.cache import cache

from conftest import write_results
from pmm.disclosure.audience import member_audience
from pmm.disclosure.policy import EVERYTHING, PUBLIC_AUDIENCE
from pmm.framework.models import Kpi
from pmm.members.models import Group, Member
from pmm.results import group_stats
from pmm.results.models import Publication

pytestmark = pytest.mark.django_db


def _publish(cycle, rng: random.Random, number: int = 1) -> Publication:
    kpis = list(Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")[:3])
    entries = {
        member: [
            (
                kpi,
                rng.choice(["public", "wco", "union", "country"]),
                [
                    {"component": c, "status": "computed", "value": float(rng.randint(0, 20))}
                    for c in kpi.formula
                ],
            )
            for kpi in kpis
        ]
        for member in Member.objects.order_by("iso3")[:40]
    }
    write_results(cycle, number, entries)
    return Publication.objects.get(cycle=cycle, number=number)


def _answer(audience, cycle, publication) -> dict:
    return {
        (a.kpi, a.component, a.group, a.reviewed_only): a.result
        for only in (False, True)
        for a in group_stats.aggregates_for(audience, cycle, publication, reviewed_only=only)
    }


@pytest.fixture
def publication(open_cycle, settings):
    settings.PMM_AGGREGATE_MIN_MEMBERS = 3
    return _publish(open_cycle, random.Random(5))


def test_a_process_reuses_the_public_releases_another_computed(open_cycle, publication):
    kenya = member_audience(Member.objects.get(iso3="KEN").pk)
    group_stats.clear_process_memory()
    expected = _answer(kenya, open_cycle, publication)  # everything computed here, nothing shared
    cache.clear()
    group_stats.clear_process_memory()
    group_stats.warm_aggregates(publication, [PUBLIC_AUDIENCE])  # the worker's job, public first
    group_stats.clear_process_memory()  # "a web process": its own memory is empty
    with mock.patch.object(group_stats, "_insiders", side_effect=AssertionError("public release recomputed")):
        assert _answer(kenya, open_cycle, publication) == expected


def test_the_shared_public_releases_depend_on_the_values(open_cycle, publication):
    """A release is kept under a digest of its inputs: a publication with other values is another
    entry, never the earlier one's."""
    from pmm.assessments.models import Assessment

    group_stats.warm_aggregates(publication, [PUBLIC_AUDIENCE])
    Assessment.objects.filter(cycle=open_cycle).delete()  # the first publication's rows stay
    rng = random.Random(6)
    second = _publish(open_cycle, rng, number=2)
    group_stats.clear_process_memory()
    keys = _keys_set_by(lambda: group_stats.warm_aggregates(second, [PUBLIC_AUDIENCE]))
    assert any(key.startswith("pmm:public-release:") for key in keys), "computed, not reused"


def test_only_the_warm_up_job_writes_the_public_releases(open_cycle, publication):
    """A reader's request computes them for itself (writing them would cost it more than it saves)."""
    kenya = member_audience(Member.objects.get(iso3="KEN").pk)
    keys = _keys_set_by(lambda: group_stats.aggregates_for(kenya, open_cycle, publication))
    assert keys and not any(key.startswith("pmm:public-release:") for key in keys)


def _keys_set_by(action) -> list[str]:
    keys: list[str] = []
    real = cache.set

    def spy(key, *args, **kwargs):
        keys.append(key)
        return real(key, *args, **kwargs)

    with mock.patch.object(group_stats.cache, "set", side_effect=spy):
        action()
    return keys


def test_a_slice_holds_exactly_the_groups_asked_for(open_cycle, publication):
    kenya = Member.objects.get(iso3="KEN")
    codes = {"global", *Group.objects.filter(members=kenya).values_list("code", flat=True)}
    for audience in (member_audience(kenya.pk), EVERYTHING, PUBLIC_AUDIENCE):
        for only in (False, True):
            whole = group_stats.aggregates_for(audience, open_cycle, publication, reviewed_only=only)
            expected = [a for a in whole if a.group in codes]
            assert expected
            first = group_stats.aggregates_of_groups(audience, open_cycle, publication, codes, only)
            again = group_stats.aggregates_of_groups(audience, open_cycle, publication, codes, only)
            assert first == expected and again == expected


def test_a_slice_is_never_shared_between_audiences(open_cycle, publication):
    """Each audience's slice is cut from its own answer: the NCP of Kenya and the Secretariat, asking
    for the same groups, each get their own statistics."""
    kenya = Member.objects.get(iso3="KEN")
    codes = {"global", *Group.objects.filter(members=kenya).values_list("code", flat=True)}
    ncp = member_audience(kenya.pk)
    mine = group_stats.aggregates_of_groups(ncp, open_cycle, publication, codes)
    everything = group_stats.aggregates_of_groups(EVERYTHING, open_cycle, publication, codes)
    assert mine == [a for a in group_stats.aggregates_for(ncp, open_cycle, publication) if a.group in codes]
    assert everything == [
        a for a in group_stats.aggregates_for(EVERYTHING, open_cycle, publication) if a.group in codes
    ]
    assert mine != everything, "the Secretariat sees more than the NCP in this world"


def test_the_warm_up_job_caches_the_slice_each_members_dashboard_reads(open_cycle, publication):
    kenya = Member.objects.get(iso3="KEN")
    ncp = member_audience(kenya.pk)
    codes = {"global", *Group.objects.filter(members=kenya).values_list("code", flat=True)}
    group_stats.warm_aggregates(publication, [PUBLIC_AUDIENCE, EVERYTHING, ncp])
    expected = {
        only: [
            a
            for a in group_stats.aggregates_for(ncp, open_cycle, publication, reviewed_only=only)
            if a.group in codes
        ]
        for only in (False, True)
    }
    assert expected[False]
    with mock.patch.object(group_stats, "aggregates_for", side_effect=AssertionError("not cached")):
        for only in (False, True):
            found = group_stats.aggregates_of_groups(ncp, open_cycle, publication, codes, only)
            assert found == expected[only]
