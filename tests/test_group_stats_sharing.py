"""What group statistics share between audiences (docs/performance.md, "Group statistics") changes no
answer: every audience gets exactly what the straightforward computation (kept here as the reference:
each audience's own public release, no memory) gives it; the warm-up job computes each audience once."""

from __future__ import annotations

import random

import pytest

from conftest import write_results
from pmm.assessments.models import Assessment
from pmm.disclosure.audience import member_audience
from pmm.disclosure.policy import EVERYTHING, PUBLIC_AUDIENCE, Audience
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results import group_stats
from pmm.results.aggregates import GroupStats, Result, Snapshot, release
from pmm.results.answers import AnswerStats
from pmm.results.models import Publication

pytestmark = pytest.mark.django_db


def statistics_only(result: Result, values: dict[int, float], members) -> Result:
    """The released statistics without the answers of a yes/no or ordinal KPI, once these are checked
    to be exactly the counts of the contributors' values per answer."""
    if not isinstance(result, AnswerStats):
        return result
    expected: dict[float, int] = {}
    for member, value in values.items():
        if member in members:
            expected[value] = expected.get(value, 0) + 1
    assert dict(result.answers) == expected
    return GroupStats(result.count, result.mean, result.median, result.q1, result.q3)


def reference_release(audience, predefined, series, k) -> dict[str, Result]:
    """`group_stats._component_release` as it was before the public releases were shared."""
    gs = group_stats
    if audience.everything:
        return release(gs._with_reviewed_parts(predefined, series[-1]), series[-1].contributions(audience), k)
    unions = gs._unions(predefined)
    public_history: list[Snapshot] = []
    own_history: list[Snapshot] = []
    result: dict[str, Result] = {}
    for values in series:
        groups = gs._with_reviewed_parts(predefined, values)
        public = release(
            groups, values.contributions(PUBLIC_AUDIENCE), k, public_history, gs._insiders(values, unions)
        )
        public_snapshot = Snapshot(groups, values.contributions(PUBLIC_AUDIENCE), gs._released(public))
        if audience == PUBLIC_AUDIENCE:
            result = public
        else:
            mine = values.contributions(audience)
            result = release(groups, mine, k, [*public_history, public_snapshot, *own_history])
            own_history.append(Snapshot(groups, mine, gs._released(result)))
        public_history.append(public_snapshot)
    return result


def _publish(cycle, number: int, rng: random.Random) -> None:
    kpis = list(Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")[:4])
    Assessment.objects.filter(cycle=cycle).delete()  # the earlier publication's rows stay
    entries = {}
    for member in Member.objects.order_by("iso3")[:45]:
        entries[member] = [
            (
                kpi,
                rng.choice(["public", "wco", "wco", "union", "country"]),
                [
                    {
                        "component": c,
                        "status": "computed",
                        "value": float(rng.randint(0, 20)),
                        "reviewed": rng.random() < 0.7,
                    }
                    for c in kpi.formula
                ],
            )
            for kpi in kpis
        ]
    write_results(cycle, number, entries)


def test_every_audience_gets_what_the_straightforward_computation_gives(open_cycle, settings):
    settings.PMM_AGGREGATE_MIN_MEMBERS = 3
    rng = random.Random(8)
    _publish(open_cycle, 1, rng)
    _publish(open_cycle, 2, rng)
    publication = Publication.objects.get(cycle=open_cycle, number=2)
    members = list(Member.objects.order_by("iso3").values_list("pk", flat=True)[:45])
    audiences = [
        PUBLIC_AUDIENCE,
        EVERYTHING,
        Audience(pmm_role=True),
        *(member_audience(m) for m in members[::3]),
    ]
    group_stats.clear_process_memory()
    assert group_stats.warm_aggregates(publication, audiences) == len(audiences)
    assert group_stats.warm_aggregates(publication, audiences) == 0  # all cached: nothing computed again

    spec = group_stats.cycle_spec(open_cycle)
    publications = group_stats._publications_up_to(open_cycle, publication)
    kpis = sorted(spec.kpis, key=lambda code: spec.kpis[code].position)
    inputs = group_stats._read_inputs(publications, kpis)
    released = 0
    for audience in audiences:
        answer = {
            (a.kpi, a.component, a.group, a.reviewed_only): a.result
            for only in (False, True)
            for a in group_stats.aggregates_for(audience, open_cycle, publication, reviewed_only=only)
        }
        for (publication_id, kpi, component), _values in inputs.values.items():
            if publication_id != publication.pk:
                continue
            series = [
                inputs.values.get((p.pk, kpi, component), group_stats._Values({})) for p in publications
            ]
            expected = reference_release(audience, inputs.groups, series, 3)
            values = {m: v for m, (v, _level) in series[-1].by_member.items()}
            reviewed = series[-1].reviewed
            for g in inputs.groups:
                whole = answer[(kpi, component, g.code, False)]
                assert statistics_only(whole, values, g.members) == expected[g.code]
                part = answer[(kpi, component, g.code, True)]
                part_members = g.members if part == whole else g.members & reviewed
                assert statistics_only(part, values, part_members) == group_stats._reviewed_part(
                    g, expected, series[-1]
                )
                released += isinstance(expected[g.code], group_stats.GroupStats)
    assert released  # some statistics were released (the comparison is not only of suppressions)


def test_an_answer_being_computed_elsewhere_is_waited_for(monkeypatch):
    """Another process marked the answer as being computed: it is waited for, not computed again."""

    class Elsewhere:
        polls = 0

        def get(self, key, default=None):
            if key.endswith(":computing"):
                self.polls += 1
                return 1 if self.polls < 3 else None  # the other process finishes after a while
            return ["done"] if self.polls >= 3 else None

        def add(self, key, value, timeout=None):
            return False  # the mark is someone else's

    monkeypatch.setattr(group_stats, "cache", Elsewhere())
    monkeypatch.setattr(group_stats.time, "sleep", lambda seconds: None)
    computed = []
    answer = group_stats._cached_or_computed("pmm:aggregates:x", lambda: computed.append(1) or [])
    assert answer == (["done"], False) and not computed
