"""Benchmark: a member's dashboard (page and API) among 187 members with three cycles of data.

Run with `PMM_DEBUG=true .venv/bin/python bench/dashboard.py [--runs N]`. It uses a fresh SQLite
database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts nothing about time.

The data: three cycles (2020, 2022, 2024) of PMM v.1, each with all 187 members' complete, submitted
demo assessments, computed and published. The reader: the NCP of Kenya.

Measured, for the page and the API:
- the job that, after a publication, caches the group statistics of the public, the Secretariat and
  each member's own people (run by the worker);
- cold: group statistics not cached (a reader whose audience the job did not foresee, or before it ran);
- warm: group statistics cached (after the job, or every later reader with the same audience);
- warm, with a peer group of the member's choice, and with peer-reviewed statistics only.
"""

from __future__ import annotations

import argparse
import time

from common import (  # sets up the database first
    cycle_of,
    ncp_of_kenya,
    reference_cycle,
    report,
    submitted_assessments,
    timed,
)
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.assessments.selectors import cycle_spec
from pmm.core.actors import SYSTEM
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.results.services import publication_create, results_recompute
from pmm.results.tasks import warm_group_statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    args = parser.parse_args()
    runs = max(3, args.runs)

    current = reference_cycle(2024)
    infos = _member_infos()
    for cycle in (cycle_of(2020), cycle_of(2022), current):
        spec = cycle_spec(cycle)
        plans = {
            i.iso3: complete_plan(spec, i, seed=cycle.reporting_year, year=cycle.reporting_year)
            for i in infos
        }
        for assessment in submitted_assessments(cycle, plans):
            results_recompute(assessment.pk)
        publication = publication_create(actor=SYSTEM, cycle=cycle, note="bench")
        print(f"cycle {cycle.reporting_year}: {publication.member_count} members published")
    cache.clear()
    started = time.perf_counter()
    warm_group_statistics.call(publication.pk)
    report("warm-up job after publishing 2024 (189 audiences)", [time.perf_counter() - started])

    user, headers = ncp_of_kenya()
    page_client = Client()
    page_client.force_login(user)
    api = f"/api/v1/cycles/{current.pk}/members/KEN/dashboard"
    page = f"/cycles/{current.pk}/members/KEN/dashboard/"
    measures = [
        ("API", lambda q="": page_client.get(api + q, headers=headers)),
        ("page", lambda q="": page_client.get(page + q)),
    ]
    for label, get in measures:
        get()  # imports and template compilation
        cache.clear()
        report(
            f"GET dashboard {label}, cold (statistics not cached)",
            timed(lambda g=get: (cache.clear(), g()), runs),
        )
        get()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            response = get()
        assert response.status_code == 200, response.content[:300]
        report(f"GET dashboard {label}, warm", timed(get, runs), len(queries))
        chosen = "?peers=UGA,TZA,RWA,BDI,ETH,SOM"
        get(chosen)
        report(f"GET dashboard {label}, warm, own peer group", timed(lambda g=get, q=chosen: g(q), runs))
        reviewed = "?reviewed_only=1" if label == "page" else "?reviewed_only=true"
        get(reviewed)
        only = timed(lambda g=get, q=reviewed: g(q), runs)
        report(f"GET dashboard {label}, warm, peer-reviewed only", only)


if __name__ == "__main__":
    main()
