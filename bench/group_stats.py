"""Benchmark: group statistics of a publication of 187 members x 51 KPIs (docs/performance.md).

Run with `PMM_DEBUG=true .venv/bin/python bench/group_stats.py [--runs N] [--warm-runs N]`. It uses a
fresh SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts nothing
about time. Each figure is printed beside the median of `GET /api/v1/me` measured in the same run (the
ratio), so runs on machines of different speed, or under a different load, can be compared.

The data: the 2024 cycle of PMM v.1 with all 187 members' complete, submitted demo assessments,
computed and published (`--republish`: and published a second time after correcting a few values, so
that the releases depend on an earlier snapshot).

Measured:
- `GET /api/v1/me` as the NCP of Kenya (the yardstick);
- the warm-up job after publishing (`warm_group_statistics`: the public, the Secretariat and each
  member's own people, 189 audiences), from an empty cache;
- `GET /api/v1/cycles/{id}/aggregates` as the NCP of Kenya, cold (group statistics not cached).
Cold means: the cache emptied and the releases this process remembers forgotten (`clear_process_memory`).
"""

from __future__ import annotations

import argparse
import statistics

from common import (  # sets up the database first
    get_ok,
    ncp_of_kenya,
    reference_cycle,
    report,
    submitted_assessments,
    timed,
)
from django.core.cache import cache
from django.test import Client

from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.results.group_stats import clear_process_memory
from pmm.results.services import publication_create, results_recompute
from pmm.results.tasks import warm_group_statistics


def _correct_a_few(cycle: object, how_many: int) -> None:
    """Change one data value in each of `how_many` assessments and recompute them (a correction)."""
    from pmm.assessments.models import Assessment, DataValue

    for assessment in Assessment.objects.filter(cycle=cycle).order_by("member__iso3")[:how_many]:
        rows = DataValue.objects.unrestricted().filter(assessment=assessment).order_by("pk")
        value = next((v for v in rows if isinstance(v.value, int | float) and v.value > 1), None)
        if value is not None:
            DataValue.objects.unrestricted().filter(pk=value.pk).update(value=value.value * 0.9)
        results_recompute(assessment.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of the API measures")
    parser.add_argument("--warm-runs", type=int, default=3, help="repetitions of the warm-up job")
    parser.add_argument("--republish", action="store_true", help="publish a second, corrected snapshot")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one warm-up job")
    args = parser.parse_args()
    runs = max(3, args.runs)

    cycle = reference_cycle(2024)
    spec = cycle_spec(cycle)
    plans = {i.iso3: complete_plan(spec, i, seed=2024, year=2024) for i in _member_infos()}
    for assessment in submitted_assessments(cycle, plans):
        results_recompute(assessment.pk)
    publication = publication_create(actor=SYSTEM, cycle=cycle, note="bench")
    if args.republish:
        _correct_a_few(cycle, 7)
        publication = publication_create(actor=SYSTEM, cycle=cycle, note="bench, corrected")
    print(f"publication {publication.number}: {publication.member_count} members, {len(spec.kpis)} KPIs")

    user, headers = ncp_of_kenya()
    client = Client()

    def get(url: str) -> None:
        get_ok(client, url, headers)

    me = "/api/v1/me"
    aggregates = f"/api/v1/cycles/{cycle.pk}/aggregates"
    get(me)
    get(aggregates)  # imports, first connection
    yardstick = timed(lambda: get(me), max(30, runs))
    base = statistics.median(yardstick)
    report("GET /api/v1/me as the NCP of Kenya (the yardstick)", yardstick)

    def cold_start() -> None:
        """Nothing cached, nothing remembered by this process (as in a fresh worker or web process)."""
        cache.clear()
        clear_process_memory()

    def warm() -> None:
        cold_start()
        warm_group_statistics.call(publication.pk)

    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("warm()", globals(), locals(), "/tmp/pmm-warm.prof")
        pstats.Stats("/tmp/pmm-warm.prof").sort_stats("tottime").print_stats(30)
        cold_start()
        cProfile.runctx("get(aggregates)", globals(), locals(), "/tmp/pmm-cold.prof")
        pstats.Stats("/tmp/pmm-cold.prof").sort_stats("tottime").print_stats(30)
        return
    job = timed(warm, max(1, args.warm_runs))
    report("warm-up job, all audiences (189), empty cache", job)
    cold = timed(lambda: (cold_start(), get(aggregates)), runs)
    report("GET /aggregates as the NCP of Kenya, cold", cold)
    yardstick += timed(lambda: get(me), max(30, runs))  # the load may have changed meanwhile
    base = statistics.median(yardstick)
    print(f"median GET /api/v1/me over the run: {base * 1000:.1f} ms")
    print(f"ratio warm-up job / GET me:        {statistics.median(job) / base:10.0f}")
    print(f"ratio cold aggregates / GET me:    {statistics.median(cold) / base:10.1f}")


if __name__ == "__main__":
    main()
